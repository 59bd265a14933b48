"""What an IRI under https://w3id.org/biopolicy/id/ answers to a linked-data client: the
statements about the resource as RDF, chosen by the Accept header or a file suffix, as the
linked-data conventions (and legislation.gov.uk, EUR-Lex) do: HTML for people by default,
Turtle, N-Triples, JSON-LD or RDF/XML for programs. Every answer says `Vary: Accept`, so
caches keep the versions apart."""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import PREFIXES
from ..query import bind, internal_query, run
from .endpoint import accepted

HTML = "text/html"
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
SUFFIXES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json",
            ".rdf": "application/rdf+xml", ".html": HTML}
OFFERED = [HTML, *RDF_TYPES]


def split_suffix(path: str) -> tuple[str, str | None]:
    """`company/wuxi-apptec.ttl` -> (`company/wuxi-apptec`, `text/turtle`); no suffix: None."""
    for suffix, media in SUFFIXES.items():
        if path.endswith(suffix):
            return path[: -len(suffix)], media
    return path, None


def choose(accept: str) -> str | None:
    """The media type to answer with: HTML unless the client prefers an RDF format; None if it
    accepts none of them (406)."""
    for media in accepted(accept or "*/*"):
        if media in OFFERED:
            return media
        if media in ("*/*", "text/*"):
            return HTML
        if media == "application/*":
            return "application/ld+json"
    return None


def statements(store: ox.Store, iri: str) -> list:
    query = internal_query("describe")
    return list(run(store, query, bind(query, {"entity": iri})))


def serialize(triples: list, media: str) -> bytes:
    if RDF_TYPES[media] in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        return ox.serialize(triples, format=RDF_TYPES[media], prefixes=PREFIXES)
    return ox.serialize(triples, format=RDF_TYPES[media])
