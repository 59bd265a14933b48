import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgtool.query import (Param, QueryError, SavedQuery, bind, catalogue, find_query, format_results,
                          parse_assignments, prepare, read_query, run, services)
from kgtool.query.text import outer_group_start, with_values_block

from conftest import BP, REPO, TEST_QUERIES, XSD

# Each of these characters would change a query if a value were pasted into its text.
NASTY = 'Exam"ple} # > \' \\ <x>\nUNION { ?a ?b ?c }'


def test_header_and_params_are_read():
    query = read_query(TEST_QUERIES / "lead-of.rq")
    assert query.title == "Measures led by an agent (test query)"
    assert query.header["question"] == "Which measures does this body lead?"
    assert [(p.name, p.type, p.default) for p in query.params] == [("agent", "iri", None), ("lang", "language", "en")]
    assert query.params[1].description == "Language of the labels"
    assert query.required() == [("agent",)] and not query.params[0].optional


def header_query(tmp_path, *lines: str) -> SavedQuery:
    path = tmp_path / "q.rq"
    path.write_text("\n".join(lines) + "\nSELECT * WHERE { ?s ?p ?o } ORDER BY ?s\n", encoding="utf-8")
    return read_query(path)


def test_a_parameter_without_a_default_is_required(tmp_path):
    query = header_query(tmp_path, "#+ param: thing iri  The thing", "#+ param: lang language default=en  Labels")
    with pytest.raises(QueryError, match=r"^query q needs --param thing=\.\.\.$"):
        bind(query, {"lang": "zh"})
    assert bind(query, {"thing": "bp:agency/x"})["thing"] == ox.NamedNode(BP + "agency/x")


def test_an_optional_parameter_may_be_left_out(tmp_path):
    query = header_query(tmp_path, "#+ param: item iri optional  Every item if not given",
                         "#+ param: since date optional default=2024-01-01  A day")
    assert [(p.name, p.optional, p.default, p.description) for p in query.params] == [
        ("item", True, None, "Every item if not given"), ("since", True, "2024-01-01", "A day")]
    assert query.required() == [] and set(bind(query, {})) == {"since"}


def test_one_of_wants_either_parameter(tmp_path):
    query = header_query(tmp_path, "#+ param: entity iri  An entity", "#+ param: name literal  Its name",
                         "#+ one-of: entity name", "#+ example: name=国防部", "#+ example: entity=bp:agency/us-dod name=x")
    assert query.required() == [("entity", "name")]
    with pytest.raises(QueryError, match=r"^query q needs --param entity=\.\.\. or --param name=\.\.\.$"):
        bind(query, {})
    assert bind(query, {"name": "x"}) == {"name": ox.Literal("x")}
    assert query.examples == [{"name": "国防部"}, {"entity": "bp:agency/us-dod", "name": "x"}]


@pytest.mark.parametrize("lines, says", [
    (["#+ param: a iri  A", "#+ one-of: a"], "two or more"),
    (["#+ param: a iri  A", "#+ param: b iri default=bp:x  B", "#+ one-of: a b"], "neither a default"),
    (["#+ param: a iri  A", "#+ one-of: a c"], "one-of: a c"),
    (["#+ param: a iri  A", "#+ example: b=1"], "the example names b"),
    (["#+ param: a iri  A", "#+ example: a"], "example wants NAME=VALUE"),
])
def test_a_wrong_one_of_or_example_line_is_named(tmp_path, lines, says):
    with pytest.raises(QueryError, match=says):
        header_query(tmp_path, *lines)


def test_every_saved_query_of_the_project_has_a_title_and_valid_params():
    queries = catalogue(REPO / "queries")
    assert queries, "queries/ should hold saved queries"
    assert all("title" in q.header for q in queries)


def test_a_mistyped_query_name_gets_the_closest_names():
    with pytest.raises(QueryError, match=r"^no saved query 'lead-off'; did you mean 'lead-of'\?$"):
        find_query(TEST_QUERIES, "lead-off")
    with pytest.raises(QueryError, match=r"^no saved query 'zzz'; `kgtool queries` lists them$"):
        find_query(TEST_QUERIES, "zzz")


@pytest.mark.parametrize("type_, value, term", [
    ("iri", "bp:agency/x", ox.NamedNode(BP + "agency/x")),
    ("iri", "<https://example.org/a#b>", ox.NamedNode("https://example.org/a#b")),
    ("language", "zh", ox.Literal("zh")),
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
    ("language", "english!"), ("language", "fr"), ("language", "zh-Hans"), ("integer", "4.2"), ("decimal", "1e3"),
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
    from kgtool.query import width
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


def test_construct_answers_as_turtle_with_only_the_prefixes_it_uses(mini_store):
    query = SavedQuery("c", Path("c.rq"), "PREFIX bpo: <https://w3id.org/biopolicy/ontology#>\n"
                       "CONSTRUCT { ?m bpo:leadAgent ?a } WHERE { ?m bpo:leadAgent ?a }")
    text = format_results(run(mini_store, query, {}), "table").decode()
    assert "\\/" not in text and "measure:example-order-assessment bpo:leadAgent agency:example-agency" in text
    declared = sorted(line.split()[1] for line in text.splitlines() if line.startswith("@prefix"))
    assert declared == ["agency:", "bpo:", "measure:"]
