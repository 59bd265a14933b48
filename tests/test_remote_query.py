"""kgtool/remote/query.py: a store's endpoints and `kgtool query --endpoint`. Which server
answers (the Oxigraph path), and an answer read as pyoxigraph's results, or refused with
one clear error when it is no SPARQL answer (docs/safety.md, "Loading into and querying a
remote store"). Against a stub server of the test's own; the real stores are in
tests/test_remote.py."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgtool import remote
from kgtool.remote import Endpoint, RemoteError, select
from kgtool.remote.query import blank_label, query_form, results_json

from servers import Stub


def test_an_oxigraph_server_is_recognised_by_its_server_header_only_when_alone():
    endpoint = remote.Endpoint("http://h:1/query", "http://h:1/update", "http://h:1/store")
    endpoint._server_headers = ["Oxigraph/0.5.13"]
    assert endpoint.is_oxigraph()
    endpoint._server_headers = ["BaseHTTP/0.6 Python/3.11", "Oxigraph/0.5.13"]  # a proxy in between
    assert not endpoint.is_oxigraph()
    endpoint._server_headers = ["Virtuoso/07.20.3240 (Linux) x86_64-pc-linux-gnu"]
    assert not endpoint.is_oxigraph()
    for other in (dict(graph_store=None), dict(user="u"), dict(update="http://elsewhere:1/update")):
        alike = remote.Endpoint(**{"query": "http://h:1/query", "update": "http://h:1/update",
                                   "graph_store": "http://h:1/store", **other})
        alike._server_headers = ["Oxigraph/0.5.13"]
        assert not alike.is_oxigraph(), other



XML_RESULTS = b"""<?xml version="1.0"?>
<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="x"/><variable name="n"/></head>
<results><result><binding name="x"><bnode>nodeID://b10000</bnode></binding>
<binding name="n"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">7</literal></binding></result>
</results></sparql>"""


def test_a_query_reads_xml_results_and_constructed_triples():
    """A store that answers SPARQL XML instead of JSON (with Virtuoso's names of blank
    nodes), and a CONSTRUCT answered in N-Triples: both as the embedded store answers."""
    def answer(handler):
        if handler.headers["Accept"].startswith("application/n-triples"):
            return 200, {"Content-Type": "application/n-triples"}, b'<http://e/s> <http://e/p> "o"@en .\n'
        return 200, {"Content-Type": "application/sparql-results+xml"}, XML_RESULTS

    with Stub(answer) as stub:
        endpoint = Endpoint(stub.url + "/sparql", retries=0)
        [row] = list(select(endpoint, "SELECT ?x ?n WHERE { ?x ?p ?n }"))
        assert isinstance(row["x"], ox.BlankNode)
        assert row["n"] == ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        triples = select(endpoint, "# a comment that says SELECT\nCONSTRUCT WHERE { ?s ?p ?o }")
        assert isinstance(triples, ox.QueryTriples)
        assert [str(t) for t in triples] == ['<http://e/s> <http://e/p> "o"@en']


def test_the_update_endpoint_is_the_query_endpoint_unless_given():
    assert Endpoint("http://h:1/sparql").update == "http://h:1/sparql"
    assert Endpoint("http://h:1/query", "http://h:1/update").update == "http://h:1/update"


@pytest.mark.parametrize("data, says", [
    (b"<html><body>Please log in</body></html>", "it sent '<html><body>Please log in"),
    (b'{"results": {"bindings": "none"}}', "it sent '{\"results\""),
    (b"\xff\xfe", "did not answer with SPARQL JSON results"),
])
def test_an_answer_that_is_not_sparql_json_results_is_refused_saying_what_came(data, says):
    with pytest.raises(RemoteError, match="^http://h:1/query did not answer with SPARQL JSON results") as refused:
        results_json(data, "http://h:1/query")
    assert says in str(refused.value)
    assert results_json(b'{"head": {}, "boolean": true}', "here") == {"head": {}, "boolean": True}


def test_only_the_four_query_forms_run_on_an_endpoint():
    assert query_form("# ASK\nPREFIX x: <urn:x:>\nDESCRIBE <urn:x:a>") == "DESCRIBE"
    with pytest.raises(RemoteError, match="only SELECT, ASK, CONSTRUCT and DESCRIBE"):
        query_form("DROP ALL")


def test_blank_node_names_become_labels_that_stay_distinct():
    assert blank_label("nodeID://b10000") == "nodeID_3a__2f__2f_b10000"  # ':' is 3a, '/' is 2f
    assert blank_label("b_1") != blank_label("b-1") and blank_label("b1") == "b1"


def test_an_rdf_answer_to_construct_must_be_triples_that_read():
    def answer(handler):
        return 200, {"Content-Type": "application/n-quads"}, b"<http://e/s> <http://e/p> <http://e/o> <http://e/g> .\n"

    with Stub(answer) as stub:
        with pytest.raises(RemoteError, match="did not answer with RDF triples; it sent application/n-quads"):
            select(Endpoint(stub.url + "/sparql", retries=0), "CONSTRUCT WHERE { ?s ?p ?o }")
