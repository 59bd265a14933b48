"""`kgtool serve`: the graph for people and programs, over the embedded store, read-only.

/sparql is the SPARQL 1.1 Protocol endpoint (kgtool.web.endpoint), and for a person who opens
it without a query, the Yasgui query editor. The pages are rendered on the server from
Jinja2 templates, with no script, so any browser shows them as they are (docs/pages.md):
home (the documents, saved queries as forms), a query's answer as a table of labelled
links, a page per document and per entity, search, graph counts, and a timeline. Every
page is in English or Chinese (?lang=, remembered in a cookie), labels falling back to the
other language. /id/... also answers RDF by content negotiation (kgtool.web.describe), and
/.well-known/void describes the dataset (kgtool.void).

Form values are bound by kgtool.query (bind, then run), never pasted into query text."""

from __future__ import annotations

import errno
import re
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from anyio import from_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import export, void
from ..export import RELEASE_FILES
from ..limits import Limits
from ..namespaces import (BP_IRI, BPO_IRI, DERIVED_GRAPH, ONTOLOGY_GRAPH, OWL, PREFIXES, RDF, SCHEMA, SKOS, XSD, Project,
                          compact)
from ..query import (CONVERTERS, Answer, Param, QueryError, SavedQuery, bind, catalogue, concatenated_columns,
                     internal_query, prepare, run)
from ..store import instances_per_class, triples_per_graph
from . import describe
from .endpoint import Refused, Runner, body, handler
from .outline import Part, tree
from .render import LANGS, UI, all_labels, date_text, duration_text, environment, pick
from .search import Names
from .timeline import Item, day_of, layout

RDF_TYPE = RDF + "type"
XSD_STRING = XSD + "string"
XSD_DURATION = XSD + "duration"
LINK_PROPERTIES = {OWL + "sameAs", SKOS + "exactMatch", SKOS + "closeMatch", SCHEMA + "url", SCHEMA + "sameAs"}
DATE_TYPES = {XSD + "date", XSD + "dateTime"}
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
COOKIE_AGE = 365 * 24 * 3600
DOCUMENT = BPO_IRI + "Document"
STATIC = Path(__file__).resolve().parent / "static"
EDITOR_EXAMPLE = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("bp", "bpo", "dcterms", "prov", "rdfs", "skos")) + """
# Documents and their names (the default graph is the union of all graphs)
SELECT ?document ?name WHERE {
  ?document bpo:kindOf bpo:Document ; rdfs:label ?name .
}
ORDER BY ?name
LIMIT 50
"""
DOC_NAME = re.compile(r"[a-z0-9-]+\.md|img/[a-z0-9-]+\.png")
DOWNLOADS = {"csv": "text/csv", "json": "application/sparql-results+json"}


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
    names: Names
    types: dict[str, list[str]]
    graphs: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    instances: dict[str, list[str]] = field(default_factory=dict)  # class -> its instances, read when a form needs them

    @classmethod
    def read(cls, store: ox.Store, project: Project) -> "Site":
        def column(name, var):
            return {row[var].value for row in run(store, internal_query(name), {})}

        return cls(store, {q.name: q for q in catalogue(project.queries_dir)}, all_labels(store),
                   column("subjects", "s"), column("identifier-properties", "p"),
                   Names.read(store, (BP_IRI, BPO_IRI)), types(store), triples_per_graph(store), instances_per_class(store))

    def label(self, iri: str, lang: str) -> str | None:
        return pick(self.labels.get(iri, {}), lang)

    def both_labels(self, iri: str, lang: str) -> str:
        """The name in the page's language, the other language's after it: 中国 (China)."""
        first = self.label(iri, lang) or short(iri)
        other = self.labels.get(iri, {}).get("zh" if lang == "en" else "en")
        return f"{first} ({other})" if other and other != first else first

    def instances_of(self, cls: str) -> list[str]:
        """The resources of a class, directly or through a subclass (read once per class)."""
        if cls not in self.instances:
            query = internal_query("instances")
            self.instances[cls] = [row["s"].value for row in run(self.store, query, bind(query, {"class": cls}))]
        return self.instances[cls]

    def choices(self, param: Param, lang: str) -> list[tuple[str, str]]:
        """(IRI, name) of each instance of an iri parameter's class, by name; none without a class."""
        if param.type != "iri" or not param.cls:
            return []
        return sorted(((iri, self.both_labels(iri, lang)) for iri in self.instances_of(param.cls)), key=lambda c: c[1])

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
            if datatype in DATE_TYPES:
                return Cell(date_text(term.value, lang), title=term.value, kind="date")
            spoken = duration_text(term.value, lang) if datatype in (XSD_STRING, XSD_DURATION) else None
            return Cell(spoken or term.value, title=term.value if spoken else "", note=note)
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

    def __init__(self, site: Site, runner: Runner, docs_dir: Path):
        self.site = site
        self.docs_dir = docs_dir
        self.dumps: dict[str, bytes] = {}  # release files, written when first asked for
        self.runner = runner
        self.env = environment()

    def render(self, request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        lang = page_lang(request)
        html = self.env.get_template(template).render(
            lang=lang, t=UI[lang], langs=LANGS, switch=switch_links(request),
            choices=lambda param: self.site.choices(param, lang), **context)
        response = HTMLResponse(html, status_code=status)
        if request.query_params.get("lang") in LANGS:
            response.set_cookie("lang", lang, max_age=COOKIE_AGE, samesite="lax")
        return response

    def error(self, request: Request, status: int, message: str) -> HTMLResponse:
        return self.render(request, "error.html", status, message=message)

    # Home ------------------------------------------------------------------------------

    def home(self, request: Request) -> HTMLResponse:
        """The documents by title, kind and date (the saved query documents-overview), and the
        saved queries as forms."""
        lang = page_lang(request)
        header, rows = [], []
        saved = self.site.queries.get("documents-overview")
        if saved is not None:
            header, rows = self.table(saved, self.run_saved(saved, {"lang": lang}), lang, skip={"url"})  # a document's several addresses: on its page
            rows = list({tuple((c.text, c.href) for c in row): row for row in rows}.values())
        return self.render(request, "home.html", header=header, rows=rows,
                           queries=list(self.site.queries.values()), question=question)

    def stats(self, request: Request) -> HTMLResponse:
        """Triples per graph and instances per class: what `kgtool stats` prints."""
        lang = page_lang(request)
        graphs = [(self.site.cell(ox.NamedNode(g), lang), n) for g, n in self.site.graphs.items()]
        classes = [(self.site.cell(ox.NamedNode(c), lang), n) for c, n in self.site.classes.items() if c.startswith(BPO_IRI)]
        return self.render(request, "stats.html", graphs=graphs, classes=classes)

    # A saved query ---------------------------------------------------------------------

    def query(self, request: Request) -> HTMLResponse:
        """A saved query's form and answer. The answer comes from the endpoint's Runner (the
        same workers, time limit and row cap as /sparql); a problem is told in the page's
        language, saying what to change on the page."""
        name, dot, fmt = request.path_params["name"].partition(".")
        saved = self.site.queries.get(name)
        lang = page_lang(request)
        t = UI[lang]
        if saved is None:
            return self.error(request, 404, t["no_query"].format(name=name))
        values = {p.name: request.query_params[p.name].strip() for p in saved.params
                  if p.name != "lang" and request.query_params.get(p.name, "").strip()}
        if any(p.name == "lang" for p in saved.params):
            values["lang"] = lang
        context = dict(query=saved, question=question, values=values, downloads=self.downloads(request, saved))
        problem = self.check_values(saved, values, lang)
        if problem:
            return self.render(request, "query.html", 400, problem=problem, **context)
        missing = self.missing_values(saved, values, lang)
        if missing and not dot and not any(p.name in request.query_params for p in saved.params if p.name != "lang"):
            return self.render(request, "query.html", hint=missing, problem=None, **context)  # the form, opened
        if missing:
            return self.render(request, "query.html", 400, problem=missing, **context)
        try:
            answer = self.run_saved(saved, values)
        except QueryError as error:
            return self.render(request, "query.html", 400, problem=t["query_refused"], detail=str(error), **context)
        except Refused as refusal:
            message = t["too_slow"].format(s=self.runner.limits.timeout) if refusal.status == 503 else t["query_refused"]
            return self.render(request, "query.html", refusal.status, problem=message, detail=str(refusal), **context)
        if dot:
            return self.download(saved, answer, fmt, lang)
        header, rows = self.table(saved, answer, lang)
        return self.render(request, "query.html", header=header, rows=rows, truncated=answer.truncated,
                           problem=None, page_rows=self.runner.limits.max_rows, **context)

    def run_saved(self, saved: SavedQuery, values: dict[str, str]) -> Answer:
        """A saved query's answer for a page: through the endpoint's Runner, so with its
        workers, time limit and row cap, and with the parts of joined cells sorted, as
        `kgtool query` gives it (query.read_answer)."""
        text = prepare(saved, bind(saved, values), self.runner.limits.allowed_services)
        return from_thread.run(self.runner.answer, text, {"use_default_graph_as_union": True},
                               concatenated_columns(saved.text))

    def check_values(self, saved: SavedQuery, values: dict[str, str], lang: str) -> str | None:
        """The first value that is not of its parameter's type, as a sentence for the page."""
        for param in saved.params:
            if param.name in values:
                try:
                    CONVERTERS[param.type](values[param.name])
                except ValueError:
                    return UI[lang]["bad_value"].format(field=param.label(lang), value=values[param.name],
                                                        example=UI[lang]["example_" + param.type])
        return None

    def missing_values(self, saved: SavedQuery, values: dict[str, str], lang: str) -> str | None:
        """The first required parameter (or one-of group) left empty, as a sentence for the
        page: a form opened from a link shows it as a hint, a form sent without it as a 400."""
        labels = {p.name: p.label(lang) for p in saved.params}
        for group in saved.required():
            if not any(name in values for name in group):
                fields = UI[lang]["or"].join(f"“{labels.get(name, name)}”" for name in group)
                return UI[lang]["give_value"].format(field=fields)
        return None

    def downloads(self, request: Request, saved: SavedQuery) -> dict[str, str]:
        """Links to the same answer as CSV and as SPARQL JSON (/query/NAME.csv, .json)."""
        params = urlencode({**request.query_params, "lang": page_lang(request)})
        return {fmt: f"/query/{saved.name}.{fmt}?{params}" for fmt in DOWNLOADS}

    def download(self, saved: SavedQuery, answer: Answer, fmt: str, lang: str) -> Response:
        """The answer in a SPARQL results format, written by the endpoint's own serializer."""
        if fmt not in DOWNLOADS:
            return PlainTextResponse(UI[lang]["no_format"].format(fmt=fmt) + "\n", status_code=404)
        data, media = body(answer, DOWNLOADS[fmt])
        headers = {"Content-Disposition": f'attachment; filename="{saved.name}.{fmt}"'}
        if answer.truncated:
            headers["X-Kgtool-Truncated"] = str(self.runner.limits.max_rows)
        return Response(data, media_type=media, headers=headers)

    def table(self, saved: SavedQuery, answer: Answer, lang: str, skip=frozenset()) -> tuple[list[str], list[list[Cell]]]:
        """Column titles and cells, as the query's header says (conventions.md, "Column
        titles"): a hidden IRI column is not shown, its IRIs become the links of the column
        it names; codes are shown in the page's language."""
        if answer.boolean is not None:
            return [UI[lang]["answer"]], [[Cell(UI[lang]["yes" if answer.boolean else "no"])]]
        if answer.graph:
            names = ["subject", "predicate", "object"]
            solutions = [{"subject": t.subject, "predicate": t.predicate, "object": t.object} for t in answer.rows]
        else:
            names, solutions = answer.variables, answer.rows
        links = {saved.linked_column(name): name for name in names if name in saved.hidden}
        shown = [name for name in names if name not in saved.hidden and name not in skip]
        rows = [[self.column_cell(saved, solution, name, links.get(name), lang) for name in shown] for solution in solutions]
        for cell in (cell for row in rows for cell in row):
            cell.note = ""  # a column holds one kind of value; its tags would only repeat
        return [saved.column_title(name, lang) for name in shown], rows

    def column_cell(self, saved: SavedQuery, solution, name: str, link: str | None, lang: str) -> Cell:
        """A value for people: a code in words, an IRI by its label, linked by its hidden IRI column."""
        term = solution.get(name) if isinstance(solution, dict) else solution[name]
        cell = self.site.cell(term, lang)
        if isinstance(term, ox.Literal):
            words = saved.values.get(name, {}).get(term.value)
            if words:
                cell.text = words[lang]
        target_term = (solution.get(link) if isinstance(solution, dict) else solution[link]) if link else None
        if target_term is not None:
            target = self.site.cell(target_term, lang)
            cell.href, cell.title, cell.external = target.href, target.title, target.external
        return cell

    # An entity -------------------------------------------------------------------------

    def resource(self, request: Request) -> Response:
        """/id/PATH: the page for people, or the statements as RDF for a linked-data client
        (Accept header, or a .ttl/.nt/.jsonld/.rdf suffix); always `Vary: Accept`."""
        path, media = describe.split_suffix(request.path_params["path"])
        media = media or describe.choose(request.headers.get("accept", ""))
        iri = BP_IRI + path
        if media is None:
            response = PlainTextResponse(f"406: offered: {', '.join(describe.OFFERED)}\n", status_code=406)
        elif media == describe.HTML:
            as_document = iri in self.site.instances_of(DOCUMENT) and request.query_params.get("view") != "statements"
            response = self.document(request, iri) if as_document else self.entity(request, iri)
        else:
            triples = describe.statements(self.site.store, iri)
            if triples:
                response = Response(describe.serialize(triples, media), media_type=media)
            else:
                response = PlainTextResponse(f"404: the graph says nothing about <{iri}>\n", status_code=404)
        response.headers["Vary"] = "Accept"
        return response

    def entity(self, request: Request, iri: str | None = None) -> HTMLResponse:
        raw = iri or request.query_params.get("iri", "")
        lang = page_lang(request)
        if not raw.strip():
            return self.error(request, 400, UI[lang]["which_entity"])
        try:
            statements = self.rows("entity-statements", raw)
            incoming = self.rows("entity-incoming", raw)
        except QueryError:
            return self.error(request, 400, UI[lang]["which_entity"])
        if not statements and not incoming:
            return self.error(request, 404, UI[lang]["no_entity"].format(iri=raw))
        return self.render(request, "entity.html", iri=raw, rdf_link=self.site.href(raw) if raw.startswith(BP_IRI) else "", title=self.site.label(raw, lang) or compact(raw),
                           other_title=self.site.label(raw, "zh" if lang == "en" else "en"),
                           **self.entity_parts(statements, incoming, lang))

    def rows(self, name: str, iri: str, param: str = "entity") -> list:
        query = internal_query(name)
        return list(run(self.site.store, query, bind(query, {param: iri})))

    # A document ------------------------------------------------------------------------

    def document(self, request: Request, iri: str) -> HTMLResponse:
        """Kind, dates and status (the lifecycle events, read generically), the provisions in
        reading order with their deadlines, amounts and addressees and what each commentary
        says about them, and where a commentary and the text differ."""
        lang = page_lang(request)
        cell = lambda value: self.site.cell(value, lang)  # noqa: E731
        summary: dict[str, list] = {}
        for row in self.rows("document-summary", iri, "document"):
            summary.setdefault(row["what"].value, []).append(cell(row["value"]))
        events = [dict(date=cell(r["date"]), kind=cell(r["type"]) if r["type"] else Cell(UI[lang]["event"]),
                       event=cell(r["event"]), target=cell(r["target"]) if r["target"].value != iri else None,
                       effected_by=cell(r["effected_by"]) if r["effected_by"] else None,
                       source=cell(r["source"]) if r["source"] else None)
                  for r in self.rows("document-events", iri, "document")]
        parts: dict[str, Part] = {}
        for row in self.rows("document-parts", iri, "document"):
            part = parts.setdefault(row["node"].value, Part(row["node"].value, label=self.site.label(row["node"].value, lang) or ""))
            if row["number"] is not None:
                part.number = row["number"].value
            if row["type"] is not None and row["type"].value not in part.types:
                part.types.append(row["type"].value)
            if row["parent"] is not None and part.parent is None:
                part.parent = row["parent"].value if row["parent"].value != iri else None
                part.stated_by = row["stated_by"].value if row["stated_by"] is not None else None
        statements = set()
        for row in self.rows("document-facts", iri, "document"):
            part = parts.get(row["node"].value)
            if part is None:
                continue
            what = row["what"].value
            if what == "deadline":
                value = self.deadline_text(row, lang)
            elif what == "amount":
                value = Cell(" ".join(x for x in (row["value"].value if row["value"] else "",
                                                  row["other"].value if row["other"] else "") if x))
            elif what == "addressee":
                value = (cell(row["other"]), cell(row["value"]))
            else:
                statements.add(row["value"].value)
                value = (cell(row["other"]), cell(row["value"]))
            if value not in part.facts.setdefault(what, []):
                part.facts[what].append(value)
        for part in parts.values():
            part.facts["kind"] = [Cell(" · ".join(self.site.label(t, lang) or short(t) for t in part.types))]
        header, differences = self.differences(statements, lang)
        own = {k: v for k, v in parts.items() if v.stated_by in (None, iri)}
        others: dict[str, dict[str, Part]] = {}
        for k, v in parts.items():
            if k not in own:
                others.setdefault(v.stated_by, {})[k] = v
        accounts = [(cell(ox.NamedNode(source)), tree(group)) for source, group in sorted(others.items())]
        title = self.site.label(iri, lang) or compact(iri)
        return self.render(request, "document.html", iri=iri, title=title, summary=summary, events=events,
                           outline=tree(own), accounts=accounts, header=header, differences=differences,
                           other_title=self.site.label(iri, "zh" if lang == "en" else "en"),
                           cell=cell(ox.NamedNode(iri)), href=self.site.href)

    def deadline_text(self, row, lang: str) -> Cell:
        """A deadline for people: 180 天 · 截止日期 2023年3月11日（推算）."""
        months = int(row["months"].value) if row["months"] else 0
        days = int(row["days"].value) if row["days"] else 0
        code = "P" + (f"{months // 12}Y" if months >= 12 else "") + (f"{months % 12}M" if months % 12 else "") + (f"{days}D" if days else "")
        duration = duration_text(code, lang) or ""
        kind = UI[lang]["due_" + row["other"].value]
        due = date_text(row["value"].value, lang) if row["value"] else ""
        return Cell(UI[lang]["deadline_text"].format(duration=duration, due=due, kind=kind).strip(" ·"))

    def differences(self, statements: set[str], lang: str) -> tuple[list[str], list]:
        """The rows of the saved query commentary-differences about this document's parts."""
        saved = self.site.queries.get("commentary-differences")
        if saved is None or not statements:
            return [], []
        answer = self.run_saved(saved, {"lang": lang})
        answer.rows = [row for row in answer.rows if row["commentary_statement"].value in statements]
        if not answer.rows:
            return [], []
        return self.table(saved, answer, lang)

    def entity_parts(self, statements: list, incoming: list, lang: str) -> dict:
        """What the sources state first (one group per source document), identifiers and
        links next, reference data after, and what kgtool computed (the derived graph, the
        ontology) folded away at the end."""
        cell = self.site.cell
        groups: dict[str, dict] = {}
        types, links, identifiers = [], [], []
        for row in statements:
            p, o, graph = row["p"].value, row["o"], row["g"].value
            group = groups.setdefault(graph, {"graph": cell(row["g"], lang), "source": cell(row["source"], lang),
                                              "place": place(graph, row["source"]), "rows": []})
            group["rows"].append((cell(row["p"], lang), cell(o, lang)))
            if p == RDF_TYPE and group["place"] != "computed":
                types.append(cell(o, lang))
            elif p in LINK_PROPERTIES and isinstance(o, ox.NamedNode):
                links.append(external(o.value))
            elif p in self.site.identifier_properties:
                identifiers.append((cell(row["p"], lang), o.value))
        for r in incoming:  # what points here, in the same groups: a source's claim about the entity
            group = groups.setdefault(r["g"].value, {"graph": cell(r["g"], lang), "source": cell(r["source"], lang),
                                                     "place": place(r["g"].value, r["source"]), "rows": []})
            group.setdefault("incoming", []).append((cell(r["s"], lang), cell(r["p"], lang)))
        for group in groups.values():
            group.setdefault("incoming", [])
        ordered = sorted(groups.values(), key=lambda g: (g["source"].text, g["graph"].text))
        by_place = {where: [g for g in ordered if g["place"] == where] for where in ("source", "reference", "computed")}
        return dict(sourced=by_place["source"], reference=by_place["reference"], computed=by_place["computed"],
                    types=types, links=links, identifiers=identifiers)

    # Linked data -----------------------------------------------------------------------

    def void(self, request: Request) -> Response:
        """The dataset's VoID/DCAT description (kgtool.void, as `kgtool build` writes it),
        naming this server's endpoint and dump URLs."""
        base = str(request.base_url).rstrip("/")
        dumps = {name: f"{base}/release/{name}" for name in RELEASE_FILES.values()}
        data = void.describe(self.site.store, self.site.graphs, dumps, f"{base}/sparql")
        return Response(data, media_type="text/turtle")

    def release(self, request: Request) -> Response:
        """A release file, written from the served store by `kgtool export`'s own code, once."""
        name = request.path_params["name"]
        formats = {file: fmt for fmt, file in RELEASE_FILES.items()}
        if name not in formats:
            return self.error(request, 404, UI[page_lang(request)]["no_doc"].format(name=name))
        if name not in self.dumps:
            self.dumps[name] = export.serialize(self.site.store, formats[name], export.release_prefixes(self.site.store))
        return Response(self.dumps[name], media_type=void.DUMP_TYPES[name])

    # The query editor ------------------------------------------------------------------

    def editor(self, request: Request) -> HTMLResponse:
        """Yasgui (kgtool/web/static/yasgui, from the npm package @zazuko/yasgui) on this endpoint."""
        return self.render(request, "sparql.html", example=EDITOR_EXAMPLE)

    # Documentation ---------------------------------------------------------------------

    def docs(self, request: Request) -> Response:
        """The project's docs/*.md (and their images), so that pages and docs link to each other."""
        name = request.path_params["name"]
        path = self.docs_dir / name
        if not DOC_NAME.fullmatch(name) or not path.is_file():
            return self.error(request, 404, UI[page_lang(request)]["no_doc"].format(name=name))
        media = "image/png" if name.endswith(".png") else "text/markdown; charset=utf-8"
        return Response(path.read_bytes(), media_type=media)

    # Search ----------------------------------------------------------------------------

    def search(self, request: Request) -> HTMLResponse:
        lang = page_lang(request)
        text = request.query_params.get("q", "")
        hits = [(self.site.cell(ox.NamedNode(hit.iri), lang), hit, self.kinds(hit.iri, lang))
                for hit in self.site.names.search(text)]
        return self.render(request, "search.html", text=text, hits=hits)

    def kinds(self, iri: str, lang: str) -> str:
        """What a resource is, by the names of the classes the sources give it."""
        return " · ".join(self.site.label(c, lang) or short(c) for c in self.site.types.get(iri, ()))

    # The timeline ----------------------------------------------------------------------

    def timeline(self, request: Request) -> HTMLResponse:
        lang = page_lang(request)
        try:
            items, undated = self.deadlines(lang)
        except QueryError:
            return self.error(request, 500, UI[lang]["no_timeline"])
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
                    ("duration", "trigger_label", "due_date_kind", "due_date", "measure_label", "trigger_date",
                     "moot", "revoked_on")}
            duration = duration_text(text["duration"], lang) or text["duration"]
            kind = saved.values.get("due_date_kind", {}).get(text["due_date_kind"], {}).get(lang, text["due_date_kind"])
            note = UI[lang]["deadline_note"].format(duration=duration, trigger=text["trigger_label"], kind=kind)
            if text["moot"]:
                note += f" · {UI[lang]['moot']} {text['revoked_on']}"
            when = day_of(text["due_date"])
            item = Item(when, text["measure_label"], self.site.href(row["measure"].value), "deadline",
                        day_of(text["trigger_date"]), note, moot=bool(text["moot"]))
            (dated if when else undated).append(item)
        return dated, undated

    def events(self, lang: str) -> list[Item]:
        """Signings, summits, releases: everything with a dcterms:date or dcterms:issued."""
        items = []
        for row in run(self.site.store, internal_query("dated-events"), {}):
            when = day_of(row["date"].value)
            if when is None:
                continue
            iri = row["item"].value
            kind = self.site.label(row["kind"].value, lang) if row["kind"] is not None else None
            items.append(Item(when, self.site.label(iri, lang) or compact(iri), self.site.href(iri),
                              kind or UI[lang]["event"], note=UI[lang]["dated_by"].format(how=UI[lang]["how_" + row["how"].value])))
        return items


def place(graph: str, source) -> str:
    """Where a graph's statements go on an entity page: a source document's, reference data
    and links, or computed by kgtool (the derived graph) and the ontology."""
    if graph in (str(DERIVED_GRAPH), str(ONTOLOGY_GRAPH)):
        return "computed"
    return "source" if source is not None else "reference"


def types(store: ox.Store) -> dict[str, list[str]]:
    """IRI -> the classes the graphs state for it (rdf:type, not the derived closure)."""
    found: dict[str, list[str]] = {}
    for row in run(store, internal_query("types"), {}):
        found.setdefault(row["s"].value, []).append(row["type"].value)
    return found


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
    limits = limits or Limits()
    runner = Runner(store, limits)
    pages = Pages(Site.read(store, project), runner, project.root / "docs")
    endpoint = handler(store, limits, runner)

    async def sparql(request: Request) -> Response:
        """A GET without a query is a person: the query editor; anything else is the endpoint."""
        if request.method == "GET" and "query" not in request.query_params:
            return await run_in_threadpool(pages.editor, request)
        return await endpoint(request)

    # Any site may read the endpoint, the linked data and the pages (all read-only).
    cors = Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                      allow_headers=["Accept", "Content-Type"], expose_headers=["X-Kgtool-Truncated"])
    async def not_found(request: Request, exc) -> Response:
        return await run_in_threadpool(pages.error, request, 404, UI[page_lang(request)]["no_page"])

    return Starlette(middleware=[Middleware(secured), cors], exception_handlers={404: not_found}, routes=[
        Route("/", pages.home),
        Route("/query/{name}", pages.query),
        Route("/entity", pages.entity),
        Route("/id/{path:path}", pages.resource),
        Route("/.well-known/void", pages.void),
        Route("/release/{name}", pages.release),
        Route("/timeline", pages.timeline),
        Route("/search", pages.search),
        Route("/stats", pages.stats),
        Route("/docs/{name:path}", pages.docs),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound before the data is read and the address printed, so that
    a busy port is one line (OSError: `kgtool: error: ...`) instead of uvicorn's report.
    SO_REUSEADDR as uvicorn sets it: a port left in TIME_WAIT is free, one that a server
    listens on is not."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as error:
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise OSError(f"port {port} on {host} is in use (--port to choose another)") from None
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return sock


def serve(store: ox.Store, project: Project, sock: socket.socket, limits: Limits) -> None:
    """Serve on the bound socket (listening_socket) until Ctrl-C."""
    import uvicorn

    web = app(store, project, limits)
    host, port = sock.getsockname()[:2]
    address = f"[{host}]" if ":" in host else host
    print(f"[serve] http://{address}:{port}/  (SPARQL endpoint: http://{address}:{port}/sparql; Ctrl-C stops)",
          file=sys.stderr, flush=True)
    uvicorn.Server(uvicorn.Config(web, log_level="warning")).run(sockets=[sock])
