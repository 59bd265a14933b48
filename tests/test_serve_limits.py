"""kgtool serve under hostile queries and load (issue 16): slow, crashing and memory-hungry
queries cost their own worker process, never the server; many clients are queued, not
refused; every response carries the security headers; links in the data are followed
only for http and https.

The server runs as `kgtool serve` on 127.0.0.1 over the mini fixture plus one hostile file,
with its default limits except where a test says otherwise."""

from __future__ import annotations

import select
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

import servers
from conftest import BP, MINI_DATA, REPO

# A cross join of every triple with itself four times, counted: runs for minutes.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# A string doubled 40 times: 2^41 characters, far past any memory limit.
HUNGRY = "SELECT ?x { BIND(\"aa\" AS ?a0) " + " ".join(
    f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(40)) + " BIND(STRLEN(?a40) AS ?x) }"
DEEP = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
HOSTILE_DATA = """@base <https://w3id.org/biopolicy/id/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix schema: <https://schema.org/> .
<agency/example-agency> owl:sameAs <javascript:alert(1)> ; schema:url <data:text/html,hi> .
"""


def start(tmp, *options):
    """`kgtool serve` on a free port over the mini data and the hostile file; yields its base URL."""
    data = tmp / "data"
    if not data.exists():
        shutil.copytree(MINI_DATA, data)
        (data / "links").mkdir(exist_ok=True)
        (data / "links" / "hostile.ttl").write_text(HOSTILE_DATA, encoding="utf-8")
    port = servers.free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "kgtool.cli", "--root", str(REPO), "--data", str(data), "serve",
               "--host", "127.0.0.1", "--port", str(port), *options]
    return servers.running(command, base + "/", tmp / f"serve-{port}.log"), base


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The server with its default limits but a 3-second time limit, to keep slow tests short."""
    context, base = start(tmp_path_factory.mktemp("serve"), "--timeout", "3")
    with context as process:
        yield base, process


def sparql(base: str, query: str, timeout: float = 30):
    """(status, headers, body) of a form POST to /sparql, also for 4xx and 5xx answers."""
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(base + "/sparql", data=data,
                                     headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def alive(base: str) -> bool:
    """The server answers ASK {} within 2 s (a liveness bound, not a benchmark)."""
    status, _, body = sparql(base, "ASK {}", timeout=2)
    return status == 200 and b"true" in body


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_twenty_slow_queries_neither_stall_the_server_nor_outlive_their_deadline(server):
    base, process = server
    with ThreadPoolExecutor(max_workers=20) as pool:
        slow = [pool.submit(sparql, base, SLOW) for _ in range(20)]
        time.sleep(1)
        assert alive(base), "ASK {} was not answered within 2 s while 20 slow queries ran"
        answers = [future.result() for future in slow]
    assert {status for status, _, _ in answers} == {503}
    assert all(b"longer than 3 s" in body for _, _, body in answers)
    assert alive(base)
    time.sleep(0.5)
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    assert children == [], "slow queries' workers were left running after their deadline"


@pytest.mark.parametrize("query, status, says", [
    (DEEP, 400, b"nests 5000 levels"),
    ("SELECT * WHERE { ?s ?p ?o " + "FILTER(?o != \"" + "x" * 70_000 + "\") }", 413, b"at most 65536"),
    ("SELECT (TRIPLE(<http://a>, <http://b>, \"c\") AS ?t) {}", 200, b'"type":"triple"'),
])
def test_a_hostile_query_is_answered_cleanly_and_the_server_stays_up(server, query, status, says):
    base, _ = server
    got, _, body = sparql(base, query)
    assert got == status and says in body, body[:300]
    assert b"Traceback" not in body
    assert alive(base)


def test_a_query_past_the_memory_limit_is_stopped_and_the_server_goes_on(tmp_path):
    context, base = start(tmp_path, "--memory-mb", "128")
    with context as process:
        before = rss_kib(process.pid)
        status, _, body = sparql(base, HUNGRY)
        assert status == 503 and b"memory limit (128 MiB)" in body, body[:300]
        assert alive(base)
        assert rss_kib(process.pid) - before < 20 * 1024


def test_a_query_that_crashes_its_worker_is_a_500_and_the_server_goes_on(tmp_path):
    # Without the nesting cap the parser's recursion overflows the worker's stack.
    context, base = start(tmp_path, "--max-nesting", "1000000", "--max-query-bytes", "1000000")
    with context:
        status, _, body = sparql(base, DEEP)
        assert status == 500 and b"signal SIGSEGV" in body and b"the server goes on" in body, body[:300]
        assert alive(base)


def test_two_thousand_queries_from_twenty_clients_are_all_answered_in_bounded_memory(server):
    base, process = server
    query = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 5"
    sparql(base, query)
    before = rss_kib(process.pid)
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: sparql(base, query)[0], range(2000)))
    assert statuses.count(200) == 2000, {s: statuses.count(s) for s in set(statuses)}
    grown = rss_kib(process.pid) - before
    assert grown < 50 * 1024, f"the server grew by {grown} KiB over 2,000 queries"


def test_a_full_queue_is_refused_at_once_with_retry_after(tmp_path):
    context, base = start(tmp_path, "--workers", "1", "--queue", "1", "--timeout", "3")
    with context, ThreadPoolExecutor(max_workers=2) as pool:
        running = pool.submit(sparql, base, SLOW)
        time.sleep(0.5)
        waiting = pool.submit(sparql, base, SLOW)
        time.sleep(0.5)
        status, headers, body = sparql(base, "ASK {}", timeout=2)
        assert status == 503 and b"already waiting" in body and headers["Retry-After"] == "1"
        assert running.result()[0] == 503 and waiting.result()[0] == 503
        assert alive(base)


@pytest.mark.parametrize("declared", [True, False])
def test_an_endless_body_is_refused_without_being_read_whole(server, declared):
    """A body that never ends (chunked) or says it is huge: 413 while it is still coming."""
    base, process = server
    host, port = base.removeprefix("http://").split(":")
    length = "Content-Length: 100000000\r\n" if declared else "Transfer-Encoding: chunked\r\n"
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(f"POST /sparql HTTP/1.1\r\nHost: {host}\r\n"
                           f"Content-Type: application/sparql-query\r\n{length}\r\n".encode())
        chunk = b"x" * 65536
        answer = b""
        for _ in range(1000):  # at most 64 MB, far past the limit
            try:
                connection.sendall(chunk if declared else b"10000\r\n" + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            if select.select([connection], [], [], 0)[0]:
                break
        try:
            answer = connection.recv(4096)
        except ConnectionResetError:
            pass
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert alive(base)


@pytest.mark.parametrize("path", ["/", "/sparql?query=ASK%7B%7D", "/sparql", "/timeline", "/no-such-page"])
def test_every_response_carries_the_security_headers(server, path):
    base, _ = server
    try:
        response = urllib.request.urlopen(base + path, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    if headers.get_content_type() == "text/html":
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_links_in_the_data_are_followed_only_for_http_and_https(server):
    base, _ = server
    page = urllib.request.urlopen(base + "/entity?iri=" + urllib.parse.quote(BP + "agency/example-agency"),
                                  timeout=10).read().decode()
    assert "javascript:alert(1)" in page and "data:text/html,hi" in page  # shown as text
    assert 'href="javascript:' not in page and 'href="data:' not in page
