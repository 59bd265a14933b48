"""The embedded pyoxigraph store: in memory, or persistent in a directory.

A persistent store is replaced whole: the graphs are loaded into a fresh directory beside
it, which takes its place only when loading succeeded, so a failed load leaves the old one.
Or, for an incremental build, it gets the difference in one transaction (update_persistent).
Either way the directory holds the build's manifest (MANIFEST: the content hash of each
graph's file), written once the store holds what it describes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .errors import KgtoolError
from .namespaces import DERIVED_GRAPH, ONTOLOGY_GRAPH, Project, compact

if TYPE_CHECKING:
    from .sources import Sources


MANIFEST = "kgtool-build.json"
DERIVED_COPY = "kgtool-derived.nt"


class StoreError(KgtoolError):
    """The store directory is missing or cannot be opened."""


def read_manifest(path: Path) -> dict | None:
    """The manifest of the build that wrote the store at `path`, or None (no store, or
    a store that an older kgtool or an interrupted update left without one)."""
    try:
        manifest = json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("inputs"), dict) else None


def write_manifest(path: Path, manifest: dict, store: ox.Store | None) -> None:
    """The manifest, and (from `store`, unless None: the copy in DIR is already its derived
    graph) the copy of the derived graph the next incremental build compares with, each
    written beside and then renamed; the manifest last, so that it is there only when both
    are whole."""
    files = [(DERIVED_COPY, b"\n".join(graph_lines(store, DERIVED_GRAPH)) + b"\n")] if store is not None else []
    for name, data in files + [(MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())]:
        temporary = Path(path) / (name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, Path(path) / name)


def as_quads(ntriples: bytes, name: str) -> bytes:
    """N-Triples as N-Quads in graph `name`. Exact: N-Triples escapes line breaks inside
    literals, so " .\\n" only ends a statement."""
    return ntriples.replace(b" .\n", f" <{name}> .\n".encode())


def load(sources: "Sources", path: Path | None = None, manifest: dict | None = None) -> ox.Store:
    """The build's store, holding every graph (its blank nodes named after their content by
    the derive step, stable_blank_nodes); with a directory, the same graphs are also written
    there as a persistent store. The store returned is the in-memory one either
    way: the release files are serialized from it several times over, which is several
    times faster than reading them back from disk (docs/performance.md)."""
    if path is not None:
        replace_persistent(Path(path), sources.store, manifest, sources.store)
    return sources.store


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


# Quads per call of the bulk loader, which holds a call's quads in memory several times over
# (at a million quads in one call, more than the in-memory store itself).
LOAD_CHUNK = 100_000


def replace_persistent(path: Path, quads: Iterable[ox.Quad], manifest: dict | None = None,
                       memory: ox.Store | None = None) -> None:
    """Load `quads` (a store, or any iterable of quads) into a new directory beside `path`,
    then swap it in; with a manifest, write it (and `memory`'s derived graph) there too."""
    if path.exists() and any(path.iterdir()) and not (path / "CURRENT").is_file():
        raise StoreError(f"{path} exists and is not a store; refusing to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{path.name}.new-", dir=path.parent))
    try:
        store = ox.Store(str(fresh))
        # The bulk loader (no transaction) is many times faster on disk; atomicity comes
        # from the swap of directories, and a failed load's directory is thrown away.
        quads = iter(quads)
        while chunk := list(islice(quads, LOAD_CHUNK)):
            store.bulk_extend(chunk)
        store.flush()
        del store  # closes the database before the directory moves
        if manifest is not None:
            write_manifest(fresh, manifest, memory)
        old = path.with_name(f".{path.name}.old")
        if path.exists():
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
        fresh.rename(path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


def graph_lines(store: ox.Store, name: str) -> list[bytes]:
    """One graph as N-Triples lines."""
    return store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name)).splitlines()


def graph_digest(lines: list[bytes]) -> str:
    """The SHA-256 of a graph's N-Triples lines (graph_lines) in sorted order: the same for
    the same content, once its blank nodes are named after their content (stable_blank_nodes)."""
    return hashlib.sha256(b"\n".join(sorted(lines))).hexdigest()


def shares_blank_nodes(store: ox.Store) -> bool:
    """Whether a blank node is in two graphs (the derived graph's closure of a typed blank
    node): a graph replaced on its own would then lose the link."""
    return bool(store.query("ASK { GRAPH ?g { { ?b ?p ?o } UNION { ?s ?p ?b } } FILTER(isBlank(?b)) "
                            "GRAPH ?h { { ?b ?q ?v } UNION { ?w ?q ?b } } FILTER(?g != ?h) }"))


BLANK = re.compile(rb"_:[A-Za-z0-9_\-.]*[A-Za-z0-9_\-]")


def update_persistent(path: Path, memory: ox.Store, names: list[str], manifest: dict) -> None:
    """Make the graphs `names` of the store at `path` what they are in `memory`, in one
    transaction (one SPARQL update), and then write the manifest. Each graph is replaced
    whole, but the derived graph (which is large, and named only when its digest changed)
    gets only its changed triples, against the copy of it the last build left in DIR
    (reading the store directory itself is slow). The manifest is removed first: an
    interrupted update leaves a store without one, which the next build replaces whole.
    When a blank node is in two graphs, or the derived graph's copy is missing, the whole
    store is replaced instead."""
    path = Path(path)
    old_derived = path / DERIVED_COPY
    if shares_blank_nodes(memory) or not old_derived.is_file():
        replace_persistent(path, memory, manifest, memory)
        return
    (path / MANIFEST).unlink(missing_ok=True)
    operations = []
    for name in names:
        new = graph_lines(memory, name)
        old = old_derived.read_bytes().splitlines() if name == DERIVED_GRAPH else None
        if old is not None and blank_lines(old) == blank_lines(new):
            plain_old = {line for line in old if b"_:" not in line}
            plain_new = {line for line in new if b"_:" not in line}
            operations += data_block("DELETE", name, sorted(plain_old - plain_new))
            operations += data_block("INSERT", name, sorted(plain_new - plain_old))
        else:
            operations.append(f"DROP SILENT GRAPH <{name}>")
            operations += data_block("INSERT", name, new)
    disk = ox.Store(str(path))
    if operations:
        disk.update(" ;\n".join(operations))
    disk.flush()
    del disk
    write_manifest(path, manifest, memory if DERIVED_GRAPH in names else None)


def blank_lines(lines: list[bytes]) -> list[bytes]:
    """The lines that name a blank node, with the labels left out (they differ between
    stores): equal when the blank nodes are the same up to their names."""
    return sorted(BLANK.sub(b"_:", line) for line in lines if b"_:" in line)


def data_block(verb: str, name: str, lines: list[bytes]) -> list[str]:
    """`DELETE DATA`/`INSERT DATA` of N-Triples lines (valid SPARQL triples) in one graph."""
    if not lines:
        return []
    return [f"{verb} DATA {{ GRAPH <{name}> {{\n" + b"\n".join(lines).decode("utf-8") + "\n} }"]


@contextmanager
def build_lock(path: Path | None):
    """Hold `DIR.lock`, next to the store, while a build writes the store at DIR: a second
    build of the same store stops at once with a clear message instead of racing the swap.
    The lock (fcntl.flock) goes with the process, so a crashed build never leaves it held."""
    if path is None:
        yield
        return
    lock_path = Path(path).with_name(Path(path).name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644), "r+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = handle.read().strip() or "unknown"
            raise StoreError(f"store {path} is being built by process {holder}; try again when it finishes") from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        remove_leftovers(Path(path))
        yield


def remove_leftovers(path: Path) -> None:
    """Delete the half-written directories that a killed build left beside the store
    (`.NAME.new-*`, `.NAME.old`). Called under the build lock, so no build is using them."""
    left = sorted(path.parent.glob(f".{path.name}.new-*")) + sorted(path.parent.glob(f".{path.name}.old"))
    for leftover in left:
        shutil.rmtree(leftover, ignore_errors=True)
    if left:
        print(f"[store] removed {len(left)} directory(ies) an interrupted build left beside {path}: "
              + ", ".join(p.name for p in left), file=sys.stderr, flush=True)


def open_existing(path: Path) -> ox.Store:
    """A store that an earlier `kgtool build --store DIR` wrote, opened read-only."""
    if not Path(path).is_dir():
        raise StoreError(f"no store at {path}; run `kgtool build --store {path}` first")
    try:
        return ox.Store.read_only(str(path))
    except OSError as error:
        raise StoreError(f"cannot open the store at {path}: {error}") from None


def triples_per_graph(store: ox.Store) -> dict[str, int]:
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    return {row["g"].value: int(row["n"].value) for row in rows}


def instances_per_class(store: ox.Store) -> dict[str, int]:
    """Typed resources per class, outside the ontology graph, most frequent first."""
    rows = store.query(
        f"SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?class }} FILTER (?g != <{ONTOLOGY_GRAPH}>) }} "
        "GROUP BY ?class ORDER BY DESC(?n) ?class"
    )
    return {row["class"].value: int(row["n"].value) for row in rows}


def project_store(project: Project, path: Path | None = None) -> ox.Store:
    """The one way a command opens the graph: the persistent store at `path` (written by
    `build --store`), else an in-memory store of the project's files with the derived graph,
    as the release has it (unchecked: `build` is the checked path)."""
    if path is not None:
        return open_existing(path)
    from .derive import add_derived_graph
    from .sources import load_sources

    sources = load_sources(project)
    add_derived_graph(sources)
    return load(sources)


def term_text(term, quoted: bool = False) -> str:
    """A store's term as a person reads it: an IRI compacted, a blank node by its label, a
    literal by its text (in quotes where `quoted`, as reports show values); "" for none."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return f'"{term.value}"' if quoted else term.value
    return str(term)
