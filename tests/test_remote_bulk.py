"""`kgtool load` into an Oxigraph server by its own path (kgtool.remote, "Loading into an
Oxigraph server"): the change as one request, one transaction.

Faults are made at the TCP level by `CuttingProxy`, which passes bytes through unchanged
(so the server's own `Server` header reaches the client and the Oxigraph path is taken)
until a chosen request has sent a chosen number of bytes; then it drops the connection,
kills the server (SIGKILL, mid-request), or lets the request through and loses the
answer. What the server holds is read back with plain HTTP, not with kgtool.remote."""

from __future__ import annotations

import socket
import threading
import urllib.parse

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from kgtool import remote
from kgtool.remote import load as loading
from kgtool.store import triples_per_graph

import servers
from conftest import GRAPHS
from test_remote import local_graph, server_counts, server_graph

ONTOLOGY = GRAPHS + "ontology"  # has blank nodes
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


class CuttingProxy:
    """Forwards TCP connections to `server`. On a connection whose client has sent
    `trigger` (the start of a request line) and then `after` bytes more, it does `action`:
    "drop" (close both ends, the rest unsent), "kill" (SIGKILL the server first), or
    "lose-answer" (send the whole request, then close without relaying the answer).
    `times` limits how many connections it acts on."""

    def __init__(self, server: servers.Server, trigger: bytes, action: str, after: int = 0, times: int = 1_000):
        self.backend = int(urllib.parse.urlsplit(server.query).port)
        self.server, self.trigger, self.action, self.after, self.times = server, trigger, action, after, times
        self.fired = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def __enter__(self):
        threading.Thread(target=self.accept, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.listener.close()

    def endpoint(self, **options) -> remote.Endpoint:
        base = self.url
        return remote.Endpoint(f"{base}/query", f"{base}/update", f"{base}/store", backoff=0.01, **options)

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.connection, args=(client,), daemon=True).start()

    def fire(self) -> bool:
        with self.lock:
            if self.fired >= self.times:
                return False
            self.fired += 1
            return True

    def connection(self, client: socket.socket):
        try:
            backend = socket.create_connection(("127.0.0.1", self.backend))
        except OSError:
            client.close()
            return
        muted = threading.Event()
        threading.Thread(target=self.answers, args=(backend, client, muted), daemon=True).start()
        stream, sent, limit = bytearray(), 0, None
        try:
            while data := client.recv(65536):
                stream += data
                found = stream.find(self.trigger, max(0, sent - len(self.trigger)))
                if limit is None and found >= 0 and self.fire():
                    limit = found + len(self.trigger) + self.after
                    if self.action == "lose-answer":
                        muted.set()
                if limit is None or self.action == "lose-answer":
                    backend.sendall(data)
                    sent = len(stream)
                    continue
                backend.sendall(bytes(stream[sent:limit]))
                sent = min(limit, len(stream))
                if len(stream) >= limit:
                    if self.action == "kill":
                        self.server.process.kill()
                        self.server.process.wait()
                    break
        except OSError:
            pass
        for end in (client, backend):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    @staticmethod
    def answers(backend: socket.socket, client: socket.socket, muted: threading.Event):
        try:
            while data := backend.recv(65536):
                if muted.is_set():
                    break
                client.sendall(data)
        except OSError:
            pass
        try:
            client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Requests:
    """The requests kgtool.remote's client makes: (method, url, body), a
    streamed body as the word "stream"."""

    def __init__(self, monkeypatch):
        self.made: list[tuple[str, str, bytes | str | None]] = []
        real = remote.Client.request

        def request(session, method, url, body=None, *args, **kwargs):
            self.made.append((method, url, body if body is None or isinstance(body, bytes) else "stream"))
            return real(session, method, url, body, *args, **kwargs)

        monkeypatch.setattr(remote.Client, "request", request)

    def writes(self) -> list[tuple[str, str, bytes | str | None]]:
        return [r for r in self.made if r[0] != "GET" and not r[1].endswith("/query")]


@pytest.fixture
def oxigraph_alone(tmp_path):
    with servers.oxigraph(tmp_path) as server:
        yield server


def copy(store: ox.Store) -> ox.Store:
    new = ox.Store()
    new.extend(store)
    return new


def same_everywhere(server: servers.Server, store: ox.Store) -> None:
    """The server holds exactly the store's graphs, no temporary graph among them."""
    assert server_counts(server) == triples_per_graph(store)
    for graph in triples_per_graph(store):
        assert isomorphic(server_graph(server, graph), local_graph(store, graph)), graph
    assert not any(g.startswith(remote.LOADING) for g in server_counts(server, prefix=""))


def test_a_first_load_is_one_nquads_request_without_temporary_graphs(oxigraph_alone, mini_store, monkeypatch):
    requests = Requests(monkeypatch)
    counts = remote.push(mini_store, remote.Endpoint(oxigraph_alone.query, oxigraph_alone.update,
                                                     oxigraph_alone.graph_store), triples_per_graph(mini_store))
    assert counts == triples_per_graph(mini_store)
    assert requests.writes() == [("POST", oxigraph_alone.graph_store, "stream")]
    assert not any(remote.LOADING in url for _, url, _ in requests.made)
    same_everywhere(oxigraph_alone, mini_store)


def test_a_reload_writes_only_what_changed_in_one_update(oxigraph_alone, mini_store, monkeypatch, capsys):
    server = oxigraph_alone
    remote.push(mini_store, remote.Endpoint(server.query, server.update, server.graph_store),
                triples_per_graph(mini_store))
    changed = copy(mini_store)
    graphs = sorted(g for g in triples_per_graph(mini_store)
                    if not loading.has_blank_nodes(loading.local_triples(mini_store, g)))
    dropped = next(q for q in changed.quads_for_pattern(None, None, None, ox.NamedNode(graphs[0])))
    changed.remove(dropped)
    added = ox.Quad(ox.NamedNode("https://w3id.org/biopolicy/id/x"), RDFS_LABEL, ox.Literal('a "new" label\nhere', language="en"),
                    ox.NamedNode(graphs[1]))
    changed.add(added)
    requests = Requests(monkeypatch)
    capsys.readouterr()
    remote.push(changed, remote.Endpoint(server.query, server.update, server.graph_store), triples_per_graph(changed))
    [(method, url, body)] = requests.writes()
    assert (method, url) == ("POST", server.update)
    assert body.count(b"GRAPH <") == 2 and b"DROP" not in body  # the ontology's blank nodes are the same
    assert str(ox.Triple(dropped.subject, dropped.predicate, dropped.object)).encode() in body
    same_everywhere(server, changed)
    total = len(triples_per_graph(changed))
    assert f"[remote] 2 of {total} graphs written in one transaction, {total - 2} unchanged;" in capsys.readouterr().err
    requests.made.clear()
    remote.push(changed, remote.Endpoint(server.query, server.update, server.graph_store), triples_per_graph(changed))
    assert requests.writes() == []  # nothing changed: nothing written, and the log says so
    assert f"[remote] unchanged: all {total} graphs were as in the release" in capsys.readouterr().err


def test_a_graph_whose_blank_nodes_changed_is_replaced_whole(oxigraph_alone, mini_store, monkeypatch):
    server = oxigraph_alone
    remote.push(mini_store, remote.Endpoint(server.query, server.update, server.graph_store),
                triples_per_graph(mini_store))
    changed = copy(mini_store)
    node = ox.BlankNode()
    changed.add(ox.Quad(ox.NamedNode("https://w3id.org/biopolicy/ontology#x"), RDFS_LABEL, node, ox.NamedNode(ONTOLOGY)))
    changed.add(ox.Quad(node, RDFS_LABEL, ox.Literal("x"), ox.NamedNode(ONTOLOGY)))
    requests = Requests(monkeypatch)
    remote.push(changed, remote.Endpoint(server.query, server.update, server.graph_store), triples_per_graph(changed))
    [(_, _, body)] = requests.writes()
    assert body.startswith(f"DROP SILENT GRAPH <{ONTOLOGY}>".encode()) and body.count(b"GRAPH <") == 2
    same_everywhere(server, changed)


def test_a_change_too_large_for_one_update_is_staged_and_moved(oxigraph_alone, mini_store, real_store, monkeypatch):
    server = oxigraph_alone
    remote.push(mini_store, remote.Endpoint(server.query, server.update, server.graph_store),
                triples_per_graph(mini_store))
    monkeypatch.setattr(loading, "UPDATE_LIMIT", 10_000)
    remote.push(real_store, remote.Endpoint(server.query, server.update, server.graph_store),
                triples_per_graph(real_store))
    assert {g: n for g, n in server_counts(server).items() if g in triples_per_graph(real_store)} \
        == triples_per_graph(real_store)
    for graph in (ONTOLOGY, GRAPHS + "derived"):
        assert isomorphic(server_graph(server, graph), local_graph(real_store, graph)), graph
    assert not any(g.startswith(remote.LOADING) for g in server_counts(server, prefix=""))


# Faults ----------------------------------------------------------------------------------

def test_a_first_load_cut_off_mid_request_writes_nothing(oxigraph_alone, mini_store):
    server = oxigraph_alone
    with CuttingProxy(server, b"POST /store HTTP/1.1", "drop", after=3000) as proxy:
        with pytest.raises(remote.RemoteError, match=r"loading \d+ graphs at " + proxy.url):
            remote.push(mini_store, proxy.endpoint(retries=2), triples_per_graph(mini_store))
    assert proxy.fired == 3  # the first attempt and two retries, each cut off
    assert server_counts(server, prefix="") == {}


def test_an_answer_lost_after_the_load_is_repeated_harmlessly(oxigraph_alone, mini_store):
    """The server commits, the answer never comes: the repeated attempt reads the server,
    finds every graph as it should be (the ontology's blank nodes too), and writes nothing."""
    server = oxigraph_alone
    with CuttingProxy(server, b"POST /store HTTP/1.1", "lose-answer", times=1) as proxy:
        counts = remote.push(mini_store, proxy.endpoint(retries=2), triples_per_graph(mini_store))
    assert proxy.fired == 1 and counts == triples_per_graph(mini_store)
    same_everywhere(server, mini_store)


@pytest.mark.parametrize("trigger", [b"POST /update HTTP/1.1", b"POST /store HTTP/1.1"])
def test_a_server_killed_mid_load_keeps_every_graph_at_its_old_version(tmp_path, mini_store, real_store, trigger):
    """The release grows from the mini fixture to the real data: the graphs both have
    change (one update), or, when only new graphs are added, they go in as one N-Quads
    POST. The server is killed with SIGKILL in the middle of that request; started again
    on the same directory, it holds the mini fixture, every graph whole."""
    release = copy(real_store)
    if trigger.startswith(b"POST /store"):  # only additions: the graphs the mini release has are left out
        for graph in triples_per_graph(mini_store):
            release.clear_graph(ox.NamedNode(graph))
    expected = {g: n for g, n in triples_per_graph(release).items() if n}
    with servers.oxigraph(tmp_path) as server:
        remote.push(mini_store, remote.Endpoint(server.query, server.update, server.graph_store),
                    triples_per_graph(mini_store))
        with CuttingProxy(server, trigger, "kill", after=20_000) as proxy:
            with pytest.raises(remote.RemoteError, match=r"loading \d+ graphs at " + proxy.url):
                remote.push(release, proxy.endpoint(retries=1), expected)
        assert proxy.fired == 1
        server.process.wait(timeout=30)  # killed by the proxy; the kill may take a moment to be seen
    with servers.oxigraph(tmp_path) as again:
        same_everywhere(again, mini_store)
