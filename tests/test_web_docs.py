"""kgtool docs (kgtool/web/docs.py): the ontology page (pyLODE) names every class, and each
concept scheme's page lists its concepts in English and Chinese, narrower ones nested under
broader ones. What is expected is read from the ontology and data files with rdflib, not
from kgtool."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import BPO, REPO
from kgtool.cli import main
from kgtool.web.docs import english_only, sections



@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    assert main(["--root", str(REPO), "docs", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def reference() -> Graph:
    graph = Graph()
    for path in (REPO / "data" / "reference").glob("*.ttl"):
        graph.parse(path)
    return graph


def page_text(path: Path) -> str:
    return html.unescape(path.read_text(encoding="utf-8"))


def label(graph: Graph, subject, predicate, lang: str) -> str:
    return next(str(o) for o in graph.objects(subject, predicate) if o.language == lang)


def test_ontology_page_names_every_class(docs):
    ontology = Graph().parse(REPO / "ontology" / "biopolicy.ttl")
    classes = [c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and str(c).startswith(BPO)]
    assert len(classes) > 30
    page = page_text(docs / "ontology.html")
    index = page_text(docs / "index.html")
    for cls in classes:
        assert f"<code>{cls}</code>" in page, cls
        assert label(ontology, cls, RDFS.label, "en") in page, cls
        assert label(ontology, cls, RDFS.label, "zh") in index, cls  # the index lists both languages


def test_index_links_land_on_sections_of_the_ontology_page(docs):
    page = (docs / "ontology.html").read_text(encoding="utf-8")
    anchors = re.findall(r'href="ontology\.html#([^"]*)"', (docs / "index.html").read_text(encoding="utf-8"))
    assert len(anchors) > 30
    missing = [a for a in anchors if not a or f'id="{a}"' not in page]
    assert missing == []


def schemes(reference: Graph) -> list:
    return sorted(reference.subjects(RDF.type, SKOS.ConceptScheme))


def scheme_page(docs: Path, scheme) -> Path:
    return docs / f"scheme-{str(scheme).rsplit('/', 1)[-1]}.html"


def test_a_page_per_scheme_with_every_concept_in_both_languages(docs, reference):
    found = schemes(reference)
    assert len(found) >= 5  # themes, technologies, sectors, STIP instruments, deliverable types
    for scheme in found:
        page = page_text(scheme_page(docs, scheme))
        concepts = set(reference.subjects(SKOS.inScheme, scheme))
        assert concepts, scheme
        for concept in concepts:
            assert label(reference, concept, SKOS.prefLabel, "en") in page, concept
            assert label(reference, concept, SKOS.prefLabel, "zh") in page, concept
        assert f'href="{scheme_page(docs, scheme).name}"' in (docs / "index.html").read_text(encoding="utf-8")


class Nesting(HTMLParser):
    """For each <li id=...>, the ids of the <li> elements it sits in."""

    def __init__(self):
        super().__init__()
        self.stack: list[str | None] = []
        self.parents: dict[str, set[str | None]] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            own = dict(attrs).get("id")
            parent = next((i for i in reversed(self.stack) if i), None)
            self.parents.setdefault(own, set()).add(parent)
            self.stack.append(own)

    def handle_endtag(self, tag):
        if tag == "li":
            self.stack.pop()


def test_narrower_concepts_sit_under_their_broader_ones(docs, reference):
    pairs = 0
    for scheme in schemes(reference):
        nesting = Nesting()
        nesting.feed(scheme_page(docs, scheme).read_text(encoding="utf-8"))
        for concept in reference.subjects(SKOS.inScheme, scheme):
            name = str(concept).rsplit("/", 1)[-1]
            broader = {str(b).rsplit("/", 1)[-1] for b in reference.objects(concept, SKOS.broader)}
            if not broader:
                assert nesting.parents[name] == {None}, name
            else:
                assert nesting.parents[name] == broader, name
                pairs += 1
    assert pairs > 5


def test_missing_ontology_is_a_user_error(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "docs", "--out", str(tmp_path / "out")]) == 2
    assert "kgtool: error:" in capsys.readouterr().err


def test_pylode_is_given_the_english_text_only():
    """pyLODE prints both labels of a term run together, so it gets English (any en-*
    variant) and untagged literals, and every IRI, with the prefixes as bound."""
    graph = Graph()
    graph.bind("bpo", BPO)
    term = URIRef(BPO + "Measure")
    for label in (Literal("Measure", lang="en"), Literal("Measure", lang="en-GB"), Literal("措施", lang="zh"),
                  Literal("M1")):
        graph.add((term, RDFS.label, label))
    graph.add((term, RDF.type, OWL.Class))
    kept = english_only(graph)
    assert set(kept.objects(term, RDFS.label)) == {Literal("Measure", lang="en"), Literal("Measure", lang="en-GB"),
                                                   Literal("M1")}
    assert (term, RDF.type, OWL.Class) in kept
    assert dict(kept.namespaces())["bpo"] == URIRef(BPO)


def test_the_sections_of_the_ontology_page_are_found_by_the_iri_they_show():
    page = ('<div class="property entity" id="Executiveorder">\n<h3>Executive order</h3>\n'
            f'<table><tr><td><code>{BPO}ExecutiveOrder</code></td></tr></table></div>'
            f'<div class="property entity" id="leadAgent"><code>{BPO}leadAgent</code></div>')
    assert sections(page) == {BPO + "ExecutiveOrder": "Executiveorder", BPO + "leadAgent": "leadAgent"}
