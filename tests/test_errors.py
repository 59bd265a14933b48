"""kgtool/errors.py: the one root of user errors. Every concern's error is a KgtoolError;
the CLI reports one as `kgtool: error: ...` with exit 2, and anything else (a bug) with its
traceback; errors.py imports nothing, so that every module may import it."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys

from kgtool.errors import KgtoolError

from conftest import REPO


def test_the_user_errors_of_each_concern_share_one_root():
    from kgtool.build import BuildFailed
    from kgtool.check import ValidationError
    from kgtool.errors import KgtoolError
    from kgtool.query import QueryError
    from kgtool.sources import SourceError
    from kgtool.store import StoreError
    from kgtool.web.docs import DocsError

    for error in (BuildFailed, DocsError, QueryError, SourceError, StoreError, ValidationError):
        assert issubclass(error, KgtoolError), error


def test_the_cli_reports_any_user_error_in_one_line_and_exit_2(tmp_path):
    """A user error from a command (one raised here, that cli does not name) is one
    `kgtool: error:` line per line of its message and exit 2; a bug keeps its traceback."""
    script = ("import sys\nfrom kgtool import cli\nfrom kgtool.errors import KgtoolError\n"
              "class Odd(KgtoolError): pass\n"
              "def fails(args):\n    raise {error}\n"
              "cli.cmd_stats = fails\nsys.exit(cli.main(['stats']))\n")
    run = lambda error: subprocess.run([sys.executable, "-c", script.format(error=error)],  # noqa: E731
                                       capture_output=True, text=True, cwd=tmp_path)
    done = run('Odd("first\\nsecond")')
    assert (done.returncode, done.stderr) == (2, "kgtool: error: first\nkgtool: error: second\n")
    done = run('ValueError("a bug")')
    assert done.returncode == 1 and "Traceback" in done.stderr and "ValueError: a bug" in done.stderr


def test_every_error_class_of_kgtool_is_a_user_error_under_the_root():
    """A class named ...Error anywhere in kgtool/ is caught by the CLI; the internal
    signals (Refused, TimeLimit, WorkerDied, Transient, ...) are named otherwise."""
    found = {}
    for path in sorted((REPO / "kgtool").rglob("*.py")):
        name = ".".join(("kgtool", *path.relative_to(REPO / "kgtool").with_suffix("").parts)).removesuffix(".__init__")
        for cls_name, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            if cls.__module__ == name and cls_name.endswith("Error"):
                found[f"{name}.{cls_name}"] = issubclass(cls, KgtoolError)
    assert {"kgtool.remote.client.RemoteError", "kgtool.link.review.LinkError", "kgtool.store.StoreError"} <= set(found)
    assert [name for name, under_root in found.items() if not under_root] == []


def test_the_errors_module_imports_nothing():
    tree = ast.parse((REPO / "kgtool" / "errors.py").read_text(encoding="utf-8"))
    assert [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))] == []
