"""Release files (conventions.md, "Release files"): the dataset in N-Quads, TriG and
JSON-LD (named graphs kept) and the union of all graphs as one Turtle graph (`kgtool export`
also writes that union as N-Triples); and the Turtle of a CONSTRUCT query's answer."""

from __future__ import annotations

import re
from collections import defaultdict

import pyoxigraph as ox

from .namespaces import BP_IRI, PREFIXES
from .store import as_quads

# format name on the command line -> release file name
RELEASE_FILES = {
    "nquads": "biopolicy.nq",
    "trig": "biopolicy.trig",
    "turtle": "biopolicy.ttl",
    "jsonld": "biopolicy.jsonld",
}

EXPORT_FORMATS = (*RELEASE_FILES, "ntriples")  # `kgtool export --format`: the release files' and the union as N-Triples
DATASET_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}


# The graph name that ends each N-Quads line (N-Quads escapes newlines inside literals, so
# a line is a statement and its last IRI before " ." is the graph).
GRAPH_NAME = re.compile(rb" <[^>]*> \.$", re.M)


def union_ntriples(store: ox.Store, nquads: bytes | None = None) -> bytes:
    """Each distinct triple of any graph once, as sorted N-Triples lines: done on bytes, so
    that a million triples need neither a Python object each nor a sort by `str`."""
    nquads = store.dump(format=ox.RdfFormat.N_QUADS) if nquads is None else nquads
    lines = set(GRAPH_NAME.sub(b" .", nquads).splitlines())
    lines.discard(b"")
    return b"\n".join(sorted(lines)) + b"\n"


# Oxigraph's Turtle and TriG writers try every prefix on every IRI, so thousands of
# prefixes (a big graph with many sources) would make them ten times slower: only the
# resource kinds with the most resources get one; the others are written in full.
MAX_KIND_PREFIXES = 100
OUR_IRI = re.compile(rb"<(" + re.escape(BP_IRI.encode()) + rb"[^>]*/)[^/>]*>")


def release_prefixes(store: ox.Store | None, nquads: bytes | None = None) -> dict[str, str]:
    """The known prefixes plus one per kind of resource (`agency:` for `bp:agency/`), so
    that Turtle and TriG read `agency:x` rather than `bp:agency\\/x`: the kinds with the
    most distinct resources, found in the N-Quads text (`nquads`: sorted_nquads(store), if
    known) in one pass of a regular expression, several times faster than a SPARQL query."""
    nquads = sorted_nquads(store) if nquads is None else nquads
    per_kind: dict[str, int] = defaultdict(int)
    for iri in {m.group() for m in re.finditer(rb"<" + re.escape(BP_IRI.encode()) + rb"[^>]*>", nquads)}:
        found = OUR_IRI.fullmatch(iri)
        if found:
            per_kind[found[1].decode()] += 1
    kinds = sorted(per_kind, key=lambda k: (-per_kind[k], k))[:MAX_KIND_PREFIXES]
    prefixes = dict(PREFIXES)
    for kind in sorted(kinds):  # sorted, so that a name two kinds share goes the same way every time
        prefixes.setdefault(kind.rstrip("/").rsplit("/", 1)[-1], kind)
    return prefixes


def prefix_part(text: bytes) -> tuple[list[bytes], list[bytes]]:
    """The leading `@prefix` lines of Turtle or TriG, and the other lines."""
    lines = text.split(b"\n")
    count = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), len(lines))
    return lines[:count], lines[count:]


def sorted_prefix_lines(text: bytes) -> bytes:
    """The leading `@prefix` lines in alphabetical order: Oxigraph writes them in the
    order of a hash map, which changes from run to run."""
    head, body = prefix_part(text)
    return b"\n".join(sorted(head) + body)


def sorted_nquads(store: ox.Store) -> bytes:
    """The dataset as N-Quads, graph by graph in IRI order, each graph's lines sorted: an
    order that depends only on the data. (The store's own order also depends on the order
    in which the quads went in, which an incremental build changes.)"""
    chunks = []
    for name in sorted(g.value for g in store.named_graphs()):
        lines = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name)).splitlines()
        if lines:
            chunks.append(as_quads(b"\n".join(sorted(lines)) + b"\n", name))
    default = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines()
    return b"".join(chunks) + b"".join(line + b"\n" for line in sorted(default))


# A prefixed name in the Turtle text, found once strings and IRIs are blanked out.
PREFIXED = re.compile(rb"(?<![\w.\-:])([A-Za-z][\w.\-]*)?:(?=[\w%\\])")
STRING_OR_IRI = re.compile(rb'"(?:[^"\\\n]|\\.)*"|<[^>\s]*>')


def turtle(triples) -> bytes:
    """Triples (the answer of a CONSTRUCT or DESCRIBE query) as Turtle that a person reads:
    our resources by kind (`agency:x`, never `bp:agency\\/x`), and `@prefix` lines for only
    the prefixes the text uses, in alphabetical order."""
    triples = list(triples)
    prefixes = release_prefixes(None, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    head, body = prefix_part(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
    used = {m.group(1) or b"" for m in PREFIXED.finditer(STRING_OR_IRI.sub(b" ", b"\n".join(body)))}
    return b"\n".join(sorted(line for line in head if line.split()[1][:-1] in used) + body)


def serialize(store: ox.Store, fmt: str, prefixes: dict[str, str] | None = None, nquads: bytes | None = None) -> bytes:
    """The store in one release format (`prefixes`: release_prefixes(store), `nquads`:
    sorted_nquads(store), if known). The dataset formats are written from the sorted
    N-Quads, so that the same data always gives the same bytes."""
    nquads = sorted_nquads(store) if nquads is None else nquads
    if fmt in ("turtle", "trig") and prefixes is None:
        prefixes = release_prefixes(store, nquads)
    if fmt == "turtle":
        triples = ox.parse(input=union_ntriples(store, nquads), format=ox.RdfFormat.N_TRIPLES)
        return sorted_prefix_lines(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
    if fmt == "nquads":
        return nquads
    if fmt == "ntriples":
        return union_ntriples(store, nquads)
    quads = ox.parse(input=nquads, format=ox.RdfFormat.N_QUADS)
    if fmt == "trig":
        return sorted_prefix_lines(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes))
    return ox.serialize(quads, format=DATASET_FORMATS[fmt])
