"""Namespaces and project paths: the names docs/conventions.md fixes, in one place.

Plain strings, so that importing this (every command does) loads no RDF library: a cold
`kgtool query --store` must not pay for rdflib. The rdflib namespace objects that the
shapes code needs are in kgtool/rdfterms.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BPO_IRI = "https://w3id.org/biopolicy/ontology#"
BP_IRI = "https://w3id.org/biopolicy/id/"
BPS_IRI = "https://w3id.org/biopolicy/shapes#"
GRAPH_IRI = "https://w3id.org/biopolicy/graph/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SH = "http://www.w3.org/ns/shacl#"
SCHEMA = "https://schema.org/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"

ONTOLOGY_GRAPH = GRAPH_IRI + "ontology"
DERIVED_GRAPH = GRAPH_IRI + "derived"

# Prefixes used to print and serialize (release files, query tables, reports).
PREFIXES: dict[str, str] = {
    "bpo": BPO_IRI,
    "bp": BP_IRI,
    "bps": BPS_IRI,
    "graph": GRAPH_IRI,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": SCHEMA,
    "sh": SH,
}


def compact(iri: str) -> str:
    """Shorten an IRI with the longest matching known prefix, or wrap it in <>."""
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return f"<{iri}>"
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


@dataclass(frozen=True)
class Project:
    """Where the parts of the project live; every command works from one of these."""

    root: Path
    data_dir: Path

    @classmethod
    def at(cls, root: str | Path = ".", data: str | Path | None = None) -> "Project":
        root = Path(root).resolve()
        return cls(root=root, data_dir=Path(data).resolve() if data else root / "data")

    @property
    def ontology_file(self) -> Path:
        return self.root / "ontology" / "biopolicy.ttl"

    @property
    def ontology_checks(self) -> list[Path]:
        """The ontology's quality checks: SPARQL queries that must return no rows."""
        return sorted((self.root / "ontology" / "checks").glob("*-violation.rq"))

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"
