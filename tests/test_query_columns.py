"""Every saved query names its columns for people, in English and Chinese (docs/conventions.md,
"Column titles"): the web pages show these titles, never a variable name. Others add
queries in parallel, so a failure says exactly which lines to add to which file.

The projected variables are read by rdflib's SPARQL parser, independently of the header
parser under test."""

from __future__ import annotations

import pytest
from rdflib.plugins.sparql import prepareQuery

from kgtool.query import catalogue

from conftest import REPO

QUERIES = catalogue(REPO / "queries")


def projected(text: str) -> list[str]:
    return [str(v) for v in prepareQuery(text).algebra["PV"]]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_every_projected_column_has_a_title_or_is_hidden(query):
    variables = projected(query.text)
    missing = [v for v in variables if v not in query.columns and v not in query.hidden]
    assert not missing, (
        f"{query.path}: give each column a title in English and Chinese, or mark an IRI column hidden "
        f"(docs/conventions.md, 'Column titles'). Add to the #+ header:\n"
        + "\n".join(f"#+ column: {v}  English title | 中文标题" for v in missing)
        + "\n(or `#+ hidden: NAME` for an IRI column that only links NAME_label)")
    unknown = sorted((set(query.columns) | set(query.hidden) | set(query.values)) - set(variables))
    assert not unknown, f"{query.path}: #+ column/hidden/value lines name no projected variable: {unknown}"
    both = sorted(set(query.columns) & set(query.hidden))
    assert not both, f"{query.path}: {both} has a title and is hidden: keep one"
    for column, shown in query.hidden.items():
        target = shown or f"{column}_label"
        assert shown is None or target in query.columns, f"{query.path}: hidden {column} links {target}, which has no title"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_titles_are_in_their_language(query):
    for column, titles in query.columns.items():
        assert any("\u4e00" <= c <= "\u9fff" for c in titles["zh"]), f"{query.path}: {column}'s zh title is not Chinese"
        assert titles["en"].isascii(), f"{query.path}: {column}'s en title is not English"


def test_every_param_class_is_a_class_of_the_ontology():
    """`class=` of an iri parameter names a class the ontology declares, so the form's
    choices are not silently empty."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL, RDF

    ontology = Graph().parse(REPO / "ontology" / "biopolicy.ttl")
    for query in QUERIES:
        for param in query.params:
            if param.cls:
                assert (URIRef(param.cls), RDF.type, OWL.Class) in ontology, f"{query.path}: param {param.name}: class {param.cls}"
