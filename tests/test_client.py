"""kgtool.remote's one HTTP client (kgtool/remote/client.py) and the answers `query
--endpoint` reads, against a small HTTP/1.1 server of the test's own on 127.0.0.1 that
records what it received. The real stores are in tests/test_remote.py."""

from __future__ import annotations

import hashlib
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from kgtool.remote import Client, Endpoint, RemoteError, select
from kgtool.remote.client import digest

from servers import Serving

# RFC 7616, section 3.9.1: the example request and its responses for MD5 and SHA-256.
RFC_CHALLENGE = {"realm": "http-auth@example.org", "qop": "auth, auth-int",
                 "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                 "opaque": "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"}
RFC_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
RFC_RESPONSES = {"MD5": "8ca523f5e9506fed4657c9700eebdbec",
                 "SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"}


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


def test_digest_responses_are_those_of_rfc_7616():
    for algorithm, expected in RFC_RESPONSES.items():
        header = digest({**RFC_CHALLENGE, "algorithm": algorithm}, "Mufasa", "Circle of Life", "GET",
                        "/dir/index.html", 1, RFC_CNONCE)
        assert f'response="{expected}"' in header and "nc=00000001" in header and "qop=auth," in header


def test_requests_share_one_kept_alive_connection():
    """An empty answer (204), one with a body and one with a status the client refuses all
    leave the connection usable: three requests, one connection."""
    statuses = iter([204, 200, 404, 200])
    with Stub(lambda h: (next(statuses), {}, b"" if h.command == "PUT" else b"body")) as stub:
        client = Client(timeout=30)
        assert client.request("PUT", stub.url + "/store", b"x").data == b""
        assert client.request("GET", stub.url + "/a").data == b"body"
        with pytest.raises(RemoteError, match=rf"GET {stub.url}/b: HTTP 404 Not Found: body"):
            client.request("GET", stub.url + "/b")
        assert client.request("GET", stub.url + "/c").data == b"body"
        client.close()
    assert len({port for port, *_ in stub.received}) == 1 and len(stub.received) == 4


def digest_server(password: str):
    """An answer function that asks for digest credentials and checks them as RFC 7616
    says, computed here on its own."""
    challenge = {"realm": "SPARQL", "nonce": "abc123", "opaque": "xyz", "qop": "auth"}

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    def answer(handler):
        given = dict(re.findall(r'(\w+)="?([^",]*)"?', handler.headers.get("Authorization", "")))
        if given:
            secret, request = md5(f"{given['username']}:SPARQL:{password}"), md5(f"{handler.command}:{given['uri']}")
            if given["response"] == md5(f"{secret}:abc123:{given['nc']}:{given['cnonce']}:auth:{request}"):
                return 200, {}, b"welcome"
        offer = ", ".join(f'{k}="{v}"' for k, v in challenge.items())
        return 401, {"WWW-Authenticate": f"Digest {offer}, algorithm=MD5"}, b"who are you?"

    return answer


def test_digest_credentials_answer_the_challenge_then_go_with_each_request():
    with Stub(digest_server("secret")) as stub:
        client = Client(timeout=30, user="loader", password="secret")
        assert client.request("POST", stub.url + "/sparql?x=1", b"q").data == b"welcome"
        assert client.request("POST", stub.url + "/sparql", b"q").data == b"welcome"
    sent = [headers.get("Authorization", "") for *_, headers in stub.received]
    assert len(sent) == 3 and sent[0] == ""  # the challenge once, then no more 401s
    assert 'uri="/sparql?x=1"' in sent[1] and "nc=00000001" in sent[1] and "nc=00000002" in sent[2]


def test_a_wrong_password_is_refused_after_one_answer_to_the_challenge():
    with Stub(digest_server("secret")) as stub:
        with pytest.raises(RemoteError, match=r"HTTP 401 Unauthorized: who are you\?"):
            Client(timeout=30, user="loader", password="wrong").request("GET", stub.url + "/sparql")
    assert len(stub.received) == 2


def test_a_redirect_is_an_error_that_names_the_new_place():
    with Stub(lambda h: (301, {"Location": "https://elsewhere.example/sparql"}, b"")) as stub:
        with pytest.raises(RemoteError, match="HTTP 301 Moved Permanently: moved to https://elsewhere.example/sparql"):
            Client(timeout=30).request("GET", stub.url + "/sparql")


XML_RESULTS = b"""<?xml version="1.0"?>
<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="x"/><variable name="n"/></head>
<results><result><binding name="x"><bnode>nodeID://b10000</bnode></binding>
<binding name="n"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">7</literal></binding></result>
</results></sparql>"""


def test_a_query_reads_xml_results_and_constructed_triples():
    """A store that answers SPARQL XML instead of JSON (with Virtuoso's names of blank
    nodes), and a CONSTRUCT answered in N-Triples: both as the embedded store answers."""
    def answer(handler):
        if handler.headers["Accept"].startswith("application/n-triples"):
            return 200, {"Content-Type": "application/n-triples"}, b'<http://e/s> <http://e/p> "o"@en .\n'
        return 200, {"Content-Type": "application/sparql-results+xml"}, XML_RESULTS

    with Stub(answer) as stub:
        endpoint = Endpoint(stub.url + "/sparql", retries=0)
        [row] = list(select(endpoint, "SELECT ?x ?n WHERE { ?x ?p ?n }"))
        assert isinstance(row["x"], ox.BlankNode)
        assert row["n"] == ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        triples = select(endpoint, "# a comment that says SELECT\nCONSTRUCT WHERE { ?s ?p ?o }")
        assert isinstance(triples, ox.QueryTriples)
        assert [str(t) for t in triples] == ['<http://e/s> <http://e/p> "o"@en']
