"""Everything that talks to another server: pushing the release's named graphs into a
triple store, and running saved queries on a remote SPARQL endpoint.

Loading never leaves a graph half-written, and never leaves a release half-swapped: every
graph is first bulk-loaded into a temporary graph of its own (SPARQL 1.1 Graph Store HTTP
Protocol, or `INSERT DATA` where there is no Graph Store endpoint) and its triple count
checked; only then does one SPARQL Update request `MOVE` all of them onto the real graphs,
which the store runs as one transaction. A failure before that leaves every real graph as
it was. Afterwards the triples of each graph on the server are counted again.

Requests that fail for a reason that may pass (connection refused or dropped, timeout,
HTTP 5xx) are retried with exponential backoff in one place, `retrying`."""

from __future__ import annotations

import http.client
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Callable, Iterator

import pyoxigraph as ox

from .namespaces import GRAPH_IRI

N_TRIPLES = "application/n-triples"
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
    timeout: float = 300.0
    retries: int = 4
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    _opener: urllib.request.OpenerDirector | None = field(default=None, repr=False)

    def __post_init__(self):
        self.update = self.update or self.query

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


def fetch(endpoint: Endpoint, method: str, url: str, body: bytes | None = None,
         content_type: str | None = None, accept: str | None = None) -> bytes:
    """One request. Raises Transient for what a retry may cure, RemoteError otherwise."""
    request = urllib.request.Request(url, data=body, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    if accept:
        request.add_header("Accept", accept)
    try:
        with endpoint.opener().open(request, timeout=endpoint.timeout) as response:
            return response.read()
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


def graph_counts(endpoint: Endpoint, graphs: list[str]) -> dict[str, int]:
    """Triples in each graph on the server (0 for a graph it does not have)."""
    values = " ".join(f"<{g}>" for g in graphs)
    text = f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    answer = json.loads(form(endpoint, endpoint.query, "query", text, "application/sparql-results+json"))
    counts = {row["g"]["value"]: int(row["n"]["value"]) for row in answer["results"]["bindings"]}
    return {g: counts.get(g, 0) for g in graphs}


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


def clean_up(endpoint: Endpoint, names: list[str]) -> None:
    """After a failure, drop the temporary graphs if the server still answers (once, no
    retries: the load has failed already and the real graphs are untouched)."""
    try:
        update(endpoint, " ;\n".join(f"DROP SILENT GRAPH <{LOADING}{g}>" for g in names))
    except (Transient, RemoteError):
        log("could not drop the temporary graphs <" + LOADING + "…>; the next load replaces them")


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
    began = time.perf_counter()
    try:
        for (graph, count), name in zip(expected.items(), names):
            start = time.perf_counter()
            stage(endpoint, store, graph, name, count, size)
            log(f"<{name}>: {count} triples staged in {time.perf_counter() - start:.2f} s")
        swap(endpoint, names)
    except RemoteError:
        clean_up(endpoint, list(names))
        raise
    found = retrying(endpoint, f"counting graphs at {endpoint.query}", lambda: graph_counts(endpoint, list(names)))
    wrong = [f"<{g}> has {found[g]} triples, expected {n}" for g, n in names.items() if found[g] != n]
    if wrong:
        raise RemoteError(f"after loading into {endpoint.update}: " + "; ".join(wrong))
    log(f"{sum(found.values())} triples in {len(found)} graphs replaced and counted "
        f"in {time.perf_counter() - began:.2f} s")
    for warning in altered_literals(store, endpoint, dict(zip(expected, names))):
        print(f"kgtool: warning: {warning}", file=sys.stderr, flush=True)
    return found


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
    for graph in graphs:
        for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            term = quad.object
            if isinstance(term, ox.Literal) and term.datatype.value not in PLAIN:
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
        try:
            return client.query().response.read()
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
    return ox.parse_query_results(valid_blank_nodes(data), format=ox.QueryResultsFormat.JSON)


def valid_blank_nodes(data: bytes) -> bytes:
    """SPARQL JSON results whose blank node names are valid labels. Virtuoso names them
    `nodeID://b10000`, which pyoxigraph refuses; each character outside [A-Za-z0-9] is
    written as `_HEX_`, so distinct names stay distinct."""
    answer = json.loads(data)
    for row in answer.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode":
                term["value"] = re.sub(r"[^A-Za-z0-9]", lambda m: f"_{ord(m.group()):x}_", term["value"])
    return json.dumps(answer).encode()


def run(endpoint: Endpoint, query, bindings: dict, allowed_services: list[str] = ()):
    """A saved query on the endpoint: the same text as on the embedded store (parameters in
    a VALUES block first in the outer WHERE group)."""
    from .queries import prepare

    return select(endpoint, prepare(query, bindings, allowed_services))
