"""The saved queries of queries/ on the real graph, against results written by hand.

Each file in tests/expected/ was written by reading the two seed sources, not from the
query's output. Its header says which query (the file name up to the first dot), the
parameters, whether row order matters, and which columns hold sets (GROUP_CONCAT with
" | ", whose order SPARQL leaves open). Only the columns the file lists are compared.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgtool.query import QueryError, bind, catalogue, find_query, read_answer, run, services, write_answer

from conftest import BP, GRAPHS, REPO

QUERIES = REPO / "queries"
EXPECTED = REPO / "tests" / "expected"
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Expected:
    path: Path
    query: str
    params: dict[str, str] = field(default_factory=dict)
    ordered: bool = True
    set_columns: set[str] = field(default_factory=set)
    graphs: tuple[str, ...] = ()
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def written(results, fmt: str) -> bytes:
    """An answer as `kgtool query` writes it, every row kept."""
    return write_answer(read_answer(results, 10**9), fmt)


def read_expected(path: Path) -> Expected:
    expected = Expected(path, path.name.split(".")[0])
    body = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# params:"):
            expected.params = dict(p.split("=", 1) for p in line.removeprefix("# params:").split())
        elif line.startswith("# order:"):
            expected.ordered = line.split(":", 1)[1].strip() == "strict"
        elif line.startswith("# graphs:"):
            expected.graphs = tuple(line.split(":", 1)[1].split())
        elif line.startswith("# set-columns:"):
            expected.set_columns = set(line.split(":", 1)[1].split())
        elif not line.startswith("#"):
            body.append(line)
    table = list(csv.reader(io.StringIO("\n".join(body)), delimiter="\t"))
    expected.columns, expected.rows = table[0], table[1:]
    return expected


def normal(cell: str, column: str, sets: set[str]):
    """Expand the `bp:` shorthand of the expected files; sets become sorted tuples."""
    if column in sets:
        return tuple(sorted(part.strip() for part in cell.split("|") if part.strip()))
    return BP + cell[3:] if cell.startswith("bp:") else cell


def cell(term) -> str:
    return "" if term is None else term.value


def answer(store, name: str, params: dict[str, str]) -> tuple[list[str], list[dict[str, str]]]:
    query = find_query(QUERIES, name)
    results = run(store, query, bind(query, params))
    variables = [v.value for v in results.variables]
    return variables, [{v: cell(s[v]) for v in variables} for s in results]


EXPECTED_FILES = sorted(EXPECTED.glob("*.tsv"))
# Queries that call SERVICE read a live endpoint, not our graph: tests/test_link.py runs
# them against a local stand-in instead.
LOCAL_QUERIES = [q for q in catalogue(QUERIES) if not services(q.text)]
_SCOPED: dict[tuple[str, ...], ox.Store] = {}


def scoped(store, patterns: tuple[str, ...]):
    """The store restricted to the named data graphs, plus the ontology and derived graphs."""
    if not patterns:
        return store
    if patterns not in _SCOPED:
        keep = ox.Store()
        for quad in store:
            name = quad.graph_name.value.removeprefix(GRAPHS) if isinstance(quad.graph_name, ox.NamedNode) else ""
            if name in ("ontology", "derived") or any(fnmatch.fnmatchcase(name, p) for p in patterns):
                keep.add(quad)
        _SCOPED[patterns] = keep
    return _SCOPED[patterns]



@pytest.mark.parametrize("path", EXPECTED_FILES, ids=[p.name for p in EXPECTED_FILES])
def test_query_answers_what_the_sources_say(real_store, path):
    expected = read_expected(path)
    variables, rows = answer(scoped(real_store, expected.graphs), expected.query, expected.params)
    missing = [c for c in expected.columns if c not in variables]
    assert not missing, f"{path.name}: the query has no column {missing}"
    got = [tuple(normal(r[c], c, expected.set_columns) for c in expected.columns) for r in rows]
    want = [tuple(normal(v, c, expected.set_columns) for c, v in zip(expected.columns, row)) for row in expected.rows]
    if not expected.ordered:
        got, want = sorted(got), sorted(want)
    assert got == want


def test_every_saved_query_has_an_expected_result():
    checked = {read_expected(p).query for p in EXPECTED_FILES}
    saved = {q.name for q in LOCAL_QUERIES}
    assert saved - checked == set(), "saved queries without a hand-written expected result"
    assert len(saved) >= 15


def test_every_saved_query_has_a_documented_header():
    for query in catalogue(QUERIES):
        text = query.path.read_text(encoding="utf-8")
        assert re.search(r"^#\+ title: \S", text, re.M), query.name
        assert re.search(r"^#\+ question: \S", text, re.M), query.name
        assert CJK.search(re.search(r"^#\+ question_zh: (.*)$", text, re.M).group(1)), query.name
        assert CJK.search(re.search(r"^#\+ title_zh: (.*)$", text, re.M).group(1)), query.name
        assert query.title_in("zh") == query.header["title_zh"] and query.title_in("en") == query.title
        assert "ORDER BY" in text, f"{query.name} must order its rows"


def test_every_required_parameter_has_an_example():
    """`#+ example:` lines give every required parameter (one of each `one-of` group) a
    value, so that each query can be run, and shown, with values from the data."""
    for query in catalogue(QUERIES):
        if query.required():
            assert query.examples, f"{query.name} needs an `#+ example:` line"
        for example in query.examples:
            bind(query, example)  # a missing required value, or a value of the wrong type, fails here


@pytest.mark.parametrize("query", LOCAL_QUERIES, ids=lambda q: q.name)
def test_every_saved_query_answers_in_every_format_and_both_languages(real_store, query):
    """Run with each example (or the defaults), in each language."""
    for params, lang in itertools.product(query.examples or [{}], ("en", "zh")):
        bindings = bind(query, {**params, "lang": lang})
        as_json = json.loads(written(run(real_store, query, bindings), "json"))
        rows = as_json["results"]["bindings"]
        assert rows, f"{query.name} returned no rows in {lang}"
        # a fact stated in two graphs must not double a row (the union default graph of
        # pyoxigraph and Virtuoso keeps one copy per graph)
        keys = [tuple(sorted((k, v["value"]) for k, v in row.items())) for row in rows]
        assert len(set(keys)) == len(keys), f"{query.name} repeats rows in {lang}"
        texts = [b["value"] for row in rows for b in row.values() if b["type"] == "literal"]
        if lang == "zh":
            assert any(CJK.search(t) for t in texts), f"{query.name}: no Chinese label in zh"
        for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
            text = written(run(real_store, query, bindings), fmt).decode("utf-8")
            table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
            assert len(table) == len(rows) + 1
        table = written(run(real_store, query, bindings), "table").decode("utf-8")
        assert len(table.splitlines()) == len(rows) + 2


def test_english_labels_fall_back_to_chinese_and_back(real_store):
    """A label missing in the asked language is replaced by the other one, never empty."""
    store = ox.Store()
    for quad in real_store:
        store.add(quad)
    nbco = ox.NamedNode(BP + "agency/nbco")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for quad in list(store.quads_for_pattern(nbco, label, None)):
        if quad.object.language == "en":
            store.remove(quad)
    _, rows = answer(store, "proposed-bodies", {"lang": "en"})
    assert {r["new_label"] for r in rows if r["new"] == nbco.value} == {"国家生物技术协调办公室"}


HOSTILE = ['x" } ; DROP ALL ; #', "}", "#", '"', "a\nb", "<http://evil>", "' UNION { ?s ?p ?o } '"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_parameters_are_data(real_store, value):
    before = len(real_store)
    _, rows = answer(real_store, "search-labels", {"text": value})
    assert rows == []
    _, rows = answer(real_store, "provenance", {"name": value})
    assert rows == []
    assert len(real_store) == before


def test_an_iri_parameter_rejects_what_is_not_an_iri(real_store):
    query = find_query(QUERIES, "provenance")
    for value in ("not an iri", "<http://evil> } DROP ALL", 'http://a"b'):
        with pytest.raises(QueryError):
            bind(query, {"entity": value})


def test_a_language_parameter_rejects_what_is_not_a_language():
    query = find_query(QUERIES, "money")
    with pytest.raises(QueryError):
        bind(query, {"lang": 'en" } #'})


# ---------------------------------------------------------------- lifecycle: status and moot tasks

REVOKING_ORDER = """@prefix bpo: <https://w3id.org/biopolicy/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/biopolicy/graph/sources/example-revoking-order>
    prov:wasDerivedFrom <https://w3id.org/biopolicy/id/document/example-revoking-order> .
<https://w3id.org/biopolicy/id/document/example-revoking-order> a bpo:ExecutiveOrder ;
    rdfs:label "Example revoking order (fictional)"@en , "示例撤销令（虚构）"@zh .
<https://w3id.org/biopolicy/id/event/example-order-revocation> a bpo:Revocation ;
    rdfs:label "Revocation of the Example Order"@en , "示例命令被撤销"@zh ;
    dcterms:date "2024-01-01"^^xsd:date ;
    bpo:affects <https://w3id.org/biopolicy/id/document/example-order> ;
    bpo:effectedBy <https://w3id.org/biopolicy/id/document/example-revoking-order> ;
    dcterms:source <https://w3id.org/biopolicy/id/document/example-revoking-order> .
"""


def test_tasks_of_a_revoked_order_are_moot_unless_due_before_the_revocation(mini_copy):
    """The fictional order's tasks fall due 2023-03-31 (200 days from its signing), 2024-02-29
    (a month after a receipt on 2024-01-31) and on an unknown day; revoked on 2024-01-01,
    only the first was due while the order stood."""
    from kgtool.derive import add_derived_graph
    from kgtool.namespaces import Project
    from kgtool.sources import load_sources
    from kgtool.store import load

    (mini_copy / "sources" / "example-revoking-order.ttl").write_text(REVOKING_ORDER, encoding="utf-8")
    sources = load_sources(Project.at(REPO, mini_copy))
    add_derived_graph(sources)
    _, rows = answer(load(sources), "deadline-timeline", {"lang": "en"})
    got = {(r["measure"].removeprefix(BP), r["due_date"], r["revoked_on"], r["moot"]) for r in rows}
    assert got == {("measure/example-order-assessment", "2023-03-31", "2024-01-01", ""),
                   ("measure/example-order-plan", "2024-02-29", "2024-01-01", "moot"),
                   ("measure/example-order-review", "", "2024-01-01", "moot")}
    store = load(sources)
    status = {(r["document"].removeprefix(BP), r["status"], r["since"], r["source_label"])
              for r in answer(store, "document-status", {"date": "2024-06-01"})[1]}
    assert status == {("document/example-order", "revoked", "2024-01-01", "Example revoking order (fictional)")}
    # the day before, nothing: the fictional signing states no prov:generated
    assert answer(store, "document-status", {"date": "2023-12-31"})[1] == []


def test_a_date_parameter_defaults_to_the_day_the_query_runs():
    from datetime import date

    query = find_query(QUERIES, "document-status")
    assert bind(query, {})["date"].value == date.today().isoformat()
    assert bind(query, {"date": "today"})["date"].value == date.today().isoformat()
    assert bind(query, {"date": "2024-01-01"})["date"].value == "2024-01-01"
