"""`kgtool load` and `kgtool query --endpoint` against answers no SPARQL store should send
(issue 16): a page that is not SPARQL results, JSON of another shape, a count that is not
a number, an answer that trickles or never ends. Each is one `kgtool: error:` line naming
the endpoint and what came instead, a non-zero exit, no traceback, and the server's graphs
as they were. And the temporary graphs of an interrupted load are dropped by the next one.

The answers come from tests/servers.FaultyProxy in front of a real Oxigraph server."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import servers
from conftest import GRAPHS, MINI_DATA, REPO
from kgtool import remote

COUNT = REPO / "tests" / "fixtures" / "queries"


def kgtool(*args, data=MINI_DATA):
    script = Path(sys.executable).parent / "kgtool"
    return subprocess.run([str(script), "--root", str(REPO), "--data", str(data), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def oxigraph_alone(tmp_path):
    with servers.oxigraph(tmp_path) as server:
        yield server


def graph_names(server: servers.Server) -> dict[str, int]:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    request = urllib.request.Request(server.query, data=urllib.parse.urlencode({"query": query}).encode(),
                                     headers={"Accept": "text/tab-separated-values"})
    lines = urllib.request.urlopen(request, timeout=30).read().decode().splitlines()[1:]
    return {g.strip("<>"): int(n.split("^^")[0].strip('"')) for g, n in (line.split("\t") for line in lines)}


def always(action):
    """A FaultyProxy fault: every query answered with `action`, the rest passed through."""
    return lambda number, method, path: action if method == "POST" or "query=" in path else None


@pytest.mark.parametrize("action, says", [
    ("html", "did not answer with SPARQL JSON results; it sent '<!doctype html>"),
    ("not-results", "did not answer with SPARQL JSON results"),
    ("bad-count", "answered a count that is not a graph and a number"),
    ("trickle", "no complete answer within 2 s (--timeout)"),
    ("endless", "the answer is longer than 1048576 bytes; refused"),
])
def test_load_refuses_an_answer_that_is_not_sparql_results(oxigraph_alone, action, says):
    server = oxigraph_alone
    with servers.FaultyProxy(server, always(action)) as proxy:
        began = time.monotonic()
        done = kgtool("load", "--no-owl", "--retries", "0", "--timeout", "2", "--max-answer-mb", "1",
                      *proxy.load_args())
        took = time.monotonic() - began
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("kgtool: error: ") and says in last and proxy.url in last, done.stderr[-600:]
    assert "Traceback" not in done.stderr
    assert took < 60, "a trickling or endless answer must be cut off, not waited for"
    assert graph_names(server) == {}


@pytest.mark.parametrize("action", ["html", "not-results", "trickle"])
def test_query_on_an_endpoint_refuses_what_is_not_sparql_results(oxigraph_alone, action):
    server = oxigraph_alone
    with servers.FaultyProxy(server, always(action)) as proxy:
        done = kgtool("query", "documents-overview", "--retries", "0", "--timeout", "2",
                      "--endpoint", proxy.via(server.query))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("kgtool: error: "), done.stderr[-600:]


def test_the_next_load_drops_the_temporary_graphs_an_interrupted_one_left(oxigraph_alone):
    server = oxigraph_alone
    leftover = f"{remote.LOADING}{GRAPHS}sources/example-order"
    insert = f"INSERT DATA {{ GRAPH <{leftover}> {{ <urn:x:a> <urn:x:b> <urn:x:c> }} }}"
    urllib.request.urlopen(urllib.request.Request(server.update, data=urllib.parse.urlencode({"update": insert}).encode()),
                           timeout=30).close()
    assert leftover in graph_names(server)
    done = kgtool("load", "--no-owl", *server.load_args())
    assert done.returncode == 0, done.stderr
    assert "dropping 1 temporary graph(s) an earlier load left behind" in done.stderr
    assert not [g for g in graph_names(server) if g.startswith(remote.LOADING)]
