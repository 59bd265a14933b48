"""The web pages for people (issue 17), in headless Chromium against `kgtool serve` over
the project's data: every page in the reader's language, forms with choices, document
and entity pages, search, the query editor, linked data by content negotiation and the
dataset's VoID description.

Expected values come from the data files and the query headers' titles, not from the
code under test. The server and browser fixtures are those of tests/test_serve.py."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from selenium.webdriver.common.by import By

from conftest import GRAPHS, REPO, by_id, http, screenshot

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def test_chinese_deadline_timeline_has_no_latin_words(server, browser):
    """Headers are the `#+ column:` titles, codes are in words (推算), durations read 90 天,
    dates 2023年3月11日; what is left in Latin script is codes such as 8102(a)(1)(A)."""
    browser.get(server + "/query/deadline-timeline?lang=zh")
    table = by_id(browser, "results")
    headers = [th.text for th in table.find_elements(By.TAG_NAME, "th")]
    assert headers[:3] == ["截止日期", "截止日期来源", "期限"]
    text = table.text
    assert LATIN_WORD.findall(text) == [], LATIN_WORD.findall(text)[:20]
    assert "2023年3月11日" in text and "180 天" in text and "推算" in text  # EO 14081 signed 2022-09-12 + 180 days
    screenshot(browser, "query-deadline-timeline-zh")
    browser.get(server + "/query/deadline-timeline?lang=en")
    text = by_id(browser, "results").text
    assert "11 March 2023" in text and "180 days" in text and "derived" in text
    screenshot(browser, "query-deadline-timeline-en")


def test_saved_query_page_keeps_the_endpoints_row_cap_and_offers_downloads(server, browser):
    """The server runs with --max-rows 25 (tests/test_serve.py); deadline-timeline has more
    rows than that (EO 14081 alone has over 25 deadlines)."""
    browser.get(server + "/query/deadline-timeline?lang=en")
    rows = by_id(browser, "results").find_elements(By.TAG_NAME, "tr")
    assert len(rows) == 1 + 25
    assert "Only the first 25 rows" in browser.page_source
    csv_link = by_id(browser, "download-csv").get_attribute("href")
    status, headers, body = http(csv_link)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert body.decode("utf-8").splitlines()[0].startswith("due_date,due_date_kind,duration")
    status, headers, body = http(by_id(browser, "download-json").get_attribute("href"))
    assert status == 200 and b'"bindings"' in body


def test_a_form_parameter_is_chosen_from_a_list_of_labels(server, browser):
    from selenium.webdriver.support.ui import Select

    browser.get(server + "/query/shared-themes?lang=en")
    first = Select(browser.find_element(By.NAME, "document_a"))
    assert first.first_selected_option.text.startswith("Executive Order 14081")  # the default, by name
    assert "第14081号行政命令" in first.first_selected_option.text  # and in the other script
    first.select_by_visible_text("BIOSECURE Act (H.R. 8333, 118th Congress, as referred in the Senate) "
                                 "(美国生物安全法案（第118届国会众议院第8333号法案，参议院收到文本）)")
    browser.find_element(By.NAME, "document_a").submit()
    assert "document_a=https%3A%2F%2Fw3id.org%2Fbiopolicy%2Fid%2Fdocument%2Fhr-8333-118" in browser.current_url
    assert Select(browser.find_element(By.NAME, "document_a")).first_selected_option.text.startswith("BIOSECURE Act (H.R. 8333")
    assert len(by_id(browser, "results").find_elements(By.TAG_NAME, "tr")) > 1
    screenshot(browser, "query-form-en")


def test_a_wrong_value_is_explained_in_the_page_language(server, browser):
    browser.get(server + "/query/china-targets?lang=zh&country=not-an-iri")
    problem = by_id(browser, "problem").text
    assert "不是" in problem and "国家" in problem and "从列表中选择" in problem
    browser.get(server + "/query/no-such-query?lang=zh")
    assert "没有名为" in browser.page_source
    status, _, body = http(server + "/no/such/page?lang=zh")
    assert status == 404 and "没有这个页面" in body.decode("utf-8")


def search_box(browser, server, text: str, lang: str) -> None:
    browser.get(f"{server}/timeline?lang={lang}")  # the box is on every page
    box = by_id(browser, "search-box")
    box.send_keys(text)
    box.submit()


def test_search_reaches_wuxi_apptec_in_either_script(server, browser):
    for text, lang, name in (("wuxi", "en", "WuXi AppTec"), ("药明", "zh", "药明康德")):
        search_box(browser, server, text, lang)
        results = by_id(browser, "search-results").find_elements(By.TAG_NAME, "a")
        assert results[0].text == name  # the company itself ranks before statements naming it
        screenshot(browser, f"search-{lang}")
        results[0].click()
        assert browser.current_url.endswith("/id/company/wuxi-apptec")
        assert browser.find_element(By.TAG_NAME, "h1").text == name


WUXI = "https://w3id.org/biopolicy/id/company/wuxi-apptec"


@pytest.mark.parametrize("accept, suffix, fmt, media", [
    ("text/turtle", "", "turtle", "text/turtle"),
    ("application/n-triples", "", "nt", "application/n-triples"),
    ("application/ld+json", "", "json-ld", "application/ld+json"),
    ("application/rdf+xml;q=0.9, text/html;q=0.5", "", "xml", "application/rdf+xml"),
    ("", ".ttl", "turtle", "text/turtle"),
    ("text/html", ".jsonld", "json-ld", "application/ld+json"),
])
def test_id_answers_rdf_by_content_negotiation(server, accept, suffix, fmt, media):
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDFS

    status, headers, body = http(f"{server}/id/company/wuxi-apptec{suffix}", headers={"Accept": accept} if accept else {})
    assert status == 200 and headers["Content-Type"].split(";")[0] == media
    assert "Accept" in headers["Vary"]
    graph = Graph().parse(data=body, format=fmt)
    wuxi = URIRef(WUXI)
    assert (wuxi, RDFS.label, Literal("WuXi AppTec", lang="en")) in graph  # data/reference/people-and-companies.ttl
    assert (wuxi, RDFS.label, Literal("药明康德", lang="zh")) in graph
    assert {s for s in graph.subjects()} == {wuxi}


def test_id_answers_html_by_default_and_varies_by_accept(server):
    status, headers, body = http(f"{server}/id/company/wuxi-apptec", headers={"Accept": "text/html,*/*;q=0.8"})
    assert status == 200 and headers["Content-Type"].startswith("text/html") and "Accept" in headers["Vary"]
    status, _, _ = http(f"{server}/id/company/no-such-company", headers={"Accept": "text/turtle"})
    assert status == 404


def test_endpoint_reads_carry_cors_headers(server):
    query = "ASK { ?s ?p ?o }"
    status, headers, _ = http(f"{server}/sparql?query={query.replace(' ', '%20')}", headers={"Origin": "https://example.org"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    request = {"Origin": "https://example.org", "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "content-type"}
    status, headers, _ = http_method(f"{server}/sparql", "OPTIONS", request)
    assert status == 200 and "POST" in headers["Access-Control-Allow-Methods"]


def http_method(url: str, method: str, headers: dict):
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers, method=method), timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def stats_counts() -> dict[str, int]:
    """Triples per graph as `kgtool stats` prints them (lines `  N  graph:NAME`)."""
    done = subprocess.run([sys.executable, "-m", "kgtool.cli", "--root", str(REPO), "stats"],
                          capture_output=True, text=True, check=True)
    counts = {}
    for line in done.stdout.splitlines():
        words = line.split()
        if len(words) == 2 and words[1].startswith("graph:"):
            counts[GRAPHS + words[1].removeprefix("graph:")] = int(words[0])
    return counts


def test_well_known_void_counts_what_kgtool_stats_counts(server):
    from rdflib import Graph, Namespace, URIRef
    from rdflib.namespace import RDF

    void = Namespace("http://rdfs.org/ns/void#")
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    status, headers, body = http(f"{server}/.well-known/void")
    assert status == 200
    graph = Graph().parse(data=body, format="turtle")
    datasets = set(graph.subjects(void.subset, None))
    assert len(datasets) == 1
    dataset = datasets.pop()
    assert (dataset, RDF.type, void.Dataset) in graph
    counts = {str(graph.value(part, sd.name)): int(graph.value(part, void.triples)) for part in graph.objects(dataset, void.subset)}
    expected = stats_counts()
    assert expected and counts == expected
    assert int(graph.value(dataset, void.triples)) == sum(expected.values())
    assert (dataset, void.sparqlEndpoint, URIRef(server + "/sparql")) in graph
    dumps = set(graph.objects(dataset, void.dataDump))
    assert URIRef(server + "/release/biopolicy.nq") in dumps
    status, _, nquads = http(server + "/release/biopolicy.nq")
    assert status == 200 and nquads.count(b"\n") == sum(expected.values())
    assert URIRef("http://www.w3.org/ns/org#") in set(graph.objects(dataset, void.vocabulary))


def test_sparql_shows_the_editor_runs_a_query_and_shows_the_table(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/sparql?lang=en")
    assert browser.find_element(By.CSS_SELECTOR, ".yasqe .CodeMirror")  # the editor, from /static/yasgui
    browser.execute_script("window.kgtoolYasgui.getTab().setQuery(arguments[0]);",
                           "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                           "SELECT ?label WHERE { <https://w3id.org/biopolicy/id/document/eo-14081> rdfs:label ?label }")
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    WebDriverWait(browser, 30).until(lambda b: "Executive Order 14081" in b.find_element(By.CSS_SELECTOR, ".yasr").text)
    table = browser.find_element(By.CSS_SELECTOR, ".yasr table")
    assert "第14081号行政命令" in table.text
    screenshot(browser, "sparql-en")


def test_document_page_lists_eo_14081s_sections_in_order(server, browser):
    """EO 14081 has sections 1 to 14 (data/sources/eo-14081.ttl, from the order's text);
    the page lists them in that order, with their measures under them."""
    browser.get(server + "/id/document/eo-14081?lang=en")
    contents = by_id(browser, "contents")
    top = contents.find_elements(By.XPATH, "./li")
    assert [li.get_attribute("data-number") for li in top] == [str(n) for n in range(1, 15)]
    assert top[9].find_element(By.TAG_NAME, "a").text == "Executive Order 14081, section 10: Measuring the Bioeconomy"
    section_10 = [li.get_attribute("data-number") for li in top[9].find_elements(By.CSS_SELECTOR, "li.part")]
    assert section_10[:3] == ["10(a)", "10(b)", "10(b)(i)"]
    assert "180 days · due 11 March 2023 (derived)" in contents.text  # signed 2022-09-12 + 180 days
    assert "12 September 2022" in by_id(browser, "history").text  # the signing
    assert "Executive order" in by_id(browser, "summary").text
    screenshot(browser, "document-en")
    browser.get(server + "/id/document/eo-14081?lang=zh")
    assert "180 天 · 截止 2023年3月11日（推算）" in by_id(browser, "contents").text
    assert by_id(browser, "differences")  # where the commentary differs (commentary-differences)
    screenshot(browser, "document-zh")


def test_entity_page_leads_with_what_the_sources_state(server, browser):
    browser.get(server + "/id/company/wuxi-apptec?lang=en")
    headings = [h.text for h in browser.find_elements(By.TAG_NAME, "h2")]
    assert headings[0] == "What the sources state"
    first = browser.find_elements(By.CSS_SELECTOR, "section.graph")[0].text
    assert "Zheng Yi's commentary on the NSCEB final report" in first and "79%" in first  # the statistic
    computed = by_id(browser, "computed")
    assert computed.tag_name == "details" and computed.get_attribute("open") is None  # folded away
    screenshot(browser, "entity-en")
    browser.get(server + "/id/company/wuxi-apptec?lang=zh")
    assert browser.find_elements(By.TAG_NAME, "h2")[0].text == "各来源的陈述"
    screenshot(browser, "entity-zh")


PAGES = {  # screenshot name -> path; docs/pages.md shows them (docs/img/NAME-LANG.png)
    "home": "/",
    "document": "/id/document/eo-14081",
    "entity": "/id/company/wuxi-apptec",
    "query": "/query/deadline-timeline",
    "search": "/search?q=wuxi",
    "timeline": "/timeline",
    "stats": "/stats",
    "sparql": "/sparql",
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_in_both_languages(server, browser, name, lang):
    """Each page opens in each language, in that language (its navigation and its heading),
    and is photographed for the docs (dist/screenshots/page-NAME-LANG.png)."""
    path = PAGES[name]
    browser.get(f"{server}{path}{'&' if '?' in path else '?'}lang={lang}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    nav = browser.find_element(By.TAG_NAME, "header").text
    assert ("首页" in nav) == (lang == "zh") and ("Home" in nav) == (lang == "en")
    assert browser.find_element(By.TAG_NAME, "h1").text
    screenshot(browser, f"page-{name}-{lang}")


def test_every_term_has_at_most_one_name_per_language(real_store):
    """The pages name a property or class by its rdfs:label in the page's language; the
    reused terms' names (data/reference/vocabulary-labels.ttl) must not contradict the
    ontology's own (as for the ELI terms it declares)."""
    query = """SELECT ?term ?lang WHERE {
        ?term <http://www.w3.org/2000/01/rdf-schema#label> ?label
        FILTER(!STRSTARTS(STR(?term), "https://w3id.org/biopolicy/id/")) BIND(LANG(?label) AS ?lang) }
        GROUP BY ?term ?lang HAVING (COUNT(DISTINCT ?label) > 1)"""
    assert [(r["term"].value, r["lang"].value) for r in real_store.query(query, use_default_graph_as_union=True)] == []
