"""The `kgtool` command line: argparse and nothing else. Each command calls the modules;
heavy imports happen inside the commands so that a cold `kgtool query --store` starts fast."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("table", "csv", "tsv", "json", "xml")
EXPORT_FORMATS = ("nquads", "trig", "turtle", "jsonld")


class UserError(Exception):
    """Reported as one line `kgtool: error: ...`, exit 2 (no traceback)."""


def project(args):
    from .namespaces import Project

    return Project.at(args.root, args.data)


def open_store(args):
    """The persistent store given by --store, or an in-memory one built from the files."""
    from . import store

    if args.store:
        return store.open_existing(Path(args.store))
    from .derive import add_derived_graph
    from .sources import load_sources

    sources = load_sources(project(args))
    add_derived_graph(sources)
    return store.load(sources)


def write_output(data: bytes, output: str | None) -> None:
    if output:
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


# Commands ------------------------------------------------------------------------------

def cmd_build(args) -> int:
    from .build import BuildFailed, build, counts_text

    try:
        result = build(project(args), Path(args.out), Path(args.store) if args.store else None, owl=not args.no_owl)
    except BuildFailed as failure:
        print(failure.report.as_text(), file=sys.stderr)
        raise UserError(str(failure)) from None
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
    from .queries import bind, find_query, format_results, parse_assignments, run

    values = parse_assignments(args.param)
    if args.lang:
        values["lang"] = args.lang
    query = find_query(project(args).queries_dir, args.query)
    bindings = bind(query, values)
    write_output(format_results(run(open_store(args), query, bindings), args.format), None)
    return 0


def cmd_queries(args) -> int:
    from .queries import catalogue

    for query in catalogue(project(args).queries_dir):
        print(f"{query.name}: {query.title}")
        if "question" in query.header:
            print(f"    {query.header['question']}")
        for p in query.params:
            default = f" (default {p.default})" if p.default is not None else ""
            print(f"    --param {p.name}=<{p.type}>{default}  {p.description}")
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


# Parser --------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="kgtool", description="Build, validate, query and export the biopolicy knowledge graph.")
    main.add_argument("--root", default=".", help="project directory (holds ontology/, shapes/, data/, queries/); default: .")
    main.add_argument("--data", help="data directory to use instead of ROOT/data")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, function, help):
        sub = commands.add_parser(name, help=help, description=help)
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
    query.add_argument("--lang", help="short for --param lang=LANG (e.g. en, zh)")
    store_option(query)

    command("queries", cmd_queries, "list the saved queries with their titles and parameters")

    export = command("export", cmd_export, "write the dataset in a release format to stdout or --output")
    export.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    store_option(export)

    stats = command("stats", cmd_stats, "triples per named graph and instances per class")
    store_option(stats)
    return main


def user_errors() -> tuple[type[Exception], ...]:
    """The exception types that mean the user (or the data) must change something."""
    from .queries import QueryError
    from .sources import SourceError
    from .store import StoreError
    from .validate import ValidationError

    return (UserError, QueryError, SourceError, StoreError, ValidationError, OSError)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.function(args)
    except BrokenPipeError:
        return 0
    except Exception as error:
        if not isinstance(error, user_errors()):
            raise
        for line in str(error).splitlines():
            print(f"kgtool: error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
