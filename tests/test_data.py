"""The encoded sources against the seed texts.

Every number below was counted by reading ../shared/seeds/ by hand, not from the graph:
the NSCEB commentary presents six strategic actions with 2, 5, 3, 4, 2 and 3
recommendations ("一是", "二是", ...) and two report-wide asks of Congress; the EO 14081
commentary describes a coordination mechanism, four tasks with deadlines (200, 240, 120
and 180 days) and the summit's funding.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import BP, GRAPHS, REPO

PREFIXES = """
PREFIX bpo: <https://w3id.org/biopolicy/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
NSCEB = f"<{GRAPHS}sources/nsceb-report-commentary>"
EO = f"<{GRAPHS}sources/eo-14081-commentary>"
DERIVED = f"<{GRAPHS}derived>"
SOURCE_FILES = sorted(p.stem for p in (REPO / "data" / "sources").glob("*.ttl"))
BILLS = ("hr-8333-118", "hr-7085-118", "s-3558-118", "s-1387-119", "hr-2756-119")  # data/sources/<bill>.ttl


def expand(text: str) -> str:
    """`bp:kind/name` is shorthand here; SPARQL, like Turtle, allows no `/` in a prefixed name."""
    return re.sub(r"\bbp:([\w/-]+[\w-])", lambda m: f"<{BP}{m.group(1)}>", text)


def count(store, graph: str, pattern: str) -> int:
    """Distinct ?x matching the pattern inside one named graph (types read from the union)."""
    query = f"{PREFIXES} SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH {graph} {{ {expand(pattern)} }} }}"
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)


def ask(store, body: str) -> bool:
    return bool(store.query(f"{PREFIXES} ASK {{ {expand(body)} }}", use_default_graph_as_union=True))


def source_graphs(*names: str) -> list[str]:
    """The graphs of data/sources/<name>.ttl, as SPARQL IRIs."""
    return [f"<{GRAPHS}sources/{name}>" for name in names]


def read_counts(name: str) -> list[tuple]:
    """The rows of tests/fixtures/counts/NAME (graph, what, pattern, the number read in the
    source's text), a table rather than code: each row is a fact read by hand."""
    rows = []
    for line in (REPO / "tests" / "fixtures" / "counts" / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            graph, what, pattern, number = line.split("\t")
            rows.append((f"<{GRAPHS}{graph}>", what, pattern, int(number)))
    return rows


def counts_test(counts: list[tuple]):
    """A test of each row (graph, what, pattern, the number read in the text): the distinct
    ?x of the pattern in that graph are exactly that many."""
    @pytest.mark.parametrize("graph,what,pattern,expected", counts, ids=[f"{g.split('/')[-1][:-1]}: {w}" for g, w, _, _ in counts])
    def test(real_store, graph, what, pattern, expected):
        assert count(real_store, graph, pattern) == expected

    return test


COUNTS = read_counts("commentaries.tsv")


test_counts_match_the_source = counts_test(COUNTS)


def test_bodies_and_posts_each_source_names(real_store):
    def named(graph):
        query = f"""{PREFIXES} SELECT DISTINCT ?x WHERE {{
            GRAPH {graph} {{ {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} }}
            {{ ?x a/rdfs:subClassOf* bpo:GovernmentBody }} UNION {{ ?x a bpo:Post }} }}"""
        return {r["x"].value.removeprefix(BP) for r in real_store.query(query, use_default_graph_as_union=True)}

    assert named(NSCEB) == {"agency/nsceb", "agency/us-congress", "agency/us-eop", "agency/us-dod",
                            "agency/us-dos", "agency/nbco", "agency/ogca"}
    assert named(EO) == {"agency/us-odni", "agency/us-dod", "agency/us-nsa", "agency/us-white-house",
                         "post/us-president", "post/us-apnsa", "post/us-apep", "post/us-ostp-director",
                         "post/us-secretary-of-commerce", "post/us-secretary-of-labor",
                         "post/us-secretary-of-education", "post/us-secretary-of-defense",
                         "post/us-secretary-of-agriculture"}


KEY_FACTS = {
    "79% of companies rely on WuXi AppTec or other Chinese companies, per the report":
        f"GRAPH {NSCEB} {{ ?c bpo:percentage 79.0 ; bpo:statedBy bp:document/nsceb-final-report ; schema:about bp:company/wuxi-apptec }}",
    "at least USD 15 bn over five years, asked of Congress":
        f"""GRAPH {NSCEB} {{ ?m bpo:addressee bp:agency/us-congress ; bpo:hasAmount ?a .
            ?a schema:value 15000000000.0 ; schema:currency "USD" ; bpo:bound bpo:AtLeast ; bpo:period "P5Y"^^xsd:duration }}""",
    "a ban on working with Chinese biotechnology suppliers":
        f"GRAPH {NSCEB} {{ ?m a bpo:Restriction ; bpo:targets bp:jurisdiction/cn , bp:concept/sector/biotechnology-suppliers }}",
    "the report was released on 2025-04-08 by the NSCEB":
        f'GRAPH {NSCEB} {{ bp:document/nsceb-final-report dcterms:issued "2025-04-08"^^xsd:date ; bpo:issuedBy bp:agency/nsceb }}',
    "the NBCO is proposed inside the Executive Office of the President":
        f"GRAPH {NSCEB} {{ ?m bpo:establishes bp:agency/nbco . bp:agency/nbco a bpo:ProposedBody ; org:subOrganizationOf bp:agency/us-eop }}",
    "export controls on biotechnology products to China":
        f"GRAPH {NSCEB} {{ ?m a bpo:ExportControl , bpo:Recommendation ; bpo:targets bp:jurisdiction/cn }}",
    "green cards for talent from allies and partners":
        f"GRAPH {NSCEB} {{ ?m a bpo:WorkforceMeasure ; bpo:targets bp:group/allies-and-partners }}",
    "the author works at the Shanghai Institute for Science of Science":
        f"GRAPH {NSCEB} {{ bp:person/zheng-yi org:memberOf/org:unitOf bp:org/siss }}",
    "EO 14081 was signed by Biden on 2022-09-12":
        f'GRAPH {EO} {{ ?e a bpo:Signing ; dcterms:date "2022-09-12"^^xsd:date ; prov:generated bp:document/eo-14081 ; prov:wasAssociatedWith bp:person/joe-biden }}',
    "the summit of 2022-09-14 announced more than USD 2 bn":
        f"""GRAPH {EO} {{ ?s a bpo:Summit ; dcterms:date "2022-09-14"^^xsd:date . ?m bpo:announcedAt ?s ; bpo:hasAmount ?a .
            ?a schema:value 2000000000.0 ; schema:currency "USD" ; bpo:bound bpo:MoreThan }}""",
    "three posts coordinate the initiative":
        f"GRAPH {EO} {{ ?m a bpo:Directive ; bpo:leadAgent bp:post/us-apnsa , bp:post/us-apep , bp:post/us-ostp-director }}",
    "Commerce, Labor and Education: a public plan within 200 days of the order":
        f"""GRAPH {EO} {{ ?m bpo:leadAgent bp:post/us-secretary-of-commerce , bp:post/us-secretary-of-labor , bp:post/us-secretary-of-education ;
            bpo:hasDeadline ?d . ?d bpo:duration "P200D"^^xsd:duration ; bpo:trigger bp:event/eo-14081-signing }}""",
    "the intelligence lead with Defense: a threat assessment within 240 days, to the NSA as the commentary says":
        f"""GRAPH {EO} {{ ?m bpo:leadAgent bp:agency/us-odni ; bpo:consultedAgent bp:agency/us-dod ; bpo:hasDeliverable ?v ; bpo:hasDeadline ?d .
            ?v bpo:deliveredTo bp:agency/us-nsa . ?d bpo:duration "P240D"^^xsd:duration }}""",
    "a mitigation plan 120 days after the assessment is received":
        f"""GRAPH {EO} {{ ?m bpo:hasDeadline ?d . ?d bpo:duration "P120D"^^xsd:duration ; bpo:trigger ?t . ?t schema:about ?assessment .
            ?earlier bpo:hasDeliverable ?assessment }}""",
    "the domestic biomanufacturing strategy within 180 days, led by two assistants with three secretaries":
        f"""GRAPH {EO} {{ ?m bpo:leadAgent bp:post/us-apnsa , bp:post/us-apep ;
            bpo:consultedAgent bp:post/us-secretary-of-defense , bp:post/us-secretary-of-agriculture , bp:post/us-secretary-of-commerce ;
            bpo:hasDeadline ?d . ?d bpo:duration "P180D"^^xsd:duration }}""",
    "CXO shares fell, as the commentary claims":
        f"GRAPH {EO} {{ ?c bpo:statedBy bp:document/eo-14081-commentary ; bpo:targets bp:concept/sector/cxo }}",
    "China's Biosecurity Law and HGR regulations are cited":
        f"GRAPH {EO} {{ bp:document/eo-14081-commentary dcterms:references bp:document/cn-biosecurity-law , bp:document/cn-hgr-regulation }}",
    "the fact sheet and press call are cited with their URLs":
        f"""GRAPH {EO} {{ bp:document/wh-fact-sheet-2022-09-12 schema:url ?u1 . bp:document/wh-press-call-2022-09-12 schema:url ?u2 .
            FILTER(STRSTARTS(STR(?u1), "https://www.whitehouse.gov/briefing-room/statements-releases/2022/09/12/"))
            FILTER(STRSTARTS(STR(?u2), "https://www.whitehouse.gov/briefing-room/press-briefings/2022/09/12/")) }}""",
}


@pytest.mark.parametrize("fact", KEY_FACTS, ids=list(KEY_FACTS))
def test_key_fact(real_store, fact):
    assert ask(real_store, KEY_FACTS[fact]), fact


def test_due_dates_are_derived_never_stated_by_a_source(real_store):
    """2022-09-12 + 200/240/180 days, counted by hand; the 120-day plan has no date.
    With the order's own text (tests/test_primary_sources.py) also + 90, 120 and 280 days,
    1 year, 18 months (the store writes P1Y6M) and 2 years; its deadlines counted from a receipt have no date.
    And OMB's first list of biotechnology companies of concern (Goodwin's alert of 2025-12-23):
    one year from the FY2026 NDAA's signing on 2025-12-18."""
    rows = real_store.query(f"""{PREFIXES} SELECT ?dur ?due WHERE {{
        GRAPH {DERIVED} {{ ?d bpo:derivedDueDate ?due }} GRAPH {EO} {{ ?d bpo:duration ?dur }} }}""", use_default_graph_as_union=True)
    assert {(r["dur"].value, r["due"].value) for r in rows} == {
        ("P200D", "2023-03-31"), ("P240D", "2023-05-10"), ("P180D", "2023-03-11")}
    rows = real_store.query(f"""{PREFIXES} SELECT ?dur ?due WHERE {{
        GRAPH {DERIVED} {{ ?d bpo:derivedDueDate ?due }} ?d bpo:duration ?dur }}""", use_default_graph_as_union=True)
    assert {(r["dur"].value, r["due"].value) for r in rows} == {
        ("P90D", "2022-12-11"), ("P120D", "2023-01-10"), ("P180D", "2023-03-11"), ("P200D", "2023-03-31"),
        ("P240D", "2023-05-10"), ("P280D", "2023-06-19"), ("P1Y", "2023-09-12"), ("P1Y6M", "2024-03-12"),
        ("P2Y", "2024-09-12"), ("P1Y", "2026-12-18")}
    assert not ask(real_store, "GRAPH ?g { ?d bpo:derivedDueDate ?due } FILTER(?g != " + DERIVED + ")")
    assert not ask(real_store, "?d bpo:statedDueDate ?due")


def test_each_source_graph_names_its_source(real_store):
    """data/sources/NAME.ttl is the graph of <document/NAME> and says so, and no other graph
    claims to be derived from a source."""
    rows = real_store.query(f"""{PREFIXES} SELECT ?g ?src WHERE {{ GRAPH ?g {{ ?g prov:wasDerivedFrom ?src }} }}""")
    assert {(r["g"].value, r["src"].value) for r in rows} == {
        (GRAPHS + "sources/" + name, BP + "document/" + name) for name in SOURCE_FILES}
    assert {NSCEB[1:-1], EO[1:-1]} | {GRAPHS + "sources/" + bill for bill in BILLS} <= {
        GRAPHS + "sources/" + name for name in SOURCE_FILES}


def test_dates_and_numbers_come_only_from_sources(real_store):
    """A date or a number stands only in a source graph (or the derived graph), where its
    source is known; reference data holds names and types, not facts with values."""
    query = f"""{PREFIXES} SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?v }}
        FILTER(isLiteral(?v) && DATATYPE(?v) IN (xsd:date, xsd:decimal, xsd:integer, xsd:duration)) }}"""
    graphs = {r["g"].value for r in real_store.query(query)} - {GRAPHS + "ontology"}  # its own creation date
    assert {DERIVED[1:-1], NSCEB[1:-1], EO[1:-1], GRAPHS + "sources/eo-14081"} <= graphs
    assert graphs - {DERIVED[1:-1]} <= {GRAPHS + "sources/" + name for name in SOURCE_FILES}


def test_every_external_identifier_has_a_source(real_store):
    query = f"""{PREFIXES} SELECT ?s WHERE {{
        {{ ?s <http://www.w3.org/2002/07/owl#sameAs>|skos:exactMatch ?o }}
        UNION {{ ?s ?p ?o . ?p rdfs:subPropertyOf dcterms:identifier }}
        FILTER NOT EXISTS {{ ?s dcterms:source ?where }} }}"""
    assert [r["s"].value for r in real_store.query(query, use_default_graph_as_union=True)] == []


# Where a link or an identifier was found must be checkable by an outside reader: a URL, or
# a public repository named with a path and a full commit. A search index's own file number
# ("search index file 18018964791", "fs:18018964791") names no repository and is not a source.
URL = re.compile(r"^https?://[^\s/]+\.[^\s/]+")
REPOSITORY_FILE = re.compile(r"\b[\w.-]+/[\w.-]+\b.*?\S+/\S+\.\w+.*\b[0-9a-f]{40}\b", re.S)
GITHUB = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/blob/([^/]+)/.+")
INDEX_NUMBER = re.compile(r"search.index|index (file|id)|read_file|\bfs:\d|\bid \d|^\W*\d+\W*$", re.I)
RESEARCH = Path(__file__).resolve().parent.parent / "docs" / "research"


def source_problem(value) -> str | None:
    """Why a dcterms:source value cannot be checked, or None when it can."""
    text = value.value
    if INDEX_NUMBER.search(text):
        return "a search-index number, not a source"
    if isinstance(value, ox.NamedNode):
        if not URL.match(text):
            return "not a web address"
        github = GITHUB.match(text)
        if github and not re.fullmatch(r"[0-9a-f]{40}", github.group(1)):
            return "a GitHub file address without a full commit"
        return None
    if URL.search(text) or REPOSITORY_FILE.search(text):
        return None
    return "neither a URL nor a repository with a path and a 40-hex commit"


@pytest.mark.parametrize("value, why", [
    (ox.Literal("search index file 18018964791: a country table row"), "a search-index number, not a source"),
    (ox.Literal("search index files 15977838833 and 67176888164"), "a search-index number, not a source"),
    (ox.Literal("fs:52443755348"), "a search-index number, not a source"),
    (ox.Literal("66270083992"), "a search-index number, not a source"),
    (ox.Literal("Read in a stored public copy of the schema:url page"), "neither a URL nor a repository with a path and a 40-hex commit"),
    (ox.Literal("GitHub repository brian14708/wh-briefings, file a/b.md, commit 38dc6a34"), "neither a URL nor a repository with a path and a 40-hex commit"),
    (ox.NamedNode("urn:x-index:123"), "not a web address"),
    (ox.NamedNode("https://github.com/owid/owid-grapher/blob/master/CountriesRegions.ts"), "a GitHub file address without a full commit"),
    (ox.NamedNode("https://www.congress.gov/118/bills/hr8333/BILLS-118hr8333rfs.htm"), None),
    (ox.NamedNode("https://github.com/owid/owid-grapher/blob/c7402d12e25bd1d45f5bd7d66cfc083342a1ed96/a/b.ts"), None),
    (ox.Literal("Read in the public GitHub repository brian14708/wh-briefings, file presidential-actions/2022-09/x.md (commit 38dc6a34f610845a2fb5acbbcb9eb0326b22fa66)"), None),
])
def test_the_source_check_tells_citable_from_not(value, why):
    assert source_problem(value) == why


def test_every_source_in_data_can_be_checked_by_an_outside_reader(real_store):
    query = f"""{PREFIXES} SELECT ?g ?s ?source WHERE {{ GRAPH ?g {{ ?s dcterms:source ?source }} }}"""
    rows = list(real_store.query(query))
    assert len(rows) >= 15  # the links, the primary texts, the reference documents
    bad = [(r["g"].value, r["s"].value, r["source"].value, source_problem(r["source"]))
           for r in rows if source_problem(r["source"])]
    assert bad == []


def test_research_notes_cite_no_search_index_numbers():
    """docs/research/ must be checkable too: no index file ids (fs:NNNN, "read_file id N"),
    and no bare long number outside a commit or an address."""
    notes = sorted(RESEARCH.glob("*.md"))
    assert notes
    for note in notes:
        for number, line in enumerate(note.read_text(encoding="utf-8").splitlines(), 1):
            assert not re.search(r"\bfs:\d|read_file id|find_string/read_file", line), f"{note.name}:{number}"
            bare = re.sub(r"https?://\S+|\b[0-9a-f]{40}\b", "", line)
            assert not re.search(r"(?<![\w.-])\d{10,}(?![\w.-])", bare), f"{note.name}:{number}: {line[:80]}"


def test_every_entity_has_one_english_and_one_chinese_name(real_store):
    query = f"""{PREFIXES} SELECT ?x (COUNT(DISTINCT ?en) AS ?n_en) (COUNT(DISTINCT ?zh) AS ?n_zh) WHERE {{
        ?x a ?type . FILTER(STRSTARTS(STR(?x), "{BP}"))
        OPTIONAL {{ ?x rdfs:label|skos:prefLabel ?en FILTER(LANG(?en) = "en") }}
        OPTIONAL {{ ?x rdfs:label|skos:prefLabel ?zh FILTER(LANG(?zh) = "zh") }}
        FILTER NOT EXISTS {{ ?x a skos:ConceptScheme }}
    }} GROUP BY ?x HAVING (COUNT(DISTINCT ?en) != 1 || COUNT(DISTINCT ?zh) != 1)"""
    assert [r["x"].value for r in real_store.query(query, use_default_graph_as_union=True)] == []


def test_lifecycle_statements_stand_in_the_graph_of_their_source(real_store):
    """A status change names its source (dcterms:source, checked by the shapes); here: it is
    stated in that source's own graph, and every lineage link and ELI status summary stands
    in a source graph too, so a status can always say according to whom."""
    elsewhere = f"""{PREFIXES} PREFIX eli: <http://data.europa.eu/eli/ontology#>
        SELECT ?g ?s ?p WHERE {{
          GRAPH ?g {{ ?s ?p ?o }}
          VALUES ?p {{ bpo:affects bpo:effectedBy bpo:enactedAs bpo:carriedBy eli:repealed_by eli:repeals
                      eli:date_no_longer_in_force eli:first_date_entry_in_force eli:amends eli:amended_by }}
          FILTER NOT EXISTS {{ GRAPH ?g {{ ?g prov:wasDerivedFrom ?src }} }} }}"""
    assert [tuple(v.value for v in r) for r in real_store.query(elsewhere)] == []
    mismatched = f"""{PREFIXES} SELECT ?g ?e ?src WHERE {{
          GRAPH ?g {{ ?e dcterms:source ?src ; bpo:affects|bpo:effectedBy ?x }}
          FILTER NOT EXISTS {{ GRAPH ?g {{ ?g prov:wasDerivedFrom ?src }} }} }}"""
    assert [tuple(v.value for v in r) for r in real_store.query(mismatched)] == []
    revoked = f"""{PREFIXES} SELECT ?src WHERE {{ GRAPH ?g {{ ?e a bpo:Revocation ; bpo:affects bp:document/eo-14081 ;
          dcterms:source ?src }} }}"""
    assert [r["src"].value for r in real_store.query(expand(revoked))] == [
        BP + "document/additional-rescissions-2025-03-14"]
