"""Bad input, hostile parameters, read-only queries and concurrent builds (issue 8).

- Each file in tests/fixtures/bad/ breaks one thing; its header says where the error must
  point (`# expect-error: FILE:LINE` for syntax, `# expect-focus/-path/-rule` for a check).
  `kgtool build` of the mini fixture plus that file must fail, name that place, and leave
  the release directory and the --store directory exactly as they were.
- Parameters are data: a hostile value is matched as a label, never run as SPARQL.
- `kgtool query` refuses SPARQL Update and unlisted SERVICE calls, stops at --timeout and
  cuts at --max-rows.
- A second build of a store that is being built stops with a clear message.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pyoxigraph as ox
import pytest

import conftest
import servers
from conftest import BP, MINI_DATA, REPO, TEST_QUERIES

BAD = sorted((REPO / "tests" / "fixtures" / "bad").glob("*.ttl"))
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
HOSTILE = 'x" } ; DROP ALL ; #'
HOSTILE_IRI = "<http://evil>"


kgtool = partial(conftest.kgtool, data=MINI_DATA)


def checksums(directory: Path) -> dict[str, str]:
    """Every file below the directory, by relative path, with a hash of its content."""
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def header(path: Path) -> dict[str, str]:
    """The `# expect-KEY: VALUE` lines at the top of a bad file."""
    lines = path.read_bytes().decode("latin-1").splitlines()
    return dict(re.match(r"# expect-([a-z]+): (.*)", line).groups() for line in lines if line.startswith("# expect-"))


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """The mini fixture built once, with a persistent store: dist/ and store/."""
    where = tmp_path_factory.mktemp("release")
    done = kgtool("build", "--no-owl", "--out", str(where / "dist"), "--store", str(where / "store"))
    assert done.returncode == 0, done.stderr
    return where


@pytest.fixture
def workspace(tmp_path, release) -> Path:
    """A copy of the mini data, and of a release and store built from it, to break."""
    shutil.copytree(MINI_DATA, tmp_path / "data")
    shutil.copytree(release / "dist", tmp_path / "dist")
    shutil.copytree(release / "store", tmp_path / "store")
    return tmp_path


# Bad input -----------------------------------------------------------------------------

def test_the_corpus_covers_syntax_and_checks_and_says_what_each_file_breaks():
    assert len(BAD) >= 16
    for path in BAD:
        first = path.read_bytes().split(b"\n", 1)[0]
        assert first.startswith(b"# BAD INPUT: "), path.name
        expect = header(path)
        assert "error" in expect or {"focus", "path", "rule"} <= set(expect), path.name


@pytest.mark.parametrize("bad", BAD, ids=[p.stem for p in BAD])
def test_a_bad_file_fails_the_build_at_its_place_and_changes_nothing(workspace, bad):
    shutil.copy(bad, workspace / "data" / "sources" / bad.name)
    before = {name: checksums(workspace / name) for name in ("dist", "store")}
    entries = sorted(p.name for p in workspace.iterdir())

    done = kgtool("build", "--no-owl", "--out", str(workspace / "dist"), "--store", str(workspace / "store"),
                  data=workspace / "data")

    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    expect = header(bad)
    if "error" in expect:  # a file that cannot be read: one line, file and line
        assert re.search(rf"^kgtool: error: \S*/sources/{re.escape(expect['error'])}", done.stderr, re.M), done.stderr
    else:  # a broken rule: the report names the file, then the node, path and rule
        report = done.stderr[done.stderr.index(f"sources/{bad.name}:"):]
        assert f"Violation: {expect['focus']}  {expect['path']}  [{expect['rule']}]" in report, done.stderr
        assert "kgtool: error: validation failed" in done.stderr
    assert {name: checksums(workspace / name) for name in ("dist", "store")} == before
    left = sorted(p.name for p in workspace.iterdir() if p.name != "store.lock")  # the lock file stays
    assert left == entries  # and no temporary directory is left behind


def test_a_200_mb_file_is_refused_unread_in_bounded_memory(tmp_path):
    """Refused by size before reading: rdflib would hold many times the file in memory.
    Peak memory is measured in the kgtool process itself (ru_maxrss, in KiB on Linux)."""
    data = Path(shutil.copytree(MINI_DATA, tmp_path / "data"))
    huge = data / "sources" / "huge.ttl"
    line = b'<https://w3id.org/biopolicy/id/thing/x> <http://www.w3.org/2000/01/rdf-schema#label> "filler"@en .\n'
    block = line * (2**20 // len(line))
    with huge.open("wb") as out:
        while out.tell() < 200 * 2**20:
            out.write(block)
    size = huge.stat().st_size
    run = ("import resource, sys\nfrom kgtool.cli import main\n"
           "code = main(sys.argv[1:])\n"
           "print('peak-kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
           "sys.exit(code)\n")
    try:
        done = subprocess.run([sys.executable, "-c", run, "--root", str(REPO), "--data", str(data),
                               "build", "--no-owl", "--out", str(tmp_path / "dist")], capture_output=True, text=True)
    finally:
        huge.unlink()
    assert done.returncode == 2
    assert re.search(r"^kgtool: error: \S*/sources/huge\.ttl: 20\d MB is more than the \d+ MB", done.stderr, re.M), done.stderr
    peak = int(re.search(r"peak-kib (\d+)", done.stderr)[1]) * 1024
    assert peak < size  # reading the file at all would take its whole size, and more
    assert not (tmp_path / "dist").exists()


def test_a_smaller_limit_can_be_set(tmp_path, monkeypatch):
    data = Path(shutil.copytree(MINI_DATA, tmp_path / "data"))
    target = data / "sources" / "example-order.ttl"
    target.write_bytes(target.read_bytes() + b"# padding\n" * 200_000)  # about 2 MB, still valid
    monkeypatch.setenv("KGTOOL_MAX_FILE_MB", "1")
    done = kgtool("validate", "--no-owl", data=data)
    assert done.returncode == 2 and "example-order.ttl: 2 MB is more than the 1 MB" in done.stderr


# What the build may read: files of the data directory that are not data ---------------

GOOD_TURTLE = ("@base <https://w3id.org/biopolicy/id/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
               "<agency/example-agency> rdfs:comment \"more\"@en .\n")


def fails_cleanly(workspace: Path, says: str, env: dict | None = None):
    """Build the workspace: non-zero exit, one error line that names the place and says
    `says`, no traceback, and the release and the store as they were."""
    before = {name: checksums(workspace / name) for name in ("dist", "store")}
    script = Path(sys.executable).parent / "kgtool"
    done = subprocess.run([str(script), "--root", str(REPO), "--data", str(workspace / "data"), "build", "--no-owl",
                           "--out", str(workspace / "dist"), "--store", str(workspace / "store")],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr[-1500:]
    assert re.search(rf"^kgtool: error: .*{says}", done.stderr, re.M), done.stderr[-1500:]
    assert {name: checksums(workspace / name) for name in ("dist", "store")} == before
    return done


def test_a_link_out_of_the_data_directory_is_not_followed(workspace, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.ttl"
    outside.write_text(GOOD_TURTLE, encoding="utf-8")
    (workspace / "data" / "sources" / "linked.ttl").symlink_to(outside)
    fails_cleanly(workspace, rf"sources/linked\.ttl: a symbolic link to {re.escape(str(outside))}, outside the data directory")


def test_a_linked_directory_is_refused(workspace, tmp_path_factory):
    folder = tmp_path_factory.mktemp("folder")
    (folder / "more.ttl").write_text(GOOD_TURTLE, encoding="utf-8")
    (workspace / "data" / "more").symlink_to(folder)
    fails_cleanly(workspace, r"data/more: a symbolic link to .*outside the data directory")


def test_a_named_pipe_is_refused_not_waited_for(workspace):
    os.mkfifo(workspace / "data" / "sources" / "pipe.ttl")
    fails_cleanly(workspace, r"sources/pipe\.ttl: not a regular file")


@pytest.mark.parametrize("name, says", [
    ("ontology.ttl", r"data/ontology\.ttl: its graph <https://w3id.org/biopolicy/graph/ontology> is the ontology's graph"),
    ("derived.ttl", r"data/derived\.ttl: its graph <https://w3id.org/biopolicy/graph/derived> is the graph kgtool build computes"),
    ("sources/two words.ttl", r"sources/two words\.ttl: the file's path names its graph .* not a valid IRI path"),
    ("sources/extra.nt", r"sources/extra\.nt: an RDF file in another syntax than Turtle \(\.nt\)"),
    ("sources/extra.jsonld", r"sources/extra\.jsonld: an RDF file in another syntax"),
    ("sources/extra.trig", r"sources/extra\.trig: an RDF file in another syntax"),
])
def test_a_file_the_build_must_not_read_as_data_is_named(workspace, name, says):
    (workspace / "data" / name).write_text(GOOD_TURTLE, encoding="utf-8")
    fails_cleanly(workspace, says)


def test_files_under_the_size_limit_each_but_too_large_together_are_refused_unread(workspace):
    filler = "# " + "x" * 1000 + "\n"
    for n in range(3):  # 0.6 MB each, under a 1 MB file limit; 1.8 MB together, over a 1 MB total
        (workspace / "data" / "sources" / f"padded-{n}.ttl").write_text(GOOD_TURTLE + filler * 600, encoding="utf-8")
    fails_cleanly(workspace, r"the data files hold 2 MB in all, more than the 1 MB a build may read",
                  env={"KGTOOL_MAX_FILE_MB": "1", "KGTOOL_MAX_DATA_MB": "1"})


def test_a_literal_longer_than_the_parser_takes_is_named(workspace):
    huge = workspace / "data" / "sources" / "long-literal.ttl"
    huge.write_text(GOOD_TURTLE.replace('"more"', '"' + "x" * (17 * 2**20) + '"'), encoding="utf-8")
    fails_cleanly(workspace, r"sources/long-literal\.ttl: .*longer than Oxigraph's parser takes \(16 MiB\)")


def test_a_killed_builds_directories_are_removed_by_the_next_build(workspace):
    for left in (".store.new-abc123", ".store.old"):
        (workspace / left).mkdir()
        (workspace / left / "CURRENT").write_text("x")
    done = kgtool("build", "--no-owl", "--out", str(workspace / "dist"), "--store", str(workspace / "store"),
                  data=workspace / "data")
    assert done.returncode == 0, done.stderr
    assert "removed 2 directory(ies) an interrupted build left" in done.stderr
    assert not (workspace / ".store.new-abc123").exists() and not (workspace / ".store.old").exists()


# Hostile parameters --------------------------------------------------------------------

@pytest.fixture(scope="module")
def odd_store(tmp_path_factory) -> Path:
    """The mini fixture plus an agency whose labels look like SPARQL and like an IRI."""
    where = tmp_path_factory.mktemp("odd")
    data = Path(shutil.copytree(MINI_DATA, where / "data"))
    labels = f"{ox.Literal(HOSTILE, language='en')} , {ox.Literal(HOSTILE_IRI, language='zh')}"
    (data / "reference" / "odd-names.ttl").write_text(
        "@base <https://w3id.org/biopolicy/id/> .\n"
        "@prefix bpo: <https://w3id.org/biopolicy/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"<agency/example-odd> a bpo:Agency ; rdfs:label {labels} ; bpo:jurisdiction <country/exampleland> .\n",
        encoding="utf-8")
    done = kgtool("build", "--no-owl", "--out", str(where / "dist"), "--store", str(where / "store"), data=data)
    assert done.returncode == 0, done.stderr
    return where / "store"


def query_rows(*args) -> list[dict]:
    done = kgtool("query", *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["results"]["bindings"]


@pytest.mark.parametrize("value", [HOSTILE, HOSTILE_IRI])
def test_a_hostile_literal_is_matched_as_data_and_changes_nothing(odd_store, value):
    before = checksums(odd_store)
    rows = query_rows(str(TEST_QUERIES / "labels-of.rq"), "--store", str(odd_store), "--param", f"text={value}")
    assert [r["thing"]["value"] for r in rows] == [BP + "agency/example-odd"]
    assert checksums(odd_store) == before  # read-only: not a byte of the store changed


def test_an_iri_parameter_is_matched_as_an_iri(odd_store):
    query = str(TEST_QUERIES / "lead-of.rq")
    assert query_rows(query, "--store", str(odd_store), "--param", f"agent={HOSTILE_IRI}") == []
    led = query_rows(query, "--store", str(odd_store), "--param", "agent=bp:agency/example-agency")
    assert {r["measure"]["value"] for r in led} == {BP + "measure/example-order-assessment",
                                                     BP + "measure/example-order-review"}


@pytest.mark.parametrize("value", ["http://evil> } ; DROP ALL ; #", HOSTILE, "bp:agency/x y"])
def test_an_iri_parameter_refuses_what_is_not_an_iri(odd_store, value):
    done = kgtool("query", str(TEST_QUERIES / "lead-of.rq"), "--store", str(odd_store), "--param", f"agent={value}")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("kgtool: error: parameter agent=") and done.stderr.count("\n") == 1


def test_a_hostile_parameter_changes_nothing_on_a_remote_store(odd_store, tmp_path):
    if not servers.oxigraph_command():
        pytest.fail("the oxigraph server is not installed: pip install -e '.[test]'")
    with servers.oxigraph(tmp_path) as server:
        loaded = kgtool("load", "--store", str(odd_store), *server.load_args())
        assert loaded.returncode == 0, loaded.stderr
        count = [str(tmp_path / "count.rq"), "--endpoint", server.query]
        (tmp_path / "count.rq").write_text("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }\n")
        before = query_rows(*count)
        rows = query_rows(str(TEST_QUERIES / "labels-of.rq"), "--endpoint", server.query, "--param", f"text={HOSTILE}")
        assert [r["thing"]["value"] for r in rows] == [BP + "agency/example-odd"]
        assert query_rows(*count) == before


# Read-only queries ---------------------------------------------------------------------

UPDATES = {
    "INSERT DATA": 'INSERT DATA { ex:a ex:b "SELECT" }',
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "DELETE/INSERT": "WITH <http://e/g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "DROP": "DROP ALL",
    "CLEAR": "CLEAR DEFAULT",
    "CREATE": "CREATE GRAPH <http://e/g>",
    "LOAD": "LOAD <http://127.0.0.1:9/data.ttl>",
    "COPY": "COPY DEFAULT TO <http://e/g>",
    "MOVE": "MOVE <http://e/g> TO DEFAULT",
    "ADD": "ADD <http://e/g> TO <http://e/h>",
}


@pytest.mark.parametrize("operation", UPDATES)
def test_sparql_update_is_refused(release, tmp_path, operation):
    store = Path(shutil.copytree(release / "store", tmp_path / "store"))
    before = checksums(store)
    path = tmp_path / "update.rq"
    path.write_text(f"# SELECT * WHERE {{ ?s ?p ?o }}\nPREFIX ex: <http://e/>\n{UPDATES[operation]}\n")
    done = kgtool("query", str(path), "--store", str(store))
    assert done.returncode == 2 and done.stdout == ""
    assert f"update.rq: is a SPARQL Update ({operation})" in done.stderr
    assert checksums(store) == before


def test_update_words_in_comments_strings_and_names_are_no_false_alarm(tmp_path):
    path = tmp_path / "words.rq"
    path.write_text("# DROP ALL ; INSERT DATA { <a> <b> <c> }\n"
                    "PREFIX drop: <http://e/drop#>\n"
                    "SELECT ?measure (\"DELETE WHERE { ?s ?p ?o }\" AS ?insert) WHERE {\n"
                    "  ?measure a <https://w3id.org/biopolicy/ontology#Directive> .\n"
                    "  # SERVICE <http://evil.example/sparql> { ?s ?p ?o }\n"
                    "  OPTIONAL { ?measure drop:load ?load }\n"
                    "}\n")
    done = kgtool("query", str(path), "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 3 and {r["insert"] for r in rows} == {"DELETE WHERE { ?s ?p ?o }"}


def test_service_to_an_unlisted_endpoint_is_refused(tmp_path):
    path = tmp_path / "service.rq"
    path.write_text('SELECT * WHERE { BIND ("SERVICE <http://ok>" AS ?x) SERVICE <http://evil.example/sparql> { ?s ?p ?o } }\n')
    done = kgtool("query", str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert "kgtool: error: " in done.stderr and "<http://evil.example/sparql>" in done.stderr
    assert "--allow-service" in done.stderr


def test_text_that_is_no_query_at_all_is_refused(tmp_path):
    path = tmp_path / "junk.rq"
    path.write_text("PREFIX ex: <http://e/>\nFETCH ex:everything\n")
    done = kgtool("query", str(path))
    assert done.returncode == 2 and "junk.rq: not a SPARQL query: it starts with FETCH" in done.stderr


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory) -> Path:
    """A store of 60 triples that no build made: enough for a cross join that runs long."""
    path = tmp_path_factory.mktemp("generated") / "store"
    store = ox.Store(str(path))
    graph = ox.NamedNode("https://w3id.org/biopolicy/graph/generated")
    store.extend(ox.Quad(ox.NamedNode(f"{BP}thing/t{i}"), RDFS_LABEL, ox.Literal(f"thing {i}", language="en"), graph)
                 for i in range(60))
    store.flush()
    del store
    return path


def test_a_slow_query_is_stopped_at_the_timeout(generated_store, tmp_path):
    path = tmp_path / "cross-join.rq"  # 60^6 rows to count: far more than a second's work
    path.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }\n")
    done = kgtool("query", str(path), "--store", str(generated_store), "--timeout", "1")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "kgtool: error: the query did not finish within 1 s (--timeout) and was stopped\n"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_rows_beyond_max_rows_are_cut_with_a_warning(generated_store, tmp_path, fmt):
    path = tmp_path / "all.rq"
    path.write_text("SELECT ?thing ?label WHERE { ?thing ?p ?label } ORDER BY ?label\n")

    def rows(max_rows):
        done = kgtool("query", str(path), "--store", str(generated_store), "--format", fmt, "--max-rows", str(max_rows))
        assert done.returncode == 0, done.stderr
        if fmt == "json":
            return [r["label"]["value"] for r in json.loads(done.stdout)["results"]["bindings"]], done.stderr
        return [r["label"] for r in csv.DictReader(io.StringIO(done.stdout))], done.stderr

    everything, quiet = rows(60)
    assert len(everything) == 60 and quiet == ""
    first, warned = rows(7)
    assert first == everything[:7]
    assert "--max-rows" in warned and warned.startswith("kgtool: warning: ")


# Concurrent builds ---------------------------------------------------------------------

def test_a_second_build_of_a_store_being_built_stops_and_changes_nothing(workspace):
    store = workspace / "store"
    before = checksums(store)
    with open(workspace / "store.lock", "a+") as lock:  # the lock file sits next to the store
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        done = kgtool("build", "--no-owl", "--out", str(workspace / "dist2"), "--store", str(store))
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        f"kgtool: error: store {store} is being built by process {os.getpid()}; try again when it finishes")
    assert checksums(store) == before and not (workspace / "dist2").exists()
    # with the lock free again, the same build goes through
    again = kgtool("build", "--no-owl", "--out", str(workspace / "dist2"), "--store", str(store))
    assert again.returncode == 0, again.stderr
