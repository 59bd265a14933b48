"""The whole build: parse -> derive -> validate -> load -> release files + report.

Nothing is written unless every stage succeeded: release files are written to a temporary
directory beside the output and moved in at the end; a persistent store is replaced whole,
or, when an earlier build wrote it (its manifest says from which files), changed in one
transaction.

Incremental build (`--store DIR` that a build of this kgtool version wrote, its manifest
holding the digest of each graph): every file is parsed again into memory (a store
directory reads about ten times slower than Oxigraph parses Turtle into memory), the
derived graph is recomputed, the validation runs whole (SHACL as SPARQL) except HermiT,
which is asked again only when its input changed (only the changed graphs' part of it is
queried: kgtool/check/validate.py, reasoner_parts), and DIR gets only the difference, in
one transaction: the graphs of the changed, added and removed files, and the changed
triples of the derived graph if it changed. The result is the one a full build gives
(tests/test_build.py).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import __version__, void
from .derive import add_derived_graph
from .errors import KgtoolError
from .export import RELEASE_FILES, write_release_files
from .namespaces import DERIVED_GRAPH, Project, compact
from .sources import Sources, display_path, load_shapes, load_sources
from .store import build_lock, instances_per_class, load, read_manifest, triples_per_graph, update_persistent
from .check import Report, validate
from .void import VOID_FILE

REPORT_FILE = "build-report.json"


class BuildFailed(KgtoolError):
    """Validation found violations; the report says which."""

    def __init__(self, report: Report):
        super().__init__("validation failed; nothing was written")
        self.report = report


@contextmanager
def stage(name: str):
    """Print a stage's name, then its duration, on stderr."""
    print(f"[{name}] ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    yield
    print(f"[{name}] done in {time.perf_counter() - start:.2f} s", file=sys.stderr, flush=True)


@dataclass
class BuildResult:
    summary: dict
    out: Path


def check(project: Project, owl: bool = True, previous: dict | None = None) -> tuple[Sources, Report, list[str]]:
    """Parse, derive and validate: what `build` and `validate` share. With the manifest of
    an earlier build (`previous`), HermiT is not asked again about the same input."""
    with stage("parse"):
        sources = load_sources(project)
        shapes = load_shapes(project)
    with stage("derive"):
        skipped = add_derived_graph(sources).skipped
    for message in skipped:
        print(f"kgtool: warning: no derived due date for {message}", file=sys.stderr)
    with stage("validate" + ("" if owl else " (without OWL)")):
        report = validate(sources, shapes, owl=owl, timer=lambda name: stage(f"validate: {name}"),
                          ontology_checks=project.ontology_checks, owl_known=(previous or {}).get("owl"))
    return sources, report, skipped


PACKAGES = ("kgtool", "pyoxigraph", "rdflib", "pyshacl", "owlready2")


def versions() -> dict[str, str | None]:
    """The installed version of each package the build uses (read from their metadata,
    which imports none of them)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def git_commit(root: Path) -> dict:
    """The commit the project directory is at, and whether files differ from it (None
    outside a git checkout)."""
    import subprocess

    def git(*args):
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "modified": None}
    return {"commit": commit, "modified": bool(git("status", "--porcelain", "--untracked-files=no"))}


def summarize(sources: Sources, store, report: Report, skipped: list[str], options: dict | None = None,
              project: Project | None = None) -> dict:
    """The content of build-report.json: what the build was asked and made of (options,
    package versions, commit) and when, then what it holds. Everything but `time` is the
    same for two builds of the same data with the same options."""
    from datetime import datetime, timezone

    per_graph = triples_per_graph(store)
    files = {name: display_path(path) for name, path in sources.files.items() if path}
    return {
        "kgtool": __version__,
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "options": options or {},
        "packages": versions(),
        "git": git_commit(project.root) if project else {"commit": None, "modified": None},
        "triples": sum(per_graph.values()),
        "graphs": {g: {"file": files.get(g), "triples": n} for g, n in per_graph.items()},
        "instances_per_class": instances_per_class(store),
        "derived_due_dates_skipped": skipped,
        "validation": {"conforms": report.conforms, "results": [vars(r) for r in report.ordered()]},
    }


def write_release(store, summary: dict, out: Path) -> None:
    """Write every file into a temporary directory beside `out`, then move them in."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        write_release_files(store, staging)
        per_graph = {name: graph["triples"] for name, graph in summary["graphs"].items()}  # counted once, by summarize
        (staging / VOID_FILE).write_bytes(void.describe(store, per_graph, {n: n for n in RELEASE_FILES.values()}, None))
        (staging / REPORT_FILE).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        out.mkdir(exist_ok=True)
        for path in staging.iterdir():
            os.replace(path, out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def checked(project: Project, owl: bool = True, previous: dict | None = None) -> tuple[Sources, Report, list[str]]:
    """`check`, failing when validation found a violation: what a release may be made of."""
    sources, report, skipped = check(project, owl, previous)
    if not report.conforms:
        raise BuildFailed(report)
    return sources, report, skipped


def release_store(project: Project, owl: bool = True):
    """The checked release in an in-memory store, as `build` makes it (for `load`)."""
    sources, _, _ = checked(project, owl)
    with stage("load into memory"):
        return load(sources)


def manifest(sources: Sources, report: Report) -> dict:
    """What an incremental build needs to know of this one: the digest of each graph's file
    (`inputs`, which `query --store` also reads), the digest of the derived graph's content,
    and HermiT's input, graph by graph, and verdict."""
    inputs = {name: digest for name, digest in sources.digests.items() if sources.files.get(name) is not None}
    return {"kgtool": __version__, "inputs": inputs, "derived": sources.digests.get(DERIVED_GRAPH), "owl": report.owl}


def build(project: Project, out: Path, store_dir: Path | None = None, owl: bool = True) -> BuildResult:
    with build_lock(store_dir):  # taken first, so a second build stops before any work
        previous = read_manifest(store_dir) if store_dir else None
        if previous is not None and previous.get("kgtool") != __version__:
            previous = None  # another kgtool may have built it otherwise: build whole
        sources, report, skipped = checked(project, owl, previous)
        with stage("load" + (f" into {store_dir}" if store_dir else "") + (" (the difference)" if previous else "")):
            if previous:
                update_persistent(store_dir, sources.store, previous_graphs(previous, sources), manifest(sources, report))
                store = sources.store
            else:
                store = load(sources, store_dir, manifest(sources, report) if store_dir else None)
        with stage(f"release into {out}"):
            options = {"out": display_path(Path(out)), "store": display_path(Path(store_dir)) if store_dir else None,
                       "data": display_path(project.data_dir), "owl": owl}
            summary = summarize(sources, store, report, skipped, options, project)
            summary["incremental"] = previous is not None
            write_release(store, summary, Path(out))
    return BuildResult(summary, Path(out))


def previous_graphs(previous: dict, sources: Sources) -> list[str]:
    """The graphs an incremental build may have changed: those whose digest is not the one
    the store was built from (the graphs of added, changed or removed files, and the
    derived graph if its content changed)."""
    before, now = {**previous["inputs"], DERIVED_GRAPH: previous.get("derived")}, sources.digests
    return sorted(n for n in set(before) | set(now) if before.get(n) != now.get(n))


def counts_text(per_graph: dict[str, int], per_class: dict[str, int]) -> str:
    """The short printed report: triples per graph, instances per class."""
    lines = [f"{sum(per_graph.values())} triples in {len(per_graph)} graphs"]
    lines += [f"  {n:>7}  {compact(g)}" for g, n in per_graph.items()]
    lines.append(f"instances of {len(per_class)} classes")
    lines += [f"  {n:>7}  {compact(c)}" for c, n in per_class.items()]
    return "\n".join(lines)
