"""SHACL validation compiled to SPARQL and run set-at-a-time on pyoxigraph.

pyshacl checks one focus node at a time in Python, which grows slow with the graph
(docs/performance.md).
This module turns each constraint of each shape into one SPARQL query over the union of
all graphs (the ontology included, as pyshacl sees it with `ont_graph`), so the store does
the joins. It gives the results pyshacl gives, with the same focus node, path, value,
source shape, component, severity and messages; tests/test_shacl.py compares the two on
every fixture of tests/test_shapes.py and on generated data.

It knows the part of SHACL Core (and SHACL-SPARQL SELECT constraints) that our shapes use.
A shapes graph that uses anything else raises `Unsupported`, and the caller uses pyshacl.
Errors inside SPARQL expressions count as "does not conform", never as a silent pass.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD



# An ill-typed literal ("2022-02-30"^^xsd:date) is reported by the shapes, with its node
# and path; rdflib's own warning about it (well_typed parses it) is a traceback that says neither.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)


class Unsupported(Exception):
    """The shapes use a SHACL feature this module does not compile."""


@dataclass
class ShaclResult:
    """One validation result, as pyshacl's report states it: focus and value as pyoxigraph
    terms, the rest as the shapes graph's rdflib terms."""

    focus: object
    path: object
    value: object
    shape: object
    component: URIRef
    severity: URIRef
    messages: list[Literal]


# The SHACL terms this module understands, on a shape or inside one.
KNOWN = {SH[n] for n in (
    "targetClass targetSubjectsOf targetObjectsOf targetNode property path inversePath alternativePath "
    "zeroOrMorePath oneOrMorePath zeroOrOnePath class datatype nodeKind pattern flags languageIn minCount "
    "maxCount qualifiedValueShape qualifiedMinCount qualifiedMaxCount uniqueLang or not in minInclusive "
    "maxInclusive minExclusive maxExclusive sparql select prefixes message name description severity order "
    "group defaultValue declare prefix namespace").split()}
NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
# Datatypes whose every lexical form is valid: checked in SPARQL alone. Others go through
# rdflib's own parsing of each distinct lexical form, as pyshacl does (ill_typed).
STRING_TYPES = {XSD.string, RDF.langString}


def nt(term) -> str:
    """An rdflib term in SPARQL syntax."""
    if isinstance(term, (URIRef, Literal)):
        return term.n3()
    raise Unsupported(f"a blank node where a SPARQL term is needed: {term}")


def to_rdflib(term):
    """A pyoxigraph term as rdflib's (a blank node keeps its name, a literal its form)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)


def to_ox(term):
    """An rdflib term (of a pyshacl report on a graph made by to_rdflib) as pyoxigraph's."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(term)
    if isinstance(term, BNode):
        return ox.BlankNode(term)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(term.datatype or XSD.string))


class Compiler:
    def __init__(self, shapes: Graph, store: ox.Store | None = None):
        self.g, self.store = shapes, store
        self.kinds: dict = {}  # class -> its subclasses in the store, for sh:class
        for s, p, _ in shapes:
            if str(p).startswith(str(SH)) and p not in KNOWN:
                raise Unsupported(f"{p} (on {s})")
        if any(shapes.triples((None, SH.deactivated, None))):
            raise Unsupported("sh:deactivated")

    def items(self, node) -> list:
        return list(Collection(self.g, node))

    def one(self, node, predicate):
        values = list(self.g.objects(node, predicate))
        if len(values) > 1:
            raise Unsupported(f"several {predicate} on {node}")
        return values[0] if values else None

    # Paths ----------------------------------------------------------------------------

    def path(self, node) -> str:
        """A SHACL path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return node.n3()
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in self.items(node)) + ")"
        for predicate, template in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"),
                                    (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
            inner = self.one(node, predicate)
            if inner is not None:
                return "(" + template.format(self.path(inner)) + ")"
        alternatives = self.one(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in self.items(alternatives)) + ")"
        raise Unsupported(f"path {node}")

    # Conformance of one node as a boolean SPARQL expression (inside sh:or, sh:not, ...)

    def conforms(self, shape, v: str) -> str:
        """True when the node in variable `v` conforms to `shape`; never an error."""
        parts = []
        path = self.one(shape, SH.path)
        for p, o in self.g.predicate_objects(shape):
            if p in (SH.path, SH.message, SH.name, SH.description, SH.order, SH.group, SH.severity, RDF.type,
                     RDFS.label, RDFS.comment, SH.flags):
                continue
            if path is not None:
                if p == SH.minCount and int(o) == 1:
                    parts.append(f"EXISTS {{ {v} {self.path(path)} ?any_{len(parts)} }}")
                    continue
                raise Unsupported(f"{p} on the property shape {shape} inside another shape")
            parts.append(self.value_test(shape, p, o, v))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def instance_of(self, v: str, cls) -> str:
        """`v` is a SHACL instance of `cls` (`rdf:type/rdfs:subClassOf*`). With a store, the
        subclasses of `cls` are found once and the test asks for a type among them: the
        same answer, and many times faster than the path, which Oxigraph walks again for
        every value. A blank node among the subclasses (which a query cannot name) keeps
        the path."""
        if cls not in self.kinds and self.store is not None:
            self.kinds[cls] = [row["kind"] for row in self.store.query(
                f"SELECT DISTINCT ?kind WHERE {{ ?kind <{RDFS.subClassOf}>* {nt(cls)} }}", use_default_graph_as_union=True)]
        kinds = self.kinds.get(cls)
        if kinds is None or any(isinstance(kind, ox.BlankNode) for kind in kinds):
            return f"EXISTS {{ {v} <{RDF.type}>/<{RDFS.subClassOf}>* {nt(cls)} }}"
        return f"EXISTS {{ {v} <{RDF.type}> ?kind FILTER(?kind IN ({', '.join(str(kind) for kind in kinds)})) }}"

    def value_test(self, shape, p, o, v: str) -> str:
        """One value-level constraint as an expression that is true when `v` satisfies it."""
        if p == SH["class"]:
            return self.instance_of(v, o)
        if p == SH.datatype:
            if o not in STRING_TYPES:
                raise Unsupported(f"sh:datatype {o} inside another shape")
            return f"COALESCE(isLiteral({v}) && DATATYPE({v}) = {nt(o)}, false)"
        if p == SH.nodeKind:
            return NODE_KINDS[o].format(v=v)
        if p == SH.pattern:
            flags = self.one(shape, SH.flags)
            flag_arg = f", {Literal(str(flags)).n3()}" if flags is not None else ""
            return f"COALESCE(!isBlank({v}) && REGEX(STR({v}), {Literal(str(o)).n3()}{flag_arg}), false)"
        if p == SH.languageIn:
            tags = " || ".join(f"LANGMATCHES(LANG({v}), {Literal(str(t)).n3()})" for t in self.items(o))
            return f"COALESCE(isLiteral({v}) && ({tags or 'false'}), false)"
        if p == SH["in"]:
            return "(" + " || ".join(f"sameTerm({v}, {nt(x)})" for x in self.items(o)) + ")" if self.items(o) else "false"
        comparisons = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
        if p in comparisons:
            return f"COALESCE({v} {comparisons[p]} {nt(o)}, false)"
        if p == SH["not"]:
            return f"!{self.conforms(o, v)}"
        if p == SH["or"]:
            return "(" + " || ".join(self.conforms(member, v) for member in self.items(o)) + ")"
        raise Unsupported(f"{p} inside another shape")


# Running the shapes ---------------------------------------------------------------------

class Engine:
    """Each shape with targets, its constraints, one query each."""

    def __init__(self, store: ox.Store, shapes: Graph, compiler: Compiler | None = None):
        self.store, self.c, self.g = store, compiler or Compiler(shapes, store), shapes
        self.results: list[ShaclResult] = []

    def select(self, query: str):
        return self.store.query(query, use_default_graph_as_union=True)

    def run(self) -> list[ShaclResult]:
        for shape in sorted(self.shapes_with_targets(), key=str):
            focus = self.focus(shape)
            self.check(shape, focus, None)
        return self.results

    def shapes_with_targets(self) -> set:
        targets = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
        shapes = {s for t in targets for s in self.g.subjects(t, None)}
        if any((s, RDF.type, RDFS.Class) in self.g or (s, RDF.type, OWL.Class) in self.g
               for s in self.g.subjects(RDF.type, SH.NodeShape)):
            raise Unsupported("implicit class targets")
        return shapes

    def focus(self, shape) -> str:
        """A group binding ?this to each focus node of the shape, once."""
        parts = [f"{{ ?this <{RDF.type}>/<{RDFS.subClassOf}>* {nt(c)} }}" for c in self.g.objects(shape, SH.targetClass)]
        parts += [f"{{ ?this {nt(p)} ?target_any }}" for p in self.g.objects(shape, SH.targetSubjectsOf)]
        parts += [f"{{ ?target_any {nt(p)} ?this }}" for p in self.g.objects(shape, SH.targetObjectsOf)]
        parts += [f"{{ VALUES ?this {{ {nt(n)} }} }}" for n in self.g.objects(shape, SH.targetNode)]
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"

    def check(self, shape, focus: str, parent) -> None:
        path_node = self.c.one(shape, SH.path)
        path = self.c.path(path_node) if path_node is not None else None
        values = f"?this {path} ?value ." if path else "BIND(?this AS ?value)"
        severity = self.c.one(shape, SH.severity) or SH.Violation
        messages = list(self.g.objects(shape, SH.message))
        emit = lambda focus_node, value, component, extra=(): self.results.append(ShaclResult(  # noqa: E731
            focus_node, path_node, value, shape, component, severity, messages + list(extra)))

        for p, o in sorted(self.g.predicate_objects(shape), key=lambda po: str(po[0])):
            if p in (SH["class"], SH.nodeKind, SH.pattern, SH.languageIn, SH["in"], SH.minInclusive, SH.maxInclusive,
                     SH.minExclusive, SH.maxExclusive, SH["not"], SH["or"]):
                component = SH[component_name(p)]
                test = self.c.value_test(shape, p, o, "?value")
                for row in self.select(f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} FILTER(!COALESCE({test}, false)) }}"):
                    emit(row["this"], row["value"], component)
            elif p == SH.datatype:
                for this, value in self.datatype_failures(focus, values, o):
                    emit(this, value, SH.DatatypeConstraintComponent)
            elif p in (SH.minCount, SH.maxCount):
                if path is None:
                    raise Unsupported(f"{p} on a node shape")
                low = p == SH.minCount
                join = f"OPTIONAL {{ ?this {path} ?value }}" if low else f"?this {path} ?value"
                query = (f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?value }} }}" if low and int(o) == 1
                         else f"SELECT ?this WHERE {{ {focus} {join} }} GROUP BY ?this "
                              f"HAVING (COUNT(DISTINCT ?value) {'<' if low else '>'} {int(o)})")
                for row in self.select(query):
                    emit(row["this"], None, SH.MinCountConstraintComponent if low else SH.MaxCountConstraintComponent)
            elif p == SH.qualifiedValueShape:
                self.qualified(shape, focus, path, o, emit)
            elif p == SH.uniqueLang:
                if str(o).lower() != "true":
                    continue
                query = (f"SELECT ?this ?lang WHERE {{ {{ SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} }} }} "
                         f"BIND(LANG(?value) AS ?lang) FILTER(?lang != \"\") }} GROUP BY ?this ?lang HAVING (COUNT(?value) > 1)")
                for row in self.select(query):
                    emit(row["this"], None, SH.UniqueLangConstraintComponent)
            elif p == SH.sparql:
                self.sparql(shape, focus, path_node, o, emit)
            elif p == SH.property:
                if path is not None:
                    raise Unsupported(f"sh:property inside the property shape {shape}")
                self.check(o, focus, shape)
            elif p in (SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.flags):
                continue  # read with sh:qualifiedValueShape and sh:pattern

    def datatype_failures(self, focus: str, values: str, datatype) -> list[tuple]:
        """Values that are not literals of the datatype, or whose lexical form rdflib finds
        ill-typed (pyshacl's test, so both engines agree on forms such as "P1W")."""
        if datatype in (RDFS.Literal, RDFS.Datatype):
            raise Unsupported(f"sh:datatype {datatype}")
        dt = nt(datatype)
        rows = [(r["this"], r["value"]) for r in self.select(
            f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} FILTER(!COALESCE(isLiteral(?value) && DATATYPE(?value) = {dt}, false)) }}")]
        if datatype in STRING_TYPES:
            return rows
        candidates = [r["value"] for r in self.select(
            f"SELECT DISTINCT ?value WHERE {{ {focus} {values} FILTER(isLiteral(?value) && DATATYPE(?value) = {dt}) }}")]
        bad = [v for v in candidates if not well_typed(v.value, datatype)]
        if bad:
            listed = " ".join(str(v) for v in bad)
            rows += [(r["this"], r["value"]) for r in self.select(
                f"SELECT DISTINCT ?this ?value WHERE {{ VALUES ?value {{ {listed} }} {focus} {values} }}")]
        return rows

    def qualified(self, shape, focus: str, path: str, value_shape, emit) -> None:
        if self.c.one(shape, SH.qualifiedValueShapesDisjoint) is not None:
            raise Unsupported("sh:qualifiedValueShapesDisjoint")
        test = self.c.conforms(value_shape, "?value")
        counted = (f"SELECT ?this (SUM(IF(COALESCE(BOUND(?value) && {test}, false), 1, 0)) AS ?n) WHERE {{ "
                   f"{{ SELECT DISTINCT ?this ?value WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value }} }} }} }} GROUP BY ?this")
        low, high = self.c.one(shape, SH.qualifiedMinCount), self.c.one(shape, SH.qualifiedMaxCount)
        bounds = [(int(bound), compare, component) for bound, compare, component in (
            (low, "<", SH.QualifiedMinCountConstraintComponent), (high, ">", SH.QualifiedMaxCountConstraintComponent))
            if bound is not None]
        if not bounds:
            return
        broken = " || ".join(f"?n {compare} {bound}" for bound, compare, _ in bounds)
        for row in self.select(f"SELECT ?this ?n WHERE {{ {{ {counted} }} FILTER({broken}) }}"):  # counted once for both
            n = int(row["n"].value)
            for bound, compare, component in bounds:
                if (n < bound) if compare == "<" else (n > bound):
                    emit(row["this"], None, component)

    def sparql(self, shape, focus: str, path_node, constraint, emit) -> None:
        """A SPARQL SELECT constraint: $this joined with the focus nodes, one result per row."""
        select = self.c.one(constraint, SH.select)
        if select is None or self.c.one(constraint, SH.deactivated) is not None:
            raise Unsupported(f"sh:sparql without sh:select on {shape}")
        text = str(select)
        if "$PATH" in text or "$currentShape" in text or "$shapesGraph" in text:
            raise Unsupported("pre-bound variables other than $this")
        declarations = []
        for source in self.g.objects(constraint, SH.prefixes):
            for declared in self.g.objects(source, SH.declare):
                prefix, namespace = self.c.one(declared, SH.prefix), self.c.one(declared, SH.namespace)
                declarations.append(f"PREFIX {prefix}: <{namespace}>")
        query = "\n".join(declarations) + f"\nSELECT * WHERE {{ {focus} {{ {text} }} }}"
        messages = list(self.g.objects(constraint, SH.message))
        solutions = self.select(query)
        names = {v.value for v in solutions.variables}
        for row in solutions:
            value = row["value"] if "value" in names else None
            bound = {"this": row["this"], "value": value} if value is not None else {"this": row["this"]}
            extra = [format_message(m, bound) for m in messages]
            emit(row["this"], value, SH.SPARQLConstraintComponent, extra)


def component_name(parameter: URIRef) -> str:
    local = str(parameter).removeprefix(str(SH))
    return local[:1].upper() + local[1:] + "ConstraintComponent"


def format_message(message: Literal, bound: dict) -> Literal:
    """{?value} and {$this} in a SPARQL constraint's message, filled as pyshacl fills them."""
    text = str(message)
    for name, term in bound.items():
        text = re.sub(r"\{[?$]" + name + r"\}", lambda _: term.value, text)
    return Literal(text, lang=message.language)


def well_typed(lexical: str, datatype) -> bool:
    """pyshacl's sh:datatype test for a literal whose datatype matches: rdflib parses it,
    and for a few types the parsed value must have the expected Python type."""
    from datetime import date, datetime, time
    from decimal import Decimal

    literal = Literal(lexical, datatype=datatype, normalize=False)
    if getattr(literal, "ill_typed", None) is True:
        return False
    expected = {XSD.integer: int, XSD.float: float, XSD.decimal: Decimal, XSD.boolean: bool,
                XSD.date: date, XSD.time: time, XSD.dateTime: datetime}.get(datatype)
    return expected is None or isinstance(literal.value, expected)


# Running on the store -------------------------------------------------------------------

def validate(store: ox.Store, shapes: Graph) -> list[ShaclResult]:
    """Every result of the shapes over the union of all graphs of the store (the ontology
    included), which holds each literal in the form the release will have."""
    return Engine(store, shapes).run()
