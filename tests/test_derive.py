from datetime import date

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from kgtool.derive import Duration, add_derived_graph, add_duration, parse_duration
from kgtool.sources import Sources

from conftest import BP, BPO, GRAPHS, rdflib_graph



@pytest.mark.parametrize("text, expected", [
    ("P200D", Duration(days=200)),
    ("P1M", Duration(months=1)),
    ("P1Y2M", Duration(months=14)),
    ("P2W", Duration(days=14)),
    ("-P3D", Duration(days=-3)),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P", "200D", "PT5H", "P1DT2H", "P1.5D", "", "PT"])
def test_parse_duration_refuses_what_is_not_whole_days_months_or_years(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("start, duration, due", [
    # 18 days to the end of September, 151 through February, then 31 in March = 200
    (date(2022, 9, 12), "P200D", date(2023, 3, 31)),
    # calendar month, day clamped to the end of a leap February
    (date(2024, 1, 31), "P1M", date(2024, 2, 29)),
    (date(2023, 1, 31), "P1M", date(2023, 2, 28)),
    # a year is twelve calendar months
    (date(2023, 2, 28), "P1Y", date(2024, 2, 28)),
    (date(2022, 12, 25), "P2W", date(2023, 1, 8)),
])
def test_add_duration(start, duration, due):
    assert add_duration(start, parse_duration(duration)) == due


def test_parse_duration_takes_a_time_part_of_whole_days():
    """The store writes a zero duration as PT0S and 48 hours as P2D."""
    assert parse_duration("PT0S") == Duration() and parse_duration("PT48H") == Duration(days=2)


class Derived:
    """The derived graph of a store holding one graph of Turtle, read back with rdflib."""

    def __init__(self, text: str):
        sources = Sources()
        sources.load(GRAPHS + "t", None, (f"@prefix bpo: <{BPO}> . @prefix bp: <{BP}> . "
                                          "@prefix dcterms: <http://purl.org/dc/terms/> . "
                                          "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n" + text).encode())
        self.skipped = add_derived_graph(sources).skipped
        self.graph = rdflib_graph(sources, GRAPHS + "derived")


def derive(text: str) -> Derived:
    return Derived(text)


def test_derive_adds_due_dates_only_where_the_trigger_has_a_date():
    result = derive("""
        <https://w3id.org/biopolicy/id/deadline/a> a bpo:Deadline ; bpo:duration "P200D"^^xsd:duration ;
            bpo:trigger <https://w3id.org/biopolicy/id/event/dated> .
        <https://w3id.org/biopolicy/id/deadline/b> a bpo:Deadline ; bpo:duration "P10D"^^xsd:duration ;
            bpo:trigger <https://w3id.org/biopolicy/id/event/undated> .
        <https://w3id.org/biopolicy/id/event/dated> dcterms:date "2022-09-12"^^xsd:date .
    """)
    due = URIRef(BPO + "derivedDueDate")
    assert list(result.graph.objects(URIRef(BP + "deadline/a"), due)) == [Literal("2023-03-31", datatype=XSD.date)]
    assert list(result.graph.objects(URIRef(BP + "deadline/b"), due)) == []
    assert (URIRef(GRAPHS + "derived"), PROV.wasGeneratedBy, None) in result.graph
    assert result.skipped == []


def test_derive_skips_an_unusable_duration_and_says_why():
    result = derive("""
        <https://w3id.org/biopolicy/id/deadline/t> a bpo:Deadline ; bpo:duration "PT5H"^^xsd:duration ;
            bpo:trigger <https://w3id.org/biopolicy/id/event/e> .
        <https://w3id.org/biopolicy/id/event/e> dcterms:date "2022-09-12"^^xsd:date .
    """)
    assert (None, URIRef(BPO + "derivedDueDate"), None) not in result.graph
    assert len(result.skipped) == 1 and "deadline/t" in result.skipped[0] and "time part" in result.skipped[0]


def test_fixture_derived_dates(mini_sources):
    derived = rdflib_graph(mini_sources, GRAPHS + "derived")
    due = {str(s).removeprefix(BP): str(o) for s, o in derived.subject_objects(URIRef(BPO + "derivedDueDate"))}
    assert due == {"deadline/example-order-200-days": "2023-03-31", "deadline/example-order-1-month": "2024-02-29"}


def test_derive_adds_closures_of_classes_concepts_and_parts():
    derived = derive("""
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        bpo:Sub rdfs:subClassOf bpo:Restriction . bpo:Restriction rdfs:subClassOf bpo:Measure .
        bpo:Order rdfs:subClassOf bpo:PolicyDocument . bpo:PolicyDocument rdfs:subClassOf bpo:Document .
        bp:doc a bpo:Order .
        bp:section a bpo:Provision ; dcterms:isPartOf bp:doc .
        bp:m a bpo:Sub ; dcterms:isPartOf bp:section ; bpo:theme bp:c .
        bp:c skos:broader bp:b . bp:a skos:narrower bp:b .
    """).graph
    U = lambda name: URIRef(BPO + name) if name[0].isupper() else URIRef(BP + name)
    kind_of, within, in_document = (URIRef(BPO + n) for n in ("kindOf", "withinConcept", "inDocument"))
    assert set(derived.objects(U("m"), kind_of)) == {U("Sub"), U("Restriction"), U("Measure")}
    assert set(derived.objects(U("doc"), kind_of)) == {U("Order"), U("PolicyDocument"), U("Document")}
    assert (U("Sub"), RDFS.subClassOf, U("Measure")) in derived
    assert (U("Sub"), RDFS.subClassOf, U("Restriction")) not in derived  # stated already
    assert set(derived.objects(U("c"), SKOS.broaderTransitive)) == {U("b"), U("a")}
    assert set(derived.objects(U("c"), within)) == {U("c"), U("b"), U("a")}
    assert set(derived.objects(U("a"), within)) == {U("a")}
    assert set(derived.objects(U("m"), in_document)) == {U("doc")}
    assert set(derived.objects(U("section"), in_document)) == {U("doc")}
    assert (U("doc"), RDF.type, None) not in derived  # rdf:type stays what the sources state


def test_no_derived_closure_repeats_a_stated_triple(real_sources):
    derived = rdflib_graph(real_sources, GRAPHS + "derived")
    for name in real_sources.files:
        if name != GRAPHS + "derived":
            graph = rdflib_graph(real_sources, name)
            assert not any(t in graph for t in derived), name


@pytest.mark.parametrize("text, months, days", [
    ("P200D", None, 200),
    ("P2W", None, 14),       # a week is seven days
    ("P5Y", 60, None),       # a year is twelve months; months are never counted as days
    ("P18M", 18, None),
    ("P1Y6M", 18, None),
    ("P1M10D", 1, 10),       # both parts, neither turned into the other
    ("P0D", None, 0),
    ("PT5H", None, None),    # a time part: nothing (the shapes report it)
])
def test_derive_counts_the_months_and_days_of_each_duration_and_period(text, months, days):
    derived = derive(f"""
        bp:deadline bpo:duration "{text}"^^xsd:duration .
        bp:amount bpo:period "{text}"^^xsd:duration .
    """).graph

    def count(subject, name):
        values = [int(o) for o in derived.objects(URIRef(BP + subject), URIRef(BPO + name))]
        assert all(o.datatype == XSD.integer for o in derived.objects(URIRef(BP + subject), URIRef(BPO + name)))
        assert len(values) <= 1
        return values[0] if values else None

    assert (count("deadline", "durationMonths"), count("deadline", "durationDays")) == (months, days)
    assert (count("amount", "periodMonths"), count("amount", "periodDays")) == (months, days)


def test_real_durations_are_counted_as_the_sources_state_them(real_sources):
    """Counted by hand from data/: the EO commentary's deadlines are 200, 240, 120 and 180
    days; the NSCEB commentary's USD 15 bn are over five years (60 months), and so are two of
    the summit fact sheet's sums (DoD's 270 m and 1 bn, "over five years"); the order's own
    deadlines include 1 year, 18 months and 2 years, which get months and no day count; the
    HGR Regulations' cooperation report is due 6 months after the cooperation ends (art. 26)."""
    derived = rdflib_graph(real_sources, GRAPHS + "derived")

    def counts(name):
        return {str(s).removeprefix(BP): int(o) for s, o in derived.subject_objects(URIRef(BPO + name))}

    days, months = counts("durationDays"), counts("durationMonths")
    assert {k: v for k, v in days.items() if k.startswith("deadline/eo-14081-commentary/")} == {
        "deadline/eo-14081-commentary/workforce-plan": 200, "deadline/eo-14081-commentary/threat-assessment": 240,
        "deadline/eo-14081-commentary/risk-mitigation-plan": 120,
        "deadline/eo-14081-commentary/biomanufacturing-strategy": 180}
    assert months == {"deadline/eo-14081/p1y": 12, "deadline/eo-14081/p18m": 18, "deadline/eo-14081/p2y": 24,
                      "deadline/cn-hgr-regulation-2019/art-26-six-months": 6,
                      # Goodwin's alerts: OMB's first list within one year of the NDAA's enactment,
                      # the FAR revision one year after OMB's guidance
                      "deadline/ndaa-fy2026/one-year-after-enactment": 12,
                      "deadline/ndaa-fy2026/one-year-after-guidance": 12}
    # and 180, 60, 90 days for the other stages
    assert {k: v for k, v in days.items() if k.startswith("deadline/ndaa-fy2026/")} == {
        "deadline/ndaa-fy2026/180-days-after-list": 180, "deadline/ndaa-fy2026/60-days-after-far": 60,
        "deadline/ndaa-fy2026/90-days-after-far": 90}
    assert not set(days) & set(months)
    assert counts("periodMonths") == {"amount/nsceb-commentary/congress-15bn": 60,
                                      "amount/wh-summit-2022/dod-tri-service-270m": 60,
                                      "amount/wh-summit-2022/dod-bioindustrial-1bn": 60}
    assert counts("periodDays") == {}
