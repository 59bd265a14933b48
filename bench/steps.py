"""The measured steps that are not a `kgtool` command, each run by bench/run.py in a
process of its own (so that its peak memory is its own). Each prints one JSON object.

    python bench/steps.py plain ROOT DATA            rdflib parse + pyshacl validate
    python bench/steps.py query-names ROOT
    python bench/steps.py queries-kgtool ROOT STORE REPEAT NAME BUDGET      one query each
    python bench/steps.py queries-raw ROOT (STORE | FILE.nq) REPEAT NAME BUDGET
    python bench/steps.py queries-rdflib ROOT FILE.nq CAP BUDGET [SKIP,...]
"""

from __future__ import annotations

import json
import re
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def saved_queries(root: Path, only: str | None = None):
    """Each saved query with its default parameters bound, as kgtool would run it, and the
    query text that results (parameters in a VALUES block): the text every engine gets.
    Queries that call a SERVICE (another server) are left out: the benchmark is local."""
    sys.path.insert(0, str(ROOT))
    from kgtool import query as queries

    for query in queries.catalogue(Path(root) / "queries"):
        if re.search(r"\bSERVICE\b", query.text, re.I) or (only and query.name != only):
            continue
        bindings = queries.bind(query, (getattr(query, "examples", None) or [{}])[0])  # a required parameter's example
        prepare = getattr(queries, "prepare", None)
        yield query, bindings, prepare(query, bindings) if prepare else queries.with_values_block(query.text, bindings)


def timed(function, repeat: int, budget: float = 30.0) -> tuple[float, object]:
    """The median of up to `repeat` timed calls after one warm-up call (so the engine that
    runs first does not pay alone for a cold disk). A warm-up that took more than half the
    budget is the measurement itself; repetitions stop once the budget is spent."""
    start = time.perf_counter()
    result = function()
    first = time.perf_counter() - start
    if first > budget:
        return first, result
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
        if first + sum(times) > budget:
            break
    return statistics.median(times), result


def plain(root: str, data: str) -> dict:
    """The plain way: rdflib parses every file into one graph, pyshacl validates it with the
    ontology as ont_graph (as kgtool does), no inference."""
    import rdflib
    from pyshacl import validate

    rdflib.NORMALIZE_LITERALS = False
    root, start = Path(root), time.perf_counter()
    data_graph, ontology, shapes = rdflib.Graph(), rdflib.Graph(), rdflib.Graph()
    for path in sorted(Path(data).rglob("*.ttl")):
        data_graph.parse(path, format="turtle")
    ontology.parse(root / "ontology" / "biopolicy.ttl", format="turtle")
    for path in sorted((root / "shapes").glob("*.ttl")):
        shapes.parse(path, format="turtle")
    parsed = time.perf_counter()
    conforms, report, _ = validate(data_graph, shacl_graph=shapes, ont_graph=ontology, inference="none")
    done = time.perf_counter()
    results = len(set(report.subjects(rdflib.RDF.type, rdflib.SH.ValidationResult)))
    return {"parse": parsed - start, "validate": done - parsed, "triples": len(data_graph),
            "conforms": bool(conforms), "results": results}


def queries_kgtool(root: str, store_dir: str, repeat: str, name: str, budget: str) -> dict:
    """One saved query through kgtool on its persistent store, as `kgtool query` answers:
    bind, run, read (with no row cap, so that every engine writes every row) with the parts
    of the concatenated columns sorted, write as TSV."""
    from kgtool.query import concatenated_columns, read_answer, run, write_answer
    from kgtool.store import open_existing

    store = open_existing(Path(store_dir))
    for query, bindings, _ in saved_queries(root, name):
        def answer():
            return write_answer(read_answer(run(store, query, bindings), 10**9, concatenated_columns(query.text)), "tsv")
        seconds, data = timed(answer, int(repeat), float(budget))
        return {"seconds": seconds, "rows": data.count(b"\n") - 1}


def queries_raw(root: str, location: str, repeat: str, name: str, budget: str) -> dict:
    """The same query text straight on pyoxigraph: on the same store directory (read-only),
    or on an in-memory store loaded from an N-Quads file; answers serialized as TSV."""
    import pyoxigraph as ox

    if location.endswith(".nq"):
        store = ox.Store()
        store.bulk_load(path=location, format=ox.RdfFormat.N_QUADS)
    else:
        store = ox.Store.read_only(location)
    for _, _, text in saved_queries(root, name):
        def answer():
            return store.query(text, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.TSV)
        seconds, data = timed(answer, int(repeat), float(budget))
        return {"seconds": seconds, "rows": data.count(b"\n") - 1}


def query_names(root: str) -> list[str]:
    return [query.name for query, _, _ in saved_queries(root)]


class Timeout(Exception):
    pass


def queries_rdflib(root: str, nquads: str, cap: str, budget: str, skip: str = "") -> dict:
    """The same query texts on rdflib's SPARQL engine over a Dataset whose default graph is
    the union; each query stopped after CAP seconds (reported as a timeout), and none started
    once the queries took BUDGET seconds in all. Queries in SKIP timed out at a smaller size
    already and are not run (a timeout again)."""
    import rdflib

    rdflib.NORMALIZE_LITERALS = False

    def alarm(*_):
        raise Timeout()

    signal.signal(signal.SIGALRM, alarm)
    start = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(nquads, format="nquads")
    out = {"(load)": {"seconds": time.perf_counter() - start}}
    spent = 0.0
    for query, _, text in saved_queries(root):
        if query.name in skip.split(","):
            out[query.name] = {"timeout": True, "skipped": True}
            continue
        if spent > float(budget):
            out[query.name] = {"budget": True}
            continue
        signal.alarm(int(cap))
        start = time.perf_counter()
        try:
            rows = len(list(dataset.query(text)))
            out[query.name] = {"seconds": time.perf_counter() - start, "rows": rows}
        except Timeout:
            out[query.name] = {"timeout": True}
        except Exception as error:  # rdflib refusing a query is a result too
            out[query.name] = {"error": f"{type(error).__name__}: {error}"[:200]}
        finally:
            signal.alarm(0)
            spent += time.perf_counter() - start
    return out


STEPS = {"plain": plain, "queries-kgtool": queries_kgtool, "queries-raw": queries_raw,
         "queries-rdflib": queries_rdflib, "query-names": query_names}

if __name__ == "__main__":
    print(json.dumps(STEPS[sys.argv[1]](*sys.argv[2:])))
