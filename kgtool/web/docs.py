"""`kgtool docs`: HTML documentation of the ontology (pyLODE) and one page per SKOS concept
scheme, showing its hierarchy in both languages.

pyLODE renders one language well, and prints both labels of a term run together, so it gets
the ontology with its English text only; the index page lists every class in English and
Chinese, and the scheme pages show both languages side by side."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ..errors import KgtoolError
from ..namespaces import BPO_IRI, Project
from ..query import internal_query, run
from ..store import project_store
from .render import all_labels, environment

ONTOLOGY_PAGE = "ontology.html"
# pyLODE names each term's section after its label ("Executive order" -> id="Executiveorder"),
# and shows the term's IRI in the section's first <code>.
SECTION = re.compile(r'<div class="property entity" id="([^"]+)">.*?<code>([^<]+)</code>', re.DOTALL)


class DocsError(KgtoolError):
    """The documentation could not be generated (reported as a user error)."""


@dataclass
class Concept:
    iri: str
    en: str
    zh: str
    notation: str
    definition: str
    children: list["Concept"] = field(default_factory=list)


@dataclass
class Scheme:
    iri: str
    slug: str
    labels: dict[str, str]
    top: list[Concept]
    size: int


# Ontology ------------------------------------------------------------------------------

def english_only(graph: Graph) -> Graph:
    """The graph without literals tagged in another language than English."""
    kept = Graph()
    for prefix, namespace in graph.namespaces():
        kept.bind(prefix, namespace, override=True)
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language and not o.language.startswith("en"):
            continue
        kept.add((s, p, o))
    return kept


def ontology_html(ontology_file: Path) -> str:
    """pyLODE's page for the ontology (it needs a dcterms:title on the owl:Ontology)."""
    from pylode import OntPub, PylodeError

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))  # pyLODE logs at INFO on the root
    graph = Graph().parse(ontology_file)
    try:
        return OntPub(english_only(graph)).make_html()
    except PylodeError as error:
        raise DocsError(f"{ontology_file}: pyLODE cannot document it: {error}") from None


def sections(page: str) -> dict[str, str]:
    """IRI -> the id of its section in pyLODE's page, so other pages can link to it."""
    return {iri: fid for fid, iri in SECTION.findall(page)}


def ontology_classes(ontology_file: Path, anchors: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(local name, section id, English label, Chinese label) of each class the ontology defines."""
    graph = Graph().parse(ontology_file)
    rows = []
    for cls in sorted(set(graph.subjects(RDF.type, OWL.Class))):
        if isinstance(cls, URIRef) and str(cls).startswith(BPO_IRI):
            labels = {lit.language or "": str(lit) for lit in graph.objects(cls, RDFS.label)}
            rows.append((str(cls)[len(BPO_IRI):], anchors.get(str(cls), ""), labels.get("en", ""), labels.get("zh", "")))
    return rows


# Concept schemes -----------------------------------------------------------------------

def text(term) -> str:
    return term.value if term is not None else ""


def scheme_tree(store: ox.Store, scheme: str) -> tuple[list[Concept], int]:
    """The scheme's top concepts, each holding its narrower ones, and the number of concepts."""
    query = internal_query("scheme-concepts")
    concepts: dict[str, Concept] = {}
    broader: dict[str, list[str]] = {}
    for row in run(store, query, {"scheme": ox.NamedNode(scheme)}):
        iri = row["concept"].value
        concepts.setdefault(iri, Concept(iri, text(row["en"]), text(row["zh"]), text(row["notation"]), text(row["definition"])))
        if row["broader"] is not None:
            broader.setdefault(iri, []).append(row["broader"].value)
    top = []
    for iri, concept in concepts.items():
        parents = [p for p in broader.get(iri, []) if p in concepts]
        for parent in parents:
            concepts[parent].children.append(concept)
        if not parents:
            top.append(concept)
    return top, len(concepts)


def schemes(store: ox.Store) -> list[Scheme]:
    labels = all_labels(store)
    found = []
    for row in run(store, internal_query("concept-schemes"), {}):
        iri = row["scheme"].value
        top, size = scheme_tree(store, iri)
        found.append(Scheme(iri, iri.rstrip("/").rsplit("/", 1)[-1], labels.get(iri, {}), top, size))
    return found


# Writing -------------------------------------------------------------------------------

def write_docs(project: Project, out: Path) -> list[Path]:
    """Write ontology.html, one scheme-NAME.html per concept scheme, and index.html."""
    if not project.ontology_file.is_file():
        raise DocsError(f"no ontology at {project.ontology_file}")
    store = project_store(project)
    env = environment()
    out.mkdir(parents=True, exist_ok=True)
    written = [out / ONTOLOGY_PAGE]
    ontology_page = ontology_html(project.ontology_file)
    written[0].write_text(ontology_page, encoding="utf-8")
    found = schemes(store)
    for scheme in found:
        page = out / f"scheme-{scheme.slug}.html"
        page.write_text(env.get_template("scheme.html").render(scheme=scheme), encoding="utf-8")
        written.append(page)
    index = out / "index.html"
    index.write_text(env.get_template("docs_index.html").render(
        schemes=found, classes=ontology_classes(project.ontology_file, sections(ontology_page)), ontology_page=ONTOLOGY_PAGE),
        encoding="utf-8")
    return [index, *written]
