from pathlib import Path

import pytest

from kgtool.namespaces import Project
from kgtool.sources import SourceError, graph_name, load_sources, parse_file

from conftest import GRAPHS, MINI_DATA, REPO


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_graph_name_follows_the_path_below_data():
    data = Path("/x/data")
    assert graph_name(data, data / "sources" / "nsceb-report-commentary.ttl") == GRAPHS + "sources/nsceb-report-commentary"
    assert graph_name(data, data / "reference" / "agencies.ttl") == GRAPHS + "reference/agencies"


def test_fixture_gives_one_graph_per_file_plus_the_ontology():
    sources = load_sources(Project.at(REPO, MINI_DATA))
    assert set(sources.files) == {
        GRAPHS + "ontology", GRAPHS + "reference/example-agencies", GRAPHS + "sources/example-order"}


def test_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad.ttl", b'@prefix ex: <http://e/> .\nex:a ex:p ex:b .\n\nex:c ex:p "x" ex:q .\n')
    with pytest.raises(SourceError) as error:
        parse_file(path)
    # the fourth line holds the stray third object
    assert error.value.messages[0].startswith(f"{path}:4: ")


def test_unbound_prefix_is_located(tmp_path):
    path = write(tmp_path / "bad.ttl", b'@prefix ex: <http://e/> .\nfoo:a ex:p ex:b .\n')
    with pytest.raises(SourceError, match=r"bad\.ttl:2: .*foo"):
        parse_file(path)


def test_empty_file_is_an_error(tmp_path):
    path = write(tmp_path / "empty.ttl", b"# only a comment\n@prefix ex: <http://e/> .\n")
    with pytest.raises(SourceError, match=r"empty\.ttl: no triples"):
        parse_file(path)


def test_non_utf8_names_byte_offset(tmp_path):
    content = b'@prefix ex: <http://e/> .\nex:a ex:p "caf\xe9" .\n'
    path = write(tmp_path / "latin1.ttl", content)
    with pytest.raises(SourceError) as error:
        parse_file(path)
    assert f"latin1.ttl:2: not UTF-8 (byte offset {content.index(0xE9)}" in error.value.messages[0]


def test_binary_file_is_refused(tmp_path):
    path = write(tmp_path / "image.ttl", b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(SourceError, match="binary file"):
        parse_file(path)


def test_all_broken_files_are_reported_and_other_files_ignored(tmp_path):
    root = tmp_path
    (root / "ontology").mkdir()
    (root / "ontology" / "biopolicy.ttl").write_bytes((REPO / "ontology" / "biopolicy.ttl").read_bytes())
    write(root / "data" / "a.ttl", b"")
    write(root / "data" / "sub" / "b.ttl", b"<http://e/a> <http://e/p> .\n")
    write(root / "data" / "README.md", b"not RDF {")
    with pytest.raises(SourceError) as error:
        load_sources(Project.at(root))
    assert len(error.value.messages) == 2
    assert any("a.ttl" in m for m in error.value.messages)
    assert any("b.ttl:1:" in m for m in error.value.messages)


def test_missing_ontology_is_reported(tmp_path):
    with pytest.raises(SourceError, match="ontology file not found"):
        load_sources(Project.at(tmp_path))
