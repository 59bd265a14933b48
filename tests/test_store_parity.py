"""Every saved query prints the same CSV, byte for byte, on the embedded store (`kgtool query
NAME --format csv`), on an Oxigraph server started with --union-default-graph and on
Virtuoso 7 (`--endpoint URL`), each holding the real release (conftest.py, `loaded`).

This compares what a user sees: the order of the rows and of the " | " parts of a
concatenated cell, the spelling of numbers and dates, the language of each label.
tests/test_remote.py compares the same answers as RDF terms, with the rows that an ORDER BY
leaves tied, and the parts of a cell, taken in any order."""

from __future__ import annotations

from datetime import date

import pytest

from kgtool.query import catalogue

from conftest import REPO, kgtool

# Values for the parameters that have no default, each a real resource of data/.
PARAMETERS = {
    "law-version-diff": ["work=https://w3id.org/biopolicy/id/document/cn-biosecurity-law"],  # its header's example
    "provenance": ["entity=bp:agency/us-dod"],
    "what-became-of": ["item=https://w3id.org/biopolicy/id/measure/nsceb-final-report/rec-1-1a"],
    "document-status": [f"date={date.today().isoformat()}"],  # its default, fixed once for all three stores
}
NOT_COMPARED = {
    "wikidata-enrichment": "it calls SERVICE <https://query.wikidata.org/sparql>, an endpoint on the internet, "
                           "outside the stores compared here",
}


def cases():
    """Every saved query in both languages but those in NOT_COMPARED (left out, not
    skipped: test_only_the_queries_named_are_left_out checks the list)."""
    for query in catalogue(REPO / "queries"):
        if query.name in NOT_COMPARED:
            continue
        for lang in ("en", "zh"):
            arguments = [f"--param={value}" for value in PARAMETERS.get(query.name, [])] + ["--lang", lang]
            yield pytest.param(query.name, arguments, id=f"{query.name}-{lang}")


def test_only_the_queries_named_are_left_out():
    """A query is left out of the comparison only for a reason that holds: it calls a
    SERVICE on the internet, which no store here may reach."""
    saved = {query.name: query for query in catalogue(REPO / "queries")}
    assert set(NOT_COMPARED) <= set(saved)
    for name in NOT_COMPARED:
        assert "SERVICE" in saved[name].text and "wikidata.org" in saved[name].text, name


EMBEDDED: dict[tuple, str] = {}  # the embedded store's CSV, asked once for both servers


def embedded_csv(name: str, arguments: list[str], store_dir) -> str:
    key = (name, *arguments)
    if key not in EMBEDDED:
        done = kgtool("query", name, "--format", "csv", *arguments, "--store", str(store_dir))
        assert done.returncode == 0, done.stderr
        EMBEDDED[key] = done.stdout
    return EMBEDDED[key]


@pytest.mark.parametrize("name, arguments", list(cases()))
def test_saved_query_csv_is_byte_identical_to_the_embedded_stores(loaded, real_store_dir, name, arguments):
    want = embedded_csv(name, arguments, real_store_dir)
    got = kgtool("query", name, "--format", "csv", *arguments, "--endpoint", loaded.query, *loaded.auth_args())
    assert got.returncode == 0, got.stderr
    assert want.count("\n") > 1, f"{name} answers no rows on the embedded store: nothing is compared"
    assert got.stdout == want
