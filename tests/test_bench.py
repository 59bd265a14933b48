"""The benchmark (bench/), as a smoke test at a tiny size: the generator grows the real
graph with valid synthetic sources, plants exactly the violations asked for, and
bench/run.py writes its table and JSON with the expected rows. No wall-clock assertion:
the numbers are for reading, not for passing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
KGTOOL = [sys.executable, "-m", "kgtool.cli"]


def saved_query_names() -> list[str]:
    """The saved queries the benchmark runs: all but those that call another server."""
    return sorted(p.stem for p in (ROOT / "queries").glob("*.rq")
                  if not re.search(r"\bSERVICE\b", p.read_text(encoding="utf-8"), re.I))


def generate(out: Path, size: str, *extra: str) -> dict:
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--size", size, "--out", str(out), *extra],
                   check=True, capture_output=True, cwd=ROOT)
    return json.loads((out / "manifest.json").read_text())


def test_generator_is_deterministic_and_synthetic(tmp_path):
    # well above the real graph (about 12k triples in December 2026, and growing), so that
    # synthetic sources are needed
    first, second = generate(tmp_path / "a", "30k"), generate(tmp_path / "b", "30k")
    assert first == second and first["real_triples"] < 30000 and first["synthetic_sources"] >= 1 and first["triples"] >= 30000
    names = sorted(p.name for p in (tmp_path / "a" / "sources").glob("synthetic-*.ttl"))
    assert names == sorted(p.name for p in (tmp_path / "b" / "sources").glob("synthetic-*.ttl"))
    for name in names:
        text = (tmp_path / "a" / "sources" / name).read_text(encoding="utf-8")
        assert text == (tmp_path / "b" / "sources" / name).read_text(encoding="utf-8")
        assert "<document/synthetic-" in text and '"Synthetic document ' in text
    assert (tmp_path / "a" / "reference").is_dir()  # the real data comes along


def test_validate_finds_exactly_the_planted_violations(tmp_path):
    manifest = generate(tmp_path / "data", "5k", "--violations", "3")
    assert len(manifest["violations"]) == 3
    run = subprocess.run(KGTOOL + ["--data", str(tmp_path / "data"), "validate", "--no-owl"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1
    lines = [line.strip() for line in run.stdout.splitlines() if line.strip().startswith("Violation:")]
    assert len(lines) == 3, run.stdout
    for planted in manifest["violations"]:
        assert any(f"{planted['focus']}  {planted['path']}  " in line for line in lines), (planted, lines)
    assert "does not conform: 3 violation(s), 0 other result(s)" in run.stdout


def test_generated_data_conforms_with_the_reasoner(tmp_path, java):
    generate(tmp_path / "data", "5k")
    run = subprocess.run(KGTOOL + ["--data", str(tmp_path / "data"), "validate"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr


def test_run_writes_the_table_and_the_json(tmp_path):
    out = tmp_path / "results"
    subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "5k", "--repeat", "1", "--cap", "5",
                    "--no-jena", "--no-owl", "--work", str(tmp_path / "work"), "--out", str(out)],
                   check=True, capture_output=True, cwd=ROOT)
    report = json.loads((out / "latest.json").read_text())
    [result] = report["results"]
    assert result["size"] == "5k" and result["triples"] >= 5000
    for step in ("build", "rebuild_one_source"):
        assert "seconds" in result[step], result[step]
    assert "seconds" in result["plain"] or result["plain"].get("timeout"), result["plain"]  # capped at 5 s
    assert {"parse", "derive", "validate: SHACL", "load", "release"} <= set(result["build"]["stages"])
    queries = result["queries"]
    for engine in ("kgtool", "raw_same_store", "raw_in_memory"):
        assert sorted(queries[engine]["json"]) == saved_query_names()
    assert queries["kgtool"]["json"] == {name: queries["kgtool"]["json"][name] for name in saved_query_names()}
    for name in saved_query_names():  # the same answers, however they are run (unless stopped at the cap)
        kgtool, raw = queries["kgtool"]["json"][name], queries["raw_in_memory"]["json"][name]
        if "rows" in kgtool and "rows" in raw:
            assert kgtool["rows"] == raw["rows"]
    assert "seconds" in report["cold_query"]

    table = (out / "latest.md").read_text()
    for row in ("`kgtool build`, end to end", "  – validate: SHACL", "rebuild after editing one source",
                "rdflib parse + pyshacl validate (the plain way)", "**all queries**", "## `kgtool query` from a cold process"):
        assert row in table
    for name in saved_query_names():
        assert f"| {name} |" in table
