"""The `kgtool` command line: argparse and nothing else. Each command calls the modules;
heavy imports happen inside the commands so that a cold `kgtool query --store` starts fast."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import KgtoolError
from .limits import Limits



def project(args):
    from .namespaces import Project

    return Project.at(args.root, args.data)


def open_store(args):
    """The persistent store given by --store, or an in-memory one built from the files."""
    from .store import project_store

    return project_store(project(args), Path(args.store) if args.store else None)


def write_output(data: bytes, output: str | None) -> None:
    """To stdout, or to the file --output names: written beside it and renamed, so that a
    failed write leaves no partial file (and an older one as it was)."""
    if output:
        path = Path(output)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


# Commands ------------------------------------------------------------------------------

def cmd_build(args) -> int:
    from .build import build, counts_text

    result = build(project(args), Path(args.out), Path(args.store) if args.store else None, owl=not args.no_owl)
    summary = result.summary
    print(counts_text({g: v["triples"] for g, v in summary["graphs"].items()}, summary["instances_per_class"]))
    print(f"release written to {result.out}/")
    return 0


def cmd_validate(args) -> int:
    from .build import check

    _, report, _ = check(project(args), owl=not args.no_owl)
    print(report.as_text())
    return 0 if report.conforms else 1


def cmd_query(args) -> int:
    from .query import bind, check_read_only, find_query, parse_assignments, prepare, run

    values = parse_assignments(args.param)
    if args.lang:
        values["lang"] = args.lang
    query = find_query(project(args).queries_dir, args.query)
    check_read_only(query)  # refuses SPARQL Update before anything else reads the text
    bindings = bind(query, values)
    prepare(query, bindings, args.allow_service)  # refuses a SERVICE call that --allow-service does not name
    if args.store:
        warn_if_stale(args)
    if args.endpoint:
        from . import remote

        if args.store:
            raise KgtoolError("give --endpoint or --store, not both")
        target = endpoint(args)
        remote.check_union_default_graph(target)
        data, cut = answer(remote.run(target, query, bindings, args.allow_service), args, query)
    else:
        data, cut = in_worker(lambda: answer(run(open_store(args), query, bindings, args.allow_service), args, query),
                              args)
    if cut:
        print(f"kgtool: warning: only the first {args.max_rows} rows are shown (--max-rows); the query matched more",
              file=sys.stderr)
    write_output(data, args.output)
    return 0


def warn_if_stale(args) -> None:
    """One line on stderr when the store at --store is older than the files it was built
    from: a graph's file changed, was added or removed since `build --store` wrote it (its
    manifest has each file's SHA-256; a file is read only if it is newer than the manifest)."""
    import hashlib

    from .sources import SourceError, source_files
    from .store import MANIFEST, read_manifest

    manifest = read_manifest(Path(args.store))
    if manifest is None:
        return
    try:
        files = dict(source_files(project(args)))
    except (SourceError, OSError):  # no project files here: nothing to compare with
        return
    written = (Path(args.store) / MANIFEST).stat().st_mtime
    recorded = manifest["inputs"]
    changed = sorted(set(recorded) ^ set(files)) + [
        name for name, path in files.items() if name in recorded and path.stat().st_mtime > written
        and hashlib.sha256(path.read_bytes()).hexdigest() != recorded[name]]
    if changed:
        from .namespaces import compact

        print(f"kgtool: warning: the store {args.store} is older than the data ({len(changed)} graph(s) changed since "
              f"it was written, e.g. {compact(changed[0])}); `kgtool build --store {args.store}` updates it",
              file=sys.stderr)


def answer(results, args, query) -> tuple[bytes, bool]:
    """The answer in --format, cut at --max-rows, and whether it was cut; the parts of its
    " | "-joined cells sorted."""
    from .query import concatenated_columns, read_answer, write_answer

    kept = read_answer(results, args.max_rows, concatenated_columns(query.text))
    return write_answer(kept, args.format), kept.truncated


def in_worker(function, args):
    """`function()` in a child process that is stopped after --timeout seconds, as
    pyoxigraph cannot cancel a query."""
    from .query.worker import TimeLimit, call

    try:
        return call(function, args.timeout)
    except TimeLimit:
        raise KgtoolError(f"the query did not finish within {args.timeout:g} s (--timeout) and was stopped") from None


def endpoint(args):
    """The remote store that --endpoint and its companion options name."""
    from .remote import Endpoint

    return Endpoint(args.endpoint, getattr(args, "update_endpoint", None), getattr(args, "graph_store", None),
                    args.user, args.password, args.auth, args.timeout, args.max_answer_mb * 2**20, args.retries)


def cmd_load(args) -> int:
    """Load the release, then check that the store's default graph is the union of its
    graphs (after, as only then is a triple of ours known to be there: see
    remote.check_union_default_graph)."""
    from .build import release_store
    from .remote import check_union_default_graph, push
    from .store import triples_per_graph

    store = open_store(args) if args.store else release_store(project(args), owl=not args.no_owl)
    target = endpoint(args)
    loaded = push(store, target, triples_per_graph(store), args.graph_prefix, args.chunk_triples)
    check_union_default_graph(target, loaded)
    return 0


def cmd_link(args) -> int:
    """Candidates for review (default), or the links file of a reviewed file (--accept)."""
    from datetime import date

    from .link import accept, candidates
    from .remote import PublicEndpoint

    today = date.today()
    if args.accept:
        out = Path(args.out) if args.out else project(args).data_dir / "links" / "wikidata-accepted.ttl"
        count = accept(project(args), Path(args.accept), out, today)
        print(f"[link] {count} link(s) written to {out}", file=sys.stderr)
        return 0
    client = PublicEndpoint(args.endpoint, min_interval=args.min_interval, retries=args.retries,
                            backoff=args.backoff, timeout=args.timeout)
    write_output(candidates(project(args), client, args.limit, args.batch, today).encode("utf-8"), args.out)
    return 0


def cmd_queries(args) -> int:
    from .query import catalogue

    for query in catalogue(project(args).queries_dir):
        print(f"{query.name}: {query.title}")
        if "question" in query.header:
            print(f"    {query.header['question']}")
        alternatives = {name: group for group in query.one_of for name in group}
        for p in query.params:
            if p.name in alternatives:
                need = f" (required: this or {' or '.join(n for n in alternatives[p.name] if n != p.name)})"
            else:
                need = f" (default {p.default})" if p.default is not None else " (optional)" if p.optional else " (required)"
            print(f"    --param {p.name}=<{p.type}>{need}  {p.description}")
        for example in query.examples:
            print(f"    example: kgtool query {query.name} " + " ".join(f"--param {n}={v}" for n, v in example.items()))
    return 0


def cmd_export(args) -> int:
    from .export import serialize

    write_output(serialize(open_store(args), args.format), args.output)
    return 0


def cmd_stats(args) -> int:
    from .build import counts_text
    from .store import instances_per_class, triples_per_graph

    store = open_store(args)
    print(counts_text(triples_per_graph(store), instances_per_class(store)))
    return 0


def cmd_docs(args) -> int:
    from .web.docs import write_docs

    written = write_docs(project(args), Path(args.out))
    print(f"[docs] {len(written)} pages written to {args.out}/ (open {written[0]})", file=sys.stderr)
    return 0


SERVE_LIMITS = [  # kgtool serve's options for the fields of Limits (docs/safety.md)
    ("--timeout", "S", float, "seconds a SPARQL query may run before its worker is killed"),
    ("--max-rows", "N", int, "rows a SPARQL answer may hold"),
    ("--workers", "N", int, "queries evaluated at once, each in a process of its own"),
    ("--queue", "N", int, "queries that may wait for a worker before the server says it is busy"),
    ("--queue-wait", "S", float, "seconds a query may wait for a worker"),
    ("--memory-mb", "MIB", int, "memory a query's worker may allocate"),
    ("--max-query-bytes", "N", int, "length of a query in bytes"),
    ("--max-nesting", "N", int, "depth of nested brackets in a query"),
]


def cmd_serve(args) -> int:
    from .web.serve import listening_socket, serve

    chosen = {flag[2:].replace("-", "_") for flag, *_ in SERVE_LIMITS}
    limits = Limits(allowed_services=args.allow_service, **{name: getattr(args, name) for name in chosen})
    sock = listening_socket(args.host, args.port)  # a busy port is told before the data is read
    serve(open_store(args), project(args), sock, limits)
    return 0


# Parser --------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    from .export import EXPORT_FORMATS
    from .query import FORMATS

    main = argparse.ArgumentParser(prog="kgtool", description="Build, validate, query and export the biopolicy knowledge graph.")
    main.add_argument("--version", action=PrintVersion, nargs=0, help="print kgtool's version and exit")
    project_options(main, ".", None)
    # the same options after the command (`kgtool validate --data DIR`); SUPPRESS keeps
    # a value given before the command when none is given after it
    after = argparse.ArgumentParser(add_help=False)
    project_options(after, argparse.SUPPRESS, argparse.SUPPRESS)
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, function, help):
        sub = commands.add_parser(name, help=help, description=help, parents=[after])
        sub.set_defaults(function=function)
        return sub

    def store_option(sub, help="read this persistent store (written by `build --store`) instead of parsing the files"):
        sub.add_argument("--store", metavar="DIR", help=help)

    build = command("build", cmd_build, "parse, derive, validate, load, and write the release files")
    build.add_argument("--out", default="dist", metavar="DIR", help="release directory (default: dist)")
    store_option(build, "also write a persistent store into DIR (replaced whole, only on success)")
    build.add_argument("--no-owl", action="store_true", help="skip the OWL reasoner (faster)")

    validate = command("validate", cmd_validate, "run every check and print the report; exit 1 if it does not conform")
    validate.add_argument("--no-owl", action="store_true", help="skip the OWL reasoner (faster)")

    query = command("query", cmd_query, "run a saved query (by NAME) or a query file (FILE.rq)")
    query.add_argument("query", metavar="NAME|FILE.rq")
    query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind a parameter (repeatable)")
    query.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    query.add_argument("--lang", help="short for --param lang=LANG: en or zh, the languages of the labels")
    query.add_argument("--output", metavar="FILE", help="write here instead of stdout (nothing is written if the query fails)")
    store_option(query)
    remote_options(query)
    query.add_argument("--allow-service", action="append", default=[], metavar="URL",
                       help="let the query call SERVICE <URL> (repeatable); any other SERVICE call is refused")
    query.add_argument("--max-rows", type=int, default=100_000, metavar="N",
                       help="show at most N rows, with a warning when there were more (default: 100000)")

    load = command("load", cmd_load, "load the release into a triple store, each named graph replaced whole, and check the counts")
    remote_options(load, required=True)
    load.add_argument("--update-endpoint", metavar="URL", help="SPARQL Update endpoint (default: the --endpoint URL)")
    load.add_argument("--graph-store", metavar="URL", help="Graph Store Protocol endpoint; without it, graphs go in by SPARQL Update")
    load.add_argument("--graph-prefix", metavar="IRI", help="name the graphs PREFIX + path instead of https://w3id.org/biopolicy/graph/ + path")
    load.add_argument("--chunk-triples", type=int, default=50_000, metavar="N", help="triples per request (default: 50000)")
    store_option(load, "load this persistent store (written by `build --store`) instead of building the release")
    load.add_argument("--no-owl", action="store_true", help="skip the OWL reasoner when building (faster)")

    command("queries", cmd_queries, "list the saved queries with their titles and parameters")

    link_options(command("link", cmd_link, "propose Wikidata links for review, or write the links a reviewer accepted"))

    export = command("export", cmd_export, "write the dataset in a release format to stdout or --output")
    export.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    store_option(export)

    stats = command("stats", cmd_stats, "triples per named graph and instances per class")
    store_option(stats)

    docs = command("docs", cmd_docs, "write HTML documentation of the ontology and the concept schemes")
    docs.add_argument("--out", default="dist/docs", metavar="DIR", help="output directory (default: dist/docs)")

    serve = command("serve", cmd_serve, "serve web pages and a read-only SPARQL endpoint at /sparql")
    store_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    for flag, meta, kind, what in SERVE_LIMITS:
        default = getattr(Limits, flag[2:].replace("-", "_"))
        serve.add_argument(flag, type=kind, default=default, metavar=meta, help=f"{what} (default: {default:g})")
    serve.add_argument("--allow-service", action="append", default=[], metavar="URL",
                       help="let SPARQL queries call SERVICE <URL> (repeatable); any other SERVICE call is refused")
    return main


class PrintVersion(argparse.Action):
    """`--version`: the installed package's version, read from its metadata only when asked
    (so that other commands do not pay for it)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"kgtool {version('kgtool')}")
        except PackageNotFoundError:
            print("kgtool (not installed: no package metadata)")
        parser.exit()


def project_options(parser: argparse.ArgumentParser, root, data) -> None:
    parser.add_argument("--root", default=root, help="project directory (holds ontology/, shapes/, data/, queries/); default: .")
    parser.add_argument("--data", default=data, help="data directory to use instead of ROOT/data")


def remote_options(sub, required: bool = False) -> None:
    sub.add_argument("--endpoint", metavar="URL", required=required, help="SPARQL query endpoint of a remote store (its default graph must be the union of all graphs)")
    sub.add_argument("--user", help="user name for HTTP authentication")
    sub.add_argument("--password", default=os.environ.get("KGTOOL_PASSWORD"), help="password (default: $KGTOOL_PASSWORD)")
    sub.add_argument("--auth", choices=("digest", "basic"), default="digest", help="HTTP authentication scheme (default: digest)")
    sub.add_argument("--timeout", type=float, default=300, metavar="S",
                     help="seconds a request and its whole answer may take (default: 300)")
    sub.add_argument("--max-answer-mb", type=int, default=1024, metavar="MIB",
                     help="longest answer accepted from the store, in MiB (default: 1024)")
    sub.add_argument("--retries", type=int, default=4, metavar="N", help="retries after a transient failure, with backoff (default: 4)")


def link_options(link) -> None:
    from .link import DEFAULT_ENDPOINT

    link.add_argument("target", choices=("wikidata",), help="the dataset to link to")
    link.add_argument("--endpoint", default=DEFAULT_ENDPOINT, metavar="URL", help=f"SPARQL endpoint with Wikidata's shape (default: {DEFAULT_ENDPOINT})")
    link.add_argument("--limit", type=int, metavar="N", help="look up only the first N unlinked entities")
    link.add_argument("--batch", type=int, default=10, metavar="N", help="entities per request (default: 10)")
    link.add_argument("--min-interval", type=float, default=1.0, metavar="S", help="seconds between requests (default: 1)")
    link.add_argument("--retries", type=int, default=3, metavar="N", help="retries after 429, 5xx or a timeout, with backoff (default: 3)")
    link.add_argument("--backoff", type=float, default=2.0, metavar="S", help="seconds before the first retry; doubles each time (default: 2)")
    link.add_argument("--timeout", type=int, default=60, metavar="S", help="seconds to wait for each answer (default: 60)")
    link.add_argument("--accept", metavar="REVIEW.tsv", help="write owl:sameAs links for the rows marked yes in this reviewed file")
    link.add_argument("--out", metavar="FILE", help="the review file (default: stdout); with --accept the links file "
                                                   "(default: DATA/links/wikidata-accepted.ttl, never overwritten)")


def user_errors() -> tuple[type[Exception], ...]:
    """The exception types that mean the user (or the data) must change something: the root
    of kgtool's own (kgtool.errors) and OSError (a file that cannot be read or written)."""
    return (KgtoolError, OSError)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.function(args)
    except BrokenPipeError:
        return 0
    except Exception as error:
        if not isinstance(error, user_errors()):
            raise
        if hasattr(error, "report"):  # BuildFailed: what failed, then the one-line error
            print(error.report.as_text(), file=sys.stderr)
        for line in str(error).splitlines():
            print(f"kgtool: error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
