"""kgtool/web/describe.py: what an IRI of ours answers to a linked-data client. HTML unless
the client prefers one of the RDF formats (by Accept or a file suffix), and the statements
about the resource in the format chosen, the same triples in each."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgtool.web.describe import HTML, RDF_TYPES, choose, serialize, split_suffix, statements

from conftest import BP

AGENCY = BP + "agency/example-agency"


@pytest.mark.parametrize("path, expected", [
    ("company/wuxi-apptec.ttl", ("company/wuxi-apptec", "text/turtle")),
    ("company/wuxi-apptec.jsonld", ("company/wuxi-apptec", "application/ld+json")),
    ("company/wuxi-apptec.html", ("company/wuxi-apptec", HTML)),
    ("company/wuxi-apptec", ("company/wuxi-apptec", None)),
    ("document/hr-4346.v2", ("document/hr-4346.v2", None)),
])
def test_a_file_suffix_names_the_format(path, expected):
    assert split_suffix(path) == expected


@pytest.mark.parametrize("accept, media", [
    ("", HTML),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML),  # a browser's
    ("text/turtle", "text/turtle"),
    ("application/rdf+xml;q=0.9, text/html;q=0.5", "application/rdf+xml"),
    ("text/html;q=0, application/n-triples;q=0.1", "application/n-triples"),
    ("application/*", "application/ld+json"),
    ("image/png", None),
])
def test_html_is_for_people_unless_the_client_prefers_rdf(accept, media):
    assert choose(accept) == media


def test_the_statements_are_those_about_the_resource_in_every_format_alike(mini_store):
    triples = statements(mini_store, AGENCY)
    assert {t.subject.value for t in triples} == {AGENCY}
    assert ox.Triple(ox.NamedNode(AGENCY), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                     ox.Literal("示例机构", language="zh")) in triples
    for media, fmt in RDF_TYPES.items():
        read = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(serialize(triples, media), format=fmt)}
        assert read == set(triples), media
    assert b"@prefix bpo: <https://w3id.org/biopolicy/ontology#>" in serialize(triples, "text/turtle")
