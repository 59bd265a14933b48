"""kgtool/query/text.py: a query's text made ready to run. Parameters go into a VALUES
block, never into the text; SERVICE calls are found, bound and checked; the form of a query
is read past its prologue; pyoxigraph's syntax errors are made short and placed in the file."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgtool.query import (Param, QueryError, SavedQuery, bind, check_read_only, nesting_depth, prepare, query_form,
                          read_query, run, services)
from kgtool.query.text import outer_group_start, with_values_block

from conftest import BP
from test_catalogue import NASTY
from test_results import rows


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


@pytest.mark.parametrize("text, says", [
    ("SELECT * WHERE {\n  ?s bpo:x ?o }", "2:6: prefix 'bpo:' is not declared (add `PREFIX bpo: <https://w3id.org/biopolicy/ontology#>`)"),
    ('PREFIX ex: <http://e/>\nSELECT * WHERE { ?s ex:p "a"^^xsd:string . ?s ex:q "bpo:x" }', "2:31: prefix 'xsd:' is not declared"),
    ("SELECT * WHERE { ?s nope:p ?o }", "1:21: prefix 'nope:' is not declared"),
    ("SELECT * WHERE { ?s ?p ?o ", '1:27: expected one of ",", ".", ";", "{", "{|", "}", "~"'),
])
def test_a_syntax_error_is_one_short_line_naming_an_undeclared_prefix(text, says):
    from kgtool.query import syntax_message

    with pytest.raises(SyntaxError) as error:
        ox.Store().query(text)
    message = syntax_message(text, error.value)
    assert message.startswith(says) and "\n" not in message and "\\u{" not in message


def test_a_syntax_error_is_placed_in_the_file_as_written(tmp_path):
    """The parameters' VALUES block moves the lines of the text that runs; the error names
    the line of the file."""
    path = tmp_path / "bad.rq"
    path.write_text("#+ param: lang language default=en  L\nSELECT * WHERE {\n  ?s ?p ?lang .\n  ?s ?p ?o ?o }\n")
    query = read_query(path)
    with pytest.raises(QueryError) as error:
        run(ox.Store(), query, bind(query, {}))
    assert str(error.value).startswith(f"{path}: 5:1: expected one of GRAPH")


@pytest.mark.parametrize("text, depth", [
    ("ASK {}", 1),
    ("SELECT * WHERE { { ?s ?p [ ?q (1 2) ] } }", 4),
    ("SELECT * WHERE { ?s ?p '{{{' . ?s ?p <http://e/(x[> } # {{{{", 1),
    ("PREFIX x: <urn:x:> SELECT ?s", 0),
])
def test_nesting_is_counted_past_strings_iris_and_comments(text, depth):
    assert nesting_depth(text) == depth


@pytest.mark.parametrize("text, form", [
    ("# SELECT in a comment\nPREFIX ask: <urn:ask:>\nBASE <urn:b:>\nconstruct { ?s ?p ?o } WHERE { ?s ?p ?o }",
     "CONSTRUCT"),
    ("PREFIX select: <urn:x:> INSERT DATA { <urn:a> <urn:b> 'SELECT' }", "INSERT"),
    ("'SELECT'", None),
])
def test_the_form_is_the_first_keyword_after_the_prologue(text, form):
    assert query_form(text) == form


def test_an_update_is_named_by_its_operations_and_other_text_by_its_first_word():
    def check(text: str) -> None:
        check_read_only(SavedQuery("q", Path("q.rq"), text))

    check("PREFIX delete: <urn:x:>\nSELECT * WHERE { ?s delete:p ?o }")
    with pytest.raises(QueryError, match=r"^q\.rq: is a SPARQL Update \(DROP, INSERT DATA\); `kgtool query` only"):
        check("DROP ALL ; INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(QueryError, match=r"^q\.rq: not a SPARQL query: it starts with HELLO, not SELECT, CONSTRUCT"):
        check("hello world")
