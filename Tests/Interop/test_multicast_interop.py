"""XEP-0033 fan-outs (decision 0019): herald -> Prosody's mod_herald_multicast -> slixmpp.

With HERALD_MULTICAST_JID=multicast.<domain>, herald asks that service's disco#info at its first
fan-out, then sends each event once for all plain subscribers; the module copies it to each,
without the addresses."""

from __future__ import annotations

import asyncio
import os
import re
import xml.etree.ElementTree as ET
from contextlib import asynccontextmanager
from typing import AsyncIterator

import slixmpp

from harness import (
    Client,
    Herald,
    StackConfig,
    connected,
    eventually,
    run,
    unique_node,
)

NS_ADDRESS = "http://jabber.org/protocol/address"
NS_ENTRY = "urn:herald:interop:entry"
NS_PUBSUB_OWNER = "http://jabber.org/protocol/pubsub#owner"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def entry(item_id: str) -> str:
    return f"<item id='{item_id}'><entry xmlns='{NS_ENTRY}'>{item_id}</entry></item>"


def addresses(msg) -> list:
    """(type, jid, delivered) of each address the recipient sees."""
    found = msg.xml.find(f"{{{NS_ADDRESS}}}addresses")
    if found is None:
        return []
    return [(a.get("type"), a.get("jid"), a.get("delivered")) for a in found.findall(f"{{{NS_ADDRESS}}}address")]


def through_multicast(msg) -> bool:
    """Whether a copy came through the multicast service: its id names a part of the event's
    recipients, `<event>-<first>+<count>` (a message of its own is `<event>-<n>`)."""
    return bool(re.fullmatch(r".+-\d+\+\d+", msg["id"]))


def multicast_herald(herald_factory, stack: StackConfig) -> Herald:
    return herald_factory({"HERALD_MULTICAST_JID": f"multicast.{stack.xmpp_domain}"})


async def confirmed(h: Herald) -> None:
    async def logged():
        return "multicast service confirmed" in h.output()
    await eventually(logged, "herald confirmed the multicast service")


async def owner_subscriptions(owner: Client, node: str) -> list:
    """The JIDs subscribed to `node`, as its owner lists them (§8.8.1)."""
    reply = await owner.iq("get", f"<pubsub xmlns='{NS_PUBSUB_OWNER}'><subscriptions node='{node}'/></pubsub>")
    return [s.get("jid") for s in reply.xml.iter(f"{{{NS_PUBSUB_OWNER}}}subscription")]


def test_each_subscriber_gets_one_copy_that_names_only_itself(herald_factory, stack: StackConfig):
    h = multicast_herald(herald_factory, stack)

    async def body():
        await h.start()
        async with connected(stack, "alice", "bob", "carol") as (alice, bob, carol):
            node = unique_node("multicast")
            await alice.create_node(node)
            await bob.subscribe_xml(node)
            await carol.subscribe_xml(node)
            # The first fan-out asks the service; events go through it once it has answered.
            await alice.publish_xml(node, entry("first"))
            for client in (bob, carol):
                await client.event_until(node, "first")
            await confirmed(h)
            await alice.publish_xml(node, entry("second"))
            await alice.publish_xml(node, entry("third"))
            for client in (bob, carol):
                second, earlier = await client.event_until(node, "second")
                assert earlier == [], f"{client.boundjid} got events before 'second': {earlier}"
                third, earlier = await client.event_until(node, "third")
                assert earlier == [], f"{client.boundjid} got 'second' twice: {earlier}"
                for msg in (second, third):
                    assert msg["from"] == stack.component_domain
                    assert msg["to"].bare == client.boundjid.bare
                    assert through_multicast(msg), ET.tostring(msg.xml)
                    # A blind copy: no address of anyone (XEP-0033 §4.6.3).
                    assert addresses(msg) == [], ET.tostring(msg.xml)
                    # Prosody's stamp of its stream's "en" is dropped: the client's stream says it.
                    assert msg.xml.get(XML_LANG) is None, ET.tostring(msg.xml)
        await h.stop()

    run(body())


def test_a_bounced_copy_ends_only_its_subscription(herald_factory, stack: StackConfig):
    """A copy of type normal to an offline full JID: Prosody bounces it with the multicast message's
    id, and herald ends the subscription of that JID alone."""
    h = multicast_herald(herald_factory, stack)

    async def body():
        await h.start()
        async with connected(stack, "bob", "carol") as (bob, carol):
            alice = Client(stack, "alice", "alice-pass")
            await alice.start(send_presence=False)  # no available alice resource: nothing takes the copy
            try:
                # Confirmed on a node whose fan-out nobody bounces.
                warm_up = unique_node("multicast-warm-up")
                await bob.create_node(warm_up)
                await bob.subscribe_xml(warm_up)
                await carol.subscribe_xml(warm_up)
                await bob.publish_xml(warm_up, entry("warm-up"))
                await carol.event_until(warm_up, "warm-up")
                await confirmed(h)
                node = unique_node("multicast-bounce")
                await bob.create_node(node, {"pubsub#notification_type": "normal"})
                gone = f"{stack.jid('alice')}/gone-{node[-6:]}"
                await carol.subscribe_xml(node)
                await alice.subscribe_xml(node, jid=gone)
                await bob.publish_xml(node, entry("bounces"))
                msg, _ = await carol.event_until(node, "bounces")
                assert through_multicast(msg), ET.tostring(msg.xml)

                async def gone_ended():
                    return await owner_subscriptions(bob, node) == [carol.boundjid.bare]
                await eventually(gone_ended, "the bounced subscription ended, the other stayed")
            finally:
                await alice.stop()
        await h.stop()

    run(body())


def test_the_module_serves_listed_components_only(herald: Herald, stack: StackConfig):
    """A client cannot use the stack's multicast service as a relay: forbidden, and nothing delivered."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            errors: asyncio.Queue = asyncio.Queue()
            alice.add_event_handler("message_error", errors.put_nowait)
            received: asyncio.Queue = asyncio.Queue()
            bob.add_event_handler("message", received.put_nowait)
            spam = alice.make_message(mto=f"multicast.{stack.xmpp_domain}", mbody="spam")
            spam.append(ET.fromstring(
                f"<addresses xmlns='{NS_ADDRESS}'><address type='bcc' jid='{stack.jid('bob')}'/></addresses>"))
            spam.send()
            error = await asyncio.wait_for(errors.get(), 10)
            assert error["error"]["condition"] == "forbidden", error
            # A message alice sends bob afterwards arrives first: the relayed one never came.
            alice.send_message(mto=bob.boundjid, mbody="marker")
            first = await asyncio.wait_for(received.get(), 10)
            assert first["body"] == "marker", first

    run(body())


@asynccontextmanager
async def as_listed_sender(stack: StackConfig) -> AsyncIterator[slixmpp.ComponentXMPP]:
    """The module's listed sender is the stack's component: with no herald running, a slixmpp
    component takes its place, to send the module what herald never sends (to, cc, errors)."""
    sender = slixmpp.ComponentXMPP(
        stack.component_domain, os.environ["HERALD_COMPONENT_SECRET"],
        stack.component_host, stack.component_port)
    started: asyncio.Future = asyncio.get_running_loop().create_future()
    sender.add_event_handler("session_start", lambda _: started.done() or started.set_result(None))
    sender.connect()
    try:
        await asyncio.wait_for(started, 15)
        yield sender
    finally:
        sender.disconnect()
        await sender.disconnected


def multicast_message(stack: StackConfig, msg_id: str, addresses_xml: str) -> str:
    return (f"<message xmlns='jabber:component:accept' from='{stack.component_domain}'"
            f" to='multicast.{stack.xmpp_domain}' id='{msg_id}'><body>{msg_id}</body>"
            f"<addresses xmlns='{NS_ADDRESS}'>{addresses_xml}</addresses></message>")


def test_the_module_delivers_to_cc_and_bcc_as_xep_0033_says(stack: StackConfig):
    """§6: a copy to each of to, cc and bcc; the addresses delivered to are marked so, the
    bcc ones are gone, and others (noreply) stay. Each copy names its own recipient."""
    async def body():
        async with connected(stack, "alice", "bob", "carol") as (alice, bob, carol):
            received = {c: asyncio.Queue() for c in (alice, bob, carol)}
            for client, queue in received.items():
                client.add_event_handler("message", queue.put_nowait)
            async with as_listed_sender(stack) as sender:
                sender.send_raw(multicast_message(stack, "visible", (
                    f"<address type='to' jid='{bob.boundjid.full}'/>"
                    f"<address type='cc' jid='{carol.boundjid.full}'/>"
                    f"<address type='bcc' jid='{alice.boundjid.full}'/>"
                    "<address type='noreply'/>")))
                for client, queue in received.items():
                    copy = await asyncio.wait_for(queue.get(), 10)
                    assert copy["body"] == "visible", ET.tostring(copy.xml)
                    assert copy["to"] == client.boundjid, ET.tostring(copy.xml)
                    assert copy["from"] == stack.component_domain, ET.tostring(copy.xml)
                    assert addresses(copy) == [
                        ("to", bob.boundjid.full, "true"),
                        ("cc", carol.boundjid.full, "true"),
                        ("noreply", None, None),
                    ], ET.tostring(copy.xml)
                for queue in received.values():
                    assert queue.empty(), "one copy each"

    run(body())


def error_condition(msg) -> str:
    """The defined condition of an error the component received (slixmpp's `msg["error"]` reads
    only jabber:client errors)."""
    conditions = [child.tag.split("}")[1] for error in msg.xml if error.tag.endswith("}error")
                  for child in error if child.tag.startswith(f"{{{NS_STANZAS}}}") and not child.tag.endswith("}text")]
    assert len(conditions) == 1, ET.tostring(msg.xml)
    return conditions[0]


def test_the_module_refuses_what_it_cannot_deliver(stack: StackConfig):
    """The conditions the module names, each to the sender, and no copy to anyone."""
    async def body():
        async with connected(stack, "bob") as (bob,):
            received: asyncio.Queue = asyncio.Queue()
            bob.add_event_handler("message", received.put_nowait)
            bcc_bob = f"<address type='bcc' jid='{bob.boundjid.full}'/>"
            async with as_listed_sender(stack) as sender:
                errors: asyncio.Queue = asyncio.Queue()
                sender.add_event_handler("message_error", errors.put_nowait)
                for msg_id, addresses_xml, condition in (
                    ("no-address", "<address type='noreply'/>", "bad-request"),
                    ("malformed", bcc_bob + "<address type='bcc' jid='a@b@c'/>", "jid-malformed"),
                    ("uri", f"<address type='to' jid='{bob.boundjid.full}' uri='mailto:bob@example.org'/>",
                     "jid-malformed"),
                    ("too-many", bcc_bob * 100, "not-acceptable"),
                ):
                    sender.send_raw(multicast_message(stack, msg_id, addresses_xml))
                    error = await asyncio.wait_for(errors.get(), 10)
                    assert (error["id"], error_condition(error)) == (msg_id, condition), ET.tostring(error.xml)
                # A copy of any of them would have come before this one.
                sender.send_raw(multicast_message(stack, "marker", bcc_bob))
                first = await asyncio.wait_for(received.get(), 10)
                assert first["body"] == "marker", first

    run(body())
