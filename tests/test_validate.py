"""Each check on a graph that breaks exactly one rule, and the fixture that breaks none."""

from pathlib import Path


from kgtool.derive import add_derived_graph
from kgtool.namespaces import ONTOLOGY_GRAPH, Project
from kgtool.sources import Sources, load_shapes, load_sources
from kgtool.check import VIOLATION, Report, Result, check_results, owl_results, shacl_results, validate

from conftest import GRAPHS, MINI_DATA, REPO

PREFIXES = """
@prefix bpo: <https://w3id.org/biopolicy/ontology#> .
@prefix agency: <https://w3id.org/biopolicy/id/agency/> .
@prefix deadline: <https://w3id.org/biopolicy/id/deadline/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def sources_with(files: dict[str, str]) -> Sources:
    """The real ontology plus small data graphs given as Turtle text, as if from files."""
    sources = Sources()
    sources.read(ONTOLOGY_GRAPH, REPO / "ontology" / "biopolicy.ttl")
    for name, text in files.items():
        sources.load(GRAPHS + name, Path(f"data/{name}.ttl"), (PREFIXES + text).encode())
    return sources


def disjoint_results(sources: Sources) -> list[Result]:
    return [r for r in check_results(sources) if r.rule == "kgtool:disjoint-classes"]


def dangling_results(sources: Sources) -> list[Result]:
    return [r for r in check_results(sources) if r.rule == "kgtool:dangling-reference"]


def test_fixture_conforms_to_the_real_shapes_and_ontology(java):
    project = Project.at(REPO, MINI_DATA)
    sources = load_sources(project)
    add_derived_graph(sources)
    report = validate(sources, load_shapes(project), owl=True, ontology_checks=project.ontology_checks)
    assert report.results == [] and report.conforms


def test_individual_in_subclasses_of_disjoint_classes_is_named():
    # bpo:Agency and bpo:Company are below the disjoint bpo:GovernmentBody and bpo:Company
    sources = sources_with({"reference/a": "agency:x a bpo:Agency , bpo:Company ."})
    [result] = disjoint_results(sources)
    assert result.focus == "bp:agency/x"
    assert result.file == "data/reference/a.ttl"
    assert "bpo:Company" in result.message and "bpo:GovernmentBody" in result.message


def test_no_disjointness_result_for_compatible_types():
    sources = sources_with({"reference/a": "agency:x a bpo:Agency , bpo:GovernmentBody ."})
    assert disjoint_results(sources) == []


def test_dangling_reference_names_file_subject_and_predicate():
    sources = sources_with({
        "reference/a": "agency:x a bpo:Agency .",
        "sources/s": "agency:x bpo:jurisdiction <https://w3id.org/biopolicy/id/country/nowhere> ; "
                     "rdfs:seeAlso <https://example.org/not-ours> .",
    })
    [result] = dangling_results(sources)
    assert (result.file, result.focus, result.path) == ("data/sources/s.ttl", "bp:agency/x", "bpo:jurisdiction")
    assert "bp:country/nowhere" in result.message


def test_an_undeclared_term_is_named_as_predicate_and_as_object():
    sources = sources_with({"reference/a": "agency:x a bpo:Agency , bpo:Agensy ; bpo:jurisdictionn agency:x ."})
    found = {(r.file, r.focus, r.path, r.message.split(" ")[0]) for r in check_results(sources)
             if r.rule == "kgtool:undeclared-term"}
    assert found == {("data/reference/a.ttl", "bp:agency/x", "rdf:type", "bpo:Agensy"),
                     ("data/reference/a.ttl", "bp:agency/x", "bpo:jurisdictionn", "bpo:jurisdictionn")}


def test_owl_finds_an_inconsistency_only_a_reasoner_sees(java):
    # bpo:trigger has range bpo:Event, so the agency becomes an Event too: disjoint classes
    sources = sources_with({"sources/s": """
        agency:x a bpo:Agency .
        deadline:d a bpo:Deadline ; bpo:trigger agency:x ; bpo:duration "P1D"^^xsd:duration ."""})
    assert disjoint_results(sources) == []
    [result] = owl_results(sources)
    assert result.rule == "kgtool:owl-consistency" and result.severity == VIOLATION


def test_owl_names_a_class_that_can_have_no_members(java, tmp_path):
    ontology = tmp_path / "biopolicy.ttl"
    ontology.write_text((REPO / "ontology" / "biopolicy.ttl").read_text(encoding="utf-8") + (
        "\nbpo:Broken a owl:Class ; rdfs:subClassOf bpo:Agency , bpo:Company .\n"), encoding="utf-8")
    sources = Sources()
    sources.read(ONTOLOGY_GRAPH, ontology)
    sources.load(GRAPHS + "reference/a", Path("data/reference/a.ttl"), (PREFIXES + "agency:x a bpo:Agency .").encode())
    [result] = owl_results(sources)
    assert (result.rule, result.focus, result.severity) == ("kgtool:owl-unsatisfiable-class", "bpo:Broken", "Warning")


def test_owl_accepts_consistent_data_with_literals_outside_the_owl2_map(java):
    sources = sources_with({"sources/s": """
        deadline:d a bpo:Deadline ; bpo:duration "P1D"^^xsd:duration ; bpo:statedDueDate "2024-01-01"^^xsd:date ."""})
    assert owl_results(sources) == []


def test_shacl_result_is_located_in_the_file_of_the_focus_node(mini_copy):
    # the shapes want one English label on every entity: drop one
    path = mini_copy / "reference" / "example-agencies.ttl"
    path.write_text(path.read_text(encoding="utf-8").replace('"Example Office"@en , ', ""), encoding="utf-8")
    project = Project.at(REPO, mini_copy)
    report = validate(load_sources(project), load_shapes(project), owl=False)
    [result] = report.results
    assert result.file.endswith("reference/example-agencies.ttl")
    assert (result.focus, result.path) == ("bp:agency/example-office", "rdfs:label")
    assert result.rule.startswith("bps:") and not report.conforms


def test_report_conforms_with_warnings_only_and_groups_by_file():
    warning = Result("b.ttl", "bp:x", "rdfs:label", "bps:S minCount", "Warning", "w")
    violation = Result("a.ttl", "bp:y", "rdfs:label", "bps:S minCount", VIOLATION, "v")
    assert Report([warning]).conforms
    report = Report([warning, violation])
    assert not report.conforms
    assert list(report.by_file()) == ["a.ttl", "b.ttl"]
    assert "bp:y  rdfs:label  [bps:S minCount]  v" in report.as_text()


def test_the_ontology_checks_run_in_validate_and_name_the_ontology_file(tmp_path):
    """ontology/checks/*-violation.rq are part of every validation, not only of pytest."""
    broken = (REPO / "ontology" / "biopolicy.ttl").read_text(encoding="utf-8") + (
        '\n<https://w3id.org/biopolicy/ontology#Planted> a <http://www.w3.org/2002/07/owl#Class> .\n')
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "biopolicy.ttl").write_text(broken, encoding="utf-8")
    sources = Sources()
    sources.read(ONTOLOGY_GRAPH, tmp_path / "ontology" / "biopolicy.ttl")
    results = check_results(sources, Project.at(REPO).ontology_checks)
    planted = {r.rule for r in results if r.focus == "bpo:Planted"}
    assert planted == {"kgtool:missing-label", "kgtool:missing-definition"}
    assert all(r.file.endswith("ontology/biopolicy.ttl") and r.severity == VIOLATION for r in results)


def test_sh_class_sees_subclasses_named_and_blank_as_pyshacl_does():
    """The compiled sh:class test looks the subclasses up once; a blank subclass (which a
    query cannot name) keeps the path. Both give pyshacl's results."""
    from rdflib import Graph

    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:Holder ; sh:property [ sh:path ex:named ; sh:class ex:Named ] ,
                                                                   [ sh:path ex:blank ; sh:class ex:Blank ] .""",
                           format="turtle")
    sources = sources_with({"reference/a": """
        @prefix ex: <http://example.org/> .
        ex:Deep rdfs:subClassOf ex:Mid . ex:Mid rdfs:subClassOf ex:Named . _:u rdfs:subClassOf ex:Blank .
        ex:h a ex:Holder ; ex:named ex:ok , ex:bad ; ex:blank ex:in , ex:out .
        ex:ok a ex:Deep . ex:bad a ex:Mid2 . ex:in a _:u . ex:out a ex:Named ."""})
    found = {engine: sorted((r.path, r.rule, r.message.rsplit("(value: ", 1)[1]) for r in shacl_results(sources, shapes, engine))
             for engine in ("compiled", "pyshacl")}
    assert found["compiled"] == found["pyshacl"]
    assert [(path, value) for path, _, value in found["compiled"]] == [
        ("<http://example.org/blank>", "<http://example.org/out>)"), ("<http://example.org/named>", "<http://example.org/bad>)")]


def test_the_reasoner_input_is_compared_graph_by_graph(mini_copy, tmp_path):
    """A label is not in HermiT's input, a type is; an edit of the ontology inside a blank
    node (a list of disjoint classes) changes the input although no IRI-only line does."""
    import shutil

    from kgtool.check.validate import reasoner_parts, same_input

    root = tmp_path / "root"
    shutil.copytree(REPO / "ontology", root / "ontology")

    def parts(known=None):
        sources = load_sources(Project.at(root, mini_copy))
        add_derived_graph(sources)
        return reasoner_parts(sources, known)[0]

    def edit(path, old, new):
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    first = parts()
    agencies = mini_copy / "reference" / "example-agencies.ttl"
    edit(agencies, '"Example Office"@en', '"Example Office (renamed)"@en')
    second = parts(first)
    assert second != first and same_input(first, second)
    edit(agencies, "a bpo:Agency", "a bpo:GovernmentBody")
    third = parts(second)
    assert not same_input(second, third)
    edit(root / "ontology" / "biopolicy.ttl", "bpo:DraftRegulation bpo:FactSheet bpo:PressBriefing",
         "bpo:DraftRegulation bpo:FactSheet bpo:Provision")
    assert not same_input(third, parts(third))
