"""XEP-0060 interop, the subscriber's side (§5 discovery, §6 subscribe, unsubscribe, options,
items), presence-based delivery, bounces and restarts: slixmpp -> Prosody -> herald -> PostgreSQL.

Each test makes its own nodes; the database is shared by the session. To prove that an event did
*not* arrive, a test has a later marker event sent that must arrive, and checks the earlier one did
not come first (herald handles stanzas one at a time; Prosody keeps their order to one session)."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest

from harness import (
    NS_DELAY,
    NS_DISCO_INFO,
    NS_PUBSUB,
    NS_RSM,
    Client,
    Herald,
    StackConfig,
    connected,
    data_form,
    event_items,
    eventually,
    expect_error,
    form_of,
    form_types,
    form_values,
    run,
    shim_subids,
    unique_node,
)

NS_ENTRY = "urn:herald:interop:entry"
META = NS_PUBSUB + "#meta-data"
SUBSCRIBE_OPTIONS = NS_PUBSUB + "#subscribe_options"

# Sources/PubSub/Requests/PubSubService+Disco.swift: what the service advertises (§5.1).
SERVICE_FEATURES = {
    "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/disco#items",
    "urn:xmpp:ping",
    "http://jabber.org/protocol/commands",
    NS_PUBSUB,
    *(NS_PUBSUB + "#" + f for f in (
        # access-presence and access-roster: the test stack's Prosody grants roster reads (XEP-0356).
        "access-authorize", "access-open", "access-presence", "access-roster", "access-whitelist", "auto-create", "config-node", "create-and-configure",
        "create-nodes", "delete-items", "delete-nodes", "get-pending", "instant-nodes", "item-ids", "last-published",
        "leased-subscription", "manage-subscriptions", "member-affiliation", "meta-data", "modify-affiliations",
        "multi-items", "multi-subscribe", "outcast-affiliation", "persistent-items", "presence-notifications",
        "publish", "publish-only-affiliation", "publish-options", "publisher-affiliation", "purge-nodes",
        "retract-items", "retrieve-affiliations", "retrieve-default", "retrieve-default-sub", "retrieve-items",
        "retrieve-subscriptions", "rsm", "subscribe", "subscription-notifications", "subscription-options",
    )),
}


# --------------------------------------------------------------------------- helpers


def entry(item_id: str, text: str = "") -> str:
    """An <item/> with a small namespaced payload, as XML text."""
    return f"<item id='{item_id}'><entry xmlns='{NS_ENTRY}'><title>{text or item_id}</title></entry></item>"


def pubsub_child(result, name: str) -> ET.Element:
    child = result.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}{name}")
    assert child is not None, f"no <pubsub><{name}/></pubsub> in {result}"
    return child


def subscription_of(result) -> dict:
    """The attributes of <pubsub><subscription/></pubsub> in a subscribe/unsubscribe result."""
    return dict(pubsub_child(result, "subscription").attrib)


def item_ids(result) -> list:
    """The ItemIDs of an items result, in document order."""
    return [i.get("id") for i in pubsub_child(result, "items").findall(f"{{{NS_PUBSUB}}}item")]


def result_set(result) -> dict:
    """{'first': (id, index), 'last': id, 'count': n} of the XEP-0059 <set/> of a result ({} if none)."""
    rsm = result.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_RSM}}}set")
    if rsm is None:
        return {}
    out = {}
    first = rsm.find(f"{{{NS_RSM}}}first")
    if first is not None:
        out["first"] = (first.text, first.get("index"))
    last = rsm.find(f"{{{NS_RSM}}}last")
    if last is not None:
        out["last"] = last.text
    count = rsm.find(f"{{{NS_RSM}}}count")
    if count is not None:
        out["count"] = int(count.text)
    return out


async def my_subscriptions(client: Client, node: str) -> list:
    """[(jid, subscription, subid)] of §5.6 <subscriptions node=…/>."""
    result = await client.pubsub("get", f"<subscriptions node='{node}'/>")
    subs = pubsub_child(result, "subscriptions")
    assert subs.get("node") == node, f"<subscriptions/> without node='{node}': {result}"
    return sorted((s.get("jid"), s.get("subscription"), s.get("subid"))
                  for s in subs.findall(f"{{{NS_PUBSUB}}}subscription"))


async def metadata(client: Client, node: str) -> dict:
    info = await client.disco_info(node)
    return form_values(form_of(info.xml.find(f"{{{NS_DISCO_INFO}}}query")))


def delay_stamp(msg) -> datetime.datetime:
    delay = msg.xml.find(f"{{{NS_DELAY}}}delay")
    assert delay is not None, f"no <delay xmlns='urn:xmpp:delay'/> in {msg}"
    return datetime.datetime.fromisoformat(delay.get("stamp").replace("Z", "+00:00"))


def assert_recent(stamp: datetime.datetime, seconds: float = 120) -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - stamp).total_seconds()) < seconds, f"timestamp {stamp} is not close to now ({now})"


def no_event(earlier: list, node: str, item_id=None) -> None:
    seen = [e for m in earlier for e in event_items(m)]
    assert all(not (n == node and (item_id is None or i == item_id)) for n, _kind, i in seen), \
        f"unexpected event for {item_id!r} on {node!r}; events before the marker: {seen}"


async def set_options(client: Client, node: str, fields: dict, jid=None, subid=None):
    """§6.3.5 options submission (slixmpp's set_subscription_options sends type='get')."""
    attrs = f" node='{node}' jid='{jid or client.boundjid.bare}'" + (f" subid='{subid}'" if subid else "")
    return await client.pubsub("set", f"<options{attrs}>{data_form(SUBSCRIBE_OPTIONS, fields)}</options>")


# --------------------------------------------------------------------------- §5 discovery


def test_service_features_identity_and_node_metadata(herald: Herald, stack: StackConfig):
    """§5.1 the exact feature set; §5.4 a node's pubsub#meta-data, and what it hides from outsiders."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            info = await bob.disco_info()
            query = info.xml.find(f"{{{NS_DISCO_INFO}}}query")
            identities = [(i.get("category"), i.get("type")) for i in query.findall(f"{{{NS_DISCO_INFO}}}identity")]
            assert identities == [("pubsub", "service")], info
            features = [f.get("var") for f in query.findall(f"{{{NS_DISCO_INFO}}}feature")]
            assert len(features) == len(set(features)), f"duplicate features: {features}"
            assert set(features) == SERVICE_FEATURES, (
                f"missing {sorted(SERVICE_FEATURES - set(features))}, extra {sorted(set(features) - SERVICE_FEATURES)}")

            node = unique_node("meta")
            await alice.create_node(node, {
                "pubsub#title": "Büro & <news>", "pubsub#description": "what's new",
                "pubsub#type": NS_ENTRY, "pubsub#max_items": "7", "pubsub#access_model": "open",
                "pubsub#publish_model": "publishers",
            })
            await bob.subscribe_xml(node)
            info = await alice.disco_info(node)
            query = info.xml.find(f"{{{NS_DISCO_INFO}}}query")
            assert query.get("node") == node
            identities = [(i.get("category"), i.get("type")) for i in query.findall(f"{{{NS_DISCO_INFO}}}identity")]
            assert identities == [("pubsub", "leaf")], info
            assert NS_PUBSUB in [f.get("var") for f in query.findall(f"{{{NS_DISCO_INFO}}}feature")]
            form = form_of(query)
            assert form.get("type") == "result"
            values = form_values(form)
            assert values["FORM_TYPE"] == [META]
            assert form_types(form)["FORM_TYPE"] == "hidden"
            assert values["pubsub#creator"] == [stack.jid("alice")]
            assert_recent(datetime.datetime.fromisoformat(values["pubsub#creation_date"][0].replace("Z", "+00:00")))
            expected = {
                "pubsub#title": ["Büro & <news>"], "pubsub#description": ["what's new"], "pubsub#type": [NS_ENTRY],
                "pubsub#max_items": ["7"], "pubsub#access_model": ["open"], "pubsub#publish_model": ["publishers"],
                "pubsub#owner": [stack.jid("alice")], "pubsub#publisher": [], "pubsub#num_subscribers": ["1"],
            }
            assert {k: values.get(k) for k in expected} == expected, values
            assert form_types(form)["pubsub#owner"] == "jid-multi"

            # An open node shows its affiliations to anyone; a whitelist node only to its affiliates.
            assert (await metadata(bob, node))["pubsub#owner"] == [stack.jid("alice")]
            closed = unique_node("meta-closed")
            await alice.create_node(closed, {"pubsub#access_model": "whitelist", "pubsub#title": "closed"})
            outsider = await metadata(bob, closed)
            assert outsider["pubsub#title"] == ["closed"] and outsider["pubsub#access_model"] == ["whitelist"]
            hidden = {"pubsub#owner", "pubsub#publisher", "pubsub#num_subscribers"}
            assert not hidden & set(outsider), f"whitelist node meta-data shows {hidden & set(outsider)} to a stranger"
            assert hidden <= set(await metadata(alice, closed))

            await expect_error(bob.disco_info(unique_node("meta-missing")), "cancel", "item-not-found")

    run(body())


def test_retrieve_subscriptions_and_affiliations(herald: Herald, stack: StackConfig):
    """§5.6 <subscriptions/> and §5.7 <affiliations/>, all and for one node (slixmpp's plugin calls)."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            n1, n2 = unique_node("subs-1"), unique_node("subs-2")
            await alice.create_node(n1)
            await alice.create_node(n2)
            s1 = subscription_of(await bob.subscribe_xml(n1))
            s2 = subscription_of(await bob.subscribe_xml(n2, jid=str(bob.boundjid)))
            assert s2["jid"] == str(bob.boundjid)

            everything = await bob["xep_0060"].get_subscriptions(stack.component_domain)
            subs = pubsub_child(everything, "subscriptions")
            assert subs.get("node") is None
            mine = sorted((s.get("node"), s.get("jid"), s.get("subscription"), s.get("subid"))
                          for s in subs.findall(f"{{{NS_PUBSUB}}}subscription") if s.get("node") in (n1, n2))
            assert mine == sorted([(n1, stack.jid("bob"), "subscribed", s1["subid"]),
                                   (n2, str(bob.boundjid), "subscribed", s2["subid"])]), everything
            assert await my_subscriptions(bob, n1) == [(stack.jid("bob"), "subscribed", s1["subid"])]
            assert await my_subscriptions(alice, n1) == []

            everything = await alice["xep_0060"].get_affiliations(stack.component_domain)
            affs = {(a.get("node"), a.get("affiliation"))
                    for a in pubsub_child(everything, "affiliations").findall(f"{{{NS_PUBSUB}}}affiliation")}
            assert {(n1, "owner"), (n2, "owner")} <= affs, everything
            one = await alice["xep_0060"].get_affiliations(stack.component_domain, node=n2)
            listed = pubsub_child(one, "affiliations")
            assert listed.get("node") == n2
            assert [(a.get("node"), a.get("affiliation")) for a in listed] == [(n2, "owner")], one
            none = await bob["xep_0060"].get_affiliations(stack.component_domain, node=n1)
            assert len(pubsub_child(none, "affiliations")) == 0, none

    run(body())


# --------------------------------------------------------------------------- §6.1 subscribe


def test_full_jid_subscription_reaches_only_that_resource(herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "alice", "bob", "bob") as (alice, bob1, bob2):
            node, marker = unique_node("fulljid"), unique_node("fulljid-marker")
            await alice.create_node(node)
            await alice.create_node(marker)
            result = await bob1["xep_0060"].subscribe(stack.component_domain, node, bare=False)
            sub = subscription_of(result)
            assert (sub["node"], sub["jid"], sub["subscription"]) == (node, str(bob1.boundjid), "subscribed")
            assert sub.get("subid")
            assert result.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}subscription/"
                                   f"{{{NS_PUBSUB}}}subscribe-options") is not None, result
            await bob2.subscribe_xml(marker)  # the bare JID: both resources

            await alice.publish_xml(node, entry("only-bob1"))
            await alice.publish_xml(marker, entry("m1"))
            msg, _ = await bob1.event_until(node, "only-bob1")
            assert msg["to"] == bob1.boundjid
            _, earlier = await bob2.event_until(marker, "m1")
            no_event(earlier, node)

    run(body())


def test_whitelist_node_is_closed(herald: Herald, stack: StackConfig):
    """§6.1.3.4 and §6.5.9.8: closed-node for strangers; the owner is on the whitelist."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("whitelist")
            await alice.create_node(node, {"pubsub#access_model": "whitelist"})
            await alice.publish_xml(node, entry("w1"))
            await expect_error(bob.subscribe_xml(node), "cancel", "not-allowed", "closed-node")
            await expect_error(bob.items(node), "cancel", "not-allowed", "closed-node")
            assert subscription_of(await alice.subscribe_xml(node))["subscription"] == "subscribed"
            assert item_ids(await alice.items(node)) == ["w1"]

    run(body())


def test_authorize_node_pending_subscription(herald: Herald, stack: StackConfig):
    """§6.1.2 pending, §6.1.3.7 pending-subscription, §6.5.9.3 not-subscribed; pending gets no events."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node, marker = unique_node("authorize"), unique_node("authorize-marker")
            await alice.create_node(node, {"pubsub#access_model": "authorize"})
            await alice.create_node(marker)
            sub = subscription_of(await bob.subscribe_xml(node))
            assert (sub["jid"], sub["subscription"]) == (stack.jid("bob"), "pending")
            assert sub.get("subid")
            await expect_error(bob.subscribe_xml(node), "auth", "not-authorized", "pending-subscription")
            assert await my_subscriptions(bob, node) == [(stack.jid("bob"), "pending", sub["subid"])]
            await expect_error(bob.items(node), "auth", "not-authorized", "not-subscribed")

            await bob.subscribe_xml(marker)
            await alice.publish_xml(node, entry("a1"))
            await alice.publish_xml(marker, entry("m1"))
            _, earlier = await bob.event_until(marker, "m1")
            no_event(earlier, node)
            assert item_ids(await alice.items(node)) == ["a1"]

    run(body())


def test_too_many_subscriptions(herald_factory, stack: StackConfig):
    """§6.1.3.9 with HERALD_LIMITS_SUBSCRIPTIONS_PER_JID=3 (the limit counts across the service)."""
    h: Herald = herald_factory({"HERALD_LIMITS_SUBSCRIPTIONS_PER_JID": "3"})

    async def body():
        await h.start()
        async with connected(stack, "alice", "bob") as (alice, bob):
            # Earlier tests left bob subscribed elsewhere: start from none.
            listed = pubsub_child(await bob["xep_0060"].get_subscriptions(stack.component_domain), "subscriptions")
            for s in listed.findall(f"{{{NS_PUBSUB}}}subscription"):
                await bob.pubsub("set", f"<unsubscribe node='{s.get('node')}' jid='{s.get('jid')}' "
                                        f"subid='{s.get('subid')}'/>")
            nodes = [unique_node(f"limit-{i}") for i in range(4)]
            for node in nodes:
                await alice.create_node(node)
            for node in nodes[:3]:
                assert subscription_of(await bob.subscribe_xml(node))["subscription"] == "subscribed"
            await expect_error(bob.subscribe_xml(nodes[3]), "wait", "policy-violation", "too-many-subscriptions")
            await expect_error(bob.subscribe_xml(nodes[3], jid=str(bob.boundjid)),
                               "wait", "policy-violation", "too-many-subscriptions")
            # Re-subscribing returns the existing subscription: nothing new, so no limit.
            first = await my_subscriptions(bob, nodes[0])
            assert subscription_of(await bob.subscribe_xml(nodes[0]))["subid"] == first[0][2]
            # Room again after an unsubscribe.
            await bob.pubsub("set", f"<unsubscribe node='{nodes[0]}' jid='{stack.jid('bob')}'/>")
            assert subscription_of(await bob.subscribe_xml(nodes[3]))["subscription"] == "subscribed"
        await h.stop()

    run(body())


def test_multi_subscribe_with_shim_headers(herald: Herald, stack: StackConfig):
    """§6.1.6 several subscriptions of one JID: one event message with SubID SHIM headers; the
    subid-required / invalid-subid errors of §6.2.3.1, §6.2.3.5, §6.3.4.4, §6.5.9.1."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("multi")
            bare = stack.jid("bob")
            await alice.create_node(node)
            s1 = subscription_of(await bob.subscribe_xml(node))["subid"]
            result = await bob.subscribe_xml(node, options={"pubsub#include_body": "1"})
            s2 = subscription_of(result)["subid"]
            assert s2 != s1, "options differing from the first subscription must make a second one"
            options = form_values(form_of(pubsub_child(result, "options")))
            assert options["FORM_TYPE"] == [SUBSCRIBE_OPTIONS] and options["pubsub#include_body"] == ["1"], result
            # A plain re-subscribe returns an existing subscription, it does not add a third.
            assert subscription_of(await bob.subscribe_xml(node))["subid"] in (s1, s2)
            assert await my_subscriptions(bob, node) == sorted([(bare, "subscribed", s1), (bare, "subscribed", s2)])

            await alice.publish_xml(node, entry("i1", "hello   multi\n world"))
            msg, _ = await bob.event_until(node, "i1")
            assert sorted(shim_subids(msg)) == sorted([s1, s2]), msg
            assert msg["body"] == "hello multi world", msg
            await alice.publish_xml(node, entry("i2"))
            _, earlier = await bob.event_until(node, "i2")
            assert earlier == [], f"i1 was sent more than once: {[event_items(m) for m in earlier]}"

            await expect_error(bob.pubsub("set", f"<unsubscribe node='{node}' jid='{bare}'/>"),
                               "modify", "bad-request", "subid-required")
            await expect_error(bob.pubsub("set", f"<unsubscribe node='{node}' jid='{bare}' subid='nope'/>"),
                               "modify", "not-acceptable", "invalid-subid")
            await expect_error(bob.items(node), "modify", "bad-request", "subid-required")
            await expect_error(bob.pubsub("get", f"<items node='{node}' subid='nope'/>"),
                               "modify", "not-acceptable", "invalid-subid")
            assert item_ids(await bob.pubsub("get", f"<items node='{node}' subid='{s1}'/>")) == ["i2", "i1"]
            await expect_error(bob["xep_0060"].get_subscription_options(stack.component_domain, node, bare),
                               "modify", "bad-request", "subid-required")

            ended = await bob.pubsub("set", f"<unsubscribe node='{node}' jid='{bare}' subid='{s2}'/>")
            assert subscription_of(ended)["subscription"] == "none"
            await alice.publish_xml(node, entry("i3"))
            msg, _ = await bob.event_until(node, "i3")
            assert shim_subids(msg) == [] and msg.xml.find("{jabber:client}body") is None, msg

    run(body())


def test_last_published_item_sent_on_subscribe(herald: Herald, stack: StackConfig):
    """§6.1.7: the newest item, with an XEP-0203 delay; none for send_last_published_item=never."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node, never = unique_node("last"), unique_node("last-never")
            await alice.create_node(node)
            await alice.create_node(never, {"pubsub#send_last_published_item": "never"})
            await alice.publish_xml(node, entry("old"))
            await alice.publish_xml(node, entry("newest"))
            await alice.publish_xml(never, entry("not-sent"))

            await bob.subscribe_xml(node)
            msg, earlier = await bob.event_until(node, "newest")
            assert earlier == []
            assert_recent(delay_stamp(msg))
            await bob.subscribe_xml(never)
            await alice.publish_xml(never, entry("marker"))
            msg, earlier = await bob.event_until(never, "marker")
            assert earlier == [], f"events before the marker: {[event_items(m) for m in earlier]}"
            assert msg.xml.find(f"{{{NS_DELAY}}}delay") is None, "a live notification carries no delay"

    run(body())


# --------------------------------------------------------------------------- §6.2 unsubscribe


def test_unsubscribe_and_its_errors(herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("unsub")
            bare = stack.jid("bob")
            await alice.create_node(node)
            await expect_error(bob.pubsub("set", f"<unsubscribe node='{node}' jid='{bare}'/>"),
                               "cancel", "unexpected-request", "not-subscribed")
            await expect_error(bob.pubsub("set", f"<unsubscribe node='{unique_node('nope')}' jid='{bare}'/>"),
                               "cancel", "item-not-found")
            sub = subscription_of(await bob.subscribe_xml(node))
            await expect_error(alice.pubsub("set", f"<unsubscribe node='{node}' jid='{bare}'/>"),
                               "auth", "forbidden")
            await expect_error(bob.pubsub("set", f"<unsubscribe node='{node}' jid='{bare}' subid='nope'/>"),
                               "modify", "not-acceptable", "invalid-subid")
            result = await bob["xep_0060"].unsubscribe(stack.component_domain, node)
            ended = subscription_of(result)
            assert (ended["node"], ended["jid"], ended["subscription"]) == (node, bare, "none"), result
            assert ended.get("subid") in (None, sub["subid"])
            assert await my_subscriptions(bob, node) == []

    run(body())


# --------------------------------------------------------------------------- §6.3, §6.4 options


def test_subscription_options(herald: Herald, stack: StackConfig):
    """§6.3 get and set; deliver=0 stops events; include_body; digest and unknown fields refused."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("options")
            bare = stack.jid("bob")
            await alice.create_node(node)
            subid = subscription_of(await bob.subscribe_xml(node))["subid"]

            got = await bob["xep_0060"].get_subscription_options(stack.component_domain, node, bare)
            options = pubsub_child(got, "options")
            assert (options.get("node"), options.get("jid"), options.get("subid")) == (node, bare, subid)
            form = form_of(options)
            assert form.get("type") == "form"
            assert form_values(form) == {
                "FORM_TYPE": [SUBSCRIBE_OPTIONS], "pubsub#deliver": ["1"], "pubsub#digest": ["0"],
                "pubsub#include_body": ["0"], "pubsub#show-values": ["chat", "online", "away", "xa", "dnd"],
                "pubsub#expire": [],
            }
            assert form_types(form)["pubsub#show-values"] == "list-multi"

            # deliver=0: the subscription stays, the event is not sent.
            await set_options(bob, node, {"pubsub#deliver": "0"})
            await alice.publish_xml(node, entry("quiet"))
            await set_options(bob, node, {"pubsub#deliver": "true"})
            await alice.publish_xml(node, entry("loud"))
            _, earlier = await bob.event_until(node, "loud")
            no_event(earlier, node, "quiet")

            await set_options(bob, node, {"pubsub#include_body": "1", "pubsub#show-values": ["online", "chat"],
                                          "pubsub#expire": "2099-01-01T00:00:00Z"}, subid=subid)
            values = form_values(form_of(await bob["xep_0060"].get_subscription_options(
                stack.component_domain, node, bare)))
            assert values["pubsub#include_body"] == ["1"]
            assert values["pubsub#show-values"] == ["chat", "online"]
            assert values["pubsub#expire"] == ["2099-01-01T00:00:00Z"]
            await alice.publish_xml(node, "<item id='body'><entry xmlns='urn:herald:interop:entry'>"
                                          "<title>Big\n  news</title><p>  read   <b>all</b>about it </p></entry></item>")
            msg, _ = await bob.event_until(node, "body")
            assert msg["body"] == "Big news read all about it", msg

            await expect_error(set_options(bob, node, {"pubsub#digest": "1"}), "modify", "bad-request", "invalid-options")
            await expect_error(set_options(bob, node, {"pubsub#bogus": "1"}), "modify", "bad-request", "invalid-options")
            await expect_error(set_options(bob, node, {"pubsub#deliver": "maybe"}),
                               "modify", "bad-request", "invalid-options")
            await expect_error(alice["xep_0060"].get_subscription_options(stack.component_domain, node,
                                                                          stack.jid("alice")),
                               "modify", "unexpected-request", "not-subscribed")
            await expect_error(alice["xep_0060"].get_subscription_options(stack.component_domain, node, bare),
                               "auth", "forbidden")
            await expect_error(bob.pubsub("get", f"<options node='{node}'/>"), "modify", "bad-request", "jid-required")
            await expect_error(bob["xep_0060"].get_subscription_options(stack.component_domain,
                                                                        unique_node("nope"), bare),
                               "cancel", "item-not-found")
            # A refused form changed nothing.
            values = form_values(form_of(await bob["xep_0060"].get_subscription_options(
                stack.component_domain, node, bare)))
            assert values["pubsub#deliver"] == ["1"] and values["pubsub#digest"] == ["0"]

    run(body())


def test_subscribe_and_configure_and_default_options(herald: Herald, stack: StackConfig):
    """§6.3.7 subscribe-and-configure through slixmpp's subscribe(options=…); §6.4 <default/>."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node, marker = unique_node("subconf"), unique_node("subconf-marker")
            await alice.create_node(node)
            await alice.create_node(marker)
            form = bob["xep_0004"].make_form(ftype="submit")
            form.add_field(var="FORM_TYPE", ftype="hidden", value=SUBSCRIBE_OPTIONS)
            form.add_field(var="pubsub#deliver", value="0")
            result = await bob["xep_0060"].subscribe(stack.component_domain, node, options=form)
            assert subscription_of(result)["subscription"] == "subscribed"
            returned = form_of(pubsub_child(result, "options"))
            assert returned.get("type") == "result"
            assert form_values(returned)["pubsub#deliver"] == ["0"]
            await bob.subscribe_xml(marker)
            await alice.publish_xml(node, entry("muted"))
            await alice.publish_xml(marker, entry("m1"))
            _, earlier = await bob.event_until(marker, "m1")
            no_event(earlier, node)

            await expect_error(bob.subscribe_xml(node, options={"pubsub#digest": "1"}),
                               "modify", "bad-request", "invalid-options")

            for request, node_attr in ((None, None), (node, node)):
                got = await bob["xep_0060"].get_subscription_options(stack.component_domain, request)
                default = pubsub_child(got, "default")
                assert default.get("node") == node_attr, got
                form = form_of(default)
                assert form.get("type") == "result"
                assert form_values(form) == {
                    "FORM_TYPE": [SUBSCRIBE_OPTIONS], "pubsub#deliver": ["1"], "pubsub#digest": ["0"],
                    "pubsub#include_body": ["0"], "pubsub#show-values": ["chat", "online", "away", "xa", "dnd"],
                    "pubsub#expire": [],
                }, got
            await expect_error(bob["xep_0060"].get_subscription_options(stack.component_domain, unique_node("nope")),
                               "cancel", "item-not-found")

    run(body())


def test_leases_end_and_past_leases_are_refused(herald_factory, stack: StackConfig):
    """§12.19 leases: a lease in the past is refused; a lapsed lease is no subscription at all, so it
    neither uses up the per-JID limit nor makes <items/> ask for a SubID (§6.5.9.1)."""
    h: Herald = herald_factory({"HERALD_LIMITS_SUBSCRIPTIONS_PER_JID": "2"})

    async def body():
        await h.start()
        async with connected(stack, "alice", "carol") as (alice, carol):
            node, other = unique_node("lease"), unique_node("lease-other")
            await alice.create_node(node)
            await alice.create_node(other)
            await alice.publish_xml(node, entry("i1"))
            listed = pubsub_child(await carol["xep_0060"].get_subscriptions(stack.component_domain), "subscriptions")
            for s in listed.findall(f"{{{NS_PUBSUB}}}subscription"):
                await carol.pubsub("set", f"<unsubscribe node='{s.get('node')}' jid='{s.get('jid')}' "
                                          f"subid='{s.get('subid')}'/>")
            await expect_error(carol.subscribe_xml(node, options={"pubsub#expire": "2000-01-01T00:00:00Z"}),
                               "modify", "bad-request", "invalid-options")
            subid = subscription_of(await carol.subscribe_xml(node))["subid"]
            soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2))
            await carol.subscribe_xml(node, options={"pubsub#expire": soon.strftime("%Y-%m-%dT%H:%M:%SZ")})

            async def lapsed():
                return [s for _j, _st, s in await my_subscriptions(carol, node)] == [subid]
            await eventually(lapsed, "the lease to end")
            assert item_ids(await carol.items(node)) == ["i1"]
            assert subscription_of(await carol.subscribe_xml(other))["subscription"] == "subscribed"
        await h.stop()

    run(body())


# --------------------------------------------------------------------------- §6.5 items


def test_items_newest_first_with_rsm_paging(herald: Herald, stack: StackConfig):
    """§6.5.2 newest first, §6.5.4 XEP-0059 paging through 25 items (index 0 = newest), §6.5.7 max_items,
    §6.5.8 by ItemID, and the node's own max_items."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("rsm")
            await alice.create_node(node)
            ids = [f"p{i:02d}" for i in range(25)]
            for item_id in ids:
                await alice.publish_xml(node, entry(item_id))
            newest_first = ids[::-1]

            everything = await bob.items(node)
            assert item_ids(everything) == newest_first
            assert result_set(everything) == {}, "a complete reply needs no result set"

            async def page(rsm: str):
                return await bob.pubsub("get", f"<items node='{node}'/><set xmlns='{NS_RSM}'>{rsm}</set>")

            got = await page("<max>10</max>")
            assert item_ids(got) == newest_first[:10]
            assert result_set(got) == {"first": ("p24", "0"), "last": "p15", "count": 25}
            got = await page("<max>10</max><after>p15</after>")
            assert item_ids(got) == newest_first[10:20]
            assert result_set(got) == {"first": ("p14", "10"), "last": "p05", "count": 25}
            got = await page("<max>10</max><after>p05</after>")
            assert item_ids(got) == newest_first[20:]
            assert result_set(got) == {"first": ("p04", "20"), "last": "p00", "count": 25}
            got = await page("<max>10</max><after>p00</after>")
            assert item_ids(got) == [] and result_set(got) == {"count": 25}
            got = await page("<max>10</max><before/>")
            assert item_ids(got) == newest_first[15:]
            assert result_set(got) == {"first": ("p09", "15"), "last": "p00", "count": 25}
            got = await page("<max>10</max><before>p09</before>")
            assert item_ids(got) == newest_first[5:15]
            assert result_set(got)["first"] == ("p19", "5")
            got = await page("<max>10</max><index>20</index>")
            assert item_ids(got) == newest_first[20:]
            assert result_set(got)["first"] == ("p04", "20")
            got = await page("<max>0</max>")
            assert item_ids(got) == [] and result_set(got) == {"count": 25}
            await expect_error(page("<max>10</max><after>no-such-item</after>"), "cancel", "item-not-found")

            assert item_ids(await bob.pubsub("get", f"<items node='{node}' max_items='3'/>")) == ["p24", "p23", "p22"]
            await expect_error(bob.pubsub("get", f"<items node='{node}' max_items='0'/>"), "modify", "bad-request")
            by_id = await bob.pubsub("get", f"<items node='{node}'><item id='p03'/><item id='p17'/>"
                                            f"<item id='nope'/></items>")
            assert item_ids(by_id) == ["p17", "p03"]
            payload = pubsub_child(by_id, "items").find(f"{{{NS_PUBSUB}}}item/{{{NS_ENTRY}}}entry/{{{NS_ENTRY}}}title")
            assert payload is not None and payload.text == "p17", by_id

            # §5.5 the node's items in disco#items, by name.
            listing = await bob.disco_items(node)
            assert sorted(name for _jid, _node, name in listing["disco_items"]["items"]) == sorted(ids)

            small = unique_node("max-items")
            await alice.create_node(small, {"pubsub#max_items": "3"})
            for item_id in ("a", "b", "c", "d", "e"):
                await alice.publish_xml(small, entry(item_id))
            assert item_ids(await bob.items(small)) == ["e", "d", "c"]
            await alice.publish_xml(small, entry("c", "replaced"))  # same ItemID: replaced, now newest
            assert item_ids(await bob.items(small)) == ["c", "e", "d"]

    run(body())


def test_items_of_a_transient_node(herald: Herald, stack: StackConfig):
    """§6.5.9.4: a node without persistent items answers unsupported persistent-items."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("transient")
            await alice.create_node(node, {"pubsub#persist_items": "0"})
            await bob.subscribe_xml(node)
            await alice.publish_xml(node, entry("t1"))
            await bob.event_until(node, "t1")
            await expect_error(bob.items(node), "cancel", "feature-not-implemented", "unsupported",
                               feature="persistent-items")

    run(body())


# --------------------------------------------------------------------------- presence (§12.5, §12.6)


def test_presence_based_delivery(herald: Herald, stack: StackConfig):
    """pubsub#presence_based_delivery: only subscribers that sent presence to the service get events,
    until their session ends; pubsub#show-values filters by <show/>."""
    async def body():
        async with connected(stack, "alice", "bob", "bob") as (alice, bob1, bob2):
            for c in (alice, bob1):
                await c.forget_service_in_roster()
            node, marker, sync = unique_node("pbd"), unique_node("pbd-marker"), unique_node("pbd-sync")
            await alice.create_node(node, {"pubsub#presence_based_delivery": "1"})
            await alice.create_node(marker)
            await alice.create_node(sync)
            bob1.directed_presence()
            # bob1's presence reaches herald before its next request.
            await bob1.subscribe_xml(sync, jid=str(bob1.boundjid), options={"pubsub#expire": "presence"})
            for c in (alice, bob2):
                await c.subscribe_xml(node)
                await c.subscribe_xml(marker)

            await alice.publish_xml(node, entry("p1"))
            await alice.publish_xml(marker, entry("m1"))
            for bob in (bob1, bob2):  # bob's bare JID is available (bob1): every resource gets it
                _, earlier = await bob.event_until(node, "p1")
                no_event(earlier, node)  # other nodes' last items may come with the presence
            _, earlier = await alice.event_until(marker, "m1")
            no_event(earlier, node)  # alice never told the service she is available

            assert [(j, st) for j, st, _ in await my_subscriptions(bob2, sync)] == [(str(bob1.boundjid), "subscribed")]
            await bob1.stop()
            # The unavailable presence Prosody sends for bob1 ends its temporary subscription: once that
            # is gone, herald has seen bob1 leave.
            await eventually(lambda: _no_subscriptions(bob2, sync), "bob1's presence-bound subscription ended")
            await alice.publish_xml(node, entry("p2"))
            await alice.publish_xml(marker, entry("m2"))
            _, earlier = await bob2.event_until(marker, "m2")
            no_event(earlier, node, "p2")

    run(body())


async def _no_subscriptions(client: Client, node: str) -> bool:
    return await my_subscriptions(client, node) == []


def test_show_values_filter_presence_based_delivery(herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            await bob.forget_service_in_roster()
            node, marker = unique_node("show"), unique_node("show-marker")
            await alice.create_node(node, {"pubsub#presence_based_delivery": "true"})
            await alice.create_node(marker)
            bob.directed_presence(show="dnd")
            await bob.subscribe_xml(node, options={"pubsub#show-values": ["online", "chat"]})
            await bob.subscribe_xml(marker)
            await alice.publish_xml(node, entry("while-dnd"))
            await alice.publish_xml(marker, entry("m1"))
            _, earlier = await bob.event_until(marker, "m1")
            no_event(earlier, node)

            bob.directed_presence(show="chat")
            await bob.pubsub("get", f"<subscriptions node='{node}'/>")  # presence handled before this
            await alice.publish_xml(node, entry("while-chatty"))
            await bob.event_until(node, "while-chatty")

    run(body())


def test_temporary_subscriptions_end_with_the_session(herald: Herald, stack: StackConfig):
    """§12.5 pubsub#expire=presence: a full-JID one ends with its session, a bare-JID one with the last."""
    async def body():
        async with connected(stack, "alice", "alice", "alice") as (observer, a2, a3):
            await observer.forget_service_in_roster()
            node = unique_node("temporary")
            bare = stack.jid("alice")
            await observer.create_node(node)
            permanent = subscription_of(await observer.subscribe_xml(node))["subid"]
            a2.directed_presence()
            a3.directed_presence()
            full = subscription_of(await a2.subscribe_xml(node, jid=str(a2.boundjid),
                                                          options={"pubsub#expire": "presence"}))["subid"]
            temp_bare = subscription_of(await a3.subscribe_xml(node, options={"pubsub#expire": "presence"}))["subid"]
            assert temp_bare != permanent
            got = await observer["xep_0060"].get_subscription_options(stack.component_domain, node,
                                                                      str(a2.boundjid))
            assert form_values(form_of(got))["pubsub#expire"] == ["presence"]
            assert len(await my_subscriptions(observer, node)) == 3

            await a2.stop()
            after_a2 = [(bare, "subscribed", permanent), (bare, "subscribed", temp_bare)]
            await eventually(lambda: _subscriptions_are(observer, node, sorted(after_a2)),
                             "a2's full-JID temporary subscription ended, the bare one kept (a3 is still there)")
            await a3.stop()
            await eventually(lambda: _subscriptions_are(observer, node, [(bare, "subscribed", permanent)]),
                             "the bare-JID temporary subscription ended with alice's last session")
            assert full not in [s for _j, _s, s in await my_subscriptions(observer, node)]

    run(body())


async def _subscriptions_are(client: Client, node: str, expected: list) -> bool:
    return await my_subscriptions(client, node) == expected


def test_send_last_published_item_on_sub_and_presence(herald: Herald, stack: StackConfig):
    """§6.1.7 on_sub_and_presence: a session that becomes available gets the newest item (on_sub
    nodes send nothing then)."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob1):
            await bob1.forget_service_in_roster()
            presence_node, sub_node = unique_node("on-presence"), unique_node("on-sub")
            await alice.create_node(presence_node, {"pubsub#send_last_published_item": "on_sub_and_presence"})
            await alice.create_node(sub_node, {"pubsub#send_last_published_item": "on_sub"})
            await alice.publish_xml(presence_node, entry("last-p"))
            await alice.publish_xml(sub_node, entry("last-s"))
            await bob1.subscribe_xml(presence_node)
            await bob1.event_until(presence_node, "last-p")
            await bob1.subscribe_xml(sub_node)
            await bob1.event_until(sub_node, "last-s")

            async with connected(stack, "bob") as (bob2,):
                bob2.directed_presence()
                msg, earlier = await bob2.event_until(presence_node, "last-p")
                no_event(earlier, presence_node)
                assert msg["to"] == bob2.boundjid, "sent to the session that became available"
                assert_recent(delay_stamp(msg))
                await alice.publish_xml(sub_node, entry("marker"))
                _, earlier = await bob2.event_until(sub_node, "marker")
                no_event(earlier, sub_node)  # the on_sub node sent nothing on presence
                _, earlier = await bob1.event_until(sub_node, "marker")
                assert earlier == [], "only the new session gets the last item again"

    run(body())


def test_roster_subscription_makes_presence_known(herald: Herald, stack: StackConfig):
    """Adding the service to the roster: herald approves and subscribes back, so Prosody sends it
    the user's presence (presence-based delivery without directed presence)."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            await bob.forget_service_in_roster()
            node, marker = unique_node("roster"), unique_node("roster-marker")
            await alice.create_node(node, {"pubsub#presence_based_delivery": "1"})
            await alice.create_node(marker)
            try:
                bob.send_presence(pto=stack.component_domain, ptype="subscribe")

                async def mutual():
                    # Asked of the server: this session never fetched its roster, so it gets no pushes.
                    roster = await bob.iq("get", "<query xmlns='jabber:iq:roster'/>", to=None)
                    item = roster.xml.find(f"{{jabber:iq:roster}}query/{{jabber:iq:roster}}item"
                                           f"[@jid='{stack.component_domain}']")
                    return item is not None and item.get("subscription") == "both"
                await eventually(mutual, "bob and the service subscribed to each other's presence")
                await bob.subscribe_xml(node)
                await alice.publish_xml(node, entry("r1"))
                await bob.event_until(node, "r1")
            finally:
                await bob.forget_service_in_roster()
            # Removing the roster item sends unavailable: no more events.
            await bob.subscribe_xml(marker)
            await bob.pubsub("get", f"<subscriptions node='{node}'/>")
            await alice.publish_xml(node, entry("r2"))
            await alice.publish_xml(marker, entry("m"))
            _, earlier = await bob.event_until(marker, "m")
            no_event(earlier, node, "r2")

    run(body())


# --------------------------------------------------------------------------- §12.4 bounces


def test_permanent_bounce_ends_the_subscription(herald: Herald, stack: StackConfig):
    """A notification of type normal to an offline full JID: Prosody answers cancel/service-unavailable
    (no offline storage), herald ends that subscription. A headline to it is dropped without a bounce."""
    async def body():
        async with connected(stack, "bob") as (bob,):
            alice = Client(stack, "alice", "alice-pass")
            await alice.start(send_presence=False)  # no available alice resource: nothing takes the message
            try:
                normal, headline = unique_node("bounce-normal"), unique_node("bounce-headline")
                await bob.create_node(normal, {"pubsub#notification_type": "normal"})
                await bob.create_node(headline, {"pubsub#notification_type": "headline"})
                gone = f"{stack.jid('alice')}/gone-{normal[-6:]}"
                for node in (headline, normal):
                    assert subscription_of(await alice.subscribe_xml(node, jid=gone))["subscription"] == "subscribed"
                assert (await metadata(bob, normal))["pubsub#num_subscribers"] == ["1"]

                await bob.publish_xml(headline, entry("h1"))
                await bob.publish_xml(normal, entry("n1"))

                async def normal_ended():
                    return (await metadata(bob, normal))["pubsub#num_subscribers"] == ["0"]
                await eventually(normal_ended, "the bounced subscription ended")
                assert await my_subscriptions(alice, normal) == []
                # The headline went out first; had it bounced, herald would have handled that first.
                assert [(j, s) for j, s, _ in await my_subscriptions(alice, headline)] == [(gone, "subscribed")]
                assert "subscription ended by bounces" in herald.output(), herald.output_tail()
            finally:
                await alice.stop()

    run(body())


# --------------------------------------------------------------------------- restart


def test_configuration_subscriptions_options_and_items_survive_restart(herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("durable")
            bare = stack.jid("bob")
            await alice.create_node(node, {
                "pubsub#title": "durable ✓", "pubsub#description": "kept", "pubsub#type": NS_ENTRY,
                "pubsub#max_items": "4", "pubsub#publish_model": "open", "pubsub#itemreply": "publisher",
                "pubsub#send_last_published_item": "never", "pubsub#notification_type": "normal",
            })
            s1 = subscription_of(await bob.subscribe_xml(node))["subid"]
            s2 = subscription_of(await bob.subscribe_xml(node, options={
                "pubsub#include_body": "1", "pubsub#show-values": ["away", "xa"],
                "pubsub#expire": "2099-06-01T12:00:00Z"}))["subid"]
            full = subscription_of(await bob.subscribe_xml(node, jid=str(bob.boundjid)))["subid"]
            await set_options(bob, node, {"pubsub#deliver": "0"}, jid=str(bob.boundjid))
            for i in range(6):
                await alice.publish_xml(node, entry(f"d{i}", f"durable {i}"))

            async def snapshot():
                meta = await metadata(alice, node)
                options = {}
                for jid, subid in ((bare, s1), (bare, s2), (str(bob.boundjid), full)):
                    got = await bob.pubsub("get", f"<options node='{node}' jid='{jid}' subid='{subid}'/>")
                    options[subid] = form_values(form_of(got))
                items = await alice.items(node)  # bob has three subscriptions: he would need a SubID
                return meta, await my_subscriptions(bob, node), options, ET.tostring(pubsub_child(items, "items"))

            before = await snapshot()
            assert before[0]["pubsub#max_items"] == ["4"] and before[0]["pubsub#num_subscribers"] == ["3"]
            assert item_ids(await alice.items(node)) == ["d5", "d4", "d3", "d2"]
            assert before[2][s2]["pubsub#show-values"] == ["away", "xa"]
            assert before[2][full]["pubsub#deliver"] == ["0"]

            await herald.restart()

            after = await snapshot()
            for part, b, a in zip(("meta-data", "subscriptions", "options", "items"), before, after):
                assert a == b, f"{part} changed across the restart:\n  before {b}\n  after  {a}"

            # And they still act: type normal, SHIM for the two bare subscriptions (not the muted full
            # one), a body for s2, the publisher stamped, publish_model open lets bob publish, the
            # payload type is still enforced.
            await bob.publish_xml(node, entry("by-bob", "from   bob"))
            msg, _ = await bob.event_until(node, "by-bob")
            assert msg.xml.get("type") == "normal"
            assert sorted(shim_subids(msg)) == sorted([s1, s2])
            assert msg["body"] == "from bob"
            item = msg.xml.find(".//{http://jabber.org/protocol/pubsub#event}item")
            assert item.get("publisher") == bare
            await expect_error(bob.publish_xml(node, "<item id='x'><other xmlns='urn:other'/></item>"),
                               "modify", "bad-request", "invalid-payload")
            assert item_ids(await alice.items(node)) == ["by-bob", "d5", "d4", "d3"]

    run(body())
