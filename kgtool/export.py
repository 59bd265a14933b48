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
    kinds = set()
    for quad in store:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BP_IRI) and "/" in term.value[len(BP_IRI):]:
                kinds.add(term.value[: term.value.rindex("/") + 1])
    prefixes = dict(PREFIXES)
    for kind in sorted(kinds):  # sorted, so that a name two kinds share goes the same way every time
        prefixes.setdefault(kind.rstrip("/").rsplit("/", 1)[-1], kind)
    return prefixes


def sorted_prefix_lines(text: bytes) -> bytes:
    """The leading `@prefix` lines in alphabetical order: Oxigraph writes them in the
    order of a hash map, which changes from run to run."""
    lines = text.split(b"\n")
    count = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), len(lines))
    return b"\n".join(sorted(lines[:count]) + lines[count:])


def serialize(store: ox.Store, fmt: str) -> bytes:
    """The store in one release format."""
    if fmt == "turtle":
        return sorted_prefix_lines(ox.serialize(union_triples(store), format=ox.RdfFormat.TURTLE,
                                                prefixes=release_prefixes(store)))
    if fmt == "trig":
        return sorted_prefix_lines(store.dump(format=ox.RdfFormat.TRIG, prefixes=release_prefixes(store)))
    return store.dump(format=DATASET_FORMATS[fmt])
