"""XEP-0060 interop, the owner's side (§8.2–§8.9, §4.5, §12.11): slixmpp -> Prosody -> herald ->
PostgreSQL, with alice as owner, bob as the other user and carol as the outcast."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError
from slixmpp.plugins.xep_0004 import Form

from harness import (
    NS_DATA,
    NS_DISCO_INFO,
    NS_PUBSUB,
    Herald,
    StackConfig,
    connected,
    data_form,
    eventually,
    expect_error,
    form_of,
    form_values,
    run,
    stanza_error,
    unique_node,
)

NS_OWNER = NS_PUBSUB + "#owner"
NS_COMMANDS = "http://jabber.org/protocol/commands"
NODE_CONFIG = NS_PUBSUB + "#node_config"
AUTHORIZATION = NS_PUBSUB + "#subscribe_authorization"


def entry(item_id: str) -> str:
    return f"<item id='{item_id}'><entry xmlns='urn:herald:interop:owner'><title>{item_id}</title></entry></item>"


def submitted(fields: dict) -> Form:
    """A submitted pubsub#node_config form, as slixmpp builds them."""
    form = Form()
    form["type"] = "submit"
    form.add_field(var="FORM_TYPE", ftype="hidden", value=NODE_CONFIG)
    for var, value in fields.items():
        form.add_field(var=var, value=value)
    return form


def owner_list(result, name: str, attribute: str) -> dict:
    """jid -> state of an owner <subscriptions/> or <affiliations/> result."""
    element = result.xml.find(f"{{{NS_OWNER}}}pubsub/{{{NS_OWNER}}}{name}")
    assert element is not None, f"no owner <{name}/> in {result}"
    return {e.get("jid"): e.get(attribute) for e in element}


async def item_ids(client, node: str) -> list:
    result = await client.items(node)
    items = result.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}items")
    return [i.get("id") for i in items]


def test_configure_notify_and_trim(herald: Herald, stack: StackConfig):
    """§8.2: the form with typed fields, a submission that trims items at once and notifies
    subscribers with the new configuration (notify_config), cancel, and the errors."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("configure")
            await alice.create_node(node, {"pubsub#notify_config": "1"})
            await bob.subscribe(node)
            for i in range(4):
                await alice.publish_xml(node, entry(f"i{i}"))
                await bob.next_item_event(node, f"i{i}")
            form = (await alice["xep_0060"].get_node_config(alice.service, node, timeout=5)).xml.find(
                f"{{{NS_OWNER}}}pubsub/{{{NS_OWNER}}}configure/{{{NS_DATA}}}x")
            assert form is not None and form.get("type") == "form"
            types = {f.get("var"): f.get("type") for f in form.findall(f"{{{NS_DATA}}}field")}
            assert types["pubsub#access_model"] == "list-single" and types["pubsub#notify_config"] == "boolean"
            assert types["pubsub#contact"] == "jid-multi" and types["pubsub#roster_groups_allowed"] == "list-multi"

            await alice["xep_0060"].set_node_config(
                alice.service, node, submitted({"pubsub#title": "Renamed", "pubsub#max_items": "2"}), timeout=5)
            configuration = await bob.event_of("configuration", node)
            assert form_values(form_of(configuration))["pubsub#title"] == ["Renamed"]
            assert await item_ids(alice, node) == ["i3", "i2"]
            info = await bob.disco_info(node)
            assert form_values(form_of(info.xml.find(f"{{{NS_DISCO_INFO}}}query")))["pubsub#title"] == ["Renamed"]

            await alice.iq("set", f"<pubsub xmlns='{NS_OWNER}'><configure node='{node}'>"
                                  f"<x xmlns='{NS_DATA}' type='cancel'/></configure></pubsub>")
            await expect_error(
                bob["xep_0060"].get_node_config(bob.service, node, timeout=5), "auth", "forbidden")
            await expect_error(
                alice["xep_0060"].set_node_config(
                    alice.service, node, submitted({"pubsub#max_items": "-1"}), timeout=5),
                "modify", "not-acceptable")
            await expect_error(
                alice["xep_0060"].set_node_config(
                    alice.service, node, submitted({"pubsub#node_type": "collection"}), timeout=5),
                "cancel", "feature-not-implemented", "unsupported", feature="collections")
            default = await alice["xep_0060"].get_node_config(alice.service, None, timeout=5)
            values = form_values(default.xml.find(f"{{{NS_OWNER}}}pubsub/{{{NS_OWNER}}}default/{{{NS_DATA}}}x"))
            assert values["pubsub#access_model"] == ["open"]
    run(body())


def test_purge_and_delete_with_redirect(herald: Herald, stack: StackConfig):
    """§8.5 purge and §8.4 delete with <redirect/>, each announced to the subscriber; the errors."""
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("delete")
            await alice.create_node(node)
            await bob.subscribe(node)
            await alice.publish_xml(node, entry("i1"))
            await bob.next_item_event(node, "i1")
            await expect_error(bob["xep_0060"].purge(bob.service, node, timeout=5), "auth", "forbidden")
            await alice["xep_0060"].purge(alice.service, node, timeout=5)
            await bob.event_of("purge", node)
            assert await item_ids(alice, node) == []

            await expect_error(bob["xep_0060"].delete_node(bob.service, node, timeout=5), "auth", "forbidden")
            redirect = f"xmpp:{alice.service}?;node=next"
            await alice.iq("set", f"<pubsub xmlns='{NS_OWNER}'><delete node='{node}'>"
                                  f"<redirect uri='{redirect}'/></delete></pubsub>")
            deleted = await bob.event_of("delete", node)
            assert deleted.find("{http://jabber.org/protocol/pubsub#event}redirect").get("uri") == redirect
            await expect_error(alice.items(node), "cancel", "item-not-found")
            await expect_error(alice["xep_0060"].delete_node(alice.service, node, timeout=5),
                               "cancel", "item-not-found")
    run(body())


def test_manage_subscriptions(herald: Herald, stack: StackConfig):
    """§8.8: the owner lists, removes and adds subscriptions; each subscriber is told (§8.8.4)."""
    async def body():
        async with connected(stack, "alice", "bob", "carol") as (alice, bob, carol):
            node = unique_node("subs")
            await alice.create_node(node)
            await bob.subscribe(node)
            listed = owner_list(await alice["xep_0060"].get_node_subscriptions(alice.service, node, timeout=5),
                                "subscriptions", "subscription")
            assert listed == {stack.jid("bob"): "subscribed"}
            await expect_error(bob["xep_0060"].get_node_subscriptions(bob.service, node, timeout=5),
                               "auth", "forbidden")
            await alice["xep_0060"].modify_subscriptions(
                alice.service, node, [(stack.jid("bob"), "none"), (stack.jid("carol"), "subscribed")], timeout=5)
            assert (await bob.event_of("subscription", node)).get("subscription") == "none"
            assert (await carol.event_of("subscription", node)).get("subscription") == "subscribed"
            await alice.publish_xml(node, entry("after"))
            await carol.next_item_event(node, "after")
            listed = owner_list(await alice["xep_0060"].get_node_subscriptions(alice.service, node, timeout=5),
                                "subscriptions", "subscription")
            assert listed == {stack.jid("carol"): "subscribed"}
    run(body())


def test_affiliations_outcast_member_publish_only(herald: Herald, stack: StackConfig):
    """§8.9 with their effects on a whitelist node: members subscribe, publish-only publishes but
    cannot read, the outcast loses its subscription and is blocked, the last owner stays."""
    async def body():
        async with connected(stack, "alice", "bob", "carol") as (alice, bob, carol):
            node = unique_node("affil")
            await alice.create_node(node, {"pubsub#access_model": "whitelist"})
            await expect_error(bob.subscribe(node), "cancel", "not-allowed", "closed-node")
            await alice["xep_0060"].modify_affiliations(
                alice.service, node, [(stack.jid("bob"), "member"), (stack.jid("carol"), "member")], timeout=5)
            notice = await bob.next_notice()
            affiliation = notice.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}affiliations/{{{NS_PUBSUB}}}affiliation")
            assert affiliation.get("affiliation") == "member", notice
            await bob.subscribe(node)
            await carol.subscribe(node)

            await alice["xep_0060"].modify_affiliations(
                alice.service, node, [(stack.jid("carol"), "outcast")], timeout=5)
            assert (await carol.event_of("subscription", node)).get("subscription") == "none"
            await expect_error(carol.subscribe(node), "auth", "forbidden")
            await expect_error(carol.items(node), "auth", "forbidden")

            await alice["xep_0060"].modify_affiliations(
                alice.service, node, [(stack.jid("bob"), "publish-only")], timeout=5)
            await bob.publish_xml(node, entry("by-bob"))
            await expect_error(bob.items(node), "auth", "forbidden")
            affiliations = owner_list(await alice["xep_0060"].get_node_affiliations(alice.service, node, timeout=5),
                                      "affiliations", "affiliation")
            assert affiliations == {stack.jid("alice"): "owner", stack.jid("bob"): "publish-only",
                                    stack.jid("carol"): "outcast"}
            await expect_error(
                alice["xep_0060"].modify_affiliations(alice.service, node, [(stack.jid("alice"), "none")], timeout=5),
                "modify", "not-acceptable")
            await expect_error(
                bob["xep_0060"].modify_affiliations(bob.service, node, [(stack.jid("bob"), "owner")], timeout=5),
                "auth", "forbidden")
    run(body())


def test_subscription_approval_and_get_pending(herald: Herald, stack: StackConfig):
    """§8.6 approval by form submission, §8.7 get-pending through XEP-0050, §12.11 the subscriber told."""
    async def body():
        async with connected(stack, "alice", "bob", "carol") as (alice, bob, carol):
            node = unique_node("authorize")
            await alice.create_node(node, {"pubsub#access_model": "authorize"})
            pending = await bob.subscribe_xml(node)
            assert pending.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}subscription").get("subscription") == "pending"
            request = await alice.next_notice()
            values = form_values(request.xml.find(f"{{{NS_DATA}}}x"))
            assert values["FORM_TYPE"] == [AUTHORIZATION] and values["pubsub#node"] == [node]
            assert values["pubsub#subscriber_jid"] == [stack.jid("bob")]

            # get-pending sends the form again.
            first = await alice.iq("set", f"<command xmlns='{NS_COMMANDS}' node='{NS_PUBSUB}#get-pending' action='execute'/>")
            command = first.xml.find(f"{{{NS_COMMANDS}}}command")
            assert command.get("status") == "executing"
            nodes = [o.findtext(f"{{{NS_DATA}}}value") for o in command.iter(f"{{{NS_DATA}}}option")]
            assert node in nodes
            choice = data_form(None, {"pubsub#node": node})
            done = await alice.iq("set", f"<command xmlns='{NS_COMMANDS}' node='{NS_PUBSUB}#get-pending' "
                                         f"sessionid='{command.get('sessionid')}' action='execute'>{choice}</command>")
            assert done.xml.find(f"{{{NS_COMMANDS}}}command").get("status") == "completed"
            again = await alice.next_notice()
            assert form_values(again.xml.find(f"{{{NS_DATA}}}x"))["pubsub#subscriber_jid"] == [stack.jid("bob")]

            answer = alice.Message()
            answer["to"] = alice.service
            answer["id"] = request["id"]
            answer.append(ET.fromstring(data_form(AUTHORIZATION, {
                "pubsub#subid": values["pubsub#subid"][0], "pubsub#node": node,
                "pubsub#subscriber_jid": stack.jid("bob"), "pubsub#allow": "true"})))
            answer.send()
            assert (await bob.event_of("subscription", node)).get("subscription") == "subscribed"
            await alice.publish_xml(node, entry("approved"))
            await bob.next_item_event(node, "approved")

            # A denial removes the request and tells the subscriber.
            await carol.subscribe_xml(node)
            denied = await alice.next_notice()
            reply = alice.Message()
            reply["to"] = alice.service
            reply.append(ET.fromstring(data_form(AUTHORIZATION, {
                "pubsub#node": node, "pubsub#subscriber_jid": stack.jid("carol"), "pubsub#allow": "false"})))
            reply.send()
            assert (await carol.event_of("subscription", node)).get("subscription") == "none"
            assert denied is not None
            listed = owner_list(await alice["xep_0060"].get_node_subscriptions(alice.service, node, timeout=5),
                                "subscriptions", "subscription")
            assert listed == {stack.jid("bob"): "subscribed"}
    run(body())


def test_creation_policy_admins_and_node_cap(herald_factory, stack: StackConfig):
    """§8.1: only listed JIDs create (forbidden otherwise, auto-create too), a cap on nodes per owner,
    no instant nodes (nodeid-required), and an administrator acting as owner of someone else's node."""
    async def owned_by_alice() -> int:
        # Earlier tests of the session may have left nodes of alice's; the cap is set above them.
        counter: Herald = herald_factory(label="-count")
        await counter.start()
        async with connected(stack, "alice") as (alice,):
            result = await alice.pubsub("get", "<affiliations/>")
        await counter.stop()
        listed = result.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}affiliations")
        return sum(1 for a in listed if a.get("affiliation") == "owner")

    async def body():
        h: Herald = herald_factory({
            "HERALD_NODES_CREATION": "listed", "HERALD_NODES_CREATORS": stack.jid("alice"),
            "HERALD_LIMITS_NODES_PER_OWNER": str(await owned_by_alice() + 1), "HERALD_NODES_INSTANT": "false",
            "HERALD_SERVICE_ADMINS": stack.jid("carol"),
        })
        await h.start()
        async with connected(stack, "alice", "bob", "carol") as (alice, bob, carol):
            node = unique_node("policy")
            await expect_error(bob.create_node(unique_node("bobs")), "auth", "forbidden")
            await expect_error(bob.publish_xml(unique_node("auto"), entry("x")), "auth", "forbidden")
            await expect_error(alice.pubsub("set", "<create/>"), "modify", "not-acceptable", "nodeid-required")
            await alice.create_node(node)
            await expect_error(alice.create_node(unique_node("second")), "wait", "resource-constraint")
            await carol["xep_0060"].modify_affiliations(
                carol.service, node, [(stack.jid("bob"), "publisher")], timeout=5)
            await bob.publish_xml(node, entry("by-bob"))
            await carol["xep_0060"].delete_node(carol.service, node, timeout=5)
            await expect_error(alice.items(node), "cancel", "item-not-found")
        await h.stop()
    run(body())


def test_access_models_through_the_stack(herald: Herald, stack: StackConfig):
    """§4.5 per access model, as bob (no affiliation) sees it: subscribe, then retrieve items."""
    async def outcome(request) -> str:
        try:
            result = await request
        except IqError as e:
            return stanza_error(e).condition
        subscription = result.xml.find(f"{{{NS_PUBSUB}}}pubsub/{{{NS_PUBSUB}}}subscription")
        return subscription.get("subscription") if subscription is not None else "yes"

    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            outcomes = {}
            for model in ("open", "authorize", "whitelist"):
                node = unique_node(model)
                await alice.create_node(node, {"pubsub#access_model": model})
                await alice.publish_xml(node, entry("i1"))
                outcomes[model] = (await outcome(bob.subscribe_xml(node)), await outcome(bob.items(node)))
            assert outcomes == {
                "open": ("subscribed", "yes"),
                "authorize": ("pending", "not-authorized"),
                "whitelist": ("not-allowed", "not-allowed"),
            }, outcomes
    run(body())


def test_presence_and_roster_access_models_through_xep_0356(herald: Herald, stack: StackConfig):
    """§4.5 presence and roster models: Prosody's mod_privilege grants Herald roster reads (XEP-0356),
    and alice's real roster decides. bob shares presence with alice and is in her group "friends";
    carol is not in her roster."""
    roster_ns = "jabber:iq:roster"

    async def roster_set(client, jid: str, groups=(), remove=False):
        attrs = f"jid='{jid}'" + (" subscription='remove'" if remove else "")
        inner = "".join(f"<group>{g}</group>" for g in groups)
        await client.iq("set", f"<query xmlns='{roster_ns}'><item {attrs}>{inner}</item></query>", to=None)

    async def body():
        async with connected(stack, "alice", "bob", "carol") as (alice, bob, carol):
            info = await alice.disco_info()
            features = {f.get("var") for f in info.xml.iter(f"{{{NS_DISCO_INFO}}}feature")}
            assert {NS_PUBSUB + "#access-presence", NS_PUBSUB + "#access-roster"} <= features, features
            presence_node, roster_node = unique_node("presence"), unique_node("roster")
            await alice.create_node(presence_node, {"pubsub#access_model": "presence"})
            await alice.create_node(roster_node, {"pubsub#access_model": "roster",
                                                  "pubsub#roster_groups_allowed": ["friends"]})
            try:
                # Not yet a contact: refused with the conditions of §6.1.3.2 and §6.1.3.3.
                await expect_error(bob.subscribe_xml(presence_node), "auth", "not-authorized",
                                   "presence-subscription-required")
                await roster_set(alice, stack.jid("bob"), groups=["friends"])
                bob.send_presence(pto=stack.jid("alice"), ptype="subscribe")  # alice's client approves it

                async def subscribed():
                    try:
                        await bob.subscribe_xml(presence_node)
                        return True
                    except IqError:
                        return False
                await eventually(subscribed, "bob admitted to the presence node once alice shares presence")
                await bob.subscribe_xml(roster_node)
                await alice.publish_xml(presence_node, entry("p1"))
                await bob.next_item_event(presence_node, "p1")
                await expect_error(carol.subscribe_xml(presence_node), "auth", "not-authorized",
                                   "presence-subscription-required")
                await expect_error(carol.subscribe_xml(roster_node), "auth", "not-authorized", "not-in-roster-group")
                await expect_error(carol.items(roster_node), "auth", "not-authorized", "not-in-roster-group")
            finally:
                await roster_set(alice, stack.jid("bob"), remove=True)
                await roster_set(bob, stack.jid("alice"), remove=True)
    run(body())


def test_owner_state_survives_restart(herald: Herald, stack: StackConfig):
    """Configuration set by the owner, affiliations and a pending subscription are in PostgreSQL:
    after a restart they are the same, and the pending one can still be approved."""
    async def body():
        async with connected(stack, "alice", "bob", "carol") as (alice, bob, carol):
            node = unique_node("owner-durable")
            await alice.create_node(node, {"pubsub#access_model": "authorize"})
            await alice["xep_0060"].set_node_config(alice.service, node, submitted({
                "pubsub#notify_sub": "1", "pubsub#item_expire": "86400", "pubsub#max_payload_size": "4096",
                "pubsub#contact": [stack.jid("alice")], "pubsub#language": "en",
            }), timeout=5)
            await alice["xep_0060"].modify_affiliations(
                alice.service, node, [(stack.jid("carol"), "outcast")], timeout=5)
            await bob.subscribe_xml(node)  # pending

            async def snapshot():
                config = await alice["xep_0060"].get_node_config(alice.service, node, timeout=5)
                form = config.xml.find(f"{{{NS_OWNER}}}pubsub/{{{NS_OWNER}}}configure/{{{NS_DATA}}}x")
                affiliations = owner_list(
                    await alice["xep_0060"].get_node_affiliations(alice.service, node, timeout=5),
                    "affiliations", "affiliation")
                mine = await bob.pubsub("get", f"<subscriptions node='{node}'/>")
                states = [s.get("subscription") for s in mine.xml.iter(f"{{{NS_PUBSUB}}}subscription")]
                return form_values(form), affiliations, states

            before = await snapshot()
            assert before[0]["pubsub#item_expire"] == ["86400"] and before[1][stack.jid("carol")] == "outcast"
            assert before[2] == ["pending"]
            await herald.restart()
            after = await snapshot()
            assert after == before, f"changed across the restart:\n  before {before}\n  after  {after}"

            first = await alice.iq("set", f"<command xmlns='{NS_COMMANDS}' node='{NS_PUBSUB}#get-pending' action='execute'/>")
            choice = data_form(None, {"pubsub#node": node})
            await alice.iq("set", f"<command xmlns='{NS_COMMANDS}' node='{NS_PUBSUB}#get-pending' "
                                  f"sessionid='{first.xml.find(f'{{{NS_COMMANDS}}}command').get('sessionid')}'>"
                                  f"{choice}</command>")
            form = form_values((await alice.next_notice()).xml.find(f"{{{NS_DATA}}}x"))
            answer = alice.Message()
            answer["to"] = alice.service
            answer.append(ET.fromstring(data_form(AUTHORIZATION, {
                "pubsub#subid": form["pubsub#subid"][0], "pubsub#node": node,
                "pubsub#subscriber_jid": stack.jid("bob"), "pubsub#allow": "1"})))
            answer.send()
            assert (await bob.event_of("subscription", node)).get("subscription") == "subscribed"
            await expect_error(carol.subscribe_xml(node), "auth", "forbidden")
    run(body())
