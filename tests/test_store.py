import pytest
from rdflib import Graph

from kgtool import store as store_module
from kgtool.sources import Sources, graph_name

from kgtool.store import StoreError, instances_per_class, load, open_existing, triples_per_graph

from conftest import GRAPHS, MINI_DATA, REPO

BPO = "https://w3id.org/biopolicy/ontology#"


def test_every_file_is_loaded_with_all_its_triples(mini_sources, mini_store):
    """Counted by rdflib, on its own parse of each file."""
    per_graph = triples_per_graph(mini_store)
    files = [REPO / "ontology" / "biopolicy.ttl"] + sorted(MINI_DATA.rglob("*.ttl"))
    for path in files:
        name = GRAPHS + "ontology" if path.parent.name == "ontology" else graph_name(MINI_DATA, path)
        assert per_graph[name] == len(Graph().parse(path)), name
    assert set(per_graph) == {GRAPHS + "derived"} | set(mini_sources.files) and per_graph[GRAPHS + "derived"] > 0


def test_persistent_store_keeps_literals_with_newlines_and_quotes_in_one_statement(tmp_path):
    sources = Sources()
    tricky = 'line one .\nline "two" .\n'
    sources.load(GRAPHS + "t", None, ('<http://e/a> <http://e/p> """' + tricky + '""" .').encode())
    load(sources, tmp_path / "store")
    [quad] = list(open_existing(tmp_path / "store"))
    assert quad.object.value == tricky and quad.graph_name.value == GRAPHS + "t"


def test_instances_per_class_leave_out_the_ontology(mini_store):
    counts = instances_per_class(mini_store)
    assert counts[BPO + "Deadline"] == 3 and counts[BPO + "Directive"] == 3
    assert "http://www.w3.org/2002/07/owl#Class" not in counts


def test_persistent_store_is_reused_and_replaced_whole(mini_sources, tmp_path):
    path = tmp_path / "store"
    first = load(mini_sources, path)
    expected = triples_per_graph(first)
    del first
    assert triples_per_graph(open_existing(path)) == expected
    # a load that fails while writing the new directory leaves the previous store as it was

    def failing():
        yield from mini_sources.store
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store_module.replace_persistent(path, failing())
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
