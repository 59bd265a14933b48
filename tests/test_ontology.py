"""The ontology as OBO projects check theirs: quality checks written as SPARQL queries that
must return no rows (ontology/checks/*-violation.rq), and a reasoner consistency check."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from conftest import REPO
from conftest import BPO as BPO_IRI

ONTOLOGY = REPO / "ontology" / "biopolicy.ttl"
CHECKS = sorted((REPO / "ontology" / "checks").glob("*-violation.rq"))
BPO = rdflib.Namespace(BPO_IRI)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY)


def violations(graph: rdflib.Graph, check: Path) -> list:
    return list(graph.query(check.read_text(encoding="utf-8")))


@pytest.mark.parametrize("check", CHECKS, ids=[c.stem for c in CHECKS])
def test_ontology_passes_check(ontology, check):
    assert violations(ontology, check) == []


def test_checks_catch_what_they_are_for(ontology):
    """Each check finds a term planted to break it, so an empty answer means something."""
    broken = rdflib.Graph() + ontology
    broken.add((BPO.Planted, rdflib.RDF.type, rdflib.OWL.Class))
    broken.add((BPO.Planted, rdflib.RDFS.label, rdflib.Literal("Measure", lang="en")))  # an English label only, taken
    broken.remove((rdflib.URIRef("https://w3id.org/biopolicy/ontology"), rdflib.OWL.versionIRI, None))
    found = {check.stem: violations(broken, check) for check in CHECKS}
    assert any(BPO.Planted in row for row in found["missing-label-violation"])
    assert any(BPO.Planted in row for row in found["missing-definition-violation"])
    assert any(BPO.Planted in row for row in found["duplicate-label-violation"])
    assert [str(row[0]) for row in found["header-violation"]] == ["owl:versionIRI"]


def test_every_check_is_run():
    assert {c.stem for c in CHECKS} >= {"missing-label-violation", "missing-definition-violation",
                                        "duplicate-label-violation", "header-violation"}


def test_ontology_alone_is_consistent_and_every_class_satisfiable_under_hermit(java):
    from kgtool.namespaces import ONTOLOGY_GRAPH
    from kgtool.sources import Sources
    from kgtool.check import owl_results

    sources = Sources()
    sources.read(ONTOLOGY_GRAPH, ONTOLOGY)
    assert owl_results(sources) == []
