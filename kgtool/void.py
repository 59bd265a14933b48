"""The dataset's description of itself, in VoID and DCAT: its named graphs and their triple
counts, the vocabularies it uses, the dump files, the SPARQL endpoint and the licence.

`kgtool build` writes it beside the release files (void.ttl), naming the dumps by their file
names, which resolve against the description's own location, as published side by side;
`kgtool serve` answers /.well-known/void (RFC 8615 and the VoID guide's well-known path) with
the same description, from the same function, naming its own endpoint and dump URLs.

Written as Turtle text with `[ ]` for the per-graph parts, so two builds of the same data
give the same bytes (no blank-node labels); terms are escaped by pyoxigraph."""

from __future__ import annotations

import pyoxigraph as ox

from .namespaces import BP_IRI, DCAT, DCTERMS, SD, VOID, XSD
from .query import internal_query, run

DATASET = BP_IRI + "dataset/biopolicy-kg"
VOID_FILE = "void.ttl"
DUMP_TYPES = {  # release file name -> media type
    "biopolicy.nq": "application/n-quads",
    "biopolicy.trig": "application/trig",
    "biopolicy.ttl": "text/turtle",
    "biopolicy.jsonld": "application/ld+json",
}
TITLES = (ox.Literal("Biotechnology policy knowledge graph", language="en"), ox.Literal("生物技术政策知识图谱", language="zh"))
DESCRIPTIONS = (
    ox.Literal("US and Chinese biotechnology policy documents, what they require and of whom, and what "
               "commentaries say about them; one named graph per source.", language="en"),
    ox.Literal("中美生物技术政策文件、其要求与对象，以及评论对它们的论述；每个来源一个命名图。", language="zh"))


def namespace(iri: str) -> str:
    """The vocabulary an IRI belongs to: up to its last # or /."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1]


def describe(store: ox.Store, per_graph: dict[str, int], dumps: dict[str, str], endpoint: str | None) -> bytes:
    """The VoID/DCAT description as Turtle. `per_graph` is `store.triples_per_graph` (what
    `kgtool stats` prints); `dumps` maps each release file name to its IRI (or a relative
    reference); `endpoint` is the SPARQL endpoint's IRI, if the data is served."""
    found = {row["term"].value: row for row in run(store, internal_query("void-terms"), {})}
    vocabularies = sorted({namespace(iri) for iri in found if not iri.startswith(BP_IRI)})
    licences = sorted(row["licence"].value for row in run(store, internal_query("licence"), {}))
    n = ox.NamedNode
    lines = [
        f"@prefix dcat: <{DCAT}> .",
        f"@prefix dcterms: <{DCTERMS}> .",
        f"@prefix sd: <{SD}> .",
        f"@prefix void: <{VOID}> .",
        f"@prefix xsd: <{XSD}> .",
        "",
        f"{n(DATASET)} a void:Dataset , dcat:Dataset ;",
        f"    dcterms:title {TITLES[0]} , {TITLES[1]} ;",
        f"    dcterms:description {DESCRIPTIONS[0]} , {DESCRIPTIONS[1]} ;",
    ]
    lines += [f"    dcterms:license {n(iri)} ;" for iri in licences]
    lines.append(f"    void:triples {sum(per_graph.values())} ;")
    lines += [f"    void:vocabulary {n(iri)} ;" for iri in vocabularies]
    if endpoint:
        lines.append(f"    void:sparqlEndpoint <{endpoint}> ;")
    for name, media in DUMP_TYPES.items():
        if name in dumps:
            lines.append(f"    void:dataDump <{dumps[name]}> ;")
            lines.append(f"    dcat:distribution [ a dcat:Distribution ; dcat:downloadURL <{dumps[name]}> ; "
                         f"dcat:mediaType {ox.Literal(media)} ] ;")
    for graph, triples in per_graph.items():
        lines.append(f"    void:subset [ a void:Dataset ; sd:name {n(graph)} ; void:triples {triples} ] ;")
    lines[-1] = lines[-1][:-2] + " ."
    return ("\n".join(lines) + "\n").encode("utf-8")
