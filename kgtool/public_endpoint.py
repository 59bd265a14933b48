"""A polite client for a public SPARQL endpoint (SELECT only, JSON results).

Public endpoints such as the Wikidata Query Service ask their users to name themselves
in the User-Agent, to space out their requests, and to back off when told to (429, 5xx).
This client does all three in one place, and turns every failure into one clear
`EndpointError` instead of a urllib traceback.
"""

from __future__ import annotations

import socket
import time
import urllib.error
from importlib import metadata

from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 120.0  # seconds; a longer Retry-After is not worth waiting for here


class EndpointError(Exception):
    """The endpoint could not be reached or kept failing; the message says which and why."""


class Retryable(Exception):
    """A failure worth another try (rate limit, server error, timeout); `wait` is a hint."""

    def __init__(self, reason: str, wait: float = 0.0):
        super().__init__(reason)
        self.wait = wait


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
    """One public SPARQL endpoint, asked at most once per `min_interval` seconds; a request that
    fails with 429, 5xx or a timeout is tried again up to `retries` times, waiting
    `backoff`, 2×`backoff`, 4×`backoff`, ... seconds (or the server's Retry-After)."""

    def __init__(self, url: str, *, min_interval: float = 1.0, retries: int = 3,
                 backoff: float = 2.0, timeout: int = 60, agent: str | None = None):
        self.url = url
        self.min_interval = min_interval
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.agent = agent or user_agent()
        self.requests = 0
        self._last = float("-inf")

    def select(self, query: str) -> list[dict]:
        """The solutions of a SELECT query, as SPARQL JSON bindings."""
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                return self._request(query)
            except Retryable as failure:
                if attempt == self.retries:
                    raise EndpointError(f"{self.url}: {failure} (gave up after {attempt + 1} tries)") from None
                time.sleep(max(failure.wait, self.backoff * 2 ** attempt))
        raise AssertionError("unreachable")

    def _wait_turn(self) -> None:
        """Sleep so that requests start at least `min_interval` seconds apart."""
        delay = self._last + self.min_interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._last = time.monotonic()

    def _request(self, query: str) -> list[dict]:
        """One HTTP request; sorts each failure into Retryable or EndpointError."""
        client = SPARQLWrapper(self.url, agent=self.agent)
        client.setMethod(POST)  # long VALUES lists do not fit in a URL
        client.setReturnFormat(JSON)
        client.setTimeout(self.timeout)
        client.setQuery(query)
        self.requests += 1
        try:
            return client.query().convert()["results"]["bindings"]
        except EndPointInternalError:
            raise Retryable("HTTP 500 (server error)") from None
        except urllib.error.HTTPError as error:
            if error.code in RETRY_STATUS:
                raise Retryable(f"HTTP {error.code} ({error.reason})", retry_after(error)) from None
            raise EndpointError(f"{self.url}: HTTP {error.code} ({error.reason})") from None
        except (TimeoutError, socket.timeout):
            raise Retryable(f"no answer within {self.timeout} s") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise Retryable(f"no answer within {self.timeout} s") from None
            raise EndpointError(f"cannot reach {self.url}: {error.reason}") from None
        except SPARQLWrapperException as error:  # 400, 401, 404, 414: trying again will not help
            raise EndpointError(f"{self.url}: {str(error).splitlines()[0]}") from None
        except (ValueError, KeyError) as error:
            raise EndpointError(f"{self.url}: the answer is not SPARQL JSON results ({error})") from None


def retry_after(error: urllib.error.HTTPError) -> float:
    """The server's Retry-After in seconds, if it gave one as a number."""
    try:
        return min(float(error.headers.get("Retry-After", 0)), MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return 0.0
