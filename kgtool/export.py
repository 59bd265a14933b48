"""Release files (conventions.md, "Release files"): the dataset in N-Quads, TriG and
JSON-LD (named graphs kept) and the union of all graphs as one Turtle graph."""

from __future__ import annotations

import re

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


# The graph name that ends each N-Quads line (N-Quads escapes newlines inside literals, so
# a line is a statement and its last IRI before " ." is the graph).
GRAPH_NAME = re.compile(rb" <[^>]*> \.$", re.M)


def union_ntriples(store: ox.Store) -> bytes:
    """Each distinct triple of any graph once, as sorted N-Triples lines: done on bytes, so
    that a million triples need neither a Python object each nor a sort by `str`."""
    lines = set(GRAPH_NAME.sub(b" .", store.dump(format=ox.RdfFormat.N_QUADS)).splitlines())
    lines.discard(b"")
    return b"\n".join(sorted(lines)) + b"\n"


# Oxigraph's Turtle and TriG writers try every prefix on every IRI, so thousands of
# prefixes (a big graph with many sources) would make them ten times slower: only the
# resource kinds with the most resources get one; the others are written in full.
MAX_KIND_PREFIXES = 100
KINDS = f"""SELECT ?kind (COUNT(DISTINCT ?x) AS ?n) WHERE {{
  {{ GRAPH ?g {{ ?x ?p ?o }} }} UNION {{ GRAPH ?g {{ ?s ?p ?x }} }}
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{BP_IRI}"))
  BIND(REPLACE(STR(?x), "[^/]*$", "") AS ?kind)
  FILTER(STRLEN(?kind) > {len(BP_IRI)})
}} GROUP BY ?kind ORDER BY DESC(?n) ?kind LIMIT {MAX_KIND_PREFIXES}"""


def release_prefixes(store: ox.Store) -> dict[str, str]:
    """The known prefixes plus one per kind of resource (`agency:` for `bp:agency/`), so
    that Turtle and TriG read `agency:x` rather than `bp:agency\\/x`."""
    kinds = {row["kind"].value for row in store.query(KINDS)}
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


def serialize(store: ox.Store, fmt: str, prefixes: dict[str, str] | None = None) -> bytes:
    """The store in one release format (`prefixes`: release_prefixes(store), if known)."""
    if fmt in ("turtle", "trig") and prefixes is None:
        prefixes = release_prefixes(store)
    if fmt == "turtle":
        triples = ox.parse(input=union_ntriples(store), format=ox.RdfFormat.N_TRIPLES)
        return sorted_prefix_lines(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
    if fmt == "trig":
        return sorted_prefix_lines(store.dump(format=ox.RdfFormat.TRIG, prefixes=prefixes))
    return store.dump(format=DATASET_FORMATS[fmt])
