"""The primary sources against their texts, and the editors' links to the commentaries.

Every number below was counted by reading the texts by hand, not from the graph:
- Executive Order 14081 (White House text, read in full): 14 sections; 55 tasks recorded
  (sec. 2: 2; 3: 11; 4: 3; 5: 8; 6: 8; 7: 2; 8: 5; 9: 3; 10: 6; 11: 5; 12: 2), 37 of them
  with a deadline (three counted from an event without a date: 3(c), 8(b), 11(c)), 12
  distinct deadlines, 35 deliverables.
- The NSCEB report (pages on biotech.senate.gov, each from its beginning): 37 recommendations.
  20 with the number a page prints (1.1A, 1.2A, 1.3A, 2.1A, 2.1B, 2.2A-D, 2.3A from the numbered
  list; 2.5A-D, 3.2A, 4.4A, 5.1A-C, 6.1A from section pages); 14 listed at the top of section
  pages without a number in the part read (3.2: four more, 3.3: four, 5.3: two, 6.1: four more);
  3 only in the list by agency (two grand research challenges, the workforce training
  programmes). Six chapters (titles of 1 and 2 only), nine section pages (1.1, 1.2, 2.5, 3.2,
  3.3, 4.4, 5.1, 5.3, 6.1) and the list by agency as a part of its own.
- Links: five EO commentary tasks report six sections of the order; fourteen NSCEB commentary
  statements report sixteen of the report's recommendations (13 recommendations numbered by the
  commentary, plus its report-wide ban on Chinese suppliers);
  the EO commentary's claim on the Biosecurity Law reaches eight of its 2020 articles (53-57,
  59, 79, 80; tests/test_biosecurity_law.py).
- The bills, each read only as far as its stored copy goes (the opening of the page):
  H.R. 8333 (118th, referred in Senate): sections 1 and 2 read, subsections 2(a) and 2(b)
  (cut inside (b)(2)); two prohibitions; no company, no deadline in the part read.
  H.R. 7085 (118th, introduced): sections 1 and 2, subsection 2(a) with findings (1)-(5)
  (cut inside (6)); one company named (BGI, finding (5)); no deadline.
  S. 3558 (118th, reported): heading only (introduced 2023-12-20, reported 2024-09-23); no
  section of the reported text read.
  S. 1387 and H.R. 2756 (119th, introduced 2025-04-09): sections 1 and 2 (definitions (1)-(4));
  the official title names the National Biotechnology Initiative; no deadline, no body.
- The White House releases of September 2022 (brian14708/wh-briefings at commit
  737ca03a271adc205c67766074ec8d0070f7ad95), each read in full:
  the summit fact sheet of 2022-09-14 states 18 sums of money ("$" occurs 18 times): the
  total "more than $2 billion" and 17 in its steps (two sentences state two each: USDA's
  $32 million with $93 million of partner funds; EDA's $1 billion challenge with more than
  $200 million of it for the bioeconomy). Three are "more than" (2 bn, 270 m, 200 m), one
  "up to" (100 m), one "approximately" (178 m); two run "over five years" (DoD's 270 m and
  1 bn). It lists 25 steps under nine headings (supply chains 3, domestic biomanufacturing
  3, innovation 4, bio-products 4, training 3, regulation 3, measurement 1, biosecurity 1,
  data 3) and names 11 people.
  The fact sheet of 2022-09-12: three opening claims, one estimate (almost $30 trillion)
  and nine headed points on what the initiative will do.
  The press call: held 2022-09-11, 4:01 to 4:19 P.M. EDT (the transcript's words); the page
  is dated 2022-09-12. Two sums: almost $30 trillion (an official) and about $56 billion
  (a reporter).
"""

from __future__ import annotations

import pytest

from conftest import GRAPHS
from test_data import PREFIXES, ask, counts_test, expand, read_counts, source_graphs

LINKS = f"<{GRAPHS}links/commentary-to-primary>"
EO, NSCEB, HR8333, HR7085, S3558, S1387, HR2756, SUMMIT, FACT_SHEET, PRESS_CALL = source_graphs(
    "eo-14081", "nsceb-final-report", "hr-8333-118", "hr-7085-118", "s-3558-118", "s-1387-119", "hr-2756-119",
    "wh-summit-fact-sheet-2022-09-14", "wh-fact-sheet-2022-09-12", "wh-press-call-2022-09-12")
SUMMIT_AMOUNTS = 18  # counted by hand in the text of the summit fact sheet (see the docstring)

COUNTS = read_counts("primary-sources.tsv")


test_counts_match_the_text = counts_test(COUNTS)


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
    "1.2A: the list by agency names USTR (in the EOP) and USDA":
        f"""GRAPH {NSCEB} {{ ?m bpo:number "1.2A" ; bpo:addressee bp:agency/us-congress , bp:agency/us-ustr , bp:agency/us-usda ;
            dcterms:isPartOf bp:provision/nsceb-final-report/section-1-2 . bp:agency/us-ustr org:subOrganizationOf bp:agency/us-eop }}""",
    "2.5B: no Chinese biotechnology suppliers for companies working with national security agencies and HHS":
        f"""GRAPH {NSCEB} {{ ?m bpo:number "2.5B" ; a bpo:Restriction ; bpo:targets bp:jurisdiction/cn , bp:concept/sector/biotechnology-suppliers ;
            dcterms:isPartOf bp:provision/nsceb-final-report/section-2-5 . bp:provision/nsceb-final-report/section-2-5 dcterms:isPartOf bp:provision/nsceb-final-report/chapter-2 }}""",
    "2.5D: the ITC to investigate Chinese dumping":
        f"GRAPH {NSCEB} {{ ?m bpo:number \"2.5D\" ; bpo:addressee bp:agency/us-itc ; bpo:targets bp:jurisdiction/cn }}",
    "3.2A: Defense to build commercial biomanufacturing facilities with private companies":
        f"GRAPH {NSCEB} {{ ?m bpo:number \"3.2A\" ; bpo:addressee bp:agency/us-dod ; dcterms:isPartOf bp:provision/nsceb-final-report/section-3-2 }}",
    "section 3.3, second: Commerce to consider country-wide export controls on China":
        f"""GRAPH {NSCEB} {{ bp:measure/nsceb-final-report/section-3-3-item-2 a bpo:ExportControl ; bpo:addressee bp:agency/us-doc ;
            bpo:targets bp:jurisdiction/cn ; dcterms:isPartOf bp:provision/nsceb-final-report/section-3-3 }}""",
    "section 3.3, fourth: resources for the intelligence community":
        f"GRAPH {NSCEB} {{ bp:measure/nsceb-final-report/section-3-3-item-4 bpo:addressee bp:agency/us-intelligence-community }}",
    "4.4A: safe, secure and responsible biotechnology":
        f"GRAPH {NSCEB} {{ ?m bpo:number \"4.4A\" ; dcterms:isPartOf bp:provision/nsceb-final-report/section-4-4 ; bpo:theme bp:concept/theme/biosafety-and-biosecurity }}",
    "section 5.3, first: green cards for talent from allies and partners":
        f"GRAPH {NSCEB} {{ bp:measure/nsceb-final-report/section-5-3-item-1 a bpo:WorkforceMeasure ; bpo:targets bp:group/allies-and-partners }}",
    "6.1A: biotechnology in the State Department's ITSI Fund":
        f"""GRAPH {NSCEB} {{ ?m bpo:number "6.1A" ; dcterms:isPartOf bp:provision/nsceb-final-report/section-6-1 .
            bp:programme/itsi-fund bpo:administeredBy bp:agency/us-dos }}""",
    "section 6.1, fifth: State and Defense to have NATO countries pool purchasing":
        f"GRAPH {NSCEB} {{ bp:measure/nsceb-final-report/section-6-1-item-5 bpo:addressee bp:agency/us-dos , bp:agency/us-dod ; bpo:targets bp:group/nato-countries }}",
    "each section page read is cited by its URL":
        f"""GRAPH {NSCEB} {{ bp:provision/nsceb-final-report/section-3-3 schema:url <https://biotech.senate.gov/final-report/chapters/chapter-3/section-3> ;
            dcterms:title ?t . bp:document/nsceb-final-report schema:url <https://biotech.senate.gov/final-report/chapters/chapter-6/section-1> }}""",
    "H.R. 8333: a version of the BIOSECURE Act, received in the Senate on 2024-09-10":
        f"""GRAPH {HR8333} {{ bp:document/hr-8333-118 a bpo:Bill ; dcterms:isVersionOf bp:document/biosecure-act ;
            dcterms:alternative "BIOSECURE Act"@en ; bpo:billNumber "H.R. 8333 (118th Congress)" ;
            schema:url <https://www.congress.gov/118/bills/hr8333/BILLS-118hr8333rfs.htm> .
            ?e prov:generated bp:document/hr-8333-118 ; dcterms:date "2024-09-10"^^xsd:date }}""",
    "H.R. 8333 Sec. 2(a): executive agencies barred from buying from biotechnology companies of concern":
        f"""GRAPH {HR8333} {{ ?m a bpo:Restriction , bpo:Directive ; bpo:number "Sec. 2(a)" ;
            dcterms:isPartOf bp:provision/hr-8333-118/sec-2-a ; bpo:addressee bp:agency/hr-8333-118/executive-agencies .
            bp:provision/hr-8333-118/sec-2-a dcterms:isPartOf bp:provision/hr-8333-118/sec-2 }}""",
    "H.R. 8333 Sec. 2(b): no loan or grant funds":
        f"GRAPH {HR8333} {{ ?m a bpo:Restriction ; bpo:number \"Sec. 2(b)\" ; dcterms:isPartOf bp:provision/hr-8333-118/sec-2-b }}",
    "H.R. 7085: introduced 2024-01-25 by Mike Gallagher, a version of the BIOSECURE Act":
        f"""GRAPH {HR7085} {{ bp:document/hr-7085-118 dcterms:isVersionOf bp:document/biosecure-act .
            ?e prov:generated bp:document/hr-7085-118 ; dcterms:date "2024-01-25"^^xsd:date ;
            prov:wasAssociatedWith bp:person/mike-gallagher }}""",
    "H.R. 7085 Sec. 2(a)(5): the finding that names BGI":
        f"""GRAPH {HR7085} {{ ?c a bpo:Claim ; bpo:number "Sec. 2(a)(5)" ; bpo:statedBy bp:document/hr-7085-118 ;
            schema:about bp:company/bgi . bp:company/bgi a bpo:Company }}""",
    "S. 3558: introduced 2023-12-20 and reported 2024-09-23 by Gary Peters":
        f"""GRAPH {S3558} {{ ?i schema:about bp:document/s-3558-118 ; dcterms:date "2023-12-20"^^xsd:date ; prov:wasAssociatedWith bp:person/gary-peters .
            ?r prov:generated bp:document/s-3558-118 ; dcterms:date "2024-09-23"^^xsd:date ; prov:wasAssociatedWith bp:person/gary-peters }}""",
    "S. 1387: introduced 2025-04-09 by Todd Young, to authorize the National Biotechnology Initiative":
        f"""GRAPH {S1387} {{ ?e prov:generated bp:document/s-1387-119 ; dcterms:date "2025-04-09"^^xsd:date ;
            prov:wasAssociatedWith bp:person/todd-young .
            bp:document/s-1387-119 bpo:establishes bp:programme/national-biotechnology-initiative ;
            dcterms:alternative "National Biotechnology Initiative Act of 2025"@en }}""",
    "the press call was held on 2022-09-11 from 16:01 EDT; its transcript is dated 2022-09-12":
        f"""GRAPH {PRESS_CALL} {{ ?call prov:generated bp:document/wh-press-call-2022-09-12 ; dcterms:date "2022-09-11"^^xsd:date ;
            schema:startDate "2022-09-11T16:01:00-04:00"^^xsd:dateTime .
            bp:document/wh-press-call-2022-09-12 dcterms:issued "2022-09-12"^^xsd:date }}""",
    "the fact sheet and the press call are the documents the EO commentary cites, not copies":
        f"""GRAPH <{GRAPHS}sources/eo-14081-commentary> {{ bp:document/wh-fact-sheet-2022-09-12 schema:url ?c1 . bp:document/wh-press-call-2022-09-12 schema:url ?c2 }}
            GRAPH {FACT_SHEET} {{ bp:document/wh-fact-sheet-2022-09-12 schema:url ?p1 ; dcterms:issued "2022-09-12"^^xsd:date }}
            GRAPH {PRESS_CALL} {{ bp:document/wh-press-call-2022-09-12 schema:url ?p2 }}""",
    "summit: DoD's Tri-Service program, more than USD 270 million over five years":
        f"""GRAPH {SUMMIT} {{ ?m bpo:leadAgent bp:agency/us-dod ; bpo:announcedAt bp:event/wh-biotech-summit-2022 ;
            bpo:establishes bp:programme/wh-summit-2022/tri-service-biotechnology-resilient-supply-chain ; bpo:hasAmount ?a .
            ?a schema:value 270000000.0 ; schema:currency "USD" ; bpo:bound bpo:MoreThan ; bpo:period "P5Y"^^xsd:duration }}""",
    "summit: EDA's USD 1 billion challenge puts more than USD 200 million into the bioeconomy":
        f"""GRAPH {SUMMIT} {{ ?m bpo:leadAgent bp:agency/us-eda ; bpo:implements bp:programme/wh-summit-2022/build-back-better-regional-challenge ;
            bpo:hasAmount ?all , ?part . ?all schema:value 1000000000.0 . ?part schema:value 200000000.0 ; bpo:bound bpo:MoreThan .
            bp:programme/wh-summit-2022/build-back-better-regional-challenge bpo:administeredBy bp:agency/us-eda }}""",
    "summit: led by Sullivan, Deese and Nelson on 2022-09-14":
        f"""GRAPH {SUMMIT} {{ bp:event/wh-biotech-summit-2022 dcterms:date "2022-09-14"^^xsd:date ;
            prov:wasAssociatedWith bp:person/jake-sullivan , bp:person/brian-deese , bp:person/alondra-nelson .
            bp:post/us-apnsa org:heldBy bp:person/jake-sullivan }}""",
    "the commentary's USD 2 billion is linked to the summit's own total":
        f"GRAPH {LINKS} {{ bp:measure/eo-14081-commentary/summit-funding bpo:describes bp:measure/wh-summit-2022/key-steps }}",
    "H.R. 2756: introduced 2025-04-09 by Stephanie Bice, same short title and initiative":
        f"""GRAPH {HR2756} {{ ?e prov:generated bp:document/hr-2756-119 ; dcterms:date "2025-04-09"^^xsd:date ;
            prov:wasAssociatedWith bp:person/stephanie-bice .
            bp:document/hr-2756-119 bpo:establishes bp:programme/national-biotechnology-initiative ;
            dcterms:alternative "National Biotechnology Initiative Act of 2025"@en }}""",
}


def test_every_summit_amount_has_its_step_and_the_steps_their_agency(real_store):
    """Each of the hand-counted sums hangs on one measure announced at the summit; every
    step but the whole (which the release does not split by agency) names its agency."""
    rows = list(real_store.query(PREFIXES + expand(f"""SELECT ?a ?m WHERE {{ GRAPH {SUMMIT} {{ ?a a bpo:MonetaryAmount .
        OPTIONAL {{ ?m bpo:hasAmount ?a ; bpo:announcedAt bp:event/wh-biotech-summit-2022 }} }} }}""")))
    assert len(rows) == SUMMIT_AMOUNTS and all(r["m"] is not None for r in rows)
    assert not ask(real_store, f"""GRAPH {SUMMIT} {{ ?m bpo:hasAmount ?a FILTER(?m != bp:measure/wh-summit-2022/key-steps)
        FILTER NOT EXISTS {{ ?m bpo:leadAgent ?agency }} }}""")


def test_s_3558_is_not_taken_for_the_biosecure_act(real_store):
    """Its short title could not be read, so it is not a version of the BIOSECURE Act."""
    assert not ask(real_store, "bp:document/s-3558-118 dcterms:isVersionOf ?work")


def test_no_bill_states_a_deadline_or_a_due_date(real_store):
    """No deadline was in the parts of the bills read; none is invented (nor a due date derived)."""
    for graph in (HR8333, HR7085, S3558, S1387, HR2756):
        assert not ask(real_store, f"GRAPH {graph} {{ ?d a bpo:Deadline }}")
        assert not ask(real_store, f"GRAPH {graph} {{ ?m bpo:hasDeadline ?d }}")


@pytest.mark.parametrize("fact", KEY_FACTS, ids=list(KEY_FACTS))
def test_key_fact(real_store, fact):
    assert ask(real_store, KEY_FACTS[fact]), fact


def test_no_recommendation_number_is_guessed(real_store):
    """A recommendation listed without its number on the page read has none: its IRI names its
    place in the section's list, and a note says the number could not be read."""
    rows = real_store.query(f"""{PREFIXES} SELECT ?m WHERE {{ GRAPH {NSCEB} {{ ?m a bpo:Recommendation .
        FILTER(CONTAINS(STR(?m), "-item-") || CONTAINS(STR(?m), "/by-agency/")) }}
        FILTER(EXISTS {{ ?m bpo:number ?n }} || NOT EXISTS {{ GRAPH {NSCEB} {{ ?m skos:note ?note FILTER(CONTAINS(?note, "number")) }} }}) }}""")
    assert [r["m"].value for r in rows] == []


def test_both_numberings_are_kept_and_linked(real_store):
    """The commentary's 1.2 is the report's 1.3A; its 3.3 the second recommendation of report section 3.3."""
    assert ask(real_store, f"""GRAPH <{GRAPHS}sources/nsceb-report-commentary> {{ bp:measure/nsceb-commentary/create-ogca bpo:number "1.2" }}
        GRAPH {NSCEB} {{ bp:measure/nsceb-final-report/rec-1-3a bpo:number "1.3A" }}
        GRAPH {LINKS} {{ bp:measure/nsceb-commentary/create-ogca bpo:describes bp:measure/nsceb-final-report/rec-1-3a ;
            skos:note ?n FILTER(CONTAINS(?n, "1.3A")) }}""")
    assert ask(real_store, f"""GRAPH <{GRAPHS}sources/nsceb-report-commentary> {{ bp:measure/nsceb-commentary/export-controls-china bpo:number "3.3" }}
        GRAPH {LINKS} {{ bp:measure/nsceb-commentary/export-controls-china bpo:describes bp:measure/nsceb-final-report/section-3-3-item-2 ;
            skos:note ?n FILTER(CONTAINS(?n, "section 3.3")) }}""")


def test_commentary_graphs_hold_no_links_to_the_primary_text(real_store):
    assert not ask(real_store, f"GRAPH ?g {{ ?c bpo:describes ?p }} FILTER(?g != {LINKS})")


def test_the_commentary_is_not_corrected(real_store):
    """The commentary graph still says what the commentary says (NSA leads the plan)."""
    assert ask(real_store, f"GRAPH <{GRAPHS}sources/eo-14081-commentary> {{ bp:measure/eo-14081-commentary/risk-mitigation-plan bpo:leadAgent bp:agency/us-nsa }}")
