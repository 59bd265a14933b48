"""China's own rules (data/sources/cn-*.ttl) against their texts, and the public pages on them.

Every number below was counted by reading the texts by hand (LawRefBook/Laws at commit
2f4c5c23716267af9dbebbbbd6cbbf732b101981; copies in tests/fixtures/laws/), not from the graph:
- HGR Regulations 2019 (行政法规/人类遗传资源管理条例(2019-05-28).md): 6 chapters, 47
  articles (第一条 to 第四十七条): chapter 1 arts 1-10 (10), 2: 11-16 (6), 3: 17-28 (12),
  4: 29-35 (7), 5: 36-45 (10), 6: 46-47 (2). Measures encoded: arts 7, 21, 22 (two:
  paragraph 1 approval, paragraph 2 filing), 23-27, 28 (two: security review, filing), 32;
  penalties 36-41 and 43 (7). Fines stated in those penalties: 36 (500,000-5 million),
  37 (same), 39 (500,000-1 million), 40 (up to 500,000), 41 (1-10 million), 43 (persons,
  up to 500,000): 10 bounds.
- Export Control Law 2020 (经济法/出口管制法(2020-10-17).md): 5 chapters, chapter 2 in 3
  sections; 49 articles: chapter 1 arts 1-7 (7), 2: 8-27 (20: sections 8-20, 21-22, 23-27),
  3: 28-32 (5), 4: 33-44 (12), 5: 45-49 (5). Measures: arts 4, 9, 10, 12, 15-16 (one), 18,
  44, 48 and penalties 34, 37 (10).
- Dual-use items regulations 2024 (行政法规/两用物项出口管制条例(2024-09-30).md): 6 chapters,
  chapter 3 in 3 sections; 50 articles: 1-8 (8), 9-13 (5), 14-30 (17: 14-22, 23-27, 28-30),
  31-38 (8), 39-46 (8), 47-50 (4). Measures: 11, 13, 14, 26, 28-29 (one), 38, 49 and
  penalties 39, 43 (9). Article 50 repeals the 2002 biological regulations on 2024-12-01.
- Biological dual-use regulations 2002: 25 articles, no chapters; measures 2, 5, 7, 16, 17
  and penalty 18 (6); State Council Order No. 365 of 2002-10-14, in force 2002-12-01.
- Anti-Foreign Sanctions Law 2021: 16 articles, no chapters; measures 4, 6, 11, 12 (4);
  adopted 2021-06-10 by the 29th session of the 13th NPC Standing Committee.
- Its implementing provisions 2025: 22 articles, no chapters; measures 3, 8, 9, 13, 16, 19 (6).
- Control lists created: export control lists, the control list of importers and end users,
  the dual-use control list, the watch list, the 2002 biological control list, the
  countermeasure list (6).
"""

from __future__ import annotations

import re

import pytest

from conftest import GRAPHS, REPO
from test_data import ask, counts_test, read_counts, source_graphs

HGR, ECL, DUI, BIO, AFSL, AFSLP = source_graphs(
    "cn-hgr-regulation-2019", "cn-export-control-law-2020", "cn-dual-use-export-control-regulations-2024",
    "cn-biological-dual-use-export-control-regulations-2002", "cn-anti-foreign-sanctions-law-2021",
    "cn-afsl-implementing-provisions-2025")

COUNTS = read_counts("cn-rules.tsv")


def test_control_lists_created_by_the_texts(real_store):
    rows = real_store.query("""PREFIX bpo: <https://w3id.org/biopolicy/ontology#>
        SELECT DISTINCT ?l WHERE { ?m bpo:createsList ?l }""", use_default_graph_as_union=True)
    assert {r["l"].value.rsplit("/", 1)[1] for r in rows} >= {
        "cn-export-control-lists", "cn-export-control-control-list", "cn-dual-use-export-control-list",
        "cn-dual-use-watch-list", "cn-biological-dual-use-control-list", "cn-countermeasure-list"}


test_counts_match_the_text = counts_test(COUNTS)


def test_article_numbers_are_the_official_ones(real_store):
    """第一条 ... 第四十七条, each once, on art-1 ... art-47."""
    digits = "零一二三四五六七八九"

    def official(n: int) -> str:
        tens, units = divmod(n, 10)
        return "第" + ("" if tens == 0 else ("" if tens == 1 else digits[tens]) + "十") + (digits[units] if units else "") + "条"

    rows = real_store.query(f"""PREFIX bpo: <https://w3id.org/biopolicy/ontology#>
        SELECT ?x ?n WHERE {{ GRAPH {HGR} {{ ?x a bpo:Provision ; bpo:number ?n FILTER(STRENDS(?n, "条")) }} }}""")
    found = {r["x"].value.rsplit("/art-", 1)[1]: r["n"].value for r in rows}
    assert found == {str(n): official(n) for n in range(1, 48)}


KEY_FACTS = {
    "the 2024 dual-use regulations repeal the 2002 biological regulations on 2024-12-01 (art. 50)":
        f"""GRAPH {DUI} {{ ?r a bpo:Revocation ; dcterms:date "2024-12-01"^^xsd:date ;
            bpo:affects bp:document/cn-biological-dual-use-export-control-regulations-2002 ;
            bpo:effectedBy bp:provision/cn-dual-use-export-control-regulations-2024/art-50 .
            bp:document/cn-biological-dual-use-export-control-regulations-2002 eli:repealed_by bp:document/cn-dual-use-export-control-regulations-2024 }}""",
    "the Export Control Law: adopted 2020-10-17 by the NPC Standing Committee, in force 2020-12-01; its control list of importers and end users":
        f"""GRAPH {ECL} {{ ?a a bpo:Adoption ; dcterms:date "2020-10-17"^^xsd:date ; prov:wasAssociatedWith bp:agency/cn-npcsc .
            ?e a bpo:EntryIntoForce ; dcterms:date "2020-12-01"^^xsd:date .
            bp:measure/cn-export-control-law-2020/art-18-control-list bpo:createsList bp:list/cn-export-control-control-list .
            ?p a bpo:Penalty ; bpo:enforces bp:measure/cn-export-control-law-2020/art-18-control-list ; bpo:number "第三十七条" }}""",
    "the 2002 biological regulations: State Council Order No. 365 of 2002-10-14; recipients guarantee no biological-weapons use":
        f"""GRAPH {BIO} {{ ?p a bpo:Promulgation ; dcterms:date "2002-10-14"^^xsd:date ; bpo:number "国务院令第365号" .
            bp:measure/cn-biological-dual-use-export-control-regulations-2002/art-7-recipient-guarantees bpo:appliesTo ?r ;
            bpo:technology bp:concept/technology/biotechnology }}""",
    "the Anti-Foreign Sanctions Law creates the countermeasure list; the 2025 provisions extend it to hostile litigation":
        f"""GRAPH {AFSL} {{ bp:measure/cn-anti-foreign-sanctions-law-2021/art-4-countermeasure-list bpo:createsList bp:list/cn-countermeasure-list }}
            GRAPH {AFSLP} {{ bp:measure/cn-afsl-implementing-provisions-2025/art-19-litigation bpo:createsList bp:list/cn-countermeasure-list }}""",

    "HGR 2019: adopted 2019-03-20 by the State Council, promulgated by Order No. 717 on 2019-05-28, in force 2019-07-01 (art. 47)":
        f"""GRAPH {HGR} {{ bp:document/cn-hgr-regulation-2019 dcterms:isVersionOf bp:document/cn-hgr-regulation ;
            eli:passed_by bp:agency/cn-state-council ; eli:date_document "2019-03-20"^^xsd:date ;
            eli:date_publication "2019-05-28"^^xsd:date ; eli:first_date_entry_in_force "2019-07-01"^^xsd:date .
            ?a a bpo:Adoption ; dcterms:date "2019-03-20"^^xsd:date ; prov:generated bp:document/cn-hgr-regulation-2019 .
            ?p a bpo:Promulgation ; dcterms:date "2019-05-28"^^xsd:date ; bpo:number "国务院令第717号" .
            ?e a bpo:EntryIntoForce ; dcterms:date "2019-07-01"^^xsd:date ; bpo:effectedBy bp:provision/cn-hgr-regulation-2019/art-47 }}""",
    "HGR art. 7: foreign parties barred from collecting, storing or providing abroad, enforced by art. 41 (1 to 10 million yuan)":
        f"""GRAPH {HGR} {{ bp:measure/cn-hgr-regulation-2019/art-7-foreign-ban a bpo:Restriction , bpo:ExportControl ;
            bpo:appliesTo bp:party/cn-hgr-regulation-2019/foreign-parties .
            ?p a bpo:Penalty ; bpo:number "第四十一条" ; bpo:enforces bp:measure/cn-hgr-regulation-2019/art-7-foreign-ban ;
            bpo:leadAgent bp:agency/cn-state-council-sci-tech-dept ; bpo:hasAmount ?lo , ?hi .
            ?lo schema:value 1000000.0 ; schema:currency "CNY" ; bpo:bound bpo:AtLeast .
            ?hi schema:value 10000000.0 ; bpo:bound bpo:AtMost }}""",
    "HGR art. 22: international cooperation approved by the science and technology department; trials without export only filed":
        f"""GRAPH {HGR} {{ bp:measure/cn-hgr-regulation-2019/art-22-cooperation-approval bpo:leadAgent bp:agency/cn-state-council-sci-tech-dept ;
            bpo:appliesTo bp:party/cn-hgr-regulation-2019/cooperation-partners ; dcterms:isPartOf bp:provision/cn-hgr-regulation-2019/art-22 .
            bp:measure/cn-hgr-regulation-2019/art-22-trial-filing bpo:number "第二十二条第二款" }}""",
    "HGR art. 26: the cooperation report is due 6 months after the cooperation ends":
        f"""GRAPH {HGR} {{ bp:measure/cn-hgr-regulation-2019/art-26-final-report bpo:hasDeadline ?d .
            ?d bpo:duration "P6M"^^xsd:duration ; bpo:trigger bp:event/cn-hgr-regulation-2019/cooperation-ends }}""",
    "HGR art. 27: exit certificate, customs clears on it; art. 38: customs punishes unapproved exports":
        f"""GRAPH {HGR} {{ bp:measure/cn-hgr-regulation-2019/art-27-exit-certificate a bpo:ExportControl ; bpo:consultedAgent bp:agency/cn-customs .
            ?p bpo:number "第三十八条" ; bpo:leadAgent bp:agency/cn-customs ; bpo:enforces bp:measure/cn-hgr-regulation-2019/art-27-exit-certificate }}""",
    "HGR art. 28: security review and filing with backup for information to foreign parties; art. 39 punishes a missing filing":
        f"""GRAPH {HGR} {{ bp:measure/cn-hgr-regulation-2019/art-28-security-review a bpo:DataMeasure ; bpo:leadAgent bp:agency/cn-state-council-sci-tech-dept .
            ?p bpo:number "第三十九条" ; bpo:leadAgent bp:agency/cn-hgr-regulation-2019/provincial-st-departments ;
            bpo:enforces bp:measure/cn-hgr-regulation-2019/art-28-information-filing }}""",
}


@pytest.mark.parametrize("fact", KEY_FACTS, ids=list(KEY_FACTS))
def test_key_fact(real_store, fact):
    assert ask(real_store, KEY_FACTS[fact]), fact


TEXTS = {  # graph under sources/ -> file in LawRefBook/Laws at the commit above
    "cn-hgr-regulation-2019": "行政法规/人类遗传资源管理条例(2019-05-28).md",
    "cn-export-control-law-2020": "经济法/出口管制法(2020-10-17).md",
    "cn-dual-use-export-control-regulations-2024": "行政法规/两用物项出口管制条例(2024-09-30).md",
    "cn-biological-dual-use-export-control-regulations-2002": "行政法规/生物两用品及相关设备和技术出口管制条例(2002-10-14).md",
    "cn-anti-foreign-sanctions-law-2021": "宪法相关法/反外国制裁法(2021-06-10).md",
    "cn-afsl-implementing-provisions-2025": "行政法规/实施《反外国制裁法》的规定(2025-03-23).md",
}
LAWS = REPO / "tests" / "fixtures" / "laws"  # those files, copied (its README)


@pytest.mark.parametrize("graph", TEXTS)
def test_no_summary_or_measure_label_copies_a_sentence_of_the_text(real_store, graph):
    """Summaries and measure labels are the editors' words: none contains a clause (between
    commas or stops) of 12 or more characters of the text. Titles, headings and the names of
    classes of parties are names, which may be quoted."""
    text = (LAWS / TEXTS[graph]).read_text(encoding="utf-8")
    clauses = {c for c in re.split(r"[，。；：\s]", text) if len(c) >= 12}
    rows = real_store.query(f"""PREFIX bpo: <https://w3id.org/biopolicy/ontology#>
        SELECT ?v WHERE {{ GRAPH <{GRAPHS}sources/{graph}> {{
            {{ ?s a bpo:Provision ; <http://purl.org/dc/terms/description> ?v }} UNION {{ ?s a bpo:Directive ; <http://www.w3.org/2000/01/rdf-schema#label> ?v }}
            FILTER(LANG(?v) = "zh") }} }}""")
    values = [r["v"].value for r in rows]
    assert values
    assert [(v, c) for v in values for c in clauses if c in v] == []
