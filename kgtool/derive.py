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

Each closure is computed once per node and memoised, so the cost grows with the data
times the depth of its hierarchies. A derived triple that a source already states is not
repeated in the derived graph.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

from rdflib import BNode, Graph, Literal
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .namespaces import BPO, DERIVED_GRAPH
from .sources import Source, Sources

DURATION = re.compile(r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")
XSD_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")

DERIVED_COMMENT = (
    "Computed by kgtool build, not stated by any source: bpo:derivedDueDate is the "
    "dcterms:date of the deadline's bpo:trigger plus its bpo:duration; bpo:durationMonths, "
    "bpo:durationDays, bpo:periodMonths and bpo:periodDays restate each bpo:duration and bpo:period "
    "as whole months and days; rdfs:subClassOf (indirect "
    "superclasses), bpo:kindOf, skos:broaderTransitive, bpo:withinConcept and bpo:inDocument are "
    "closures of the rdf:type, rdfs:subClassOf, skos:broader, skos:narrower and dcterms:isPartOf "
    "triples the sources and the ontology state."
)
STATEMENT_CLASSES = (BPO.Measure, BPO.Provision, BPO.Claim)


@dataclass(frozen=True)
class Duration:
    """A date-only duration: calendar months (years are 12 months) and days (weeks are 7)."""

    months: int = 0
    days: int = 0


def parse_duration(text: str) -> Duration:
    """Parse `PnYnMnWnD` (optionally negative). A time part is refused: a due date is a day."""
    text = text.strip()
    if "T" in text:
        raise ValueError(f"duration {text!r} has a time part; a due date needs whole days, months or years")
    match = DURATION.fullmatch(text)
    if not match or text.lstrip("-") == "P":
        raise ValueError(f"not a duration of years, months, weeks or days: {text!r}")
    sign = -1 if match[1] else 1
    years, months, weeks, days = (int(g or 0) for g in match.groups()[1:])
    return Duration(months=sign * (12 * years + months), days=sign * (7 * weeks + days))


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
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day) + timedelta(days=duration.days)


@dataclass
class Derivation:
    """The derived graph, and the deadlines that could not be computed (and why)."""

    graph: Graph
    skipped: list[str] = field(default_factory=list)


def deadline_inputs(union: Graph):
    """Each (deadline, duration, trigger date) the graphs state, in a stable order."""
    for deadline in sorted(set(union.subjects(RDF.type, BPO.Deadline))):
        for duration in union.objects(deadline, BPO.duration):
            for trigger in union.objects(deadline, BPO.trigger):
                for trigger_date in union.objects(trigger, DCTERMS.date):
                    yield deadline, duration, trigger_date


# Each stated duration property, and the derived properties of its month and day parts.
PORTABLE_DURATIONS = (
    (BPO.duration, BPO.durationMonths, BPO.durationDays),
    (BPO.period, BPO.periodMonths, BPO.periodDays),
)


def portable_durations(union: Graph):
    """(subject, property, xsd:integer literal) for the month and day parts of each stated
    duration, so that a store that cannot keep xsd:duration still has the fact. The month
    part is given when it is not zero, the day part when it is not zero or the duration is
    zero (P0D): P200D has 200 days, P5Y 60 months, P1M10D 1 month and 10 days; months are
    never counted as days. A duration with a time part or not a duration at all gives
    nothing (the shapes report it)."""
    for stated, months_property, days_property in PORTABLE_DURATIONS:
        for subject, value in sorted(union.subject_objects(stated)):
            try:
                duration = parse_duration(str(value))
            except ValueError:
                continue
            if duration.months:
                yield subject, months_property, Literal(duration.months, datatype=XSD.integer)
            if duration.days or not duration.months:
                yield subject, days_property, Literal(duration.days, datatype=XSD.integer)


def new_derived_graph() -> Graph:
    """The derived graph describes itself: generated by kgtool, not stated by a source."""
    derived = Graph()
    activity = BNode()
    derived.add((DERIVED_GRAPH, RDFS.comment, Literal(DERIVED_COMMENT, lang="en")))
    derived.add((DERIVED_GRAPH, PROV.wasGeneratedBy, activity))
    derived.add((activity, RDF.type, PROV.Activity))
    derived.add((activity, RDFS.label, Literal("kgtool build: derive due dates, portable durations and closures",
                                               lang="en")))
    return derived


def ancestors(start, parents) -> set:
    """Every node reachable from `start` by one or more `parents` steps (cycles are safe)."""
    seen: set = set()
    todo = list(parents(start))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(parents(node))
    return seen


class Closure:
    """The transitive closure of a parent relation, one node at a time, memoised."""

    def __init__(self, parents):
        self.parents = parents
        self.memo: dict = {}

    def __call__(self, node) -> set:
        if node not in self.memo:
            self.memo[node] = ancestors(node, self.parents)
        return self.memo[node]


def closures(union: Graph, data: Graph | None = None):
    """The closure triples, each not already in `union`. `data` is where typed resources and
    parts are looked for (the data graphs without the ontology); by default `union`."""
    data = union if data is None else data
    superclasses = Closure(lambda c: union.objects(c, RDFS.subClassOf))
    broader = Closure(lambda c: set(union.objects(c, SKOS.broader)) | set(union.subjects(SKOS.narrower, c)))
    wholes = Closure(lambda part: union.objects(part, DCTERMS.isPartOf))
    out: set = set()

    for cls in set(union.subjects(RDFS.subClassOf, None)):
        for sup in superclasses(cls):
            if sup != cls:
                out.add((cls, RDFS.subClassOf, sup))

    def kinds(node) -> set:
        stated = set(union.objects(node, RDF.type))
        return stated.union(*(superclasses(c) for c in stated))

    for node in set(data.subjects(RDF.type, None)):
        for kind in kinds(node):
            out.add((node, BPO.kindOf, kind))

    concepts = set(union.subjects(SKOS.broader, None)) | set(union.objects(SKOS.broader, None))
    concepts |= set(union.subjects(SKOS.narrower, None)) | set(union.objects(SKOS.narrower, None))
    concepts |= {n for n in union.subjects(RDF.type, None) if SKOS.Concept in kinds(n)}
    for concept in concepts:
        out.add((concept, BPO.withinConcept, concept))
        for ancestor in broader(concept):
            if ancestor != concept:
                out.add((concept, SKOS.broaderTransitive, ancestor))
                out.add((concept, BPO.withinConcept, ancestor))

    for part in set(data.subjects(DCTERMS.isPartOf, None)):
        if any(c in kinds(part) for c in STATEMENT_CLASSES):
            for whole in wholes(part):
                if whole != part and BPO.Document in kinds(whole):
                    out.add((part, BPO.inDocument, whole))
    return sorted(t for t in out if t not in union)


def derive(union: Graph, data: Graph | None = None) -> Derivation:
    """Compute due dates, portable durations and closures from the union of all graphs into
    the derived graph."""
    result = Derivation(new_derived_graph())
    for deadline, duration, trigger_date in deadline_inputs(union):
        try:
            due = add_duration(parse_date(trigger_date), parse_duration(duration))
        except ValueError as error:
            result.skipped.append(f"{deadline}: {error}")
            continue
        result.graph.add((deadline, BPO.derivedDueDate, Literal(due.isoformat(), datatype=XSD.date)))
    for triple in portable_durations(union):
        if triple not in union:
            result.graph.add(triple)
    for triple in closures(union, data):
        result.graph.add(triple)
    return result


def add_derived_graph(sources: Sources) -> Derivation:
    """Derive from all parsed graphs and add the result to them as the derived graph."""
    data = SimpleNamespace(subjects=sources.data_subjects)  # what closures() reads of the data
    result = derive(sources.union(), data)
    sources.add(Source(DERIVED_GRAPH, None, result.graph))
    return result
