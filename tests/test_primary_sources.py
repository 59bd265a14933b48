"""The primary sources against their texts, and the editors' links to the commentaries.

Every number below was counted by reading the texts by hand, not from the graph:
- Executive Order 14081 (White House text, read in full): 14 sections; 55 tasks recorded
  (sec. 2: 2; 3: 11; 4: 3; 5: 8; 6: 8; 7: 2; 8: 5; 9: 3; 10: 6; 11: 5; 12: 2), 37 of them
  with a deadline (three counted from an event without a date: 3(c), 8(b), 11(c)), 12
  distinct deadlines, 35 deliverables.
- The NSCEB report: 13 recommendations with official numbers could be read (chapter 1:
  1.1A, 1.2A, 1.3A; chapter 2: 2.1A, 2.1B, 2.2A-D, 2.3A; chapter 5: 5.1A-C).
- Links: five EO commentary tasks report six sections of the order; eight NSCEB commentary
  recommendations report nine of the report's.
"""

from __future__ import annotations

import pytest

from conftest import BP, GRAPHS
from test_data import PREFIXES, ask, count

EO = f"<{GRAPHS}sources/eo-14081>"
NSCEB = f"<{GRAPHS}sources/nsceb-final-report>"
LINKS = f"<{GRAPHS}links/commentary-to-primary>"

COUNTS = [
    (EO, "sections", "?x a bpo:Provision ; dcterms:isPartOf bp:document/eo-14081", 14),
    (EO, "tasks", "?x a bpo:Directive", 55),
    (EO, "tasks of section 3", "?x a bpo:Directive ; dcterms:isPartOf bp:provision/eo-14081/sec-3", 11),
    (EO, "tasks of section 11", "?x a bpo:Directive ; dcterms:isPartOf bp:provision/eo-14081/sec-11", 5),
    (EO, "tasks with a deadline", "?x bpo:hasDeadline ?d", 37),
    (EO, "deadlines", "?x a bpo:Deadline", 12),
    (EO, "deadlines counted from an event without a date", "?x a bpo:Deadline ; bpo:trigger ?t . FILTER(?t != bp:event/eo-14081-signing)", 3),
    (EO, "deliverables", "?x a bpo:Deliverable", 35),
    (EO, "amounts", "?x a bpo:MonetaryAmount", 0),
    (NSCEB, "recommendations", "?x a bpo:Recommendation", 13),
    (NSCEB, "chapters", "?x a bpo:StrategicAction", 3),
    (NSCEB, "recommendations of chapter 2", "?x a bpo:Recommendation ; dcterms:isPartOf bp:provision/nsceb-final-report/chapter-2", 7),
    (NSCEB, "amounts", "?x a bpo:MonetaryAmount", 0),
    (LINKS, "commentary statements linked", "?x bpo:describes ?p", 13),
    (LINKS, "primary measures linked", "?s bpo:describes ?x", 15),
]


@pytest.mark.parametrize("graph,what,pattern,expected", COUNTS, ids=[f"{g.split('/')[-1][:-1]}: {w}" for g, w, _, _ in COUNTS])
def test_counts_match_the_text(real_store, graph, what, pattern, expected):
    assert count(real_store, graph, pattern) == expected


KEY_FACTS = {
    "the order is signed on 2022-09-12 and names itself by its whitehouse.gov address":
        f'''GRAPH {EO} {{ bp:event/eo-14081-signing dcterms:date "2022-09-12"^^xsd:date .
            bp:document/eo-14081 schema:url ?u FILTER(STRSTARTS(STR(?u), "https://www.whitehouse.gov/briefing-room/presidential-actions/2022/09/12/")) }}''',
    "2: the APNSA coordinates, consulting the APEP and the OSTP Director":
        f"GRAPH {EO} {{ bp:measure/eo-14081/sec-2-coordination bpo:number \"2\" ; bpo:leadAgent bp:post/us-apnsa ; bpo:consultedAgent bp:post/us-apep , bp:post/us-ostp-director }}",
    "3(c): the implementation plan counts 100 days from receipt of the reports":
        f"""GRAPH {EO} {{ bp:measure/eo-14081/sec-3-c bpo:leadAgent bp:post/us-ostp-director ; bpo:hasDeadline ?d .
            ?d bpo:duration "P100D"^^xsd:duration ; bpo:trigger bp:event/eo-14081/sec-3-a-reports-received }}""",
    "5(a): strategy within 180 days, APNSA and APEP with seven others":
        f"""GRAPH {EO} {{ bp:measure/eo-14081/sec-5-a bpo:leadAgent bp:post/us-apnsa , bp:post/us-apep ;
            bpo:consultedAgent bp:post/us-secretary-of-hhs , bp:post/us-nasa-administrator ; bpo:hasDeadline/bpo:duration "P180D"^^xsd:duration }}""",
    "7(a): six leads, a public plan within 200 days":
        f"""GRAPH {EO} {{ bp:measure/eo-14081/sec-7-a bpo:leadAgent bp:post/us-apdp , bp:post/us-nsf-director , bp:post/us-secretary-of-labor ;
            bpo:hasDeadline/bpo:duration "P200D"^^xsd:duration }}""",
    "8(c): the regulatory reform plan within 280 days":
        f"GRAPH {EO} {{ bp:measure/eo-14081/sec-8-c bpo:hasDeadline/bpo:duration \"P280D\"^^xsd:duration ; bpo:leadAgent bp:post/us-epa-administrator }}",
    "10(b)(ii)(B): the working group reports within 18 months":
        f"GRAPH {EO} {{ bp:measure/eo-14081/sec-10-b-ii-B bpo:leadAgent bp:agency/eo-14081/itwg ; bpo:hasDeadline/bpo:duration \"P18M\"^^xsd:duration }}",
    "11(b): the DNI's classified assessments go to the APNSA within 240 days":
        f"""GRAPH {EO} {{ bp:measure/eo-14081/sec-11-b bpo:leadAgent bp:post/us-dni ; bpo:hasDeliverable/bpo:deliveredTo bp:post/us-apnsa ;
            bpo:hasDeadline/bpo:duration "P240D"^^xsd:duration }}""",
    "11(c): the APNSA leads the mitigation plan, 120 days after receipt":
        f"""GRAPH {EO} {{ bp:measure/eo-14081/sec-11-c bpo:leadAgent bp:post/us-apnsa ; bpo:hasDeadline ?d .
            ?d bpo:duration "P120D"^^xsd:duration ; bpo:trigger bp:event/eo-14081/sec-11-b-assessments-received }}""",
    "both graphs keep their own recipient of the threat assessment":
        f"""GRAPH <{GRAPHS}sources/eo-14081-commentary> {{ ?c bpo:hasDeliverable/bpo:deliveredTo bp:agency/us-nsa }}
            GRAPH {LINKS} {{ ?c bpo:describes bp:measure/eo-14081/sec-11-b }}""",
    "1.1A: Congress to create the NBCO in the EOP":
        f"""GRAPH {NSCEB} {{ ?m bpo:number "1.1A" ; bpo:addressee bp:agency/us-congress ; bpo:establishes bp:agency/nbco .
            bp:agency/nbco org:subOrganizationOf bp:agency/us-eop }}""",
    "2.2B: DOE and HHS for advance market commitments":
        f"GRAPH {NSCEB} {{ ?m bpo:number \"2.2B\" ; bpo:addressee bp:agency/us-doe , bp:agency/us-hhs }}",
    "5.1A: OPM to train the federal workforce":
        f"GRAPH {NSCEB} {{ ?m bpo:number \"5.1A\" ; bpo:addressee bp:agency/us-opm ; a bpo:WorkforceMeasure }}",
}


@pytest.mark.parametrize("fact", KEY_FACTS, ids=list(KEY_FACTS))
def test_key_fact(real_store, fact):
    assert ask(real_store, KEY_FACTS[fact]), fact


def test_commentary_graphs_hold_no_links_to_the_primary_text(real_store):
    assert not ask(real_store, f"GRAPH ?g {{ ?c bpo:describes ?p }} FILTER(?g != {LINKS})")


def test_the_commentary_is_not_corrected(real_store):
    """The commentary graph still says what the commentary says (NSA leads the plan)."""
    assert ask(real_store, f"GRAPH <{GRAPHS}sources/eo-14081-commentary> {{ bp:measure/eo-14081-commentary/risk-mitigation-plan bpo:leadAgent bp:agency/us-nsa }}")
