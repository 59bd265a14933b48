import pytest
from rdflib import Dataset, Graph

from kgtool.export import serialize

from conftest import GRAPHS, rdflib_graph

RDFLIB_FORMATS = {"nquads": "nquads", "trig": "trig", "jsonld": "json-ld"}


@pytest.mark.parametrize("fmt", ["nquads", "trig", "jsonld"])
def test_dataset_formats_keep_every_named_graph(mini_sources, mini_store, fmt):
    dataset = Dataset()
    dataset.parse(data=serialize(mini_store, fmt), format=RDFLIB_FORMATS[fmt])
    named = {str(g.identifier): len(g) for g in dataset.graphs() if str(g.identifier).startswith(GRAPHS)}
    assert named == {name: mini_sources.count(name) for name in mini_sources.files}


def test_turtle_is_the_union_with_readable_prefixes(mini_sources, mini_store):
    text = serialize(mini_store, "turtle")
    union = Graph().parse(data=text, format="turtle")
    distinct = {t for name in mini_sources.files for t in rdflib_graph(mini_sources, name) if not any(
        type(term).__name__ == "BNode" for term in t)}
    assert distinct <= set(union)
    assert b"@prefix agency: <https://w3id.org/biopolicy/id/agency/>" in text
    assert b"agency:example-agency" in text


@pytest.mark.parametrize("fmt", ["turtle", "trig"])
def test_prefixes_are_sorted_and_do_not_depend_on_the_order_of_loading(mini_store, fmt):
    import pyoxigraph as ox

    reversed_store = ox.Store()
    reversed_store.extend(reversed(list(mini_store)))
    text = serialize(mini_store, fmt)
    names = [line.split()[1] for line in text.decode().splitlines() if line.startswith("@prefix")]
    assert names == sorted(names) and len(names) > 5
    assert names == [line.split()[1] for line in serialize(reversed_store, fmt).decode().splitlines()
                     if line.startswith("@prefix")]


def test_ntriples_is_the_union_of_all_graphs_each_triple_once(mini_sources, mini_store):
    text = serialize(mini_store, "ntriples")
    union = Graph().parse(data=text, format="nt")
    lines = text.splitlines()
    assert len(lines) == len(set(lines)) == len(union)
    plain = {t for name in mini_sources.files for t in rdflib_graph(mini_sources, name)
             if not any(type(term).__name__ == "BNode" for term in t)}
    assert plain <= set(union)
    assert len(lines) == len({(q.subject, q.predicate, q.object) for q in mini_store})  # each triple once
