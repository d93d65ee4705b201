"""The group commit (issue 7) through a real server: publishes sent at once by one client reach
herald together and are stored with one commit per batch. Each must still be acknowledged with its
own ItemID, stored, and notified in the order it was sent (Prosody keeps one session's order)."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

from harness import NS_PUBSUB, Herald, StackConfig, connected, event_items, run, unique_node

BURST = 200


def test_a_burst_of_publishes_is_stored_and_notified_in_order(herald: Herald, stack: StackConfig):
    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("burst")
            await alice.create_node(node, {"pubsub#max_items": "50"})
            await bob.subscribe(node)
            ids = [f"b{n:03d}" for n in range(BURST)]
            results = await asyncio.gather(*(
                alice.publish_xml(node, f"<item id='{item_id}'><n xmlns='urn:example'>{item_id}</n></item>")
                for item_id in ids
            ))
            acknowledged = [result.xml.find(f".//{{{NS_PUBSUB}}}item").get("id") for result in results]
            assert acknowledged == ids

            _last, earlier = await bob.event_until(node, ids[-1])
            notified = [item_id for message in earlier for (_node, _kind, item_id) in event_items(message)]
            notified.append(ids[-1])
            assert notified == ids, "every publish is notified once, in the order it was sent"

            stored = (await bob.items(node))["pubsub"]["items"]
            # max_items trims each batch to the node's newest 50, newest first.
            assert [item["id"] for item in stored] == list(reversed(ids[-50:]))

    run(body())
