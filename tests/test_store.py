import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from kgtool import store as store_module
from kgtool.sources import Source, Sources

from kgtool.store import StoreError, instances_per_class, load, open_existing, to_nquads, triples_per_graph

from conftest import GRAPHS

BPO = "https://w3id.org/biopolicy/ontology#"


def test_every_graph_is_loaded_with_all_its_triples(mini_sources, mini_store):
    per_graph = triples_per_graph(mini_store)
    assert per_graph == {str(name): len(source.graph) for name, source in mini_sources.graphs.items()}


def test_nquads_keep_literals_with_newlines_and_quotes_in_one_statement(mini_sources):
    sources = Sources()
    tricky = Literal('line one .\nline "two" .\n')
    graph = Graph()
    graph.add((URIRef("http://e/a"), URIRef("http://e/p"), tricky))
    sources.add(Source(URIRef(GRAPHS + "t"), None, graph))
    store = ox.Store()
    store.load(to_nquads(sources), format=ox.RdfFormat.N_QUADS)
    [quad] = list(store)
    assert quad.object.value == str(tricky) and quad.graph_name.value == GRAPHS + "t"


def test_instances_per_class_leave_out_the_ontology(mini_store):
    counts = instances_per_class(mini_store)
    assert counts[BPO + "Deadline"] == 3 and counts[BPO + "Directive"] == 3
    assert "http://www.w3.org/2002/07/owl#Class" not in counts


def test_persistent_store_is_reused_and_replaced_whole(mini_sources, tmp_path, monkeypatch):
    path = tmp_path / "store"
    first = load(mini_sources, path)
    expected = triples_per_graph(first)
    del first
    assert triples_per_graph(open_existing(path)) == expected
    # a failing load leaves the previous store as it was
    monkeypatch.setattr(store_module, "to_nquads", lambda sources, names=None: b"<broken")
    with pytest.raises(SyntaxError):
        load(mini_sources, path)
    assert triples_per_graph(open_existing(path)) == expected
    # and so does a load that fails while writing the new directory
    with pytest.raises(SyntaxError):
        store_module.replace_persistent(path, b"<broken")
    assert triples_per_graph(open_existing(path)) == expected
    assert [p.name for p in tmp_path.iterdir()] == ["store"]


def test_a_directory_that_is_not_a_store_is_not_replaced(mini_sources, tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(StoreError, match="not a store"):
        load(mini_sources, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="kgtool build --store"):
        open_existing(tmp_path / "nothing")
