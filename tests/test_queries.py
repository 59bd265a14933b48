import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgtool.queries import (Param, QueryError, SavedQuery, bind, catalogue, find_query, format_results,
                            outer_group_start, parse_assignments, prepare, read_query, run, services,
                            with_values_block)

from conftest import BP, REPO, TEST_QUERIES

XSD = "http://www.w3.org/2001/XMLSchema#"
# Each of these characters would change a query if a value were pasted into its text.
NASTY = 'Exam"ple} # > \' \\ <x>\nUNION { ?a ?b ?c }'


def test_header_and_params_are_read():
    query = read_query(TEST_QUERIES / "lead-of.rq")
    assert query.title == "Measures led by an agent (test query)"
    assert query.header["question"] == "Which measures does this body lead?"
    assert [(p.name, p.type, p.default) for p in query.params] == [("agent", "iri", None), ("lang", "language", "en")]
    assert query.params[1].description == "Language of the labels"


def test_every_saved_query_of_the_project_has_a_title_and_valid_params():
    queries = catalogue(REPO / "queries")
    assert queries, "queries/ should hold saved queries"
    assert all("title" in q.header for q in queries)


def test_unknown_query_lists_the_known_ones():
    with pytest.raises(QueryError, match="lead-of"):
        find_query(TEST_QUERIES, "no-such-query")


@pytest.mark.parametrize("type_, value, term", [
    ("iri", "bp:agency/x", ox.NamedNode(BP + "agency/x")),
    ("iri", "<https://example.org/a#b>", ox.NamedNode("https://example.org/a#b")),
    ("language", "zh-Hans", ox.Literal("zh-Hans")),
    ("integer", "-42", ox.Literal("-42", datatype=ox.NamedNode(XSD + "integer"))),
    ("decimal", "3.50", ox.Literal("3.50", datatype=ox.NamedNode(XSD + "decimal"))),
    ("date", "2024-02-29", ox.Literal("2024-02-29", datatype=ox.NamedNode(XSD + "date"))),
    ("literal", NASTY, ox.Literal(NASTY)),
])
def test_values_become_typed_terms(type_, value, term):
    query = read_query(TEST_QUERIES / "lead-of.rq")
    query.params = [query.params[0].__class__("p", type_, None, "")]
    assert bind(query, {"p": value}) == {"p": term}


@pytest.mark.parametrize("type_, value", [
    ("iri", "not an iri"), ("iri", "https://e.org/a b"), ("iri", "http://e.org/<x>"),
    ("language", "english!"), ("language", "e"), ("integer", "4.2"), ("decimal", "1e3"),
    ("date", "2023-02-29"), ("date", "12/01/2024"),
])
def test_values_of_the_wrong_type_are_refused_by_name(type_, value):
    query = read_query(TEST_QUERIES / "lead-of.rq")
    query.params = [query.params[0].__class__("p", type_, None, "")]
    with pytest.raises(QueryError, match=r"parameter p="):
        bind(query, {"p": value})


def test_unknown_parameter_and_bad_assignment():
    query = read_query(TEST_QUERIES / "lead-of.rq")
    with pytest.raises(QueryError, match="no parameter colour"):
        bind(query, {"colour": "red"})
    with pytest.raises(QueryError, match="NAME=VALUE"):
        parse_assignments(["novalue"])
    assert parse_assignments(["text=a=b"]) == {"text": "a=b"}


@pytest.mark.parametrize("text, expected_next", [
    ("SELECT * WHERE { ?s ?p ?o }", " ?s ?p ?o }"),
    ("SELECT ?s { ?s ?p ?o }", " ?s ?p ?o }"),
    ("# a { in a comment\nPREFIX ex: <http://e/#{>\nSELECT (\"{\" AS ?x) WHERE { ?s ?p ?o }", " ?s ?p ?o }"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?o != '}') }", " ?s ?p ?o FILTER(?o != '}') }"),
    ("select ?s where {{ ?s ?p ?o } UNION { ?o ?p ?s }}", "{ ?s ?p ?o } UNION { ?o ?p ?s }}"),
])
def test_outer_group_is_found_past_comments_strings_iris_and_templates(text, expected_next):
    assert text[outer_group_start(text):] == expected_next


def test_values_block_escapes_terms():
    text = "SELECT ?x WHERE { ?x ?p ?v }"
    out = with_values_block(text, {"v": ox.Literal(NASTY), "x": ox.NamedNode(BP + "a")})
    assert out.startswith("SELECT ?x WHERE {\n  VALUES (?v ?x) { (")
    # the block is one valid query that binds exactly the two terms
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(BP + "a"), ox.NamedNode(BP + "p"), ox.Literal(NASTY)))
    assert len(list(store.query(out))) == 1


def rows(store, name, params, fmt):
    query = find_query(TEST_QUERIES, str(TEST_QUERIES / f"{name}.rq"))
    return format_results(run(store, query, bind(query, params)), fmt)


def test_a_nasty_value_is_matched_as_data_whether_projected_or_not():
    store = ox.Store()
    thing = ox.NamedNode(BP + "thing/odd")
    store.add(ox.Quad(thing, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(NASTY)))
    store.add(ox.Quad(ox.NamedNode(BP + "thing/other"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal("other")))
    # labels-of projects ?text
    result = json.loads(rows(store, "labels-of", {"text": NASTY}, "json"))
    assert [b["thing"]["value"] for b in result["results"]["bindings"]] == [thing.value]
    # labels-only does not project ?text
    result = json.loads(rows(store, "labels-only", {"text": NASTY}, "json"))
    assert result["head"]["vars"] == ["thing"]
    assert [b["thing"]["value"] for b in result["results"]["bindings"]] == [thing.value]
    assert json.loads(rows(store, "labels-only", {"text": "nothing like it"}, "json"))["results"]["bindings"] == []


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
    from kgtool.queries import width
    starts = {width(line[: line.index("bp:agency")]) for line in lines[2:]}
    assert len(starts) == 1


def test_service_calls_are_found_past_comments_strings_and_variables():
    text = ('# SERVICE <http://comment.example/> { }\nSELECT ?service WHERE { ?x ex:SERVICE "SERVICE <http://s.example/> {}" .\n'
            '  SERVICE SILENT <http://a.example/sparql> { ?x ?p ?o { ?o ?q ?r } } ?service ?p ?o }')
    [call] = services(text)
    assert call.target == "<http://a.example/sparql>"
    assert text[call.group[0]:call.group[1]].strip() == "?x ?p ?o { ?o ?q ?r }"


def test_service_parameters_become_iri_terms_and_are_bound_inside_the_group():
    query = SavedQuery("q", Path("q.rq"), "SELECT * WHERE { ?s ?p ?item SERVICE ?endpoint { ?item ?q ?o } }")
    query.params = [Param("endpoint", "iri", None, ""), Param("item", "iri", None, "")]
    bindings = bind(query, {"endpoint": "http://a.example/sparql", "item": "http://x.example/a"})
    text = prepare(query, bindings, ["http://a.example/sparql"])
    assert "SERVICE <http://a.example/sparql> {\n  VALUES (?item) { (<http://x.example/a>) }" in text
    with pytest.raises(QueryError, match="--allow-service http://a.example/sparql"):
        prepare(query, bindings, [])
    with pytest.raises(QueryError, match="--param item="):
        prepare(query, {"endpoint": bindings["endpoint"]}, ["http://a.example/sparql"])


def test_service_named_by_an_unbound_variable_is_refused():
    query = SavedQuery("q", Path("q.rq"), "SELECT * WHERE { SERVICE ?somewhere { ?s ?p ?o } }")
    with pytest.raises(QueryError, match="must be an IRI"):
        prepare(query, {}, ["http://a.example/sparql"])
