"""kgtool's one HTTP client: every request to another server (a store that is loaded or
queried, a public endpoint such as Wikidata's) goes through `Client.request`.

It keeps HTTP/1.1 connections open, a pool per origin, for the many requests of a load
(several threads at once); answers a 401 challenge with digest (RFC 7616, and RFC 2617's
form without qop) or basic credentials; reads each answer in pieces within a size and a
time limit, so that a server that trickles or never ends is cut off; and sorts every
failure once: `Transient` for what may pass (no connection, a dropped one, a timeout,
HTTP 429 and 5xx), `RemoteError` for the rest. `retrying` runs a step again after a
transient failure, with exponential backoff, in one place."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import select
import ssl
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from email.message import Message
from typing import Callable, Iterable

from ..errors import KgtoolError

FORM = "application/x-www-form-urlencoded"
MAX_RETRY_AFTER = 120.0  # seconds; a longer Retry-After is not worth waiting for here
DIGESTS = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}  # RFC 7616's algorithms, each also as -sess
PARAMETER = re.compile(r'([\w-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+)')  # of a WWW-Authenticate challenge


class RemoteError(KgtoolError):
    """The server failed for good or refused; the message names the URL."""


class Transient(Exception):
    """A failure that may pass. `sent`: the request may have reached the server; `wait`:
    the seconds the server asked to wait before the next try (Retry-After)."""

    def __init__(self, message: str, sent: bool = True, wait: float = 0.0):
        super().__init__(message)
        self.sent, self.wait = sent, wait


@dataclass
class Answer:
    """A whole answer: its status, headers and body."""

    status: int
    reason: str
    headers: Message
    data: bytes

    @property
    def server(self) -> list[str]:
        """The answer's `Server` headers (a proxy may add one)."""
        return self.headers.get_all("Server") or []

    @property
    def media_type(self) -> str:
        return self.headers.get_content_type()


def form_body(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def log(message: str) -> None:
    print(f"[remote] {message}", file=sys.stderr, flush=True)


class Client:
    """Requests to any number of servers with one set of credentials and limits: `timeout`
    seconds for a request and its whole answer, `max_answer_bytes` for the answer."""

    def __init__(self, timeout: float = 300.0, max_answer_bytes: int = 2**30, user: str | None = None,
                 password: str | None = None, auth: str = "digest", agent: str | None = None):
        self.timeout, self.max_answer_bytes, self.agent = timeout, max_answer_bytes, agent
        self.user, self.password, self.auth = user, password or "", auth
        self._idle: dict[tuple[str, str], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._challenge: dict[str, str] | None = None  # the server's last digest challenge
        self._nonce_count = 0

    def close(self) -> None:
        with self._lock:
            for connections in self._idle.values():
                for connection in connections:
                    connection.close()
            self._idle.clear()

    def request(self, method: str, url: str, body: bytes | Iterable[bytes] | None = None,
                content_type: str | None = None, accept: str | None = None) -> Answer:
        """One request (a body that is an iterator of bytes is sent chunked). Raises
        Transient for what a retry may cure, RemoteError otherwise."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RemoteError(f"{url} is not an http or https URL")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in (("Content-Type", content_type), ("Accept", accept),
                                     ("User-Agent", self.agent)) if v}
        resendable = body is None or isinstance(body, bytes)
        for attempt in (1, 2):  # a second time only to answer a digest challenge
            authorization = self._authorization(method, target)
            if authorization:
                headers["Authorization"] = authorization
            answer = self._exchange(parts, method, url, target, body, headers)
            if answer.status != 401 or attempt == 2 or not resendable or not self._challenged(answer, url):
                break
        return checked(answer, method, url)

    def _exchange(self, parts, method: str, url: str, target: str, body, headers: dict) -> Answer:
        """Send, and read the whole answer within the time and size limits."""
        started = time.monotonic()
        connection = self._connection(parts, url)
        try:
            connection.request(method, target, body, headers,
                               encode_chunked=body is not None and not isinstance(body, bytes))
            response = connection.getresponse()
            data = self._read(response, started, f"{method} {url}")
            response.close()  # read to its end; read1 leaves an answer of known length open
        except (OSError, http.client.HTTPException) as error:  # timeouts, resets, dropped connections
            connection.close()
            raise Transient(f"{method} {url}: {str(error) or type(error).__name__}") from None
        except BaseException:  # too long or too slow an answer, or an interrupt
            connection.close()
            raise
        if connection.sock is not None:  # None: the server said it closes the connection
            with self._lock:
                self._idle.setdefault(parts[:2], []).append(connection)
        return Answer(response.status, response.reason, response.headers, data)

    def _connection(self, parts, url: str) -> http.client.HTTPConnection:
        """An idle connection to the origin that the server has not closed, or a new one."""
        with self._lock:
            idle = self._idle.get(parts[:2], [])
            while idle:
                connection = idle.pop()
                if not select.select([connection.sock], [], [], 0)[0]:  # nothing to read: still open
                    return connection
                connection.close()
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.netloc, timeout=self.timeout)
        try:
            connection.connect()
        except ssl.SSLCertVerificationError as error:
            raise RemoteError(f"cannot reach {url}: {error}") from None
        except OSError as error:
            raise Transient(f"cannot reach {url}: {error}", sent=False) from None
        return connection

    def _read(self, response, started: float, what: str) -> bytes:
        """The whole answer, read in pieces, within the request's time and size: a server
        that trickles one byte at a time, or sends without end, is cut off."""
        pieces, size = [], 0
        while piece := response.read1(65536):  # what has arrived, not a full 64 KiB
            size += len(piece)
            if size > self.max_answer_bytes:
                raise RemoteError(f"{what}: the answer is longer than {self.max_answer_bytes} bytes; refused")
            if time.monotonic() - started > self.timeout:
                raise Transient(f"{what}: no complete answer within {self.timeout:g} s (--timeout)")
            pieces.append(piece)
        return b"".join(pieces)

    def _authorization(self, method: str, target: str) -> str | None:
        """The Authorization header: basic at once, digest once the server has sent a
        challenge (then for every request, counting its nonce's uses)."""
        if self.user is None:
            return None
        if self.auth == "basic":
            return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        with self._lock:
            if self._challenge is None:
                return None
            self._nonce_count += 1
            challenge, count = self._challenge, self._nonce_count
        return digest(challenge, self.user, self.password, method, target, count)

    def _challenged(self, answer: Answer, url: str) -> bool:
        """Whether a 401 answer brought a digest challenge to answer (a new nonce, or the
        first one)."""
        if self.user is None or self.auth != "digest":
            return False
        for value in answer.headers.get_all("WWW-Authenticate") or []:
            scheme, _, rest = value.strip().partition(" ")
            if scheme.lower() == "digest":
                challenge = {k.lower(): re.sub(r"\\(.)", r"\1", v[1:-1]) if v.startswith('"') else v
                             for k, v in PARAMETER.findall(rest)}
                if challenge.get("algorithm", "MD5").upper().removesuffix("-SESS") not in DIGESTS:
                    raise RemoteError(f"{url} asks for digest algorithm {challenge['algorithm']}, "
                                      f"which kgtool does not know ({', '.join(DIGESTS)})")
                with self._lock:
                    self._challenge, self._nonce_count = challenge, 0
                return True
        return False


def digest(challenge: dict[str, str], user: str, password: str, method: str, target: str, count: int,
           cnonce: str | None = None) -> str:
    """The digest Authorization header for one request (RFC 7616, section 3.4); `cnonce`
    is random unless given."""
    algorithm = challenge.get("algorithm", "MD5")
    hashed = DIGESTS[algorithm.upper().removesuffix("-SESS")]

    def h(text: str) -> str:
        return hashed(text.encode()).hexdigest()

    nonce, cnonce, nc = challenge.get("nonce", ""), cnonce or os.urandom(8).hex(), f"{count:08x}"
    secret = h(f"{user}:{challenge.get('realm', '')}:{password}")
    if algorithm.upper().endswith("-SESS"):
        secret = h(f"{secret}:{nonce}:{cnonce}")
    request = h(f"{method}:{target}")
    qop = "auth" in [q.strip() for q in challenge.get("qop", "").split(",")]
    response = h(f"{secret}:{nonce}:{nc}:{cnonce}:auth:{request}" if qop else f"{secret}:{nonce}:{request}")
    fields = [f'username="{user}"', f'realm="{challenge.get("realm", "")}"', f'nonce="{nonce}"', f'uri="{target}"',
              f'response="{response}"', f"algorithm={algorithm}"]
    fields += [f'opaque="{challenge["opaque"]}"'] * ("opaque" in challenge)
    fields += [f'qop=auth, nc={nc}, cnonce="{cnonce}"'] * qop
    return "Digest " + ", ".join(fields)


def checked(answer: Answer, method: str, url: str) -> Answer:
    """The answer if its status is below 300; else the error it means."""
    if answer.status < 300:
        return answer
    if answer.status < 400:
        detail = f"moved to {answer.headers.get('Location', '?')}"
    else:
        detail = answer.data[:300].decode("utf-8", "replace").strip()
    message = f"{method} {url}: HTTP {answer.status} {answer.reason}" + (f": {detail}" if detail else "")
    if answer.status == 429 or answer.status >= 500:
        raise Transient(message, wait=retry_after(answer.headers))
    raise RemoteError(message)


def retry_after(headers: Message) -> float:
    """The server's Retry-After in seconds, if it gave one as a number."""
    try:
        return min(float(headers.get("Retry-After", 0)), MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return 0.0


def retrying(policy, what: str | None, action: Callable, idempotent: bool = True):
    """Run `action`; after a transient failure run it again, at most `policy.retries` times,
    waiting `policy.backoff` seconds, then twice as long each time (longer when the server
    asks); then one RemoteError. An action that is not idempotent is run again only when
    its request never reached the server. `what` names the step in the log and the
    error; None says nothing until the error (the caller reports progress itself)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return action()
        except Transient as error:
            if attempt > policy.retries or (error.sent and not idempotent):
                tries = f"{attempt} {'try' if attempt == 1 else 'tries'}"
                raise RemoteError(f"{what + ': ' if what else ''}{error} (gave up after {tries})") from None
            delay = max(policy.backoff * 2 ** (attempt - 1), error.wait)
            if what:
                log(f"{what}: {error}; retrying in {delay:g} s")
            time.sleep(delay)
