"""Grow the real graph to a given size with synthetic sources, for benchmarking.

    python bench/generate.py --size 100k [--out bench/work/data-100k] [--seed 7] [--violations N]

The output directory holds a copy of the project's own data/ plus `sources/synthetic-NNNNNN.ttl`
files, one synthetic source each, shaped like ours: a commentary (with its author) on a
policy document with its signing event, measures with lead and consulted agents, deadlines
counted from the signing, deliverables, amounts, themes, technologies, instrument types,
claims and statistics, every entity with one English and one Chinese label. They reuse the
real reference entities and concept schemes (agencies, posts, jurisdictions, themes,
technologies, OECD STIP codes, deliverable types), so the result is valid under our shapes
and ontology. Everything synthetic says so: IRIs `bp:document/synthetic-000123`, labels
"Synthetic document 123". Use it with `kgtool --data DIR`.

The same seed and size always give the same files. `--violations N` plants N violations,
each in its own source and each giving exactly one SHACL result (a missing Chinese label, a
lower-case currency code, a percentage above 100: literal values only, so no other check
sees them); `manifest.json` lists them, with the number of triples and files.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BP = "https://w3id.org/biopolicy/id/"
BPO = "https://w3id.org/biopolicy/ontology#"
GRAPH = "https://w3id.org/biopolicy/graph/"

PREFIXES = """@base <https://w3id.org/biopolicy/id/> .
@prefix bpo: <https://w3id.org/biopolicy/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

POLICY_DOCUMENTS = ["ExecutiveOrder", "CommissionReport", "Bill", "Law", "Regulation"]
# One class per measure, never two disjoint ones (Recommendation and Directive are).
MEASURES = ["Directive", "Recommendation", "Restriction", "RegulatoryReform", "WorkforceMeasure",
            "DataMeasure", "InstitutionalMeasure"]
MEASURES_PER_SOURCE = 8
CLAIMS_PER_SOURCE = 4
VIOLATION_KINDS = ("missing-zh-label", "lower-case-currency", "percentage-over-100")


def parse_size(text: str) -> int:
    """`3k`, `100k`, `1M`, `2500` -> a number of triples."""
    text = text.strip()
    factor = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor > 1 else text
    try:
        return int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10k, 1M)") from None


# Reference entities of the real graph ----------------------------------------------------

def reference_entities(data_dir: Path) -> tuple[dict[str, list[str]], int]:
    """The real graph's entities that synthetic sources may point to, by role (IRIs relative
    to bp:), and the number of triples of the real graph (ontology, data, derived)."""
    sys.path.insert(0, str(ROOT))
    from kgtool.derive import add_derived_graph
    from kgtool.namespaces import Project
    from kgtool.sources import load_sources

    sources = load_sources(Project.at(ROOT, data_dir))
    add_derived_graph(sources)
    triples = len(sources.store)

    def instances(cls: str, prefix: str = "") -> list[str]:
        """Instances of the class or of its subclasses (as the ontology states them)."""
        rows = sources.store.query(
            f"SELECT DISTINCT ?s WHERE {{ GRAPH <{GRAPH}ontology> {{ ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{BPO}{cls}> }} "
            f"?s a ?c }}", use_default_graph_as_union=True)
        found = {row["s"].value for row in rows}
        return sorted(s[len(BP):] for s in found if s.startswith(BP + prefix))

    entities = {
        "agents": instances("GovernmentBody", "agency/") + instances("Post", "post/"),
        "jurisdictions": instances("Jurisdiction", "jurisdiction/"),
        "themes": instances("PolicyTheme"),
        "technologies": instances("Technology"),
        "instruments": instances("PolicyInstrumentType"),
        "deliverable_types": instances("DeliverableType"),
    }
    empty = [role for role, found in entities.items() if not found]
    if empty:
        raise SystemExit(f"generate: the real data has no {', '.join(empty)} to reuse")
    return entities, triples


# One synthetic source --------------------------------------------------------------------

class Source:
    """The Turtle text of one synthetic source, counting its triples as it is written."""

    def __init__(self, number: int, ref: dict[str, list[str]], rng: random.Random):
        self.n, self.id, self.ref, self.rng = number, f"{number:06d}", ref, rng
        self.lines: list[str] = [PREFIXES]
        self.triples = 0
        self.derived = 0  # due dates kgtool build will derive
        self.planted: dict | None = None

    def pick(self, role: str, k: int = 1) -> list[str]:
        return self.rng.sample(self.ref[role], min(k, len(self.ref[role])))

    def entity(self, iri: str, types: str, label_en: str, label_zh: str | None, props: list[tuple[str, str]]):
        """One subject block; `props` are (predicate, object in Turtle) pairs."""
        lines = [f"<{iri}> a {types} ;", f'    rdfs:label "{label_en}"@en'
                 + (f' , "{label_zh}"@zh' if label_zh is not None else "")]
        self.triples += len(types.split(",")) + (2 if label_zh is not None else 1)
        for predicate, obj in props:
            lines[-1] += " ;"
            lines.append(f"    {predicate} {obj}")
            self.triples += obj.count(" , ") + 1
        lines[-1] += " ."
        self.lines.append("\n".join(lines) + "\n")

    @staticmethod
    def refs(iris: list[str]) -> str:
        return " , ".join(f"<{i}>" for i in iris)

    def write(self, plant: str | None = None) -> str:
        n, sid = self.n, self.id
        commentary, document = f"document/synthetic-commentary-{sid}", f"document/synthetic-{sid}"
        signing, author = f"event/synthetic-{sid}-signing", f"person/synthetic-{sid}-1"
        self.lines.append(
            f"<{GRAPH}sources/synthetic-{sid}>\n    prov:wasDerivedFrom <{commentary}> ;\n"
            f'    rdfs:comment "Synthetic source {n}, generated by bench/generate.py for benchmarking; not real data."@en .\n')
        self.triples += 2
        self.entity(commentary, "bpo:CommentaryArticle", f"Synthetic commentary {n}", f"合成评论 {n}", [
            ("dcterms:creator", f"<{author}>"), ("bpo:commentsOn", f"<{document}>"),
            ("bpo:theme", self.refs(self.pick("themes")))])
        self.entity(author, "bpo:Person", f"Synthetic person {n}-1", f"合成人员 {n}-1", [])
        self.entity(document, f"bpo:{self.rng.choice(POLICY_DOCUMENTS)}", f"Synthetic document {n}", f"合成文件 {n}", [
            ("dcterms:title", f'"Synthetic document {n}, a policy document for benchmarking"@en'),
            ("bpo:issuedBy", self.refs(self.pick("agents"))),
            ("bpo:jurisdiction", self.refs(self.pick("jurisdictions"))),
            ("bpo:theme", self.refs(self.pick("themes", 2))),
            ("bpo:technology", self.refs(self.pick("technologies")))])
        year, month, day = 2015 + n % 11, 1 + n % 12, 1 + n % 28
        self.entity(signing, "bpo:Signing", f"Signing of synthetic document {n}", f"合成文件 {n} 签署", [
            ("dcterms:date", f'"{year}-{month:02d}-{day:02d}"^^xsd:date'), ("prov:generated", f"<{document}>")])
        for j in range(1, MEASURES_PER_SOURCE + 1):
            self.measure(j, document, signing, plant)
        for k in range(1, CLAIMS_PER_SOURCE + 1):
            self.claim(k, commentary, document, plant)
        return "\n".join(self.lines)

    def measure(self, j: int, document: str, signing: str, plant: str | None):
        n, sid, rng = self.n, self.id, self.rng
        iri = f"measure/synthetic-{sid}/{j}"
        funding = j == 1 or rng.random() < 0.15  # the first measure of each source has an amount
        props = [("dcterms:isPartOf", f"<{document}>"),
                 ("bpo:leadAgent", self.refs(self.pick("agents"))),
                 ("bpo:consultedAgent", self.refs(self.pick("agents", rng.randint(1, 2)))),
                 ("bpo:theme", self.refs(self.pick("themes", rng.randint(1, 3)))),
                 ("bpo:technology", self.refs(self.pick("technologies"))),
                 ("bpo:instrumentType", self.refs(self.pick("instruments"))),
                 ("bpo:targets", self.refs(self.pick("jurisdictions")))]
        later = []
        if rng.random() < 0.75:
            deliverable = f"deliverable/synthetic-{sid}/{j}"
            props.append(("bpo:hasDeliverable", f"<{deliverable}>"))
            later.append(lambda: self.entity(
                deliverable, "bpo:Deliverable", f"Synthetic deliverable {n}-{j}", f"合成交付成果 {n}-{j}", [
                    ("dcterms:type", self.refs(self.pick("deliverable_types"))),
                    ("bpo:deliveredTo", self.refs(self.pick("agents")))]))
        if rng.random() < 0.75:
            deadline, days = f"deadline/synthetic-{sid}/{j}", rng.choice([30, 60, 90, 120, 180, 200, 240, 365])
            props.append(("bpo:hasDeadline", f"<{deadline}>"))
            self.derived += 1
            later.append(lambda: self.entity(
                deadline, "bpo:Deadline", f"{days} days after synthetic document {n}", f"合成文件 {n} 发布后{days}天内", [
                    ("bpo:duration", f'"P{days}D"^^xsd:duration'), ("bpo:trigger", f"<{signing}>")]))
        if funding:
            amount = f"amount/synthetic-{sid}/{j}"
            props.append(("bpo:hasAmount", f"<{amount}>"))
            currency = "usd" if plant == "lower-case-currency" and j == 1 else rng.choice(["USD", "CNY", "EUR"])
            if currency == "usd":
                self.planted = {"kind": plant, "focus": f"bp:{amount}", "path": "schema:currency"}
            later.append(lambda: self.entity(
                amount, "bpo:MonetaryAmount", f"Synthetic amount {n}-{j}", f"合成金额 {n}-{j}", [
                    ("schema:value", f'"{rng.randint(1, 5000) * 1_000_000}"^^xsd:decimal'),
                    ("schema:currency", f'"{currency}"'),
                    ("bpo:bound", rng.choice(["bpo:AtLeast", "bpo:MoreThan", "bpo:Approximately", "bpo:AtMost"]))]))
        types = "bpo:FundingCommitment" if funding else f"bpo:{rng.choice(MEASURES)}"
        label_zh = None if plant == "missing-zh-label" and j == 1 else f"合成措施 {n}-{j}"
        if label_zh is None:
            self.planted = {"kind": plant, "focus": f"bp:{iri}", "path": "rdfs:label"}
        self.entity(iri, types, f"Synthetic measure {n}-{j}", label_zh, props)
        for write in later:
            write()

    def claim(self, k: int, commentary: str, document: str, plant: str | None):
        n, sid, rng = self.n, self.id, self.rng
        iri = f"claim/synthetic-{sid}/{k}"
        props = [("bpo:statedBy", f"<{rng.choice([commentary, document])}>"),
                 ("bpo:theme", self.refs(self.pick("themes"))),
                 ("schema:about", f"<{document}>")]
        if k == 1:  # the first claim of each source is a statistic
            percentage = 150 if plant == "percentage-over-100" else rng.randint(1, 99)
            if percentage == 150:
                self.planted = {"kind": plant, "focus": f"bp:{iri}", "path": "bpo:percentage"}
            props.append(("bpo:percentage", f'"{percentage}"^^xsd:decimal'))
        elif rng.random() < 0.5:
            props.append(("bpo:targets", self.refs(self.pick("jurisdictions"))))
        self.entity(iri, "bpo:Statistic" if k == 1 else "bpo:Claim",
                    f"Synthetic claim {n}-{k}", f"合成论断 {n}-{k}", props)


# The whole directory ---------------------------------------------------------------------

def generate(size: int, out: Path, seed: int = 7, violations: int = 0, data_dir: Path | None = None) -> dict:
    """Write the real data plus enough synthetic sources to reach about `size` triples
    (as `kgtool build` counts them: ontology, data and derived graph); return the manifest."""
    data_dir = Path(data_dir or ROOT / "data")
    ref, base = reference_entities(data_dir)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(data_dir, out, ignore=shutil.ignore_patterns("*.md", ".*"))
    (out / "sources").mkdir(exist_ok=True)
    rng = random.Random(seed)
    total, number, planted = base, 0, []
    while total < size or len(planted) < violations:
        number += 1
        plant = VIOLATION_KINDS[len(planted) % len(VIOLATION_KINDS)] if len(planted) < violations else None
        source = Source(number, ref, rng)
        text = source.write(plant)
        (out / "sources" / f"synthetic-{source.id}.ttl").write_text(text, encoding="utf-8")
        total += source.triples + source.derived
        if plant:
            planted.append(source.planted | {"file": f"sources/synthetic-{source.id}.ttl"})
    manifest = {"size": size, "seed": seed, "triples": total, "real_triples": base,
                "synthetic_sources": number, "violations": planted}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def size_label(size: int) -> str:
    """100000 -> `100k`, 1000000 -> `1M`: how directories and tables name a size."""
    for factor, suffix in ((1_000_000, "M"), (1_000, "k")):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{suffix}"
    return str(size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, required=True, help="about this many triples (e.g. 10k, 1M)")
    parser.add_argument("--out", type=Path, help="output directory (default: bench/work/data-SIZE)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--violations", type=int, default=0, metavar="N", help="plant N violations")
    parser.add_argument("--data", type=Path, help="the real data directory (default: data/)")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "bench" / "work" / f"data-{size_label(args.size)}"
    manifest = generate(args.size, out, args.seed, args.violations, args.data)
    print(f"{manifest['triples']} triples ({manifest['synthetic_sources']} synthetic sources, "
          f"{len(manifest['violations'])} planted violations) in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
