"""XEP-0060 interop: slixmpp clients <-> Prosody <-> herald (XEP-0114) <-> PostgreSQL."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import pytest
from slixmpp.exceptions import IqError

from harness import (
    NS_META,
    NS_PUBSUB_ERRORS,
    NS_PUBSUB_EVENT,
    REPO_ROOT,
    STACK_SH,
    Herald,
    StackConfig,
    assert_xml_equal,
    connected,
    eventually,
    http_get,
    metrics,
    only_child,
    run,
    stanza_error,
    unique_node,
)

NS_PAYLOAD = "urn:herald:interop:entry"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"


def make_payload(title: str = 'Tom & Jerry <3 "quotes" \'apos\' héllo ✓') -> ET.Element:
    """A namespaced payload: nested elements, attributes (plain, xml:lang, foreign-namespace),
    text and tails needing escaping, non-ASCII, an element in another default namespace."""
    entry = ET.Element(f"{{{NS_PAYLOAD}}}entry", {
        "kind": 'a "quoted" & <angled> value',
        f"{{{XML_NS}}}lang": "fr",
    })
    ET.SubElement(entry, f"{{{NS_PAYLOAD}}}title").text = title
    body = ET.SubElement(entry, f"{{{NS_PAYLOAD}}}body", {"format": "mixed"})
    body.text = "before <b> & "
    em = ET.SubElement(body, f"{{{NS_PAYLOAD}}}em")
    em.text = "héllo ✓"
    em.tail = " after > end\nsecond line"
    meta = ET.SubElement(entry, f"{{{NS_META}}}meta", {f"{{{NS_META}}}flag": "on'off"})
    ET.SubElement(meta, f"{{{NS_META}}}count").text = "42"
    ET.SubElement(meta, f"{{{NS_META}}}empty")
    ET.SubElement(entry, f"{{{NS_PAYLOAD}}}link", {"href": "https://example.org/?a=1&b=2", "rel": "alternate"})
    return entry


def published_item_id(result) -> str:
    """The item id in a publish IQ result (<pubsub><publish node=…><item id=…/></publish></pubsub>)."""
    publish = result.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}publish")
    assert publish is not None, f"publish result without <pubsub><publish/>: {result}"
    item = publish.find(f"{{{NS_PUBSUB}}}item")
    assert item is not None and item.get("id"), f"publish result without <item id=…/>: {result}"
    return item.get("id")


def test_subscriber_receives_published_item(herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("receive")
            await alice.create(node)

            sub = await bob.subscribe(node)
            subscription = sub["pubsub"]["subscription"]
            assert subscription["node"] in ("", node)
            assert subscription["jid"].bare == bob.boundjid.bare
            assert subscription["subscription"] == "subscribed"

            # 1. publisher-chosen item id
            payload = make_payload()
            result = await alice.publish(node, payload, item_id="item-1")
            assert result["from"].bare == stack.component_domain
            assert published_item_id(result) == "item-1"
            item = await bob.next_item_event(node, "item-1")
            assert_xml_equal(only_child(item), payload)

            # 2. server-generated item id
            payload2 = make_payload(title="second <item> & ✓✓")
            result2 = await alice.publish(node, payload2)
            generated = published_item_id(result2)
            assert generated != "item-1"
            item2 = await bob.next_item_event(node, generated)
            assert_xml_equal(only_child(item2), payload2)

    run(body())


def test_state_survives_restart(herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("restart")
            await alice.create(node)
            await bob.subscribe(node)
            payload_x = make_payload(title="item X ✓ & <kept>")
            assert published_item_id(await alice.publish(node, payload_x, item_id="x")) == "x"
            await bob.next_item_event(node, "x")

            await herald.restart()  # SIGTERM -> exit 0 -> start -> ready

            listing = await alice.disco_items()
            nodes = {(str(jid), n) for jid, n, _name in listing["disco_items"]["items"]}
            assert (stack.component_domain, node) in nodes, f"node {node} not in disco#items: {sorted(nodes)}"

            got = await alice.items(node)
            items = got.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}items")
            assert items is not None, f"no <items/> in {got}"
            assert items.get("node") == node
            by_id = {i.get("id"): i for i in items.findall(f"{{{NS_PUBSUB}}}item")}
            assert "x" in by_id, f"item x missing after restart; got ids {sorted(by_id)}"
            assert_xml_equal(only_child(by_id["x"]), payload_x)

            payload_y = make_payload(title="item Y after restart")
            await alice.publish(node, payload_y, item_id="y")
            item_y = await bob.next_item_event(node, "y")
            assert_xml_equal(only_child(item_y), payload_y)

    run(body())


def test_component_reconnects_after_the_server_restarts(herald: Herald, stack: StackConfig):
    """Prosody goes away under a running herald: herald must reconnect by itself and serve again."""
    async def body():
        node = unique_node("reconnect")
        async with connected(stack, "alice", "bob") as (alice, bob):
            await alice.create(node)
            await bob.subscribe(node)

        stopped = subprocess.run(
            [str(STACK_SH), "stop-xmpp", "test"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        assert stopped.returncode == 0, f"could not stop Prosody: {stopped.stderr}"
        try:
            async def not_ready():
                return http_get("/ready") == (503, "XMPP component stream not established\n")
            await eventually(not_ready, "/ready says the component stream is down")
        finally:
            restarted = subprocess.run(
                [str(STACK_SH), "restart-xmpp", "test"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        assert restarted.returncode == 0, f"could not restart Prosody: {restarted.stderr}"

        await herald.wait_ready()  # disco#info answered again, through the new component stream
        assert herald.running, f"herald exited when the XMPP server went away\n{herald.output_tail()}"
        assert "component reconnecting" in herald.output(), herald.output_tail()
        assert metrics().get("herald_component_reconnects_total", 0) >= 1
        assert http_get("/ready") == (200, "ready\n")

        async with connected(stack, "alice", "bob") as (alice, bob):
            payload = make_payload(title="after the server restart")
            await alice.publish(node, payload, item_id="after")
            assert_xml_equal(only_child(await bob.next_item_event(node, "after")), payload)

    run(body(), timeout=90)


def test_retract_with_notify_reaches_subscribers(herald: Herald, stack: StackConfig):
    """XEP-0060 §7.2: the owner deletes an item; notify='true' sends <retract id=…/> to subscribers."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("retract")
            await alice.create(node)
            await bob.subscribe(node)
            await alice.publish(node, make_payload(title="soon gone"), item_id="gone")
            await bob.next_item_event(node, "gone")

            await alice["xep_0060"].retract(stack.component_domain, node, "gone", notify=True)
            retract = await bob.next_item_event(node, "gone", kind="retract")
            assert retract.get("id") == "gone"

            got = await alice.items(node)
            ids = [i.get("id") for i in got.xml.iter(f"{{{NS_PUBSUB}}}item")]
            assert "gone" not in ids, f"retracted item still returned: {ids}"

            with pytest.raises(IqError) as info:
                await alice["xep_0060"].retract(stack.component_domain, node, "gone")
            err = stanza_error(info.value)
            assert (err.type, err.condition) == ("cancel", "item-not-found"), err.raw

            with pytest.raises(IqError) as info:
                await bob["xep_0060"].retract(stack.component_domain, node, "whatever")
            err = stanza_error(info.value)
            assert (err.type, err.condition) == ("auth", "forbidden"), err.raw

    run(body())


def test_wrong_secret_fails_clearly(herald_factory):
    h: Herald = herald_factory({"HERALD_COMPONENT_SECRET": "wrong"})

    async def body():
        h.spawn()
        code = await h.wait_exit(15)
        assert code is not None, f"herald with a wrong secret still running after 15s\n{h.output_tail()}"
        assert code != 0, f"herald with a wrong secret exited with 0\n{h.output_tail()}"
        assert "secret" in h.output().lower(), f"output does not mention the secret\n{h.output_tail()}"

    run(body(), timeout=30)


def test_unknown_node_and_conflict_errors(herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "alice") as (alice,):
            missing = unique_node("missing")
            with pytest.raises(IqError) as info:
                await alice.items(missing)
            err = stanza_error(info.value)
            assert (err.type, err.condition) == ("cancel", "item-not-found"), err.raw
            with pytest.raises(IqError) as info:
                await alice.subscribe(missing)
            err = stanza_error(info.value)
            assert (err.type, err.condition) == ("cancel", "item-not-found"), err.raw

            # XEP-0060 §7.1.4 (auto-create): a publish to a missing node creates it instead of failing.
            created = unique_node("auto-created")
            await alice.publish(created, make_payload(), item_id="a")
            got = await alice.items(created)
            assert [i.get("id") for i in got.xml.iter(f"{{{NS_PUBSUB}}}item")] == ["a"], got

            node = unique_node("conflict")
            await alice.create(node)
            with pytest.raises(IqError) as info:
                await alice.create(node)
            err = stanza_error(info.value)
            assert (err.type, err.condition) == ("cancel", "conflict"), err.raw

    run(body())


def test_subscribe_jid_mismatch(herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("mismatch")
            await alice.create(node)
            with pytest.raises(IqError) as info:
                await bob.subscribe(node, subscribee=stack.jid("alice"))
            err = stanza_error(info.value)
            assert (err.type, err.condition) == ("modify", "bad-request"), err.raw
            assert (NS_PUBSUB_ERRORS, "invalid-jid") in err.app_conditions, err.raw

    run(body())
