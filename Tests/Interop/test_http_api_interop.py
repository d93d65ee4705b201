"""The HTTP API for backends (issue 6): curl/urllib -> herald -> PostgreSQL, and the notification
through Prosody to a slixmpp subscriber. Every response is checked against Schemas/http-api.yaml:
its status must be documented for the operation, and its body must match the documented schema."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import jsonschema
import pytest
import yaml

from harness import (
    DATA_DIR,
    REPO_ROOT,
    STACK_SH,
    Herald,
    StackConfig,
    connected,
    event_items,
    eventually,
    http_get,
    run,
    unique_node,
)

NS_JSON = "urn:xmpp:json:0"
ALICE_TOKEN = "hrld_interop_alice_token"
OPENAPI = yaml.safe_load((REPO_ROOT / "Schemas" / "http-api.yaml").read_text())


def base_url(scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{os.environ['HERALD_HTTP_PORT']}"


def operation(method: str, path: str) -> dict:
    """The OpenAPI operation a concrete request path falls under."""
    for template, item in OPENAPI["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]
    raise AssertionError(f"{method} {path} is not in Schemas/http-api.yaml")


def check_documented(method: str, path: str, status: int, content_type: Optional[str], body: bytes) -> None:
    """The status is documented for the operation, and the body matches its schema."""
    responses = operation(method, urllib.parse.urlsplit(path).path)["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, not documented: {sorted(responses)}"
    response = responses[str(status)]
    if "$ref" in response:
        response = OPENAPI["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    content = response.get("content")
    if not content:
        assert body == b"", f"{status} has no documented body, got {body[:200]!r}"
        return
    media = (content_type or "").split(";")[0]
    assert media in content, f"{method} {path} {status}: content type {content_type!r} not documented"
    schema = dict(OPENAPI)
    schema.update(content[media]["schema"])
    jsonschema.Draft202012Validator(schema).validate(json.loads(body))


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self):
        return json.loads(self.body)


def api(method: str, path: str, token: Optional[str] = ALICE_TOKEN, body=None, content_type: Optional[str] = None,
        headers: Optional[dict] = None, check: bool = True) -> Response:
    """One request with urllib, bounded in time; checked against the OpenAPI document."""
    data = None
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = body if isinstance(body, bytes) else (json.dumps(body) if content_type is None else body).encode()
        all_headers["Content-Type"] = content_type or "application/json"
    request = urllib.request.Request(base_url() + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            response = Response(reply.status, dict(reply.headers), reply.read())
    except urllib.error.HTTPError as error:
        response = Response(error.code, dict(error.headers), error.read())
    if check:
        check_documented(method, path, response.status, response.headers.get("Content-Type"), response.body)
    return response


def curl(*args: str) -> tuple:
    """(status, body) of a curl request (the backend's view in Docs/http-api.md)."""
    result = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", *args],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 0, result.stderr
    body, _, status = result.stdout.rpartition("\n")
    return int(status), body


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture
def api_herald(herald_factory, stack: StackConfig) -> Herald:
    """A herald whose configuration holds alice's token, with a small body limit."""
    h = herald_factory({
        "HERALD_HTTP_TOKENS": f"{stack.jid('alice')}={token_hash(ALICE_TOKEN)}",
        "HERALD_HTTP_MAX_BODY_BYTES": "8192",
    })
    run(h.start())
    yield h
    if h.running:
        run(h.stop())


def create_node(node: str, config: Optional[dict] = None) -> None:
    created = api("POST", "/v1/nodes", body={"node": node, **({"config": config} if config else {})})
    assert created.status == 201, created.body
    assert created.headers["Location"] == f"/v1/nodes/{urllib.parse.quote(node, safe='')}"


def test_curl_publishes_reach_an_xmpp_subscriber_intact(api_herald: Herald, stack: StackConfig):
    """XML and JSON published with curl arrive at bob's slixmpp client exactly as sent."""
    async def body():
        async with connected(stack, "bob") as (bob,):
            node = unique_node("http")
            create_node(node, {"title": "From HTTP", "max_items": 10})
            await bob.subscribe(node)

            xml_payload = "<entry xmlns='urn:example:feed'><title>Tea &amp; cake</title><n a='1'/></entry>"
            status, text = curl("-X", "PUT", "-H", f"Authorization: Bearer {ALICE_TOKEN}",
                                "-H", "Content-Type: application/xml", "--data-binary", xml_payload,
                                f"{base_url()}/v1/nodes/{node}/items/xml-1")
            assert status == 201, text
            check_documented("PUT", f"/v1/nodes/{node}/items/xml-1", status, "application/json", text.encode())
            published = json.loads(text)
            assert (published["id"], published["node"], published["sequence"]) == ("xml-1", node, 1)
            item = await bob.next_item_event(node, "xml-1")
            entry = item.find("{urn:example:feed}entry")
            assert entry is not None, ET.tostring(item)
            assert entry.findtext("{urn:example:feed}title") == "Tea & cake"
            assert entry.find("{urn:example:feed}n").get("a") == "1"

            json_payload = '{"order": 42, "items": ["tea", "cake"], "note": "<&>", "price": 3.50}'
            status, text = curl("-X", "POST", "-H", f"Authorization: Bearer {ALICE_TOKEN}",
                                "-H", "Content-Type: application/json", "--data-binary", json_payload,
                                f"{base_url()}/v1/nodes/{node}/items")
            assert status == 201, text
            json_id = json.loads(text)["id"]
            assert json.loads(text)["sequence"] == 2
            item = await bob.next_item_event(node, json_id)
            container = item.find(f"{{{NS_JSON}}}json")
            assert container is not None, ET.tostring(item)
            # Byte for byte, spaces and the trailing zero included.
            assert container.text == json_payload

            # Both read back over HTTP, newest first.
            page = api("GET", f"/v1/nodes/{node}/items").json
            assert [i["id"] for i in page["items"]] == [json_id, "xml-1"]
            assert page["items"][0]["json"] == json.loads(json_payload)
            assert ET.fromstring(page["items"][1]["xml"]).findtext("{urn:example:feed}title") == "Tea & cake"
            assert api("GET", f"/v1/nodes/{node}/items/xml-1").json["id"] == "xml-1"
            # And over XMPP.
            stored = await bob.items(node)
            assert {i.get("id") for i in stored.xml.iter("{http://jabber.org/protocol/pubsub}item")} == {
                json_id, "xml-1"}
    run(body())


def test_http_and_xmpp_publishes_notify_in_commit_order(api_herald: Herald, stack: StackConfig):
    """Publishes to one node over both paths at once: bob's notifications follow the node's
    publish order (sequence), with none lost."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("order")
            create_node(node, {"max_items": 200})
            await bob.subscribe(node)
            loop = asyncio.get_running_loop()
            with ThreadPoolExecutor(max_workers=4) as pool:
                over_http = [loop.run_in_executor(pool, lambda n=n: api(
                    "PUT", f"/v1/nodes/{node}/items/h{n}", body={"n": n}, check=False)) for n in range(30)]
                over_xmpp = [alice.publish_xml(node, f"<item id='x{n}'><x xmlns='urn:example'/></item>")
                             for n in range(30)]
                results = await asyncio.gather(*over_http, *over_xmpp)
            assert all(r.status == 201 for r in results[:30]), [r.status for r in results[:30]]
            page = api("GET", f"/v1/nodes/{node}/items?limit=100").json
            committed = [i["id"] for i in reversed(page["items"])]
            assert len(committed) == 60
            received = []
            while len(received) < 60:
                msg = await asyncio.wait_for(bob.events.get(), 10)
                received += [item_id for (n, kind, item_id) in event_items(msg) if n == node and kind == "item"]
            assert received == committed
    run(body())


def test_an_idempotent_retry_stores_one_item(api_herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "bob") as (bob,):
            node = unique_node("idem")
            create_node(node)
            await bob.subscribe(node)
            answers = [api("POST", f"/v1/nodes/{node}/items", body={"order": 7},
                           headers={"Idempotency-Key": "order-7"}) for _ in range(3)]
            assert [a.status for a in answers] == [201, 201, 201]
            assert len({a.body for a in answers}) == 1
            assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
            item_id = answers[0].json["id"]
            await bob.next_item_event(node, item_id)
            reused = api("POST", f"/v1/nodes/{node}/items", body={"order": 8}, headers={"Idempotency-Key": "order-7"})
            assert reused.status == 422 and reused.json["type"] == "urn:herald:problem:idempotency-key-reused"
            assert [i["id"] for i in api("GET", f"/v1/nodes/{node}/items").json["items"]] == [item_id]
            # No second notification came for the replays.
            await asyncio.sleep(0.5)
            assert bob.events.empty()
    run(body())


def test_refused_requests_get_their_problem_and_change_nothing(api_herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "bob") as (bob,):
            node = unique_node("refused")
            create_node(node)
            await bob.subscribe(node)
            path = f"/v1/nodes/{node}/items"
            cases = [
                (api("POST", path, token="not-a-token", body={"a": 1}), 401, "invalid-token"),
                (api("POST", path, token=None, body={"a": 1}), 401, "missing-token"),
                (api("GET", f"/v1/nodes/{unique_node('nosuch')}/items"), 404, "item-not-found"),
                (api("POST", path, body="x" * 9000, content_type="application/json"), 413, "body-too-large"),
                (api("POST", path, body="<a><b></a>", content_type="application/xml"), 400, "malformed-xml"),
                (api("POST", path, body='{"a": ', content_type="application/json"), 400, "malformed-json"),
                (api("POST", path, body="hello", content_type="text/plain"), 415, "unsupported-media-type"),
            ]
            for response, status, problem in cases:
                assert response.status == status, (problem, response.body)
                assert response.headers["Content-Type"] == "application/problem+json"
                assert response.json["type"] == f"urn:herald:problem:{problem}", response.body
                assert response.json["status"] == status
            assert cases[0][0].headers["WWW-Authenticate"].startswith("Bearer")
            assert cases[2][0].json["xmppCondition"] == "item-not-found"
            assert api("GET", path).json == {"items": [], "total": 0}
            await asyncio.sleep(0.5)
            assert bob.events.empty()
    run(body())


def test_changes_wait_for_the_xmpp_stream_but_reads_do_not(api_herald: Herald, stack: StackConfig):
    """While Prosody is down a publish could reach nobody: it is refused with 503 and stores
    nothing; reads still answer. Once the stream is back, publishes are pushed again."""
    async def body():
        node = unique_node("outage")
        create_node(node)
        async with connected(stack, "bob") as (bob,):
            await bob.subscribe(node)
        stopped = subprocess.run([str(STACK_SH), "stop-xmpp", "test"], cwd=REPO_ROOT,
                                 capture_output=True, text=True, timeout=60)
        assert stopped.returncode == 0, stopped.stderr
        try:
            async def stream_down():
                return http_get("/ready")[0] == 503
            await eventually(stream_down, "/ready says the component stream is down")
            refused = api("PUT", f"/v1/nodes/{node}/items/lost", body={"a": 1},
                          headers={"Idempotency-Key": "during-outage"})
            assert refused.status == 503, refused.body
            assert refused.json["type"] == "urn:herald:problem:unavailable"
            assert refused.headers["Retry-After"] == "5"
            assert api("GET", f"/v1/nodes/{node}/items").json == {"items": [], "total": 0}
        finally:
            restarted = subprocess.run([str(STACK_SH), "restart-xmpp", "test"], cwd=REPO_ROOT,
                                       capture_output=True, text=True, timeout=60)
        assert restarted.returncode == 0, restarted.stderr
        await api_herald.wait_ready()
        async with connected(stack, "bob") as (bob,):
            # The same key runs now: the refusal was not kept.
            published = api("PUT", f"/v1/nodes/{node}/items/lost", body={"a": 1},
                            headers={"Idempotency-Key": "during-outage"})
            assert published.status == 201, published.body
            await bob.next_item_event(node, "lost")
    run(body(), timeout=90)


def herald_cli(stack: StackConfig, *args: str, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(stack.herald_bin), *args], cwd=REPO_ROOT, env=dict(os.environ), input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_tokens_from_the_cli_act_as_their_jid_until_revoked(api_herald: Herald, stack: StackConfig):
    node = unique_node("tokens")
    create_node(node)
    created = herald_cli(stack, "tokens", "create", "--jid", stack.jid("bob"), "--label", "interop")
    assert created.returncode == 0, created.stderr
    lines = created.stdout.splitlines()
    token_id = lines[0].split()[1]
    secret = lines[1]
    assert secret.startswith("hrld_") and len(secret) > 40
    listed = herald_cli(stack, "tokens", "list")
    assert any(line.startswith(token_id + "\t" + stack.jid("bob")) for line in listed.stdout.splitlines())
    assert secret not in listed.stdout

    # Bob may read an open node but not publish to alice's: the XEP-0060 rules of his JID.
    assert api("GET", f"/v1/nodes/{node}/items", token=secret).status == 200
    refused = api("POST", f"/v1/nodes/{node}/items", token=secret, body={"a": 1})
    assert refused.status == 403 and refused.json["xmppCondition"] == "forbidden"
    assert herald_cli(stack, "tokens", "revoke", token_id).returncode == 0
    assert api("GET", f"/v1/nodes/{node}/items", token=secret).status == 401
    again = herald_cli(stack, "tokens", "revoke", token_id)
    assert again.returncode == 1 and "no unrevoked token" in again.stderr
    # The hash printed for configuration is the SHA-256 of the token.
    hashed = herald_cli(stack, "tokens", "hash", stdin=ALICE_TOKEN + "\n")
    assert hashed.stdout.strip() == token_hash(ALICE_TOKEN)


def test_https_when_a_certificate_is_configured(herald_factory, stack: StackConfig):
    tls_dir = DATA_DIR / "http-tls"
    tls_dir.mkdir(parents=True, exist_ok=True)
    cert, key = tls_dir / "cert.pem", tls_dir / "key.pem"
    generated = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True, timeout=60)
    assert generated.returncode == 0, generated.stderr
    h = herald_factory({
        "HERALD_HTTP_TOKENS": f"{stack.jid('alice')}={token_hash(ALICE_TOKEN)}",
        "HERALD_HTTP_TLS_CERTIFICATE_FILE": str(cert),
        "HERALD_HTTP_TLS_KEY_FILE": str(key),
    })
    run(h.start())
    try:
        node = unique_node("tls")
        status, text = curl("--cacert", str(cert), "-X", "POST", "-H", f"Authorization: Bearer {ALICE_TOKEN}",
                            "-H", "Content-Type: application/json", "--data-binary", json.dumps({"node": node}),
                            f"{base_url('https')}/v1/nodes")
        assert status == 201, text
        status, _ = curl("--cacert", str(cert), f"{base_url('https')}/health")
        assert status == 200
        # Plain HTTP is not served on that port.
        plain = subprocess.run(["curl", "-sS", "--max-time", "5", f"{base_url()}/health"],
                               capture_output=True, text=True, timeout=20)
        assert plain.returncode != 0
    finally:
        run(h.stop())
