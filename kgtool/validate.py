"""Checks over the parsed graphs, gathered into one Report.

(a) SHACL, compiled to SPARQL on pyoxigraph (kgtool/shacl.py; pyshacl for shapes it cannot
    compile), with the ontology mixed in, so `sh:targetClass` sees `rdfs:subClassOf`;
(b) an individual in two disjoint classes (names the node);
(c) dangling references: a `bp:` IRI used as an object that nothing types;
(d) OWL consistency (owlready2 + HermiT) over the ontology, types and links between IRIs.
Each result is located in the file whose graph holds its focus node. No I/O beyond reading.
"""

from __future__ import annotations

import io
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field

import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD

from .namespaces import BP_IRI, ONTOLOGY_GRAPH, compact
from .sources import Sources

VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"


class ValidationError(Exception):
    """A check could not run at all (not: the data broke a rule)."""


@dataclass(frozen=True)
class Result:
    """One broken rule: where (file, focus node, path), which rule, how bad, and why."""

    file: str
    focus: str
    path: str
    rule: str
    severity: str
    message: str


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """Violations fail; warnings and infos are shown but do not."""
        return not any(r.severity == VIOLATION for r in self.results)

    def by_file(self) -> dict[str, list[Result]]:
        grouped: dict[str, list[Result]] = defaultdict(list)
        for result in sorted(self.results, key=lambda r: (r.file, r.focus, r.path, r.rule)):
            grouped[result.file].append(result)
        return dict(grouped)

    def as_text(self) -> str:
        """Grouped by file, one line a result: focus node, path, rule, message."""
        lines = []
        for file, results in self.by_file().items():
            lines.append(f"{file}:")
            for r in results:
                lines.append(f"  {r.severity}: {r.focus}  {r.path or '-'}  [{r.rule}]  {r.message}")
        violations = sum(r.severity == VIOLATION for r in self.results)
        lines.append(f"{'conforms' if self.conforms else 'does not conform'}: "
                     f"{violations} violation(s), {len(self.results) - violations} other result(s)")
        return "\n".join(lines)


def show(term) -> str:
    """A term as a reader wants it in a report: compact IRI, quoted literal."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return compact(str(term))
    if isinstance(term, Literal):
        return f'"{term}"'
    return f"_:{term}"


def files_of(sources: Sources, node) -> str:
    names = sources.holding(node) if node is not None else []
    return ", ".join(sources.path_of(n) for n in names) or "(all graphs)"


# (a) SHACL -----------------------------------------------------------------------------

def shacl_results(sources: Sources, shapes: Graph, engine: str = "compiled") -> list[Result]:
    """Validate the data union with the ontology mixed in (so targets and sh:class see
    rdfs:subClassOf; no inference: owlrl RDFS inference is far too slow on literals), and
    map each result to its files. The shapes run compiled to SPARQL on pyoxigraph
    (kgtool/shacl.py, the same results as pyshacl, far faster on big graphs); shapes that use
    a SHACL feature it does not compile, or engine="pyshacl", go to pyshacl."""
    from .shacl import Unsupported, validate as compiled

    if len(shapes) == 0:
        return []
    if engine == "compiled":
        try:
            return [compiled_result(sources, shapes, r) for r in compiled(sources, shapes)]
        except Unsupported:
            pass
    from pyshacl import validate as pyshacl_validate

    _, report_graph, _ = pyshacl_validate(
        sources.union(ontology=False), shacl_graph=shapes, ont_graph=sources.ontology, inference="none"
    )
    rdflib.NORMALIZE_LITERALS = False  # pyshacl sets it back to True on its way out (see sources.py)
    return [shacl_result(sources, shapes, report_graph, node)
            for node in report_graph.subjects(RDF.type, SH.ValidationResult)]


def shacl_result(sources: Sources, shapes: Graph, report: Graph, node) -> Result:
    focus = report.value(node, SH.focusNode)
    value = report.value(node, SH.value)
    message = preferred_message(report, node)
    if value is not None and value != focus and show(value) not in message:
        message += f" (value: {show(value)})"
    return Result(
        file=files_of(sources, focus),
        focus=show(focus),
        path=show_path(report.value(node, SH.resultPath)),
        rule=shape_rule(shapes, report.value(node, SH.sourceShape), report.value(node, SH.sourceConstraintComponent)),
        severity=show(report.value(node, SH.resultSeverity)).removeprefix("sh:"),
        message=message,
    )


def compiled_result(sources: Sources, shapes: Graph, r) -> Result:
    """A result of kgtool/shacl.py, worded as shacl_result words pyshacl's."""
    message = preferred(r.messages)
    if r.value is not None and r.value != r.focus and show(r.value) not in message:
        message += f" (value: {show(r.value)})"
    return Result(file=files_of(sources, r.focus), focus=show(r.focus), path=show_path(r.path),
                  rule=shape_rule(shapes, r.shape, r.component), severity=show(r.severity).removeprefix("sh:"),
                  message=message)


def preferred(messages) -> str:
    """The English (or untagged) message if there is one, else any."""
    messages = sorted(messages, key=lambda m: (m.language not in (None, "en"), str(m)))
    return str(messages[0]) if messages else ""


def preferred_message(report: Graph, node) -> str:
    """The English (or untagged) sh:resultMessage if there is one, else any."""
    return preferred(report.objects(node, SH.resultMessage))


def show_path(path) -> str:
    return "(complex path)" if isinstance(path, BNode) else show(path)


def shape_rule(shapes: Graph, shape, component) -> str:
    """Name the rule by its node shape (a blank property shape by its parent) and the
    constraint component, e.g. `bps:DeadlineShape minCount`."""
    if isinstance(shape, BNode):
        shape = shapes.value(None, SH.property, shape) or shape
    kind = show(component).removeprefix("sh:").removesuffix("ConstraintComponent")
    return f"{show(shape)} {kind[:1].lower()}{kind[1:]}"


# (b) disjoint classes ------------------------------------------------------------------

DISJOINT_PAIRS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT DISTINCT ?a ?b WHERE {
  { ?a owl:disjointWith ?b }
  UNION { ?all a owl:AllDisjointClasses ; owl:members/rdf:rest*/rdf:first ?a, ?b . FILTER (?a != ?b) }
}
"""


def disjoint_with(ontology: Graph) -> dict:
    """Class -> the classes declared disjoint with it (both directions)."""
    pairs = defaultdict(set)
    for a, b in ontology.query(DISJOINT_PAIRS):
        pairs[a].add(b)
        pairs[b].add(a)
    return pairs


def disjoint_results(sources: Sources, union: Graph) -> list[Result]:
    """An individual typed (through rdfs:subClassOf*) as two disjoint classes.

    The declared pairs come from SPARQL over the ontology; joining them with the types
    is done here, as rdflib's SPARQL takes seconds for that join on 30k triples."""
    pairs = disjoint_with(sources.ontology)
    superclasses = {}
    types = defaultdict(set)
    for x, cls in union.subject_objects(RDF.type):
        if cls not in superclasses:
            superclasses[cls] = set(sources.ontology.transitive_objects(cls, RDFS.subClassOf))
        types[x] |= superclasses[cls]
    clashes = {(x, a, b) for x, classes in types.items() for a in classes for b in pairs[a] & classes if str(a) < str(b)}
    return [
        Result(files_of(sources, x), show(x), "rdf:type", "kgtool:disjoint-classes", VIOLATION,
               f"typed as both {show(a)} and {show(b)}, which are declared disjoint")
        for x, a, b in sorted(clashes)
    ]


# (c) dangling references ---------------------------------------------------------------

def dangling_results(sources: Sources, union: Graph) -> list[Result]:
    """A `bp:` IRI used as an object but typed nowhere: most often a typo in an IRI."""
    typed = set(union.subjects(RDF.type, None))
    results = []
    for name, source in sources.graphs.items():
        for s, p, o in source.graph:
            if isinstance(o, URIRef) and str(o).startswith(BP_IRI) and o not in typed:
                results.append(Result(sources.path_of(name), show(s), show(p), "kgtool:dangling-reference",
                                      VIOLATION, f"{show(o)} is used here but has no rdf:type in any graph"))
    return results


# (d) OWL consistency -------------------------------------------------------------------

# Datatypes HermiT accepts (the OWL 2 datatype map); others, e.g. xsd:duration and
# xsd:date, make it refuse the whole ontology.
OWL2_DATATYPES = {
    RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal, RDF.langString, OWL.real, OWL.rational,
    *(XSD[n] for n in (
        "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger "
        "long int short byte unsignedLong unsignedInt unsignedShort unsignedByte double float "
        "string normalizedString token language Name NCName NMTOKEN boolean hexBinary "
        "base64Binary anyURI dateTime dateTimeStamp").split()),
}


def reasoner_ontology(ontology: Graph) -> Graph:
    """The ontology, datatypes outside the OWL 2 map widened to rdfs:Literal."""
    owl_input = Graph()
    for s, p, o in ontology:
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES:
            continue
        if isinstance(o, URIRef) and str(o).startswith(str(XSD)) and o not in OWL2_DATATYPES:
            o = RDFS.Literal
        owl_input.add((s, p, o))
    return owl_input


def reasoner_assertions(sources: Sources, union: Graph) -> list[tuple]:
    """The data's rdf:type assertions to classes the ontology mentions and its object
    properties between IRIs (subjects the ontology describes left out). Literals are left to
    SHACL."""
    ontology = sources.ontology
    described = set(ontology.subjects())
    known_classes = described | set(ontology.objects())
    assertions = []
    for p in [RDF.type, *ontology.subjects(RDF.type, OWL.ObjectProperty)]:
        for s, o in union.subject_objects(p):
            if isinstance(s, URIRef) and isinstance(o, URIRef) and s not in described \
                    and (p != RDF.type or o in known_classes):
                assertions.append((s, p, o))
    return assertions


def reasoner_input(sources: Sources, union: Graph) -> Graph:
    """What HermiT checks: the ontology plus the data's types and links."""
    owl_input = reasoner_ontology(sources.ontology)
    for triple in reasoner_assertions(sources, union):
        owl_input.add(triple)
    return owl_input


def abstract_assertions(assertions: list[tuple], ontology: Graph) -> list[tuple]:
    """The assertions with every individual replaced by one representative of its kind:
    the same asserted types, the same properties out of it and the same into it.

    Sound for consistency: mapping each individual to its representative is a homomorphism,
    so a model of (ontology + abstraction) gives a model of (ontology + assertions) with the
    same class extensions. Individuals the ontology names (nominals such as bpo:AtLeast) or
    that owl:sameAs links stay themselves, and the input has no owl:differentFrom. Hence a
    consistent abstraction means consistent data, and a class satisfiable with the
    abstraction is satisfiable with the data; only the other outcomes need the full check.
    Literal values are not in the reasoner's input at all, so they cannot matter."""
    types, outgoing, incoming = defaultdict(set), defaultdict(set), defaultdict(set)
    keep = set(ontology.subjects()) | set(ontology.objects())
    for s, p, o in assertions:
        if p == RDF.type:
            types[s].add(o)
        else:
            outgoing[s].add(p)
            incoming[o].add(p)
            if p == OWL.sameAs:
                keep |= {s, o}
    kinds: dict = {}

    def kind(node):
        if node in keep:
            return node
        key = (frozenset(types[node]), frozenset(outgoing[node]), frozenset(incoming[node]))
        return kinds.setdefault(key, URIRef(f"urn:kgtool:kind:{len(kinds)}"))

    return list({(kind(s), p, o if p == RDF.type else kind(o)) for s, p, o in assertions})


def hermit(ontology: Graph, assertions: list[tuple]) -> tuple[bool, list[str]]:
    """HermiT's verdict on the ontology plus assertions: consistent or not, and the IRIs of
    the classes that can have no members."""
    import owlready2

    owl_input = Graph()
    owl_input += ontology
    for triple in assertions:
        owl_input.add(triple)
    world = owlready2.World()
    data = owl_input.serialize(format="nt", encoding="utf-8")
    world.get_ontology("https://w3id.org/biopolicy/graph/reasoner-input").load(fileobj=io.BytesIO(data), format="ntriples")
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False, []
    except Exception as error:  # Java missing, HermiT refusing the input...
        raise ValidationError(f"the OWL reasoner could not run ({error}); use --no-owl to skip it") from None
    return True, [c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing]


def owl_results(sources: Sources, union: Graph) -> list[Result]:
    """Ask HermiT whether the ontology plus the data is consistent, and which classes
    can have no members. HermiT first sees one individual per kind (abstract_assertions);
    only when that finds a problem does it check every individual, which decides."""
    ontology = reasoner_ontology(sources.ontology)
    assertions = reasoner_assertions(sources, union)
    abstract = abstract_assertions(assertions, sources.ontology)
    consistent, unsatisfiable = hermit(ontology, abstract) if len(abstract) < len(assertions) else (False, [])
    if not consistent or unsatisfiable:
        consistent, unsatisfiable = hermit(ontology, assertions)
    if not consistent:
        return [Result(sources.path_of(ONTOLOGY_GRAPH), "(the whole graph)", "", "kgtool:owl-consistency",
                       VIOLATION, "HermiT finds the ontology plus the data's types and links inconsistent; "
                       "look for an individual in disjoint classes or a functional property with two values")]
    return [Result(sources.path_of(ONTOLOGY_GRAPH), show(URIRef(iri)), "", "kgtool:owl-unsatisfiable-class",
                   WARNING, "HermiT finds this class can have no members") for iri in unsatisfiable]


def validate(sources: Sources, shapes: Graph, owl: bool = True, timer=None) -> Report:
    """Every check, in one report. `timer(name)`, if given, is a context manager around
    each check (build uses it to print how long each took)."""
    timer = timer or (lambda name: nullcontext())
    with timer("SHACL"):
        results = shacl_results(sources, shapes)
    with timer("disjoint classes, dangling references"):
        union = sources.union()
        results += disjoint_results(sources, union)
        results += dangling_results(sources, union)
    if owl:
        with timer("OWL"):
            results += owl_results(sources, union)
    return Report(results)
