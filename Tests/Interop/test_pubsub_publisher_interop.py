"""XEP-0060 interop, the publisher's side (§7.1 publish per node configuration, §7.1.4 auto-create,
§7.1.5 publish-options, §8.1.3 create-and-configure): slixmpp -> Prosody -> herald -> PostgreSQL."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness import (
    NS_DISCO_INFO,
    NS_PUBSUB,
    NS_PUBSUB_EVENT,
    Herald,
    StackConfig,
    connected,
    event_items,
    expect_error,
    form_of,
    form_values,
    run,
    unique_node,
)

NS_ENTRY = "urn:herald:interop:entry"
PUBLISH_OPTIONS = NS_PUBSUB + "#publish-options"


def entry(item_id: str, text: str = "", ns: str = NS_ENTRY) -> str:
    return f"<item id='{item_id}'><entry xmlns='{ns}'><title>{text or item_id}</title></entry></item>"


def published(result) -> ET.Element:
    """<publish/> of a publish result."""
    publish = result.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}publish")
    assert publish is not None, f"no <pubsub><publish/></pubsub> in {result}"
    return publish


def stored(result) -> dict:
    """ItemID -> <item/> of an items result."""
    items = result.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}items")
    assert items is not None, f"no <items/> in {result}"
    return {i.get("id"): i for i in items.findall(f"{{{NS_PUBSUB}}}item")}


def event_item(msg) -> ET.Element:
    item = msg.xml.find(f"{{{NS_PUBSUB_EVENT}}}event/{{{NS_PUBSUB_EVENT}}}items/{{{NS_PUBSUB_EVENT}}}item")
    assert item is not None, f"no event <item/> in {msg}"
    return item


async def node_config(client, node: str) -> dict:
    info = await client.disco_info(node)
    return form_values(form_of(info.xml.find(f"{{{NS_DISCO_INFO}}}query")))


def test_deliver_payloads_false_sends_only_the_item_id(herald: Herald, stack: StackConfig):
    """§7.1.2.2 notification without payload; the item is still stored with its payload."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("nopayload")
            await alice.create_node(node, {"pubsub#deliver_payloads": "0"})
            await bob.subscribe_xml(node)
            result = await alice.publish_xml(node, entry("x1", "kept"))
            assert [i.get("id") for i in published(result)] == ["x1"]
            msg, _ = await bob.event_until(node, "x1")
            item = event_item(msg)
            assert dict(item.attrib) == {"id": "x1"} and len(item) == 0, ET.tostring(item, encoding="unicode")
            kept = stored(await bob.items(node))["x1"]
            assert kept.find(f"{{{NS_ENTRY}}}entry/{{{NS_ENTRY}}}title").text == "kept"

    run(body())


def test_transient_and_notification_only_nodes(herald: Herald, stack: StackConfig):
    """§7.1.3.6: item-forbidden on a transient notification-only node (publish without an item notifies
    an empty <items/>); item-required on a persistent node; payload-required where payloads go out."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            signal = unique_node("signal")
            await alice.create_node(signal, {"pubsub#persist_items": "0", "pubsub#deliver_payloads": "0"})
            await bob.subscribe_xml(signal)
            await expect_error(alice.publish_xml(signal, entry("nope")), "modify", "bad-request", "item-forbidden")
            await expect_error(alice.publish_xml(signal, "<item id='bare'/>"), "modify", "bad-request",
                               "item-forbidden")
            result = await alice.publish_xml(signal)
            publish = published(result)
            assert publish.get("node") == signal and len(publish) == 0, result
            msg, earlier = await bob.event_until(signal, None)
            assert earlier == [], f"a refused publish notified: {[event_items(m) for m in earlier]}"
            assert event_items(msg) == [(signal, "empty", None)]

            persistent = unique_node("persistent")
            await alice.create_node(persistent)
            await expect_error(alice.publish_xml(persistent), "modify", "bad-request", "item-required")
            await expect_error(alice.publish_xml(persistent, "<item id='empty'/>"), "modify", "bad-request",
                               "payload-required")

            transient = unique_node("transient-payload")
            await alice.create_node(transient, {"pubsub#persist_items": "false"})
            await bob.subscribe_xml(transient)
            await expect_error(alice.publish_xml(transient), "modify", "bad-request", "payload-required")
            await alice.publish_xml(transient, entry("t1", "live only"))
            msg, _ = await bob.event_until(transient, "t1")
            assert event_item(msg).find(f"{{{NS_ENTRY}}}entry") is not None
            await expect_error(bob.items(transient), "cancel", "feature-not-implemented", "unsupported",
                               feature="persistent-items")

    run(body())


def test_publish_options_preconditions(herald: Herald, stack: StackConfig):
    """§7.1.5: met preconditions publish; unmet or unknown ones fail conflict/precondition-not-met
    (through slixmpp's publish(options=…) too)."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("preconditions")
            await alice.create_node(node, {"pubsub#access_model": "open", "pubsub#max_items": "10"})
            await bob.subscribe_xml(node)
            await alice.publish_xml(node, entry("met"), options={"pubsub#access_model": "open",
                                                                 "pubsub#max_items": "10"})
            await expect_error(alice.publish_xml(node, entry("unmet"), options={"pubsub#access_model": "whitelist"}),
                               "cancel", "conflict", "precondition-not-met")
            await expect_error(alice.publish_xml(node, entry("unknown"), options={"pubsub#bogus": "1"}),
                               "cancel", "conflict", "precondition-not-met")
            form = alice["xep_0004"].make_form(ftype="submit")
            form.add_field(var="FORM_TYPE", ftype="hidden", value=PUBLISH_OPTIONS)
            form.add_field(var="pubsub#max_items", value="11")
            await expect_error(alice["xep_0060"].publish(stack.component_domain, node, id="slix",
                                                          payload=ET.fromstring(f"<e xmlns='{NS_ENTRY}'/>"),
                                                          options=form),
                               "cancel", "conflict", "precondition-not-met")
            # Only the met precondition published: bob's first event is 'met', then the marker.
            await alice.publish_xml(node, entry("marker"))
            _, earlier = await bob.event_until(node, "marker")
            assert [e for m in earlier for e in event_items(m)] == [(node, "item", "met")]
            assert set(stored(await bob.items(node))) == {"met", "marker"}

    run(body())


def test_auto_create_on_publish(herald: Herald, stack: StackConfig):
    """§7.1.4 a publish to a missing node creates it, the publisher as owner, with default configuration
    except the publish-options (§7.1.5 rule 3)."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            plain = unique_node("auto")
            result = await bob.publish_xml(plain, entry("first"))
            assert published(result).get("node") == plain
            config = await node_config(alice, plain)
            assert config["pubsub#creator"] == [stack.jid("bob")] and config["pubsub#owner"] == [stack.jid("bob")]
            assert config["pubsub#access_model"] == ["open"] and config["pubsub#publish_model"] == ["publishers"]
            affiliations = await bob["xep_0060"].get_affiliations(stack.component_domain, node=plain)
            assert [(a.get("node"), a.get("affiliation")) for a in affiliations.xml.iter(f"{{{NS_PUBSUB}}}affiliation")] \
                == [(plain, "owner")]
            assert set(stored(await alice.items(plain))) == {"first"}
            await expect_error(alice.publish_xml(plain, entry("not-mine")), "auth", "forbidden")

            configured = unique_node("auto-options")
            await alice.publish_xml(configured, entry("c1"), options={
                "pubsub#access_model": "whitelist", "pubsub#max_items": "2", "pubsub#title": "made on publish"})
            config = await node_config(alice, configured)
            assert (config["pubsub#access_model"], config["pubsub#max_items"], config["pubsub#title"]) == \
                (["whitelist"], ["2"], ["made on publish"])
            assert config["pubsub#deliver_payloads"] == ["1"], "defaults apply to what the options leave out"
            await expect_error(bob.subscribe_xml(configured), "cancel", "not-allowed", "closed-node")
            await alice.publish_xml(configured, entry("c2"), options={"pubsub#access_model": "whitelist"})
            await alice.publish_xml(configured, entry("c3"))
            assert list(stored(await alice.items(configured))) == ["c3", "c2"]
            await expect_error(alice.publish_xml(configured, entry("c4"), options={"pubsub#access_model": "open"}),
                               "cancel", "conflict", "precondition-not-met")

    run(body())


def test_publish_models(herald: Herald, stack: StackConfig):
    """pubsub#publish_model: publishers (§7.1.3.1 forbidden), subscribers, open."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            closed, members, anyone = (unique_node(f"pm-{m}") for m in ("publishers", "subscribers", "open"))
            await alice.create_node(closed)
            await alice.create_node(members, {"pubsub#publish_model": "subscribers"})
            await alice.create_node(anyone, {"pubsub#publish_model": "open"})
            await expect_error(bob.publish_xml(closed, entry("b")), "auth", "forbidden")
            await expect_error(bob.publish_xml(members, entry("b")), "auth", "forbidden")
            await bob.subscribe_xml(members)
            await bob.publish_xml(members, entry("b-sub"))
            await bob.event_until(members, "b-sub")
            await bob.publish_xml(anyone, entry("b-open"))
            assert set(stored(await alice.items(anyone))) == {"b-open"}
            assert set(stored(await alice.items(members))) == {"b-sub"}
            assert stored(await alice.items(closed)) == {}

    run(body())


def test_payload_type_is_enforced(herald: Herald, stack: StackConfig):
    """pubsub#type: a payload in another namespace is invalid-payload (§7.1.3.5), as are two payloads."""
    async def body():
        async with connected(stack, "alice") as (alice,):
            node = unique_node("typed")
            await alice.create_node(node, {"pubsub#type": NS_ENTRY})
            await expect_error(alice.publish_xml(node, entry("wrong", ns="urn:other")),
                               "modify", "bad-request", "invalid-payload")
            await expect_error(alice.publish_xml(node, f"<item id='two'><a xmlns='{NS_ENTRY}'/><b xmlns='{NS_ENTRY}'/>"
                                                       f"</item>"), "modify", "bad-request", "invalid-payload")
            await alice.publish_xml(node, entry("right"))
            assert set(stored(await alice.items(node))) == {"right"}

    run(body())


def test_itemreply_publisher_and_notification_type(herald: Herald, stack: StackConfig):
    """pubsub#itemreply=publisher stamps items with the publisher's bare JID (events and items);
    pubsub#notification_type=normal sends type='normal' messages, the default is headline."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            stamped = unique_node("itemreply")
            await alice.create_node(stamped, {"pubsub#itemreply": "publisher", "pubsub#publish_model": "open",
                                              "pubsub#notification_type": "normal"})
            plain = unique_node("headline")
            await alice.create_node(plain)
            for node in (stamped, plain):
                await alice.subscribe_xml(node)
            await bob.publish_xml(stamped, entry("by-bob"))
            msg, _ = await alice.event_until(stamped, "by-bob")
            assert event_item(msg).get("publisher") == stack.jid("bob")
            assert msg.xml.get("type") == "normal", msg
            assert stored(await alice.items(stamped))["by-bob"].get("publisher") == stack.jid("bob")

            await alice.publish_xml(plain, entry("owner-default"))
            msg, _ = await alice.event_until(plain, "owner-default")
            assert event_item(msg).get("publisher") is None, "itemreply=owner (the default) adds no publisher"
            assert msg.xml.get("type") == "headline", msg
            assert stored(await alice.items(plain))["owner-default"].get("publisher") is None

    run(body())


def test_create_and_configure_errors(herald: Herald, stack: StackConfig):
    """§8.1.3: unsupported values are refused, never ignored."""
    async def body():
        async with connected(stack, "alice") as (alice,):
            # presence and roster are accepted here, where Prosody grants roster reads (see the owner suite).
            await expect_error(alice.create_node(unique_node("am"), {"pubsub#access_model": "secret"}),
                               "modify", "not-acceptable", "unsupported-access-model")
            await expect_error(alice.create_node(unique_node("bad"), {"pubsub#max_items": "-1"}),
                               "modify", "not-acceptable")
            await expect_error(alice.create_node(unique_node("bad"), {"pubsub#bogus": "1"}),
                               "modify", "not-acceptable")
            await expect_error(alice.create_node(unique_node("bad"), {"pubsub#notification_type": "chat"}),
                               "modify", "not-acceptable")
            await expect_error(alice.create_node(unique_node("bad"), {"pubsub#node_type": "collection"}),
                               "cancel", "feature-not-implemented", "unsupported", feature="collections")
            node = unique_node("ok")
            await alice.create_node(node, {"pubsub#max_items": "max", "pubsub#send_last_published_item": "never"})
            config = await node_config(alice, node)
            assert config["pubsub#max_items"] == ["10000"]
            assert config["pubsub#send_last_published_item"] == ["never"]

    run(body())
