"""The embedded pyoxigraph store: in memory, or persistent in a directory.

A persistent store is replaced whole: the graphs are loaded into a fresh directory beside
it, which takes its place only when loading succeeded, so a failed load leaves the old one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .namespaces import ONTOLOGY_GRAPH

if TYPE_CHECKING:
    from .sources import Sources


class StoreError(Exception):
    """The store directory is missing or cannot be opened."""


def as_quads(ntriples: bytes, name: str) -> bytes:
    """N-Triples as N-Quads in graph `name`. Exact: N-Triples escapes line breaks inside
    literals, so " .\\n" only ends a statement."""
    return ntriples.replace(b" .\n", f" <{name}> .\n".encode())


def load(sources: "Sources", path: Path | None = None) -> ox.Store:
    """The build's store, holding every graph; with a directory, the same graphs are also
    written there as a persistent store. The store returned is the in-memory one either
    way: the release files are serialized from it several times over, which is several
    times faster than reading them back from disk (149 s against about 40 s at 1M triples)."""
    if path is not None:
        replace_persistent(Path(path), sources.store.dump(format=ox.RdfFormat.N_QUADS))
    return sources.store


def replace_persistent(path: Path, data: bytes) -> None:
    """Load into a new directory beside `path`, then swap it in."""
    if path.exists() and any(path.iterdir()) and not (path / "CURRENT").is_file():
        raise StoreError(f"{path} exists and is not a store; refusing to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{path.name}.new-", dir=path.parent))
    try:
        store = ox.Store(str(fresh))
        # The bulk loader (no transaction) is many times faster on disk; atomicity comes
        # from the swap of directories, and a failed load's directory is thrown away.
        store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store  # closes the database before the directory moves
        old = path.with_name(f".{path.name}.old")
        if path.exists():
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
        fresh.rename(path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)


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
        yield


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
