"""The SHACL shapes (shapes/*.ttl), tested like code.

pyshacl is called directly, the way `kgtool validate` calls it: the fixture as the data
graph, the ontology as the ontology graph (so that sh:targetClass and sh:class see
rdfs:subClassOf), no inference.

- tests/fixtures/valid/*.ttl conform, and together use every shape.
- tests/fixtures/invalid/NAME.ttl each break exactly one rule. A header of comment lines
  says which, and what the report must name:

      # expect-shape: bps:Measure-theme                      (sh:sourceShape)
      # expect-component: sh:MinCountConstraintComponent     (sh:sourceConstraintComponent)
      # expect-focus: bp:measure/example-1                   (sh:focusNode; _:blank for a blank node)
      # expect-path: bpo:theme                               (sh:resultPath, for a plain path)

- Every constraint of every shape has an invalid fixture, and every shape is documented.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.paths import InvPath

from conftest import BP, BPO

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "biopolicy.ttl"
SHAPES = sorted((ROOT / "shapes").glob("*.ttl"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))

PREFIXES = {
    "bp": BP,
    "bpo": BPO,
    "bps": "https://w3id.org/biopolicy/shapes#",
    "dcterms": "http://purl.org/dc/terms/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "org": "http://www.w3.org/ns/org#",
    "owl": str(OWL),
    "rdfs": str(RDFS),
    "schema": "https://schema.org/",
    "sh": str(SH),
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
BLANK = "_:blank"

# The parameter that switches on each SHACL Core constraint component we use.
COMPONENT_OF_PARAMETER = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.qualifiedMaxCount: SH.QualifiedMaxCountConstraintComponent,
    SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
}


def expand(term: str) -> URIRef | str:
    """`bps:Measure-theme` or `<http://...>` as an IRI; `_:blank` stays as it is."""
    term = term.strip()
    if term == BLANK:
        return BLANK
    if term.startswith("<") and term.endswith(">"):
        return URIRef(term[1:-1])
    prefix, _, local = term.partition(":")
    if prefix not in PREFIXES:
        raise ValueError(f"unknown prefix in {term!r}")
    return URIRef(PREFIXES[prefix] + local)


def header(path: Path) -> dict[str, str]:
    """The `# expect-KEY: value` lines at the top of a fixture."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(":")
        if sep and key.startswith("expect-"):
            found[key.removeprefix("expect-")] = value.strip()
    return found


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


@cache
def shapes() -> Graph:
    graph = Graph()
    for path in SHAPES:
        graph.parse(path)
    return graph


def parse_as_written(path: Path) -> Graph:
    """Parse keeping each literal's lexical form as written. By default rdflib rewrites
    typed literals from their parsed value ("P26W"^^xsd:duration becomes "P182D",
    "P1.5Y" becomes "P1Y"), and sh:pattern would then check the rewrite, not the data."""
    normalize, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
    try:
        return Graph().parse(path)
    finally:
        rdflib.NORMALIZE_LITERALS = normalize


@cache
def report(path: Path) -> tuple[bool, tuple[dict, ...]]:
    """Validate one fixture: whether it conforms, and its results as plain dicts."""
    data = parse_as_written(path)
    conforms, results, _ = validate(
        data, shacl_graph=shapes(), ont_graph=ontology(), inference="none"
    )
    rows = tuple(
        {
            "shape": results.value(r, SH.sourceShape),
            "focus": results.value(r, SH.focusNode),
            "path": results.value(r, SH.resultPath),
            "component": results.value(r, SH.sourceConstraintComponent),
            "message": results.value(r, SH.resultMessage),
        }
        for r in results.subjects(RDF.type, SH.ValidationResult)
    )
    return conforms, rows


def same_focus(actual, expected) -> bool:
    return isinstance(actual, BNode) if expected == BLANK else actual == expected


def describe(rows) -> str:
    return "\n".join(
        f"  {r['shape']}  focus={r['focus']}  path={r['path']}  {r['component']}: {r['message']}"
        for r in rows
    )


# ---------------------------------------------------------------- shapes graph helpers

def property_shapes() -> set:
    return set(shapes().objects(None, SH.property))


def node_shapes() -> set:
    return set(shapes().subjects(RDF.type, SH.NodeShape))


def rules() -> set[tuple[URIRef, URIRef]]:
    """Every (shape, constraint component) pair the shapes declare: property shapes, and
    node shapes' own node-level constraints."""
    found = set()
    for shape in property_shapes() | node_shapes():
        for parameter, component in COMPONENT_OF_PARAMETER.items():
            if (shape, parameter, None) in shapes():
                found.add((shape, component))
    return found


def rdflib_path(shape):
    path = shapes().value(shape, SH.path)
    if isinstance(path, URIRef):
        return path
    inverse = shapes().value(path, SH.inversePath)
    if isinstance(inverse, URIRef):
        return InvPath(inverse)
    raise AssertionError(f"{shape}: only plain and inverse paths are handled here")


def focus_nodes(shape, data: Graph) -> set:
    """The focus nodes of a node shape in data + ontology (targetClass with subclasses,
    targetSubjectsOf)."""
    union = data + ontology()
    found = set()
    for cls in shapes().objects(shape, SH.targetClass):
        subclasses = set(union.transitive_subjects(RDFS.subClassOf, cls))
        for sub in subclasses:
            found.update(union.subjects(RDF.type, sub))
    for prop in shapes().objects(shape, SH.targetSubjectsOf):
        found.update(union.subjects(prop, None))
    return found


# ---------------------------------------------------------------- valid fixtures

@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms(path):
    conforms, rows = report(path)
    assert conforms, f"{path.name} should conform:\n{describe(rows)}"


def test_valid_fixtures_use_every_shape():
    """Each node shape has a focus node and each property shape a value in the valid
    fixtures, so a shape that wrongly rejects good data would show up there."""
    data = Graph()
    for path in VALID:
        data += parse_as_written(path)
    unused = []
    for node_shape in sorted(node_shapes()):
        focus = focus_nodes(node_shape, data)
        if not focus:
            unused.append(str(node_shape))
            continue
        for prop_shape in shapes().objects(node_shape, SH.property):
            path = rdflib_path(prop_shape)
            if not any(True for f in focus for _ in data.objects(f, path)):
                unused.append(f"{node_shape} -> {prop_shape}")
    assert not unused, "not exercised by tests/fixtures/valid:\n  " + "\n  ".join(unused)


# ---------------------------------------------------------------- invalid fixtures

@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_breaks_its_rule(path):
    expect = header(path)
    assert {"shape", "focus", "component"} <= expect.keys(), f"{path.name}: incomplete expect- header"
    shape, focus = expand(expect["shape"]), expand(expect["focus"])
    component = expand(expect["component"])
    result_path = expand(expect["path"]) if "path" in expect else None
    conforms, rows = report(path)
    assert not conforms, f"{path.name} should not conform"
    matching = [
        r for r in rows
        if r["shape"] == shape and same_focus(r["focus"], focus) and r["component"] == component
        and (result_path is None or r["path"] == result_path)
    ]
    assert matching, f"{path.name}: no result for {shape} on {focus} ({component}); got:\n{describe(rows)}"
    assert all(isinstance(r["message"], Literal) and str(r["message"]) for r in matching)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_breaks_only_its_rule(path):
    expect = header(path)
    shape, focus = expand(expect["shape"]), expand(expect["focus"])
    _, rows = report(path)
    others = [r for r in rows if r["shape"] != shape or not same_focus(r["focus"], focus)]
    assert not others, f"{path.name} also breaks other rules:\n{describe(others)}"


def test_every_rule_has_an_invalid_fixture():
    covered = set()
    for path in INVALID:
        expect = header(path)
        covered.add((expand(expect["shape"]), expand(expect["component"])))
    missing = sorted(rules() - covered)
    assert not missing, "rules without a fixture in tests/fixtures/invalid:\n  " + "\n  ".join(
        f"{shape} {component}" for shape, component in missing
    )


def test_fixture_headers_name_existing_shapes():
    known = property_shapes() | node_shapes()
    unknown = [p.name for p in INVALID if expand(header(p)["shape"]) not in known]
    assert not unknown, f"fixtures naming no shape of shapes/: {unknown}"


# ---------------------------------------------------------------- the shapes themselves

UNDOCUMENTED = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?shape ?problem WHERE {
  {
    ?node sh:property ?shape .
    {
      FILTER NOT EXISTS { ?shape sh:name ?name } BIND ("property shape without sh:name" AS ?problem)
    } UNION {
      FILTER NOT EXISTS { ?shape sh:description ?d } BIND ("property shape without sh:description" AS ?problem)
    } UNION {
      FILTER NOT EXISTS { ?shape sh:message ?m } BIND ("property shape without sh:message" AS ?problem)
    } UNION {
      FILTER (!isIRI(?shape)) BIND ("property shape without an IRI of its own" AS ?problem)
    }
  } UNION {
    ?shape a sh:NodeShape .
    FILTER NOT EXISTS { ?shape rdfs:label|sh:name ?label }
    BIND ("node shape without rdfs:label or sh:name" AS ?problem)
  } UNION {
    ?shape a sh:NodeShape ; sh:nodeKind|sh:pattern|sh:or ?constraint .
    FILTER NOT EXISTS { ?shape sh:message ?m }
    BIND ("node shape with its own constraints but no sh:message" AS ?problem)
  }
}
ORDER BY ?shape ?problem
"""


def test_every_shape_is_documented():
    rows = list(shapes().query(UNDOCUMENTED))
    assert not rows, "\n".join(f"{shape}: {problem}" for shape, problem in rows)


def test_shapes_use_only_terms_the_ontology_defines():
    """A typo in a bpo: term would make a shape silently check nothing."""
    defined = set(ontology().subjects(RDF.type, None))
    used = {
        term for triple in shapes() for term in triple
        if isinstance(term, URIRef) and str(term).startswith(BPO)
    }
    assert not sorted(used - defined), f"bpo: terms the ontology does not define: {sorted(used - defined)}"
