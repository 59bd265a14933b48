"""Answers: at most so many rows (the concatenated columns' parts sorted), then written as a
table for a terminal or in a SPARQL results format; CONSTRUCT and DESCRIBE as Turtle."""

from __future__ import annotations

import itertools
import re
import unicodedata

import pyoxigraph as ox

from ..export import turtle
from ..namespaces import compact
from .text import TOKEN

FORMATS = ("table", "csv", "tsv", "json", "xml")
RESULT_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}

# A `GROUP_CONCAT(...; separator=" | ")` and the column it makes (the next `AS ?name`).
CONCATENATION = re.compile(r'GROUP_CONCAT\s*\([^;]*;\s*separator\s*=\s*" \| "\s*\).*?\bAS\s+\?(\w+)', re.I | re.S)


def concatenated_columns(text: str) -> set[str]:
    """The columns that a query makes with `GROUP_CONCAT(...; separator=" | ")`, read from
    its text (comments skipped). Only these are sorted by `sorted_parts`: a plain literal
    may hold " | " (a title in data/ does), and the header needs no line for it."""
    code = "".join(m.group() for m in TOKEN.finditer(text) if m.lastgroup != "comment")
    return set(CONCATENATION.findall(code))


def sorted_parts(term):
    """A " | "-joined cell with its parts in code-point order, as a plain string; unbound
    when it has no parts. SPARQL's GROUP_CONCAT leaves the order of the parts to the engine,
    and its language tag and the value of an empty group too (Oxigraph keeps the tag the
    parts share and leaves an empty group unbound, Virtuoso drops the tag and writes ""), so
    they are fixed here and every store gives the same cell. A part that itself holds " | "
    is split too."""
    if not isinstance(term, ox.Literal):
        return term
    return ox.Literal(" | ".join(sorted(term.value.split(" | ")))) if term.value else None


def in_order(names: list[str], terms, concatenated: set[str]) -> list:
    """A row's terms, those of the concatenated columns with their parts sorted."""
    return [sorted_parts(term) if name in concatenated else term for name, term in zip(names, terms)]


def capped(results, max_rows: int, concatenated: set[str] = frozenset()):
    """At most `max_rows` solutions (or triples) of an answer, and whether it had more;
    only that many are ever read, so a huge answer is not held in memory. The kept
    solutions are written as SPARQL TSV (terms in N-Triples syntax, which escapes tabs and
    newlines) and read back, so every output format still comes from pyoxigraph; the
    parts of the `concatenated` columns are sorted on the way (`sorted_parts`)."""
    if isinstance(results, ox.QueryBoolean):
        return results, False
    kept = list(itertools.islice(results, max_rows + 1))
    cut = len(kept) > max_rows
    if isinstance(results, ox.QueryTriples):
        return kept[:max_rows], cut
    names = [v.value for v in results.variables]
    lines = ["\t".join(f"?{n}" for n in names)]
    lines += ["\t".join("" if term is None else str(term) for term in in_order(names, row, concatenated))
              for row in kept[:max_rows]]
    return ox.parse_query_results("\n".join(lines) + "\n", format=ox.QueryResultsFormat.TSV), cut


def display(term) -> str:
    """A cell of the table: IRIs compacted, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def width(text: str) -> int:
    """Columns the text takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def table(header: list[str], rows: list[list[str]]) -> str:
    rows = [[cell.replace("\n", " ") for cell in row] for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = ["  ".join(pad(h, w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(pad(c, w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def format_results(results, fmt: str) -> bytes:
    """SELECT/ASK answers as a table or in a SPARQL results format; CONSTRUCT and DESCRIBE
    as Turtle (export.turtle)."""
    if isinstance(results, (ox.QueryTriples, list)):  # a list: triples that `capped` kept
        return turtle(results)
    if fmt != "table":
        data = results.serialize(format=RESULT_FORMATS[fmt])
        return data if data.endswith(b"\n") else data + b"\n"
    if isinstance(results, ox.QueryBoolean):
        return f"{'true' if results else 'false'}\n".encode()
    header = [v.value for v in results.variables]
    rows = [[display(solution[name]) for name in header] for solution in results]
    return table(header, rows).encode("utf-8")
