"""Everything that talks to another server: pushing the release's named graphs into a
triple store, running saved queries on a remote SPARQL endpoint, and asking whether that
store's default graph is the union of its named graphs, which the saved queries read
(`check_union_default_graph`).

Loading never leaves a graph half-written, and never leaves a release half-swapped.

Into any store (SPARQL 1.1 Graph Store HTTP Protocol, or `INSERT DATA` where there is no
Graph Store endpoint): every graph is first loaded into a temporary graph of its own and
its triple count checked; only then does one SPARQL Update request `MOVE` all of them onto
the real graphs, which the store runs as one transaction. A failure before that leaves
every real graph as it was.

Into an Oxigraph server (it names itself in its `Server` header; `Endpoint.server` can
say so too): the change is computed and sent as one request, which Oxigraph runs as one
transaction. Each graph the server holds is read back (Graph Store `GET`) and compared
with the release line by line in N-Triples; graphs that are the same are left alone. When
the change only adds triples (a first load, above all), it is one streamed N-Quads `POST`
to the Graph Store's dataset; otherwise one SPARQL Update of `DELETE DATA`/`INSERT DATA`
(triples with blank nodes are compared up to the names of the nodes; a graph where those
changed is dropped and inserted whole). A change too large for one update goes the first
way, for the changed graphs only. Oxigraph's own faster paths are not used: its bulk
loader (`?no_transaction`) is not atomic, and a `MOVE` out of a bulk-loaded temporary
graph costs more than a transactional load of the same triples.

Afterwards the triples of each graph on the server are counted again. Requests that fail
for a reason that may pass (connection refused or dropped, timeout, HTTP 5xx) are retried
with exponential backoff in one place, `retrying`."""

from __future__ import annotations

import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from .namespaces import GRAPH_IRI, OWL
from .store import as_quads

N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
LOADING = "urn:kgtool:loading:"  # temporary graph of <g>: <urn:kgtool:loading:g>


class RemoteError(Exception):
    """The server failed for good or refused; the message names the endpoint and the graph."""


class Transient(Exception):
    """A failure that may pass. `sent`: the request may have reached the server."""

    def __init__(self, message: str, sent: bool = True):
        super().__init__(message)
        self.sent = sent


@dataclass
class Endpoint:
    """A store's SPARQL endpoints; `update` defaults to the query endpoint (SPARQL 1.1
    Protocol allows one URL for both), no `graph_store` means loading by SPARQL Update."""

    query: str
    update: str | None = None
    graph_store: str | None = None
    user: str | None = None
    password: str | None = None
    auth: str = "digest"  # or "basic"
    timeout: float = 300.0  # seconds for a whole request and its answer, not only for each read
    max_answer_bytes: int = 2**30  # a longer answer is refused, not held in memory
    retries: int = 4
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    server: str = "auto"  # "oxigraph", "standard" (Graph Store Protocol and SPARQL Update only), or "auto"
    _opener: urllib.request.OpenerDirector | None = field(default=None, repr=False)
    _server_headers: list[str] = field(default_factory=list, repr=False)  # of the last answer

    def __post_init__(self):
        self.update = self.update or self.query
        if self.server not in ("auto", "oxigraph", "standard"):
            raise ValueError(f"unknown kind of server {self.server!r}")

    def is_oxigraph(self) -> bool:
        """Whether loading may take the Oxigraph path: a Graph Store endpoint, no credentials
        (Oxigraph has no authentication of its own, so credentials mean something else
        answers), all three endpoints on one origin, and either `server="oxigraph"` or, with
        "auto", an answer that came with exactly one `Server` header, Oxigraph's. Behind a
        proxy that adds or replaces that header, loading keeps to the standard protocols."""
        if self.server == "standard" or not self.graph_store or self.user is not None:
            return False
        origins = {urllib.parse.urlsplit(url)[:2] for url in (self.query, self.update, self.graph_store)}
        if len(origins) != 1:
            return False
        if self.server == "oxigraph":
            return True
        return len(self._server_headers) == 1 and self._server_headers[0].startswith("Oxigraph/")

    def opener(self) -> urllib.request.OpenerDirector:
        """urllib with the chosen authentication: it answers the server's 401 challenge."""
        if self._opener is None:
            handlers = []
            if self.user is not None:
                passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                for url in {self.query, self.update, self.graph_store} - {None}:
                    passwords.add_password(None, url, self.user, self.password or "")
                handler = urllib.request.HTTPDigestAuthHandler if self.auth == "digest" else urllib.request.HTTPBasicAuthHandler
                handlers.append(handler(passwords))
            self._opener = urllib.request.build_opener(*handlers)
        return self._opener


def log(message: str) -> None:
    print(f"[remote] {message}", file=sys.stderr, flush=True)


# Retries and single requests -----------------------------------------------------------

def retrying(endpoint: Endpoint, what: str, action: Callable, idempotent: bool = True):
    """Run `action`, retrying transient failures with backoff; then one clear error. An
    action that is not idempotent is retried only when its request never reached the server."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return action()
        except Transient as error:
            if attempt > endpoint.retries or (error.sent and not idempotent):
                raise RemoteError(f"{what}: {error} (gave up after {attempt} attempt(s))") from None
            delay = endpoint.backoff * 2 ** (attempt - 1)
            log(f"{what}: {error}; retrying in {delay:g} s")
            time.sleep(delay)


def read_bounded(response, endpoint: Endpoint, started: float, what: str) -> bytes:
    """The whole answer, read in pieces, within the request's time and size: a server that
    trickles one byte at a time, or sends without end, is cut off with a clear error."""
    pieces, size = [], 0
    while piece := response.read1(65536):  # what has arrived, not a full 64 KiB
        size += len(piece)
        if size > endpoint.max_answer_bytes:
            raise RemoteError(f"{what}: the answer is longer than {endpoint.max_answer_bytes} bytes; refused")
        if time.monotonic() - started > endpoint.timeout:
            raise Transient(f"{what}: no complete answer within {endpoint.timeout:g} s (--timeout)")
        pieces.append(piece)
    return b"".join(pieces)


def fetch(endpoint: Endpoint, method: str, url: str, body: bytes | None = None,
         content_type: str | None = None, accept: str | None = None) -> bytes:
    """One request. Raises Transient for what a retry may cure, RemoteError otherwise."""
    request = urllib.request.Request(url, data=body, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    if accept:
        request.add_header("Accept", accept)
    started = time.monotonic()
    try:
        with endpoint.opener().open(request, timeout=endpoint.timeout) as response:
            data = read_bounded(response, endpoint, started, f"{method} {url}")
            endpoint._server_headers = response.headers.get_all("Server") or []
            return data
    except urllib.error.HTTPError as error:
        detail = error.read()[:300].decode("utf-8", "replace").strip()
        message = f"{method} {url}: HTTP {error.code} {error.reason}" + (f": {detail}" if detail else "")
        if error.code >= 500:
            raise Transient(message) from None
        raise RemoteError(message) from None
    except urllib.error.URLError as error:
        refused = isinstance(error.reason, ConnectionRefusedError)
        raise Transient(f"{method} {url}: {error.reason}", sent=not refused) from None
    except (OSError, http.client.HTTPException) as error:  # timeouts, resets, dropped connections
        raise Transient(f"{method} {url}: {error or type(error).__name__}") from None


def form(endpoint: Endpoint, url: str, key: str, text: str, accept: str | None = None) -> bytes:
    body = urllib.parse.urlencode({key: text}).encode()
    return fetch(endpoint, "POST", url, body, "application/x-www-form-urlencoded", accept)


def update(endpoint: Endpoint, text: str) -> None:
    form(endpoint, endpoint.update, "update", text)


def counting(graphs: list[str]) -> str:
    values = " ".join(f"<{g}>" for g in graphs)
    return f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"


def results_json(data: bytes, where: str) -> dict:
    """A SPARQL 1.1 Query Results JSON document, or RemoteError saying what came instead
    (a login page, a proxy's error page, JSON of another shape)."""
    try:
        answer = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("boolean"), bool):
        return answer
    bindings = answer.get("results", {}).get("bindings") if isinstance(answer, dict) else None
    if not isinstance(bindings, list) or not all(isinstance(row, dict) for row in bindings):
        start = data[:80].decode("utf-8", "replace").strip()
        raise RemoteError(f"{where} did not answer with SPARQL JSON results; it sent {start!r}…"
                          " (is the URL the store's SPARQL query endpoint?)")
    return answer


def read_counts(data: bytes, where: str, graphs: list[str]) -> dict[str, int]:
    """Triples per graph from the answer to `counting(graphs)` (0 for a graph not there)."""
    counts = {}
    for row in results_json(data, where)["results"]["bindings"]:
        graph, number = row.get("g", {}).get("value"), row.get("n", {}).get("value", "")
        if not isinstance(graph, str) or not str(number).isdigit():
            raise RemoteError(f"{where} answered a count that is not a graph and a number: {row!r:.120}")
        counts[graph] = int(number)
    return {g: counts.get(g, 0) for g in graphs}


def graph_counts(endpoint: Endpoint, graphs: list[str]) -> dict[str, int]:
    """Triples in each graph on the server (0 for a graph it does not have)."""
    data = form(endpoint, endpoint.query, "query", counting(graphs), "application/sparql-results+json")
    return read_counts(data, endpoint.query, graphs)


# Chunks of N-Triples -------------------------------------------------------------------

def blank_node_groups(triples: list[ox.Triple]) -> list[list[ox.Triple]]:
    """Triples grouped so that triples sharing a blank node stay together: a blank node is
    local to one request, so splitting its triples over two would make two nodes of it."""
    parent: dict = {}

    def root(node):
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    groups: dict = {}
    for triple in triples:
        blanks = [t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        for other in blanks[1:]:
            parent[root(other)] = root(blanks[0])
    for triple in triples:
        blanks = [t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        groups.setdefault(root(blanks[0]) if blanks else triple, []).append(triple)
    return list(groups.values())


def chunks(store: ox.Store, graph: str, size: int) -> Iterator[bytes]:
    """The graph as N-Triples documents of about `size` triples each."""
    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]
    chunk: list[ox.Triple] = []
    for group in blank_node_groups(triples):
        if chunk and len(chunk) + len(group) > size:
            yield ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)
            chunk = []
        chunk.extend(group)
    if chunk:
        yield ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)


# Loading -------------------------------------------------------------------------------

def graph_store_url(endpoint: Endpoint, graph: str) -> str:
    return f"{endpoint.graph_store}?{urllib.parse.urlencode({'graph': graph})}"


def send(endpoint: Endpoint, temporary: str, documents: Iterator[bytes]) -> None:
    """Replace the temporary graph with the documents: the first PUT (or DROP, then INSERT
    DATA), the others appended."""
    if not endpoint.graph_store:
        update(endpoint, f"DROP SILENT GRAPH <{temporary}>")
    for number, document in enumerate(documents):
        if endpoint.graph_store:
            method = "PUT" if number == 0 else "POST"
            fetch(endpoint, method, graph_store_url(endpoint, temporary), document, N_TRIPLES)
        else:
            update(endpoint, f"INSERT DATA {{ GRAPH <{temporary}> {{\n{document.decode()}}} }}")


def stage(endpoint: Endpoint, store: ox.Store, graph: str, name: str, expected: int, size: int) -> None:
    """Load one graph into its temporary graph and check the count there; a wrong count is
    retried like a dropped connection, as a retry starts the graph afresh."""
    temporary = LOADING + name

    def attempt():
        send(endpoint, temporary, chunks(store, graph, size))
        found = graph_counts(endpoint, [temporary])[temporary]
        if found != expected:
            raise Transient(f"temporary graph <{temporary}> holds {found} triples, expected {expected}")

    retrying(endpoint, f"loading graph <{name}> at {endpoint.graph_store or endpoint.update}", attempt)


def swap(endpoint: Endpoint, names: dict[str, int]) -> None:
    """One SPARQL Update: every temporary graph onto its real graph (an empty one drops it).
    Not repeated once sent: a second MOVE would find its temporary graph gone."""
    operations = [f"MOVE <{LOADING}{g}> TO <{g}>" if n else f"DROP SILENT GRAPH <{g}>" for g, n in names.items()]
    retrying(endpoint, f"replacing {len(names)} graphs at {endpoint.update}",
             lambda: update(endpoint, " ;\n".join(operations)), idempotent=False)


def clean_up(endpoint: Endpoint, names: list[str]) -> str:
    """After a failure, drop the temporary graphs if the server still answers (once, no
    retries: the load has failed already and the real graphs are untouched); what became
    of them, for the error message."""
    try:
        update(endpoint, " ;\n".join(f"DROP SILENT GRAPH <{LOADING}{g}>" for g in names))
        return "every real graph is as it was, and the temporary graphs were dropped"
    except (Transient, RemoteError):
        return (f"every real graph is as it was; the temporary graphs <{LOADING}…> could not be dropped "
                "and are read by queries over the union until the next `kgtool load` drops them")


def drop_leftovers(endpoint: Endpoint, names: list[str]) -> None:
    """Drop the temporary graphs that an interrupted load left on the server (a store whose
    default graph is the union would read them in every query), before loading again."""
    temporary = [LOADING + name for name in names]
    found = retrying(endpoint, f"looking for temporary graphs at {endpoint.query}",
                     lambda: graph_counts(endpoint, temporary))
    left = [g for g, n in found.items() if n]
    if left:
        log(f"dropping {len(left)} temporary graph(s) an earlier load left behind "
            f"({sum(found.values())} triples)")
        retrying(endpoint, f"dropping temporary graphs at {endpoint.update}",
                 lambda: update(endpoint, " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in left)))


def server_name(graph: str, prefix: str | None) -> str:
    """The graph's name on the server: `prefix` in place of the graph namespace."""
    if prefix and graph.startswith(GRAPH_IRI):
        return prefix + graph[len(GRAPH_IRI):]
    return graph


def push(store: ox.Store, endpoint: Endpoint, expected: dict[str, int], prefix: str | None = None,
         size: int = 50_000) -> dict[str, int]:
    """Load every graph of the release (`expected`: triples per graph), swap them in
    together, and check the counts on the server. Returns the counts by server name."""
    names = {server_name(g, prefix): n for g, n in expected.items()}
    graphs = dict(zip(expected, names))  # release name -> server name
    began = time.perf_counter()
    staged, sent, changed = graphs, None, list(names)  # the standard way replaces every graph
    drop_leftovers(endpoint, list(names))
    if endpoint.server != "standard" and endpoint.graph_store and endpoint.user is None:
        # The counts the Oxigraph path starts from; the answer also says which server it is.
        there = retrying(endpoint, f"counting graphs at {endpoint.query}", lambda: graph_counts(endpoint, list(names)))
        if endpoint.is_oxigraph():
            staged, sent, changed = oxigraph_load(store, endpoint, graphs, names, there)
    if staged:
        stage_and_swap(store, endpoint, staged, names, size)
    found = retrying(endpoint, f"counting graphs at {endpoint.query}", lambda: graph_counts(endpoint, list(names)))
    wrong = [f"<{g}> has {found[g]} triples, expected {n}" for g, n in names.items() if found[g] != n]
    if wrong:
        raise RemoteError(f"after loading into {endpoint.update}: " + "; ".join(wrong))
    log(f"{what_changed(changed, bool(staged), len(names))}; {sum(found.values())} triples in {len(found)} "
        f"graphs counted in {time.perf_counter() - began:.2f} s")
    warnings = altered_literals(store, endpoint, staged) if staged else []
    if sent:
        warnings += literal_warnings(endpoint, sent, kept_literals(endpoint, sent, list(names)))
    for warning in warnings:
        print(f"kgtool: warning: {warning}", file=sys.stderr, flush=True)
    return found


def what_changed(changed: list[str], staged: bool, total: int) -> str:
    """What a load did, in words that stay true: the Oxigraph path knows which graphs
    differed, the standard way replaces every graph whether it differed or not."""
    if not changed:
        return f"unchanged: all {total} graphs were as in the release, nothing was written"
    if staged:
        return f"{len(changed)} of {total} graphs replaced whole"
    unchanged = f", {total - len(changed)} unchanged" if len(changed) < total else ""
    return f"{len(changed)} of {total} graphs written in one transaction{unchanged}"


def stage_and_swap(store: ox.Store, endpoint: Endpoint, graphs: dict[str, str], names: dict[str, int],
                   size: int) -> None:
    """The standard way: each graph (release name -> server name) into its temporary graph,
    checked, then all of them swapped in by one update."""
    try:
        for graph, name in graphs.items():
            start = time.perf_counter()
            stage(endpoint, store, graph, name, names[name], size)
            log(f"<{name}>: {names[name]} triples staged in {time.perf_counter() - start:.2f} s")
        swap(endpoint, {name: names[name] for name in graphs.values()})
    except RemoteError as error:
        raise RemoteError(f"{error}; {clean_up(endpoint, list(graphs.values()))}") from None
    except BaseException:  # interrupted: leave nothing behind where the server still answers
        log(clean_up(endpoint, list(graphs.values())))
        raise


# Loading into an Oxigraph server -------------------------------------------------------
#
# Oxigraph runs each request as one transaction, and its transactional writes are the
# slow part of any load (Oxigraph 0.5.13 on a 2-core machine: a transactional N-Quads POST
# of 134k triples 7.6 s; `MOVE` of the same triples between graphs 28 s; the bulk loader,
# not atomic, 3.6 s). So the Oxigraph path writes each triple once, in one transaction,
# and only the triples that change.

UPDATE_LIMIT = 32 * 2**20  # bytes of triples in one SPARQL Update; a larger change is staged
BLANK_LIMIT = 20_000  # triples with blank nodes compared up to their names (worst case exponential)
TYPED_LITERAL = re.compile(rb'("(?:[^"\\\n]|\\.)*"\^\^<[^>\n]*>) \.$', re.M)  # an object, in N-Triples


class Session:
    """Keep-alive HTTP/1.1 connections, one per origin, for the many requests of one load
    (a request body may be an iterator of bytes, sent chunked). Errors are sorted as `fetch`
    sorts them. It sends no credentials (see Endpoint.is_oxigraph)."""

    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint
        self.connections: dict = {}

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()
        self.connections.clear()

    def request(self, method: str, url: str, body: bytes | Iterable[bytes] | None = None,
                content_type: str | None = None, accept: str | None = None) -> bytes:
        parts = urllib.parse.urlsplit(url)
        connection = self.connections.get(parts[:2])
        if connection is None:
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            connection = self.connections[parts[:2]] = kind(parts.netloc, timeout=self.endpoint.timeout)
        headers = {k: v for k, v in (("Content-Type", content_type), ("Accept", accept)) if v}
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        started = time.monotonic()
        try:
            connection.request(method, target, body, headers,
                               encode_chunked=body is not None and not isinstance(body, bytes))
            response = connection.getresponse()
            data = read_bounded(response, self.endpoint, started, f"{method} {url}")
        except (OSError, http.client.HTTPException) as error:
            self.connections.pop(parts[:2]).close()
            refused = isinstance(error, ConnectionRefusedError)
            raise Transient(f"{method} {url}: {error or type(error).__name__}", sent=not refused) from None
        except BaseException:  # Transient or RemoteError from reading, or an interrupt
            self.connections.pop(parts[:2]).close()
            raise
        self.endpoint._server_headers = response.headers.get_all("Server") or []
        if response.status >= 400:
            detail = data[:300].decode("utf-8", "replace").strip()
            message = f"{method} {url}: HTTP {response.status} {response.reason}" + (f": {detail}" if detail else "")
            if response.status >= 500:
                raise Transient(message)
            raise RemoteError(message)
        return data

    def counts(self, graphs: list[str]) -> dict[str, int]:
        data = self.request("POST", self.endpoint.query, counting(graphs).encode(),
                            "application/sparql-query", "application/sparql-results+json")
        return read_counts(data, self.endpoint.query, graphs)


@dataclass
class Change:
    """What one graph needs: N-Triples to delete and to insert (`add` None: the whole graph
    of the release, read when it is sent), or `drop` to replace it whole."""

    graph: str  # its name in the release
    name: str  # its name on the server
    add: bytes | None
    remove: bytes = b""
    drop: bool = False


def local_triples(store: ox.Store, graph: str) -> bytes:
    return store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))


def ahead(function: Callable, items: list, workers: int = 2, window: int = 4) -> Iterator:
    """`function(item)` for each item in order, computed up to `window` items ahead on
    `workers` threads (pyoxigraph lets go of the GIL while it serializes)."""
    with ThreadPoolExecutor(workers) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) > window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def timed(function: Callable) -> Callable:
    def run(*args):
        start = time.perf_counter()
        return function(*args), time.perf_counter() - start
    return run


def has_blank_nodes(data: bytes) -> bool:
    """Whether N-Triples may hold a blank node (a literal reading `> _:` counts too)."""
    return data.startswith(b"_:") or b"\n_:" in data or b"> _:" in data


def lines(data: bytes) -> set[bytes]:
    found = set(data.split(b"\n"))
    found.discard(b"")
    return found


def ground_and_blank(data: bytes) -> tuple[set[bytes], list[bytes]]:
    """The lines of N-Triples without blank nodes, and the others (with, at worst, a few
    without: a literal whose last word starts with `_:`)."""
    ground, blank = set(), []
    for line in data.split(b"\n"):
        if not line:
            continue
        if line.startswith(b"_:") or line.rsplit(b" ", 2)[-2].startswith(b"_:"):  # subject, object
            blank.append(line)
        else:
            ground.add(line)
    return ground, blank


def canonical(blank: list[bytes]) -> set[str]:
    """Triples with blank nodes, their nodes named canonically: two sets are the same
    triples up to the names of blank nodes when these are equal."""
    dataset = ox.Dataset(ox.parse(b"".join(line + b"\n" for line in blank), format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(quad) for quad in dataset}


def joined(found: set[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in sorted(found))


def typed_in(data: bytes, into: dict[str, set[str]]) -> None:
    """The typed literals (plain and language-tagged strings aside) of N-Triples, by
    datatype, in the form str() gives a pyoxigraph term (parsed back, so escapes agree)."""
    terms = {m.group(1) for m in TYPED_LITERAL.finditer(data)}
    if terms:
        document = b"".join(b"<urn:x:s> <urn:x:p> " + t + b" .\n" for t in terms)
        for triple in ox.parse(document, format=ox.RdfFormat.N_TRIPLES):
            into.setdefault(triple.object.datatype.value, set()).add(str(triple.object))


def differences(store: ox.Store, endpoint: Endpoint, graphs: dict[str, str], names: dict[str, int],
                there: dict[str, int]) -> list[Change]:
    """The change of each graph: those the server holds are read back (several at a time,
    each thread on a connection of its own) and compared line by line; those it has not
    are new, read when they are sent."""
    held = [(graph, name) for graph, name in graphs.items() if there[name]]
    local, sessions = threading.local(), []

    def compare(pair: tuple[str, str]) -> tuple[Change | None, str, float]:
        graph, name = pair
        start = time.perf_counter()
        if not hasattr(local, "session"):
            local.session = Session(endpoint)
            sessions.append(local.session)
        ours = local_triples(store, graph) if names[name] else b""
        theirs = local.session.request("GET", graph_store_url(endpoint, name), accept=N_TRIPLES)
        if has_blank_nodes(ours) or has_blank_nodes(theirs):
            # Blank nodes have other names on the server: those triples are compared up to
            # names; when they differ, DELETE DATA cannot name them, so the graph goes whole.
            mine, my_blank = ground_and_blank(ours)
            yours, your_blank = ground_and_blank(theirs)
            if len(my_blank) + len(your_blank) > BLANK_LIMIT or canonical(my_blank) != canonical(your_blank):
                return (Change(graph, name, ours, drop=True), "its triples with blank nodes changed: to be "
                        "replaced whole", time.perf_counter() - start)
        else:
            mine, yours = lines(ours), lines(theirs)
        add, remove = mine - yours, yours - mine
        if not add and not remove:
            return None, "unchanged on the server", time.perf_counter() - start
        return (Change(graph, name, joined(add), joined(remove)), f"{len(add)} to add, {len(remove)} to remove",
                time.perf_counter() - start)

    changes = []
    try:
        for (graph, name), (change, what, seconds) in zip(held, ahead(compare, held, workers=3, window=12)):
            log(f"<{name}>: {names[name]} triples staged in {seconds:.2f} s ({what})")
            if change:
                changes.append(change)
    finally:
        for session in sessions:
            session.close()
    return changes + [Change(graph, name, None) for graph, name in graphs.items() if not there[name] and names[name]]


def post_additions(store: ox.Store, endpoint: Endpoint, session: Session, changes: list[Change],
                   names: dict[str, int], sent: dict[str, set[str]]) -> None:
    """Changes that only add triples, as one N-Quads document streamed to the Graph Store's
    dataset: one transaction."""
    read = timed(lambda change: change.add if change.add is not None else local_triples(store, change.graph))

    def documents():
        for change, (data, seconds) in zip(changes, ahead(read, changes)):
            typed_in(data, sent)
            if change.add is None:
                log(f"<{change.name}>: {names[change.name]} triples staged in {seconds:.2f} s (new)")
            yield as_quads(data, change.name)

    session.request("POST", endpoint.graph_store, documents(), N_QUADS)


def update_text(store: ox.Store, changes: list[Change], names: dict[str, int], sent: dict[str, set[str]],
                limit: int) -> bytes | None:
    """One SPARQL Update for all changes, or None past `limit` bytes of triples. One INSERT
    DATA holds every graph, so a blank node label means one node, as in the release."""
    drops, deletes, inserts, size = [], [], [], 0
    for change in changes:
        start = time.perf_counter()
        add = change.add if change.add is not None else local_triples(store, change.graph)
        size += len(add) + len(change.remove)
        if size > limit:
            return None
        typed_in(add, sent)
        if change.add is None:
            log(f"<{change.name}>: {names[change.name]} triples staged in {time.perf_counter() - start:.2f} s (new)")
        graph = f"GRAPH <{change.name}> {{\n".encode()
        if change.drop:
            drops.append(f"DROP SILENT GRAPH <{change.name}>".encode())
        if change.remove:
            deletes.append(graph + change.remove + b"}")
        if add:
            inserts.append(graph + add + b"}")
    parts = drops + [b"DELETE DATA {\n" + b"\n".join(deletes) + b"\n}"] * bool(deletes) \
        + [b"INSERT DATA {\n" + b"\n".join(inserts) + b"\n}"] * bool(inserts)
    return b" ;\n".join(parts)


def oxigraph_load(store: ox.Store, endpoint: Endpoint, graphs: dict[str, str], names: dict[str, int],
                  there: dict[str, int]) -> tuple[dict[str, str], dict[str, set[str]], list[str]]:
    """Bring the server's graphs to the release in one request (see the module's text).
    Returns the graphs left to the standard way (a change past UPDATE_LIMIT), the typed
    literals sent, and the server names of the graphs that differed (none: the server held
    the release already). Each attempt starts from what the server holds, so one that fails
    or whose answer is lost can be repeated."""
    session = Session(endpoint)
    first = [there]
    sent: dict[str, set[str]] = {}
    changed: list[str] = []

    def attempt():
        sent.clear()
        changes = differences(store, endpoint, graphs, names, first.pop() if first else session.counts(list(names)))
        changed[:] = [change.name for change in changes]
        if not changes:
            return {}
        if not any(change.remove or change.drop for change in changes):
            post_additions(store, endpoint, session, changes, names, sent)
            return {}
        text = update_text(store, changes, names, sent, UPDATE_LIMIT)
        if text is None:
            log(f"the change of {len(changes)} graphs is over {UPDATE_LIMIT >> 20} MB; staging them instead")
            sent.clear()
            return {change.graph: change.name for change in changes}
        session.request("POST", endpoint.update, text, "application/sparql-update")
        return {}

    try:
        staged = retrying(endpoint, f"loading {len(names)} graphs at {endpoint.graph_store}", attempt)
    finally:
        session.close()
    return staged, sent, changed


# Literals the store kept or changed ----------------------------------------------------
#
# A count of triples does not show a store that rewrites literals as it loads them:
# Virtuoso 7 stores `"P200D"^^xsd:duration` as a number of seconds and answers
# `"1.728e+07"^^xsd:duration` (openlink/virtuoso-opensource#936). After a load, the
# distinct typed literals of the release (plain and language-tagged strings aside) are
# read back and compared term by term; each datatype whose literals did not all come
# back is a warning, with an example.

PLAIN = ("http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
KNOWN_REWRITES = {
    "http://www.w3.org/2001/XMLSchema#duration":
        "Virtuoso 7 stores xsd:duration as a number, openlink/virtuoso-opensource#936",
}


def typed_literals(store: ox.Store, graphs: list[str]) -> dict[str, set[str]]:
    """The distinct typed literals of the graphs in N-Triples form, by datatype."""
    found: dict[str, set[str]] = {}
    if not graphs:
        return found
    values = " ".join(f"<{g}>" for g in graphs)
    plain = ", ".join(f"<{t}>" for t in PLAIN)
    for row in store.query(f"SELECT DISTINCT ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
                           f"FILTER(isLiteral(?o) && !(DATATYPE(?o) IN ({plain}))) }}"):
        term = row["o"]
        found.setdefault(term.datatype.value, set()).add(str(term))
    return found


def altered_literals(store: ox.Store, endpoint: Endpoint, graphs: dict[str, str]) -> list[str]:
    """What the server changed: one sentence per datatype whose literals in the loaded
    graphs (`graphs`: local name -> server name) are not all on the server as sent."""
    local = typed_literals(store, list(graphs))
    if not local:
        return []
    values = " ".join(f"<{g}>" for g in graphs.values())
    types = ", ".join(f"<{t}>" for t in sorted(local))
    text = (f"SELECT DISTINCT ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
            f"FILTER(isLiteral(?o) && DATATYPE(?o) IN ({types})) }}")
    answer = retrying(endpoint, f"reading back literals at {endpoint.query}", lambda: select(endpoint, text))
    remote: dict[str, set[str]] = {}
    for row in answer:
        term = row["o"]
        remote.setdefault(term.datatype.value, set()).add(str(term))
    return literal_warnings(endpoint, local, remote)


def kept_literals(endpoint: Endpoint, sent: dict[str, set[str]], graphs: list[str]) -> dict[str, set[str]]:
    """Which of the typed literals sent are on the server, each looked up by value (an
    index lookup, not a scan of the graphs), in a graph whose name starts as ours do."""
    terms = sorted(set().union(*sent.values()))
    prefix = str(ox.Literal(os.path.commonprefix(graphs)))
    found: dict[str, set[str]] = {}
    for start in range(0, len(terms), 1000):
        values = " ".join(terms[start:start + 1000])
        text = (f"SELECT DISTINCT ?o WHERE {{ VALUES ?o {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
                f"FILTER(STRSTARTS(STR(?g), {prefix})) }}")
        for row in retrying(endpoint, f"reading back literals at {endpoint.query}", lambda: select(endpoint, text)):
            found.setdefault(row["o"].datatype.value, set()).add(str(row["o"]))
    return found


def literal_warnings(endpoint: Endpoint, local: dict[str, set[str]], remote: dict[str, set[str]]) -> list[str]:
    """One sentence per datatype whose literals sent (`local`) are not all among those the
    server has (`remote`), with an example."""
    warnings = []
    for datatype, sent in sorted(local.items()):
        back = remote.get(datatype, set())
        missing = sorted(sent - back)
        if not missing:
            continue
        instead = sorted(back - sent)
        example = f"the release has {missing[0]}" + (f", the store has {instead[0]}, which the release has not"
                                                      if instead else ", the store has not")
        why = KNOWN_REWRITES.get(datatype, "see README.md, Loading into a triple store")
        warnings.append(f"the store at {endpoint.query} changed {len(missing)} of the {len(sent)} distinct "
                        f"<{datatype}> literals on loading ({example}; {why}); saved queries that read "
                        f"them answer differently there than on the release")
    return warnings


# The default graph ---------------------------------------------------------------------
#
# The saved queries name no graph: they read the default graph, which must be the union of
# the named graphs the release is loaded into. A store where it is not (a stock `oxigraph
# serve`) answers every one of them with no rows, and exit 0. So `kgtool load` and `kgtool
# query --endpoint` ask once whether it is, and stop if it is plainly not.

NOT_IN_DEFAULT_GRAPH = (f"SELECT ?ontology ?g WHERE {{ GRAPH ?g {{ ?ontology a <{OWL}Ontology> }} "
                        f"FILTER NOT EXISTS {{ ?ontology a <{OWL}Ontology> }} }} LIMIT 1")


def union_setting(endpoint: Endpoint) -> str:
    """How to make the default graph the union: for an Oxigraph server (its `Server`
    header says so), its flag; for any other, the settings known to be right."""
    if any(header.startswith("Oxigraph/") for header in endpoint._server_headers):
        return "restart it as `oxigraph serve --union-default-graph` (on the same --location its graphs stay)"
    return ("make it so (Oxigraph: `oxigraph serve --union-default-graph`; Jena Fuseki: `tdb2:unionDefaultGraph "
            "true` on a TDB2 dataset, `tdb:unionDefaultGraph true` on TDB1; another store: see its documentation)")


def check_union_default_graph(endpoint: Endpoint, loaded: dict[str, int] | None = None) -> None:
    """Raise RemoteError, naming the store's setting, when its default graph is plainly not
    the union of its named graphs; `loaded`: the counts `push` returned, when it ran first.

    One cheap query: an `owl:Ontology` triple that is in a named graph but not in the
    default graph (an index lookup; a SELECT, as Virtuoso 7 answers an ASK in JSON as a
    table). Every release has such a triple in its ontology graph, whatever --graph-prefix
    names that graph, and the test holds whatever else the default graph has. A store with
    no ontology in any named graph (empty, or holding other data) passes: it tells nothing.

    `kgtool load` asks after loading, as only then is a triple known to be there: on an
    empty store nothing can be told before, and writing a probe triple would be a write of
    its own. The load is complete and counted by then; the error says so, and that what is
    missing is the store's setting."""
    data = retrying(endpoint, f"checking the default graph at {endpoint.query}",
                    lambda: form(endpoint, endpoint.query, "query", NOT_IN_DEFAULT_GRAPH,
                                 "application/sparql-results+json"))
    rows = results_json(data, endpoint.query).get("results", {}).get("bindings", [])
    if not rows:
        return
    seen = f"<{rows[0].get('ontology', {}).get('value')}> is in graph <{rows[0].get('g', {}).get('value')}>"
    if loaded is None:
        raise RemoteError(f"the default graph of the store at {endpoint.query} is not the union of its named "
                          f"graphs ({seen}, not in the default graph), so the saved queries would find nothing "
                          f"there; {union_setting(endpoint)}")
    raise RemoteError(f"the release is loaded into {endpoint.update} ({sum(loaded.values())} triples in "
                      f"{len(loaded)} graphs, counted), but the store's default graph is not the union of its "
                      f"named graphs, so queries that name no graph (every saved query) find none of it; "
                      f"{union_setting(endpoint)}")


# Queries -------------------------------------------------------------------------------

def query_form(text: str) -> str:
    """SELECT or ASK, read past the prologue, comments, strings and IRIs (SPARQLWrapper's
    own guess reads words in comments)."""
    from .queries import query_form as first_keyword

    form = first_keyword(text)
    if form in ("SELECT", "ASK"):
        return form
    raise RemoteError("only SELECT and ASK queries run on a remote endpoint")


def select(endpoint: Endpoint, text: str):
    """Run a query with SPARQLWrapper; the answer as pyoxigraph query results, so that it
    is formatted exactly as an answer of the embedded store."""
    from SPARQLWrapper import BASIC, DIGEST, JSON, POST, URLENCODED, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

    client = SPARQLWrapper(endpoint.query)
    client.setMethod(POST)
    client.setRequestMethod(URLENCODED)
    client.setReturnFormat(JSON)
    client.setTimeout(int(endpoint.timeout))
    client.setQuery(text)
    client.queryType = query_form(text)  # SPARQLWrapper's guess reads words in comments
    if endpoint.user is not None:
        client.setHTTPAuth(DIGEST if endpoint.auth == "digest" else BASIC)
        client.setCredentials(endpoint.user, endpoint.password or "")

    def ask():
        started = time.monotonic()
        try:
            return read_bounded(client.query().response, endpoint, started, f"query at {endpoint.query}")
        except EndPointInternalError as error:
            raise Transient(str(error).strip()) from None
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                raise Transient(f"HTTP {error.code} {error.reason}") from None
            raise RemoteError(f"query at {endpoint.query}: HTTP {error.code} {error.reason}") from None
        except SPARQLWrapperException as error:
            raise RemoteError(f"query at {endpoint.query}: {str(error).strip()}") from None
        except urllib.error.URLError as error:
            raise Transient(str(error.reason), sent=not isinstance(error.reason, ConnectionRefusedError)) from None
        except (OSError, http.client.HTTPException) as error:
            raise Transient(str(error) or type(error).__name__) from None

    data = retrying(endpoint, f"query at {endpoint.query}", ask)
    answer = valid_blank_nodes(results_json(data, endpoint.query))
    try:
        return ox.parse_query_results(answer, format=ox.QueryResultsFormat.JSON)
    except SyntaxError as error:
        raise RemoteError(f"{endpoint.query} answered SPARQL JSON results that do not read: {error}") from None


def valid_blank_nodes(answer: dict) -> bytes:
    """SPARQL JSON results whose blank node names are valid labels. Virtuoso names them
    `nodeID://b10000`, which pyoxigraph refuses; each character outside [A-Za-z0-9] is
    written as `_HEX_`, so distinct names stay distinct."""
    for row in answer.get("results", {}).get("bindings", []):
        for term in row.values():
            if isinstance(term, dict) and term.get("type") == "bnode" and isinstance(term.get("value"), str):
                term["value"] = re.sub(r"[^A-Za-z0-9]", lambda m: f"_{ord(m.group()):x}_", term["value"])
    return json.dumps(answer).encode()


def run(endpoint: Endpoint, query, bindings: dict, allowed_services: list[str] = ()):
    """A saved query on the endpoint: the same text as on the embedded store (parameters in
    a VALUES block first in the outer WHERE group)."""
    from .queries import prepare

    return select(endpoint, prepare(query, bindings, allowed_services))
