"""kgtool/link/wikidata.py: Wikidata's side of linking. The expected classes (the most
specific first), the candidate query run on a local store of the fictional fixture in
Wikidata's shape (tests/fixtures/wikidata/wikidata.ttl), and the points of a candidate."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from kgtool.link.wikidata import (EXPECTED_TYPES, WD, Candidate, candidate_query, expected_types, parse_rows,
                                  score)
from kgtool.namespaces import BPO_IRI

from conftest import REPO

AGENCY_TYPES = expected_types(BPO_IRI + "GovernmentBody")


@pytest.fixture(scope="module")
def wikidata() -> ox.Store:
    store = ox.Store()
    store.load(path=str(REPO / "tests" / "fixtures" / "wikidata" / "wikidata.ttl"), format=ox.RdfFormat.TURTLE)
    return store


def candidates(store: ox.Store, labels: list[ox.Literal], types: dict[str, str]) -> dict[str, Candidate]:
    answer = json.loads(store.query(candidate_query(labels, types)).serialize(format=ox.QueryResultsFormat.JSON))
    return {candidate.iri.removeprefix(WD): candidate for _, candidate in parse_rows(answer["results"]["bindings"])}


def test_a_subclass_comes_before_its_superclasses_so_that_the_first_match_is_the_closest():
    ontology = Graph().parse(REPO / "ontology" / "biopolicy.ttl")
    order = [BPO_IRI + name for name, _, _ in EXPECTED_TYPES]
    for i, cls in enumerate(order):
        above = {str(c) for c in ontology.transitive_objects(URIRef(cls), RDFS.subClassOf)} - {cls}
        assert not above & set(order[:i]), f"{cls} comes after a superclass of it"
    with pytest.raises(KeyError):
        expected_types(BPO_IRI + "Measure")


def test_the_query_finds_items_by_exact_label_with_their_classes_reached(wikidata):
    found = candidates(wikidata, [ox.Literal("Ministry of Examples", language="en")], AGENCY_TYPES)
    assert set(found) == {"Q900000010", "Q900000011", "Q900000012"}  # the film too: its type decides, later
    ministry = found["Q900000010"]
    assert (ministry.label_en, ministry.label_zh) == ("Ministry of Examples", "示例部")
    assert ministry.countries == {WD + "Q900000001"} and ministry.direct_types == {WD + "Q327333"}
    assert ministry.reached_types == {WD + "Q327333"} and found["Q900000012"].reached_types == set()
    company = candidates(wikidata, [ox.Literal("示例公司", language="zh")], expected_types(BPO_IRI + "Company"))
    assert company["Q900000020"].reached_types == {WD + "Q783794"}  # through its class's wdt:P279
    assert candidates(wikidata, [ox.Literal("Ministry of Examples", language="zh")], AGENCY_TYPES) == {}


def test_a_label_with_quotes_cannot_change_the_query(wikidata):
    odd = ox.Literal('Examples" } ?item ?p ?o . { "', language="en")
    assert candidates(wikidata, [odd], AGENCY_TYPES) == {}
    assert str(odd) in candidate_query([odd], AGENCY_TYPES)


@pytest.mark.parametrize("candidate, expected", [
    # the right type directly, both labels, the entity's country: every point
    (Candidate(WD + "Q1", "Ministry of Examples", "示例部", countries={WD + "Q9"}, direct_types={WD + "Q327333"},
               reached_types={WD + "Q327333"}), 4.0),
    # the type through a subclass only, the English label, another country
    (Candidate(WD + "Q2", "Ministry of Examples", countries={WD + "Q8"}, reached_types={WD + "Q327333"}), 0.5),
    # no country on Wikidata's side: neither gained nor lost
    (Candidate(WD + "Q3", "Ministry of Examples", direct_types={WD + "Q327333"}, reached_types={WD + "Q327333"}), 2.0),
    # another type: never offered
    (Candidate(WD + "Q4", "Ministry of Examples", "示例部", direct_types={WD + "Q11424"}), None),
])
def test_a_candidate_earns_its_points_or_is_dropped_for_its_type(candidate, expected):
    assert score(candidate, "Ministry of Examples", "示例部", AGENCY_TYPES, WD + "Q9") == expected
