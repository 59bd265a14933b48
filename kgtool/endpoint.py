"""A read-only SPARQL 1.1 Protocol endpoint over the embedded store, for `kgtool serve`.

Read-only because the store is the release: updates are refused with 403, whether sent as
`update=`, as an application/sparql-update body, or disguised as a query. A SERVICE call
would make this server fetch from any address a visitor names, so it is refused unless the
operator allowed that endpoint (--allow-service, as for `kgtool query`).

Limits: answers stop after `max_rows` rows (header X-Kgtool-Truncated) and after `timeout`
seconds (503). pyoxigraph cannot cancel a query: a streaming query stops when its rows are
no longer read, but one that sorts or groups runs to its end in its worker thread, so at
most `workers` queries run at once and further ones get 503 until a worker is free.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from .queries import UPDATE_FORMS, QueryError, check_services, query_form, to_iri

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

RESULT_TYPES = {  # SELECT and ASK: media type -> format; the first is the default
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {  # CONSTRUCT and DESCRIBE
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}


@dataclass
class Limits:
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2
    allowed_services: list[str] = field(default_factory=list)


class Refused(Exception):
    """The request cannot be answered; `status` says why (400, 403, 406, 503)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Answer:
    boolean: bool | None = None
    variables: list[str] = field(default_factory=list)
    rows: list = field(default_factory=list)   # solutions or triples
    graph: bool = False
    truncated: bool = False


# Reading the request --------------------------------------------------------------------

@dataclass
class Asked:
    """What the client asked: the query text and the graphs it names."""

    query: str
    default_graphs: list[str]
    named_graphs: list[str]


async def read_request(request: Request) -> Asked:
    """The query and dataset of a GET, a form POST, or an application/sparql-query POST."""
    params = {k: request.query_params.getlist(k) for k in request.query_params.keys()}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method == "POST":
        body = (await request.body()).decode("utf-8", errors="replace")
        if kind == "application/sparql-update":
            raise Refused(403, "this endpoint is read-only: updates are refused")
        if kind == "application/sparql-query":
            params["query"] = [body]
        elif kind == "application/x-www-form-urlencoded":
            for key, values in parse_qs(body, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        else:
            raise Refused(415, "POST wants application/x-www-form-urlencoded or application/sparql-query")
    if "update" in params:
        raise Refused(403, "this endpoint is read-only: updates are refused")
    queries = params.get("query", [])
    if len(queries) != 1 or not queries[0].strip():
        raise Refused(400, "give exactly one query (query=... or an application/sparql-query body)")
    return Asked(queries[0], params.get("default-graph-uri", []), params.get("named-graph-uri", []))


def is_update(text: str) -> bool:
    """Whether the first keyword after the prologue starts a SPARQL Update; anything else
    that is not a query is left to the parser, which answers 400."""
    return query_form(text) in UPDATE_FORMS


def check(req: Asked, limits: Limits) -> None:
    if is_update(req.query):
        raise Refused(403, "this endpoint is read-only: updates are refused")
    try:
        check_services(req.query, limits.allowed_services)
    except QueryError as error:
        raise Refused(403, f"SERVICE refused: {error}") from None


def dataset(req: Asked) -> dict:
    """pyoxigraph's dataset arguments: the graphs named by the request, else the union."""
    try:
        defaults = [to_iri(g) for g in req.default_graphs]
        named = [to_iri(g) for g in req.named_graphs]
    except ValueError as error:
        raise Refused(400, f"default-graph-uri / named-graph-uri: {error}") from None
    if not defaults and not named:
        return {"use_default_graph_as_union": True}
    return {"default_graph": defaults or None, "named_graphs": named or None}


# Evaluating with limits -----------------------------------------------------------------

def evaluate(store: ox.Store, text: str, args: dict, limits: Limits) -> Answer:
    """Run and read at most max_rows rows, stopping when the time is up."""
    deadline = time.monotonic() + limits.timeout
    try:
        results = store.query(text, **args)
    except SyntaxError as error:
        raise Refused(400, f"query does not parse: {error}") from None
    except OSError as error:
        raise Refused(400, f"query failed: {error}") from None
    if isinstance(results, ox.QueryBoolean):
        return Answer(boolean=bool(results))
    answer = Answer(graph=isinstance(results, ox.QueryTriples))
    if not answer.graph:
        answer.variables = [v.value for v in results.variables]
    for item in results:
        if time.monotonic() > deadline:
            raise Refused(503, f"the query took longer than {limits.timeout:g} s")
        if len(answer.rows) == limits.max_rows:
            answer.truncated = True
            break
        answer.rows.append(item)
    return answer


class Runner:
    """At most `workers` evaluations at once, each given `timeout` seconds."""

    def __init__(self, store: ox.Store, limits: Limits):
        self.store, self.limits = store, limits
        self.pool = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="sparql")
        self.slots = threading.BoundedSemaphore(limits.workers)

    def work(self, text: str, args: dict) -> Answer:
        try:
            return evaluate(self.store, text, args, self.limits)
        finally:
            self.slots.release()

    async def answer(self, text: str, args: dict) -> Answer:
        if not self.slots.acquire(blocking=False):
            raise Refused(503, "busy: too many queries are running; try again shortly")
        future = self.pool.submit(self.work, text, args)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.limits.timeout)
        except asyncio.TimeoutError:
            raise Refused(503, f"the query took longer than {self.limits.timeout:g} s") from None


# Writing the answer ---------------------------------------------------------------------

def accepted(header: str) -> list[str]:
    """Media types of an Accept header, most wanted first (q=0 left out)."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        media, *options = [p.strip() for p in part.split(";")]
        q = 1.0
        for option in options:
            if option.startswith("q="):
                try:
                    q = float(option[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, position, media.lower()))
    return [media for _, _, media in sorted(ranked)]


def negotiate(header: str, offered: dict) -> str:
    """The first offered media type the client accepts; the default for */* or no header."""
    wanted = accepted(header or "*/*")
    for media in wanted:
        if media in offered:
            return media
        if media in ("*/*", "application/*", "text/*"):
            return next(m for m in offered if m.startswith(media[:-1]) or media == "*/*")
    raise Refused(406, f"cannot answer in {header}; offered: {', '.join(offered)}")


def term_json(term) -> dict:
    """A term in the SPARQL 1.1 Query Results JSON format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def solutions_json(answer: Answer) -> bytes:
    bindings = [{v: term_json(row[v]) for v in answer.variables if row[v] is not None} for row in answer.rows]
    return json.dumps({"head": {"vars": answer.variables}, "results": {"bindings": bindings}}).encode("utf-8")


def body(answer: Answer, accept: str) -> tuple[bytes, str]:
    """The answer serialized in the negotiated format, and its media type. Kept rows are
    written as JSON, then re-read by pyoxigraph to write CSV, TSV or XML, so every format
    comes from one serializer and holds exactly the same (possibly truncated) rows."""
    if answer.graph:
        media = negotiate(accept, GRAPH_TYPES)
        return ox.serialize(answer.rows, format=GRAPH_TYPES[media]), media
    media = negotiate(accept, RESULT_TYPES)
    fmt = RESULT_TYPES[media]
    if answer.boolean is not None:
        data = json.dumps({"head": {}, "boolean": answer.boolean}).encode()
    else:
        data = solutions_json(answer)
    if fmt != ox.QueryResultsFormat.JSON:
        data = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON).serialize(format=fmt)
    return data, media


def handler(store: ox.Store, limits: Limits):
    """The Starlette endpoint for /sparql (GET and POST)."""
    runner = Runner(store, limits)

    async def sparql(request: Request) -> Response:
        try:
            req = await read_request(request)
            check(req, limits)
            answer = await runner.answer(req.query, dataset(req))
            data, media = body(answer, request.headers.get("accept", ""))
        except Refused as refusal:
            return PlainTextResponse(str(refusal) + "\n", status_code=refusal.status)
        headers = {"X-Kgtool-Truncated": str(limits.max_rows)} if answer.truncated else {}
        return Response(data, media_type=media, headers=headers)

    return sparql
