"""Pushing the release's named graphs into a triple store, and asking whether that store's
default graph is the union of its named graphs, which the saved queries read
(`check_union_default_graph`).

Loading never leaves a graph half-written, and never leaves a release half-swapped.

Into any store (SPARQL 1.1 Graph Store HTTP Protocol, or `INSERT DATA` where there is no
Graph Store endpoint): every graph is first loaded into a temporary graph of its own and
its triple count checked; only then does one SPARQL Update request `MOVE` all of them onto
the real graphs, which the store runs as one transaction. A failure before that leaves
every real graph as it was.

Into an Oxigraph server (it names itself in its `Server` header, `Endpoint.is_oxigraph`):
the change is computed and sent as one request, which Oxigraph runs as one transaction.
Each graph the server holds is read back (Graph Store `GET`) and compared with the release
line by line in N-Triples; graphs that are the same are left alone. When the change only
adds triples (a first load, above all), it is one streamed N-Quads `POST` to the Graph
Store's dataset; otherwise one SPARQL Update of `DELETE DATA`/`INSERT DATA` (triples with
blank nodes are compared up to the names of the nodes; a graph where those changed is
dropped and inserted whole). A change too large for one update goes the first way, for
the changed graphs only. Oxigraph's own faster paths are not used: its bulk loader
(`?no_transaction`) is not atomic, and a `MOVE` out of a bulk-loaded temporary graph costs
more than a transactional load of the same triples.

Afterwards the triples of each graph on the server are counted again. Every request goes
through the client (`client.py`), and a step that fails for a reason that may pass is
retried there, in `retrying`."""

from __future__ import annotations

import os
import re
import sys
import time
import urllib.parse
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator

import pyoxigraph as ox

from ..namespaces import GRAPH_IRI, OWL, RDF, XSD
from ..store import as_quads
from .client import RemoteError, Transient, log, retrying
from .query import JSON_RESULTS, Endpoint, rows, select

N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
LOADING = "urn:kgtool:loading:"  # temporary graph of <g>: <urn:kgtool:loading:g>


# Requests ------------------------------------------------------------------------------

def update(endpoint: Endpoint, text: str) -> None:
    endpoint.form(endpoint.update, "update", text)


def counting(graphs: list[str]) -> str:
    values = " ".join(f"<{g}>" for g in graphs)
    return f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"


def graph_counts(endpoint: Endpoint, graphs: list[str]) -> dict[str, int]:
    """Triples in each graph on the server (0 for a graph it does not have)."""
    data = endpoint.form(endpoint.query, "query", counting(graphs), JSON_RESULTS).data
    counts = {}
    for row in rows(data, endpoint.query):
        graph, number = row.get("g", {}).get("value"), row.get("n", {}).get("value", "")
        if not isinstance(graph, str) or not str(number).isdigit():
            raise RemoteError(f"{endpoint.query} answered a count that is not a graph and a number: {row!r:.120}")
        counts[graph] = int(number)
    return {g: counts.get(g, 0) for g in graphs}


# Chunks of N-Triples -------------------------------------------------------------------

def blank_node_groups(triples: list[ox.Triple]) -> list[list[ox.Triple]]:
    """Triples grouped so that triples sharing a blank node stay together: a blank node is
    local to one request, so splitting its triples over two would make two nodes of it."""
    parent: dict = {}

    def root(node):
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    groups: dict = {}
    for triple in triples:
        blanks = [t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        for other in blanks[1:]:
            parent[root(other)] = root(blanks[0])
    for triple in triples:
        blanks = [t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        groups.setdefault(root(blanks[0]) if blanks else triple, []).append(triple)
    return list(groups.values())


def chunks(store: ox.Store, graph: str, size: int) -> Iterator[bytes]:
    """The graph as N-Triples documents of about `size` triples each."""
    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]
    chunk: list[ox.Triple] = []
    for group in blank_node_groups(triples):
        if chunk and len(chunk) + len(group) > size:
            yield ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)
            chunk = []
        chunk.extend(group)
    if chunk:
        yield ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)


# Loading -------------------------------------------------------------------------------

def graph_store_url(endpoint: Endpoint, graph: str) -> str:
    return f"{endpoint.graph_store}?{urllib.parse.urlencode({'graph': graph})}"


def send(endpoint: Endpoint, temporary: str, documents: Iterator[bytes]) -> None:
    """Replace the temporary graph with the documents: the first PUT (or DROP, then INSERT
    DATA), the others appended."""
    if not endpoint.graph_store:
        update(endpoint, f"DROP SILENT GRAPH <{temporary}>")
    for number, document in enumerate(documents):
        if endpoint.graph_store:
            method = "PUT" if number == 0 else "POST"
            endpoint.request(method, graph_store_url(endpoint, temporary), document, N_TRIPLES)
        else:
            update(endpoint, f"INSERT DATA {{ GRAPH <{temporary}> {{\n{document.decode()}}} }}")


def stage(endpoint: Endpoint, store: ox.Store, graph: str, name: str, expected: int, size: int) -> None:
    """Load one graph into its temporary graph and check the count there; a wrong count is
    retried like a dropped connection, as a retry starts the graph afresh."""
    temporary = LOADING + name

    def attempt():
        send(endpoint, temporary, chunks(store, graph, size))
        found = graph_counts(endpoint, [temporary])[temporary]
        if found != expected:
            raise Transient(f"temporary graph <{temporary}> holds {found} triples, expected {expected}")

    retrying(endpoint, f"loading graph <{name}> at {endpoint.graph_store or endpoint.update}", attempt)


def swap(endpoint: Endpoint, names: dict[str, int]) -> None:
    """One SPARQL Update: every temporary graph onto its real graph (an empty one drops it).
    Not repeated once sent: a second MOVE would find its temporary graph gone."""
    operations = [f"MOVE <{LOADING}{g}> TO <{g}>" if n else f"DROP SILENT GRAPH <{g}>" for g, n in names.items()]
    retrying(endpoint, f"replacing {len(names)} graphs at {endpoint.update}",
             lambda: update(endpoint, " ;\n".join(operations)), idempotent=False)


def clean_up(endpoint: Endpoint, names: list[str]) -> str:
    """After a failure, drop the temporary graphs if the server still answers (once, no
    retries: the load has failed already and the real graphs are untouched); what became
    of them, for the error message."""
    try:
        update(endpoint, " ;\n".join(f"DROP SILENT GRAPH <{LOADING}{g}>" for g in names))
        return "every real graph is as it was, and the temporary graphs were dropped"
    except (Transient, RemoteError):
        return (f"every real graph is as it was; the temporary graphs <{LOADING}…> could not be dropped "
                "and are read by queries over the union until the next `kgtool load` drops them")


def drop_leftovers(endpoint: Endpoint, names: list[str]) -> None:
    """Drop the temporary graphs that an interrupted load left on the server (a store whose
    default graph is the union would read them in every query), before loading again."""
    temporary = [LOADING + name for name in names]
    found = retrying(endpoint, f"looking for temporary graphs at {endpoint.query}",
                     lambda: graph_counts(endpoint, temporary))
    left = [g for g, n in found.items() if n]
    if left:
        log(f"dropping {len(left)} temporary graph(s) an earlier load left behind "
            f"({sum(found.values())} triples)")
        retrying(endpoint, f"dropping temporary graphs at {endpoint.update}",
                 lambda: update(endpoint, " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in left)))


def server_name(graph: str, prefix: str | None) -> str:
    """The graph's name on the server: `prefix` in place of the graph namespace."""
    if prefix and graph.startswith(GRAPH_IRI):
        return prefix + graph[len(GRAPH_IRI):]
    return graph


def push(store: ox.Store, endpoint: Endpoint, expected: dict[str, int], prefix: str | None = None,
         size: int = 50_000) -> dict[str, int]:
    """Load every graph of the release (`expected`: triples per graph), swap them in
    together, and check the counts on the server. Returns the counts by server name."""
    names = {server_name(g, prefix): n for g, n in expected.items()}
    graphs = dict(zip(expected, names))  # release name -> server name
    began = time.perf_counter()
    staged, sent, changed = graphs, None, list(names)  # the standard way replaces every graph
    drop_leftovers(endpoint, list(names))
    if endpoint.graph_store and endpoint.user is None:
        # The counts the Oxigraph path starts from; the answer also says which server it is.
        there = retrying(endpoint, f"counting graphs at {endpoint.query}", lambda: graph_counts(endpoint, list(names)))
        if endpoint.is_oxigraph():
            staged, sent, changed = oxigraph_load(store, endpoint, graphs, names, there)
    if staged:
        stage_and_swap(store, endpoint, staged, names, size)
    found = retrying(endpoint, f"counting graphs at {endpoint.query}", lambda: graph_counts(endpoint, list(names)))
    wrong = [f"<{g}> has {found[g]} triples, expected {n}" for g, n in names.items() if found[g] != n]
    if wrong:
        raise RemoteError(f"after loading into {endpoint.update}: " + "; ".join(wrong))
    log(f"{what_changed(changed, bool(staged), len(names))}; {sum(found.values())} triples in {len(found)} "
        f"graphs counted in {time.perf_counter() - began:.2f} s")
    warnings = altered_literals(store, endpoint, staged) if staged else []
    if sent:
        warnings += literal_warnings(endpoint, sent, kept_literals(endpoint, sent, list(names)))
    for warning in warnings:
        print(f"kgtool: warning: {warning}", file=sys.stderr, flush=True)
    return found


def what_changed(changed: list[str], staged: bool, total: int) -> str:
    """What a load did, in words that stay true: the Oxigraph path knows which graphs
    differed, the standard way replaces every graph whether it differed or not."""
    if not changed:
        return f"unchanged: all {total} graphs were as in the release, nothing was written"
    if staged:
        return f"{len(changed)} of {total} graphs replaced whole"
    unchanged = f", {total - len(changed)} unchanged" if len(changed) < total else ""
    return f"{len(changed)} of {total} graphs written in one transaction{unchanged}"


def stage_and_swap(store: ox.Store, endpoint: Endpoint, graphs: dict[str, str], names: dict[str, int],
                   size: int) -> None:
    """The standard way: each graph (release name -> server name) into its temporary graph,
    checked, then all of them swapped in by one update."""
    try:
        for graph, name in graphs.items():
            start = time.perf_counter()
            stage(endpoint, store, graph, name, names[name], size)
            log(f"<{name}>: {names[name]} triples staged in {time.perf_counter() - start:.2f} s")
        swap(endpoint, {name: names[name] for name in graphs.values()})
    except RemoteError as error:
        raise RemoteError(f"{error}; {clean_up(endpoint, list(graphs.values()))}") from None
    except BaseException:  # interrupted: leave nothing behind where the server still answers
        log(clean_up(endpoint, list(graphs.values())))
        raise


# Loading into an Oxigraph server -------------------------------------------------------
#
# Oxigraph runs each request as one transaction, and its transactional writes are the
# slow part of any load (a `MOVE` between graphs is slower still; the bulk loader is not
# atomic; measured in docs/performance.md, "Loading into a store"). So the Oxigraph path
# writes each triple once, in one transaction, and only the triples that change.

UPDATE_LIMIT = 32 * 2**20  # bytes of triples in one SPARQL Update; a larger change is staged
BLANK_LIMIT = 20_000  # triples with blank nodes compared up to their names (worst case exponential)
TYPED_LITERAL = re.compile(rb'("(?:[^"\\\n]|\\.)*"\^\^<[^>\n]*>) \.$', re.M)  # an object, in N-Triples


@dataclass
class Change:
    """What one graph needs: N-Triples to delete and to insert (`add` None: the whole graph
    of the release, read when it is sent), or `drop` to replace it whole."""

    graph: str  # its name in the release
    name: str  # its name on the server
    add: bytes | None
    remove: bytes = b""
    drop: bool = False


def local_triples(store: ox.Store, graph: str) -> bytes:
    return store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))


def ahead(function: Callable, items: list, workers: int = 2, window: int = 4) -> Iterator:
    """`function(item)` for each item in order, computed up to `window` items ahead on
    `workers` threads (pyoxigraph lets go of the GIL while it serializes)."""
    with ThreadPoolExecutor(workers) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) > window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def timed(function: Callable) -> Callable:
    def run(*args):
        start = time.perf_counter()
        return function(*args), time.perf_counter() - start
    return run


def has_blank_nodes(data: bytes) -> bool:
    """Whether N-Triples may hold a blank node (a literal reading `> _:` counts too)."""
    return data.startswith(b"_:") or b"\n_:" in data or b"> _:" in data


def lines(data: bytes) -> set[bytes]:
    found = set(data.split(b"\n"))
    found.discard(b"")
    return found


def ground_and_blank(data: bytes) -> tuple[set[bytes], list[bytes]]:
    """The lines of N-Triples without blank nodes, and the others (with, at worst, a few
    without: a literal whose last word starts with `_:`)."""
    ground, blank = set(), []
    for line in data.split(b"\n"):
        if not line:
            continue
        if line.startswith(b"_:") or line.rsplit(b" ", 2)[-2].startswith(b"_:"):  # subject, object
            blank.append(line)
        else:
            ground.add(line)
    return ground, blank


def canonical(blank: list[bytes]) -> set[str]:
    """Triples with blank nodes, their nodes named canonically: two sets are the same
    triples up to the names of blank nodes when these are equal."""
    dataset = ox.Dataset(ox.parse(b"".join(line + b"\n" for line in blank), format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(quad) for quad in dataset}


def joined(found: set[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in sorted(found))


def typed_in(data: bytes, into: dict[str, set[str]]) -> None:
    """The typed literals (plain and language-tagged strings aside) of N-Triples, by
    datatype, in the form str() gives a pyoxigraph term (parsed back, so escapes agree)."""
    terms = {m.group(1) for m in TYPED_LITERAL.finditer(data)}
    if terms:
        document = b"".join(b"<urn:x:s> <urn:x:p> " + t + b" .\n" for t in terms)
        for triple in ox.parse(document, format=ox.RdfFormat.N_TRIPLES):
            into.setdefault(triple.object.datatype.value, set()).add(str(triple.object))


def differences(store: ox.Store, endpoint: Endpoint, graphs: dict[str, str], names: dict[str, int],
                there: dict[str, int]) -> list[Change]:
    """The change of each graph: those the server holds are read back (several at a time,
    each thread on a connection of the client's own) and compared line by line; those it
    has not are new, read when they are sent."""
    held = [(graph, name) for graph, name in graphs.items() if there[name]]

    def compare(pair: tuple[str, str]) -> tuple[Change | None, str, float]:
        graph, name = pair
        start = time.perf_counter()
        ours = local_triples(store, graph) if names[name] else b""
        theirs = endpoint.request("GET", graph_store_url(endpoint, name), accept=N_TRIPLES).data
        if has_blank_nodes(ours) or has_blank_nodes(theirs):
            # Blank nodes have other names on the server: those triples are compared up to
            # names; when they differ, DELETE DATA cannot name them, so the graph goes whole.
            mine, my_blank = ground_and_blank(ours)
            yours, your_blank = ground_and_blank(theirs)
            if len(my_blank) + len(your_blank) > BLANK_LIMIT or canonical(my_blank) != canonical(your_blank):
                return (Change(graph, name, ours, drop=True), "its triples with blank nodes changed: to be "
                        "replaced whole", time.perf_counter() - start)
        else:
            mine, yours = lines(ours), lines(theirs)
        add, remove = mine - yours, yours - mine
        if not add and not remove:
            return None, "unchanged on the server", time.perf_counter() - start
        return (Change(graph, name, joined(add), joined(remove)), f"{len(add)} to add, {len(remove)} to remove",
                time.perf_counter() - start)

    changes = []
    for (graph, name), (change, what, seconds) in zip(held, ahead(compare, held, workers=3, window=12)):
        log(f"<{name}>: {names[name]} triples staged in {seconds:.2f} s ({what})")
        if change:
            changes.append(change)
    return changes + [Change(graph, name, None) for graph, name in graphs.items() if not there[name] and names[name]]


def post_additions(store: ox.Store, endpoint: Endpoint, changes: list[Change],
                   names: dict[str, int], sent: dict[str, set[str]]) -> None:
    """Changes that only add triples, as one N-Quads document streamed to the Graph Store's
    dataset: one transaction."""
    read = timed(lambda change: change.add if change.add is not None else local_triples(store, change.graph))

    def documents():
        for change, (data, seconds) in zip(changes, ahead(read, changes)):
            typed_in(data, sent)
            if change.add is None:
                log(f"<{change.name}>: {names[change.name]} triples staged in {seconds:.2f} s (new)")
            yield as_quads(data, change.name)

    endpoint.request("POST", endpoint.graph_store, documents(), N_QUADS)


def update_text(store: ox.Store, changes: list[Change], names: dict[str, int], sent: dict[str, set[str]],
                limit: int) -> bytes | None:
    """One SPARQL Update for all changes, or None past `limit` bytes of triples. One INSERT
    DATA holds every graph, so a blank node label means one node, as in the release."""
    drops, deletes, inserts, size = [], [], [], 0
    for change in changes:
        start = time.perf_counter()
        add = change.add if change.add is not None else local_triples(store, change.graph)
        size += len(add) + len(change.remove)
        if size > limit:
            return None
        typed_in(add, sent)
        if change.add is None:
            log(f"<{change.name}>: {names[change.name]} triples staged in {time.perf_counter() - start:.2f} s (new)")
        graph = f"GRAPH <{change.name}> {{\n".encode()
        if change.drop:
            drops.append(f"DROP SILENT GRAPH <{change.name}>".encode())
        if change.remove:
            deletes.append(graph + change.remove + b"}")
        if add:
            inserts.append(graph + add + b"}")
    parts = drops + [b"DELETE DATA {\n" + b"\n".join(deletes) + b"\n}"] * bool(deletes) \
        + [b"INSERT DATA {\n" + b"\n".join(inserts) + b"\n}"] * bool(inserts)
    return b" ;\n".join(parts)


def oxigraph_load(store: ox.Store, endpoint: Endpoint, graphs: dict[str, str], names: dict[str, int],
                  there: dict[str, int]) -> tuple[dict[str, str], dict[str, set[str]], list[str]]:
    """Bring the server's graphs to the release in one request (see the module's text).
    Returns the graphs left to the standard way (a change past UPDATE_LIMIT), the typed
    literals sent, and the server names of the graphs that differed (none: the server held
    the release already). Each attempt starts from what the server holds, so one that fails
    or whose answer is lost can be repeated."""
    first = [there]
    sent: dict[str, set[str]] = {}
    changed: list[str] = []

    def attempt():
        sent.clear()
        changes = differences(store, endpoint, graphs, names, first.pop() if first else graph_counts(endpoint, list(names)))
        changed[:] = [change.name for change in changes]
        if not changes:
            return {}
        if not any(change.remove or change.drop for change in changes):
            post_additions(store, endpoint, changes, names, sent)
            return {}
        text = update_text(store, changes, names, sent, UPDATE_LIMIT)
        if text is None:
            log(f"the change of {len(changes)} graphs is over {UPDATE_LIMIT >> 20} MB; staging them instead")
            sent.clear()
            return {change.graph: change.name for change in changes}
        endpoint.request("POST", endpoint.update, text, "application/sparql-update")
        return {}

    staged = retrying(endpoint, f"loading {len(names)} graphs at {endpoint.graph_store}", attempt)
    return staged, sent, changed


# Literals the store kept or changed ----------------------------------------------------
#
# A count of triples does not show a store that rewrites literals as it loads them, as
# Virtuoso 7 does with xsd:duration (docs/stores.md, "Virtuoso 7"). After a load, the
# distinct typed literals of the release (plain and language-tagged strings aside) are
# read back and compared term by term; each datatype whose literals did not all come
# back is a warning, with an example.

PLAIN = (XSD + "string", RDF + "langString")
KNOWN_REWRITES = {
    XSD + "duration":
        "Virtuoso 7 stores xsd:duration as a number, openlink/virtuoso-opensource#936",
}


def typed_literals(store: ox.Store, graphs: list[str]) -> dict[str, set[str]]:
    """The distinct typed literals of the graphs in N-Triples form, by datatype."""
    found: dict[str, set[str]] = {}
    if not graphs:
        return found
    values = " ".join(f"<{g}>" for g in graphs)
    plain = ", ".join(f"<{t}>" for t in PLAIN)
    for row in store.query(f"SELECT DISTINCT ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
                           f"FILTER(isLiteral(?o) && !(DATATYPE(?o) IN ({plain}))) }}"):
        term = row["o"]
        found.setdefault(term.datatype.value, set()).add(str(term))
    return found


def altered_literals(store: ox.Store, endpoint: Endpoint, graphs: dict[str, str]) -> list[str]:
    """What the server changed: one sentence per datatype whose literals in the loaded
    graphs (`graphs`: local name -> server name) are not all on the server as sent."""
    local = typed_literals(store, list(graphs))
    if not local:
        return []
    values = " ".join(f"<{g}>" for g in graphs.values())
    types = ", ".join(f"<{t}>" for t in sorted(local))
    text = (f"SELECT DISTINCT ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
            f"FILTER(isLiteral(?o) && DATATYPE(?o) IN ({types})) }}")
    answer = select(endpoint, text, f"reading back literals at {endpoint.query}")
    remote: dict[str, set[str]] = {}
    for row in answer:
        term = row["o"]
        remote.setdefault(term.datatype.value, set()).add(str(term))
    return literal_warnings(endpoint, local, remote)


def kept_literals(endpoint: Endpoint, sent: dict[str, set[str]], graphs: list[str]) -> dict[str, set[str]]:
    """Which of the typed literals sent are on the server, each looked up by value (an
    index lookup, not a scan of the graphs), in a graph whose name starts as ours do."""
    terms = sorted(set().union(*sent.values()))
    prefix = str(ox.Literal(os.path.commonprefix(graphs)))
    found: dict[str, set[str]] = {}
    for start in range(0, len(terms), 1000):
        values = " ".join(terms[start:start + 1000])
        text = (f"SELECT DISTINCT ?o WHERE {{ VALUES ?o {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
                f"FILTER(STRSTARTS(STR(?g), {prefix})) }}")
        for row in select(endpoint, text, f"reading back literals at {endpoint.query}"):
            found.setdefault(row["o"].datatype.value, set()).add(str(row["o"]))
    return found


def literal_warnings(endpoint: Endpoint, local: dict[str, set[str]], remote: dict[str, set[str]]) -> list[str]:
    """One sentence per datatype whose literals sent (`local`) are not all among those the
    server has (`remote`), with an example."""
    warnings = []
    for datatype, sent in sorted(local.items()):
        back = remote.get(datatype, set())
        missing = sorted(sent - back)
        if not missing:
            continue
        instead = sorted(back - sent)
        example = f"the release has {missing[0]}" + (f", the store has {instead[0]}, which the release has not"
                                                      if instead else ", the store has not")
        why = KNOWN_REWRITES.get(datatype, "see README.md, Loading into a triple store")
        warnings.append(f"the store at {endpoint.query} changed {len(missing)} of the {len(sent)} distinct "
                        f"<{datatype}> literals on loading ({example}; {why}); saved queries that read "
                        f"them answer differently there than on the release")
    return warnings


# The default graph ---------------------------------------------------------------------
#
# The saved queries name no graph: they read the default graph, which must be the union of
# the named graphs the release is loaded into. A store where it is not (a stock `oxigraph
# serve`) answers every one of them with no rows, and exit 0. So `kgtool load` and `kgtool
# query --endpoint` ask once whether it is, and stop if it is plainly not.

NOT_IN_DEFAULT_GRAPH = (f"SELECT ?ontology ?g WHERE {{ GRAPH ?g {{ ?ontology a <{OWL}Ontology> }} "
                        f"FILTER NOT EXISTS {{ ?ontology a <{OWL}Ontology> }} }} LIMIT 1")


def union_setting(endpoint: Endpoint) -> str:
    """How to make the default graph the union: for an Oxigraph server (its `Server`
    header says so), its flag; for any other, the settings known to be right."""
    if any(header.startswith("Oxigraph/") for header in endpoint._server_headers):
        return "restart it as `oxigraph serve --union-default-graph` (on the same --location its graphs stay)"
    return ("make it so (Oxigraph: `oxigraph serve --union-default-graph`; Jena Fuseki: `tdb2:unionDefaultGraph "
            "true` on a TDB2 dataset, `tdb:unionDefaultGraph true` on TDB1; another store: see its documentation)")


def check_union_default_graph(endpoint: Endpoint, loaded: dict[str, int] | None = None) -> None:
    """Raise RemoteError, naming the store's setting, when its default graph is plainly not
    the union of its named graphs; `loaded`: the counts `push` returned, when it ran first.

    One cheap query: an `owl:Ontology` triple that is in a named graph but not in the
    default graph (an index lookup; a SELECT, as Virtuoso 7 answers an ASK in JSON as a
    table). Every release has such a triple in its ontology graph, whatever --graph-prefix
    names that graph, and the test holds whatever else the default graph has. A store with
    no ontology in any named graph (empty, or holding other data) passes: it tells nothing.

    `kgtool load` asks after loading, as only then is a triple known to be there: on an
    empty store nothing can be told before, and writing a probe triple would be a write of
    its own. The load is complete and counted by then; the error says so, and that what is
    missing is the store's setting."""
    found = list(select(endpoint, NOT_IN_DEFAULT_GRAPH, f"checking the default graph at {endpoint.query}"))
    if not found:
        return
    seen = f"{found[0]['ontology']} is in graph {found[0]['g']}"
    if loaded is None:
        raise RemoteError(f"the default graph of the store at {endpoint.query} is not the union of its named "
                          f"graphs ({seen}, not in the default graph), so the saved queries would find nothing "
                          f"there; {union_setting(endpoint)}")
    raise RemoteError(f"the release is loaded into {endpoint.update} ({sum(loaded.values())} triples in "
                      f"{len(loaded)} graphs, counted), but the store's default graph is not the union of its "
                      f"named graphs, so queries that name no graph (every saved query) find none of it; "
                      f"{union_setting(endpoint)}")
