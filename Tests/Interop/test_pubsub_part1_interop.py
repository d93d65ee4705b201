"""XEP-0060 subscriber and publisher use cases (issue 3) through slixmpp -> Prosody -> herald."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from typing import Optional

import pytest
from slixmpp.exceptions import IqError

from harness import (
    EVENT_TIMEOUT,
    IQ_TIMEOUT,
    NS_PUBSUB_ERRORS,
    NS_PUBSUB_EVENT,
    Herald,
    StackConfig,
    connected,
    run,
    stanza_error,
    unique_node,
)

NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_DATA = "jabber:x:data"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_SHIM = "http://jabber.org/protocol/shim"
NS_DELAY = "urn:xmpp:delay"
NODE_CONFIG = NS_PUBSUB + "#node_config"
SUBSCRIBE_OPTIONS = NS_PUBSUB + "#subscribe_options"
PUBLISH_OPTIONS = NS_PUBSUB + "#publish-options"


def form(form_type: str, fields: dict) -> str:
    """A submitted data form; a field value may be a list."""
    parts = [f"<x xmlns='{NS_DATA}' type='submit'><field var='FORM_TYPE' type='hidden'>"
             f"<value>{form_type}</value></field>"]
    for name, values in fields.items():
        values = values if isinstance(values, list) else [values]
        parts.append(f"<field var='{name}'>" + "".join(f"<value>{v}</value>" for v in values) + "</field>")
    return "".join(parts) + "</x>"


def form_fields(element: Optional[ET.Element]) -> dict:
    assert element is not None, "no data form"
    x = element if element.tag == f"{{{NS_DATA}}}x" else element.find(f"{{{NS_DATA}}}x")
    assert x is not None, f"no data form in {ET.tostring(element, encoding='unicode')}"
    return {f.get("var"): [v.text or "" for v in f.findall(f"{{{NS_DATA}}}value")]
            for f in x.findall(f"{{{NS_DATA}}}field")}


async def pubsub(client, itype: str, inner: str):
    """An IQ with <pubsub xmlns='http://jabber.org/protocol/pubsub'>inner</pubsub>; returns the result's <pubsub/>."""
    iq = client.Iq(stype=itype, sto=client.service)
    iq.append(ET.fromstring(f"<pubsub xmlns='{NS_PUBSUB}'>{inner}</pubsub>"))
    result = await iq.send(timeout=IQ_TIMEOUT)
    return result.xml.find(f"{{{NS_PUBSUB}}}pubsub")


async def error_of(coro):
    with pytest.raises(IqError) as info:
        await coro
    err = stanza_error(info.value)
    apps = [local for ns, local in err.app_conditions if ns == NS_PUBSUB_ERRORS]
    return err.type, err.condition, apps[0] if apps else None


async def create(client, node: str, **config):
    fields = {f"pubsub#{key}": value for key, value in config.items()}
    await pubsub(client, "set", f"<create node='{node}'/><configure>{form(NODE_CONFIG, fields)}</configure>")


async def publish(client, node: str, item_id: str, text: str = "t") -> None:
    await pubsub(client, "set", f"<publish node='{node}'><item id='{item_id}'><p xmlns='urn:p'>{text}</p></item></publish>")


async def next_event(client, node: str, timeout: float = EVENT_TIMEOUT):
    """The next event message about `node` (any kind); events about other nodes are skipped."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"{client.boundjid} got no event on {node} within {timeout}s"
        try:
            msg = await asyncio.wait_for(client.events.get(), remaining)
        except asyncio.TimeoutError:
            continue
        items = msg.xml.find(f"{{{NS_PUBSUB_EVENT}}}event/{{{NS_PUBSUB_EVENT}}}items")
        if items is not None and items.get("node") == node:
            return msg.xml, items


def event_item_id(items: ET.Element) -> Optional[str]:
    item = items.find(f"{{{NS_PUBSUB_EVENT}}}item")
    return None if item is None else item.get("id")


def test_entity_use_cases(herald: Herald, stack: StackConfig):
    """§5.1, §5.4, §5.6, §5.7: features, node meta-data, own subscriptions and affiliations."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            info = await alice.disco_info()
            features = set(info["disco_info"]["features"])
            for feature in ("multi-subscribe", "subscription-options", "rsm", "publish-options", "auto-create",
                            "last-published", "presence-notifications", "access-whitelist", "access-authorize",
                            "retrieve-subscriptions", "retrieve-affiliations", "meta-data"):
                assert f"{NS_PUBSUB}#{feature}" in features, feature
            assert f"{NS_PUBSUB}#config-node" not in features  # owner use cases come with their own issue

            node = unique_node("meta")
            await create(alice, node, title="Princely Musings", max_items="7")
            await bob.subscribe(node)
            node_info = await alice.disco_info(node)
            fields = form_fields(node_info.xml.find("{http://jabber.org/protocol/disco#info}query"))
            assert fields["FORM_TYPE"] == [NS_PUBSUB + "#meta-data"]
            assert fields["pubsub#title"] == ["Princely Musings"]
            assert fields["pubsub#max_items"] == ["7"]
            assert fields["pubsub#owner"] == [stack.jid("alice")]
            assert fields["pubsub#creator"] == [stack.jid("alice")]
            assert fields["pubsub#num_subscribers"] == ["1"]

            subscriptions = (await pubsub(bob, "get", f"<subscriptions node='{node}'/>")).find(f"{{{NS_PUBSUB}}}subscriptions")
            rows = [(s.get("node"), s.get("jid"), s.get("subscription")) for s in subscriptions]
            assert rows == [(node, stack.jid("bob"), "subscribed")]
            affiliations = (await pubsub(alice, "get", "<affiliations/>")).find(f"{{{NS_PUBSUB}}}affiliations")
            assert (node, "owner") in [(a.get("node"), a.get("affiliation")) for a in affiliations]
    run(body())


def test_subscribe_and_unsubscribe_errors(herald: Herald, stack: StackConfig):
    """§6.1.3 and §6.2.3 through the real stack."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            whitelist, authorize = unique_node("white"), unique_node("auth")
            await create(alice, whitelist, access_model="whitelist")
            await create(alice, authorize, access_model="authorize")
            bob_jid = stack.jid("bob")
            assert await error_of(bob.subscribe(whitelist)) == ("cancel", "not-allowed", "closed-node")
            pending = await pubsub(bob, "set", f"<subscribe node='{authorize}' jid='{bob_jid}'/>")
            assert pending.find(f"{{{NS_PUBSUB}}}subscription").get("subscription") == "pending"
            assert await error_of(bob.subscribe(authorize)) == ("auth", "not-authorized", "pending-subscription")
            assert await error_of(pubsub(bob, "get", f"<items node='{authorize}'/>")) == \
                ("auth", "not-authorized", "not-subscribed")
            assert await error_of(pubsub(bob, "set", f"<unsubscribe node='{whitelist}' jid='{bob_jid}'/>")) == \
                ("cancel", "unexpected-request", "not-subscribed")
            assert await error_of(pubsub(bob, "set", f"<unsubscribe node='{whitelist}' jid='{stack.jid('alice')}'/>")) == \
                ("auth", "forbidden", None)
            assert await error_of(pubsub(bob, "set", f"<unsubscribe node='{unique_node('none')}' jid='{bob_jid}'/>")) == \
                ("cancel", "item-not-found", None)
    run(body())


def test_too_many_subscriptions(herald_factory, stack: StackConfig):
    herald = herald_factory({"HERALD_LIMITS_SUBSCRIPTIONS_PER_JID": "2"})

    async def body():
        await herald.start()
        async with connected(stack, "alice", "bob") as (alice, bob):
            # The database is shared by the session: start bob from no subscriptions.
            for sub in (await pubsub(bob, "get", "<subscriptions/>")).find(f"{{{NS_PUBSUB}}}subscriptions"):
                await pubsub(bob, "set", f"<unsubscribe node='{sub.get('node')}' jid='{sub.get('jid')}' "
                                         f"subid='{sub.get('subid')}'/>")
            nodes = [unique_node(f"limit{n}") for n in range(3)]
            for node in nodes:
                await alice.create(node)
            await bob.subscribe(nodes[0])
            await bob.subscribe(nodes[1])
            assert await error_of(bob.subscribe(nodes[2])) == ("wait", "policy-violation", "too-many-subscriptions")
        await herald.stop()
    run(body())


def test_multi_subscribe_options_and_delivery(herald: Herald, stack: StackConfig):
    """§6.1.6 SubIDs and SHIM headers, §6.3 options, deliver=false really stops events, §6.4 defaults."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("multi")
            await alice.create(node)
            bob_jid = stack.jid("bob")
            plain = await pubsub(bob, "set", f"<subscribe node='{node}' jid='{bob_jid}'/>")
            first = plain.find(f"{{{NS_PUBSUB}}}subscription").get("subid")
            configured = await pubsub(bob, "set", f"<subscribe node='{node}' jid='{bob_jid}'/>"
                                      f"<options>{form(SUBSCRIBE_OPTIONS, {'pubsub#include_body': '1'})}</options>")
            second = configured.find(f"{{{NS_PUBSUB}}}subscription").get("subid")
            assert first and second and first != second
            assert form_fields(configured.find(f"{{{NS_PUBSUB}}}options"))["pubsub#include_body"] == ["1"]

            await publish(alice, node, "one", "Hello   world")
            message, items = await next_event(bob, node)
            assert event_item_id(items) == "one"
            headers = [h.text for h in message.findall(f"{{{NS_SHIM}}}headers/{{{NS_SHIM}}}header")]
            assert sorted(headers) == sorted([first, second])
            assert message.find("{jabber:client}body").text == "Hello world"

            assert await error_of(pubsub(bob, "set", f"<unsubscribe node='{node}' jid='{bob_jid}'/>")) == \
                ("modify", "bad-request", "subid-required")
            await pubsub(bob, "set", f"<unsubscribe node='{node}' jid='{bob_jid}' subid='{second}'/>")

            got = await pubsub(bob, "get", f"<options node='{node}' jid='{bob_jid}'/>")
            assert form_fields(got.find(f"{{{NS_PUBSUB}}}options"))["pubsub#deliver"] == ["1"]
            off = form(SUBSCRIBE_OPTIONS, {"pubsub#deliver": "0"})
            await pubsub(bob, "set", f"<options node='{node}' jid='{bob_jid}'>{off}</options>")
            await publish(alice, node, "silent")
            on = form(SUBSCRIBE_OPTIONS, {"pubsub#deliver": "1"})
            await pubsub(bob, "set", f"<options node='{node}' jid='{bob_jid}'>{on}</options>")
            await publish(alice, node, "marker")
            _, items = await next_event(bob, node)
            assert event_item_id(items) == "marker", "an event arrived while pubsub#deliver was off"

            digest = form(SUBSCRIBE_OPTIONS, {"pubsub#digest": "1"})
            assert await error_of(pubsub(bob, "set", f"<options node='{node}' jid='{bob_jid}'>{digest}</options>")) == \
                ("modify", "bad-request", "invalid-options")
            default = await pubsub(bob, "get", f"<default node='{node}'/>")
            assert form_fields(default.find(f"{{{NS_PUBSUB}}}default"))["pubsub#deliver"] == ["1"]
    run(body())


def test_retrieve_items_with_result_sets_and_last_item_on_subscribe(herald: Herald, stack: StackConfig):
    """§6.5 with XEP-0059 paging newest first; §6.1.7 last published item with a delay stamp."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("rsm")
            await alice.create(node)
            for n in range(1, 26):
                await publish(alice, node, f"i{n:02}")

            def page(result):
                ids = [i.get("id") for i in result.find(f"{{{NS_PUBSUB}}}items")]
                rsm = result.find(f"{{{NS_RSM}}}set")
                first = rsm.find(f"{{{NS_RSM}}}first")
                return ids, first.get("index"), rsm.find(f"{{{NS_RSM}}}last").text, rsm.find(f"{{{NS_RSM}}}count").text

            first = page(await pubsub(bob, "get", f"<items node='{node}'/><set xmlns='{NS_RSM}'><max>10</max></set>"))
            assert first == ([f"i{n:02}" for n in range(25, 15, -1)], "0", "i16", "25")
            second = page(await pubsub(bob, "get",
                                       f"<items node='{node}'/><set xmlns='{NS_RSM}'><max>10</max><after>i16</after></set>"))
            assert second == ([f"i{n:02}" for n in range(15, 5, -1)], "10", "i06", "25")
            recent = await pubsub(bob, "get", f"<items node='{node}' max_items='2'/>")
            assert [i.get("id") for i in recent.find(f"{{{NS_PUBSUB}}}items")] == ["i25", "i24"]

            await bob.subscribe(node)
            message, items = await next_event(bob, node)
            assert event_item_id(items) == "i25"
            assert message.find(f"{{{NS_DELAY}}}delay") is not None
    run(body())


def test_publish_per_node_configuration(herald: Herald, stack: StackConfig):
    """§7.1: notification-only and transient nodes, publish models, publish-options, auto-create, payload type."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            light = unique_node("light")
            await create(alice, light, deliver_payloads="0", itemreply="publisher", notification_type="normal")
            await bob.subscribe(light)
            await publish(alice, light, "x")
            message, items = await next_event(bob, light)
            item = items.find(f"{{{NS_PUBSUB_EVENT}}}item")
            assert item.get("id") == "x" and len(item) == 0 and item.get("publisher") == stack.jid("alice")
            assert message.get("type") == "normal"

            transient = unique_node("transient")
            await create(alice, transient, persist_items="0", deliver_payloads="0")
            assert await error_of(publish(alice, transient, "y")) == ("modify", "bad-request", "item-forbidden")
            assert await error_of(pubsub(bob, "get", f"<items node='{transient}'/>")) == \
                ("cancel", "feature-not-implemented", "unsupported")

            typed = unique_node("typed")
            await create(alice, typed, type="urn:other", publish_model="open")
            assert await error_of(publish(bob, typed, "z")) == ("modify", "bad-request", "invalid-payload")

            auto = unique_node("auto")
            options = f"<publish-options>{form(PUBLISH_OPTIONS, {'pubsub#access_model': 'whitelist'})}</publish-options>"
            item_xml = "<item id='a'><p xmlns='urn:p'/></item>"
            await pubsub(alice, "set", f"<publish node='{auto}'>{item_xml}</publish>{options}")
            assert await error_of(bob.subscribe(auto)) == ("cancel", "not-allowed", "closed-node")
            mismatch = f"<publish-options>{form(PUBLISH_OPTIONS, {'pubsub#access_model': 'open'})}</publish-options>"
            assert await error_of(pubsub(alice, "set", f"<publish node='{auto}'>{item_xml}</publish>{mismatch}")) == \
                ("cancel", "conflict", "precondition-not-met")
    run(body())


def test_presence_based_delivery_and_temporary_subscriptions(herald: Herald, stack: StackConfig):
    """§12.6: only subscribers available to the service get events; §12.5: expire=presence ends with the session."""
    async def body():
        async with connected(stack, "alice", "bob", "carol") as (alice, bob, carol):
            node = unique_node("presence")
            await create(alice, node, presence_based_delivery="1")
            await bob.subscribe(node)
            await carol.subscribe(node)
            # Directed presence makes a session available to Herald. An IQ on the same stream after it
            # is a barrier: Prosody routes the stream's stanzas to the component in order.
            carol.send_presence(pto=carol.service)
            await pubsub(carol, "get", "<subscriptions/>")
            other = unique_node("temporary")
            await alice.create(other)
            await pubsub(bob, "set", f"<subscribe node='{other}' jid='{bob.boundjid}'/>"
                         f"<options>{form(SUBSCRIBE_OPTIONS, {'pubsub#expire': 'presence'})}</options>")

            await publish(alice, node, "for-carol")
            _, items = await next_event(carol, node)
            assert event_item_id(items) == "for-carol"
            bob.send_presence(pto=bob.service)
            await pubsub(bob, "get", "<subscriptions/>")
            # bob became available after the first publish: his first event must be the second one.
            await publish(alice, node, "for-both")
            _, items = await next_event(bob, node)
            assert event_item_id(items) == "for-both", "bob got an event sent before he was available"

            await bob.stop()  # the server sends Herald bob's unavailable presence
            deadline = time.monotonic() + EVENT_TIMEOUT
            while True:
                subs = (await pubsub(alice, "get", f"<subscriptions node='{other}'/>")).find(f"{{{NS_PUBSUB}}}subscriptions")
                if len(subs) == 0:
                    break
                assert time.monotonic() < deadline, "temporary subscription outlived the session"
                await asyncio.sleep(0.1)
    run(body())


def test_subscriptions_options_and_configuration_survive_restart(herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("durable")
            await create(alice, node, title="Kept", access_model="whitelist", max_items="3")
            await pubsub(alice, "set", f"<subscribe node='{node}' jid='{stack.jid('alice')}'/>"
                         f"<options>{form(SUBSCRIBE_OPTIONS, {'pubsub#show-values': ['chat', 'away']})}</options>")
            for n in range(5):
                await publish(alice, node, f"k{n}")

            await herald.restart()

            meta = form_fields((await alice.disco_info(node)).xml.find("{http://jabber.org/protocol/disco#info}query"))
            assert (meta["pubsub#title"], meta["pubsub#access_model"], meta["pubsub#max_items"]) == \
                (["Kept"], ["whitelist"], ["3"])
            options = await pubsub(alice, "get", f"<options node='{node}' jid='{stack.jid('alice')}'/>")
            assert form_fields(options.find(f"{{{NS_PUBSUB}}}options"))["pubsub#show-values"] == ["chat", "away"]
            items = await pubsub(alice, "get", f"<items node='{node}'/>")
            assert [i.get("id") for i in items.find(f"{{{NS_PUBSUB}}}items")] == ["k4", "k3", "k2"]
    run(body())
