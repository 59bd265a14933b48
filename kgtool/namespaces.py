"""Namespaces and project paths: the names docs/conventions.md fixes, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BPO_IRI = "https://w3id.org/biopolicy/ontology#"
BP_IRI = "https://w3id.org/biopolicy/id/"
BPS_IRI = "https://w3id.org/biopolicy/shapes#"
GRAPH_IRI = "https://w3id.org/biopolicy/graph/"

BPO = Namespace(BPO_IRI)
BP = Namespace(BP_IRI)
BPS = Namespace(BPS_IRI)
GRAPH = Namespace(GRAPH_IRI)

ONTOLOGY_GRAPH = GRAPH["ontology"]
DERIVED_GRAPH = GRAPH["derived"]

# Prefixes used to print and serialize (release files, query tables, reports).
PREFIXES: dict[str, str] = {
    "bpo": BPO_IRI,
    "bp": BP_IRI,
    "bps": BPS_IRI,
    "graph": GRAPH_IRI,
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
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
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"
