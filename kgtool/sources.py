"""Find the RDF files of the project, name each one's graph, and parse each file once.

Every problem names the file (and the line or byte where it can), so a contributor can
fix the data without reading Python.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Dataset, Graph, Literal, URIRef

from .namespaces import GRAPH_IRI, ONTOLOGY_GRAPH, Project, compact

# Keep typed literals as written: by default rdflib rewrites them from their parsed value
# ("P26W" becomes "P182D", "P1.5Y" silently "P1Y"), so the shapes would check, and the
# release would carry, values that no source states.
rdflib.NORMALIZE_LITERALS = False
# An ill-typed literal ("2022-02-30"^^xsd:date) is reported by the shapes, with its node
# and path; rdflib's own warning about it is a traceback that says neither.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)

# rdflib holds a parsed file in memory many times over its size, so a file larger than
# this is refused before it is read (KGTOOL_MAX_FILE_MB overrides; split bigger data).
DEFAULT_MAX_FILE_MB = 64
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
OXIGRAPH_LOCATION = re.compile(r"^Parser error at line \d+ (?:column (\d+)|between columns (\d+) and \d+): ")


class SourceError(Exception):
    """One or more files could not be read; each message is `path[:line]: what`."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages

    def __reduce__(self):
        """Rebuilt from its messages, so it survives the trip back from a worker process."""
        return SourceError, (self.messages,)


@dataclass
class Source:
    """One parsed file: the graph it becomes and where it came from."""

    name: URIRef
    path: Path | None
    graph: Graph


@dataclass
class Sources:
    """All graphs of the project, keyed by graph IRI (ontology first, then data by path)."""

    graphs: dict[URIRef, Source] = field(default_factory=dict)
    # Every graph lives in this one rdflib dataset, each file's graph a context of it, so
    # the union of all graphs is the dataset itself, not a copy: copying a million triples
    # into another rdflib graph takes tens of seconds and as much memory again.
    dataset: Dataset = field(default_factory=lambda: Dataset(default_union=True), repr=False, compare=False)

    @property
    def ontology(self) -> Graph:
        return self.graphs[ONTOLOGY_GRAPH].graph

    def data(self) -> list[Source]:
        return [s for name, s in self.graphs.items() if name != ONTOLOGY_GRAPH]

    def new_graph(self, name: URIRef) -> Graph:
        """An empty graph in the dataset, replacing any graph of that name."""
        if name in self.graphs:
            self.dataset.remove_graph(self.graphs.pop(name).graph)
        return self.dataset.graph(name)

    def add(self, source: Source) -> None:
        """Add a parsed graph; one made outside the dataset is copied into it."""
        if source.graph.store is not self.dataset.store or source.graph.identifier != source.name:
            graph = self.new_graph(source.name)
            graph += source.graph
            source = Source(source.name, source.path, graph)
        self.graphs[source.name] = source

    def data_subjects(self, predicate, obj=None):
        """Subjects of `predicate` in any graph but the ontology (each time a graph states
        it): the same as `union(ontology=False).subjects(...)`, without making that union."""
        for subject, _, _, context in self.dataset.quads((None, predicate, obj)):
            if getattr(context, "identifier", context) != ONTOLOGY_GRAPH:
                yield subject

    def union(self, ontology: bool = True):
        """All graphs as one, for checks across files (read it, do not change it); without
        the ontology it is the data that SHACL validates, as a separate graph."""
        if ontology:
            return self.dataset
        union = Graph()
        for source in self.data():
            union += source.graph
        return union

    def holding(self, node) -> list[URIRef]:
        """The graphs that describe a node (as subject), else those that mention it at all.
        A computed graph (the derived graph, which has no file) is named only when no file's
        graph is: its closures restate every typed node, so naming it would say nothing."""
        def filed_first(names: list[URIRef]) -> list[URIRef]:
            return [n for n in names if self.graphs[n].path is not None] or names

        described = [n for n, s in self.graphs.items() if (node, None, None) in s.graph]
        if described:
            return filed_first(described)
        return filed_first([n for n, s in self.graphs.items()
                            if (None, None, node) in s.graph or (None, node, None) in s.graph])

    def path_of(self, name: URIRef) -> str:
        """The file a graph came from, relative when possible, or the graph's name."""
        source = self.graphs.get(name)
        if source is None or source.path is None:
            return compact(str(name))
        return display_path(source.path)


def display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def graph_name(data_dir: Path, path: Path) -> URIRef:
    """`data/reference/agencies.ttl` -> `<graph base>reference/agencies` (conventions.md)."""
    relative = path.relative_to(data_dir).with_suffix("").as_posix()
    return URIRef(GRAPH_IRI + relative)


def data_files(data_dir: Path) -> list[Path]:
    """Every `*.ttl` below the data dir, in a stable order; other files are not RDF."""
    if not data_dir.is_dir():
        raise SourceError([f"{display_path(data_dir)}: data directory not found"])
    return sorted(data_dir.rglob("*.ttl"))


def read_text(path: Path) -> str:
    """The file as text, refusing binary and non-UTF-8 content with the byte offset."""
    check_size(path)
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise SourceError([f"{display_path(path)}: binary file (NUL byte at offset {raw.index(0)})"])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise SourceError(
            [f"{display_path(path)}:{line}: not UTF-8 (byte offset {error.start}: {error.reason})"]
        ) from None


def check_size(path: Path) -> None:
    """Refuse a file too big to parse in memory, before reading any of it."""
    limit = int(os.environ.get("KGTOOL_MAX_FILE_MB") or DEFAULT_MAX_FILE_MB)
    size = path.stat().st_size
    if size > limit * 2**20:
        raise SourceError([f"{display_path(path)}: {size / 2**20:.0f} MB is more than the {limit} MB "
                           "a data file may hold (KGTOOL_MAX_FILE_MB); split it into smaller files"])


def parse_turtle(path: Path, text: str) -> list:
    """Parse with Oxigraph's strict Turtle parser: rdflib accepts some broken input (a space
    inside an IRI, for one) that the store, and other tools, would refuse. Its triples are
    then handed to rdflib as they are, which is also about half the time rdflib's own
    Turtle parser takes."""
    try:
        return list(ox.parse(input=text.encode("utf-8"), format=ox.RdfFormat.TURTLE,
                             base_iri=path.resolve().as_uri()))
    except SyntaxError as error:
        message = error.msg
        where = OXIGRAPH_LOCATION.match(message)
        column = f" (column {where[1] or where[2]})" if where else ""
        raise SourceError([f"{display_path(path)}:{error.lineno}: {message[where.end() if where else 0:]}{column}"]) from None


class TermConverter:
    """Oxigraph terms to rdflib terms. Each IRI becomes one shared URIRef, which keeps a
    big graph's memory down; blank nodes are fresh for each file, as when rdflib parses."""

    def __init__(self):
        self.iris: dict[str, URIRef] = {}
        self.blanks: dict[str, BNode] = {}

    def __call__(self, term):
        if isinstance(term, ox.NamedNode):
            iri = self.iris.get(term.value)
            if iri is None:
                iri = self.iris[term.value] = URIRef(term.value)
            return iri
        if isinstance(term, ox.BlankNode):
            return self.blanks.setdefault(term.value, BNode())
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == XSD_STRING else self(term.datatype))


def parse_file(path: Path, terms: TermConverter | None = None, graph: Graph | None = None) -> Graph:
    """Parse one Turtle file (into `graph` if given); syntax errors become `path:line: message`."""
    triples = parse_turtle(path, read_text(path))
    if not triples:
        raise SourceError([f"{display_path(path)}: no triples (empty file)"])
    term = terms or TermConverter()
    term.blanks = {}
    graph = Graph() if graph is None else graph
    graph.addN((term(t.subject), term(t.predicate), term(t.object), graph) for t in triples)
    return graph


def load_sources(project: Project) -> Sources:
    """Parse the ontology and every data file; report all broken files at once."""
    if not project.ontology_file.is_file():
        raise SourceError([f"{display_path(project.ontology_file)}: ontology file not found"])
    wanted = [(ONTOLOGY_GRAPH, project.ontology_file)]
    wanted += [(graph_name(project.data_dir, p), p) for p in data_files(project.data_dir)]
    sources, problems = Sources(), []
    terms = TermConverter()
    for name, path in wanted:
        try:
            sources.add(Source(name, path, parse_file(path, terms, sources.new_graph(name))))
        except SourceError as error:
            problems += error.messages
    if problems:
        raise SourceError(problems)
    return sources


def load_shapes(project: Project) -> Graph:
    """All `shapes/*.ttl` merged into one shapes graph."""
    if not project.shapes_dir.is_dir():
        raise SourceError([f"{display_path(project.shapes_dir)}: shapes directory not found"])
    shapes = Graph()
    problems = []
    for path in sorted(project.shapes_dir.glob("*.ttl")):
        try:
            shapes += parse_file(path)
        except SourceError as error:
            problems += error.messages
    if problems:
        raise SourceError(problems)
    return shapes
