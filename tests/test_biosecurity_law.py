"""The Biosecurity Law of the People's Republic of China, 2020 and 2024 texts, against the texts.

Every number below was counted by hand in the two files of GitHub LawRefBook/Laws at
commit 2f4c5c23716267af9dbebbbbd6cbbf732b101981 (行政法/生物安全法(2020-10-17).md and
行政法/生物安全法(2024-04-26).md), not from the graph:
- chapters: the "## 第N章" headings, 第一章 to 第十章, 10 in each text;
- articles: the paragraphs opening with "第N条", 第一条 to 第八十八条, 88 in each text, by
  chapter 9, 17, 7, 8, 11, 8, 5, 6, 13, 4 (第一章 第一条-第九条, 第二章 第十条-第二十六条,
  第三章 第二十七条-第三十三条, 第四章 第三十四条-第四十一条, 第五章 第四十二条-第五十二条,
  第六章 第五十三条-第六十条, 第七章 第六十一条-第六十五条, 第八章 第六十六条-第七十一条,
  第九章 第七十二条-第八十四条, 第十章 第八十五条-第八十八条);
- the 2024 amendment changed 5 articles, 54, 56, 57, 79 and 80 (reading the two texts side
  by side, each hit of a line-by-line diff checked by eye): in each, 国务院科学技术主管部门
  becomes 国务院卫生健康主管部门 (in 54 also the order of the departments of its third
  paragraph); the other 83 are word for word the same;
- chapter 6 as measures, per version: 53(1); 54(1), (2), (3); 55; 56(1) items 1-4, 56(3),
  56(4); 57; 58(1), (2); 59(1), (2); 60(1), (2), (3) = 19 rules, and the penalties 79, 80,
  81(1), 81(2) = 4, 23 measures; 53(2) (sovereignty) is one claim. 56(2) is an exemption,
  recorded as the condition of the four items of 56(1); conditions are recorded on 9 rules
  (55, the four items of 56(1), 56(3), 57, 58(1), 59(2)).
"""

from __future__ import annotations

import pytest

from conftest import BP, GRAPHS
from test_data import PREFIXES as BASE_PREFIXES, count, expand

PREFIXES = BASE_PREFIXES + "PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"

G2020 = f"<{GRAPHS}sources/cn-biosecurity-law-2020>"
G2024 = f"<{GRAPHS}sources/cn-biosecurity-law-2024>"
DIFF = f"<{GRAPHS}links/cn-biosecurity-law-versions>"
LINKS = f"<{GRAPHS}links/commentary-to-primary>"
CHAPTER_SIZES = [9, 17, 7, 8, 11, 8, 5, 6, 13, 4]
CHANGED = {54, 56, 57, 79, 80}
CN = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """56 -> 五十六, 10 -> 十, 88 -> 八十八: how the law writes its article numbers."""
    tens, units = divmod(n, 10)
    return (("" if tens == 1 else CN[tens]) + "十" if tens else "") + (CN[units] if units else "")


def test_cn_number():
    assert [cn_number(n) for n in (1, 10, 11, 20, 56, 88)] == ["一", "十", "十一", "二十", "五十六", "八十八"]


COUNTS = []
for v, g in ((2020, G2020), (2024, G2024)):
    doc = f"bp:document/cn-biosecurity-law-{v}"
    COUNTS += [
        (g, f"{v} chapters", f"?x a bpo:Provision ; dcterms:isPartOf {doc}", 10),
        (g, f"{v} articles", f"?x a bpo:Provision ; dcterms:isPartOf ?c . ?c dcterms:isPartOf {doc}", 88),
        (g, f"{v} measures", "?x a bpo:Directive", 23),
        (g, f"{v} penalties", "?x a bpo:Penalty", 4),
        (g, f"{v} measures of chapter 6", f"?x a bpo:Directive ; dcterms:isPartOf ?a . ?a dcterms:isPartOf bp:provision/cn-biosecurity-law-{v}/ch-6", 19),
        (g, f"{v} rules with a condition", "?x bpo:condition ?c", 9),
        (g, f"{v} claims", "?x a bpo:Claim", 1),
        (g, f"{v} rules binding foreign parties", "?x bpo:appliesTo bp:party/cn-biosecurity-law/foreign-parties", 3),
    ]
    COUNTS += [(g, f"{v} articles of chapter {i}", f"?x a bpo:Provision ; dcterms:isPartOf bp:provision/cn-biosecurity-law-{v}/ch-{i}", n)
               for i, n in enumerate(CHAPTER_SIZES, 1)]
COUNTS += [
    (DIFF, "articles changed in 2024", "?x prov:wasRevisionOf ?old", 5),
    (DIFF, "articles unchanged in 2024", "?x bpo:unchangedFrom ?old", 83),
]


@pytest.mark.parametrize("graph,what,pattern,expected", COUNTS, ids=[w for _, w, _, _ in COUNTS])
def test_counts_match_the_text(real_store, graph, what, pattern, expected):
    assert count(real_store, graph, pattern) == expected


def ask(store, body: str) -> bool:
    return bool(store.query(f"{PREFIXES} ASK {{ {expand(body)} }}", use_default_graph_as_union=True))


def rows(store, query):
    return [tuple(t.value for t in r) for r in store.query(f"{PREFIXES} {expand(query)}", use_default_graph_as_union=True)]


@pytest.mark.parametrize("version", [2020, 2024])
def test_every_article_has_its_number_place_chapter_and_labels(real_store, version):
    """Article N is 第N条 (in the law's numerals), at position N, in the chapter the text puts
    it in, with one English and one Chinese label in this version's graph."""
    graph = G2020 if version == 2020 else G2024
    got = rows(real_store, f"""SELECT ?pos ?number ?chapter (COUNT(DISTINCT ?en) AS ?n_en) (COUNT(DISTINCT ?zh) AS ?n_zh) WHERE {{
        GRAPH {graph} {{ ?a a bpo:Provision ; bpo:number ?number ; schema:position ?pos ; dcterms:isPartOf ?c ;
                             rdfs:label ?en , ?zh .
            ?c schema:position ?chapter ; dcterms:isPartOf bp:document/cn-biosecurity-law-{version} .
            FILTER(LANG(?en) = "en" && LANG(?zh) = "zh") }} }} GROUP BY ?pos ?number ?chapter ORDER BY ?pos""")
    chapter_of = [c for c, size in enumerate(CHAPTER_SIZES, 1) for _ in range(size)]
    assert got == [(str(n), f"第{cn_number(n)}条", str(chapter_of[n - 1]), "1", "1") for n in range(1, 89)]


@pytest.mark.parametrize("version", [2020, 2024])
def test_every_chapter_has_its_number(real_store, version):
    graph = G2020 if version == 2020 else G2024
    got = rows(real_store, f"""SELECT ?pos ?number WHERE {{ GRAPH {graph} {{
        ?c a bpo:Provision ; dcterms:isPartOf bp:document/cn-biosecurity-law-{version} ; bpo:number ?number ; schema:position ?pos }} }}
        ORDER BY ?pos""")
    assert got == [(str(n), f"第{cn_number(n)}章") for n in range(1, 11)]


def test_the_diff_pairs_each_2024_article_with_the_2020_article_of_its_number(real_store):
    got = rows(real_store, f"""SELECT ?new ?link ?old WHERE {{ GRAPH {DIFF} {{ ?new ?link ?old
        FILTER(?link IN (prov:wasRevisionOf, bpo:unchangedFrom)) }} }}""")
    assert len(got) == 88
    for new, link, old in got:
        n = new.removeprefix(BP + "provision/cn-biosecurity-law-2024/art-")
        assert old == f"{BP}provision/cn-biosecurity-law-2020/art-{n}"
        assert link.endswith("wasRevisionOf") == (int(n) in CHANGED), n
    changed = rows(real_store, f"SELECT ?new ?en ?zh WHERE {{ GRAPH {DIFF} {{ ?new prov:wasRevisionOf ?old ; skos:changeNote ?en , ?zh FILTER(LANG(?en) = 'en' && LANG(?zh) = 'zh') }} }}")
    assert {int(r[0].rsplit("-", 1)[1]) for r in changed} == CHANGED


KEY_FACTS = {
    "2020: adopted 2020-10-17 by the NPC Standing Committee at the 22nd session of the 13th NPCSC":
        f"""GRAPH {G2020} {{ ?e a bpo:Adoption ; dcterms:date "2020-10-17"^^xsd:date ; prov:generated bp:document/cn-biosecurity-law-2020 ;
            prov:wasAssociatedWith bp:agency/cn-npcsc ; schema:superEvent bp:event/cn-npcsc-13-session-22 .
            bp:event/cn-npcsc-13-session-22 rdfs:label "第十三届全国人民代表大会常务委员会第二十二次会议"@zh .
            bp:document/cn-biosecurity-law-2020 dcterms:isVersionOf bp:document/cn-biosecurity-law ; eli:passed_by bp:agency/cn-npcsc ;
            eli:date_document "2020-10-17"^^xsd:date }}""",
    "2020: in force from 2021-04-15 by article 88":
        f"""GRAPH {G2020} {{ ?e a bpo:EntryIntoForce ; dcterms:date "2021-04-15"^^xsd:date ; bpo:affects bp:document/cn-biosecurity-law-2020 ;
            bpo:effectedBy bp:provision/cn-biosecurity-law-2020/art-88 .
            bp:document/cn-biosecurity-law-2020 eli:first_date_entry_in_force "2021-04-15"^^xsd:date .
            bp:provision/cn-biosecurity-law-2020/art-88 bpo:number "第八十八条" }}""",
    "2024: amended 2024-04-26 at the 9th session of the 14th NPCSC by the decision amending three laws":
        f"""GRAPH {G2024} {{ ?e a bpo:Amendment ; dcterms:date "2024-04-26"^^xsd:date ; prov:generated bp:document/cn-biosecurity-law-2024 ;
            bpo:affects bp:document/cn-biosecurity-law-2020 ; bpo:effectedBy ?decision ; schema:superEvent bp:event/cn-npcsc-14-session-9 .
            ?decision eli:amends bp:document/cn-biosecurity-law-2020 ;
                dcterms:title "关于修改〈中华人民共和国农业技术推广法〉、〈中华人民共和国未成年人保护法〉、〈中华人民共和国生物安全法〉的决定"@zh .
            bp:event/cn-npcsc-14-session-9 rdfs:label "第十四届全国人民代表大会常务委员会第九次会议"@zh .
            bp:document/cn-biosecurity-law-2024 dcterms:isVersionOf bp:document/cn-biosecurity-law ;
                prov:wasRevisionOf bp:document/cn-biosecurity-law-2020 }}""",
    "2020, 56(1)(iii): international cooperation with human genetic resources needs the science and technology department's approval":
        f"""GRAPH {G2020} {{ bp:measure/cn-biosecurity-law-2020/art-56-1-3 a bpo:Restriction ; bpo:number "第五十六条第一款第三项" ;
            bpo:leadAgent bp:agency/cn-state-council-sci-tech-dept ; dcterms:isPartOf bp:provision/cn-biosecurity-law-2020/art-56 }}""",
    "2024, 56(1)(iii): the same approval now by the health department":
        f"""GRAPH {G2024} {{ bp:measure/cn-biosecurity-law-2024/art-56-1-3 bpo:leadAgent bp:agency/cn-state-council-health-dept }}""",
    "56(4) bans foreign parties outright; article 80 punishes it":
        f"""GRAPH {G2020} {{ bp:measure/cn-biosecurity-law-2020/art-56-4 bpo:appliesTo bp:party/cn-biosecurity-law/foreign-parties .
            bp:measure/cn-biosecurity-law-2020/art-80 a bpo:Penalty ; bpo:enforces bp:measure/cn-biosecurity-law-2020/art-56-4 ;
            bpo:appliesTo bp:party/cn-biosecurity-law/foreign-parties ; bpo:leadAgent bp:agency/cn-state-council-sci-tech-dept }}""",
    "79 enforces the approvals of 56(1)(i)-(iii)":
        f"""GRAPH {G2024} {{ bp:measure/cn-biosecurity-law-2024/art-79 bpo:enforces bp:measure/cn-biosecurity-law-2024/art-56-1-1 ,
            bp:measure/cn-biosecurity-law-2024/art-56-1-2 , bp:measure/cn-biosecurity-law-2024/art-56-1-3 ;
            bpo:leadAgent bp:agency/cn-state-council-health-dept }}""",
    "the 2020 text names the department by its remit, in the reference data with both names":
        """bp:agency/cn-state-council-sci-tech-dept rdfs:label "国务院科学技术主管部门"@zh , "State Council department in charge of science and technology"@en""",
}


@pytest.mark.parametrize("fact", KEY_FACTS, ids=list(KEY_FACTS))
def test_key_fact(real_store, fact):
    assert ask(real_store, KEY_FACTS[fact]), fact


def test_no_promulgation_or_order_number_is_invented(real_store):
    """Neither text states a promulgation date or a presidential order number."""
    for graph in (G2020, G2024):
        assert not ask(real_store, f"GRAPH {graph} {{ ?e a bpo:Promulgation }}")
        assert not ask(real_store, f"GRAPH {graph} {{ ?e a ?k ; bpo:number ?n FILTER(?k != bpo:Provision) FILTER(!STRSTARTS(?n, '第')) }}")
        assert not ask(real_store, f"GRAPH {graph} {{ ?d eli:date_publication ?date }}")
    # the 2024 text does not say when the amendment took effect
    assert not ask(real_store, f"GRAPH {G2024} {{ bp:document/cn-biosecurity-law-2024 eli:first_date_entry_in_force ?d }}")


def test_the_commentary_mention_reaches_the_articles_in_one_hop(real_store):
    """The EO commentary's claim about the Biosecurity Law links straight to the 2020 articles
    on human genetic resources: one bpo:describes from the claim to each article."""
    got = rows(real_store, f"""SELECT ?number WHERE {{
        GRAPH <{GRAPHS}sources/eo-14081-commentary> {{ ?claim schema:about bp:document/cn-biosecurity-law ;
                                                            bpo:statedBy bp:document/eo-14081-commentary }}
        GRAPH {LINKS} {{ ?claim bpo:describes ?article }}
        GRAPH {G2020} {{ ?article a bpo:Provision ; bpo:number ?number ; schema:position ?pos }}
    }} ORDER BY ?pos""")
    assert [r[0] for r in got] == ["第五十三条", "第五十四条", "第五十五条", "第五十六条", "第五十七条", "第五十九条", "第七十九条", "第八十条"]
