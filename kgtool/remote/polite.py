"""The polite way to ask a public SPARQL endpoint (SELECT only, JSON results), over the
same client as every other request.

Public endpoints such as the Wikidata Query Service ask their users to name themselves
in the User-Agent, to space out their requests, and to back off when told to (429, 5xx).
`PublicEndpoint` does all three; a failure is one RemoteError (cli.user_errors)."""

from __future__ import annotations

import time
from importlib import metadata

from .client import retrying
from .query import JSON_RESULTS, Endpoint, rows


def user_agent() -> str:
    """`kgtool/VERSION (CONTACT-URL)`, the form Wikimedia's User-Agent policy asks for.
    The contact URL is `[project.urls] Contact` in pyproject.toml."""
    try:
        meta = metadata.metadata("kgtool")
        version = meta["Version"]
        urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    except metadata.PackageNotFoundError:
        version, urls = "unknown", {}
    contact = urls.get("Contact", "no contact URL set in pyproject.toml")
    return f"kgtool/{version} (biopolicy-kg; {contact})"


class PublicEndpoint:
    """One public SPARQL endpoint, asked at most once per `min_interval` seconds; a request
    that fails with 429, 5xx, a timeout or no connection is tried again up to `retries`
    times, waiting `backoff`, 2×`backoff`, 4×`backoff`, ... seconds (or the server's
    Retry-After)."""

    def __init__(self, url: str, *, min_interval: float = 1.0, retries: int = 3,
                 backoff: float = 2.0, timeout: float = 60, agent: str | None = None):
        self.url = url
        self.min_interval = min_interval
        self.endpoint = Endpoint(url, timeout=timeout, retries=retries, backoff=backoff, agent=agent or user_agent())
        self.requests = 0
        self._last = float("-inf")

    def select(self, query: str) -> list[dict]:
        """The solutions of a SELECT query, as SPARQL JSON bindings. Sent by POST: long
        VALUES lists do not fit in a URL."""
        def ask() -> bytes:
            self._wait_turn()
            self.requests += 1
            return self.endpoint.form(self.url, "query", query, JSON_RESULTS).data

        return rows(retrying(self.endpoint, None, ask), self.url)

    def _wait_turn(self) -> None:
        """Sleep so that requests start at least `min_interval` seconds apart."""
        delay = self._last + self.min_interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._last = time.monotonic()
