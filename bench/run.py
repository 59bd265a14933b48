"""Benchmark kgtool's build and saved queries at several sizes, against the plain way
(rdflib + pyshacl), Apache Jena (riot, SHACL) and raw pyoxigraph.

    python bench/run.py --sizes 10k,100k [--repeat 3] [--cap 60] [--no-jena] [--no-owl]

For each size it grows the real graph with bench/generate.py (cached under bench/work/),
runs every measured step in a process of its own, and takes the median wall time of
--repeat runs and the largest peak memory (max RSS of the biggest process of the step,
read with os.wait4). The results go to bench/results/latest.md (Markdown tables) and
bench/results/latest.json. A step that runs past --cap seconds is stopped and reported as
"> cap". No number here is a pass/fail check: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from generate import generate, parse_size, size_label  # noqa: E402

PYTHON = sys.executable
KGTOOL = [PYTHON, "-m", "kgtool.cli"]
STEPS = [PYTHON, str(HERE / "steps.py")]
JAVA_LIB = Path("/usr/share/java")
STAGE = re.compile(r"^\[(.+?)\] done in ([0-9.]+) s$", re.M)


# Running one measured step ---------------------------------------------------------------

class Run:
    """One finished process: wall seconds, peak RSS in MB, exit code, output."""

    def __init__(self, seconds, rss_mb, code, stdout, stderr, timed_out):
        self.seconds, self.rss_mb, self.code = seconds, rss_mb, code
        self.stdout, self.stderr, self.timed_out = stdout, stderr, timed_out

    @property
    def ok(self) -> bool:
        return self.code == 0 and not self.timed_out


def measure(command: list[str], cap: float | None = None, cwd: Path = ROOT) -> Run:
    """Run a command in its own session; kill the whole group after `cap` seconds. Peak
    memory is ru_maxrss from wait4: the largest resident set of the process and of the
    descendants it waited for (HermiT's JVM under kgtool, for instance)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, start_new_session=True)
        expired = threading.Event()

        def kill():
            expired.set()
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(cap, kill) if cap else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if timer:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, process.returncode, out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"), expired.is_set())


# A step whose runs have taken this long in all is not repeated further (the median is of
# the runs made): a 1M-triple build is not worth three runs. Set by --step-budget.
STEP_BUDGET = 20.0
# Seconds of repetitions per saved query and engine (after the warm-up run).
QUERY_BUDGET = 5.0


def repeated(command: list[str], repeat: int, cap: float | None = None, before=None) -> dict:
    """Median wall time and the peak memory over `repeat` runs (fewer once the step has
    used STEP_BUDGET seconds), with the stage timings that kgtool prints
    (`[stage] done in X s`), each the median too."""
    runs = []
    for i in range(repeat):
        if before:
            before(i)
        run = measure(command, cap)
        if not run.ok:
            return failure(run, cap)
        runs.append(run)
        if sum(r.seconds for r in runs) > STEP_BUDGET:
            break
    stages: dict[str, list[float]] = {}
    for run in runs:
        for name, seconds in STAGE.findall(run.stderr):
            stages.setdefault(stage_name(name), []).append(float(seconds))
    return {"seconds": statistics.median(r.seconds for r in runs), "rss_mb": max(r.rss_mb for r in runs),
            "runs": [r.seconds for r in runs], "stages": {k: statistics.median(v) for k, v in stages.items()},
            "stdout": runs[-1].stdout[-2000:]}


def failure(run: Run, cap) -> dict:
    if run.timed_out:
        return {"timeout": True, "cap": cap, "rss_mb": run.rss_mb}
    return {"error": f"exit {run.code}: {run.stderr.strip()[-600:]}", "rss_mb": run.rss_mb}


def stage_name(name: str) -> str:
    """`load into bench/work/store-10k` -> `load`; `release into dist` -> `release`."""
    return name.split(" into ")[0]


# Apache Jena (Debian's libapache-jena-java) ----------------------------------------------

def jena_classpath(work: Path) -> str | None:
    """Jena's jars, after a directory with the fix for Debian's packaging: the bundled
    xerces classes were moved to the package `xerces.*` but their message .properties files
    were left under org/apache/jena/ext/xerces/, so Jena fails at start-up ("internal error
    at xerces.impl.dv.xs.XSSimpleTypeDecl.applyFacets1") until copies sit at the new place."""
    core = JAVA_LIB / "jena-core.jar"
    if not (shutil.which("java") and core.is_file() and (JAVA_LIB / "jena-cmds.jar").is_file()):
        return None
    fix = work / "jena-fix"
    with zipfile.ZipFile(core) as jar:
        for name in jar.namelist():
            if name.startswith("org/apache/jena/ext/xerces/impl/") and name.endswith(".properties"):
                target = fix / name.removeprefix("org/apache/jena/ext/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    # Unversioned names only, and one SLF4J binding (the silent one).
    bindings = ("log4j-over-slf4j", "slf4j-log4j12", "slf4j-jdk14", "slf4j-simple", "jcl-over-slf4j",
                "slf4j-jcl", "maven3-slf4j-provider")
    jars = [str(p) for p in sorted(JAVA_LIB.glob("*.jar"))
            if not re.search(r"-\d[\d.]*\.jar$", p.name) and not p.name.startswith(bindings)]
    return os.pathsep.join([str(fix)] + jars)


def concatenated_turtle(data: Path, out: Path) -> Path:
    """The ontology and every data file as one Turtle document (Jena's shacl reads one data
    file; pyshacl gets the ontology mixed in the same way). Each part restates its @base."""
    with out.open("w", encoding="utf-8") as all_ttl:
        for path in [ROOT / "ontology" / "biopolicy.ttl"] + sorted(data.rglob("*.ttl")):
            all_ttl.write(f"@base <{path.resolve().as_uri()}> .\n")
            all_ttl.write(path.read_text(encoding="utf-8"))
            all_ttl.write("\n")
    return out


# Loading into an Oxigraph server ---------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kgtool_load_available() -> bool:
    return measure(KGTOOL + ["load", "--help"], cap=60).ok


def oxigraph_server(location: Path):
    """Start `oxigraph serve` on a free port, its default graph the union of its named graphs
    as docs/stores.md says (`kgtool load` refuses a store set up otherwise); return the
    process and its base URL."""
    port = free_port()
    binary = shutil.which("oxigraph") or str(Path(PYTHON).parent / "oxigraph")
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("oxigraph serve did not start")


def remote_load(store: Path, dist: Path, work: Path, triples: int, repeat: int) -> dict:
    """`kgtool load --store` (the built release) into an empty Oxigraph server vs `oxigraph
    load` (its own bulk loader) of the release N-Quads into an empty directory, as triples
    per second; then `kgtool load` once more into the server that now holds the release
    ("kgtool reload": each graph read back and compared, nothing left to write). Each run
    starts from an empty directory or a freshly started empty server; the server's
    start-up is waited for before the clock starts. The runs alternate, so that a busy
    machine slows both sides alike; each figure is the median (fewer than `repeat` runs
    once the step has used STEP_BUDGET seconds)."""
    if not kgtool_load_available():
        return {"available": False, "why": "kgtool has no `load` command yet"}
    binary = shutil.which("oxigraph") or str(Path(PYTHON).parent / "oxigraph")
    if not Path(binary).is_file():
        return {"available": False, "why": "no `oxigraph` server binary (pip install oxigraph)"}
    work.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[Run]] = {"oxigraph load": [], "kgtool load": [], "kgtool reload": []}
    for _ in range(repeat):
        shutil.rmtree(work / "ox-bulk", ignore_errors=True)
        runs["oxigraph load"].append(measure([binary, "load", "--location", str(work / "ox-bulk"),
                                              "--file", str(dist / "biopolicy.nq")]))
        shutil.rmtree(work / "ox-server", ignore_errors=True)
        server, url = oxigraph_server(work / "ox-server")
        try:
            load = KGTOOL + ["load", "--store", str(store), "--endpoint", f"{url}/query",
                             "--update-endpoint", f"{url}/update", "--graph-store", f"{url}/store"]
            runs["kgtool load"].append(measure(load))
            if runs["kgtool load"][-1].ok:
                runs["kgtool reload"].append(measure(load))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()
        if any(not run.ok for kind in runs.values() for run in kind[-1:]):
            break
        if sum(run.seconds for kind in runs.values() for run in kind) > STEP_BUDGET:
            break
    results = {"available": True}
    for key, done in runs.items():
        failed = next((run for run in done if not run.ok), None)
        if failed or not done:
            results[key] = failure(failed, None) if failed else {"error": "not run"}
            continue
        seconds = statistics.median(run.seconds for run in done)
        results[key] = {"seconds": seconds, "runs": [run.seconds for run in done],
                        "rss_mb": max(run.rss_mb for run in done), "triples_per_second": triples / seconds}
    return results


# One size --------------------------------------------------------------------------------

def dataset(size: int, work: Path, seed: int) -> tuple[Path, dict]:
    """The generated data directory for a size, reused while its manifest matches."""
    data = work / f"data-{size_label(size)}"
    manifest_file = data / "manifest.json"
    if manifest_file.is_file():
        manifest = json.loads(manifest_file.read_text())
        if manifest.get("size") == size and manifest.get("seed") == seed and not manifest.get("violations"):
            return data, manifest
    return data, generate(size, data, seed)


def edit_one_source(data: Path):
    """A function that changes one label in one synthetic source (a different text on each
    call), and one that restores the file."""
    files = sorted((data / "sources").glob("synthetic-*.ttl")) or sorted((data / "sources").glob("*.ttl"))
    path = files[len(files) // 2]
    original = path.read_text(encoding="utf-8")

    def edit(i: int):
        path.write_text(original.replace('"@en ,', f' (edit {i + 1})"@en ,', 1), encoding="utf-8")

    return edit, lambda: path.write_text(original, encoding="utf-8")


def bench_size(size: int, args, work: Path, timeouts: set[str], slow: set[str]) -> dict:
    label = size_label(size)
    log(f"== {label}: generating")
    data, manifest = dataset(size, work, args.seed)
    result = {"size": label, "triples": manifest["triples"], "synthetic_sources": manifest["synthetic_sources"]}
    sized = work / label
    sized.mkdir(parents=True, exist_ok=True)
    dist, store = sized / "dist", sized / "store"
    owl = [] if args.owl else ["--no-owl"]

    log(f"== {label}: kgtool build")
    build = KGTOOL + ["--data", str(data), "build", "--out", str(dist), "--store", str(store)] + owl
    # a full build each time: without a store (and its manifest) to build on
    result["build"] = repeated(build, args.repeat, before=lambda i: shutil.rmtree(store, ignore_errors=True))
    if "seconds" not in result["build"]:
        return result  # nothing else can run without the release and the store

    log(f"== {label}: rebuild after editing one source (incremental: the store's manifest is there)")
    edit, restore = edit_one_source(data)
    try:
        result["rebuild_one_source"] = repeated(build, args.repeat, before=edit)
    finally:
        restore()  # the store keeps the edited label: one label, no matter to the queries

    log(f"== {label}: rdflib + pyshacl")
    result["plain"] = one_json(STEPS + ["plain", str(ROOT), str(data)], args.cap)

    if args.jena:
        classpath = jena_classpath(work)
        if classpath is None:
            result["jena"] = {"available": False, "why": "no java or no /usr/share/java/jena-*.jar"}
        else:
            log(f"== {label}: Jena riot and SHACL")
            all_ttl = concatenated_turtle(data, sized / "all.ttl")
            java = ["java", "-Xmx8g", "-cp", classpath]
            riot = repeated(java + ["riotcmd.riot", "--validate", str(all_ttl)], args.repeat)
            shacl = repeated(java + ["shacl.shacl", "validate", "--shapes", str(ROOT / "shapes" / "biopolicy-shapes.ttl"),
                                     "--data", str(all_ttl)], args.repeat)
            if "stdout" in shacl:
                shacl["results"] = len(re.findall(r"sh:ValidationResult|a\s+sh:ValidationResult", shacl.pop("stdout")))
            result["jena"] = {"available": True, "riot": riot, "shacl": shacl}

    log(f"== {label}: saved queries")
    names = one_json(STEPS + ["query-names", str(ROOT)], None)["json"]
    engines = {"kgtool": ["queries-kgtool", str(ROOT), str(store)],
               "raw_same_store": ["queries-raw", str(ROOT), str(store)],
               "raw_in_memory": ["queries-raw", str(ROOT), str(dist / "biopolicy.nq")]}
    result["queries"] = {engine: {"json": {}} for engine in engines}
    for name in names:
        for engine, command in engines.items():
            if name in slow:  # past the cap at a smaller size, or on kgtool at this size
                result["queries"][engine]["json"][name] = {"timeout": True, "skipped": True}
                continue
            # One process a query, so that a query past the cap can be stopped (30 s more
            # for starting and loading the store).
            run = one_json(STEPS + command + [str(args.repeat), name, str(min(args.cap, QUERY_BUDGET))], args.cap + 30)
            result["queries"][engine]["json"][name] = run["json"] if "json" in run else run
            if "json" not in run:
                slow.add(name)
    if args.rdflib:
        log(f"== {label}: saved queries on rdflib")
        rdflib_run = one_json(STEPS + ["queries-rdflib", str(ROOT), str(dist / "biopolicy.nq"), str(int(args.cap)),
                                       str(int(args.cap * 2)), ",".join(sorted(timeouts))], args.cap * 4 + 600)
        result["queries"]["rdflib"] = rdflib_run
        timeouts |= {name for name, r in rdflib_run.get("json", {}).items() if r.get("timeout")}

    if args.remote:
        log(f"== {label}: loading into an Oxigraph server")
        result["remote_load"] = remote_load(store, dist, sized, manifest["triples"], args.repeat)
    return result


def one_json(command: list[str], cap: float | None) -> dict:
    """A bench/steps.py step: its wall time, memory and the JSON it prints."""
    run = measure(command, cap)
    if not run.ok:
        return failure(run, cap)
    return {"seconds": run.seconds, "rss_mb": run.rss_mb, "json": json.loads(run.stdout)}


def cold_query(args, work: Path) -> dict:
    """`kgtool query` from a cold process on the real graph's persistent store."""
    store = work / "real" / "store"
    measure(KGTOOL + ["build", "--no-owl", "--out", str(work / "real" / "dist"), "--store", str(store)])
    command = KGTOOL + ["query", "documents-overview", "--store", str(store), "--format", "tsv"]
    return repeated(command, max(args.repeat, 3)) | {"command": "kgtool query documents-overview --store DIR"}


# Report ----------------------------------------------------------------------------------

def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), None) if Path("/proc/meminfo").exists() else None
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0] if shutil.which("java") else None
    versions = {}
    for package in ("rdflib", "pyshacl", "pyoxigraph", "owlready2"):
        try:
            from importlib.metadata import version
            versions[package] = version(package)
        except Exception:
            versions[package] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "java": java, "packages": versions,
            "load_average_at_start": os.getloadavg()}


def seconds(step: dict | None, key: str = "seconds") -> str:
    if step is None:
        return "–"
    if step.get("timeout"):
        return f"> {step['cap']:.0f} s" if step.get("cap") else "> cap"
    if "error" in step:
        return "error"
    value = step.get(key)
    return "–" if value is None else f"{value:.3f} s" if value < 1 else f"{value:.1f} s"


def with_memory(step: dict | None) -> str:
    text = seconds(step)
    if step and "rss_mb" in step and "seconds" in step:
        text += f", {step['rss_mb']:.0f} MB"
    return text


def ratio(a, b) -> str:
    return f"{a / b:.2f}×" if a and b else "–"


def build_table(results: list[dict]) -> list[str]:
    sizes = [r["size"] for r in results]
    lines = ["| step | " + " | ".join(f"{r['size']} ({r['triples']:,} triples)" for r in results) + " |",
             "| --- |" + " --- |" * len(results)]

    def row(name, cells):
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    row("`kgtool build`, end to end", [with_memory(r.get("build")) for r in results])
    stage_names = []
    for r in results:
        for name in r.get("build", {}).get("stages", {}):
            if name not in stage_names:
                stage_names.append(name)
    for name in stage_names:
        row(f"  – {name}", [seconds(r.get("build", {}).get("stages"), name) if r.get("build", {}).get("stages") else "–"
                            for r in results])
    row("rebuild after editing one source", [with_memory(r.get("rebuild_one_source")) for r in results])
    plain = [r.get("plain", {}) for r in results]
    row("rdflib parse + pyshacl validate (the plain way)", [with_memory(p) for p in plain])
    row("  – rdflib parse", [seconds(p.get("json"), "parse") if p.get("json") else "–" for p in plain])
    row("  – pyshacl validate", [seconds(p.get("json"), "validate") if p.get("json") else "–" for p in plain])
    jena = [r.get("jena", {}) for r in results]
    if any(j.get("available") for j in jena):
        row("Jena `riot --validate`", [with_memory(j.get("riot")) if j.get("available") else "n/a" for j in jena])
        row("Jena `shacl validate`", [with_memory(j.get("shacl")) if j.get("available") else "n/a" for j in jena])
        cells = []
        for r, j in zip(results, jena):
            b, riot, shacl = r.get("build", {}).get("seconds"), j.get("riot", {}).get("seconds"), j.get("shacl", {}).get("seconds")
            cells.append(ratio(b, riot + shacl) if b and riot and shacl else "–")
        row("`kgtool build` ÷ (Jena riot + shacl)", cells)
    elif jena and any(jena):
        row("Apache Jena", ["not available" for _ in sizes])
    return lines


def query_table(result: dict) -> list[str]:
    q = result.get("queries", {})
    kg, same, mem, rd = (q.get(k, {}).get("json", {}) for k in ("kgtool", "raw_same_store", "raw_in_memory", "rdflib"))
    cap = result.get("cap")
    lines = [f"Saved queries at {result['size']} ({result['triples']:,} triples); median of the runs after one warm-up "
             f"run; \"> {cap:.0f} s\": stopped at the cap (or not run, being past it at a smaller size or on kgtool).", "",
             "| query | rows | kgtool (store dir) | raw pyoxigraph, same dir | ratio | raw pyoxigraph, in memory | rdflib | rdflib ÷ kgtool |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def cell(r: dict) -> str:
        if r.get("timeout"):
            return f"> {cap:.0f} s"
        if "seconds" not in r:
            return "error"
        return f"{r['seconds'] * 1000:.1f} ms" if r["seconds"] < 1 else f"{r['seconds']:.2f} s"

    notes = []
    for name in sorted(kg):
        k, same_r, mem_r, r = kg[name], same.get(name, {}), mem.get(name, {}), rd.get(name)
        notes += error_notes(f"`{name}`", {"on kgtool": k, "on raw pyoxigraph (same dir)": same_r,
                                           "on raw pyoxigraph (in memory)": mem_r, "on rdflib": r})
        if r is None:
            rdflib_cell, rdflib_ratio = ("not run" if "rdflib" not in q else "failed"), "–"
        elif r.get("budget"):
            rdflib_cell, rdflib_ratio = "not run (budget)", "–"
        elif r.get("timeout"):
            rdflib_cell = f"> {cap:.0f} s"
            rdflib_ratio = f"> {cap / k['seconds']:.0f}×" if "seconds" in k else "–"
        elif "error" in r:
            rdflib_cell, rdflib_ratio = "error", "–"
        else:
            rdflib_cell = f"{r['seconds']:.3f} s"
            rdflib_ratio = f"{r['seconds'] / k['seconds']:.0f}×" if "seconds" in k else "–"
        rows = k.get("rows", mem_r.get("rows", ""))
        lines.append(f"| {name} | {rows} | {cell(k)} | {cell(same_r)} | {ratio(k.get('seconds'), same_r.get('seconds'))} | "
                     f"{cell(mem_r)} | {rdflib_cell} | {rdflib_ratio} |")
    done = [n for n in kg if all("seconds" in e.get(n, {}) for e in (kg, same, mem))]
    if done:
        total = [sum(e[n]["seconds"] for n in done) for e in (kg, same, mem)]
        lines.append(f"| **all queries** ({len(done)} that finished) | | {total[0] * 1000:.1f} ms | {total[1] * 1000:.1f} ms | "
                     f"{ratio(total[0], total[1])} | {total[2] * 1000:.1f} ms | | |")
    return lines + notes


def error_notes(where: str, steps: dict[str, dict | None]) -> list[str]:
    """A line for each step that failed, with the last line it wrote to stderr (its cell
    in the table says only "error")."""
    return [f"\n{where}, {name} failed: {step['error'].strip().splitlines()[-1]}"
            for name, step in steps.items() if step and "error" in step]


def remote_table(results: list[dict]) -> list[str]:
    lines = ["| size | `oxigraph load` (bulk loader) | `kgtool load` into `oxigraph serve` | ratio of rates |",
             "| --- | --- | --- | --- |"]
    notes = []
    for r in results:
        remote = r.get("remote_load")
        if remote is None:
            continue
        if not remote.get("available"):
            lines.append(f"| {r['size']} | not available | not available ({remote.get('why')}) | – |")
            continue
        bulk, ours = remote["oxigraph load"], remote["kgtool load"]
        cells = []
        for step in (bulk, ours):
            rate = step.get("triples_per_second")
            cells.append(f"{seconds(step)} ({rate:,.0f} triples/s)" if rate else seconds(step))
        lines.append(f"| {r['size']} | {cells[0]} | {cells[1]} | "
                     f"{ratio(ours.get('triples_per_second'), bulk.get('triples_per_second'))} |")
        notes += error_notes(f"At {r['size']}", {"`oxigraph load`": bulk, "`kgtool load`": ours})
    return lines + notes


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = ["# kgtool benchmark", "",
             f"Run {report['started']} with `{report['command']}` ({report['wall_seconds'] / 60:.1f} min).",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['system']}, Python {m['python']}, "
             f"{m['java'] or 'no Java'}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) +
             f". Load average at start: {', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}.", "",
             f"Wall time is the median of {report['repeat']} run(s); memory is the peak resident set of the "
             "step's largest process. Compare ratios within this run only.", "",
             "## Build and validation", ""]
    lines += build_table(report["results"])
    for r in report["results"]:
        plain = r.get("plain", {}).get("json")
        jena = r.get("jena", {}).get("shacl", {})
        notes = []
        if plain:
            notes.append(f"pyshacl: {plain['results']} result(s)")
        if "results" in jena:
            notes.append(f"Jena SHACL: {jena['results']} result(s)")
        if notes:
            lines.append(f"\nAt {r['size']}: " + "; ".join(notes) + " (0 expected: the generated data is valid).")
        lines += error_notes(f"At {r['size']}", {"`kgtool build`": r.get("build"),
                                                 "the rebuild": r.get("rebuild_one_source"), "the plain way": r.get("plain")})
    lines += ["", "## Saved queries", ""]
    for r in report["results"]:
        lines += query_table(r | {"cap": report["cap"]}) + [""]
    if report.get("cold_query"):
        c = report["cold_query"]
        lines += ["## `kgtool query` from a cold process", "",
                  f"On the real graph's persistent store: `{c['command']}` takes {with_memory(c)} "
                  f"(median of {len(c.get('runs', []))}), process start included.", ""]
    if any("remote_load" in r for r in report["results"]):
        lines += ["## Loading into an Oxigraph server", ""] + remote_table(report["results"]) + [""]
    return "\n".join(lines) + "\n"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated sizes (default: 10k,100k)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step, the median is reported (default: 3)")
    parser.add_argument("--cap", type=float, default=20,
                        help="seconds before the plain way, one saved query or one rdflib query is stopped; the rdflib "
                             "queries of one size get 2 caps in all (default: 20)")
    parser.add_argument("--step-budget", type=float, default=20,
                        help="no further repetitions of a step once its runs took this many seconds (default: 20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=HERE / "work", help="generated data and stores (default: bench/work)")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where the results go (default: bench/results)")
    parser.add_argument("--no-jena", dest="jena", action="store_false", help="skip Apache Jena")
    parser.add_argument("--no-rdflib", dest="rdflib", action="store_false", help="skip rdflib's SPARQL engine")
    parser.add_argument("--no-remote", dest="remote", action="store_false", help="skip loading into an Oxigraph server")
    parser.add_argument("--no-owl", dest="owl", action="store_false", help="build without the OWL reasoner")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    global STEP_BUDGET
    STEP_BUDGET = args.step_budget
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    report = {"started": time.strftime("%Y-%m-%d %H:%M %Z"), "command": "python bench/run.py " + " ".join(argv or sys.argv[1:]),
              "repeat": args.repeat, "cap": args.cap, "machine": machine(), "results": []}
    timeouts: set[str] = set()  # rdflib queries past the cap
    slow: set[str] = set()  # queries past the cap on pyoxigraph
    for size in sorted(sizes):
        report["results"].append(bench_size(size, args, args.work, timeouts, slow))
        report["wall_seconds"] = time.perf_counter() - start
        write(report, args.out)  # partial results survive an interrupted run
    log("== cold `kgtool query`")
    report["cold_query"] = cold_query(args, args.work)
    report["wall_seconds"] = time.perf_counter() - start
    write(report, args.out)
    log(f"results in {args.out / 'latest.md'} ({report['wall_seconds'] / 60:.1f} min)")
    return 0


def write(report: dict, out: Path) -> None:
    (out / "latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "latest.md").write_text(markdown(report), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
