"""kgtool/query/catalogue.py: a saved query's `#+` header (docs/conventions.md, "Saved
queries"), the catalogue and its names, and parameter values bound as typed RDF terms."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgtool.namespaces import BPO_IRI
from kgtool.query import (QueryError, SavedQuery, bind, catalogue, find_query, internal_query, parse_assignments,
                          read_query)

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



def test_column_lines_are_parsed(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("#+ column: due  Due date | 截止日期\n#+ hidden: m s=source_label\n"
                    "#+ value: kind not linked = not linked | 未链接\nSELECT ?due ?kind ?m ?s ?source_label WHERE {}\n",
                    encoding="utf-8")
    query = read_query(path)
    assert query.column_title("due", "zh") == "截止日期" and query.column_title("due", "en") == "Due date"
    assert query.linked_column("m") == "m_label" and query.linked_column("s") == "source_label"
    assert query.linked_column("due") is None
    assert query.values["kind"]["not linked"] == {"en": "not linked", "zh": "未链接"}


@pytest.mark.parametrize("line", ["#+ column: due  Due date", "#+ value: kind linked 已链接"])
def test_a_bad_column_line_names_the_file_and_line(tmp_path, line):
    path = tmp_path / "q.rq"
    path.write_text(f"#+ title: t\n{line}\nSELECT * WHERE {{}}\n", encoding="utf-8")
    with pytest.raises(QueryError, match=r"q\.rq:2: want"):
        read_query(path)


def test_a_parameter_line_gives_its_class_as_an_iri_and_its_label_in_each_language(tmp_path):
    query = header_query(tmp_path, "#+ param: country iri class=bpo:Country optional  A country | 一个国家")
    [param] = query.params
    assert param.cls == BPO_IRI + "Country" and param.optional and not param.required
    assert (param.label("en"), param.label("zh")) == ("A country", "一个国家")
    with pytest.raises(QueryError, match=r"q\.rq: bad param line 'n number  N'.*TYPE one of iri, "):
        header_query(tmp_path, "#+ param: n number  N")


def test_the_title_in_a_language_falls_back_to_the_title_then_the_name(tmp_path):
    query = header_query(tmp_path, "#+ title: Deadlines", "#+ title_zh: 期限")
    assert (query.title_in("zh"), query.title_in("en")) == ("期限", "Deadlines")
    assert header_query(tmp_path, "# no header").title_in("zh") == "q"


def test_an_internal_query_is_read_from_kgtool_sparql_like_a_saved_one():
    query = internal_query("describe")
    assert query.path == REPO / "kgtool" / "sparql" / "describe.rq"
    assert [p.name for p in query.params] == ["entity"]
    assert bind(query, {"entity": "bp:agency/x"}) == {"entity": ox.NamedNode(BP + "agency/x")}
