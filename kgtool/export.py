"""Release files (conventions.md, "Release files"): the dataset in N-Quads, TriG and
JSON-LD (named graphs kept) and the union of all graphs as one Turtle graph."""

from __future__ import annotations

import pyoxigraph as ox

from .namespaces import BP_IRI, PREFIXES

# format name on the command line -> release file name
RELEASE_FILES = {
    "nquads": "biopolicy.nq",
    "trig": "biopolicy.trig",
    "turtle": "biopolicy.ttl",
    "jsonld": "biopolicy.jsonld",
}

DATASET_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}


def union_triples(store: ox.Store) -> list[ox.Triple]:
    """Each distinct triple of any graph once, in a stable order."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in store}
    return sorted(triples, key=str)


def release_prefixes(store: ox.Store) -> dict[str, str]:
    """The known prefixes plus one per kind of resource (`agency:` for `bp:agency/`), so
    that Turtle and TriG read `agency:x` rather than `bp:agency\\/x`."""
    prefixes = dict(PREFIXES)
    for quad in store:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BP_IRI) and "/" in term.value[len(BP_IRI):]:
                kind = term.value[: term.value.rindex("/") + 1]
                name = kind.rstrip("/").rsplit("/", 1)[-1]
                prefixes.setdefault(name, kind)
    return prefixes


def serialize(store: ox.Store, fmt: str) -> bytes:
    """The store in one release format."""
    if fmt == "turtle":
        return ox.serialize(union_triples(store), format=ox.RdfFormat.TURTLE, prefixes=release_prefixes(store))
    if fmt == "trig":
        return store.dump(format=ox.RdfFormat.TRIG, prefixes=release_prefixes(store))
    return store.dump(format=DATASET_FORMATS[fmt])
