"""The examples in README.md and docs/ are what their commands print now, and
docs/queries.md is what the saved queries' headers give: each marked command is run again
(scripts/regen_docs.py says how) and compared with its block. A change to the data or the
code that changes an example fails here until `python scripts/regen_docs.py` is run."""

from __future__ import annotations

import shutil
import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import regen_docs as regen  # noqa: E402

AGAIN = f"run `{regen.REGENERATE}` to regenerate the examples and docs/queries.md"
EXAMPLES = [(path, line, example, body) for path in regen.documents() if path.exists()
            for line, example, body in regen.blocks(path.read_text(encoding="utf-8"), str(path))]


def test_the_documents_have_examples():
    where = {path.relative_to(REPO).as_posix() for path, *_ in EXAMPLES}
    assert {"README.md", "docs/commands.md", "docs/queries.md"} <= where


@pytest.mark.parametrize("path, line, example, body", EXAMPLES,
                         ids=[f"{p.relative_to(REPO)}:{n}" for p, n, *_ in EXAMPLES])
def test_an_example_shows_what_its_command_prints(path, line, example, body, request):
    if example.needs_java():
        request.getfixturevalue("java")
    now = regen.shown(example, regen.run(example))
    assert body == now, f"{path.relative_to(REPO)}:{line}: `{example.command}` now prints otherwise; {AGAIN}"


def test_queries_md_is_generated_from_the_headers():
    """Its text around the examples (which the test above checks) is the catalogue's."""
    path = REPO / regen.QUERIES_MD
    assert regen.blank(path.read_text(encoding="utf-8")) == regen.queries_markdown(), f"docs/queries.md is out of date; {AGAIN}"


def test_every_saved_query_has_a_section_in_queries_md():
    text = (REPO / regen.QUERIES_MD).read_text(encoding="utf-8")
    names = sorted(p.stem for p in (REPO / "queries").glob("*.rq"))
    assert len(names) > 20 and [n for n in names if f"\n## {n}\n" not in text] == []


def test_an_example_edited_by_hand_is_found(tmp_path):
    """The check is real: a copy of the README with one output line changed differs, the
    unchanged copy does not."""
    copy = tmp_path / "README.md"
    shutil.copy(REPO / "README.md", copy)
    assert regen.differences([copy]) == {}
    text = copy.read_text(encoding="utf-8")
    [(_, example, body)] = [b for b in regen.blocks(text, str(copy)) if "kgtool stats" in b[1].command]
    edited = body.replace(" triples in ", " triples (edited) in ", 1)
    assert edited != body
    copy.write_text(text.replace(body, edited, 1), encoding="utf-8")
    found = regen.differences([copy])
    assert list(found) == [copy] and found[copy] == text  # regenerating puts it back


def test_shown_cuts_lines_and_width_and_hides_timings():
    example = regen.Example("kgtool stats", lines=2, width=12)
    output = "[parse] done in 0.24 s\nabcdefghijklmnop  \nthird\nfourth\n"
    assert regen.shown(example, output) == "$ kgtool stats\n[parse] don…\nabcdefghijk…\n… (2 more lines)\n"
    assert regen.shown(regen.Example("kgtool stats"), "done in 12.5 s\n") == "$ kgtool stats\ndone in … s\n"


def test_a_marker_must_name_a_kgtool_command():
    with pytest.raises(SystemExit, match="needs `\\[lines=N\\] \\[width=N\\] kgtool"):
        regen.Example.parse("lines=3 rm -rf /", "x.md")
    assert regen.Example.parse("lines=3 width=80 kgtool queries", "x.md") == regen.Example("kgtool queries", 3, 80)
