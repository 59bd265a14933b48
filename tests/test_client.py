"""kgtool.remote's one HTTP client (kgtool/remote/client.py), against a small HTTP/1.1
server of the test's own on 127.0.0.1 that records what it received (tests/servers.py's
`Stub`). The real stores are in tests/test_remote.py."""

from __future__ import annotations

import hashlib
import re

import pytest

from kgtool.remote import Client, RemoteError
from kgtool.remote.client import digest

from servers import Stub

# RFC 7616, section 3.9.1: the example request and its responses for MD5 and SHA-256.
RFC_CHALLENGE = {"realm": "http-auth@example.org", "qop": "auth, auth-int",
                 "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                 "opaque": "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"}
RFC_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
RFC_RESPONSES = {"MD5": "8ca523f5e9506fed4657c9700eebdbec",
                 "SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"}


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
