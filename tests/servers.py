"""Real triple stores for the tests, each on 127.0.0.1 on a free port, with its data in a
temporary directory: an Oxigraph server, a Virtuoso Open Source 7 server, a small HTTP
proxy that fails on purpose, and a stub that answers as a test says (`Stub`). Each is a
context manager that stops what it started, also when the test inside fails.

Readiness is polled (up to a generous limit), never assumed after a fixed sleep, so a slow
machine makes the tests slower, not wrong."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

READY_WITHIN = 120  # seconds: only a limit for a server that never comes up
VIRTUOSO_PASSWORD = "kgtoolDbaSecret"
LOADER = ("kgtool_loader", "kgtoolLoaderSecret")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """Where a running store answers, and the process behind it."""

    query: str
    update: str
    graph_store: str
    process: subprocess.Popen
    user: str | None = None
    password: str | None = None
    kind: str = "oxigraph"

    def auth_args(self) -> list[str]:
        return ["--user", self.user, "--password", self.password] if self.user else []

    def load_args(self) -> list[str]:
        return ["--endpoint", self.query, "--update-endpoint", self.update,
                "--graph-store", self.graph_store, *self.auth_args()]


def wait_until_up(url: str, process: subprocess.Popen, log: Path | None = None) -> None:
    """Poll `url` until it answers at all (any HTTP status), or fail if the process died."""
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            detail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"server exited with {process.returncode} before answering at {url}\n{detail}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer at {url} within {READY_WITHIN} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def die_with_parent() -> None:
    """In the server's process, before it starts: ask Linux to kill it when the test run
    that started it dies (a `timeout`, a Ctrl-C), so that no server outlives its tests."""
    import ctypes
    import signal

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@contextmanager
def running(command: list[str], url: str, log: Path, cwd: Path | None = None):
    """Start `command`, wait for `url` to answer, and stop the process afterwards."""
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                   preexec_fn=die_with_parent)
    try:
        wait_until_up(url, process, log)
        yield process
    finally:
        stop(process)


# Oxigraph ------------------------------------------------------------------------------

def oxigraph_command() -> str | None:
    return shutil.which("oxigraph") or _beside_python("oxigraph")


def _beside_python(name: str) -> str | None:
    import sys

    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else None


@contextmanager
def oxigraph(directory: Path, union: bool = True):
    """`oxigraph serve` with the default graph as the union of all graphs (what the saved
    queries read), or with `union=False` as it starts without the flag: a default graph of
    its own, empty."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [oxigraph_command(), "serve", "--location", str(directory / "db"),
               "--bind", f"127.0.0.1:{port}"] + ["--union-default-graph"] * union
    with running(command, f"{base}/query?query=ASK%7B%7D", directory / "oxigraph.log") as process:
        yield Server(f"{base}/query", f"{base}/update", f"{base}/store", process)


# Virtuoso ------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = ., {db}, /usr/share/virtuoso-opensource-7/vad
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""

# The loading user: may run SPARQL Update (which the Graph Store endpoint needs too).
VIRTUOSO_SETUP = [
    "DB.DBA.USER_CREATE('{user}', '{password}')",
    "GRANT SPARQL_UPDATE TO \"{user}\"",
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{user}', 15)",
    "DB.DBA.USER_CHANGE_PASSWORD('dba', 'dba', '{dba}')",
]


def virtuoso_available() -> bool:
    return shutil.which("virtuoso-t") is not None and shutil.which("isql-vt") is not None


def isql(sql_port: int, password: str, statements: list[str]) -> None:
    script = "".join(f"{s};\n" for s in statements)
    done = subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", password, f"EXEC={script}"],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt failed: {done.stdout}{done.stderr}")


@contextmanager
def virtuoso(directory: Path):
    """`virtuoso-t` in the foreground with its database in `directory`, a DBA password set,
    and a loading user that authenticates with HTTP digest on the `-auth` endpoints."""
    db = directory / "virtuoso"
    db.mkdir()
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=db, sql_port=sql_port, http_port=http_port))
    base = f"http://127.0.0.1:{http_port}"
    command = ["virtuoso-t", "+configfile", str(ini), "+foreground"]
    with running(command, f"{base}/sparql?query=ASK%7B%7D", db / "virtuoso.log", cwd=db) as process:
        user, password = LOADER
        isql(sql_port, "dba", [s.format(dba=VIRTUOSO_PASSWORD, user=user, password=password)
                               for s in VIRTUOSO_SETUP])
        yield Server(f"{base}/sparql-auth", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth",
                     process, user, password, "virtuoso")


# A proxy that fails on purpose ---------------------------------------------------------

def answer_200(handler, body: bytes, kind: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def trickle(handler) -> None:
    """One byte of a JSON answer every half second, for ever (until the client leaves)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/sparql-results+json")
    handler.end_headers()
    try:
        for _ in range(240):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.5)
    except OSError:
        pass


def endless(handler) -> None:
    """An answer without a length that never ends (until the client leaves, or 4 GiB)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/sparql-results+json")
    handler.end_headers()
    chunk = b"[" * 65536
    try:
        for _ in range(65536):
            handler.wfile.write(chunk)
    except OSError:
        pass
    handler.close_connection = True


HOSTILE_ANSWERS = {  # what a server that is not a SPARQL store (or a broken one) sends back
    "html": lambda h: answer_200(h, b"<!doctype html><html><body>Please log in</body></html>", "text/html"),
    "not-results": lambda h: answer_200(h, b'{"head": {"vars": ["g", "n"]}}', "application/sparql-results+json"),
    "bad-count": lambda h: answer_200(h, b'{"head": {"vars": ["g", "n"]}, "results": {"bindings": [{"g": '
                                         b'{"type": "uri", "value": "urn:x"}, "n": {"type": "literal", "value": "many"}}]}}',
                                      "application/sparql-results+json"),
    "trickle": trickle,
    "endless": endless,
}


class Serving:
    """`self.server` (an http.server) answering on a thread of its own within a `with` block."""

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Stub(Serving):
    """An HTTP/1.1 server that keeps connections open and answers each request with
    `answer(handler) -> (status, headers, body)`; `received` holds (client port, method,
    path, headers) of each request."""

    def __init__(self, answer):
        self.received: list[tuple[int, str, str, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_one(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stub.received.append((self.client_address[1], self.command, self.path, dict(self.headers)))
                status, headers, body = answer(self)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = handle_one

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"



class FaultyProxy(Serving):
    """Forwards HTTP requests to `server`, except that `fault(number, method, path)` may
    return "drop" (close the connection without an answer, as a dying server does),
    "stall" (say nothing for `stall_seconds`, then drop: a hung server), one of
    HOSTILE_ANSWERS, or an HTTP status to answer instead (e.g. 503). Requests are numbered
    from 1."""

    stall_seconds = 5.0

    def __init__(self, server: Server, fault):
        self.target = server.query[: server.query.index("/", len("http://"))]
        self.backend, self.fault, self.count = server, fault, 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def forward(self):
                with proxy.lock:
                    proxy.count += 1
                    number = proxy.count
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = proxy.fault(number, self.command, self.path)
                if action == "stall":
                    time.sleep(proxy.stall_seconds)
                    action = "drop"
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action in HOSTILE_ANSWERS:
                    HOSTILE_ANSWERS[action](self)
                    return
                if action:
                    self.send_response(action)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.relay(body)

            def relay(self, body: bytes):
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                request = urllib.request.Request(proxy.target + self.path, data=body or None,
                                                 headers=headers, method=self.command)
                try:
                    response = urllib.request.urlopen(request, timeout=60)
                except urllib.error.HTTPError as error:
                    response = error
                data = response.read()
                self.send_response(response.status if hasattr(response, "status") else response.code)
                for key, value in response.headers.items():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def via(self, url: str) -> str:
        """The server's `url`, reached through this proxy."""
        return self.url + url[len(self.target):]

    def load_args(self) -> list[str]:
        """`load` arguments that go through this proxy to the server."""
        server = self.backend
        return ["--endpoint", self.via(server.query), "--update-endpoint", self.via(server.update),
                "--graph-store", self.via(server.graph_store), *server.auth_args()]
