"""kgtool/check/shacl.py (our shapes compiled to SPARQL on pyoxigraph) gives exactly the results
pyshacl gives: the same files, focus nodes, paths, rules, severities and messages, on every
shape fixture (one broken rule each), on the fixtures of broken data, on the mini graph and
on the project's own data. A difference in either direction fails: the fast engine must
never hide a violation that pyshacl reports, nor invent one."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph

from kgtool.derive import add_derived_graph
from kgtool.namespaces import ONTOLOGY_GRAPH, Project
from kgtool.check.shacl import Unsupported, validate as compiled
from kgtool.sources import SourceError, Sources, graph_name, load_shapes, load_sources, parse_file, read_all
from kgtool.check import shacl_results

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHAPE_FIXTURES = sorted((FIXTURES / "invalid").glob("*.ttl")) + sorted((FIXTURES / "valid").glob("*.ttl"))


def parses(path: Path) -> bool:
    try:
        parse_file(path)
    except SourceError:
        return False
    return True


# Bad data that does not parse stops kgtool before any validation (tests/test_robustness.py
# checks those); the rest must get the same results from both engines.
BAD_DATA = [p for p in sorted((FIXTURES / "bad").glob("*.ttl")) if parses(p)]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(Project.at(ROOT))


def one_file(path: Path) -> Sources:
    """The ontology and one data file, as `kgtool validate` would see them."""
    sources = Sources()
    read_all(sources, [(ONTOLOGY_GRAPH, ROOT / "ontology" / "biopolicy.ttl"), (graph_name(path.parent, path), path)])
    add_derived_graph(sources)
    return sources


def assert_same(sources: Sources, shapes: Graph) -> list:
    ours = Counter(shacl_results(sources, shapes))
    theirs = Counter(shacl_results(sources, shapes, engine="pyshacl"))
    assert ours - theirs == Counter(), "the compiled engine reports results pyshacl does not"
    assert theirs - ours == Counter(), "the compiled engine misses results pyshacl reports"
    return list(ours)


def test_our_shapes_compile(shapes):
    sources = one_file(FIXTURES / "valid" / "example.ttl")
    compiled(sources.store, shapes)  # raises Unsupported if the shapes left the compiled subset


@pytest.mark.parametrize("path", SHAPE_FIXTURES + BAD_DATA, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_results_as_pyshacl_on_each_fixture(path, shapes):
    results = assert_same(one_file(path), shapes)
    if path.parent.name == "invalid":
        assert results, "each invalid fixture breaks a rule"


def test_same_results_as_pyshacl_on_the_mini_graph_and_the_real_data(shapes):
    for data in (FIXTURES / "mini" / "data", None):
        sources = load_sources(Project.at(ROOT, data))
        add_derived_graph(sources)
        assert_same(sources, shapes)


def test_a_shape_outside_the_compiled_subset_falls_back_to_pyshacl(shapes):
    odd = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix bpo: <https://w3id.org/biopolicy/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <urn:s> a sh:NodeShape ; sh:targetClass bpo:Measure ; sh:property [ sh:path rdfs:label ; sh:minLength 500 ] .""",
        format="turtle")
    sources = one_file(FIXTURES / "valid" / "example.ttl")
    with pytest.raises(Unsupported):
        compiled(sources.store, odd)
    results = shacl_results(sources, odd)  # pyshacl runs instead
    assert results and all("MinLength" in r.rule or "minLength" in r.rule for r in results)
