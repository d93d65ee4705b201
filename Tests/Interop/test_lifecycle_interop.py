"""Operations (issue 5): PostgreSQL going away and coming back under herald, through the real stack."""

from __future__ import annotations

import asyncio
import signal
import subprocess

from slixmpp.exceptions import IqError

from harness import (
    REPO_ROOT,
    STACK_SH,
    Herald,
    StackConfig,
    connected,
    eventually,
    expect_error,
    http_get,
    metrics,
    run,
    stanza_error,
    unique_node,
)


def stack_sh(command: str) -> None:
    done = subprocess.run([str(STACK_SH), command, "test"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"stack.sh {command} failed: {done.stdout}{done.stderr}"


def entry(item_id: str) -> str:
    return f"<item id='{item_id}'><entry xmlns='urn:herald:interop:lifecycle'><title>{item_id}</title></entry></item>"


def test_database_down_at_start(herald_factory, stack: StackConfig):
    """PostgreSQL unreachable at start: herald stays up, logs that it is not ready and retries with
    backoff, and serves once the database is back."""
    h: Herald = herald_factory()

    async def body():
        stack_sh("stop-db")
        try:
            h.spawn()
            async def retrying():
                return h.output().count("database not reachable; not ready, retrying") >= 1
            await eventually(retrying, "herald says it is not ready and retries", timeout=15)
            assert h.running, f"herald exited while the database was down\n{h.output_tail()}"
        finally:
            stack_sh("start-db")
        await h.wait_ready(timeout=40)
        assert "database reachable" in h.output(), h.output_tail()
        async with connected(stack, "alice") as (alice,):
            await alice.create_node(unique_node("late-db"))
        await h.stop()

    run(body(), timeout=90)


def test_database_lost_while_running(herald: Herald, stack: StackConfig):
    """PostgreSQL stops and starts under a stream of publishes: while it is down each publish gets a
    wait-type error instead of hanging, /ready says why, herald serves again by itself once it is
    back, and every publish it acknowledged is stored."""
    async def body():
        node = unique_node("db-outage")
        async with connected(stack, "alice", "bob") as (alice, bob):
            await alice.create_node(node, {"pubsub#max_items": "max"})
            await bob.subscribe_xml(node)
            acknowledged, refused = [], []
            stop = asyncio.Event()

            async def load():
                i = 0
                while not stop.is_set():
                    i += 1
                    try:
                        await alice.publish_xml(node, entry(f"load{i}"))
                        acknowledged.append(f"load{i}")
                        await asyncio.sleep(0.05)  # a steady load, and an items reply that stays small
                    except IqError as e:
                        refused.append(stanza_error(e))
                        await asyncio.sleep(0.2)

            publisher = asyncio.create_task(load())
            await asyncio.sleep(0.5)
            assert acknowledged and http_get("/ready")[0] == 200
            stack_sh("stop-db")
            try:
                async def failing():
                    return len(refused) >= 2
                await eventually(failing, "publishes are refused while the database is down", timeout=30)
                status, text = http_get("/ready")
                assert (status, text) == (503, "PostgreSQL not reachable\n"), (status, text)
            finally:
                stack_sh("start-db")
            recovered_at = len(acknowledged)

            async def recovered():
                return len(acknowledged) > recovered_at + 3
            await eventually(recovered, "publishes succeed again once the database is back", timeout=40, interval=0.5)
            stop.set()
            await publisher
            assert {(e.type, e.condition) for e in refused} == {("wait", "internal-server-error")}, refused
            assert http_get("/ready")[0] == 200
            await bob.next_item_event(node, acknowledged[-1])
            items = await alice.items(node)
            stored = {i.get("id") for i in items.xml.iter("{http://jabber.org/protocol/pubsub}item")}
            missing = set(acknowledged) - stored
            assert not missing, f"acknowledged publishes lost: {sorted(missing)[:5]}"
        assert herald.running, herald.output_tail()

    run(body(), timeout=150)


def test_health_ready_and_metrics(herald: Herald, stack: StackConfig):
    """/health and /ready answer, and /metrics parses as Prometheus text with counters that move
    with traffic."""
    async def body():
        assert http_get("/health") == (200, "ok\n")
        assert http_get("/ready") == (200, "ready\n")
        before = metrics()
        node = unique_node("metrics")
        async with connected(stack, "alice", "bob") as (alice, bob):
            await alice.create_node(node)
            await bob.subscribe_xml(node)
            for i in range(3):
                await alice.publish_xml(node, entry(f"m{i}"))
                await bob.next_item_event(node, f"m{i}")
            await expect_error(alice.items(unique_node("absent")), "cancel", "item-not-found")
        after = metrics()
        def moved(name):
            return after.get(name, 0) - before.get(name, 0)
        assert moved("herald_publishes_total") == 3, after
        assert moved("herald_notifications_sent_total") >= 3, after
        assert moved('herald_errors_total{condition="item-not-found",request="items"}') == 1, after
        assert after["herald_nodes"] >= 1 and after["herald_subscriptions"] >= 1
        assert any(k.startswith("herald_request_duration_seconds_bucket") and 'request="publish"' in k for k in after)
        assert any(k.startswith('herald_stanzas_in_total{kind="iq"') for k in after), after
        # Pool usage: no store call runs between requests; publishes were timed per operation.
        assert after["herald_postgres_requests_in_flight"] >= 0
        assert any(k.startswith("herald_postgres_duration_seconds_count") and 'operation="publish"' in k
                   for k in after), after

    run(body())


def test_sigterm_with_publishes_in_flight_loses_nothing_acknowledged(herald_factory, stack: StackConfig):
    """SIGTERM while publishes stream in: herald exits 0, and every publish it acknowledged is
    stored after a restart (each reply is sent after its commit)."""
    h: Herald = herald_factory()
    # Publishes keep coming until herald has exited, so that some arrive too late whatever
    # herald's speed; bounded in number all the same.
    LIMIT = 8000  # below max_items' ceiling (10,000), so trimming cannot hide a loss

    async def body():
        await h.start()
        node = unique_node("sigterm")
        async with connected(stack, "alice") as (alice,):
            await alice.create_node(node, {"pubsub#max_items": "max"})

            answered = 0
            twenty_answered = asyncio.Event()

            async def publish(i: int):
                nonlocal answered
                try:
                    await alice.publish_xml(node, entry(f"p{i}"))
                except Exception:  # noqa: BLE001 - refused or unanswered: not acknowledged
                    return None
                answered += 1
                if answered == 20:
                    twenty_answered.set()
                return f"p{i}"

            tasks = []

            async def stream():
                while h.running and len(tasks) < LIMIT:
                    tasks.extend(asyncio.create_task(publish(len(tasks) + n)) for n in range(20))
                    await asyncio.sleep(0.002)

            streaming = asyncio.create_task(stream())
            await asyncio.wait_for(twenty_answered.wait(), 20)
            h.proc.send_signal(signal.SIGTERM)
            await streaming
            acknowledged = {i for i in await asyncio.gather(*tasks) if i}
            assert await h.wait_exit(20) == 0, h.output_tail()
        # Some answered before the signal, some not: otherwise the test would prove nothing.
        assert 0 < len(acknowledged) < len(tasks), f"{len(acknowledged)} of {len(tasks)} acknowledged"
        print(f"{len(acknowledged)} of {len(tasks)} publishes acknowledged around SIGTERM")
        await h.start()
        async with connected(stack, "alice") as (alice,):
            stored = set()
            wanted = sorted(acknowledged)
            for start in range(0, len(wanted), 200):
                ids = "".join(f"<item id='{i}'/>" for i in wanted[start:start + 200])
                result = await alice.pubsub("get", f"<items node='{node}'>{ids}</items>")
                stored |= {i.get("id") for i in result.xml.iter("{http://jabber.org/protocol/pubsub}item")}
        missing = acknowledged - stored
        assert not missing, f"{len(missing)} acknowledged publishes lost, e.g. {sorted(missing)[:5]}"

    run(body())

