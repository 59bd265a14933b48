"""The layout of kgtool/: the layers of the documented flow, in order, and a test that no
module imports a later layer; and a test file for every module, named by one rule.

LAYERS is the one statement of the order; docs/development.md's module table mirrors it.
Each top-level name under kgtool/ (a module, or a subpackage with all its modules) is in
exactly one layer, and a module may import its own layer and the layers before it, never
one after it. Imports inside functions count too: a late import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

# files -> store -> checks -> release -> answers, each layer built on the ones before it.
# export and query come before the release because the release is written with them (the
# dumps by export.serialize, void.ttl by a query); what comes after the release are the
# ways it is used: the web face, loading into and querying other stores, linking.
LAYERS = (
    ("base", {"__init__", "errors", "namespaces", "rdfterms", "limits"}),  # names, limits and errors for all
    ("files", {"sources"}),  # find, name and parse the source files
    ("store", {"derive", "store"}),  # the one pyoxigraph store and its derived graph
    ("checks", {"check"}),  # SHACL, violation queries, OWL
    ("export", {"export"}),  # the store as RDF files
    ("query", {"query"}),  # saved queries, their parameters and their answers
    ("release", {"void", "build"}),  # build: store, checks, dumps and void.ttl in one step
    ("web", {"web"}),  # kgtool serve and kgtool docs
    ("remote", {"remote"}),  # other servers: load, query --endpoint, polite client
    ("link", {"link"}),  # candidate links to Wikidata and the review file
    ("cli", {"cli"}),  # argparse, and the commands that call the layers
)
LAYER = {name: i for i, (_, names) in enumerate(LAYERS) for name in names}


def top_name(parts: list[str]) -> str:
    """The layer name of a dotted module path: its first part below the package
    (`kgtool.web.serve` -> `web`); the package itself is `__init__`."""
    return parts[1] if len(parts) > 1 else "__init__"


def is_module(package: Path, parts: list[str]) -> bool:
    where = package.joinpath(*parts[1:])
    return where.is_dir() or where.with_suffix(".py").exists()


def imports(package: Path, path: Path):
    """(line, dotted target) for every import of the package's own modules in one file,
    relative or absolute, at any depth of the file."""
    here = ["kgtool", *path.relative_to(package).with_suffix("").parts]
    if here[-1] == "__init__":
        here = here[:-1]
    current = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "kgtool":
                    yield node.lineno, alias.name.split(".")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = current[:len(current) - node.level + 1]
            elif (node.module or "").split(".")[0] == "kgtool":
                base = []
            else:
                continue
            module = base + (node.module.split(".") if node.module else [])
            if node.module:
                yield node.lineno, module
            else:  # `from . import a, b`: each name is a module, or a name the package defines
                for alias in node.names:
                    name = module + [alias.name]
                    yield node.lineno, name if is_module(package, name) else module


def upward_imports(package: Path) -> list[str]:
    """`file:line: ...` for each module outside LAYERS and each import of a later layer."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        where = path.relative_to(package.parent)
        own = top_name(["kgtool", *path.relative_to(package).with_suffix("").parts])
        if own not in LAYER:
            problems.append(f"{where}: `{own}` is in no layer of tests/test_layout.py's LAYERS")
            continue
        for line, target in imports(package, path):
            name = top_name(target)
            if name in LAYER and LAYER[name] > LAYER[own]:
                problems.append(f"{where}:{line}: {own} ({LAYERS[LAYER[own]][0]}) imports {'.'.join(target)} "
                                f"({LAYERS[LAYER[name]][0]}), a later layer")
    return problems


def unresolved_imports(package: Path) -> list[str]:
    """`file:line: ...` for each import of a kgtool module that does not exist (a late
    import of a moved module fails only when its function runs)."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        for line, target in imports(package, path):
            if not is_module(package, target):
                problems.append(f"{path.relative_to(package.parent)}:{line}: imports {'.'.join(target)}, "
                                "which is no module of kgtool")
    return problems


def test_no_module_imports_a_later_layer():
    assert upward_imports(REPO / "kgtool") == []


def test_every_import_of_kgtool_names_a_module_that_exists():
    assert unresolved_imports(REPO / "kgtool") == []


def test_an_upward_import_is_caught_with_its_file_and_line(tmp_path):
    """A small package shaped like kgtool: the store importing the web face (inside a
    function, three lines down) is named; the web face importing the store is not."""
    package = tmp_path / "kgtool"
    (package / "web").mkdir(parents=True)
    (package / "__init__.py").write_text('__version__ = "0"\n')
    (package / "web" / "__init__.py").write_text("")
    (package / "web" / "serve.py").write_text("from ..store import load\nfrom . import render\n")
    (package / "web" / "render.py").write_text("from .. import __version__\n")
    (package / "store.py").write_text("import os\n\n\ndef load():\n    from .web.serve import app\n")
    (package / "stray.py").write_text("import kgtool.store\n")
    assert upward_imports(package) == [
        "kgtool/store.py:5: store (store) imports kgtool.web.serve (web), a later layer",
        "kgtool/stray.py: `stray` is in no layer of tests/test_layout.py's LAYERS",
    ]
    (package / "store.py").write_text("from .queries import run\n")
    assert unresolved_imports(package) == ["kgtool/store.py:1: imports kgtool.queries, which is no module of kgtool"]


def test_each_layer_name_is_used_once():
    names = [name for _, group in LAYERS for name in group]
    assert len(names) == len(set(names))


def test_the_module_table_of_development_md_mirrors_the_layers():
    """docs/development.md lists every module of kgtool/ (not the `__init__` files) once, in
    the layer LAYERS puts it in, and its layers in LAYERS' order."""
    rows, layer = {}, None
    for line in (REPO / "docs" / "development.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[1].startswith("`") and cells[1].endswith(".py`"):
            layer = cells[0] or layer
            rows[cells[1].strip("`")] = layer
    modules = sorted(str(p.relative_to(REPO / "kgtool")) for p in (REPO / "kgtool").rglob("*.py")
                     if p.name != "__init__.py")
    assert sorted(rows) == modules
    for module, layer in rows.items():
        assert layer == LAYERS[LAYER[module.split("/")[0].removesuffix(".py")]][0], module
    order = list(dict.fromkeys(rows.values()))
    assert order == [name for name, _ in LAYERS if name in order]


@pytest.mark.parametrize("module", ["kgtool.check", "kgtool.query", "kgtool.web"])
def test_each_subpackage_says_what_it_owns_and_may_import(module):
    import importlib

    doc = importlib.import_module(module).__doc__ or ""
    assert "May import" in doc and "never" in doc, module


# A test file for every module ----------------------------------------------------------------
#
# The rule of docs/development.md ("Tests"): kgtool/[PACKAGE/]NAME.py is tested in
# tests/test_NAME.py, or in tests/test_PACKAGE_NAME.py where NAME alone also names another
# module or a subpackage of kgtool, or what a test file of that name tests already:
OTHER_SUBJECTS = {"docs": "tests/test_docs.py tests the documents of docs/ and the README"}


def expected_test_file(package: Path, module: Path) -> str:
    """The name of a module's test file, by the rule above."""
    parts = module.relative_to(package).with_suffix("").parts
    names = [p.stem for p in package.rglob("*.py") if p.name != "__init__.py"]
    names += [p.parent.name for p in package.glob("*/__init__.py")]
    shared = names.count(parts[-1]) > 1 or parts[-1] in OTHER_SUBJECTS
    return "test_" + "_".join(parts if shared else parts[-1:]) + ".py"


def modules_without_tests(package: Path, tests: Path) -> list[str]:
    """`module: no tests/test_....py` for each module (not `__init__`) whose test file is missing."""
    return [f"{path.relative_to(package.parent)}: no {tests.name}/{expected_test_file(package, path)}"
            for path in sorted(package.rglob("*.py"))
            if path.name != "__init__.py" and not (tests / expected_test_file(package, path)).exists()]


def test_every_module_has_its_test_file():
    assert modules_without_tests(REPO / "kgtool", REPO / "tests") == []


def test_a_module_without_its_test_file_is_named(tmp_path):
    """A small package shaped like kgtool: remote/query.py shares its name with the query
    package, and web/docs.py with the subject of test_docs.py, so theirs take the package's."""
    package, tests = tmp_path / "kgtool", tmp_path / "tests"
    for module in ("__init__", "store", "query/__init__", "query/text", "remote/__init__", "remote/query",
                   "web/__init__", "web/docs"):
        (package / f"{module}.py").parent.mkdir(parents=True, exist_ok=True)
        (package / f"{module}.py").write_text("")
    tests.mkdir()
    for name in ("test_store.py", "test_text.py", "test_query.py", "test_docs.py"):
        (tests / name).write_text("")
    assert modules_without_tests(package, tests) == ["kgtool/remote/query.py: no tests/test_remote_query.py",
                                                     "kgtool/web/docs.py: no tests/test_web_docs.py"]
