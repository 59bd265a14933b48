"""Release files (conventions.md, "Release files"): the dataset in N-Quads, TriG and
JSON-LD (named graphs kept) and the union of all graphs as one Turtle graph."""

from __future__ import annotations

import hashlib
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

DATASET_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}


def stable_blank_nodes(store: ox.Store) -> None:
    """Rename every blank node of the store after its content, so that two builds of the
    same data write the same bytes (a parser names blank nodes at random).

    A node's label is a hash of the statements it is in, the node itself written as `_:`
    and every other blank node by its label of the round before, refined until the labels
    stop telling more nodes apart (colour refinement: a list node gets the hash of its
    whole rest, a restriction that of its property and class). Nodes still alike are alike
    in everything that can be written, so which of them gets which suffix changes nothing
    in the output."""
    quads = [ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in store.query(
        "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isBlank(?s) || isBlank(?o)) }")]
    if not quads:
        return
    around = defaultdict(list)
    for quad in quads:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.BlankNode):
                around[term].append(quad)
    label = dict.fromkeys(around, "")
    distinct = 1
    for _ in range(len(around)):
        def written(term, node):
            if not isinstance(term, ox.BlankNode):
                return str(term)
            return "_:" if term == node else "_:" + label[term]
        label = {node: hashlib.sha256("\n".join(sorted(" ".join(written(t, node) for t in (q.subject, q.predicate, q.object, q.graph_name))
                                                        for q in statements)).encode()).hexdigest()[:32]
                 for node, statements in around.items()}
        if len(set(label.values())) == distinct:
            break
        distinct = len(set(label.values()))
    seen: dict[str, int] = defaultdict(int)
    final = {}
    for node in sorted(around, key=lambda n: (label[n], n.value)):
        n = seen[label[node]]
        seen[label[node]] += 1
        final[node] = ox.BlankNode(label[node] if n == 0 else hashlib.sha256(f"{label[node]}-{n}".encode()).hexdigest()[:32])
    rename = lambda term: final.get(term, term) if isinstance(term, ox.BlankNode) else term  # noqa: E731
    for quad in quads:
        store.remove(quad)
    store.extend(ox.Quad(rename(q.subject), q.predicate, rename(q.object), q.graph_name) for q in quads)


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


def serialize(store: ox.Store, fmt: str, prefixes: dict[str, str] | None = None, nquads: bytes | None = None) -> bytes:
    """The store in one release format (`prefixes`: release_prefixes(store), `nquads`:
    sorted_nquads(store), if known). The dataset formats are written from the sorted
    N-Quads, so that the same data always gives the same bytes."""
    if fmt in ("turtle", "trig") and prefixes is None:
        prefixes = release_prefixes(store)
    if fmt == "turtle":
        triples = ox.parse(input=union_ntriples(store), format=ox.RdfFormat.N_TRIPLES)
        return sorted_prefix_lines(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
    nquads = sorted_nquads(store) if nquads is None else nquads
    if fmt == "nquads":
        return nquads
    quads = ox.parse(input=nquads, format=ox.RdfFormat.N_QUADS)
    if fmt == "trig":
        return sorted_prefix_lines(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes))
    return ox.serialize(quads, format=DATASET_FORMATS[fmt])
