"""A store's SPARQL endpoints (`Endpoint`) and `kgtool query --endpoint`: a query run
there over the client, its answer read into pyoxigraph's query results, so that it is
formatted exactly as an answer of the embedded store."""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field

import pyoxigraph as ox

from .. import query as queries
from .client import FORM, Answer, Client, RemoteError, form_body, retrying

JSON_RESULTS = "application/sparql-results+json"
RESULTS = f"{JSON_RESULTS}, application/sparql-results+xml;q=0.5"
TRIPLES = "application/n-triples, text/turtle;q=0.5"
XML_BLANK_NODE = re.compile(rb"<bnode>([^<]*)</bnode>")


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
    agent: str | None = None  # the User-Agent header, if any
    client: Client = field(init=False, repr=False)
    _server_headers: list[str] = field(default_factory=list, repr=False)  # of the last answer

    def __post_init__(self):
        self.update = self.update or self.query
        self.client = Client(self.timeout, self.max_answer_bytes, self.user, self.password, self.auth, self.agent)

    def is_oxigraph(self) -> bool:
        """Whether loading may take the Oxigraph path: a Graph Store endpoint, no credentials
        (Oxigraph has no authentication of its own, so credentials mean something else
        answers), all three endpoints on one origin, and an answer that came with exactly
        one `Server` header, Oxigraph's. Behind a proxy that adds or replaces that header,
        loading keeps to the standard protocols."""
        if not self.graph_store or self.user is not None:
            return False
        origins = {urllib.parse.urlsplit(url)[:2] for url in (self.query, self.update, self.graph_store)}
        return (len(origins) == 1 and len(self._server_headers) == 1
                and self._server_headers[0].startswith("Oxigraph/"))

    def request(self, method: str, url: str, body=None, content_type: str | None = None,
                accept: str | None = None) -> Answer:
        """The client's request, remembering which server answered."""
        answer = self.client.request(method, url, body, content_type, accept)
        self._server_headers = answer.server
        return answer

    def form(self, url: str, key: str, text: str, accept: str | None = None) -> Answer:
        return self.request("POST", url, form_body(**{key: text}), FORM, accept)


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


def rows(data: bytes, where: str) -> list[dict]:
    """The solutions of a SPARQL JSON results answer, as JSON (none for a boolean)."""
    return results_json(data, where).get("results", {}).get("bindings", [])


def query_form(text: str) -> str:
    """The query's form, read past the prologue, comments, strings and IRIs."""
    form = queries.query_form(text)
    if form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        return form
    raise RemoteError("only SELECT, ASK, CONSTRUCT and DESCRIBE queries run on a remote endpoint")


def select(endpoint: Endpoint, text: str, what: str | None = None):
    """Run a query on the endpoint (`what`: the step it is, for the log and the error); the
    answer as pyoxigraph query results (solutions, a boolean, or triples), so that it is
    formatted exactly as an answer of the embedded store."""
    graph = query_form(text) in ("CONSTRUCT", "DESCRIBE")
    answer = retrying(endpoint, what or f"query at {endpoint.query}",
                      lambda: endpoint.form(endpoint.query, "query", text, TRIPLES if graph else RESULTS))
    return triples(answer, endpoint.query) if graph else solutions(answer, endpoint.query)


def solutions(answer: Answer, where: str):
    """SPARQL JSON or XML results, read through once here, so that a term that does not
    read is an error now, not a traceback when the rows are written."""
    if answer.media_type == "application/sparql-results+xml":
        data = XML_BLANK_NODE.sub(lambda m: b"<bnode>%s</bnode>" % blank_label(m.group(1).decode("utf-8", "replace")).encode(),
                                  answer.data)
        kind = ox.QueryResultsFormat.XML
    else:
        data, kind = valid_blank_nodes(results_json(answer.data, where)), ox.QueryResultsFormat.JSON
    try:
        results = ox.parse_query_results(data, format=kind)
        if isinstance(results, ox.QuerySolutions):
            list(results)
    except SyntaxError as error:
        raise RemoteError(f"{where} answered SPARQL results that do not read: {error}") from None
    return ox.parse_query_results(data, format=kind)


def triples(answer: Answer, where: str) -> ox.QueryTriples:
    """An RDF answer (N-Triples, Turtle, RDF/XML) as the embedded store answers CONSTRUCT."""
    kind = ox.RdfFormat.from_media_type(answer.media_type)
    if kind is None or kind.supports_datasets:
        start = answer.data[:80].decode("utf-8", "replace").strip()
        raise RemoteError(f"{where} did not answer with RDF triples; it sent {answer.media_type} {start!r}…")
    store = ox.Store()
    try:
        store.load(answer.data, format=kind)
    except SyntaxError as error:
        raise RemoteError(f"{where} answered {answer.media_type} that does not read: {error}") from None
    return store.query("CONSTRUCT WHERE { ?s ?p ?o }")


def blank_label(name: str) -> str:
    """A valid blank node label for the server's name of a node: Virtuoso names them
    `nodeID://b10000`, which pyoxigraph refuses; each character outside [A-Za-z0-9] is
    written as `_HEX_`, so distinct names stay distinct."""
    return re.sub(r"[^A-Za-z0-9]", lambda m: f"_{ord(m.group()):x}_", name)


def valid_blank_nodes(answer: dict) -> bytes:
    """SPARQL JSON results whose blank node names are valid labels (`blank_label`)."""
    for row in answer.get("results", {}).get("bindings", []):
        for term in row.values():
            if isinstance(term, dict) and term.get("type") == "bnode" and isinstance(term.get("value"), str):
                term["value"] = blank_label(term["value"])
    return json.dumps(answer).encode()


def run(endpoint: Endpoint, query, bindings: dict, allowed_services: list[str] = ()):
    """A saved query on the endpoint: the same text as on the embedded store (parameters in
    a VALUES block first in the outer WHERE group)."""
    return select(endpoint, queries.prepare(query, bindings, allowed_services))
