"""`kgtool link wikidata` and the wikidata-enrichment query, against a local Oxigraph
server loaded with a small fictional fixture in Wikidata's shape (tests/fixtures/wikidata).
The live Wikidata endpoint is never called."""

from __future__ import annotations

import csv
import http.server
import shutil
import subprocess
import sys
import threading
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL


from conftest import BP, REPO
from servers import free_port, oxigraph, oxigraph_command

FIXTURE = REPO / "tests" / "fixtures" / "wikidata"
DATA = FIXTURE / "data"
WD = "http://www.wikidata.org/entity/"
FAST = ["--min-interval", "0", "--backoff", "0.01"]


# A local stand-in for Wikidata -----------------------------------------------------------

@pytest.fixture(scope="module")
def wikidata(tmp_path_factory) -> str:
    """The query URL of an Oxigraph server holding tests/fixtures/wikidata/wikidata.ttl."""
    command = oxigraph_command()
    if not command:
        pytest.fail("the oxigraph server is missing: install the test extra (pip install -e '.[test]')")
    directory = tmp_path_factory.mktemp("wikidata-store")
    subprocess.run([command, "load", "--location", str(directory / "db"), "--file", str(FIXTURE / "wikidata.ttl")],
                   check=True, capture_output=True)
    with oxigraph(directory) as server:
        yield server.query


class Front:
    """An HTTP front for the Oxigraph server that answers the first requests with the
    given error statuses, then passes requests on; it records what it received."""

    def __init__(self, upstream: str, failures: list[int], always: int | None = None):
        self.upstream, self.failures, self.always = upstream, list(failures), always
        self.requests: list[dict] = []
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                front.requests.append({"time": time.monotonic(), "agent": self.headers.get("User-Agent", ""),
                                       "query": urllib.parse.parse_qs(body.decode()).get("query", [""])[0]})
                status = front.always or (front.failures.pop(0) if front.failures else None)
                if status:
                    self.send_response(status)
                    if status == 429:
                        self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                request = urllib.request.Request(front.upstream, data=body, headers={
                    "Content-Type": self.headers["Content-Type"], "Accept": self.headers.get("Accept", "*/*")})
                with urllib.request.urlopen(request) as answer:
                    data = answer.read()
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.headers["Content-Type"])
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def front_factory(wikidata):
    fronts = []

    def make(failures=(), always=None):
        fronts.append(Front(wikidata, list(failures), always))
        return fronts[-1]

    yield make
    for front in fronts:
        front.close()


# Helpers -------------------------------------------------------------------------------

def kgtool(*args, data=DATA):
    """The installed console script, as a user runs it."""
    script = Path(sys.executable).parent / "kgtool"
    return subprocess.run([str(script), "--root", str(REPO), "--data", str(data), *args], capture_output=True, text=True)


def review_rows(path: Path) -> list[dict]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def candidates_of(rows: list[dict], entity: str) -> list[str]:
    return [r["candidate"] for r in rows if r["entity"] == BP + entity]


def propose(endpoint: str, out: Path, *extra, data=DATA):
    done = kgtool("link", "wikidata", "--endpoint", endpoint, "--out", str(out), *FAST, *extra, data=data)
    assert done.returncode == 0, done.stderr
    return done


def mark(review: Path, out: Path, chosen: set[tuple[str, str]]) -> Path:
    """The review with accept=yes on the (entity, candidate) rows chosen, as a reviewer does."""
    lines = []
    for line in review.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) == 9 and (cells[0].removeprefix(BP), cells[3].removeprefix(WD)) in chosen:
            cells[8] = "yes"
        lines.append("\t".join(cells))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


# Proposing candidates --------------------------------------------------------------------

def test_candidates_are_ranked_and_wrong_types_dropped(wikidata, tmp_path):
    review = tmp_path / "review.tsv"
    propose(wikidata, review)
    text = review.read_text(encoding="utf-8")
    assert f"# endpoint: {wikidata}\n" in text
    rows = review_rows(review)
    assert list(rows[0]) == ["entity", "entity_label_en", "entity_label_zh", "candidate", "candidate_label_en",
                             "candidate_label_zh", "description", "score", "accept"]
    # the ministry in its own country, with both labels, before the namesake in Otherland; the film is gone
    assert candidates_of(rows, "agency/example-ministry") == [WD + "Q900000010", WD + "Q900000011"]
    first, second = [r for r in rows if r["entity"] == BP + "agency/example-ministry"]
    assert float(first["score"]) > float(second["score"])
    assert first["candidate_label_zh"] == "示例部" and first["description"] == "fictional test ministry of Exampleland"
    assert WD + "Q900000012" not in text
    assert candidates_of(rows, "company/example-corp") == [WD + "Q900000020"]  # typed via a subclass of company
    assert candidates_of(rows, "person/alex-example") == [WD + "Q900000030"]
    assert candidates_of(rows, "document/example-act") == [WD + "Q900000040"]
    assert candidates_of(rows, "jurisdiction/otherland") == [WD + "Q900000002"]
    assert candidates_of(rows, "jurisdiction/exampleland") == []  # already linked: not asked again
    # no match: the entity is still listed, with an empty candidate
    assert candidates_of(rows, "post/example-minister") == [""]
    assert candidates_of(rows, "agency/office-of-nothing") == [""]
    assert all(r["accept"] == "" for r in rows)


def test_requests_are_batched_named_and_spaced(front_factory, tmp_path):
    front = front_factory()
    propose(front.url, tmp_path / "review.tsv", "--min-interval", "0.3", "--limit", "3")
    # --limit 3: the first three unlinked entities in IRI order are the two agencies and the company
    assert len(front.requests) == 2  # one per class: both agencies in one request
    agencies = next(r["query"] for r in front.requests if "Ministry of Examples" in r["query"])
    assert '"Office of Nothing"@en' in agencies and '"示例部"@zh' in agencies
    contact = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"]["Contact"]
    assert all(r["agent"].startswith("kgtool/") and contact in r["agent"] for r in front.requests)
    assert front.requests[1]["time"] - front.requests[0]["time"] >= 0.25  # --min-interval, less clock jitter


def test_server_errors_and_rate_limits_are_retried(front_factory, tmp_path):
    front = front_factory(failures=[500, 429, 503])
    propose(front.url, tmp_path / "review.tsv", "--retries", "3")
    assert len(front.requests) == 3 + 6  # three failures, then one request per class
    assert candidates_of(review_rows(tmp_path / "review.tsv"), "agency/example-ministry")[0] == WD + "Q900000010"


def test_an_endpoint_that_keeps_failing_is_a_clear_error(front_factory, tmp_path):
    front = front_factory(always=500)
    out = tmp_path / "review.tsv"
    done = kgtool("link", "wikidata", "--endpoint", front.url, "--out", str(out), "--retries", "2", *FAST)
    assert done.returncode == 2
    assert done.stderr.startswith("kgtool: error: ") and "HTTP 500" in done.stderr and "3 tries" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(front.requests) == 3 and not out.exists()


def test_an_unreachable_endpoint_is_a_clear_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/query"
    done = kgtool("link", "wikidata", "--endpoint", url, "--out", str(tmp_path / "r.tsv"), *FAST)
    assert done.returncode == 2
    assert f"kgtool: error: cannot reach {url}" in done.stderr and "Traceback" not in done.stderr


# Accepting a review ----------------------------------------------------------------------

def test_accepted_rows_become_links_that_validate(wikidata, tmp_path):
    data = Path(shutil.copytree(DATA, tmp_path / "data"))
    review = tmp_path / "review.tsv"
    propose(wikidata, review, data=data)
    reviewed = mark(review, tmp_path / "reviewed.tsv", {("agency/example-ministry", "Q900000010"),
                                                        ("company/example-corp", "Q900000020")})
    done = kgtool("link", "wikidata", "--accept", str(reviewed), data=data)
    assert done.returncode == 0, done.stderr
    links = data / "links" / "wikidata-accepted.ttl"
    graph = Graph().parse(links)
    assert set(graph.subject_objects(OWL.sameAs)) == {
        (URIRef(BP + "agency/example-ministry"), URIRef(WD + "Q900000010")),
        (URIRef(BP + "company/example-corp"), URIRef(WD + "Q900000020"))}
    for entity in ("agency/example-ministry", "company/example-corp"):
        [source] = graph.objects(URIRef(BP + entity), DCTERMS.source)
        assert wikidata in source and "reviewed.tsv" in source and "accepted by a reviewer" in source
    assert "@base <https://w3id.org/biopolicy/id/> ." in links.read_text() and "<agency/example-ministry>" in links.read_text()
    checked = kgtool("validate", "--no-owl", data=data)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # linked now, so a new run no longer proposes them
    propose(wikidata, tmp_path / "again.tsv", data=data)
    again = review_rows(tmp_path / "again.tsv")
    assert candidates_of(again, "agency/example-ministry") == [] and candidates_of(again, "person/alex-example")


def write_review(path: Path, rows: list[str], endpoint="http://127.0.0.1:1/query") -> Path:
    header = "\t".join(["entity", "entity_label_en", "entity_label_zh", "candidate", "candidate_label_en",
                        "candidate_label_zh", "description", "score", "accept"])
    path.write_text(f"# endpoint: {endpoint}\n# date: 2024-01-01\n{header}\n" + "".join(r + "\n" for r in rows),
                    encoding="utf-8")
    return path


def row(entity: str, candidate: str, accept: str) -> str:
    return "\t".join([BP + entity if entity else "", "x", "x", candidate, "x", "", "d", "1", accept])


def test_malformed_rows_are_refused_with_file_and_line(tmp_path):
    review = write_review(tmp_path / "review.tsv", [
        row("agency/example-ministry", WD + "Q900000010", ""),                        # line 4: fine
        "\t".join([BP + "agency/example-ministry", WD + "Q900000010", "yes"]),         # line 5: 3 columns
        row("agency/example-ministry", WD + "Q900000010", "maybe"),                   # line 6
        row("person/alex-example", "", "yes"),                                        # line 7: no candidate
        row("person/alex-example", "https://www.wikidata.org/wiki/Q900000030", "yes"),  # line 8: a page
        "\t".join(["http://example.org/x", "x", "x", WD + "Q1", "x", "", "d", "1", "yes"]),  # line 9: not ours
    ])
    out = tmp_path / "links.ttl"
    done = kgtool("link", "wikidata", "--accept", str(review), "--out", str(out))
    assert done.returncode == 2 and not out.exists()
    for line in (5, 6, 7, 8, 9):
        assert f"kgtool: error: {review}:{line}: " in done.stderr
    assert f"{review}:4:" not in done.stderr


def test_rows_that_contradict_the_data_are_refused(tmp_path):
    review = write_review(tmp_path / "review.tsv", [
        row("agency/example-ministry", WD + "Q900000010", "yes"),
        row("agency/example-ministry", WD + "Q900000011", "yes"),   # line 5: a second item for one entity
        row("person/alex-example", WD + "Q900000001", "yes"),       # line 6: Exampleland's item
        row("jurisdiction/exampleland", WD + "Q900000002", "yes"),  # line 7: already linked
        row("agency/no-such-agency", WD + "Q900000050", "yes"),     # line 8: not in the data
    ])
    out = tmp_path / "links.ttl"
    done = kgtool("link", "wikidata", "--accept", str(review), "--out", str(out))
    assert done.returncode == 2 and not out.exists()
    assert f"{review}:5: " in done.stderr and "already accepted" in done.stderr
    assert f"{review}:6: " in done.stderr and "already linked to " + BP + "jurisdiction/exampleland" in done.stderr
    assert f"{review}:7: " in done.stderr and f"{review}:8: " in done.stderr
    assert f"{review}:4:" not in done.stderr


def test_accept_never_overwrites_and_needs_a_yes(tmp_path):
    out = tmp_path / "links.ttl"
    out.write_text("# earlier review\n")
    review = write_review(tmp_path / "review.tsv", [row("agency/example-ministry", WD + "Q900000010", "yes")])
    done = kgtool("link", "wikidata", "--accept", str(review), "--out", str(out))
    assert done.returncode == 2 and "exists" in done.stderr and out.read_text() == "# earlier review\n"
    unreviewed = write_review(tmp_path / "unreviewed.tsv", [row("agency/example-ministry", WD + "Q900000010", "")])
    done = kgtool("link", "wikidata", "--accept", str(unreviewed), "--out", str(tmp_path / "new.ttl"))
    assert done.returncode == 2 and "no row has yes" in done.stderr and not (tmp_path / "new.ttl").exists()


# Enrichment through SERVICE --------------------------------------------------------------

def enrich(endpoint: str, *extra: str, data=DATA):
    return kgtool("query", "wikidata-enrichment", "--format", "csv", "--param", f"wikidata={endpoint}", *extra, data=data)


def test_enrichment_query_asks_the_endpoint_through_service(wikidata, tmp_path):
    data = Path(shutil.copytree(DATA, tmp_path / "data"))
    (data / "links" / "corp.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        f"<{BP}company/example-corp> owl:sameAs <{WD}Q900000020> ; dcterms:source \"test fixture\" .\n")
    done = enrich(wikidata, "--param", f"item={WD}Q900000020", "--allow-service", wikidata, data=data)
    assert done.returncode == 0, done.stderr
    [answer] = list(csv.DictReader(done.stdout.splitlines()))
    assert answer["entity"] == BP + "company/example-corp" and answer["entity_label"] == "Example Corp"
    assert answer["websites"] == "https://corp.example/"
    assert answer["countries"] == "Exampleland" and answer["stock_exchanges"] == "test stock exchange"
    done = enrich(wikidata, "--param", f"item={WD}Q900000001", "--allow-service", wikidata, "--lang", "zh", data=data)
    [answer] = list(csv.DictReader(done.stdout.splitlines()))
    assert answer["entity_label"] == "示例国" and answer["countries"] == "示例国"


def test_service_is_refused_unless_allowed(wikidata):
    item = ["--param", f"item={WD}Q900000001"]
    for allowed in ([], ["--allow-service", wikidata.replace("/query", "/other")]):
        done = enrich(wikidata, *item, *allowed)
        assert done.returncode == 2
        assert f"kgtool: error: the query calls SERVICE <{wikidata}>; to let it, pass --allow-service {wikidata}" in done.stderr
    # the default endpoint (live Wikidata) is refused the same way, before any request
    done = kgtool("query", "wikidata-enrichment", *item)
    assert done.returncode == 2 and "--allow-service https://query.wikidata.org/sparql" in done.stderr


def test_enrichment_needs_the_item_so_the_remote_query_stays_bounded(wikidata):
    done = enrich(wikidata, "--allow-service", wikidata)
    assert done.returncode == 2 and "--param item=" in done.stderr


def test_service_endpoint_parameter_is_checked_as_an_iri(wikidata):
    done = enrich("http://127.0.0.1/query> } SERVICE <http://evil.example/", "--allow-service", wikidata)
    assert done.returncode == 2 and "parameter wikidata=" in done.stderr
