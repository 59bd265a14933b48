"""kgtool/link/review.py: which of our entities are offered for linking, their candidates
ranked, the review file written and read back, and accepted rows written as links. Wikidata
is a local pyoxigraph store of the fictional fixture in its shape (tests/fixtures/wikidata);
`kgtool link wikidata` against a server is tested in tests/test_link.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgtool.link.review import (COLUMNS, Accepted, LinkError, links_turtle, our_iri,
                                ranked_candidates, read_review, review_text, unlinked_entities)
from kgtool.link.wikidata import WD
from kgtool.namespaces import BPO_IRI, Project
from kgtool.store import project_store

from conftest import BP, REPO

FIXTURE = REPO / "tests" / "fixtures" / "wikidata"


class LocalWikidata:
    """What ranked_candidates needs of a PublicEndpoint (`select`), answered by a local store."""

    def __init__(self):
        self.store = ox.Store()
        self.store.load(path=str(FIXTURE / "wikidata.ttl"), format=ox.RdfFormat.TURTLE)
        self.requests = 0

    def select(self, query: str) -> list[dict]:
        self.requests += 1
        return json.loads(self.store.query(query).serialize(format=ox.QueryResultsFormat.JSON))["results"]["bindings"]


@pytest.fixture(scope="module")
def entities():
    return unlinked_entities(project_store(Project.at(REPO, FIXTURE / "data")))


def test_proposed_bodies_are_not_offered_for_linking(real_store):
    """The NBCO and the Office of Global Competition Analysis are proposals: no Wikidata item
    can be the same thing, while existing agencies without a link are offered."""
    from kgtool.link.review import unlinked_entities

    offered = {e.iri for e in unlinked_entities(real_store)}
    assert "https://w3id.org/biopolicy/id/agency/nbco" not in offered
    assert "https://w3id.org/biopolicy/id/agency/ogca" not in offered
    assert "https://w3id.org/biopolicy/id/agency/us-dol" in offered


def test_the_unlinked_entities_come_with_their_most_specific_linkable_class_and_country(entities):
    """Exampleland is linked already (data/links/known.ttl), so it is not offered, and it is
    the country of the ministry, the company and the act; Otherland's country is not linked."""
    assert [(e.iri.removeprefix(BP), e.our_class.removeprefix(BPO_IRI), e.country) for e in entities] == [
        ("agency/example-ministry", "GovernmentBody", WD + "Q900000001"),
        ("agency/office-of-nothing", "GovernmentBody", None),
        ("company/example-corp", "Company", WD + "Q900000001"),
        ("document/example-act", "Law", WD + "Q900000001"),
        ("jurisdiction/otherland", "Country", None),  # a Country is a Jurisdiction too: the first that fits
        ("person/alex-example", "Person", None),
        ("post/example-minister", "Post", None),
    ]
    assert (entities[0].label_en, entities[0].label_zh) == ("Ministry of Examples", "示例部")


def test_candidates_of_the_wrong_type_are_dropped_and_the_rest_ranked(entities):
    """The ministry: its namesake in Otherland scores lower (no zh label, another country)
    and the film of the same name is not offered; one query per class and batch."""
    wikidata = LocalWikidata()
    ranked = ranked_candidates(wikidata, entities, batch=50)
    found = {iri.removeprefix(BP): [(c.iri.removeprefix(WD), points) for points, c in pairs]
             for iri, pairs in ranked.items()}
    assert found["agency/example-ministry"] == [("Q900000010", 4.0), ("Q900000011", 1.0)]
    assert found["company/example-corp"] == [("Q900000020", 3.5)]  # a subclass of company, both labels, its country
    assert found["post/example-minister"] == [] and found["agency/office-of-nothing"] == []
    assert wikidata.requests == len({e.our_class for e in entities})
    one_by_one = ranked_candidates(LocalWikidata(), entities[:2], batch=1)  # batches give the same candidates
    assert one_by_one[BP + "agency/example-ministry"] == ranked[BP + "agency/example-ministry"]


def test_the_review_file_reads_back_with_the_rows_a_reviewer_accepted(entities, tmp_path):
    ranked = ranked_candidates(LocalWikidata(), entities, batch=50)
    ranked[entities[0].iri][0][1].description = "a description\twith a tab\nand a line break"
    text = review_text(entities, ranked, "http://127.0.0.1:1/query", date(2024, 1, 31))
    lines = text.splitlines()
    assert lines[3] == "\t".join(COLUMNS) and all(len(line.split("\t")) == len(COLUMNS) for line in lines[3:])
    number = next(n for n, line in enumerate(lines, 1) if f"{WD}Q900000020" in line)
    lines[number - 1] = lines[number - 1] + "yes"  # the accept column is the last, and empty
    review = tmp_path / "review.tsv"
    review.write_text("\n".join(lines) + "\n", encoding="utf-8")
    meta, accepted = read_review(review)
    assert meta == {"endpoint": "http://127.0.0.1:1/query", "date": "2024-01-31"}
    assert [(a.line, a.entity, a.candidate) for a in accepted] == [
        (number, BP + "company/example-corp", WD + "Q900000020")]
    review.write_text("\n".join(line for line in lines if not line.startswith("# endpoint:")) + "\n", encoding="utf-8")
    with pytest.raises(LinkError, match=r"no `# endpoint:` line; is this a file written by `kgtool link wikidata`\?"):
        read_review(review)


def test_accepted_rows_become_links_that_name_their_review():
    rows = [Accepted(5, BP + "company/example-corp", WD + "Q900000020"), Accepted(4, BP + "agency/x#1", WD + "Q7")]
    text = links_turtle(rows, {"endpoint": "http://127.0.0.1:1/query", "date": "2024-01-31"}, Path("review.tsv"),
                        "https://w3id.org/biopolicy/graph/links/accepted", date(2024, 2, 1))
    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.TURTLE)
    same = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
    assert {(q.subject.value, q.object.value) for q in store.quads_for_pattern(None, same, None)} == {
        (BP + "company/example-corp", WD + "Q900000020"), (BP + "agency/x#1", WD + "Q7")}
    [source] = store.quads_for_pattern(ox.NamedNode(BP + "company/example-corp"),
                                       ox.NamedNode("http://purl.org/dc/terms/source"), None)
    assert "http://127.0.0.1:1/query" in source.object.value and "review.tsv line 5" in source.object.value
    assert our_iri(BP + "company/example-corp") == "<company/example-corp>"  # as data files write ours
    assert our_iri(BP + "agency/x#1") == f"<{BP}agency/x#1>"
