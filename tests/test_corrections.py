"""Corrections from a read of the data against its sources (issue 14, point 5).

Each test states what the source says, read by hand, and fails on the data as it stood
before the correction:
- NSCEB commentary, strategic action 4: 必须确保研究人员拥有继续在美国进行研究所需的工具
  (researchers must have the tools to go on doing research in the US), not "keep research
  tools in the US";
- its recommendation 3.3: 特定的、高度精密的 ("specific, highly sophisticated") products;
- its count 近50条: "nearly 50", a little under fifty, not "about 50";
- EO commentary: 国家情报局 and 国家安全局 are read the same way (the body the name denotes)
  and each statement says what the order names there (sec. 11: the DNI; the APNSA);
- 国务院 alone reads as China's State Council: the State Department is 美国国务院;
- H.R. 7085 names BGI, the group (华大集团); 华大基因 is BGI Genomics, its listed subsidiary;
- EO 14081 sec. 9(a): the Biosafety and Biosecurity Innovation Initiative "shall be
  established by the Secretary of HHS"; the order says nothing of who administers it.
"""

from __future__ import annotations

from conftest import GRAPHS
from test_data import PREFIXES, ask, expand

NSCEB = f"<{GRAPHS}sources/nsceb-report-commentary>"
EO_COMMENTARY = f"<{GRAPHS}sources/eo-14081-commentary>"
EO = f"<{GRAPHS}sources/eo-14081>"
HR7085 = f"<{GRAPHS}sources/hr-7085-118>"


def labels(store, iri: str) -> dict[str, str]:
    rows = store.query(f"{PREFIXES} SELECT ?l WHERE {{ {expand(iri)} rdfs:label|skos:prefLabel ?l }}",
                       use_default_graph_as_union=True)
    return {r["l"].language: r["l"].value for r in rows}


def notes(store, graph: str, iri: str) -> str:
    rows = store.query(f"{PREFIXES} SELECT ?n WHERE {{ GRAPH {graph} {{ {expand(iri)} skos:note ?n }} }}")
    return " ".join(r["n"].value for r in rows)


def test_strategic_action_4_is_about_researchers_having_the_tools(real_store):
    label = labels(real_store, "bp:provision/nsceb-commentary/sa-4")
    assert "researchers have the tools" in label["en"] and "keep research tools" not in label["en"]
    assert "研究人员拥有继续在美国开展研究所需的工具" in label["zh"]


def test_recommendation_3_3_products_are_specific_and_highly_sophisticated(real_store):
    label = labels(real_store, "bp:measure/nsceb-commentary/export-controls-china")
    assert "specific, highly sophisticated" in label["en"] and "highly advanced" not in label["en"]
    assert "特定的、高度精密的" in label["zh"] and "高精尖" not in label["zh"]


def test_nearly_fifty_is_a_bound_below_not_an_approximation(real_store):
    assert ask(real_store, f"GRAPH {NSCEB} {{ bp:claim/nsceb-commentary/recommendation-count schema:value 50.0 ; bpo:bound bpo:Nearly }}")
    assert labels(real_store, "bpo:Nearly") == {"en": "nearly", "zh": "近"}


def test_both_chinese_names_of_sec_11_are_read_alike_and_the_order_is_stated(real_store):
    """The lead 国家情报局 and the recipient 国家安全局 stay the bodies the commentary names,
    each a reading noted on the agency; each statement names the order's post and section."""
    odni = notes(real_store, f"<{GRAPHS}reference/agencies>", "bp:agency/us-odni")
    nsa = notes(real_store, f"<{GRAPHS}reference/agencies>", "bp:agency/us-nsa")
    assert "国家情报局" in odni and "Director of National Intelligence" in odni
    assert "国家安全局" in nsa and "Assistant to the President for National Security Affairs" in nsa
    assessment = notes(real_store, EO_COMMENTARY, "bp:measure/eo-14081-commentary/threat-assessment")
    assert all(s in assessment for s in ("国家情报局", "Director of National Intelligence", "sec. 11(a)",
                                          "国家安全局", "Assistant to the President for National Security Affairs", "sec. 11(b)"))
    delivered = notes(real_store, EO_COMMENTARY, "bp:deliverable/eo-14081-commentary/threat-assessment")
    assert "国家安全局" in delivered and "Assistant to the President for National Security Affairs" in delivered and "sec. 11(b)" in delivered
    plan = notes(real_store, EO_COMMENTARY, "bp:measure/eo-14081-commentary/risk-mitigation-plan")
    assert "国家安全局" in plan and "Assistant to the President for National Security Affairs" in plan and "sec. 11(c)" in plan


def test_state_department_chinese_label_is_not_china_state_council(real_store):
    assert labels(real_store, "bp:agency/us-dos")["zh"] == "美国国务院"
    itsi = labels(real_store, "bp:measure/nsceb-commentary/itsi-fund")["zh"]
    assert "美国国务院" in itsi


def test_bgi_is_the_group_not_bgi_genomics(real_store):
    assert labels(real_store, "bp:company/bgi") == {"en": "BGI", "zh": "华大集团"}
    assert "华大基因" not in labels(real_store, "bp:claim/hr-7085-118/sec-2-a-5")["zh"]
    assert ask(real_store, f"GRAPH {HR7085} {{ bp:company/bgi dcterms:source ?page }}")


def test_hhs_initiative_is_established_by_the_secretary_not_administered_by_hhs(real_store):
    initiative = "bp:programme/eo-14081/biosafety-biosecurity-innovation-initiative"
    assert not ask(real_store, f"{initiative} bpo:administeredBy ?anyone")
    assert ask(real_store, f"""GRAPH {EO} {{ bp:measure/eo-14081/sec-9-a bpo:establishes {initiative} ;
        bpo:leadAgent bp:post/us-secretary-of-hhs }}""")
    note = notes(real_store, EO, initiative)
    assert "the Secretary of HHS establishes it" in note and "does not say who administers" in note
