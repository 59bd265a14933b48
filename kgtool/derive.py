"""The derived graph: values no source states but that follow from what they state.

Three kinds (docs/conventions.md, "The derived graph"):

- due dates: a `bpo:Deadline` whose `bpo:trigger` has a `dcterms:date` is due on that date
  plus its `bpo:duration`;
- the portable form of each stated duration (`bpo:duration` of a deadline, `bpo:period`
  of an amount) as whole numbers: `bpo:durationMonths`/`bpo:periodMonths` for its years and
  months (a year is 12 months), `bpo:durationDays`/`bpo:periodDays` for its days (a week is
  7). Some stores cannot keep an xsd:duration literal (Virtuoso 7 turns it into a number,
  openlink/virtuoso-opensource#936), but keep integers; the saved queries read these. Months
  are never turned into days: P5Y has 60 months and no day count;
- closures, so that saved queries need no `+`, `*` or `?` property path (which some stores,
  Virtuoso 7 among them, evaluate wrongly): `rdfs:subClassOf` between every class and each
  of its indirect superclasses, `bpo:kindOf` from each typed resource to its classes and
  their superclasses, `skos:broaderTransitive` and `bpo:withinConcept` (the same, plus the
  concept itself) over `skos:broader`/`skos:narrower`, and `bpo:inDocument` from each
  measure, provision or claim to each document it is part of through `dcterms:isPartOf`.

Everything is computed in the one store: the closures are CONSTRUCT queries
(kgtool/sparql/derive-*.rq) over the union of the graphs; the dates and durations are read
by SELECT queries and counted here, because calendar arithmetic with the reason a deadline
cannot be computed is plain Python. A derived triple that another graph states is then
removed (derive-restated.ru). The derived graph is recomputed whole each time: it is a
function of the other graphs, and a cheap one (docs/performance.md).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyoxigraph as ox

from .namespaces import BPO_IRI, DERIVED_GRAPH, XSD
from .sources import Sources, drop_graph
from .store import graph_digest, graph_lines, stable_blank_nodes

SPARQL = Path(__file__).resolve().parent / "sparql"
CLOSURES = ("derive-superclasses.rq", "derive-kinds.rq", "derive-concepts.rq", "derive-documents.rq")
DURATION = re.compile(r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                      r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")
XSD_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")
DAY_SECONDS = 86_400


def sparql(name: str) -> str:
    """An internal query of kgtool/sparql/ by file name."""
    return (SPARQL / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Duration:
    """A date-only duration: calendar months (years are 12 months) and days (weeks are 7)."""

    months: int = 0
    days: int = 0


def parse_duration(text: str) -> Duration:
    """Parse `PnYnMnWnD` (optionally negative). A time part is accepted only when it is a
    whole number of days (the store writes a zero duration as "PT0S"): a due date is a day."""
    text = text.strip()
    match = DURATION.fullmatch(text)
    if not match or text.lstrip("-") in ("P", "PT") or text.endswith("T"):
        raise ValueError(f"not a duration of years, months, weeks or days: {text!r}")
    sign = -1 if match[1] else 1
    years, months, weeks, days, hours, minutes = (int(g or 0) for g in match.groups()[1:7])
    seconds = 3600 * hours + 60 * minutes + float(match[8] or 0)
    if seconds % DAY_SECONDS:
        raise ValueError(f"duration {text!r} has a time part; a due date needs whole days, months or years")
    return Duration(months=sign * (12 * years + months), days=sign * (7 * weeks + days + int(seconds // DAY_SECONDS)))


def parse_date(text: str) -> date:
    """An xsd:date lexical form (a timezone, if any, does not move the day)."""
    match = XSD_DATE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not an xsd:date: {text!r}")
    return date.fromisoformat(match[1])


def add_duration(start: date, duration: Duration) -> date:
    """Add months first (clamping the day to the month's end, as XML Schema does), then days."""
    month_index = start.year * 12 + (start.month - 1) + duration.months
    year, month = divmod(month_index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(f"year {year} is out of range")
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day) + timedelta(days=duration.days)


@dataclass
class Derivation:
    """How many triples the derived graph got, and the deadlines that could not be
    computed (and why)."""

    triples: int = 0
    skipped: list[str] = field(default_factory=list)


def due_dates(store: ox.Store, skipped: list[str]):
    """(deadline, bpo:derivedDueDate, date) for each deadline whose trigger is dated."""
    for row in union_query(store, sparql("deadline-inputs.rq")):
        try:
            due = add_duration(parse_date(row["date"].value), parse_duration(row["duration"].value))
        except ValueError as error:
            skipped.append(f"{row['deadline'].value}: {error}")
            continue
        except OverflowError:  # kgtool/sparql/due-date-out-of-range-violation.rq reports it
            skipped.append(f"{row['deadline'].value}: the due date falls outside the years 1 to 9999")
            continue
        yield row["deadline"], ox.NamedNode(BPO_IRI + "derivedDueDate"), ox.Literal(due.isoformat(), datatype=ox.NamedNode(XSD + "date"))


# Each stated duration property, and the derived properties of its month and day parts.
PORTABLE_DURATIONS = {
    BPO_IRI + "duration": (BPO_IRI + "durationMonths", BPO_IRI + "durationDays"),
    BPO_IRI + "period": (BPO_IRI + "periodMonths", BPO_IRI + "periodDays"),
}


def portable_durations(store: ox.Store):
    """(subject, property, xsd:integer literal) for the month and day parts of each stated
    duration, so that a store that cannot keep xsd:duration still has the fact. The month
    part is given when it is not zero, the day part when it is not zero or the duration is
    zero (P0D): P200D has 200 days, P5Y 60 months, P1M10D 1 month and 10 days; months are
    never counted as days. A duration with a time part or not a duration at all gives
    nothing (the shapes report it)."""
    integer = ox.NamedNode(XSD + "integer")
    for row in union_query(store, sparql("stated-durations.rq")):
        try:
            duration = parse_duration(row["value"].value)
        except ValueError:
            continue
        months_property, days_property = PORTABLE_DURATIONS[row["property"].value]
        if duration.months:
            yield row["subject"], ox.NamedNode(months_property), ox.Literal(str(duration.months), datatype=integer)
        if duration.days or not duration.months:
            yield row["subject"], ox.NamedNode(days_property), ox.Literal(str(duration.days), datatype=integer)


def union_query(store: ox.Store, text: str):
    return store.query(text, use_default_graph_as_union=True)


def add_triples(store: ox.Store, graph: ox.NamedNode, ntriples: bytes) -> None:
    """N-Triples into a graph: parsed by the store (many times faster than a Python object
    a triple), unless they name blank nodes, which the store's loader would rename."""
    if b"_:" in ntriples:
        store.extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                     for t in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    else:
        store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)


def add_derived_graph(sources: Sources) -> Derivation:
    """(Re)compute the derived graph in the store from all the other graphs. The store is
    then whole: its blank nodes are named after their content (stable_blank_nodes), so that
    the checks and the release name them alike in every build, and the derived graph has a
    digest of its content beside the files' digests (what an incremental build compares)."""
    store, graph = sources.store, ox.NamedNode(DERIVED_GRAPH)
    drop_graph(store, DERIVED_GRAPH)
    result = Derivation()
    computed = list(due_dates(store, result.skipped)) + list(portable_durations(store))
    store.extend(ox.Quad(s, p, o, graph) for s, p, o in computed)
    for name in CLOSURES:  # each reads the union, the closures before it included: the same closures
        add_triples(store, graph, union_query(store, sparql(name)).serialize(format=ox.RdfFormat.N_TRIPLES))
    store.update(sparql("derive-restated.ru"))
    store.update(sparql("derive-description.ru"))
    stable_blank_nodes(store)
    sources.files[DERIVED_GRAPH] = None
    lines = graph_lines(store, DERIVED_GRAPH)
    sources.digests[DERIVED_GRAPH] = graph_digest(lines)
    result.triples = len(lines)
    return result
