"""A read-only SPARQL 1.1 Protocol endpoint over the embedded store, for `kgtool serve`.

Read-only because the store is the release: updates are refused with 403, whether sent as
`update=`, as an application/sparql-update body, or disguised as a query. A SERVICE call
would make this server fetch from any address a visitor names, so it is refused unless the
operator allowed that endpoint (--allow-service, as for `kgtool query`).

Limits (`Limits`, docs/safety.md): every query is measured, then evaluated in a worker
process that is killed at its deadline and may crash or run out of memory alone; answers
stop after `max_rows` rows (header X-Kgtool-Truncated).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import parse_qs

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..limits import Limits
from ..query import (UPDATE_FORMS, Answer, QueryError, check_services, nesting_depth, query_form, read_answer,
                     syntax_message, to_iri, write_answer)
from ..query.worker import TimeLimit, WorkerDied, call

RESULT_TYPES = {  # SELECT and ASK: media type -> format (query.FORMATS); the first is the default
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {  # CONSTRUCT and DESCRIBE
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}


class Refused(Exception):
    """The request cannot be answered; `status` says why (400, 403, 406, 503)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status

    def __reduce__(self):  # it comes back from a worker process
        return Refused, (self.status, str(self))


# Reading the request --------------------------------------------------------------------

@dataclass
class Asked:
    """What the client asked: the query text and the graphs it names."""

    query: str
    default_graphs: list[str]
    named_graphs: list[str]


async def bounded_body(request: Request, max_query_bytes: int) -> bytes:
    """The request body, refused (413) as soon as it is longer than a query may be, with
    room for form encoding: a client cannot make the server hold an endless body."""
    most = 3 * max_query_bytes + 4096
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > most:
        raise Refused(413, f"the request body is {declared} bytes; this endpoint takes at most {most}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > most:
            raise Refused(413, f"the request body is longer than {most} bytes; this endpoint takes no more")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_request(request: Request, limits: Limits) -> Asked:
    """The query and dataset of a GET, a form POST, or an application/sparql-query POST."""
    params = {k: request.query_params.getlist(k) for k in request.query_params.keys()}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method == "POST":
        body = (await bounded_body(request, limits.max_query_bytes)).decode("utf-8", errors="replace")
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
#
# What a trusted SPARQL service does (Fuseki, Virtuoso, QLever): a query is measured before
# it is evaluated (size, nesting), then evaluated in a process of its own (worker.call),
# which is killed at its deadline, may not grow past a memory limit, and may crash alone.
# At most `workers` such processes run at once; further queries wait their turn, up to
# `queue` of them and `queue_wait` seconds each, before they are told the server is busy.


def measure(text: str, limits: Limits) -> None:
    """Refuse, before any parser sees it, a query too long or nested too deep: a deep
    enough nest overflows the stack of the (recursive) SPARQL parser and kills its process."""
    size = len(text.encode("utf-8"))
    if size > limits.max_query_bytes:
        raise Refused(413, f"the query is {size} bytes long; this endpoint takes at most "
                           f"{limits.max_query_bytes} (--max-query-bytes)")
    depth = nesting_depth(text)
    if depth > limits.max_nesting:
        raise Refused(400, f"the query nests {depth} levels of brackets deep; this endpoint takes at most "
                           f"{limits.max_nesting} (--max-nesting)")


def evaluate(store: ox.Store, text: str, args: dict, limits: Limits, concatenated: set[str] = frozenset()) -> Answer:
    """Run and read at most max_rows rows (query.read_answer), stopping when the time is
    up; the answer holds only picklable terms, so a worker process can send it back."""
    deadline = time.monotonic() + limits.timeout
    try:
        return read_answer(store.query(text, **args), limits.max_rows, concatenated, deadline)
    except SyntaxError as error:
        raise Refused(400, f"query does not parse: {syntax_message(text, error)}") from None
    except TimeoutError:
        raise Refused(503, f"the query took longer than {limits.timeout:g} s") from None
    except (OSError, ValueError, TypeError) as error:  # pyoxigraph raises OSError while streaming, too
        raise Refused(400, f"query failed: {error}") from None


class Runner:
    """Queries evaluated in worker processes: at most `workers` at once, the others waiting
    in a bounded queue; each given `timeout` seconds and `memory_mb` MiB."""

    def __init__(self, store: ox.Store, limits: Limits):
        self.store, self.limits = store, limits
        self.pool = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="sparql")
        self.running = asyncio.Semaphore(limits.workers)
        self.waiting = 0

    def work(self, text: str, args: dict, concatenated: set[str] = frozenset()) -> Answer:
        """In a pool thread: the answer of a worker process, or why there is none."""
        limits = self.limits
        try:
            return call(lambda: evaluate(self.store, text, args, limits, concatenated), limits.timeout, limits.memory_mb)
        except TimeLimit:
            raise Refused(503, f"the query took longer than {limits.timeout:g} s and was stopped") from None
        except WorkerDied as died:
            status = 503 if died.out_of_memory else 500
            raise Refused(status, f"{died}; the query was stopped, the server goes on") from None
        except MemoryError as error:
            raise Refused(503, f"{error}; the query was stopped, the server goes on") from None

    async def answer(self, text: str, args: dict, concatenated: set[str] = frozenset()) -> Answer:
        """The answer within the limits, for /sparql and the pages alike (the one time-limit
        policy); a saved query's `concatenated` columns get their parts sorted."""
        await self.turn()
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.pool, self.work, text, args, concatenated)
        finally:
            self.running.release()

    async def turn(self) -> None:
        """Wait for a free worker, in a queue of at most `queue`, for `queue_wait` seconds."""
        limits = self.limits
        if self.running.locked() and self.waiting >= limits.queue:
            raise Refused(503, f"busy: {limits.queue} queries are already waiting; try again shortly")
        self.waiting += 1
        try:
            await asyncio.wait_for(self.running.acquire(), limits.queue_wait)
        except asyncio.TimeoutError:
            raise Refused(503, f"busy: no worker was free within {limits.queue_wait:g} s; try again shortly") from None
        finally:
            self.waiting -= 1


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


def body(answer: Answer, accept: str) -> tuple[bytes, str]:
    """The answer in the negotiated format, and its media type: solutions by the one result
    writer (query.write_answer), so every format holds exactly the same (possibly
    truncated) rows; triples by pyoxigraph's RDF serializers."""
    if answer.graph:
        media = negotiate(accept, GRAPH_TYPES)
        return ox.serialize(answer.rows, format=GRAPH_TYPES[media]), media
    media = negotiate(accept, RESULT_TYPES)
    return write_answer(answer, RESULT_TYPES[media]), media


def handler(store: ox.Store, limits: Limits, runner: Runner | None = None):
    """The Starlette endpoint for /sparql (GET and POST); `runner` is shared with the web
    pages, so that their queries get the same workers, time limit and row cap."""
    runner = runner or Runner(store, limits)

    async def sparql(request: Request) -> Response:
        try:
            req = await read_request(request, limits)
            measure(req.query, limits)
            check(req, limits)
            answer = await runner.answer(req.query, dataset(req))
            data, media = body(answer, request.headers.get("accept", ""))
        except Refused as refusal:
            headers = {"Retry-After": "1"} if refusal.status == 503 else {}
            return PlainTextResponse(str(refusal) + "\n", status_code=refusal.status, headers=headers)
        except Exception as error:  # a bug must cost one answer, never the server
            return PlainTextResponse(f"internal error: {type(error).__name__}: {error}\n", status_code=500)
        headers = {"X-Kgtool-Truncated": str(limits.max_rows)} if answer.truncated else {}
        return Response(data, media_type=media, headers=headers)

    return sparql
