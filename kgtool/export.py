"""Release files (conventions.md, "Release files"): the dataset in N-Quads, TriG and
JSON-LD (named graphs kept) and the union of all graphs as one Turtle graph (`kgtool export`
also writes that union as N-Triples); and the Turtle of a CONSTRUCT query's answer."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

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


def union_lines(store: ox.Store) -> list[bytes]:
    """Each distinct triple of any graph once, as sorted N-Triples lines: done on bytes,
    graph by graph, so that a million triples need neither a Python object each nor a sort
    by `str`, nor the whole dataset's text at once."""
    lines: set[bytes] = set()
    for graph in [*store.named_graphs(), ox.DefaultGraph()]:
        lines.update(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).splitlines())
    return sorted(lines)


def union_ntriples(store: ox.Store) -> bytes:
    """The union of all graphs as N-Triples, sorted (union_lines)."""
    return b"\n".join(union_lines(store)) + b"\n"


# Oxigraph's Turtle and TriG writers try every prefix on every IRI, so thousands of
# prefixes (a big graph with many sources) would make them ten times slower: only the
# resource kinds with the most resources get one; the others are written in full.
MAX_KIND_PREFIXES = 100
OUR_IRI = re.compile(rb"<(" + re.escape(BP_IRI.encode()) + rb"[^>]*/)[^/>]*>")


def our_iris(text: bytes) -> set[bytes]:
    """Our resources' IRIs (`<...>`) in N-Triples or N-Quads text, by one regular expression
    (several times faster than a SPARQL query)."""
    return {m.group() for m in re.finditer(rb"<" + re.escape(BP_IRI.encode()) + rb"[^>]*>", text)}


def release_prefixes(store: ox.Store | None, nquads: bytes | None = None, iris: set[bytes] | None = None) -> dict[str, str]:
    """The known prefixes plus one per kind of resource (`agency:` for `bp:agency/`), so
    that Turtle and TriG read `agency:x` rather than `bp:agency\\/x`: the kinds with the
    most distinct resources, of all our IRIs (`iris`, if known) in the N-Quads text
    (`nquads`: sorted_nquads(store), if known)."""
    iris = our_iris(sorted_nquads(store) if nquads is None else nquads) if iris is None else iris
    per_kind: dict[str, int] = defaultdict(int)
    for iri in iris:
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


def nquads_chunks(store: ox.Store):
    """The dataset as N-Quads, graph by graph in IRI order (then the default graph), each
    graph's lines sorted: an order that depends only on the data. (The store's own order
    also depends on the order in which the quads went in, which an incremental build
    changes.) One graph's text at a time."""
    for name in sorted(g.value for g in store.named_graphs()):
        lines = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name)).splitlines()
        if lines:
            yield as_quads(b"\n".join(sorted(lines)) + b"\n", name)
    default = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines()
    if default:
        yield b"".join(line + b"\n" for line in sorted(default))


def sorted_nquads(store: ox.Store) -> bytes:
    """The dataset as N-Quads in the order of nquads_chunks."""
    return b"".join(nquads_chunks(store))


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
    if fmt in ("turtle", "trig") and prefixes is None:
        prefixes = release_prefixes(store, nquads)
    if fmt == "turtle":
        return union_turtle(ox.parse(input=union_ntriples(store), format=ox.RdfFormat.N_TRIPLES), prefixes)
    if fmt == "ntriples":
        return union_ntriples(store)
    nquads = sorted_nquads(store) if nquads is None else nquads
    if fmt == "nquads":
        return nquads
    return dataset_text(ox.parse(input=nquads, format=ox.RdfFormat.N_QUADS), fmt, prefixes)


def union_turtle(triples, prefixes: dict[str, str]) -> bytes:
    """The union of all graphs (`triples`, parsed from union_ntriples) as one Turtle graph."""
    return sorted_prefix_lines(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))


def dataset_text(quads, fmt: str, prefixes: dict[str, str] | None) -> bytes:
    """Quads, parsed from the sorted N-Quads, as TriG or JSON-LD."""
    if fmt == "trig":
        return sorted_prefix_lines(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes))
    return ox.serialize(quads, format=DATASET_FORMATS[fmt])


def write_release_files(store: ox.Store, directory: Path) -> None:
    """The release files (RELEASE_FILES) into `directory`, the same bytes as `serialize`
    gives. Each is written as soon as it is made, the N-Quads graph by graph, and TriG and
    JSON-LD are parsed from the N-Quads file as it is read, and Turtle from the union's
    N-Triples, written to a file beside them and removed: at a million triples each text is
    hundreds of MB, and holding them together took more memory than the store."""
    nquads_file = directory / RELEASE_FILES["nquads"]
    iris: set[bytes] = set()
    with open(nquads_file, "wb") as out:
        for chunk in nquads_chunks(store):
            out.write(chunk)
            iris |= our_iris(chunk)
    prefixes = release_prefixes(store, iris=iris)
    for fmt in ("trig", "jsonld"):
        quads = ox.parse(path=nquads_file, format=ox.RdfFormat.N_QUADS)
        (directory / RELEASE_FILES[fmt]).write_bytes(dataset_text(quads, fmt, prefixes))
    union_file = directory / ".union.nt"
    with open(union_file, "wb") as out:
        out.writelines(line + b"\n" for line in union_lines(store))
    turtle = union_turtle(ox.parse(path=union_file, format=ox.RdfFormat.N_TRIPLES), prefixes)
    union_file.unlink()
    (directory / RELEASE_FILES["turtle"]).write_bytes(turtle)
