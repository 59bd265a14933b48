"""kgtool/remote/load.py without a server of its own: blank nodes kept in one request, the
graphs' names on the server, counts and literals read back from the server and compared,
and the store's setting to name when its default graph is not the union. Loading into real
stores is tested in tests/test_remote.py, tests/test_remote_bulk.py and
tests/test_load_hostile.py."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from conftest import XSD
from kgtool import remote
from kgtool.remote import RemoteError
from kgtool.remote import load as loading
from kgtool.store import triples_per_graph

from servers import Stub

DURATION = XSD + "duration"


def test_the_setting_named_is_the_servers_own_when_its_header_says_which():
    endpoint = remote.Endpoint("http://127.0.0.1:1/query")
    endpoint._server_headers = ["Oxigraph/0.5.13"]
    assert "`oxigraph serve --union-default-graph`" in loading.union_setting(endpoint)
    assert "Fuseki" not in loading.union_setting(endpoint)
    endpoint._server_headers = ["Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"]
    named = loading.union_setting(endpoint)
    assert "`oxigraph serve --union-default-graph`" in named and "`tdb2:unionDefaultGraph true`" in named
    assert "`tdb:unionDefaultGraph true`" in named and "see its documentation" in named


def test_blank_node_groups_keep_a_blank_node_in_one_request():
    b1, b2, x = ox.BlankNode("b1"), ox.BlankNode("b2"), ox.NamedNode("http://e/x")
    p = ox.NamedNode("http://e/p")
    triples = [ox.Triple(x, p, b1), ox.Triple(b1, p, b2), ox.Triple(x, p, x), ox.Triple(b2, p, ox.Literal("v"))]
    groups = loading.blank_node_groups(triples)
    assert sorted(len(g) for g in groups) == [1, 3]
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode("http://e/g")) for t in triples)
    documents = list(loading.chunks(store, "http://e/g", 1))
    assert sorted(d.count(b"\n") for d in documents) == [1, 3]



def test_typed_literals_read_from_ntriples_are_those_the_store_finds(real_store):
    graphs = list(triples_per_graph(real_store))
    found: dict[str, set[str]] = {}
    for graph in graphs:
        loading.typed_in(loading.local_triples(real_store, graph), found)
    assert found == loading.typed_literals(real_store, graphs)
    assert "http://www.w3.org/2001/XMLSchema#duration" in found and "http://www.w3.org/2001/XMLSchema#date" in found


def test_a_prefix_renames_our_graphs_only():
    assert loading.server_name("https://w3id.org/biopolicy/graph/sources/x", "https://example.org/g/") \
        == "https://example.org/g/sources/x"
    assert loading.server_name("https://example.org/other", "https://example.org/g/") == "https://example.org/other"
    ontology = "https://w3id.org/biopolicy/graph/ontology"
    assert loading.server_name(ontology, None) == ontology


def test_triples_with_blank_nodes_are_the_same_whatever_the_nodes_are_called():
    first = [b'_:a <http://e/p> "x" .', b'<http://e/s> <http://e/p> _:a .']
    renamed = [b'_:zz <http://e/p> "x" .', b'<http://e/s> <http://e/p> _:zz .']
    other = [b'_:a <http://e/p> "x" .', b'<http://e/s> <http://e/p> _:b .']
    assert loading.canonical(first) == loading.canonical(renamed) != loading.canonical(other)
    plain = b'<http://e/s> <http://e/q> "_:not a node" .'
    ground, blank = loading.ground_and_blank(b"\n".join([*first, plain]) + b"\n")
    assert ground == {plain} and blank == first


def test_a_count_that_is_not_a_number_is_refused():
    def answer(handler):
        rows = [{"g": {"type": "uri", "value": "http://e/g"}, "n": {"type": "literal", "value": "many"}}]
        return 200, {"Content-Type": "application/sparql-results+json"}, json.dumps(
            {"head": {"vars": ["g", "n"]}, "results": {"bindings": rows}}).encode()

    with Stub(answer) as stub:
        with pytest.raises(RemoteError, match="answered a count that is not a graph and a number"):
            loading.graph_counts(remote.Endpoint(stub.url + "/query", retries=0), ["http://e/g"])


def test_a_literal_the_store_changed_is_one_warning_with_an_example():
    endpoint = remote.Endpoint("http://h:1/query")
    sent = {DURATION: {f'"P200D"^^<{DURATION}>', f'"P5Y"^^<{DURATION}>'},
            "http://www.w3.org/2001/XMLSchema#date": {'"2022-09-12"^^<http://www.w3.org/2001/XMLSchema#date>'}}
    back = {DURATION: {f'"P5Y"^^<{DURATION}>', f'"17280000"^^<{DURATION}>'},
            "http://www.w3.org/2001/XMLSchema#date": sent["http://www.w3.org/2001/XMLSchema#date"]}
    [warning] = loading.literal_warnings(endpoint, sent, back)
    assert warning.startswith(f"the store at http://h:1/query changed 1 of the 2 distinct <{DURATION}> literals")
    assert f'the release has "P200D"^^<{DURATION}>, the store has "17280000"^^<{DURATION}>' in warning
    assert "openlink/virtuoso-opensource#936" in warning
    assert loading.literal_warnings(endpoint, sent, sent) == []
