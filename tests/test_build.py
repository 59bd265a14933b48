"""The build's release side: two builds of the same data write the same bytes, the report
says what made the release, and one lexical form of each literal everywhere."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kgtool.export import serialize
from kgtool.namespaces import ONTOLOGY_GRAPH
from kgtool.sources import Sources
from kgtool.check import shacl_results

import conftest
from conftest import GRAPHS, MINI_DATA, REPO


kgtool = partial(conftest.kgtool, data=MINI_DATA)


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_two_builds_of_the_same_data_write_the_same_bytes_but_the_time(tmp_path):
    out = tmp_path / "dist"
    first = kgtool("build", "--no-owl", "--out", str(out))
    assert first.returncode == 0, first.stderr
    kept = shutil.copytree(out, tmp_path / "first")
    second = kgtool("build", "--no-owl", "--out", str(out))
    assert second.returncode == 0, second.stderr
    before, after = files(kept), files(out)
    assert sorted(before) == sorted(after) and len(before) == 6  # void.ttl too
    reports = [json.loads(d.pop("build-report.json")) for d in (before, after)]
    assert before == after  # every release file, byte for byte
    assert b"_:" in before["biopolicy.nq"]  # the ontology's blank nodes, labelled the same way twice
    for report in reports:
        assert report.pop("time").endswith("Z")
    assert reports[0] == reports[1]


def test_the_report_records_options_versions_and_commit(tmp_path):
    out = tmp_path / "dist"
    done = kgtool("build", "--no-owl", "--out", str(out), "--store", str(tmp_path / "store"))
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "build-report.json").read_text(encoding="utf-8"))
    assert report["options"]["owl"] is False and report["options"]["store"].endswith("store")
    assert report["options"]["data"].endswith("tests/fixtures/mini/data")
    from importlib.metadata import version

    assert report["packages"]["pyoxigraph"] == version("pyoxigraph") and report["packages"]["rdflib"] == version("rdflib")
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert report["git"]["commit"] == head.stdout.strip() and isinstance(report["git"]["modified"], bool)
    else:  # not a git checkout
        assert report["git"] == {"commit": None, "modified": None}


# Lexical forms: the store's canonical form is what is validated, queried and released ----

WRITTEN = {  # as a source may write it -> as kgtool validates and releases it
    '"P18M"^^xsd:duration': "P1Y6M",
    '"1.50"^^xsd:decimal': "1.5",
    '"2024-01-31+00:00"^^xsd:date': "2024-01-31Z",
}
PREFIXES = "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <http://example.org/> .\n"


def store_with_forms() -> Sources:
    sources = Sources()
    sources.read(ONTOLOGY_GRAPH, REPO / "ontology" / "biopolicy.ttl")
    text = PREFIXES + "".join(f"ex:a ex:p{i} {literal} .\n" for i, literal in enumerate(WRITTEN))
    sources.load(GRAPHS + "t", None, text.encode())
    return sources


def test_the_shapes_see_the_canonical_form_in_both_engines():
    """A pattern that accepts only the canonical forms: no result from either engine."""
    shapes = Graph().parse(data=PREFIXES + """
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ;
          sh:property [ sh:path ex:p0 ; sh:pattern "^P1Y6M$" ; sh:minCount 1 ] ,
                      [ sh:path ex:p1 ; sh:pattern "^1[.]5$" ; sh:minCount 1 ] ,
                      [ sh:path ex:p2 ; sh:pattern "^2024-01-31Z$" ; sh:minCount 1 ] .""", format="turtle")
    sources = store_with_forms()
    assert shacl_results(sources, shapes) == []
    assert shacl_results(sources, shapes, engine="pyshacl") == []
    strict = Graph().parse(data=PREFIXES + """
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p0 ; sh:pattern "^P18M$" ] .""",
                           format="turtle")
    [result] = shacl_results(sources, strict)
    assert '"P1Y6M"' in result.message


def test_the_release_writes_the_canonical_form():
    """Read back with a parser that keeps each form as the file writes it."""
    sources = store_with_forms()
    formats = {"nquads": ox.RdfFormat.N_QUADS, "turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG,
               "jsonld": ox.RdfFormat.JSON_LD}
    for fmt, parser in formats.items():
        written = {q.object.value for q in ox.parse(serialize(sources.store, fmt), format=parser)
                   if q.subject == ox.NamedNode("http://example.org/a")}
        assert written == set(WRITTEN.values()), fmt


def test_the_release_files_are_written_one_by_one_as_serialize_makes_them(mini_store, tmp_path):
    """write_release_files streams (N-Quads graph by graph, the rest parsed from files) and
    leaves only the release files; each holds the bytes that `kgtool export` writes."""
    from kgtool.export import RELEASE_FILES, write_release_files

    write_release_files(mini_store, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(RELEASE_FILES.values())
    for fmt, name in RELEASE_FILES.items():
        assert (tmp_path / name).read_bytes() == serialize(mini_store, fmt), fmt


def test_a_built_release_and_store_hold_the_canonical_duration(mini_copy, tmp_path):
    path = mini_copy / "sources" / "example-order.ttl"
    text = path.read_text(encoding="utf-8")
    assert '"P1M"^^xsd:duration' in text
    path.write_text(text.replace('"P1M"^^xsd:duration', '"P18M"^^xsd:duration'), encoding="utf-8")
    done = kgtool("build", "--no-owl", "--out", str(tmp_path / "dist"), "--store", str(tmp_path / "store"), data=mini_copy)
    assert done.returncode == 0, done.stderr
    release = (tmp_path / "dist" / "biopolicy.nq").read_text(encoding="utf-8")
    assert '"P1Y6M"^^<http://www.w3.org/2001/XMLSchema#duration>' in release and '"P18M"' not in release
    store = ox.Store.read_only(str(tmp_path / "store"))
    durations = {q.object.value for q in store.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/biopolicy/ontology#duration"), None)}
    assert "P1Y6M" in durations and "P18M" not in durations


# Cold start: the commands that only read a store load no RDF library but pyoxigraph -----

def imported(*args: str) -> str:
    """What `python -X importtime ARGS` imported (its report goes to stderr)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    return "\n".join(line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:"))


def test_cold_commands_import_neither_rdflib_nor_pyshacl(tmp_path):
    store = tmp_path / "store"
    built = kgtool("build", "--no-owl", "--out", str(tmp_path / "dist"), "--store", str(store))
    assert built.returncode == 0, built.stderr
    runs = {
        "import kgtool.cli": imported("-c", "import kgtool.cli"),
        "kgtool --help": imported("-m", "kgtool.cli", "--help"),
        "kgtool query --store": imported("-m", "kgtool.cli", "--root", str(REPO), "query", "documents-overview",
                                         "--store", str(store), "--format", "tsv"),
    }
    for what, modules in runs.items():
        names = modules.split("\n")
        assert "kgtool" in names and "argparse" in names, what  # the report is read right
        assert not [n for n in names if n.split(".")[0] in ("rdflib", "pyshacl", "owlready2")], what
    assert "pyoxigraph" in runs["kgtool query --store"].split("\n")


# Incremental rebuild: `build --store DIR` redoes only what changed, and gives what a full build gives

def canonical_quads(store: ox.Store) -> bytes:
    """A store's quads with content-derived blank node labels, sorted: equal for two stores
    that hold the same data, whatever their blank node labels."""
    from kgtool.export import sorted_nquads
    from kgtool.store import stable_blank_nodes

    copy = ox.Store()
    copy.extend(store)
    stable_blank_nodes(copy)
    return sorted_nquads(copy)


NEW_SOURCE = """@prefix bpo: <https://w3id.org/biopolicy/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/biopolicy/id/agency/example-bureau> a bpo:Agency ;
    rdfs:label "Example Bureau"@en , "示例局"@zh ;
    bpo:jurisdiction <https://w3id.org/biopolicy/id/country/exampleland> ;
    rdfs:seeAlso [ rdfs:comment "a blank node, to be replaced with its graph"@en ] .
"""


def test_an_incremental_build_after_a_series_of_edits_equals_a_full_build(mini_copy, tmp_path):
    store, dist = tmp_path / "store", tmp_path / "dist"
    root = tmp_path / "root"  # a project of its own, so that the ontology can be edited too
    for part in ("ontology", "shapes", "queries"):
        shutil.copytree(REPO / part, root / part)
    ontology = root / "ontology" / "biopolicy.ttl"
    assert 'rdfs:label "Measure"@en' in ontology.read_text(encoding="utf-8")

    kgtool_here = partial(conftest.kgtool, data=mini_copy, root=root)

    def build(expect_ok: bool = True):
        done = kgtool_here("build", "--no-owl", "--out", str(dist), "--store", str(store))
        assert (done.returncode == 0) == expect_ok, done.stderr
        return done

    assert "(the difference)" not in build().stderr  # the first build is whole
    agencies = mini_copy / "reference" / "example-agencies.ttl"
    order = mini_copy / "sources" / "example-order.ttl"
    edits = [
        lambda: agencies.write_text(agencies.read_text(encoding="utf-8").replace(
            '"Example Office"@en', '"Example Office (renamed)"@en'), encoding="utf-8"),
        lambda: (mini_copy / "reference" / "example-bureau.ttl").write_text(NEW_SOURCE, encoding="utf-8"),
        lambda: order.write_text(order.read_text(encoding="utf-8").replace('"P1M"^^xsd:duration', '"P18M"^^xsd:duration'),
                                 encoding="utf-8"),
        lambda: (mini_copy / "reference" / "example-bureau.ttl").unlink(),
        lambda: ontology.write_text(ontology.read_text(encoding="utf-8").replace(
            'rdfs:label "Measure"@en', 'rdfs:label "Measure (edited)"@en', 1), encoding="utf-8"),
    ]
    for edit in edits:
        edit()
        done = build()
        assert "(the difference)" in done.stderr
    # a broken edit: the build fails and leaves the store as it was
    before = canonical_quads(ox.Store.read_only(str(store)))
    agencies.write_text(agencies.read_text(encoding="utf-8").replace("a bpo:Agency", "a bpo:Agency , bpo:Company", 1),
                        encoding="utf-8")
    failed = build(expect_ok=False)
    assert "kgtool:disjoint-classes" in failed.stderr
    assert canonical_quads(ox.Store.read_only(str(store))) == before
    agencies.write_text(agencies.read_text(encoding="utf-8").replace("a bpo:Agency , bpo:Company", "a bpo:Agency", 1),
                        encoding="utf-8")
    assert "(the difference)" in build().stderr

    full_store, full_dist = tmp_path / "full-store", tmp_path / "full-dist"
    done = kgtool_here("build", "--no-owl", "--out", str(full_dist), "--store", str(full_store))
    assert done.returncode == 0 and "(the difference)" not in done.stderr
    for name in ("biopolicy.nq", "biopolicy.trig", "biopolicy.ttl", "biopolicy.jsonld"):
        assert (dist / name).read_bytes() == (full_dist / name).read_bytes(), name
    incremental = canonical_quads(ox.Store.read_only(str(store)))
    assert incremental == canonical_quads(ox.Store.read_only(str(full_store)))
    assert b"P1Y6M" in incremental and b"Example Office (renamed)" in incremental and b"Measure (edited)" in incremental
    assert b"Example Bureau" not in incremental


def test_an_unchanged_reasoner_input_is_not_reasoned_again(mini_copy, tmp_path, java):
    args = ["build", "--out", str(tmp_path / "dist"), "--store", str(tmp_path / "store")]
    first = kgtool(*args, data=mini_copy)
    assert first.returncode == 0 and "[validate: OWL] done" in first.stderr
    agencies = mini_copy / "reference" / "example-agencies.ttl"
    agencies.write_text(agencies.read_text(encoding="utf-8").replace('"Example Office"@en', '"Example Office (renamed)"@en'),
                        encoding="utf-8")
    second = kgtool(*args, data=mini_copy)  # a label: not in HermiT's input
    assert second.returncode == 0 and "OWL (input unchanged" in second.stderr
    agencies.write_text(agencies.read_text(encoding="utf-8").replace("a bpo:Agency", "a bpo:GovernmentBody", 1),
                        encoding="utf-8")
    third = kgtool(*args, data=mini_copy)  # a type: HermiT is asked again
    assert third.returncode == 0 and "[validate: OWL] done" in third.stderr
