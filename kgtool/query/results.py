"""Answers, one path for the CLI, the endpoint and the pages: read at most so many rows
(the concatenated columns' parts sorted) into an `Answer`, then written as a table for a
terminal or in a SPARQL results format; CONSTRUCT and DESCRIBE as Turtle."""

from __future__ import annotations

import re
import time
import unicodedata
from functools import lru_cache

import pyoxigraph as ox

from ..export import turtle
from ..store import term_text
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


@lru_cache(maxsize=128)
def concatenated_columns(text: str) -> frozenset[str]:
    """The columns that a query makes with `GROUP_CONCAT(...; separator=" | ")`, read from
    its text (comments skipped). Only these are sorted by `sorted_parts`: a plain literal
    may hold " | " (a title in data/ does), and the header needs no line for it."""
    code = "".join(m.group() for m in TOKEN.finditer(text) if m.lastgroup != "comment")
    return frozenset(CONCATENATION.findall(code))


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


class Row:
    """One solution, as pyoxigraph's QuerySolution reads it (`row["var"]`, None when
    unbound), but made of plain terms so that it can come back from a worker process."""

    __slots__ = ("names", "terms")

    def __init__(self, names: dict[str, int], terms: tuple):
        self.names, self.terms = names, terms

    def __getitem__(self, key):
        index = key if isinstance(key, int) else self.names.get(key.value if isinstance(key, ox.Variable) else key)
        return None if index is None else self.terms[index]

    def __iter__(self):
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def __reduce__(self):
        return Row, (self.names, self.terms)


class Answer:
    """An answer as read by `read_answer`: a boolean (ASK), solutions (SELECT) or triples
    (CONSTRUCT, DESCRIBE), and whether rows were left out at the cap. `read_answer` keeps
    solutions as the SPARQL TSV that pyoxigraph wrote (`tsv`: bytes, cheap to send back
    from a worker) and reads them into Rows only when `rows` is asked for (a table, a
    page); while no one has set `rows`, `write_answer` writes every results format from
    that TSV, with no Python work per row."""

    def __init__(self, boolean: bool | None = None, variables: list[str] | None = None, rows: list | None = None,
                 graph: bool = False, truncated: bool = False, tsv: bytes | None = None):
        self.boolean, self.variables, self.graph, self.truncated = boolean, variables or [], graph, truncated
        self.tsv, self.kept = tsv, rows

    @property
    def rows(self) -> list:
        """Rows or triples."""
        if self.kept is None:
            names = {name: i for i, name in enumerate(self.variables)}
            solutions = ox.parse_query_results(self.tsv, format=ox.QueryResultsFormat.TSV) if self.tsv else []
            self.kept = [Row(names, tuple(solution)) for solution in solutions]
        return self.kept

    @rows.setter
    def rows(self, rows: list) -> None:
        self.kept, self.tsv = rows, None


class Enough(Exception):
    """Raised into pyoxigraph's serializer by FirstLines once it has all it keeps."""


class FirstLines:
    """A binary file for pyoxigraph's serializer that keeps the first `count` lines written
    to it, stops the writing at the first byte past them (noting in `cut` that there was
    more), and raises TimeoutError past `deadline` (pyoxigraph evaluates as it writes, a
    few kilobytes at a time)."""

    def __init__(self, count: int, deadline: float | None):
        self.left, self.deadline, self.parts, self.cut = count, deadline, [], False

    def write(self, data) -> int:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeoutError
        data = bytes(data)
        lines = data.count(b"\n")
        if lines < self.left:
            self.left -= lines
            self.parts.append(data)
            return len(data)
        end = -1
        for _ in range(self.left):  # to the newline that ends the last line kept
            end = data.index(b"\n", end + 1)
        self.left = 0
        self.parts.append(data[:end + 1])
        if end + 1 < len(data):
            self.cut = True
            raise Enough
        return len(data)

    def flush(self) -> None:
        pass


def read_answer(results, max_rows: int, concatenated: set[str] = frozenset(),
                deadline: float | None = None) -> Answer:
    """The one way an answer is read, for the CLI, the endpoint and the pages: at most
    `max_rows` rows (one more is read, to know that there were more; no more, so a huge
    answer is never held), the parts of the `concatenated` columns sorted (`sorted_parts`),
    as plain terms or bytes that a worker process can send back. Past `deadline` (a
    time.monotonic() value) it raises TimeoutError. Solutions are written by pyoxigraph as
    SPARQL TSV (one line each: terms in N-Triples syntax, which escapes tabs and line
    breaks); only the cells of the concatenated columns are rewritten here, line by line."""
    if isinstance(results, ox.QueryBoolean):
        return Answer(boolean=bool(results))
    if isinstance(results, ox.QueryTriples):
        answer = Answer(graph=True, rows=[])
        for triple in results:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError
            if len(answer.rows) == max_rows:
                answer.truncated = True
                break
            answer.rows.append(triple)
        return answer
    first = FirstLines(max_rows + 1, deadline)  # the header line, then one line a solution
    try:
        results.serialize(first, format=ox.QueryResultsFormat.TSV)
    except Enough:
        pass
    tsv = b"".join(first.parts)
    variables = [v.value for v in results.variables]
    columns = [i for i, name in enumerate(variables) if name in concatenated]
    if columns:
        lines = tsv.split(b"\n")
        for n, solution in enumerate(ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV), start=1):
            cells = lines[n].split(b"\t")
            for i in columns:
                cells[i] = tsv_term(sorted_parts(solution[i])).encode()
            lines[n] = b"\t".join(cells)
        tsv = b"\n".join(lines)
    return Answer(variables=variables, truncated=first.cut, tsv=tsv)


def tsv_term(term) -> str:
    """A term as SPARQL TSV writes it: N-Triples syntax, a triple term (SPARQL-star's
    TRIPLE()) as `<<( s p o )>>`, nothing for an unbound cell."""
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return f"<<( {tsv_term(term.subject)} {tsv_term(term.predicate)} {tsv_term(term.object)} )>>"
    return str(term)


def write_answer(answer: Answer, fmt: str) -> bytes:
    """The one way an answer is written: `table` for a terminal, or a SPARQL results format
    (FORMATS) written by pyoxigraph from the kept solutions in SPARQL TSV (read_answer's, or
    made from `rows` when they were set; its terms are in N-Triples syntax, so nothing is
    lost); triples as Turtle (export.turtle)."""
    if answer.graph:
        return turtle(answer.rows)
    if fmt == "table":
        if answer.boolean is not None:
            return f"{'true' if answer.boolean else 'false'}\n".encode()
        rows = [[term_text(term) for term in row] for row in answer.rows]
        return table(answer.variables, rows).encode("utf-8")
    if answer.boolean is not None:
        tsv = b"true" if answer.boolean else b"false"
    elif answer.tsv is not None:
        tsv = answer.tsv
    else:
        lines = ["\t".join(f"?{name}" for name in answer.variables)]
        lines += ["\t".join(tsv_term(term) for term in row) for row in answer.rows]
        tsv = ("\n".join(lines) + "\n").encode()
    data = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=RESULT_FORMATS[fmt])
    return data if data.endswith(b"\n") else data + b"\n"


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
