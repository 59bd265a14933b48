"""Wikidata's side of linking: which Wikidata classes fit each of our classes, the
candidate query (exact labels, in batches), and the score of a candidate.

The endpoint only needs Wikidata's shape (rdfs:label with language tags,
schema:description, wdt:P31/P279/P17), so the tests use a small local fixture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..namespaces import BPO_IRI

WD = "http://www.wikidata.org/entity/"
DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
SUBCLASS_STEPS = 3  # how far up wdt:P279 a candidate's class may be from an expected class

# Our class -> the Wikidata classes a candidate must be an instance of (wdt:P31, or of a
# subclass up to SUBCLASS_STEPS steps away). First match wins, so specific classes come
# before general ones.
# CHECK THESE QIDS ON wikidata.org BEFORE TRUSTING A RUN: they could not be verified
# against live Wikidata here. Each was seen next to its label in several third-party
# files (entity-linking tables, WDQS examples), e.g. "government agency (Q327333)".
EXPECTED_TYPES: list[tuple[str, str, dict[str, str]]] = [
    ("Country", "country", {"Q6256": "country", "Q3624078": "sovereign state"}),
    ("Jurisdiction", "jurisdiction", {"Q56061": "administrative territorial entity"}),
    ("Legislature", "legislature", {"Q11204": "legislature", "Q327333": "government agency"}),
    ("GovernmentBody", "government body", {"Q327333": "government agency"}),
    ("Post", "post", {"Q4164871": "position"}),
    ("Company", "company", {"Q4830453": "business", "Q783794": "company"}),
    ("ResearchInstitute", "research institute", {"Q31855": "research institute"}),
    ("Person", "person", {"Q5": "human"}),
    ("Bill", "bill", {"Q686822": "bill"}),
    ("Law", "law", {"Q7748": "law", "Q49371": "legislation", "Q820655": "statute"}),
    ("Regulation", "regulation", {"Q7748": "law", "Q49371": "legislation"}),
]
LINKABLE_CLASSES = [BPO_IRI + name for name, _, _ in EXPECTED_TYPES]

# Points a candidate earns; a score is their sum (at most 4).
POINTS = {"label_en": 1.0, "label_zh": 1.0, "type_direct": 1.0, "type_subclass": 0.5,
          "country_match": 1.0, "country_conflict": -1.0}


def expected_types(our_class: str) -> dict[str, str]:
    for name, _, types in EXPECTED_TYPES:
        if BPO_IRI + name == our_class:
            return types
    raise KeyError(our_class)


@dataclass
class Candidate:
    """A Wikidata item whose label equals one of an entity's labels."""

    iri: str
    label_en: str = ""
    label_zh: str = ""
    description: str = ""
    countries: set[str] = field(default_factory=set)
    direct_types: set[str] = field(default_factory=set)
    reached_types: set[str] = field(default_factory=set)  # expected classes reached via P31/P279*


def candidate_query(labels: list[ox.Literal], types: dict[str, str]) -> str:
    """One query for a batch of labels: each item with one of these exact labels, its
    labels, English description, countries (P17), classes (P31), and which of the
    expected classes it reaches through P31/P279{0,SUBCLASS_STEPS}.

    Labels are written as N-Triples literals by pyoxigraph, so quotes and backslashes in
    a label cannot change the query."""
    values = " ".join(str(label) for label in labels)
    expected = " ".join(f"wd:{qid}" for qid in types)
    path = "wdt:P31" + "/wdt:P279?" * SUBCLASS_STEPS
    return f"""PREFIX wd: <{WD}>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
SELECT ?label ?item (SAMPLE(?en) AS ?label_en) (SAMPLE(?zh) AS ?label_zh) (SAMPLE(?d) AS ?description)
       (GROUP_CONCAT(DISTINCT STR(?country); separator=" ") AS ?countries)
       (GROUP_CONCAT(DISTINCT STR(?direct); separator=" ") AS ?direct_types)
       (GROUP_CONCAT(DISTINCT STR(?reached); separator=" ") AS ?reached_types)
WHERE {{
  VALUES ?label {{ {values} }}
  ?item rdfs:label ?label .
  OPTIONAL {{ ?item rdfs:label ?en FILTER(LANG(?en) = "en") }}
  OPTIONAL {{ ?item rdfs:label ?zh FILTER(LANG(?zh) = "zh") }}
  OPTIONAL {{ ?item schema:description ?d FILTER(LANG(?d) = "en") }}
  OPTIONAL {{ ?item wdt:P17 ?country }}
  OPTIONAL {{ ?item wdt:P31 ?direct }}
  OPTIONAL {{ VALUES ?reached {{ {expected} }} ?item {path} ?reached }}
}}
GROUP BY ?label ?item
"""


def parse_rows(rows: list[dict]) -> list[tuple[ox.Literal, Candidate]]:
    """SPARQL JSON bindings of `candidate_query` -> (the label matched, the candidate)."""
    def text(row, name):
        return row.get(name, {}).get("value", "")

    parsed = []
    for row in rows:
        label = ox.Literal(text(row, "label"), language=row["label"].get("xml:lang"))
        parsed.append((label, Candidate(
            iri=text(row, "item"), label_en=text(row, "label_en"), label_zh=text(row, "label_zh"),
            description=text(row, "description"), countries=set(text(row, "countries").split()),
            direct_types=set(text(row, "direct_types").split()),
            reached_types=set(text(row, "reached_types").split()))))
    return parsed


def score(candidate: Candidate, label_en: str, label_zh: str, types: dict[str, str],
          country: str | None) -> float | None:
    """The candidate's points for an entity, or None when it is of the wrong type (then
    the reviewer never sees it). A candidate in another country than the entity's loses
    a point rather than being dropped: Wikidata's P17 is not always what we mean."""
    expected = {WD + qid for qid in types}
    if not candidate.reached_types & expected:
        return None
    points = POINTS["type_direct"] if candidate.direct_types & expected else POINTS["type_subclass"]
    if label_en and candidate.label_en == label_en:
        points += POINTS["label_en"]
    if label_zh and candidate.label_zh == label_zh:
        points += POINTS["label_zh"]
    if country and candidate.countries:
        points += POINTS["country_match"] if country in candidate.countries else POINTS["country_conflict"]
    return points
