"""The `kgtool` command end to end on the fixture, through its console entry point."""

import csv
import io
import json
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from kgtool.cli import main

import conftest
from conftest import BP, GRAPHS, MINI_DATA, REPO, TEST_QUERIES

GLOBAL = ["--root", str(REPO), "--data", str(MINI_DATA)]


kgtool = partial(conftest.kgtool, data=MINI_DATA)


def test_build_writes_the_release_and_report(tmp_path):
    out = tmp_path / "dist"
    done = kgtool("build", "--out", str(out), "--no-owl")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "biopolicy.jsonld", "biopolicy.nq", "biopolicy.trig", "biopolicy.ttl", "build-report.json", "void.ttl"]
    for name, fmt in (("biopolicy.nq", "nquads"), ("biopolicy.trig", "trig"), ("biopolicy.jsonld", "json-ld")):
        dataset = Dataset().parse(out / name, format=fmt)
        # ontology, two fixture files, derived
        assert len([g for g in dataset.graphs() if str(g.identifier).startswith(GRAPHS)]) == 4, name
    assert len(Graph().parse(out / "biopolicy.ttl")) > 0
    report = json.loads((out / "build-report.json").read_text())
    assert report["graphs"][GRAPHS + "derived"]["file"] is None
    assert report["graphs"][GRAPHS + "sources/example-order"]["file"].endswith("sources/example-order.ttl")
    assert report["instances_per_class"]["https://w3id.org/biopolicy/ontology#Deadline"] == 3
    assert "[validate" in done.stderr and "triples in 4 graphs" in done.stdout


def test_failed_build_writes_nothing_and_validate_locates_the_problem(mini_copy, tmp_path):
    path = mini_copy / "sources" / "example-order.ttl"
    path.write_text(path.read_text(encoding="utf-8").replace("bpo:leadAgent agency:example-office",
                                                             "bpo:leadAgent agency:example-offfice"), encoding="utf-8")
    out = tmp_path / "dist"
    built = kgtool("build", "--out", str(out), "--no-owl", data=mini_copy)
    assert built.returncode != 0 and not out.exists()
    assert list(tmp_path.iterdir()) == [mini_copy]  # no temporary directory left behind
    checked = kgtool("validate", "--no-owl", data=mini_copy)
    assert checked.returncode == 1
    assert "sources/example-order.ttl:" in checked.stdout
    assert "bp:measure/example-order-plan  bpo:leadAgent  [kgtool:dangling-reference]" in checked.stdout


def test_validate_exits_0_on_the_fixture(java):
    done = kgtool("validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "conforms" in done.stdout


def test_syntax_error_is_one_line_without_traceback(mini_copy):
    (mini_copy / "sources" / "broken.ttl").write_text("<https://e.org/a> <https://e.org/p> .\n")
    done = kgtool("validate", "--no-owl", data=mini_copy)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "kgtool: error: " in done.stderr and "broken.ttl:1: " in done.stderr


def test_query_formats_parse_back(capsys):
    query = str(TEST_QUERIES / "deadlines.rq")
    assert main([*GLOBAL, "query", query, "--format", "json"]) == 0
    bindings = json.loads(capsys.readouterr().out)["results"]["bindings"]
    assert {b["due"]["value"] for b in bindings if "due" in b} == {"2023-03-31", "2024-02-29"}
    assert main([*GLOBAL, "query", query, "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(table) == 3 and {r["lang"] for r in table} == {"en"}
    assert main([*GLOBAL, "query", query, "--format", "table", "--lang", "zh"]) == 0
    assert "签署后200天" in capsys.readouterr().out


@pytest.mark.parametrize("query", ["labels-of", "labels-only"])
def test_a_parameter_cannot_change_the_query(capsys, query):
    nasty = 'x" } UNION { ?thing ?p ?label } #>\n'
    assert main([*GLOBAL, "query", str(TEST_QUERIES / f"{query}.rq"), "--param", f"text={nasty}", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"]["bindings"] == []
    assert main([*GLOBAL, "query", str(TEST_QUERIES / f"{query}.rq"), "--param", "text=Example Agency", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["results"]["bindings"]
    assert row["thing"]["value"] == BP + "agency/example-agency"


def test_bad_parameter_is_a_one_line_error(capsys):
    code = main([*GLOBAL, "query", str(TEST_QUERIES / "lead-of.rq"), "--param", "agent=not an iri"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("kgtool: error: parameter agent=")


def test_store_is_reused_by_later_commands(tmp_path, capsys):
    store = tmp_path / "store"
    assert main([*GLOBAL, "build", "--out", str(tmp_path / "dist"), "--store", str(store), "--no-owl"]) == 0
    capsys.readouterr()
    # a data dir that does not exist proves the files are not parsed again
    later = ["--root", str(REPO), "--data", str(tmp_path / "absent")]
    assert main([*later, "stats", "--store", str(store)]) == 0
    assert "triples in 4 graphs" in capsys.readouterr().out
    assert main([*later, "export", "--format", "nquads", "--store", str(store), "--output", str(tmp_path / "x.nq")]) == 0
    assert len(Dataset().parse(tmp_path / "x.nq", format="nquads")) > 0
    assert main([*later, "query", str(TEST_QUERIES / "deadlines.rq"), "--store", str(store), "--format", "csv"]) == 0
    assert "2023-03-31" in capsys.readouterr().out


def test_export_to_stdout(capsys):
    assert main([*GLOBAL, "export", "--format", "trig"]) == 0
    assert "graph:derived {" in capsys.readouterr().out


def test_queries_lists_titles_and_params(capsys):
    assert main(["--root", str(REPO), "queries"]) == 0
    out = capsys.readouterr().out
    assert "deadline-timeline: Timeline of deadlines" in out and "--param lang=<language> (default en)" in out


@pytest.mark.parametrize("command", ["build", "validate", "query", "queries", "export", "stats"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0 and "usage: kgtool" in capsys.readouterr().out


def installed_kgtool(*args, cwd=None):
    """The console script with exactly these arguments (no --root/--data added)."""
    script = Path(sys.executable).parent / "kgtool"
    return subprocess.run([str(script), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_version_is_the_installed_package_version():
    from importlib.metadata import version

    done = installed_kgtool("--version")
    assert done.returncode == 0 and done.stdout == f"kgtool {version('kgtool')}\n"
    timed = subprocess.run([sys.executable, "-X", "importtime", "-m", "kgtool.cli", "--version"], capture_output=True, text=True)
    assert "| kgtool\n" in timed.stderr and "rdflib" not in timed.stderr  # the import report is there, without rdflib


def test_root_and_data_may_follow_the_command(tmp_path, capsys):
    done = installed_kgtool("validate", "--no-owl", "--data", str(MINI_DATA), cwd=REPO)
    assert done.returncode == 0 and "conforms" in done.stdout
    # given after the command, they win over the ones before it
    wrong = ["--root", str(tmp_path), "--data", str(tmp_path / "absent")]
    assert main([*wrong, "query", str(TEST_QUERIES / "lead-of.rq"), "--root", str(REPO), "--data", str(MINI_DATA),
                 "--param", "agent=bp:agency/example-agency", "--format", "csv"]) == 0
    assert "example-order-assessment" in capsys.readouterr().out


@pytest.mark.parametrize("query, says", [
    (str(TEST_QUERIES / "lead-of.rq"), "query lead-of needs --param agent=..."),
    ("provenance", "query provenance needs --param entity=... or --param name=..."),
    ("documents-overveiw", "no saved query 'documents-overveiw'; did you mean 'documents-overview'?"),
])
def test_a_missing_parameter_or_a_mistyped_name_is_one_line(capsys, query, says):
    assert main([*GLOBAL, "query", query]) == 2
    assert capsys.readouterr().err == f"kgtool: error: {says}\n"


@pytest.mark.parametrize("option", [["--lang", "fr"], ["--param", "lang=fr"]])
def test_only_the_languages_of_the_labels_are_taken(capsys, option):
    assert main([*GLOBAL, "query", str(TEST_QUERIES / "deadlines.rq"), *option]) == 2
    assert capsys.readouterr().err == "kgtool: error: parameter lang='fr': not a language the labels are in; give en or zh\n"


def test_a_syntax_error_in_a_query_file_is_one_line_naming_the_prefix(tmp_path, capsys):
    path = tmp_path / "bad.rq"
    path.write_text("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?x WHERE {\n  ?x a bpo:Measure ; rdfs:label ?l }\n")
    assert main([*GLOBAL, "query", str(path)]) == 2
    assert capsys.readouterr().err == (f"kgtool: error: {path}: 3:8: prefix 'bpo:' is not declared "
                                       "(add `PREFIX bpo: <https://w3id.org/biopolicy/ontology#>`)\n")


def test_query_warns_when_the_store_is_older_than_the_data(mini_copy, tmp_path, capsys):
    import os

    store = tmp_path / "store"
    options = ["--root", str(REPO), "--data", str(mini_copy)]
    assert main([*options, "build", "--no-owl", "--out", str(tmp_path / "dist"), "--store", str(store)]) == 0
    capsys.readouterr()
    query = [*options, "query", str(TEST_QUERIES / "deadlines.rq"), "--store", str(store), "--format", "csv"]
    order = mini_copy / "sources" / "example-order.ttl"
    later = (store / "kgtool-build.json").stat().st_mtime + 10
    os.utime(order, (later, later))  # newer, the same bytes: not stale
    assert main(query) == 0 and capsys.readouterr().err == ""
    order.write_text(order.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    os.utime(order, (later, later))
    assert main(query) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"kgtool: warning: the store {store} is older than the data")
    assert "graph:sources/example-order" in err


def test_query_output_is_written_whole_or_not_at_all(tmp_path, capsys):
    out = tmp_path / "answer.csv"
    assert main([*GLOBAL, "query", str(TEST_QUERIES / "deadlines.rq"), "--format", "csv", "--output", str(out)]) == 0
    assert capsys.readouterr().out == "" and len(out.read_text().splitlines()) == 4
    assert main([*GLOBAL, "query", str(TEST_QUERIES / "lead-of.rq"), "--output", str(out)]) == 2
    assert len(out.read_text().splitlines()) == 4  # the failed query left the earlier answer alone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.csv"]


def test_export_ntriples(tmp_path):
    out = tmp_path / "all.nt"
    assert main([*GLOBAL, "export", "--format", "ntriples", "--output", str(out)]) == 0
    assert len(Graph().parse(out, format="nt")) == len(out.read_text().splitlines()) > 0


def test_serve_on_a_busy_port_is_one_line_before_any_address(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = installed_kgtool("--root", str(REPO), "--data", str(MINI_DATA), "serve", "--port", str(port))
    assert done.returncode == 2
    assert done.stderr == f"kgtool: error: port {port} on 127.0.0.1 is in use (--port to choose another)\n"
