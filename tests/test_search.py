"""kgtool/web/search.py: finding a resource by a part of its name, in English or Chinese
(Chinese has no spaces between words, so the match is by substring), case- and
width-insensitive; the best fit first, each resource once."""

from __future__ import annotations

from kgtool.web.search import Hit, Name, Names, fold

from conftest import BP

WUXI = BP + "company/wuxi-apptec"


def names(*rows: tuple[str, str, str, int]) -> Names:
    return Names([Name(iri, text, lang, rank, fold(text)) for iri, text, lang, rank in rows])


def test_a_part_of_a_name_is_found_in_either_script_whatever_its_case_or_width():
    found = names((WUXI, "WuXi AppTec", "en", 0), (WUXI, "药明康德", "zh", 0),
                  (BP + "agency/us-dod", "国防部", "zh", 0))
    for text in ("wuxi", "WUXI", "ＷｕＸｉ", "apptec", "药明", "康德", " 药明 "):
        assert [hit.iri for hit in found.search(text)] == [WUXI], text
    assert found.search("药明")[0] == Hit(WUXI, "药明康德", "zh")
    assert found.search("国防")[0].iri == BP + "agency/us-dod"
    assert found.search("pfizer") == [] and found.search("  ") == []


def test_the_whole_name_before_its_start_before_a_word_before_the_inside():
    found = names(("inside", "Counterexample", "en", 0), ("word", "An example office", "en", 0),
                  ("start", "Example Agency", "en", 0), ("whole", "Example", "en", 0), ("alias", "Example", "en", 1),
                  ("after-bracket", "Office (example)", "en", 0))
    ranked = ["whole", "alias", "start", "after-bracket", "word", "inside"]
    assert [hit.iri for hit in found.search("example")] == ranked


def test_each_resource_comes_once_under_its_best_name_and_the_list_is_cut():
    found = names(("a", "Example office", "en", 0), ("a", "Example", "en", 1), ("b", "Examples", "en", 0),
                  ("c", "Example c", "en", 0))
    assert found.search("example") == [Hit("a", "Example", "en"), Hit("b", "Examples", "en"),
                                       Hit("c", "Example c", "en")]
    assert [hit.iri for hit in found.search("example", limit=2)] == ["a", "b"]


def test_the_names_are_read_from_the_store_for_our_resources_only(mini_store):
    found = Names.read(mini_store, (BP,))
    assert found.search("示例机构") == [Hit(BP + "agency/example-agency", "示例机构", "zh")]
    assert all(name.iri.startswith(BP) for name in found.names)
    assert {n.lang for n in found.names if n.iri == BP + "agency/example-agency"} == {"en", "zh"}
