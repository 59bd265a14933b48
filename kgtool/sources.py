"""Find the RDF files of the project, name each one's graph, and parse each file once, into
the one in-memory store that every later stage reads (derive, validate, release).

Every problem names the file (and the line or byte where it can), so a contributor can
fix the data without reading Python.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

import pyoxigraph as ox

from .errors import KgtoolError
from .namespaces import DERIVED_GRAPH, GRAPH_IRI, ONTOLOGY_GRAPH, Project, compact

# Oxigraph holds a parsed file in memory several times over its size, so a file larger
# than this is refused before it is read (KGTOOL_MAX_FILE_MB overrides; split bigger data).
DEFAULT_MAX_FILE_MB = 64
OXIGRAPH_LOCATION = re.compile(r"^Parser error at line \d+ (?:column (\d+)|between columns (\d+) and \d+): ")


class SourceError(KgtoolError):
    """One or more files could not be read; each message is `path[:line]: what`."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages

    def __reduce__(self):
        """Rebuilt from its messages, so it survives the trip back from a worker process."""
        return SourceError, (self.messages,)


class Sources:
    """Every graph of the project in one pyoxigraph store, each file its named graph, and
    the file each graph came from (None for a graph computed by kgtool, the derived one).

    The store keeps each typed literal in its canonical form ("P18M"^^xsd:duration is
    stored, validated and released as "P1Y6M"; docs/conventions.md, "Lexical forms"), so
    what the shapes check is what the release says."""

    def __init__(self, store: ox.Store | None = None):
        self.store = store if store is not None else ox.Store()
        self.files: dict[str, Path | None] = {}  # graph IRI -> file, ontology first, then data by path
        self.digests: dict[str, str] = {}  # graph IRI -> SHA-256 of its file's bytes (of its content: derive)

    def load(self, name: str, path: Path | None, raw: bytes) -> None:
        """Parse Turtle bytes into graph `name` (replacing it). Oxigraph's parser is strict
        (rdflib accepts a space inside an IRI, which other tools refuse) and one load is one
        transaction, so a broken file leaves nothing behind. Its blank nodes are its own."""
        shown = display_path(path) if path is not None else compact(name)
        text = checked_text(shown, raw)
        graph = ox.NamedNode(name)
        drop_graph(self.store, name)
        try:  # no base IRI: a relative IRI must come with @base, never resolve to the file's path
            self.store.load(input=text.encode("utf-8"), format=ox.RdfFormat.TURTLE, to_graph=graph)
        except SyntaxError as error:
            raise SourceError([located(shown, error)]) from None
        except MemoryError as error:  # one token longer than the parser's buffer (16 MiB)
            raise SourceError([f"{shown}: {error}: one literal or IRI is longer than Oxigraph's parser "
                               "takes (16 MiB); shorten it or move the text out of the data"]) from None
        if next(iter(self.store.quads_for_pattern(None, None, None, graph)), None) is None:
            raise SourceError([f"{shown}: no triples (empty file)"])
        self.files[name] = path
        self.digests[name] = hashlib.sha256(raw).hexdigest()

    def read(self, name: str, path: Path) -> None:
        """Read one file into its graph."""
        check_size(path)
        self.load(name, path, path.read_bytes())

    def remove(self, name: str) -> None:
        drop_graph(self.store, name)
        self.files.pop(name, None)
        self.digests.pop(name, None)

    def data(self) -> list[str]:
        """The graphs that are not the ontology."""
        return [name for name in self.files if name != ONTOLOGY_GRAPH]

    def count(self, name: str) -> int:
        return len(list(self.store.quads_for_pattern(None, None, None, ox.NamedNode(name))))

    def holding(self, node) -> list[str]:
        """The graphs that describe a node (as subject), else those that mention it at all.
        A computed graph (the derived graph, which has no file) is named only when no file's
        graph is: its closures restate every typed node, so naming it would say nothing."""
        def in_order(found: set) -> list[str]:
            names = [n for n in self.files if n in found]
            return [n for n in names if self.files[n] is not None] or names

        def graphs(**pattern) -> set:
            return {q.graph_name.value for q in self.store.quads_for_pattern(
                pattern.get("s"), pattern.get("p"), pattern.get("o"), None) if isinstance(q.graph_name, ox.NamedNode)}

        if not isinstance(node, ox.Literal):
            described = in_order(graphs(s=node))
            if described:
                return described
        mentioned = graphs(o=node) | (graphs(p=node) if isinstance(node, ox.NamedNode) else set())
        return in_order(mentioned)

    def path_of(self, name: str) -> str:
        """The file a graph came from, relative when possible, or the graph's name."""
        path = self.files.get(name)
        return compact(name) if path is None else display_path(path)


def drop_graph(store: ox.Store, name: str) -> None:
    """Remove a named graph and its triples, if it is there."""
    store.update(f"DROP SILENT GRAPH <{name}>")


def display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def graph_name(data_dir: Path, path: Path) -> str:
    """`data/reference/agencies.ttl` -> `<graph base>reference/agencies` (conventions.md)."""
    relative = path.relative_to(data_dir).with_suffix("").as_posix()
    return GRAPH_IRI + relative


def data_files(data_dir: Path) -> list[Path]:
    """Every `*.ttl` below the data dir, in a stable order, each one checked as a file the
    build may read (`unreadable`); files of other kinds are not data (notes, README)."""
    if not data_dir.is_dir():
        raise SourceError([f"{display_path(data_dir)}: data directory not found"])
    found, problems = [], []
    for folder, folders, names in os.walk(data_dir):
        folders.sort()
        for name in sorted(names) + [f for f in folders if (Path(folder) / f).is_symlink()]:
            path = Path(folder) / name
            problem = unreadable(data_dir, path)
            if problem:
                problems.append(f"{display_path(path)}: {problem}")
            elif path.suffix == ".ttl":
                found.append(path)
    problems += too_much(found)
    if problems:
        raise SourceError(problems)
    return sorted(found)


# What a data file may be (docs/safety.md, "The build"): a regular Turtle file inside the
# data directory, whose path makes a graph IRI kgtool does not write itself.
OTHER_RDF = {".nt", ".nq", ".trig", ".jsonld", ".json-ld", ".rdf", ".owl", ".n3", ".xml", ".ttls"}
GRAPH_PATH = re.compile(r"[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*")
RESERVED_GRAPHS = {ONTOLOGY_GRAPH: "the ontology's graph", DERIVED_GRAPH: "the graph kgtool build computes"}
DEFAULT_MAX_DATA_MB = 1024


def unreadable(data_dir: Path, path: Path) -> str | None:
    """Why the build must not read this entry of the data directory, or None."""
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(data_dir.resolve()):
            return f"a symbolic link to {target}, outside the data directory; the build reads only files inside it"
        if target.is_dir():
            return "a symbolic link to a directory; the build does not follow those (move the files instead)"
    if path.suffix in OTHER_RDF:
        return (f"an RDF file in another syntax than Turtle ({path.suffix}); the build reads only .ttl: "
                "convert it (for example `riot --output=turtle`) or move it out of the data directory")
    if path.suffix != ".ttl":
        return None
    if not stat.S_ISREG(os.stat(path).st_mode):
        return "not a regular file (a named pipe, socket or device); the build reads only regular files"
    relative = path.relative_to(data_dir).with_suffix("").as_posix()
    if not GRAPH_PATH.fullmatch(relative):
        return (f"the file's path names its graph <{GRAPH_IRI}{relative}>, which is not a valid IRI path; "
                "use only letters, digits, '-', '_', '.' and '~' in file and folder names")
    if GRAPH_IRI + relative in RESERVED_GRAPHS:
        return (f"its graph <{GRAPH_IRI}{relative}> is {RESERVED_GRAPHS[GRAPH_IRI + relative]}; "
                "no data file may take that name (rename the file)")
    return None


def too_much(paths: list[Path]) -> list[str]:
    """A data directory larger in all than the build may hold in memory, refused unread."""
    limit = int(os.environ.get("KGTOOL_MAX_DATA_MB") or DEFAULT_MAX_DATA_MB)
    total = sum(path.stat().st_size for path in paths)
    if total <= limit * 2**20:
        return []
    return [f"the data files hold {total / 2**20:.0f} MB in all, more than the {limit} MB a build may read "
            "(KGTOOL_MAX_DATA_MB); nothing was read"]


def source_files(project: Project) -> list[tuple[str, Path]]:
    """Each graph of the build and the file it is read from, ontology first: the one place
    where the build finds its input files (checks on what may be read belong here)."""
    if not project.ontology_file.is_file():
        raise SourceError([f"{display_path(project.ontology_file)}: ontology file not found"])
    return [(ONTOLOGY_GRAPH, project.ontology_file)] + [
        (graph_name(project.data_dir, p), p) for p in data_files(project.data_dir)]


def checked_text(shown: str, raw: bytes) -> str:
    """The bytes as text, refusing binary and non-UTF-8 content with the byte offset."""
    if b"\x00" in raw:
        raise SourceError([f"{shown}: binary file (NUL byte at offset {raw.index(0)})"])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise SourceError([f"{shown}:{line}: not UTF-8 (byte offset {error.start}: {error.reason})"]) from None


def check_size(path: Path) -> None:
    """Refuse a file too big to parse in memory, before reading any of it."""
    limit = int(os.environ.get("KGTOOL_MAX_FILE_MB") or DEFAULT_MAX_FILE_MB)
    size = path.stat().st_size
    if size > limit * 2**20:
        raise SourceError([f"{display_path(path)}: {size / 2**20:.0f} MB is more than the {limit} MB "
                           "a data file may hold (KGTOOL_MAX_FILE_MB); split it into smaller files"])


def located(shown: str, error: SyntaxError) -> str:
    """Oxigraph's syntax error as `file:line: message (column N)`."""
    message = error.msg
    where = OXIGRAPH_LOCATION.match(message)
    column = f" (column {where[1] or where[2]})" if where else ""
    hint = (" — a relative IRI needs a @base declaration before it (data files declare "
            "@base <https://w3id.org/biopolicy/id/>)") if "No scheme found" in message else ""
    return f"{shown}:{error.lineno}: {message[where.end() if where else 0:]}{column}{hint}"


def parse_file(path: Path) -> list:
    """The triples of one Turtle file, with the errors `Sources.read` gives."""
    sources = Sources()
    sources.read(GRAPH_IRI + "file", path)
    return [q.triple for q in sources.store]


def read_all(sources: Sources, wanted: list[tuple[str, Path]]) -> None:
    """Read each (graph, file) into `sources`; report all broken files at once."""
    problems = []
    for name, path in wanted:
        try:
            sources.read(name, path)
        except SourceError as error:
            problems += error.messages
    if problems:
        raise SourceError(problems)


def load_sources(project: Project) -> Sources:
    """Parse the ontology and every data file into one store."""
    sources = Sources()
    read_all(sources, source_files(project))
    return sources


def load_shapes(project: Project):
    """All `shapes/*.ttl` merged into one rdflib graph: the shapes are read by kgtool/check/shacl.py
    (and by pyshacl, for shapes it does not compile), both with rdflib; the data never is."""
    from rdflib import Graph

    if not project.shapes_dir.is_dir():
        raise SourceError([f"{display_path(project.shapes_dir)}: shapes directory not found"])
    shapes, problems = Graph(), []
    for path in sorted(project.shapes_dir.glob("*.ttl")):
        try:
            shapes.parse(data=ntriples(parse_file(path)), format="nt")
        except SourceError as error:
            problems += error.messages
    if problems:
        raise SourceError(problems)
    return shapes


def ntriples(triples) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
