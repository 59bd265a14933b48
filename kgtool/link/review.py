"""`kgtool link wikidata`: propose Wikidata items for our entities, for a person to review,
and turn the reviewed rows into a links file.

A wrong link is worse than none, so nothing is linked by the tool itself: `candidates`
writes a review file (TSV) that lists each unlinked entity with its candidates, best
first; a reviewer writes `yes` in the accept column; `accept` turns exactly those rows
into `owl:sameAs` links that name the review as their source.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from ..errors import KgtoolError
from ..namespaces import BP_IRI, BPO_IRI, OWL, Project
from ..remote import PublicEndpoint
from ..store import project_store
from .wikidata import LINKABLE_CLASSES, WD, Candidate, candidate_query, expected_types, parse_rows, score

COLUMNS = ["entity", "entity_label_en", "entity_label_zh", "candidate", "candidate_label_en",
           "candidate_label_zh", "description", "score", "accept"]
WIKIDATA_ITEM = re.compile(r"http://www\.wikidata\.org/entity/Q[1-9][0-9]*")
OWL_SAME_AS = OWL + "sameAs"


class LinkError(KgtoolError):
    """A review file that cannot be accepted, or an output that would overwrite one."""


@dataclass
class Entity:
    """One of our entities that has no Wikidata link yet."""

    iri: str
    our_class: str
    label_en: str = ""
    label_zh: str = ""
    country: str | None = None  # the Wikidata item of its bpo:jurisdiction, when linked


# Our entities --------------------------------------------------------------------------

def unlinked_entities(store: ox.Store) -> list[Entity]:
    """Entities of the linkable classes with no owl:sameAs to Wikidata, each with its most
    specific linkable class (EXPECTED_TYPES order), in IRI order. Proposed bodies are left
    out: as far as their sources say they do not exist, so no item can be the same thing."""
    classes = " ".join(f"<{c}>" for c in LINKABLE_CLASSES)
    rows = store.query(f"""
        PREFIX bpo: <{BPO_IRI}>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?entity ?class ?en ?zh ?country WHERE {{
          VALUES ?class {{ {classes} }}
          ?entity a/rdfs:subClassOf* ?class .
          FILTER(STRSTARTS(STR(?entity), "{BP_IRI}"))
          FILTER NOT EXISTS {{ ?entity a bpo:ProposedBody }}
          FILTER NOT EXISTS {{ ?entity owl:sameAs ?linked FILTER(STRSTARTS(STR(?linked), "{WD}")) }}
          OPTIONAL {{ ?entity rdfs:label ?en FILTER(LANG(?en) = "en") }}
          OPTIONAL {{ ?entity rdfs:label ?zh FILTER(LANG(?zh) = "zh") }}
          OPTIONAL {{ ?entity bpo:jurisdiction/owl:sameAs ?country FILTER(STRSTARTS(STR(?country), "{WD}")) }}
        }}""", use_default_graph_as_union=True)
    rank = {c: i for i, c in enumerate(LINKABLE_CLASSES)}
    found: dict[str, Entity] = {}
    for row in rows:
        iri, our_class = row["entity"].value, row["class"].value
        known = found.get(iri)
        if known is None or rank[our_class] < rank[known.our_class]:
            found[iri] = Entity(iri, our_class, value(row["en"]), value(row["zh"]), value(row["country"]) or None)
    return [found[iri] for iri in sorted(found)]


def value(term) -> str:
    return term.value if term is not None else ""


# Candidates ----------------------------------------------------------------------------

def ranked_candidates(endpoint: PublicEndpoint, entities: list[Entity], batch: int) -> dict[str, list[tuple[float, Candidate]]]:
    """Each entity's candidates of the right type, best first. Entities are asked in
    batches of `batch`, one query per batch and class (the expected types differ)."""
    ranked: dict[str, list[tuple[float, Candidate]]] = {e.iri: [] for e in entities}
    for our_class, group in by_class(entities).items():
        types = expected_types(our_class)
        for start in range(0, len(group), batch):
            chunk = group[start:start + batch]
            by_label = labels_of(chunk)
            for label, candidate in parse_rows(endpoint.select(candidate_query(list(by_label), types))):
                for entity in by_label.get(label, []):
                    add_candidate(ranked[entity.iri], entity, candidate, types)
    for candidates in ranked.values():
        candidates.sort(key=lambda pair: (-pair[0], qid_number(pair[1].iri)))
    return ranked


def by_class(entities: list[Entity]) -> dict[str, list[Entity]]:
    groups: dict[str, list[Entity]] = {}
    for entity in entities:
        groups.setdefault(entity.our_class, []).append(entity)
    return groups


def labels_of(entities: list[Entity]) -> dict[ox.Literal, list[Entity]]:
    """Each label (with its language tag) -> the entities that carry it."""
    labels: dict[ox.Literal, list[Entity]] = {}
    for entity in entities:
        for text, lang in ((entity.label_en, "en"), (entity.label_zh, "zh")):
            if text:
                labels.setdefault(ox.Literal(text, language=lang), []).append(entity)
    return labels


def add_candidate(candidates: list[tuple[float, Candidate]], entity: Entity, candidate: Candidate, types) -> None:
    """Add a scored candidate unless it is of the wrong type or already there (an item
    found by both its en and zh label is one candidate)."""
    if any(c.iri == candidate.iri for _, c in candidates):
        return
    points = score(candidate, entity.label_en, entity.label_zh, types, entity.country)
    if points is not None:
        candidates.append((points, candidate))


def qid_number(iri: str) -> int:
    digits = iri.rsplit("Q", 1)[-1]
    return int(digits) if digits.isdigit() else 0


# Review file ---------------------------------------------------------------------------

def review_text(entities: list[Entity], ranked: dict, endpoint_url: str, day: date) -> str:
    """The review file: `#` lines naming the endpoint and date, a header row, then each
    entity's candidates best first; an entity without candidates gets one row with an
    empty candidate, so the reviewer sees it too."""
    out = io.StringIO()
    out.write(f"# kgtool link wikidata: candidates for review. Write yes in the accept column of the right rows.\n"
              f"# endpoint: {endpoint_url}\n# date: {day.isoformat()}\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for entity in entities:
        ours = [entity.iri, entity.label_en, entity.label_zh]
        for points, c in ranked[entity.iri]:
            writer.writerow(one_line(ours + [c.iri, c.label_en, c.label_zh, c.description, f"{points:g}", ""]))
        if not ranked[entity.iri]:
            writer.writerow(one_line(ours + ["", "", "", "", "", ""]))
    return out.getvalue()


def one_line(cells: list[str]) -> list[str]:
    """Cells without tabs or line breaks, so each row is one line and errors can name it."""
    return [" ".join(cell.split()) if any(c in cell for c in "\t\r\n") else cell for cell in cells]


def candidates(project: Project, endpoint: PublicEndpoint, limit: int | None, batch: int, day: date) -> str:
    """Look up every unlinked entity (the first `limit` of them) and return the review file."""
    entities = unlinked_entities(project_store(project))[:limit]
    ranked = ranked_candidates(endpoint, entities, batch)
    found = sum(1 for e in entities if ranked[e.iri])
    print(f"[link] {len(entities)} unlinked entities, {found} with candidates, "
          f"{endpoint.requests} request(s) to {endpoint.url}", file=sys.stderr)
    return review_text(entities, ranked, endpoint.url, day)


# Accepting a review --------------------------------------------------------------------

@dataclass
class Accepted:
    line: int
    entity: str
    candidate: str


def read_review(path: Path) -> tuple[dict[str, str], list[Accepted]]:
    """The `# key: value` lines and the rows marked yes; every malformed row is an error
    naming the file and line."""
    meta, accepted, errors = {}, [], []
    header = None
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, row in enumerate(csv.reader(lines, delimiter="\t"), start=1):
        if not row or row[0].startswith("#"):  # no entity IRI starts with #
            key, _, text = (row[0][1:] if row and header is None else "").partition(":")
            if key.strip() in ("endpoint", "date"):
                meta[key.strip()] = text.strip()
            continue
        if header is None:
            header = row
            if row != COLUMNS:
                raise LinkError(f"{path}:{number}: header must be {' '.join(COLUMNS)} (tab-separated)")
            continue
        problem = row_problem(row)
        if problem:
            errors.append(f"{path}:{number}: {problem}")
        elif row[8].strip().lower() == "yes":
            accepted.append(Accepted(number, row[0], row[3]))
    if header is None:
        errors.append(f"{path}: no header row; is this a file written by `kgtool link wikidata`?")
    for key in ("endpoint", "date"):
        if key not in meta:
            errors.append(f"{path}: no `# {key}:` line; is this a file written by `kgtool link wikidata`?")
    if errors:
        raise LinkError("\n".join(errors))
    return meta, accepted


def row_problem(row: list[str]) -> str | None:
    if len(row) != len(COLUMNS):
        return f"expected {len(COLUMNS)} tab-separated columns, found {len(row)}"
    entity, candidate, accept = row[0], row[3], row[8].strip().lower()
    if accept not in ("", "yes", "no"):
        return f"accept must be yes, no or empty, not {row[8]!r}"
    if not entity.startswith(BP_IRI):
        return f"entity {entity!r} is not one of ours ({BP_IRI}...)"
    if accept == "yes" and not WIKIDATA_ITEM.fullmatch(candidate):
        return f"candidate {candidate!r} is not a Wikidata item IRI (http://www.wikidata.org/entity/Q...)"
    return None


def check_against_data(store: ox.Store, accepted: list[Accepted], path: Path) -> list[Accepted]:
    """The accepted rows, once each, after checking that every entity is ours and not yet
    linked, and that no entity gets two items and no item two entities (owl:sameAs would
    make our two entities one)."""
    linked = {row["e"].value: row["w"].value for row in store.query(
        f"SELECT ?e ?w WHERE {{ ?e <{OWL_SAME_AS}> ?w FILTER(STRSTARTS(STR(?w), \"{WD}\")) }}",
        use_default_graph_as_union=True)}
    owner = {item: entity for entity, item in linked.items()}
    chosen: dict[str, Accepted] = {}
    errors = []
    for row in accepted:
        problem = acceptance_problem(store, row, linked, owner, chosen)
        if problem:
            errors.append(f"{path}:{row.line}: {problem}")
        elif row.entity not in chosen:
            chosen[row.entity] = row
            owner[row.candidate] = row.entity
    if errors:
        raise LinkError("\n".join(errors))
    return list(chosen.values())


def acceptance_problem(store, row: Accepted, linked, owner, chosen) -> str | None:
    if not store.query(f"ASK {{ <{row.entity}> a ?type }}", use_default_graph_as_union=True):
        return f"entity {row.entity} is not in the data (no rdf:type in any graph)"
    if row.entity in linked:
        return f"entity {row.entity} is already linked to {linked[row.entity]}"
    if row.entity in chosen and chosen[row.entity].candidate != row.candidate:
        return f"entity {row.entity} was already accepted for {chosen[row.entity].candidate} on line {chosen[row.entity].line}"
    if owner.get(row.candidate, row.entity) != row.entity:
        return f"{row.candidate} is already linked to {owner[row.candidate]}; two of our entities cannot be the same item"
    return None


RELATIVE = re.compile(r"[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*")


def our_iri(iri: str) -> str:
    """Relative to @base where that is plainly safe (as data files write them), else whole."""
    local = iri[len(BP_IRI):]
    return f"<{local}>" if iri.startswith(BP_IRI) and RELATIVE.fullmatch(local) else str(ox.NamedNode(iri))


def links_turtle(rows: list[Accepted], meta: dict[str, str], review: Path, graph: str | None, day: date) -> str:
    """The links file, in the style of data/links/identifiers.ttl."""
    lines = [
        f"# Wikidata links accepted by a reviewer in {review.name} (kgtool link wikidata --accept).",
        "# Each candidate was proposed by exact label and type, and checked by a person.",
        f"@base <{BP_IRI}> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        f"@prefix wd: <{WD}> .",
        "",
    ]
    if graph:
        comment = ox.Literal(f"Wikidata links accepted in review {review.name} on {day.isoformat()}.", language="en")
        lines += [f"<{graph}>", f"    rdfs:comment {comment} .", ""]
    for row in sorted(rows, key=lambda r: r.entity):
        source = ox.Literal(f"candidate from the SPARQL endpoint {meta['endpoint']} (queried {meta['date']}, "
                            f"kgtool link wikidata), accepted by a reviewer in {review.name} line {row.line}, "
                            f"written {day.isoformat()}")
        lines += [our_iri(row.entity),
                  f"    owl:sameAs wd:{row.candidate[len(WD):]} ;",
                  f"    dcterms:source {source} .", ""]
    return "\n".join(lines)


def accept(project: Project, review: Path, out: Path, day: date) -> int:
    """Write the links file for the rows marked yes; returns how many links it holds."""
    from ..sources import graph_name

    if out.exists():
        raise LinkError(f"{out} exists; give another --out (one file per review) or remove it first")
    meta, accepted = read_review(review)
    if not accepted:
        raise LinkError(f"{review}: no row has yes in the accept column; nothing to write")
    rows = check_against_data(project_store(project), accepted, review)
    inside = out.resolve().is_relative_to(project.data_dir)
    graph = str(graph_name(project.data_dir, out.resolve())) if inside else None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(links_turtle(rows, meta, review, graph, day), encoding="utf-8")
    return len(rows)
