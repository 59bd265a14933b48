"""Shared fixtures: the real ontology and shapes of this repository with the small,
fictional example graph in tests/fixtures/mini/data."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kgtool.derive import add_derived_graph
from kgtool.namespaces import Project
from kgtool.sources import load_sources

REPO = Path(__file__).resolve().parent.parent
MINI_DATA = REPO / "tests" / "fixtures" / "mini" / "data"
TEST_QUERIES = REPO / "tests" / "fixtures" / "queries"
# Our namespaces and XML Schema's, written out here rather than imported from
# kgtool.namespaces, so that a wrong constant there fails the tests.
BP = "https://w3id.org/biopolicy/id/"
BPO = "https://w3id.org/biopolicy/ontology#"
GRAPHS = "https://w3id.org/biopolicy/graph/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def rdflib_graph(sources, name: str):
    """One graph of the store as an rdflib graph, for tests to read with rdflib."""
    import pyoxigraph as ox
    from rdflib import Graph

    return Graph().parse(data=sources.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name)),
                         format="nt")


@pytest.fixture
def project() -> Project:
    return Project.at(REPO, MINI_DATA)


@pytest.fixture
def mini_copy(tmp_path) -> Path:
    """A writable copy of the fixture data, to break on purpose."""
    return Path(shutil.copytree(MINI_DATA, tmp_path / "data"))


@pytest.fixture(scope="session")
def mini_sources():
    sources = load_sources(Project.at(REPO, MINI_DATA))
    add_derived_graph(sources)
    return sources


@pytest.fixture(scope="session")
def mini_store(mini_sources):
    from kgtool.store import load

    return load(mini_sources)


@pytest.fixture(scope="session")
def real_sources():
    """The project's own ontology and data/, with the derived graph, parsed once."""
    sources = load_sources(Project.at(REPO))
    add_derived_graph(sources)
    return sources


@pytest.fixture(scope="session")
def real_store(real_sources):
    from kgtool.store import load

    return load(real_sources)


# What some tests need from the machine ---------------------------------------------------

def require(present: bool, what: str, variable: str) -> None:
    """Skip a test whose tool is missing, saying what to install; fail it instead where
    `variable` is set, as .ci/run sets it, so that CI never passes without running it."""
    if present:
        return
    if os.environ.get(variable):
        pytest.fail(f"{what} ({variable} is set)")
    pytest.skip(what)


@pytest.fixture
def java() -> None:
    """For a test that runs the OWL reasoner (HermiT, which owlready2 starts with `java`)."""
    require(shutil.which("java") is not None, "Java is needed for HermiT (apt-get install default-jre-headless)",
            "KGTOOL_REQUIRE_JAVA")


# Real triple stores (tests/servers.py), started once per session and always stopped ----

@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    import servers

    if not servers.oxigraph_command():
        pytest.fail("the oxigraph server is not installed: pip install -e '.[test]'")
    with servers.oxigraph(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    import servers

    require(servers.virtuoso_available(), "virtuoso-t is not installed (apt-get install virtuoso-opensource; .ci/run does)",
            "KGTOOL_REQUIRE_SERVERS")
    with servers.virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


# The real release, loaded once into each server by `kgtool load` -----------------------

def kgtool(*args, data=None, root: Path = REPO):
    """The installed `kgtool` console script, run as a user runs it, on a project root (this
    repository) and its data/ (or `data`), output captured. The one copy for every test
    file; those that work on the fixture data bind `data=MINI_DATA` with functools.partial."""
    import subprocess
    import sys

    script = Path(sys.executable).parent / "kgtool"
    options = ["--root", str(root)] + (["--data", str(data)] if data else [])
    return subprocess.run([str(script), *options, *args], capture_output=True, text=True)


@pytest.fixture(scope="session")
def real_store_dir(real_sources, tmp_path_factory):
    """The release as `kgtool build --store` writes it, so `load --store` skips validation."""
    from kgtool.store import load

    path = tmp_path_factory.mktemp("release") / "store"
    load(real_sources, path)
    return path


LOAD_STDERR: dict[str, str] = {}  # what `kgtool load` printed into `loaded`, by kind of server


@pytest.fixture(scope="session", params=["oxigraph", "virtuoso"])
def loaded(request, real_store_dir):
    """A server holding the real release (data/ of this repository), loaded by `kgtool load`."""
    server = request.getfixturevalue(f"{request.param}_server")
    done = kgtool("load", "--store", str(real_store_dir), *server.load_args())
    assert done.returncode == 0, done.stderr
    LOAD_STDERR[server.kind] = done.stderr
    return server


# kgtool serve on the real data, a client for it, and a real browser ---------------------

MAX_ROWS = 25  # the row cap the test server runs with
SCREENSHOTS = REPO / "dist" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`kgtool serve` on the real data in a process of its own, for one test module."""
    import servers

    port = servers.free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "kgtool.cli", "--root", str(REPO), "serve",
               "--host", "127.0.0.1", "--port", str(port), "--max-rows", str(MAX_ROWS)]
    with servers.running(command, base + "/", tmp_path_factory.mktemp("serve") / "serve.log"):
        yield base


def http(url: str, data: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of a request, also for 4xx and 5xx answers."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from the system packages (chromium, chromium-driver); nothing is
    downloaded. Missing, the tests skip, unless KGTOOL_REQUIRE_BROWSER is set (as in CI)."""
    require(Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(),
            f"{CHROMIUM} and {CHROMEDRIVER} are needed (apt-get install chromium chromium-driver)",
            "KGTOOL_REQUIRE_BROWSER")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kgtool-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(10)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(browser, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def by_id(browser, element_id: str):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, element_id)
