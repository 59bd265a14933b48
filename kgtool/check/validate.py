"""Checks over the one store of the build, gathered into one Report.

(a) SHACL, compiled to SPARQL on the store (kgtool/check/shacl.py; pyshacl, the reference
    engine, for shapes it cannot compile), with the ontology mixed in, so `sh:targetClass`
    sees `rdfs:subClassOf`;
(b) violation queries, each a SPARQL SELECT that must return no rows: an individual in two
    disjoint classes and dangling references (kgtool/sparql/*-violation.rq, over all graphs),
    and the ontology's own quality checks (ontology/checks/*-violation.rq, over the ontology);
(c) OWL consistency (owlready2 + HermiT) over the ontology (kgtool/sparql/owl-ontology.rq)
    and the data's types and links between IRIs, graph by graph (owl-assertions.rq).
Each result is located in the file whose graph holds its focus node. No I/O beyond reading.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..derive import SPARQL, sparql
from ..errors import KgtoolError
from ..namespaces import ONTOLOGY_GRAPH, OWL, RDF, RDFS, SH, compact
from ..sources import Sources
from ..store import term_text

VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"
STORE_CHECKS = ("disjoint-classes-violation.rq", "dangling-reference-violation.rq", "undeclared-term-violation.rq",
                "due-date-out-of-range-violation.rq")
MESSAGE = re.compile(r"^#\+ message: (.*)$", re.M)


class ValidationError(KgtoolError):
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
    # HermiT's input hash and its results, for the next incremental build (None: not run)
    owl: dict | None = None

    @property
    def conforms(self) -> bool:
        """Violations fail; warnings and infos are shown but do not."""
        return not any(r.severity == VIOLATION for r in self.results)

    def ordered(self) -> list[Result]:
        return sorted(self.results, key=lambda r: (r.file, r.focus, r.path, r.rule, r.severity, r.message))

    def by_file(self) -> dict[str, list[Result]]:
        grouped: dict[str, list[Result]] = defaultdict(list)
        for result in self.ordered():
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
    """A term as a reader wants it in a report: compact IRI, quoted literal. Takes the
    store's terms and the shapes graph's rdflib terms alike."""
    if term is None or isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return term_text(term, quoted=True)
    kind = type(term).__name__  # rdflib, without importing it here
    if kind == "URIRef":
        return compact(str(term))
    if kind == "Literal":
        return f'"{term}"'
    return f"_:{term}"


def files_of(sources: Sources, node) -> str:
    names = sources.holding(node) if node is not None else []
    return ", ".join(sources.path_of(n) for n in names) or "(all graphs)"


# (a) SHACL -----------------------------------------------------------------------------

def shacl_results(sources: Sources, shapes, engine: str = "compiled") -> list[Result]:
    """Validate the union of the graphs with the ontology mixed in (so targets and sh:class
    see rdfs:subClassOf; no inference: owlrl RDFS inference is far too slow on literals), and
    map each result to its files. The shapes run compiled to SPARQL on the store
    (kgtool/check/shacl.py, the same results as pyshacl, far faster on big graphs); shapes that use
    a SHACL feature it does not compile, or engine="pyshacl", go to pyshacl."""
    from .shacl import Unsupported, validate as compiled

    if len(shapes) == 0:
        return []
    if engine == "compiled":
        try:
            return [shacl_result(sources, shapes, r) for r in compiled(sources.store, shapes)]
        except Unsupported:
            pass
    return [shacl_result(sources, shapes, r) for r in pyshacl_results(sources, shapes)]


def pyshacl_results(sources: Sources, shapes) -> list:
    """pyshacl's results, on rdflib copies of the store's graphs (the same literal forms and
    blank node names as the store, so both engines report the same terms)."""
    import rdflib
    from pyshacl import validate as pyshacl_validate
    from rdflib.namespace import SH as RSH

    from .shacl import ShaclResult, to_ox, to_rdflib

    data, ontology = rdflib.Graph(), rdflib.Graph()
    for quad in sources.store:
        target = ontology if quad.graph_name.value == ONTOLOGY_GRAPH else data
        target.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    _, report, _ = pyshacl_validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none")
    return [ShaclResult(to_ox(report.value(node, RSH.focusNode)), report.value(node, RSH.resultPath),
                        to_ox(report.value(node, RSH.value)), report.value(node, RSH.sourceShape),
                        report.value(node, RSH.sourceConstraintComponent), report.value(node, RSH.resultSeverity),
                        list(report.objects(node, RSH.resultMessage)))
            for node in report.subjects(rdflib.RDF.type, RSH.ValidationResult)]


def shacl_result(sources: Sources, shapes, r) -> Result:
    """A SHACL result as a Result: the English message, the value if it does not show."""
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


def show_path(path) -> str:
    return "(complex path)" if type(path).__name__ == "BNode" else show(path)


def shape_rule(shapes, shape, component) -> str:
    """Name the rule by its node shape (a blank property shape by its parent) and the
    constraint component, e.g. `bps:DeadlineShape minCount`."""
    if type(shape).__name__ == "BNode":
        from rdflib import URIRef

        shape = shapes.value(None, URIRef(SH + "property"), shape) or shape
    kind = show(component).removeprefix("sh:").removesuffix("ConstraintComponent")
    return f"{show(shape)} {kind[:1].lower()}{kind[1:]}"


# (b) violation queries -----------------------------------------------------------------

def violation_results(sources: Sources, check: Path, ontology_only: bool = False) -> list[Result]:
    """The rows of a violation query as results, rule `kgtool:NAME` for NAME-violation.rq.
    Each row is located by its ?graph if it has one, else in the ontology file (a check of
    the ontology alone) or the files of its ?focus (else its first IRI). The message is the
    query's `#+ message:` template filled with the row's values, else its first comment line
    and the values."""
    text = check.read_text(encoding="utf-8")
    template = MESSAGE.search(text)
    about = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("# ")), check.stem)
    rule = "kgtool:" + check.stem.removesuffix("-violation")
    options = {"default_graph": ox.NamedNode(ONTOLOGY_GRAPH)} if ontology_only else {"use_default_graph_as_union": True}
    solutions = sources.store.query(text, **options)
    names = [v.value for v in solutions.variables]
    results = []
    for row in solutions:
        values = {name: row[name] for name in names if row[name] is not None}
        focus = values.get("focus") or next((v for v in values.values() if isinstance(v, ox.NamedNode)), None)
        if "graph" in values:
            file = sources.path_of(values["graph"].value)
        elif ontology_only:
            file = sources.path_of(ONTOLOGY_GRAPH)
        else:
            file = files_of(sources, focus)
        shown = {name: show(value) for name, value in values.items()}
        message = template[1].format(**shown) if template else about + " (" + ", ".join(
            f"{name}: {value}" for name, value in shown.items() if values[name] is not focus) + ")"
        results.append(Result(file, show(focus) if focus is not None else "(the ontology)", shown.get("path", ""),
                              rule, VIOLATION, message))
    return results


def check_results(sources: Sources, ontology_checks: list[Path] = ()) -> list[Result]:
    """The violation queries of kgtool/sparql/ over all graphs, then the ontology checks."""
    results = []
    for name in STORE_CHECKS:
        results += violation_results(sources, SPARQL / name)
    for check in ontology_checks:
        results += violation_results(sources, check, ontology_only=True)
    return results


# (c) OWL consistency -------------------------------------------------------------------

def reasoner_assertions(sources: Sources, graphs: list[str] | None = None) -> dict[str, list[bytes]]:
    """What each data graph gives HermiT (kgtool/sparql/owl-assertions.rq), by graph: of
    every graph, or of the graphs named (the query reads the ontology too, for the
    properties and classes that count). Each triple is its row of SPARQL TSV results,
    `<s>\\t<p>\\t<o>` (every term is an IRI, so no tab or line break inside one): no Python
    object a term, and N-Triples by two replacements (as_ntriples)."""
    options = {} if graphs is None else {"named_graphs": [ox.NamedNode(g) for g in sorted({ONTOLOGY_GRAPH, *graphs})]}
    rows = sources.store.query(sparql("owl-assertions.rq"), **options).serialize(format=ox.QueryResultsFormat.TSV)
    found = defaultdict(list)
    for row in rows.splitlines()[1:]:  # after the header
        graph, triple = row.split(b"\t", 1)
        found[graph].append(triple)
    return {graph[1:-1].decode(): triples for graph, triples in found.items()}


def as_ntriples(lines: list[bytes]) -> bytes:
    """reasoner_assertions' lines as N-Triples."""
    return (b"\n".join(lines) + b"\n").replace(b"\t", b" ").replace(b"\n", b" .\n") if lines else b""


EMPTY = hashlib.sha256(b"").hexdigest()


def reasoner_parts(sources: Sources, known: dict | None) -> tuple[dict[str, list[str]], dict | None]:
    """HermiT's input, graph by graph: [the graph's digest (Sources.digests), the digest of
    what it gives the reasoner]; the ontology's part is its digest. For a graph whose
    digest is the one in `known` (an earlier build's parts), with the same ontology, the
    part is taken from there; only the other graphs are queried. Also returns the
    assertions when every graph was queried (None otherwise)."""
    ontology = sources.digests.get(ONTOLOGY_GRAPH)
    known = known if known and known.get(ONTOLOGY_GRAPH) == [ontology, ontology] else {}
    data = [name for name in sources.digests if name != ONTOLOGY_GRAPH]
    again = [name for name in data if known.get(name, [None])[0] != sources.digests[name]]
    assertions = reasoner_assertions(sources, None if len(again) == len(data) else again)
    parts = {ONTOLOGY_GRAPH: [ontology, ontology]}
    for name in data:
        parts[name] = [sources.digests[name], hashlib.sha256(b"\n".join(sorted(assertions.get(name, [])))).hexdigest()
                       ] if name in again else known[name]
    return parts, assertions if len(again) == len(data) else None


def same_input(before: dict, parts: dict) -> bool:
    """Whether two inputs are the same: the same part from each graph that gives one."""
    def given(p):
        return {name: part[1] for name, part in p.items() if part[1] != EMPTY}
    return given(before) == given(parts)


def abstract_lines(lines: list[bytes], keep: set[bytes]) -> list[bytes]:
    """The data's part of the reasoner input (lines of IRIs, reasoner_assertions) with every
    individual replaced by one representative of its kind: the same asserted
    types, the same properties out of it and the same into it.

    Individuals are the IRIs the ontology does not mention (`keep`); the ontology's own
    triples hold none, so they are not abstracted. Sound for consistency: mapping each
    individual to its representative is a homomorphism, so a model of (ontology +
    abstraction) gives a model of (ontology + assertions) with the same class extensions.
    Individuals the ontology names (nominals such as bpo:AtLeast) or that owl:sameAs links
    stay themselves, and the input has no owl:differentFrom. Hence a consistent abstraction
    means consistent data, and a class satisfiable with the abstraction is satisfiable with
    the data; only the other outcomes need the full check. Literal values are not in the
    reasoner's input at all, so they cannot matter. Done on the lines' bytes, which at a
    million triples is several times faster than on term objects."""
    rdf_type, same_as = f"<{RDF}type>".encode(), f"<{OWL}sameAs>".encode()
    keep = set(keep)
    types, outgoing, incoming = defaultdict(set), defaultdict(set), defaultdict(set)
    for line in lines:
        s, p, o = line.split(b"\t")
        if p == same_as:
            keep |= {s, o}
        if p == rdf_type:
            types[s].add(o)
        else:
            outgoing[s].add(p)
            incoming[o].add(p)
    kinds: dict = {}
    kind_of: dict = {}

    def kind(node: bytes) -> bytes:
        if node in keep:
            return node
        if node not in kind_of:
            key = (frozenset(types.get(node, ())), frozenset(outgoing.get(node, ())), frozenset(incoming.get(node, ())))
            kind_of[node] = kinds.setdefault(key, f"<urn:kgtool:kind:{len(kinds)}>".encode())
        return kind_of[node]

    abstract = set()
    for line in lines:
        s, p, o = line.split(b"\t")
        abstract.add(b"\t".join((kind(s), p, o if p == rdf_type else kind(o))))
    return sorted(abstract)


HERMIT_MEMORY_MB = 2000  # Java's heap for HermiT, as owlready2 gives it
NOTHING = re.compile(r"^EquivalentClasses\( ((?:<[^>]+> ?)+) \)$", re.M)


def hermit(data: bytes) -> tuple[bool, list[str]]:
    """HermiT's verdict on N-Triples: consistent or not, and the IRIs of the classes that
    can have no members (those the class hierarchy makes equivalent to owl:Nothing).
    HermiT, the jar that owlready2 ships, is run directly and asked only to classify the
    classes (`-c`), which it refuses for an inconsistent input: owlready2's own call
    (sync_reasoner_hermit) also classifies the properties and finds every individual's
    types, and copies the input into its database and out again, twice as slow."""
    import shutil
    import subprocess
    import tempfile
    from importlib.util import find_spec

    java, owlready = shutil.which("java"), find_spec("owlready2")
    if java is None or owlready is None:
        missing = "java is not on PATH" if java is None else "owlready2 (which ships HermiT) is not installed"
        raise ValidationError(f"the OWL reasoner could not run ({missing}); use --no-owl to skip it")
    jars = Path(owlready.submodule_search_locations[0]) / "hermit"
    with tempfile.NamedTemporaryFile(suffix=".nt") as handle:
        handle.write(data)
        handle.flush()
        done = subprocess.run([java, f"-Xmx{HERMIT_MEMORY_MB}M", "-cp", f"{jars}{os.pathsep}{jars / 'HermiT.jar'}",
                               "org.semanticweb.HermiT.cli.CommandLine", "-c", Path(handle.name).as_uri()],
                              capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        if "InconsistentOntologyException" in done.stderr:
            return False, []
        first = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[0]
        raise ValidationError(f"the OWL reasoner could not run ({first}); use --no-owl to skip it")
    nothing = f"<{OWL}Nothing>"
    unsatisfiable = {iri for match in NOTHING.finditer(done.stdout) if nothing in match[1].split()
                     for iri in match[1].split() if iri != nothing}
    return True, sorted(iri[1:-1] for iri in unsatisfiable)


def owl_results(sources: Sources, assertions: dict[str, list[bytes]] | None = None) -> list[Result]:
    """Ask HermiT whether the ontology (kgtool/sparql/owl-ontology.rq) plus the data
    (`assertions`: reasoner_assertions(sources), if known) is consistent, and which classes
    can have no members. HermiT first sees one individual per kind (abstract_lines); only
    when that finds a problem does it check every individual, which decides."""
    assertions = reasoner_assertions(sources) if assertions is None else assertions
    lines = sorted({line for part in assertions.values() for line in part})
    ontology = ox.serialize(sources.store.query(sparql("owl-ontology.rq")), format=ox.RdfFormat.N_TRIPLES)
    keep = {str(row["term"]).encode() for row in sources.store.query(sparql("ontology-terms.rq"))}
    keep.add(f"<{RDFS}Literal>".encode())
    abstract = abstract_lines(lines, keep)
    consistent, unsatisfiable = hermit(ontology + as_ntriples(abstract)) if len(abstract) < len(lines) else (False, [])
    if not consistent or unsatisfiable:
        consistent, unsatisfiable = hermit(ontology + as_ntriples(lines))
    if not consistent:
        return [Result(sources.path_of(ONTOLOGY_GRAPH), "(the whole graph)", "", "kgtool:owl-consistency",
                       VIOLATION, "HermiT finds the ontology plus the data's types and links inconsistent; "
                       "look for an individual in disjoint classes or a functional property with two values")]
    return [Result(sources.path_of(ONTOLOGY_GRAPH), compact(iri), "", "kgtool:owl-unsatisfiable-class",
                   WARNING, "HermiT finds this class can have no members") for iri in sorted(unsatisfiable)]


def validate(sources: Sources, shapes, owl: bool = True, timer=None, ontology_checks: list[Path] = (),
             owl_known: dict | None = None) -> Report:
    """Every check, in one report. `timer(name)`, if given, is a context manager around
    each check (build uses it to print how long each took). `owl_known` is what HermiT
    said of an earlier input ({"parts": reasoner_parts, "results": [...]}); for the same input it
    is said again without asking (same input, same verdict)."""
    timer = timer or (lambda name: nullcontext())
    with timer("SHACL"):
        results = shacl_results(sources, shapes)
    with timer("violation queries"):
        results += check_results(sources, ontology_checks)
    known = None
    if owl:
        with timer("OWL input"):
            parts, assertions = reasoner_parts(sources, (owl_known or {}).get("parts"))
        if owl_known and "parts" in owl_known and same_input(owl_known["parts"], parts):
            with timer("OWL (input unchanged: the earlier verdict)"):
                found = [Result(**r) for r in owl_known["results"]]
        else:
            with timer("OWL"):
                found = owl_results(sources, assertions)
        results += found
        known = {"parts": parts, "results": [vars(r) for r in found]}
    return Report(results, known)
