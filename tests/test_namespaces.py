"""kgtool/namespaces.py: the names docs/conventions.md fixes, as plain strings (no RDF
library is loaded by importing them), IRIs shortened by the known prefixes, and the
places of a project's parts."""

from __future__ import annotations

import re
import subprocess
import sys

from kgtool.namespaces import PREFIXES, Project, compact

from conftest import REPO


def test_the_prefixes_are_those_of_the_conventions():
    """docs/conventions.md's namespace table: `bpo:`, `bp:`, `bps:`, and the graphs' base."""
    text = (REPO / "docs" / "conventions.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `?(\w+):?`? \| `(https://[^`]+)` \|", text, re.M))
    assert sorted(table) == ["bp", "bpo", "bps", "graphs"]
    assert {name: PREFIXES[name] for name in ("bpo", "bp", "bps")} | {"graphs": PREFIXES["graph"]} == table


def test_an_iri_is_shortened_by_its_prefix_or_written_whole():
    assert compact("https://w3id.org/biopolicy/id/agency/us-dod") == "bp:agency/us-dod"  # as conventions.md writes it
    assert compact("http://www.w3.org/2000/01/rdf-schema#label") == "rdfs:label"
    assert compact("https://w3id.org/biopolicy/graph/sources/x") == "graph:sources/x"
    assert compact("https://example.org/x") == "<https://example.org/x>"


def test_importing_the_names_loads_no_rdf_library():
    done = subprocess.run([sys.executable, "-c", "import sys, kgtool.namespaces\n"
                           "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'pyoxigraph')))"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_project_finds_its_parts_under_its_root_and_its_data_where_given(tmp_path):
    checks = tmp_path / "ontology" / "checks"
    checks.mkdir(parents=True)
    for name in ("b-violation.rq", "a-violation.rq", "notes.rq", "c-violation.txt"):
        (checks / name).write_text("")
    project = Project.at(tmp_path)
    assert project.data_dir == tmp_path.resolve() / "data"
    assert project.ontology_file == tmp_path.resolve() / "ontology" / "biopolicy.ttl"
    assert [p.name for p in project.ontology_checks] == ["a-violation.rq", "b-violation.rq"]
    assert (project.shapes_dir, project.queries_dir) == (tmp_path.resolve() / "shapes", tmp_path.resolve() / "queries")
    assert Project.at(tmp_path, tmp_path / "elsewhere" / ".." / "mine").data_dir == tmp_path.resolve() / "mine"
