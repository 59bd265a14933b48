"""kgtool/remote/polite.py: how a public endpoint such as Wikidata's is asked. A User-Agent
that names the tool and a contact (Wikimedia's User-Agent policy), requests spaced at least
`min_interval` apart, and a failure that may pass (429, 5xx) tried again."""

from __future__ import annotations

import json
import tomllib
from importlib import metadata

import pytest

from kgtool.remote import PublicEndpoint
from kgtool.remote import polite

from conftest import REPO
from servers import Stub


class Clock:
    """A stand-in for the time module: `sleep` moves the clock on and is recorded."""

    def __init__(self, now: float):
        self.now, self.slept = now, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_user_agent_names_the_version_and_the_contact_of_pyproject_toml():
    contact = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Contact"]
    assert polite.user_agent() == f"kgtool/{metadata.version('kgtool')} (biopolicy-kg; {contact})"


def test_requests_start_at_least_min_interval_apart(monkeypatch):
    clock = Clock(1000.0)
    monkeypatch.setattr(polite, "time", clock)
    endpoint = PublicEndpoint("http://h:1/sparql", min_interval=1.0)
    endpoint._wait_turn()  # the first goes at once
    endpoint._wait_turn()  # the next waits the whole interval
    clock.now += 0.4
    endpoint._wait_turn()  # the rest of it
    clock.now += 5
    endpoint._wait_turn()  # none: the interval is past
    assert clock.slept == [pytest.approx(1.0), pytest.approx(0.6)]


def test_a_select_is_posted_named_and_tried_again_after_a_server_error():
    answers = iter([(503, {}, b"busy")])
    rows = [{"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q5"}}]

    def answer(handler):
        return next(answers, (200, {"Content-Type": "application/sparql-results+json"},
                              json.dumps({"head": {"vars": ["item"]}, "results": {"bindings": rows}}).encode()))

    with Stub(answer) as stub:
        endpoint = PublicEndpoint(stub.url + "/sparql", min_interval=0, backoff=0.01, agent="kgtool/test (contact)")
        assert endpoint.select("SELECT ?item WHERE { ?item ?p ?o }") == rows
    assert endpoint.requests == 2 and [method for _, method, _, _ in stub.received] == ["POST", "POST"]
    assert all(headers["User-Agent"] == "kgtool/test (contact)" for *_, headers in stub.received)
