"""kgtool serve: the read-only SPARQL endpoint answers the SPARQL 1.1 Protocol (a SPARQLWrapper
client against the running server), and the web pages work in a headless Chromium (the
system's, driven by Selenium). The server runs as `kgtool serve` on 127.0.0.1 on a free
port over the project's own data, and is stopped when the module ends.

Expected values come from the data files (labels, dates of the sources, Wikidata items)
and from docs/ (the derived EO 14081 due dates), not from the code under test."""

from __future__ import annotations

import csv
import io
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest
from SPARQLWrapper import CSV, JSON, POST, SPARQLWrapper

from conftest import BP, MAX_ROWS, by_id, http, screenshot

EO = BP + "document/eo-14081"
EO_COMMENTARY_LABEL = "Gu Yang, Zheng Duzhiyun and You Pengfei's commentary on Executive Order 14081"
PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def client(server: str, query: str, fmt: str = JSON) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server + "/sparql")
    sparql.setQuery(PREFIXES + query)
    sparql.setReturnFormat(fmt)
    return sparql


# The SPARQL 1.1 Protocol ---------------------------------------------------------------

def test_select_in_json(server):
    result = client(server, f"SELECT ?label WHERE {{ <{EO}> rdfs:label ?label }}").queryAndConvert()
    labels = {(b["label"]["value"], b["label"].get("xml:lang")) for b in result["results"]["bindings"]}
    assert ("Executive Order 14081", "en") in labels
    assert ("第14081号行政命令", "zh") in labels


def test_select_in_csv(server):
    query = f"SELECT ?date WHERE {{ ?signing prov:generated <{EO}> ; dcterms:date ?date }}"
    text = client(server, query, CSV).queryAndConvert().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["date"]
    assert ["2022-09-12"] in rows[1:]


def test_ask(server):
    assert client(server, f"ASK {{ <{EO}> rdfs:label 'Executive Order 14081'@en }}").queryAndConvert()["boolean"] is True
    assert client(server, f"ASK {{ <{EO}> rdfs:label 'no such label'@en }}").queryAndConvert()["boolean"] is False


def count_rows(body: bytes, kind: str) -> int:
    if kind == "text/csv":  # pyoxigraph does not read CSV results (lossy); the csv module does
        return len(list(csv.reader(io.StringIO(body.decode("utf-8"))))) - 1
    fmt = {"text/tab-separated-values": ox.QueryResultsFormat.TSV,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML}[kind]
    return len(list(ox.parse_query_results(body, format=fmt)))


@pytest.mark.parametrize("accept, kind", [
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/html;q=0.9, text/csv", "text/csv"),
])
def test_results_format_follows_the_accept_header(server, accept, kind):
    query = urllib.parse.urlencode({"query": f"SELECT ?s WHERE {{ ?s ?p <{EO}> }} LIMIT 3"})
    status, headers, body = http(f"{server}/sparql?{query}", headers={"Accept": accept})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == kind
    assert count_rows(body, kind) == 3


def test_query_as_post_body(server):
    status, _, body = http(server + "/sparql", f"ASK {{ <{EO}> ?p ?o }}".encode(),
                           {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert status == 200 and b"true" in body


def test_row_cap(server):
    query = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    status, headers, body = http(f"{server}/sparql?{query}", headers={"Accept": "application/sparql-results+json"})
    assert status == 200
    assert len(list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))) == MAX_ROWS
    assert headers["X-Kgtool-Truncated"] == str(MAX_ROWS)


def test_update_by_post_is_refused(server):
    sparql = SPARQLWrapper(server + "/sparql")
    sparql.setMethod(POST)
    sparql.setQuery("INSERT DATA { <urn:kgtool:test> <urn:kgtool:p> 'written' }")
    with pytest.raises(urllib.error.HTTPError) as refused:
        sparql.query()
    assert 400 <= refused.value.code < 500
    assert client(server, "ASK { <urn:kgtool:test> ?p ?o }").queryAndConvert()["boolean"] is False


@pytest.mark.parametrize("body, kind", [
    (b"INSERT DATA { <urn:kgtool:test> <urn:kgtool:p> 'written' }", "application/sparql-update"),
    (urllib.parse.urlencode({"query": "PREFIX x: <urn:x:> INSERT DATA { <urn:kgtool:test> x:p 'w' }"}).encode(),
     "application/x-www-form-urlencoded"),
    (urllib.parse.urlencode({"update": "CLEAR ALL"}).encode(), "application/x-www-form-urlencoded"),
])
def test_every_form_of_update_is_refused(server, body, kind):
    status, _, _ = http(server + "/sparql", body, {"Content-Type": kind})
    assert 400 <= status < 500
    status, _, answer = http(f"{server}/sparql?{urllib.parse.urlencode({'query': f'ASK {{ <{EO}> ?p ?o }}'})}")
    assert status == 200 and b"true" in answer  # the data is still there


@pytest.fixture
def witness():
    """A local HTTP server that records every request it gets: a SERVICE call that got
    through would show up here."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/sparql", hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_service_is_refused(server, witness):
    url, hits = witness
    sparql = client(server, f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
    with pytest.raises(urllib.error.HTTPError) as refused:
        sparql.query()
    assert 400 <= refused.value.code < 500
    assert "SERVICE" in refused.value.read().decode()
    assert hits == []


def test_bad_query_is_a_400(server):
    status, _, body = http(f"{server}/sparql?{urllib.parse.urlencode({'query': 'SELEKT nothing'})}")
    assert status == 400 and body
    status, _, body = http(f"{server}/sparql?{urllib.parse.urlencode({'query': 'SELECT * WHERE { ?s bpo:x ?o }'})}")
    assert status == 400 and b"1:21: prefix 'bpo:' is not declared" in body and b"\\u{" not in body


def test_a_saved_query_without_its_required_parameter_is_a_400(server):
    """Sent without it: a 400 naming the fields to fill in, in the page's language; opened
    from a link (no field sent): the form and that sentence as a hint, no answer table."""
    status, _, body = http(f"{server}/query/provenance?lang=en&entity=&name=")
    assert status == 400 and 'id="problem"' in body.decode() and "Fill in “The entity to trace" in body.decode()
    status, _, body = http(f"{server}/query/provenance?lang=zh")
    page = body.decode()
    assert status == 200 and 'id="hint"' in page and "请在上面填写“要追溯的实体" in page and 'id="results"' not in page
    status, _, body = http(f"{server}/query/provenance.csv?lang=en")
    assert status == 400
    status, _, body = http(f"{server}/query/provenance.csv?lang=en&entity=bp:agency/us-dod")
    assert status == 200 and b"graph/reference/agencies" in body


# The pages, in a browser ---------------------------------------------------------------

def test_home_runs_a_saved_query_and_links_to_entity_pages(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/stats?lang=en")
    assert "graph:sources/eo-14081-commentary" in by_id(browser, "graphs").text
    assert "Executive order" in by_id(browser, "classes").text  # bpo:ExecutiveOrder's label
    browser.get(server + "/?lang=en")
    assert "Executive order" in by_id(browser, "documents").text  # the documents, by kind
    screenshot(browser, "home")
    by_id(browser, "query-documents-overview").find_element(By.TAG_NAME, "button").click()
    by_id(browser, "results").find_element(By.LINK_TEXT, "Executive Order 14081").click()
    assert browser.current_url.endswith("/id/document/eo-14081")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Executive Order 14081"
    assert EO_COMMENTARY_LABEL in by_id(browser, "summary").text  # discussed by
    browser.get(server + "/id/document/eo-14081?lang=en&view=statements")
    graphs = [section.text for section in browser.find_elements(By.CSS_SELECTOR, "section.graph")]
    commentary = [text for text in graphs if "graph:sources/eo-14081-commentary" in text]
    assert commentary and EO_COMMENTARY_LABEL in commentary[0]  # provenance: graph and source document
    screenshot(browser, "entity")


def test_form_parameters_are_bound_not_pasted(server, browser):
    from selenium.webdriver.common.by import By

    def search(text: str) -> str:
        browser.get(server + "/?lang=en")
        field = by_id(browser, "query-search-labels").find_element(By.NAME, "text")
        field.clear()
        field.send_keys(text)
        field.submit()
        return by_id(browser, "results").text

    assert "WuXi AppTec" in search("WuXi")
    assert "WuXi AppTec" not in search('x")) } UNION { ?entity ?p ?matched_name } #')


def test_language_switch_and_fallback(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/document/eo-14081?lang=en")
    by_id(browser, "lang-zh").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "第14081号行政命令"
    assert "Executive Order 14081" in browser.page_source  # the other language is still shown
    browser.get(server + "/")  # no ?lang: the cookie keeps Chinese
    assert "行政命令" in by_id(browser, "documents").text
    assert "期限时间线" in browser.page_source  # deadline-timeline's `#+ title_zh:`
    assert "Timeline of deadlines" not in browser.page_source
    by_id(browser, "lang-en").click()
    assert "Executive order" in by_id(browser, "documents").text


def test_entity_page_links_to_wikidata(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/agency/us-dod?lang=en")
    links = [a.get_attribute("href") for a in by_id(browser, "external").find_elements(By.TAG_NAME, "a")]
    assert "https://www.wikidata.org/wiki/Q11209" in links  # data/links/identifiers.ttl
    sections = [section.text for section in browser.find_elements(By.CSS_SELECTOR, "section.graph")]
    assert any("graph:sources/eo-14081-commentary" in text for text in sections)  # what points here, by source


def test_timeline_shows_deadlines_and_events(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/timeline?lang=en")
    svg = by_id(browser, "timeline")
    items = svg.find_elements(By.CSS_SELECTOR, "a.item")
    dates = [item.get_attribute("data-date") for item in items]
    assert dates == sorted(dates)
    # EO 14081 signed 2022-09-12: 180, 200 and 240 days later (docs/, the derived graph); the summit
    for day in ("2023-03-11", "2023-03-31", "2023-05-10", "2022-09-14"):
        assert day in dates
        assert day in svg.text
    links: dict[str, list[str]] = {}  # a day can hold several items (the summit and its fact sheet)
    for item in items:
        links.setdefault(item.get_attribute("data-date"), []).append(item.get_dom_attribute("href"))
    assert any(link.endswith("/id/event/wh-biotech-summit-2022") for link in links["2022-09-14"])
    for day in ("2023-03-11", "2023-03-31", "2023-05-10"):
        assert any("/id/measure/" in link for link in links[day])
    # EO 14081 was revoked on 2025-03-14: its tasks due in 2023 stand, those with no due date are moot
    assert all("moot" not in (item.get_attribute("class") or "") for item in items if item.get_attribute("data-date") < "2025-03-14")
    moot = browser.find_elements(By.CSS_SELECTOR, "li.moot")
    assert moot and all("moot: the order was revoked on 2025-03-14" in li.text for li in moot)
    screenshot(browser, "timeline")
    browser.get(server + "/timeline?lang=zh")
    assert "白宫生物技术和生物制造峰会" in by_id(browser, "timeline").text
