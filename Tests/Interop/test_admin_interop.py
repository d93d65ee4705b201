"""The operator's commands (issue 5): `herald migrate`, `nodes list/show/delete`, `publish` against
the test stack's PostgreSQL, and configuration errors, one clear line each."""

from __future__ import annotations

import os
import subprocess

import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

from harness import READY_TIMEOUT, REPO_ROOT, StackConfig, connected, eventually, run, stanza_error, unique_node


def herald(stack: StackConfig, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs the herald binary with the test stack's environment, changed by `env` (None unsets)."""
    environment = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run([str(stack.herald_bin), *args], cwd=REPO_ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_admin_commands(stack: StackConfig, clean_database):
    migrated = herald(stack, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    latest = max(int(path.name.split("_")[0]) for path in (REPO_ROOT / "Schemas").glob("*.sql"))
    assert migrated.stdout.strip().endswith(f"version {latest}"), migrated.stdout
    node = unique_node("cli")

    published = herald(stack, "publish", node, "<ping xmlns='urn:example'>hello</ping>",
                       "--as", stack.jid("alice"), "--id", "from-shell")
    assert published.returncode == 0, published.stderr
    assert published.stdout.splitlines()[0] == f"published item from-shell to node {node}"

    listed = herald(stack, "nodes", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"{node}\topen\t0\t1\t" in listed.stdout.splitlines(), listed.stdout
    shown = herald(stack, "nodes", "show", node)
    assert f"affiliation: {stack.jid('alice')} owner" in shown.stdout.splitlines(), shown.stdout

    # The XEP-0060 rules apply: bob has no right to publish here, and a payload must be one element.
    refused = herald(stack, "publish", node, "<x xmlns='urn:x'/>", "--as", stack.jid("bob"))
    assert (refused.returncode, refused.stderr.strip()) == (1, "herald: publish refused: forbidden")
    malformed = herald(stack, "publish", node, "<a><b></a>", "--as", stack.jid("alice"))
    assert malformed.returncode == 1 and malformed.stderr.count("\n") == 1, malformed.stderr

    deleted = herald(stack, "nodes", "delete", node)
    assert deleted.returncode == 0, deleted.stderr
    again = herald(stack, "nodes", "delete", node)
    assert (again.returncode, again.stderr.strip()) == (1, f"herald: no node '{node}'")


def test_a_running_herald_sees_what_the_cli_changed(herald_factory, stack: StackConfig):
    """Herald caches node state (issue 7): a node deleted by the CLI, another process, must be gone
    for the running herald too, through PostgreSQL's LISTEN/NOTIFY (migration 0004)."""
    server = herald_factory()
    run(server.start(), timeout=READY_TIMEOUT + 20)

    async def body():
        async with connected(stack, "alice", "bob") as (alice, bob):
            node = unique_node("cli-cache")
            await alice.create(node)
            await bob.subscribe(node)
            await alice.publish(node, ET.fromstring("<p xmlns='urn:example'>1</p>"), item_id="one")
            await bob.next_item_event(node, "one")
            assert len((await bob.items(node))["pubsub"]["items"]) == 1  # the node's state is cached

            deleted = herald(stack, "nodes", "delete", node)
            assert deleted.returncode == 0, deleted.stderr

            async def gone():
                try:
                    await bob.items(node)
                except IqError as error:
                    return stanza_error(error).condition == "item-not-found"
                return False

            await eventually(gone, "the running herald sees the node deleted by the CLI")

    run(body())
    run(server.stop())


def test_configuration_errors_are_one_line_each(stack: StackConfig):
    result = herald(stack, "check-config", env={
        "HERALD_COMPONENT_PORT": "abc", "HERALD_LOG_FORMAT": "xml", "HERALD_NODES_CREATION": "everyone",
        "HERALD_COMPONENT_SECRET": None, "HERALD_COMPONENT_SECRET_FILE": "/nonexistent/secret",
    })
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "herald: invalid configuration:" and len(lines) == 5, lines
    assert any("HERALD_COMPONENT_PORT (component.port): 'abc' is not an integer" in line for line in lines), lines
    assert any("HERALD_LOG_FORMAT (log.format): 'xml' is not text, logfmt or json" in line for line in lines), lines
    assert any("HERALD_NODES_CREATION (nodes.creation)" in line for line in lines), lines
    assert any("HERALD_COMPONENT_SECRET_FILE" in line and "/nonexistent/secret" in line for line in lines), lines
