"""kgtool/rdfterms.py: rdflib's namespaces for the code that reads the shapes with rdflib,
naming the same IRIs as kgtool/namespaces.py's strings."""

from __future__ import annotations

from rdflib import Namespace, URIRef

from kgtool import namespaces, rdfterms


def test_each_namespace_makes_the_iris_of_its_prefix():
    for name, iri in (("BPO", namespaces.BPO_IRI), ("BP", namespaces.BP_IRI), ("BPS", namespaces.BPS_IRI)):
        assert isinstance(getattr(rdfterms, name), Namespace) and getattr(rdfterms, name) == URIRef(iri), name
    assert rdfterms.BPO.Measure == URIRef("https://w3id.org/biopolicy/ontology#Measure")
    assert rdfterms.BP["agency/us-dod"] == URIRef("https://w3id.org/biopolicy/id/agency/us-dod")
    assert rdfterms.BPS.Entity == URIRef("https://w3id.org/biopolicy/shapes#Entity")
