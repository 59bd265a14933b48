"""Regenerate the example outputs in README.md and docs/, and docs/queries.md from the `#+`
headers of queries/*.rq, so that what the documents show is what kgtool prints.

An example is a marker line followed by a fenced block:

    <!-- example: [lines=N] [width=N] kgtool ARGS... -->
    ```
    $ kgtool ARGS...
    what the command prints
    ```

Each marked command runs in the project root, as a user would run it there (`python -m
kgtool.cli ARGS`: the real data, the embedded store), with stdout and stderr together as a
terminal shows them. The block then holds `$ COMMAND` and that output, with every timing
(`done in 0.24 s`) written `… s`, trailing blanks removed, each line cut to `width`
characters (ending in `…`) and the whole to its first `lines` lines (then `… (M more
lines)`). A command whose output depends on the day gives the day (`--param date=...`).

docs/queries.md is written whole from the catalogue (kgtool.query.catalogue), with one
example per query, and is never edited by hand. tests/test_docs_examples.py reruns every
example and compares; when data or code change what an example prints, it fails until
this script is run again.

    python scripts/regen_docs.py    rewrite the blocks and docs/queries.md, name the files changed
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this project's kgtool, also when another is installed

from kgtool.query import catalogue  # noqa: E402  (the one reader of the `#+` headers)
QUERIES_MD = Path("docs") / "queries.md"
REGENERATE = "python scripts/regen_docs.py"

# A marker, its fence, and the block's body (possibly empty) up to the closing fence.
BLOCK = re.compile(r"^<!-- example: (?P<marker>.+?) -->\n(?P<fence>```[^\n]*)\n(?P<body>.*?)^```$", re.M | re.S)
TIMING = re.compile(r"\b\d+\.\d+ s\b")

# The example of each saved query in docs/queries.md: the arguments after `kgtool query
# NAME` (a fixed date where the answer depends on the day). None: no example, as the query
# needs the network.
QUERY_EXAMPLES = {
    "deadline-timeline": "--lang zh",
    "document-status": "--param date=2026-12-01",
    "law-version-diff": "--param work=bp:document/cn-biosecurity-law",
    "money": "--lang zh",
    "provenance": "--param name=国防部 --lang zh",
    "search-labels": "--param text=WuXi",
    "what-became-of": "--param item=bp:measure/nsceb-final-report/rec-1-1a",
    "wikidata-enrichment": None,
}
QUERY_EXAMPLE_OPTIONS = "lines=4 width=120"


@dataclass(frozen=True)
class Example:
    command: str            # `kgtool ...` as shown
    lines: int | None = None
    width: int | None = None

    @classmethod
    def parse(cls, marker: str, where: str) -> "Example":
        """`[lines=N] [width=N] kgtool ARGS...`"""
        options = {}
        words = marker.split()
        while words and re.fullmatch(r"(lines|width)=\d+", words[0]):
            key, _, value = words.pop(0).partition("=")
            options[key] = int(value)
        if not words or words[0] != "kgtool":
            raise SystemExit(f"regen_docs: {where}: an example marker needs `[lines=N] [width=N] kgtool ...`, got {marker!r}")
        return cls(" ".join(words), **options)

    def needs_java(self) -> bool:
        """`build`, `validate` and `load` run the OWL reasoner (HermiT, in Java) unless --no-owl."""
        words = shlex.split(self.command)
        return any(w in ("build", "validate", "load") for w in words) and "--no-owl" not in words


def run(example: Example) -> str:
    """What the command prints, stdout and stderr in the order written."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", COLUMNS="100")
    args = shlex.split(example.command)[1:]
    done = subprocess.run([sys.executable, "-m", "kgtool.cli", *args], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    output = done.stdout.decode("utf-8")
    if "Traceback (most recent call last)" in output:
        raise SystemExit(f"regen_docs: `{example.command}` crashed:\n{output}")
    return output


def shown(example: Example, output: str) -> str:
    """The block's body: the command, then its output as the documents show it."""
    lines = [TIMING.sub("… s", line).rstrip() for line in output.splitlines()]
    if example.width:
        lines = [line if len(line) <= example.width else line[:example.width - 1] + "…" for line in lines]
    if example.lines and len(lines) > example.lines:
        lines = lines[:example.lines] + [f"… ({len(lines) - example.lines} more lines)"]
    return "\n".join([f"$ {example.command}", *lines]) + "\n"


def blocks(text: str, where: str) -> list[tuple[int, Example, str]]:
    """Every example in a document: its line number, the example, the body it has now."""
    return [(text.count("\n", 0, m.start()) + 1, Example.parse(m["marker"], where), m["body"])
            for m in BLOCK.finditer(text)]


def fill(text: str, where: str) -> str:
    """The document with every example block holding what its command prints now."""
    def body(match: re.Match) -> str:
        example = Example.parse(match["marker"], where)
        return f"<!-- example: {match['marker']} -->\n{match['fence']}\n{shown(example, run(example))}```"
    return BLOCK.sub(body, text)


def blank(text: str) -> str:
    """The document with every example block emptied: what docs/queries.md is before filling."""
    return BLOCK.sub(lambda m: f"<!-- example: {m['marker']} -->\n{m['fence']}\n```", text)


def documents() -> list[Path]:
    """The files that hold examples: README.md, every Markdown file under docs/, and
    docs/queries.md even before it is first written."""
    found = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return found if ROOT / QUERIES_MD in found else [*found, ROOT / QUERIES_MD]


# docs/queries.md ------------------------------------------------------------------------

def cell(text: str | None) -> str:
    """Text for a Markdown table cell (a `|` would end the cell)."""
    return (text or "").replace("|", "\\|")


def query_section(query) -> list[str]:
    zh = f" ({query.header['title_zh']})" if "title_zh" in query.header else ""
    lines = [f"## {query.name}", "", f"**{query.title}**{zh}", ""]
    if "question" in query.header:
        lines += [query.header["question"], ""]
    if "question_zh" in query.header:
        lines += [query.header["question_zh"], ""]
    if query.params:
        lines += ["| parameter | type | default | description |", "| --- | --- | --- | --- |"]
        for p in query.params:
            kind = f"`{p.type}` of class `{p.cls}`" if p.cls else f"`{p.type}`"
            default = f"`{p.default}`" if p.default is not None else ("optional" if p.optional else "required")
            lines.append(f"| `{p.name}` | {kind} | {default} | {cell(p.description)} |")
        lines.append("")
    if query.columns:
        lines += ["| column | title | 标题 |", "| --- | --- | --- |"]
        for name, titles in query.columns.items():
            lines.append(f"| `{name}` | {cell(titles.get('en'))} | {cell(titles.get('zh'))} |")
        lines.append("")
    if query.hidden:
        links = ", ".join(f"`{name}` (links `{query.linked_column(name)}`)" for name in query.hidden)
        lines += [f"Hidden IRI columns, shown as links on the pages: {links}.", ""]
    for column, codes in query.values.items():
        words = "; ".join(f"`{code}` = {titles['en']} / {titles['zh']}" for code, titles in codes.items())
        lines += [f"Codes in `{column}`: {words}.", ""]
    arguments = QUERY_EXAMPLES.get(query.name, "")
    if arguments is None:
        lines += ["No example here: the query asks a public endpoint over the network (docs/commands.md, `link`).", ""]
    else:
        command = " ".join(["kgtool query", query.name, arguments, "--format csv"]).replace("  ", " ")
        lines += [f"<!-- example: {QUERY_EXAMPLE_OPTIONS} {command} -->", "```", "```", ""]
    return lines


def queries_markdown() -> str:
    """docs/queries.md with empty example blocks, from the headers of the saved queries."""
    queries = catalogue(ROOT / "queries")
    lines = [
        "# Saved queries",
        "",
        f"<!-- Generated by scripts/regen_docs.py from the `#+` headers of queries/*.rq. Do not edit: change a header and run `{REGENERATE}`. -->",
        "",
        "Each saved query in `queries/` answers one question. `kgtool queries` lists them, `kgtool query NAME`",
        "runs one ([commands.md](commands.md#query)); the web pages show each as a form (`kgtool serve`,",
        "[pages.md](pages.md)). Every query takes `--lang en|zh` (labels in that language, the other as",
        "fallback) and `--format table|csv|tsv|json|xml`. The header of a query file is described in",
        "[conventions.md](conventions.md#saved-queries).",
        "",
        "Each example below is a real run on the data of this repository, in CSV, cut to its first rows",
        "and to 120 characters a line (`…`).",
        "",
        "| query | question |",
        "| --- | --- |",
    ]
    lines += [f"| [{q.name}](#{q.name}) | {cell(q.header.get('question', q.title))} |" for q in queries]
    lines.append("")
    for query in queries:
        lines += query_section(query)
    return "\n".join(lines).rstrip("\n") + "\n"


def expected(path: Path) -> str:
    """What a document should hold: docs/queries.md from the headers, any other as it is;
    then every example filled."""
    text = queries_markdown() if path == ROOT / QUERIES_MD else path.read_text(encoding="utf-8")
    return fill(text, str(path))


def differences(paths: list[Path]) -> dict[Path, str]:
    """The documents whose text differs from what they should hold, with that text."""
    wanted = {path: expected(path) for path in paths}
    return {p: text for p, text in wanted.items() if not p.exists() or p.read_text(encoding="utf-8") != text}


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    changed = differences(documents())  # every command runs before any file is written
    for path, text in changed.items():
        new = path.with_name(f".{path.name}.new")
        new.write_text(text, encoding="utf-8")
        new.replace(path)  # each file whole or not at all
        print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
