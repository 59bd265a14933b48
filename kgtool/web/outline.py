"""A document's parts as a tree in reading order, for its page.

Parts hang under their direct whole (dcterms:isPartOf); siblings are ordered by their
number as people read it: "2" before "10", "10(b)" before "10(b)(i)", "1.2A" before "1.10A"
(digits compare as numbers, the rest as text); parts without a number come last, by name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CHUNK = re.compile(r"\d+|\D+")


def number_key(number: str | None) -> tuple:
    if number is None:
        return (1,)
    return (0, *[(0, int(c), "") if c.isdigit() else (1, 0, c) for c in CHUNK.findall(number)])


@dataclass
class Part:
    iri: str
    number: str | None = None
    types: list[str] = field(default_factory=list)
    parent: str | None = None
    stated_by: str | None = None  # the source document whose graph places it here
    label: str = ""
    facts: dict[str, list] = field(default_factory=dict)  # kind of fact -> values, for the page
    children: list["Part"] = field(default_factory=list)


def tree(parts: dict[str, Part]) -> list[Part]:
    """The top parts (those whose whole is not itself a part), each with its children, all
    in reading order."""
    top = []
    for part in parts.values():
        (parts[part.parent].children if part.parent in parts else top).append(part)
    def order(siblings: list[Part]) -> list[Part]:
        siblings.sort(key=lambda p: (number_key(p.number), p.label, p.iri))
        for p in siblings:
            order(p.children)
        return siblings
    return order(top)
