"""kgtool/limits.py: what one SPARQL query may take on `kgtool serve`. The defaults are
those docs/safety.md states, read from its table, and every limit is in that table."""

from __future__ import annotations

import dataclasses
import re

from kgtool.limits import Limits

from conftest import REPO


def safety_table() -> dict[str, float]:
    """Limit field -> default, from the rows of docs/safety.md's table of `kgtool serve`'s
    limits (`| what | default | option | past it |`), by the option's name."""
    text = (REPO / "docs" / "safety.md").read_text(encoding="utf-8")
    section = text.split("## The SPARQL endpoint and the pages", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        option = re.fullmatch(r"`--([a-z-]+) [A-Z]+`", cells[2]) if len(cells) == 4 else None
        if option:
            found[option[1].replace("-", "_")] = float(re.match(r"[\d,]+", cells[1])[0].replace(",", ""))
    return found


def test_the_defaults_are_those_docs_safety_md_states():
    stated = safety_table()
    assert len(stated) == 8, stated
    limits = Limits()
    assert {name: getattr(limits, name) for name in stated} == stated


def test_every_limit_but_the_allowed_services_is_in_the_table():
    fields = {f.name for f in dataclasses.fields(Limits)}
    assert fields - set(safety_table()) == {"allowed_services"}


def test_no_service_is_allowed_unless_given_and_the_lists_are_not_shared():
    first, second = Limits(), Limits()
    first.allowed_services.append("http://a.example/sparql")
    assert second.allowed_services == [] and Limits().allowed_services == []
