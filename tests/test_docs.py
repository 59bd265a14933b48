"""The documents: every relative link in README.md and docs/ reaches a file and a heading,
and the README is a front page. (`kgtool docs`, kgtool/web/docs.py, is tested in
tests/test_web_docs.py.)"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO


# Links between the documents ---------------------------------------------------------------

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def markdown_files() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def prose(path: Path) -> str:
    """The file without its fenced code blocks, where a `#` or a `[x](y)` is code."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the file's headings: lower case, punctuation dropped
    (letters, digits, `_` and `-` kept), spaces as `-`."""
    headings = re.findall(r"^#{1,6} (.+)$", prose(path), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_relative_link_reaches_a_file_and_heading():
    checked, broken = 0, []
    for path in markdown_files():
        for target in LINK.findall(prose(path)):
            if re.match(r"[a-z]+:", target):  # https:, mailto:: not ours to check
                continue
            name, _, anchor = target.partition("#")
            linked = (path.parent / name).resolve() if name else path
            checked += 1
            if not linked.exists():
                broken.append(f"{path.relative_to(REPO)}: {target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{path.relative_to(REPO)}: {target}: no such heading")
    assert checked > 50 and broken == []


def test_the_link_check_sees_a_broken_anchor():
    assert "lifecycle-what-became-of-a-document" in anchors(REPO / "docs" / "modelling.md")
    assert "release-files-dist" in anchors(REPO / "docs" / "conventions.md")
    # modelling.md's Turtle example has a comment `# data/sources/...`: code, not a heading
    assert not [a for a in anchors(REPO / "docs" / "modelling.md") if a.startswith("datasources")]


def test_the_readme_is_a_front_page_with_the_test_command_ci_runs():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert 150 <= len(text.splitlines()) <= 250
    assert "&& .venv/bin/python -m pytest -q\n" in text  # .ci/run runs what the README states
