"""`kgtool serve`: the graph for people and programs, over the embedded store, read-only.

/sparql is the SPARQL 1.1 Protocol endpoint (kgtool.endpoint). The pages are rendered on
the server from Jinja2 templates, with no script, so any browser shows them as they are:
home (counts, saved queries as forms), a query's answer as a table of labelled links,
an entity page with every statement under the graph (and source document) that states
it, and a timeline of deadlines and dated events. Every page is in English or Chinese
(?lang=, remembered in a cookie), labels falling back to the other language.

Form values are bound by kgtool.queries (bind, then run), never pasted into query text."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from .endpoint import Limits, handler
from .namespaces import BP_IRI, BPO_IRI, Project, compact
from .queries import QueryError, SavedQuery, bind, catalogue, run
from .render import LANGS, UI, all_labels, environment, internal_query, pick
from .store import instances_per_class, triples_per_graph
from .timeline import Item, layout, parse_date

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LABEL_PROPERTIES = {
    "http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel", "http://purl.org/dc/terms/title",
}
LINK_PROPERTIES = {
    "http://www.w3.org/2002/07/owl#sameAs", "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch", "https://schema.org/url", "https://schema.org/sameAs",
}
DATE_TYPES = {"http://www.w3.org/2001/XMLSchema#date", "http://www.w3.org/2001/XMLSchema#dateTime"}
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
PAGE_ROWS = 1000
COOKIE_AGE = 365 * 24 * 3600


@dataclass
class Cell:
    """One value as shown: its text, where it links, and a note (language, datatype)."""

    text: str
    href: str | None = None
    title: str = ""
    external: bool = False
    note: str = ""
    kind: str = ""  # "date" keeps a date on one line


@dataclass
class Site:
    """What the pages read again and again, read once: the store does not change while served."""

    store: ox.Store
    queries: dict[str, SavedQuery]
    labels: dict[str, dict[str, str]]
    subjects: set[str]
    identifier_properties: set[str]
    graphs: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)

    @classmethod
    def read(cls, store: ox.Store, project: Project) -> "Site":
        def column(name, var):
            return {row[var].value for row in run(store, internal_query(name), {})}

        return cls(store, {q.name: q for q in catalogue(project.queries_dir)}, all_labels(store),
                   column("subjects", "s"), column("identifier-properties", "p"),
                   triples_per_graph(store), instances_per_class(store))

    def label(self, iri: str, lang: str) -> str | None:
        return pick(self.labels.get(iri, {}), lang)

    def href(self, iri: str) -> str | None:
        """Our page for one of our resources or one the graph describes, else the IRI itself
        if it is a web address (Wikidata, a document's URL)."""
        if iri.startswith(BP_IRI):
            return "/id/" + quote(iri[len(BP_IRI):], safe="/-_.~")
        if iri in self.subjects:
            return "/entity?" + urlencode({"iri": iri})
        return web_address(iri)

    def cell(self, term, lang: str) -> Cell:
        if term is None:
            return Cell("")
        if isinstance(term, ox.NamedNode):
            href = self.href(term.value)
            return Cell(self.label(term.value, lang) or short(term.value), href, term.value,
                        external=bool(href) and href == term.value)
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value
            note = f"@{term.language}" if term.language else ("" if datatype == XSD_STRING else compact(datatype))
            return Cell(term.value, note=note, kind="date" if datatype in DATE_TYPES else "")
        return Cell(str(term))


# Language and rendering ----------------------------------------------------------------

def page_lang(request: Request) -> str:
    """?lang= first, then the cookie a previous ?lang= set, then English."""
    for value in (request.query_params.get("lang"), request.cookies.get("lang")):
        if value in LANGS:
            return value
    return "en"


def switch_links(request: Request) -> dict[str, str]:
    """This page in each language."""
    links = {}
    for code in LANGS:
        params = dict(request.query_params)
        params["lang"] = code
        links[code] = f"{request.url.path}?{urlencode(params)}"
    return links


class Pages:
    """The HTML pages. Methods are plain (not async): Starlette runs them in worker threads,
    so a slow query does not hold up the server."""

    def __init__(self, site: Site):
        self.site = site
        self.env = environment()

    def render(self, request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        lang = page_lang(request)
        html = self.env.get_template(template).render(
            lang=lang, t=UI[lang], langs=LANGS, switch=switch_links(request), **context)
        response = HTMLResponse(html, status_code=status)
        if request.query_params.get("lang") in LANGS:
            response.set_cookie("lang", lang, max_age=COOKIE_AGE, samesite="lax")
        return response

    def error(self, request: Request, status: int, message: str) -> HTMLResponse:
        return self.render(request, "error.html", status, message=message)

    # Home ------------------------------------------------------------------------------

    def home(self, request: Request) -> HTMLResponse:
        lang = page_lang(request)
        graphs = [(self.site.cell(ox.NamedNode(g), lang), n) for g, n in self.site.graphs.items()]
        classes = [(self.site.cell(ox.NamedNode(c), lang), n) for c, n in self.site.classes.items() if c.startswith(BPO_IRI)]
        return self.render(request, "home.html", graphs=graphs, classes=classes,
                           queries=list(self.site.queries.values()), question=question)

    # A saved query ---------------------------------------------------------------------

    def query(self, request: Request) -> HTMLResponse:
        saved = self.site.queries.get(request.path_params["name"])
        if saved is None:
            return self.error(request, 404, f"no saved query {request.path_params['name']!r}")
        lang = page_lang(request)
        values = {p.name: request.query_params[p.name] for p in saved.params
                  if p.name != "lang" and request.query_params.get(p.name, "").strip()}
        if any(p.name == "lang" for p in saved.params):
            values["lang"] = lang
        context = dict(query=saved, question=question, values=values)
        try:
            results = run(self.site.store, saved, bind(saved, values))
            header, rows, truncated = self.table(results, lang)
        except QueryError as problem:
            return self.render(request, "query.html", 400, problem=str(problem), **context)
        return self.render(request, "query.html", header=header, rows=rows, truncated=truncated,
                           problem=None, page_rows=PAGE_ROWS, **context)

    def table(self, results, lang: str) -> tuple[list[str], list[list[Cell]], bool]:
        """Header and cells; a column `x` of IRIs that has a column `x_label` is not shown,
        its IRIs become the links of the labels instead."""
        if isinstance(results, ox.QueryBoolean):
            return ["answer"], [[Cell("true" if results else "false")]], False
        if isinstance(results, ox.QueryTriples):
            header, solutions = ["subject", "predicate", "object"], ({"subject": t.subject, "predicate": t.predicate, "object": t.object} for t in results)
        else:
            header, solutions = [v.value for v in results.variables], results
        linked = {name for name in header if f"{name}_label" in header}
        shown = [name for name in header if name not in linked]
        rows, truncated = [], False
        for solution in solutions:
            if len(rows) == PAGE_ROWS:
                truncated = True
                break
            rows.append([self.label_cell(solution, name, lang) if name.removesuffix("_label") in linked
                         else self.site.cell(solution[name], lang) for name in shown])
        for cell in (cell for row in rows for cell in row):
            cell.note = ""  # a column holds one kind of value; its tags would only repeat
        return shown, rows, truncated

    def label_cell(self, solution, name: str, lang: str) -> Cell:
        iri_term, label = solution[name.removesuffix("_label")], solution[name]
        cell = self.site.cell(iri_term, lang)
        if label is not None:
            cell.text = label.value
        return cell

    # An entity -------------------------------------------------------------------------

    def entity(self, request: Request) -> HTMLResponse:
        raw = request.query_params.get("iri") or BP_IRI + request.path_params.get("path", "")
        if raw == BP_IRI:
            return self.error(request, 400, "which entity? /entity?iri=IRI or /id/PATH")
        lang = page_lang(request)
        try:
            statements = self.rows("entity-statements", raw)
            incoming = self.rows("entity-incoming", raw)
        except QueryError as problem:
            return self.error(request, 400, str(problem))
        if not statements and not incoming:
            return self.error(request, 404, f"the graph says nothing about <{raw}>")
        return self.render(request, "entity.html", iri=raw, title=self.site.label(raw, lang) or compact(raw),
                           other_title=self.site.label(raw, "zh" if lang == "en" else "en"),
                           **self.entity_parts(statements, incoming, lang))

    def rows(self, name: str, iri: str) -> list:
        query = internal_query(name)
        return list(run(self.site.store, query, bind(query, {"entity": iri})))

    def entity_parts(self, statements: list, incoming: list, lang: str) -> dict:
        cell = self.site.cell
        groups: dict[str, dict] = {}
        labels, types, links, identifiers = [], [], [], []
        for row in statements:
            p, o = row["p"].value, row["o"]
            group = groups.setdefault(row["g"].value, {"graph": cell(row["g"], lang), "source": cell(row["source"], lang), "rows": []})
            group["rows"].append((cell(row["p"], lang), cell(o, lang)))
            if p in LABEL_PROPERTIES and isinstance(o, ox.Literal):
                labels.append((o.language or "", o.value, compact(p)))
            elif p == RDF_TYPE:
                types.append(cell(o, lang))
            elif p in LINK_PROPERTIES and isinstance(o, ox.NamedNode):
                links.append(external(o.value))
            elif p in self.site.identifier_properties:
                identifiers.append((cell(row["p"], lang), o.value))
        back = [(cell(r["g"], lang), cell(r["source"], lang), cell(r["s"], lang), cell(r["p"], lang)) for r in incoming]
        return dict(groups=list(groups.values()), labels=sorted(set(labels)), types=types,
                    links=links, identifiers=identifiers, incoming=back)

    # The timeline ----------------------------------------------------------------------

    def timeline(self, request: Request) -> HTMLResponse:
        lang = page_lang(request)
        try:
            items, undated = self.deadlines(lang)
        except QueryError as problem:
            return self.error(request, 500, str(problem))
        items += self.events(lang)
        chart = layout(items) if items else None
        return self.render(request, "timeline.html", chart=chart, undated=undated)

    def deadlines(self, lang: str) -> tuple[list[Item], list[Item]]:
        """Deadlines from the saved query deadline-timeline: dated ones, and those without a due date."""
        saved = self.site.queries.get("deadline-timeline")
        if saved is None:
            raise QueryError("the timeline needs the saved query queries/deadline-timeline.rq")
        dated, undated = [], []
        for row in run(self.site.store, saved, bind(saved, {"lang": lang})):
            text = {name: row[name].value if row[name] is not None else "" for name in
                    ("duration", "trigger_label", "due_date_kind", "due_date", "measure_label", "trigger_date")}
            note = f"{text['duration']} {UI[lang]['after']} {text['trigger_label']} · {text['due_date_kind']}"
            when = parse_date(text["due_date"])
            item = Item(when, text["measure_label"], self.site.href(row["measure"].value), "deadline",
                        parse_date(text["trigger_date"]), note)
            (dated if when else undated).append(item)
        return dated, undated

    def events(self, lang: str) -> list[Item]:
        """Signings, summits, releases: everything with a dcterms:date or dcterms:issued."""
        items = []
        for row in run(self.site.store, internal_query("dated-events"), {}):
            when = parse_date(row["date"].value)
            if when is None:
                continue
            iri = row["item"].value
            kind = self.site.label(row["kind"].value, lang) if row["kind"] is not None else None
            items.append(Item(when, self.site.label(iri, lang) or compact(iri), self.site.href(iri),
                              kind or row["how"].value, note=f"dcterms:{row['how'].value}"))
        return items


def short(iri: str) -> str:
    """A prefixed name when a known prefix fits, else the IRI as it is."""
    name = compact(iri)
    return iri if name.startswith("<") else name


def question(query: SavedQuery, lang: str) -> str:
    """The question a saved query answers, in the page's language when the header has it."""
    return query.header.get(f"question_{lang}") or query.header.get("question", "")


def external(iri: str) -> Cell:
    """A link to another dataset; Wikidata items get their usual name (Q…) and page."""
    if iri.startswith(WIKIDATA_ENTITY):
        qid = iri[len(WIKIDATA_ENTITY):]
        return Cell(f"Wikidata {qid}", f"https://www.wikidata.org/wiki/{qid}", iri, external=True)
    return Cell(iri, web_address(iri), iri, external=True)


def web_address(iri: str) -> str | None:
    """The IRI as a link target if it is an http or https address; any other scheme
    (javascript:, data:, file:) a source might state is shown as text, never followed."""
    return iri if iri.startswith(("http://", "https://")) else None


SECURITY_HEADERS = {  # on every response (docs/safety.md)
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
PAGE_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def secured(web):
    """An ASGI wrapper that adds the security headers to every response, and a content
    security policy to every HTML page (no script or frame from elsewhere)."""

    async def with_headers(scope, receive, send):
        async def sending(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
            await send(message)

        await web(scope, receive, sending if scope["type"] == "http" else send)

    return with_headers


def app(store: ox.Store, project: Project, limits: Limits | None = None) -> Starlette:
    pages = Pages(Site.read(store, project))
    return Starlette(middleware=[Middleware(secured)], routes=[
        Route("/", pages.home),
        Route("/query/{name}", pages.query),
        Route("/entity", pages.entity),
        Route("/id/{path:path}", pages.entity),
        Route("/timeline", pages.timeline),
        Route("/sparql", handler(store, limits or Limits()), methods=["GET", "POST"]),
    ])


def serve(store: ox.Store, project: Project, host: str, port: int, limits: Limits) -> None:
    import uvicorn

    web = app(store, project, limits)
    print(f"[serve] http://{host}:{port}/  (SPARQL endpoint: http://{host}:{port}/sparql; Ctrl-C stops)",
          file=sys.stderr, flush=True)
    uvicorn.run(web, host=host, port=port, log_level="warning")
