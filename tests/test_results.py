"""kgtool/query/results.py: an answer cut at the row cap, the parts of its joined columns
sorted, then written as a table or in a SPARQL results format; CONSTRUCT as Turtle."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox

from kgtool.query import SavedQuery, bind, concatenated_columns, find_query, read_answer, run, width, write_answer
from kgtool.query.results import sorted_parts

from conftest import BP, TEST_QUERIES
from test_saved_queries import QUERIES


def written(results, fmt: str, max_rows: int = 1000) -> bytes:
    return write_answer(read_answer(results, max_rows), fmt)


def rows(store, name, params, fmt):
    query = find_query(TEST_QUERIES, str(TEST_QUERIES / f"{name}.rq"))
    return written(run(store, query, bind(query, params)), fmt)


def test_every_format_parses_back(mini_store):
    params = {"lang": "en"}
    as_json = json.loads(rows(mini_store, "deadlines", params, "json"))
    due = {b["deadline"]["value"].removeprefix(BP): b.get("due", {}).get("value") for b in as_json["results"]["bindings"]}
    assert due == {"deadline/example-order-200-days": "2023-03-31", "deadline/example-order-1-month": "2024-02-29",
                   "deadline/example-order-undated": None}
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        table = list(csv.reader(io.StringIO(rows(mini_store, "deadlines", params, fmt).decode()), delimiter=delimiter))
        assert len(table) == 4 and len(table[0]) == 5
    assert b"<sparql" in rows(mini_store, "deadlines", params, "xml")


def test_table_compacts_iris_and_aligns_wide_characters(mini_store):
    text = rows(mini_store, "lead-of", {"agent": "bp:agency/example-agency", "lang": "zh"}, "table").decode()
    lines = text.splitlines()
    assert lines[0].split() == ["measure", "label", "agent", "lang"]
    assert "bp:measure/example-order-assessment  评估示例行业  bp:agency/example-agency" in text
    # the agent column starts at the same terminal column on every row
    from kgtool.query import width
    starts = {width(line[: line.index("bp:agency")]) for line in lines[2:]}
    assert len(starts) == 1


def test_construct_answers_as_turtle_with_only_the_prefixes_it_uses(mini_store):
    query = SavedQuery("c", Path("c.rq"), "PREFIX bpo: <https://w3id.org/biopolicy/ontology#>\n"
                       "CONSTRUCT { ?m bpo:leadAgent ?a } WHERE { ?m bpo:leadAgent ?a }")
    text = written(run(mini_store, query, {}), "table").decode()
    assert "\\/" not in text and "measure:example-order-assessment bpo:leadAgent agency:example-agency" in text
    declared = sorted(line.split()[1] for line in text.splitlines() if line.startswith("@prefix"))
    assert declared == ["agency:", "bpo:", "measure:"]



JOINED = """SELECT (GROUP_CONCAT(?part; separator=" | ") AS ?joined) ?plain
WHERE { VALUES (?part ?plain) { ("b"@en "z | y") ("a"@en "z | y") } }  # GROUP_CONCAT(?x; separator=" | ") AS ?not_a_column
GROUP BY ?plain ORDER BY ?plain
"""


def test_only_the_columns_of_a_group_concat_with_the_separator_are_concatenations():
    assert concatenated_columns(JOINED) == {"joined"}
    assert concatenated_columns('SELECT (GROUP_CONCAT(?x; separator=", ") AS ?y) WHERE {}') == set()
    differences = find_query(QUERIES, "commentary-differences")
    assert concatenated_columns(differences.text) == {"commentary_values", "primary_values", "primary_numbers"}
    assert sorted_parts(ox.Literal("b | a | c", language="en")) == ox.Literal("a | b | c")
    assert sorted_parts(ox.Literal("")) is None and sorted_parts(None) is None


def test_the_cap_keeps_that_many_rows_says_whether_there_were_more_and_keeps_every_character():
    """The kept rows go through SPARQL TSV and back: a tab or a line break in a value, a
    language tag and a datatype must come out as they went in."""
    store = ox.Store()
    text = ox.Literal("a\tb\nc", language="zh")
    for n in range(5):
        store.add(ox.Quad(ox.NamedNode(f"http://e/s{n}"), ox.NamedNode("http://e/p"),
                          text if n == 0 else ox.Literal(str(n), datatype=ox.NamedNode("http://e/t"))))
    select = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s"
    kept = read_answer(store.query(select), 3)
    typed = ox.NamedNode("http://e/t")
    assert kept.truncated and [(row["s"].value, row["o"]) for row in kept.rows] == [
        ("http://e/s0", text), ("http://e/s1", ox.Literal("1", datatype=typed)), ("http://e/s2", ox.Literal("2", datatype=typed))]
    first = next(iter(ox.parse_query_results(write_answer(kept, "tsv"), format=ox.QueryResultsFormat.TSV)))
    assert first["o"] == text  # written and read back as it went in
    kept = read_answer(store.query(select), 5)
    assert not kept.truncated and len(kept.rows) == 5
    triples = read_answer(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), 2)
    assert triples.truncated and triples.graph and len(triples.rows) == 2
    asked = read_answer(store.query("ASK { ?s ?p ?o }"), 0)
    assert asked.boolean is True and not asked.truncated


def test_the_cap_sorts_the_parts_of_the_joined_columns_only():
    store = ox.Store()
    kept = read_answer(store.query("SELECT ?joined ?plain WHERE { VALUES (?joined ?plain) { (\"b | a\" \"d | c\") } }"),
                       10, {"joined"})
    [row] = kept.rows
    assert (row["joined"].value, row["plain"].value) == ("a | b", "d | c")


def test_a_wide_character_takes_two_columns_of_a_terminal():
    assert width("ab") == 2 and width("评估") == 4 and width("ＡＢ") == 4 and width("a评") == 3
