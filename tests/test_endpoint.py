"""kgtool/web/endpoint.py without a server: what it refuses before a query runs, how it
evaluates within its limits, and how it writes an answer (SPARQL 1.1 Protocol and Query
Results formats). The endpoint behind `kgtool serve` is tested in tests/test_serve.py and
tests/test_serve_limits.py."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import pickle

import pyoxigraph as ox
import pytest

from conftest import XSD
from kgtool.query import Answer, Row
from kgtool.web.endpoint import (Asked, Limits, Refused, Runner, accepted, body, check, dataset, evaluate, is_update,
                                 measure, negotiate)

# A cross join of every triple with itself four times, counted: runs for minutes.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.mark.parametrize("text, update", [
    ("INSERT DATA { <a:b> <a:c> <a:d> }", True),
    ("PREFIX insert: <urn:x:>\nBASE <urn:y:>\n# DELETE in a comment\nDROP ALL", True),
    ("PREFIX delete: <urn:x:>\nSELECT * WHERE { ?s delete:p 'INSERT' }", False),
    ("# INSERT DATA\nASK { ?s ?p ?o }", False),
])
def test_is_update(text, update):
    assert is_update(text) is update


def test_accept_header_ranked_by_quality():
    assert accepted("text/csv;q=0.5, application/sparql-results+json, text/tsv;q=0") == \
        ["application/sparql-results+json", "text/csv"]


def test_evaluate_stops_at_the_row_cap(mini_store):
    answer = evaluate(mini_store, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {}, Limits(max_rows=3))
    assert len(answer.rows) == 3 and answer.truncated


def test_evaluate_stops_when_the_time_is_up(mini_store):
    with pytest.raises(Refused) as refused:
        evaluate(mini_store, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {}, Limits(timeout=-1))
    assert refused.value.status == 503


# Refused before anything is evaluated --------------------------------------------------

def test_a_query_longer_or_deeper_than_the_limits_is_refused_with_its_size():
    limits = Limits(max_query_bytes=40, max_nesting=3)
    measure("ASK { " + "x" * 34, limits)  # 40 bytes: at the limit
    with pytest.raises(Refused) as refused:
        measure("ASK { " + "x" * 35, limits)
    assert refused.value.status == 413 and "41 bytes" in str(refused.value)
    measure("ASK { { { } } }", limits)
    with pytest.raises(Refused) as refused:
        measure("ASK { { { ( ) } } }", limits)
    assert refused.value.status == 400 and "nests 4 levels" in str(refused.value)
    measure("ASK { ?s ?p '{{{{' }", limits)  # brackets in a string do not nest


def test_an_update_or_an_unlisted_service_is_refused_and_a_listed_one_passes():
    for text, says in (("PREFIX x: <urn:x:>\nCLEAR ALL", "read-only"),
                       ("SELECT * WHERE { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", "SERVICE refused")):
        with pytest.raises(Refused, match=says) as refused:
            check(Asked(text, [], []), Limits())
        assert refused.value.status == 403
    check(Asked("SELECT * WHERE { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", [], []),
          Limits(allowed_services=["http://a.example/sparql"]))


def test_the_dataset_is_the_union_unless_the_request_names_graphs():
    assert dataset(Asked("ASK {}", [], [])) == {"use_default_graph_as_union": True}
    assert dataset(Asked("ASK {}", ["http://e/g"], [])) == {"default_graph": [ox.NamedNode("http://e/g")],
                                                            "named_graphs": None}
    with pytest.raises(Refused) as refused:
        dataset(Asked("ASK {}", [], ["not an iri"]))
    assert refused.value.status == 400


# Evaluated within the limits -----------------------------------------------------------

def test_a_query_that_does_not_parse_is_a_400_and_ask_is_a_boolean(mini_store):
    with pytest.raises(Refused, match="query does not parse") as refused:
        evaluate(mini_store, "SELECT * WHERE { ?s ?p }", {}, Limits())
    assert refused.value.status == 400
    answer = evaluate(mini_store, "ASK { ?s a ?type }", {"use_default_graph_as_union": True}, Limits())
    assert answer.boolean is True and answer.rows == []


def test_rows_and_refusals_come_back_from_a_worker_process_whole():
    """Both cross a process boundary (pickle); a Refused keeps its status."""
    row = pickle.loads(pickle.dumps(Row({"x": 0, "y": 1}, (ox.Literal("a"), None))))
    assert row["x"] == ox.Literal("a") and row[ox.Variable("x")] == ox.Literal("a") and row["y"] is None
    assert row["z"] is None and len(row) == 2
    refused = pickle.loads(pickle.dumps(Refused(503, "busy")))
    assert (refused.status, str(refused)) == (503, "busy")


def test_a_query_past_its_time_is_stopped_in_its_worker(mini_store):
    runner = Runner(mini_store, Limits(timeout=0.5))
    try:
        with pytest.raises(Refused, match=r"longer than 0\.5 s and was stopped") as refused:
            runner.work(SLOW, {"use_default_graph_as_union": True})
    finally:
        runner.pool.shutdown()
    assert refused.value.status == 503


def test_a_query_is_refused_at_once_when_the_queue_is_full_and_after_queue_wait_otherwise(mini_store):
    async def second_turn(limits: Limits) -> Refused:
        runner = Runner(mini_store, limits)
        await runner.turn()  # the only worker is taken
        with pytest.raises(Refused) as refused:
            await runner.turn()
        runner.pool.shutdown()
        return refused.value

    full = asyncio.run(second_turn(Limits(workers=1, queue=0)))
    assert full.status == 503 and "0 queries are already waiting" in str(full)
    waited = asyncio.run(second_turn(Limits(workers=1, queue=1, queue_wait=0.1)))
    assert waited.status == 503 and "no worker was free within 0.1 s" in str(waited)


# Written in the negotiated format ------------------------------------------------------

def test_the_format_is_json_unless_the_client_asks_for_another_it_offers():
    assert negotiate("", {"application/sparql-results+json": 1, "text/csv": 2}) == "application/sparql-results+json"
    assert negotiate("*/*", {"application/sparql-results+json": 1, "text/csv": 2}) == "application/sparql-results+json"
    assert negotiate("text/csv, */*;q=0.1", {"application/sparql-results+json": 1, "text/csv": 2}) == "text/csv"
    with pytest.raises(Refused) as refused:
        negotiate("image/png", {"application/sparql-results+json": 1})
    assert refused.value.status == 406


def test_terms_are_written_as_sparql_json_results_write_them():
    """SPARQL 1.1 Query Results JSON: a simple literal has no datatype, a tagged one its
    xml:lang; SPARQL-star's quoted triple is of type triple; an unbound cell is absent."""
    terms = (ox.Literal("a"), ox.Literal("a", language="zh"), ox.Literal("7", datatype=ox.NamedNode(XSD + "integer")),
             ox.BlankNode("b1"), ox.Triple(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o")), None)
    names = ["plain", "tagged", "typed", "blank", "quoted", "unbound"]
    answer = Answer(variables=names, rows=[Row({n: i for i, n in enumerate(names)}, terms)])
    data, media = body(answer, "application/sparql-results+json")
    [cells] = json.loads(data)["results"]["bindings"]
    assert media == "application/sparql-results+json" and "unbound" not in cells
    assert cells["plain"] == {"type": "literal", "value": "a"}
    assert cells["tagged"] == {"type": "literal", "value": "a", "xml:lang": "zh"}
    assert cells["typed"] == {"type": "literal", "value": "7", "datatype": XSD + "integer"}
    assert cells["blank"] == {"type": "bnode", "value": "b1"}
    assert cells["quoted"]["type"] == "triple" and cells["quoted"]["value"]["subject"] == {"type": "uri", "value": "http://e/s"}


def test_every_format_holds_the_same_rows_cut_at_the_cap(mini_store):
    text = ("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(isIRI(?s)) } "
            "ORDER BY ?s ?label")
    answer = evaluate(mini_store, text, {"use_default_graph_as_union": True}, Limits(max_rows=4))
    assert answer.truncated
    data, media = body(answer, "")
    assert media == "application/sparql-results+json"
    rows = [(b["s"]["value"], b["label"]["value"]) for b in json.loads(data)["results"]["bindings"]]
    assert len(rows) == 4
    data, media = body(answer, "text/csv")
    assert media == "text/csv" and [tuple(r) for r in csv.reader(io.StringIO(data.decode()))][1:] == rows
    for media in ("application/sparql-results+xml", "text/tab-separated-values"):
        data, _ = body(answer, media)
        fmt = ox.QueryResultsFormat.XML if media.endswith("xml") else ox.QueryResultsFormat.TSV
        assert [(r["s"].value, r["label"].value) for r in ox.parse_query_results(data, format=fmt)] == rows
    data, _ = body(Answer(boolean=False), "text/csv")
    assert data.strip() == b"false"
