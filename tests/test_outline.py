"""kgtool/web/outline.py: a document's parts as a tree in the order people read them:
numbers compare digit by digit as numbers, the rest as text, unnumbered parts last."""

from __future__ import annotations

import random

from kgtool.web.outline import Part, number_key, tree


def test_numbers_are_in_reading_order():
    reading = ["1.2A", "1.10A", "2", "2A", "10", "10(b)", "10(b)(i)", "10(b)(ii)", "10(c)", None]
    shuffled = reading[:]
    random.Random(14081).shuffle(shuffled)
    assert sorted(shuffled, key=number_key) == reading


def test_parts_hang_under_their_whole_and_unnumbered_parts_come_last_by_name():
    parts = {iri: Part(iri, number, parent=parent, label=label) for iri, number, parent, label in [
        ("s10", "10", "doc", "Section 10"),
        ("s2", "2", "doc", "Section 2"),
        ("annex", None, "doc", "Annex"),
        ("preamble", None, "doc", "A preamble"),
        ("s10b", "10(b)", "s10", "Section 10(b)"),
        ("s10a", "10(a)", "s10", "Section 10(a)"),
        ("s10bi", "10(b)(i)", "s10b", "Section 10(b)(i)"),
    ]}
    top = tree(parts)
    assert [p.iri for p in top] == ["s2", "s10", "preamble", "annex"]  # "doc" is not a part: these are the top
    assert [p.iri for p in top[1].children] == ["s10a", "s10b"]
    assert [p.iri for p in top[1].children[1].children] == ["s10bi"] and top[0].children == []
