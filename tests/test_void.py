"""kgtool/void.py: the dataset's description of itself in VoID and DCAT, read back as RDF:
its graphs and their counts, the vocabularies it uses, its licence, dumps and endpoint."""

from __future__ import annotations

import pyoxigraph as ox

from kgtool.store import triples_per_graph
from kgtool.void import DATASET, describe, namespace

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SD = "http://www.w3.org/ns/sparql-service-description#"
RELEASE = "https://example.org/release/"


def read(data: bytes) -> ox.Store:
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.TURTLE, base_iri=RELEASE + "void.ttl")
    return store


def objects(store: ox.Store, subject, predicate: str) -> list:
    return [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def test_the_description_counts_every_graph_and_the_whole(mini_store):
    per_graph = triples_per_graph(mini_store)
    store = read(describe(mini_store, per_graph, {}, None))
    dataset = ox.NamedNode(DATASET)
    types = {t.value for t in objects(store, dataset, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")}
    assert types == {VOID + "Dataset", DCAT + "Dataset"}
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    assert objects(store, dataset, VOID + "triples") == [ox.Literal(str(sum(per_graph.values())), datatype=integer)]
    subsets = {objects(store, part, SD + "name")[0].value: int(objects(store, part, VOID + "triples")[0].value)
               for part in objects(store, dataset, VOID + "subset")}
    assert subsets == per_graph
    assert objects(store, dataset, VOID + "sparqlEndpoint") == [] and objects(store, dataset, VOID + "dataDump") == []


def test_vocabularies_and_licence_are_those_the_data_uses(mini_store):
    store = read(describe(mini_store, triples_per_graph(mini_store), {}, None))
    dataset = ox.NamedNode(DATASET)
    vocabularies = {v.value for v in objects(store, dataset, VOID + "vocabulary")}
    assert {"https://w3id.org/biopolicy/ontology#", "http://www.w3.org/2000/01/rdf-schema#",
            "http://purl.org/dc/terms/", "http://www.w3.org/ns/prov#"} <= vocabularies
    assert not [v for v in vocabularies if v.startswith("https://w3id.org/biopolicy/id/")]
    # ontology/biopolicy.ttl's header: dcterms:license <https://creativecommons.org/licenses/by/4.0/>
    assert objects(store, dataset, "http://purl.org/dc/terms/license") == [
        ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")]


def test_dumps_resolve_beside_the_description_and_the_endpoint_is_named(mini_store):
    per_graph = triples_per_graph(mini_store)
    data = describe(mini_store, per_graph, {"biopolicy.nq": "biopolicy.nq", "biopolicy.ttl": "biopolicy.ttl"},
                    "https://example.org/sparql")
    assert data == describe(mini_store, per_graph, {"biopolicy.nq": "biopolicy.nq", "biopolicy.ttl": "biopolicy.ttl"},
                            "https://example.org/sparql")  # the same bytes each time: no blank node labels
    store = read(data)
    dataset = ox.NamedNode(DATASET)
    dumps = {d.value for d in objects(store, dataset, VOID + "dataDump")}
    assert dumps == {RELEASE + "biopolicy.nq", RELEASE + "biopolicy.ttl"}
    media = {objects(store, d, DCAT + "downloadURL")[0].value: objects(store, d, DCAT + "mediaType")[0].value
             for d in objects(store, dataset, DCAT + "distribution")}
    assert media == {RELEASE + "biopolicy.nq": "application/n-quads", RELEASE + "biopolicy.ttl": "text/turtle"}
    assert objects(store, dataset, VOID + "sparqlEndpoint") == [ox.NamedNode("https://example.org/sparql")]


def test_a_vocabulary_is_an_iri_up_to_its_last_hash_or_slash():
    assert namespace("http://www.w3.org/ns/prov#wasDerivedFrom") == "http://www.w3.org/ns/prov#"
    assert namespace("https://schema.org/url") == "https://schema.org/"
    assert namespace("http://www.w3.org/ns/org#Post") == "http://www.w3.org/ns/org#"
