"""Interop test harness (its fixtures are re-exported by conftest.py): real Prosody + real
PostgreSQL (Deploy/local/stack.sh, profile "test"), the real herald binary, real slixmpp clients.

Run with the Debian python (slixmpp is a Debian package):

    Deploy/local/stack.sh up test
    eval "$(Deploy/local/stack.sh env test)"
    export HERALD_BIN=$PWD/.build/debug/herald
    /usr/bin/python3 -m pytest Tests/Interop

Missing configuration or an unreachable stack is a test error, never a skip.
Set HERALD_INTEROP_RESET_DB=0 to keep the database between sessions (default: the
session starts with `stack.sh reset-db test`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Optional

import pytest
import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / ".data" / "test"
STACK_SH = REPO_ROOT / "Deploy" / "local" / "stack.sh"

NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event"
NS_DATA = "jabber:x:data"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_DELAY = "urn:xmpp:delay"
NS_SHIM = "http://jabber.org/protocol/shim"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
NS_ROSTER = "jabber:iq:roster"
NS_META = "urn:herald:interop:meta"  # a payload namespace used on attributes, see Client
NS_PUBSUB_ERRORS = "http://jabber.org/protocol/pubsub#errors"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"

READY_TIMEOUT = 20.0       # herald start -> disco#info answered
STOP_TIMEOUT = 10.0        # SIGTERM -> exit
IQ_TIMEOUT = 10.0          # any single IQ round trip
EVENT_TIMEOUT = 10.0       # publish -> notification at the subscriber
CONNECT_TIMEOUT = 15.0     # client TCP + STARTTLS + SASL + bind
TEST_TIMEOUT = 120.0       # whole async body of one test

REQUIRED_ENV = (
    "HERALD_BIN",
    "HERALD_COMPONENT_DOMAIN",
    "HERALD_COMPONENT_SECRET",
    "HERALD_COMPONENT_HOST",
    "HERALD_COMPONENT_PORT",
    "HERALD_POSTGRES_HOST",
    "HERALD_POSTGRES_PORT",
    "HERALD_POSTGRES_USER",
    "HERALD_POSTGRES_PASSWORD",
    "HERALD_POSTGRES_DATABASE",
    "HERALD_STACK_C2S_PORT",
    "HERALD_STACK_XMPP_DOMAIN",
)

HOW_TO = (
    "start the stack and export its environment:\n"
    "    Deploy/local/stack.sh up test\n"
    '    eval "$(Deploy/local/stack.sh env test)"\n'
    "    export HERALD_BIN=$PWD/.build/debug/herald"
)


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class StackConfig:
    herald_bin: Path
    component_domain: str
    component_host: str
    component_port: int
    postgres_host: str
    postgres_port: int
    c2s_host: str
    c2s_port: int
    xmpp_domain: str

    def jid(self, user: str) -> str:
        return f"{user}@{self.xmpp_domain}"


def _port_open(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def stack() -> StackConfig:
    """The environment of `stack.sh env test` plus HERALD_BIN; fails (not skips) when absent."""
    missing = [name for name in REQUIRED_ENV if not os.environ.get(name)]
    if missing:
        pytest.fail(f"missing environment: {', '.join(missing)}\n{HOW_TO}", pytrace=False)
    env = os.environ
    herald_bin = Path(env["HERALD_BIN"])
    if not herald_bin.is_absolute():
        herald_bin = (REPO_ROOT / herald_bin).resolve()
    if not (herald_bin.is_file() and os.access(herald_bin, os.X_OK)):
        pytest.fail(f"HERALD_BIN={env['HERALD_BIN']} is not an executable file", pytrace=False)
    try:
        cfg = StackConfig(
            herald_bin=herald_bin,
            component_domain=env["HERALD_COMPONENT_DOMAIN"],
            component_host=env["HERALD_COMPONENT_HOST"],
            component_port=int(env["HERALD_COMPONENT_PORT"]),
            postgres_host=env["HERALD_POSTGRES_HOST"],
            postgres_port=int(env["HERALD_POSTGRES_PORT"]),
            c2s_host=env.get("HERALD_STACK_C2S_HOST", "127.0.0.1"),
            c2s_port=int(env["HERALD_STACK_C2S_PORT"]),
            xmpp_domain=env["HERALD_STACK_XMPP_DOMAIN"],
        )
    except ValueError as e:
        pytest.fail(f"bad port in environment: {e}", pytrace=False)
    unreachable = [
        f"{what} {host}:{port}"
        for what, host, port in (
            ("PostgreSQL", cfg.postgres_host, cfg.postgres_port),
            ("Prosody c2s", cfg.c2s_host, cfg.c2s_port),
            ("Prosody component port", cfg.component_host, cfg.component_port),
        )
        if not _port_open(host, port)
    ]
    if unreachable:
        pytest.fail(f"stack not reachable: {', '.join(unreachable)}\n{HOW_TO}", pytrace=False)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return cfg


@pytest.fixture(scope="session")
def clean_database(stack: StackConfig) -> None:
    """Start the session with an empty `herald` database (stack.sh reset-db test)."""
    if os.environ.get("HERALD_INTEROP_RESET_DB", "1") == "0":
        return
    env = dict(os.environ, HERALD_STACK_PG_PORT=str(stack.postgres_port))
    proc = subprocess.run(
        [str(STACK_SH), "reset-db", "test"],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )
    if proc.returncode != 0:
        pytest.fail(f"stack.sh reset-db test failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}",
                    pytrace=False)


# --------------------------------------------------------------------------- asyncio


def run(coro, timeout: float = TEST_TIMEOUT):
    """Run one test body on a fresh event loop, bounded by `timeout`."""
    async def bounded():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(bounded())


# --------------------------------------------------------------------------- XMPP clients


class Client(slixmpp.ClientXMPP):
    """A slixmpp client (disco, data forms, pubsub) that records pubsub event messages."""

    def __init__(self, stack: StackConfig, user: str, password: str, resource: Optional[str] = None):
        resource = resource or f"interop-{uuid.uuid4().hex[:8]}"
        super().__init__(f"{stack.jid(user)}/{resource}", password)
        self.stack = stack
        self.service = stack.component_domain
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0004")
        self.register_plugin("xep_0060")
        # slixmpp serializes an attribute in a foreign namespace only when that namespace has a prefix.
        self.namespace_map[NS_META] = "m"
        # Prosody's certificate is self-signed.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.events: asyncio.Queue = asyncio.Queue()
        self.register_handler(Callback(
            "interop pubsub event",
            MatchXPath(f"{{{self.default_ns}}}message/{{{NS_PUBSUB_EVENT}}}event"),
            lambda msg: self.events.put_nowait(msg),
        ))
        # Other messages from the service: authorization forms (§8.6), affiliation notices (§8.9.4).
        self.notices: asyncio.Queue = asyncio.Queue()
        for name, xpath in (("form", f"{{{NS_DATA}}}x"), ("affiliations", f"{{{NS_PUBSUB}}}pubsub")):
            self.register_handler(Callback(
                f"interop service {name}",
                MatchXPath(f"{{{self.default_ns}}}message/{xpath}"),
                lambda msg: self.notices.put_nowait(msg) if msg["from"].bare == self.service else None,
            ))

    async def start(self, send_presence: bool = True) -> "Client":
        loop = asyncio.get_running_loop()
        ready: asyncio.Future = loop.create_future()

        def settle(exc: Optional[BaseException]) -> None:
            if not ready.done():
                if exc is None:
                    ready.set_result(None)
                else:
                    ready.set_exception(exc)

        self.add_event_handler("session_start", lambda _: settle(None))
        self.add_event_handler("failed_auth", lambda _: settle(
            AssertionError(f"authentication failed for {self.boundjid.bare}")))
        self.add_event_handler("connection_failed", lambda err: settle(
            ConnectionError(f"cannot connect to {self.stack.c2s_host}:{self.stack.c2s_port}: {err}")))
        self.connect(address=(self.stack.c2s_host, self.stack.c2s_port))
        try:
            await asyncio.wait_for(ready, CONNECT_TIMEOUT)
        except BaseException:
            self.cancel_connection_attempt()
            self.abort()
            raise
        if send_presence:
            # Messages to the bare JID only reach available resources.
            self.send_presence()
        return self

    async def stop(self) -> None:
        self.cancel_connection_attempt()
        if self.transport is not None:
            try:
                await asyncio.wait_for(self.disconnect(wait=2.0), 5)
            except (asyncio.TimeoutError, Exception):
                self.abort()
        # slixmpp's outbound filter task outlives the connection; end it with this loop.
        task = getattr(self, "_run_out_filters", None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- pubsub helpers (all bounded) --

    async def create(self, node: str):
        return await self["xep_0060"].create_node(self.service, node, timeout=IQ_TIMEOUT)

    async def subscribe(self, node: str, subscribee: Optional[str] = None):
        return await self["xep_0060"].subscribe(self.service, node, subscribee=subscribee, timeout=IQ_TIMEOUT)

    async def publish(self, node: str, payload: ET.Element, item_id: Optional[str] = None):
        return await self["xep_0060"].publish(self.service, node, id=item_id, payload=payload, timeout=IQ_TIMEOUT)

    async def items(self, node: str):
        return await self["xep_0060"].get_items(self.service, node, timeout=IQ_TIMEOUT)

    async def disco_info(self, node: Optional[str] = None, timeout: float = IQ_TIMEOUT):
        return await self["xep_0030"].get_info(jid=self.service, node=node, timeout=timeout)

    async def disco_items(self, node: Optional[str] = None):
        return await self["xep_0030"].get_items(jid=self.service, node=node, timeout=IQ_TIMEOUT)

    async def next_item_event(self, node: str, item_id: str, timeout: float = EVENT_TIMEOUT,
                              kind: str = "item") -> ET.Element:
        """Wait for a pubsub#event notification of `item_id` on `node`; returns the <item/> element
        (or the <retract/> element with kind="retract"). Other events are skipped."""
        msg, _earlier = await self.event_until(node, item_id, timeout)
        for items in msg.xml.iter(f"{{{NS_PUBSUB_EVENT}}}items"):
            for child in items.findall(f"{{{NS_PUBSUB_EVENT}}}{kind}"):
                if items.get("node") == node and child.get("id") == item_id:
                    return child
        raise AssertionError(f"the event for {item_id!r} on {node!r} carries no <{kind}/>: {msg}")

    async def event_until(self, node: str, item_id: Optional[str] = None,
                          timeout: float = EVENT_TIMEOUT) -> tuple:
        """Wait for the event message on `node` carrying item `item_id` (with item_id=None: an
        `<items node=…/>` without any child). Returns (that message, the event messages received
        before it), so a test can prove that some other event did *not* arrive first: Herald
        handles stanzas one at a time and Prosody keeps their order to one session."""
        deadline = time.monotonic() + timeout
        earlier = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"{self.boundjid} got no event for {item_id!r} on node {node!r} within {timeout}s; "
                    f"events seen: {[event_items(m) for m in earlier] or 'none'}")
            try:
                msg = await asyncio.wait_for(self.events.get(), remaining)
            except asyncio.TimeoutError:
                continue
            for items in msg.xml.iter(f"{{{NS_PUBSUB_EVENT}}}items"):
                if items.get("node") != node:
                    continue
                if item_id is None and len(items) == 0:
                    return msg, earlier
                if any(child.get("id") == item_id for child in items):
                    assert msg["from"].bare == self.service, f"event from {msg['from']}, not {self.service}"
                    return msg, earlier
            earlier.append(msg)

    async def event_of(self, kind: str, node: str, timeout: float = EVENT_TIMEOUT) -> ET.Element:
        """The next event whose <event/> child is `kind` (configuration, delete, purge, subscription)
        for `node`; returns that child. Events of other kinds or nodes are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.boundjid} got no <{kind} node={node!r}/> event within {timeout}s")
            try:
                msg = await asyncio.wait_for(self.events.get(), remaining)
            except asyncio.TimeoutError:
                continue
            child = msg.xml.find(f"{{{NS_PUBSUB_EVENT}}}event/{{{NS_PUBSUB_EVENT}}}{kind}")
            if child is not None and child.get("node") == node:
                return child

    async def next_notice(self, timeout: float = EVENT_TIMEOUT):
        """The next non-event message from the service (an authorization form or affiliation notice)."""
        return await asyncio.wait_for(self.notices.get(), timeout)

    # -- raw stanzas --

    async def iq(self, itype: str, payload, to: Optional[str] = "service", timeout: float = IQ_TIMEOUT):
        """Send an IQ get/set with `payload` (an ElementTree element or XML text) to the service
        (to=None: to the account itself, i.e. no 'to')."""
        if isinstance(payload, str):
            payload = ET.fromstring(payload)
        iq = self.Iq(stype=itype)
        if to is not None:
            iq["to"] = self.service if to == "service" else to
        iq.append(payload)
        return await iq.send(timeout=timeout)

    async def pubsub(self, itype: str, inner: str, timeout: float = IQ_TIMEOUT):
        """`<iq type=itype><pubsub xmlns='http://jabber.org/protocol/pubsub'>inner</pubsub></iq>` to
        the service; `inner` is XML text in the pubsub namespace (forms: see data_form)."""
        return await self.iq(itype, f"<pubsub xmlns='{NS_PUBSUB}'>{inner}</pubsub>", timeout=timeout)

    async def create_node(self, node: str, config: Optional[dict] = None):
        """§8.1.3 create-and-configure (a plain create with config=None)."""
        inner = f"<create node='{node}'/>"
        if config is not None:
            inner += f"<configure>{data_form(NS_PUBSUB + '#node_config', config)}</configure>"
        return await self.pubsub("set", inner)

    async def publish_xml(self, node: str, item: str = "", options: Optional[dict] = None):
        """§7.1 publish of `item` (XML text of an <item/>, or empty), with §7.1.5 publish-options."""
        inner = f"<publish node='{node}'>{item}</publish>"
        if options is not None:
            inner += f"<publish-options>{data_form(NS_PUBSUB + '#publish-options', options)}</publish-options>"
        return await self.pubsub("set", inner)

    async def subscribe_xml(self, node: str, jid: Optional[str] = None, options: Optional[dict] = None):
        """§6.1 subscribe (jid defaults to the bare JID), §6.3.7 with an options form. Returns the
        result IQ."""
        jid = jid or self.boundjid.bare
        inner = f"<subscribe node='{node}' jid='{jid}'/>"
        if options is not None:
            inner += f"<options>{data_form(NS_PUBSUB + '#subscribe_options', options)}</options>"
        return await self.pubsub("set", inner)

    def directed_presence(self, show: Optional[str] = None, ptype: Optional[str] = None) -> None:
        """`<presence to='service'/>` (optionally with <show/> or a type)."""
        self.send_presence(pto=self.service, pshow=show, ptype=ptype)

    async def forget_service_in_roster(self) -> None:
        """Remove the service from the account's roster (left by a roster-subscription test), so that
        Prosody sends it no presence unless a test says so."""
        query = ET.fromstring(
            f"<query xmlns='{NS_ROSTER}'><item jid='{self.service}' subscription='remove'/></query>")
        try:
            await self.iq("set", query, to=None)
        except IqError as e:
            if stanza_error(e).condition != "item-not-found":
                raise


@contextlib.asynccontextmanager
async def connected(stack: StackConfig, *users: str, send_presence: bool = True) -> AsyncIterator[tuple]:
    """Connect the named test accounts (password = '<user>-pass'); disconnect on exit. A name may
    repeat: each is another resource of that account."""
    clients = [Client(stack, user, f"{user}-pass") for user in users]
    try:
        await asyncio.gather(*(c.start(send_presence=send_presence) for c in clients))
        yield tuple(clients)
    finally:
        await asyncio.gather(*(c.stop() for c in clients), return_exceptions=True)


# --------------------------------------------------------------------------- XML / error helpers


def xml_diff(actual: ET.Element, expected: ET.Element, path: str = "") -> Optional[str]:
    """None when both trees are equal (tag, attributes, text, tails, children); else where they differ."""
    here = f"{path}/{expected.tag}"
    if actual.tag != expected.tag:
        return f"{path}: tag {actual.tag!r} != expected {expected.tag!r}"
    if dict(actual.attrib) != dict(expected.attrib):
        return f"{here}: attributes {dict(actual.attrib)!r} != expected {dict(expected.attrib)!r}"
    if (actual.text or "") != (expected.text or ""):
        return f"{here}: text {actual.text!r} != expected {expected.text!r}"
    if len(actual) != len(expected):
        return f"{here}: {len(actual)} children != expected {len(expected)}"
    for a, e in zip(actual, expected):
        diff = xml_diff(a, e, here)
        if diff:
            return diff
        if (a.tail or "") != (e.tail or ""):
            return f"{here}/{e.tag}: tail {a.tail!r} != expected {e.tail!r}"
    return None


def assert_xml_equal(actual: ET.Element, expected: ET.Element) -> None:
    diff = xml_diff(actual, expected)
    assert diff is None, (f"payload differs: {diff}\n  actual:   {ET.tostring(actual, encoding='unicode')}"
                          f"\n  expected: {ET.tostring(expected, encoding='unicode')}")


def only_child(element: ET.Element) -> ET.Element:
    children = list(element)
    assert len(children) == 1, f"expected exactly one payload element in {ET.tostring(element, encoding='unicode')}"
    return children[0]


@dataclass
class StanzaError:
    type: str
    condition: str
    app_conditions: list  # [(namespace, local name)]
    raw: str


def stanza_error(exc: IqError) -> StanzaError:
    iq = exc.iq
    error = iq.xml.find(f"{{{iq.namespace}}}error")
    assert error is not None, f"IQ error without <error/>: {iq}"
    condition = ""
    apps = []
    for child in error:
        ns, _, local = child.tag[1:].partition("}") if child.tag.startswith("{") else ("", "", child.tag)
        if ns == NS_STANZAS:
            if local != "text":
                condition = local
        else:
            apps.append((ns, local))
    return StanzaError(error.get("type", ""), condition, apps, str(iq))


def unique_node(label: str) -> str:
    return f"interop-{label}-{uuid.uuid4().hex[:10]}"


async def expect_error(awaitable, etype: str, condition: str, pubsub_condition: Optional[str] = None,
                       feature: Optional[str] = None) -> StanzaError:
    """Await an IQ that must fail with exactly this error type, defined condition and (or no)
    pubsub#errors condition (with its `feature` attribute for <unsupported/>)."""
    try:
        result = await awaitable
    except IqError as e:
        err = stanza_error(e)
    else:
        raise AssertionError(f"expected error {etype}/{condition}/{pubsub_condition}, got result: {result}")
    assert (err.type, err.condition) == (etype, condition), f"expected {etype}/{condition}; got {err.raw}"
    expected_apps = [(NS_PUBSUB_ERRORS, pubsub_condition)] if pubsub_condition else []
    assert err.app_conditions == expected_apps, f"expected app condition {expected_apps}; got {err.raw}"
    if feature is not None:
        app = ET.fromstring(err.raw).find(f".//{{{NS_PUBSUB_ERRORS}}}{pubsub_condition}")
        assert app is not None and app.get("feature") == feature, f"expected feature={feature!r}; got {err.raw}"
    return err


async def eventually(check, what: str, timeout: float = EVENT_TIMEOUT, interval: float = 0.1):
    """Poll the async `check()` until it returns a truthy value (returned), bounded by `timeout`.
    For state that changes because of a stanza another session caused (a disconnect, a bounce),
    whose arrival at herald nothing in the test can order against."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout}s: {what} (last check: {last!r})")
        await asyncio.sleep(interval)


# --------------------------------------------------------------------------- forms and events


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")


def data_form(form_type: Optional[str], fields: dict, ftype: str = "submit") -> str:
    """An XEP-0004 form as XML text: `fields` maps var -> value or list of values."""
    parts = [f"<x xmlns='{NS_DATA}' type='{ftype}'>"]
    if form_type is not None:
        parts.append(f"<field var='FORM_TYPE' type='hidden'><value>{_xml_text(form_type)}</value></field>")
    for var, value in fields.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        parts.append(f"<field var='{_xml_text(var)}'>"
                     + "".join(f"<value>{_xml_text(str(v))}</value>" for v in values) + "</field>")
    parts.append("</x>")
    return "".join(parts)


def form_of(element: ET.Element) -> ET.Element:
    """The one jabber:x:data form somewhere below `element` (an element or a slixmpp stanza)."""
    element = getattr(element, "xml", element)
    forms = list(element.iter(f"{{{NS_DATA}}}x"))
    assert len(forms) == 1, f"expected one data form in {ET.tostring(element, encoding='unicode')}"
    return forms[0]


def form_values(form: ET.Element) -> dict:
    """var -> list of values."""
    return {f.get("var"): [v.text or "" for v in f.findall(f"{{{NS_DATA}}}value")]
            for f in form.findall(f"{{{NS_DATA}}}field")}


def form_types(form: ET.Element) -> dict:
    """var -> field type."""
    return {f.get("var"): f.get("type") for f in form.findall(f"{{{NS_DATA}}}field")}


def event_items(msg) -> list:
    """[(node, kind, item id)] of an event message; kind is item/retract, or ('node', 'empty', None)
    for an <items/> without children."""
    xml = msg.xml if hasattr(msg, "xml") else msg
    found = []
    for items in xml.iter(f"{{{NS_PUBSUB_EVENT}}}items"):
        if len(items) == 0:
            found.append((items.get("node"), "empty", None))
        for child in items:
            found.append((items.get("node"), child.tag.rsplit("}", 1)[-1], child.get("id")))
    return found


def shim_subids(msg) -> list:
    """The SubID SHIM headers of a notification, in order."""
    return [h.text for h in msg.xml.iter(f"{{{NS_SHIM}}}header") if h.get("name") == "SubID"]


# --------------------------------------------------------------------------- herald process


class Herald:
    """The herald binary as a subprocess (`$HERALD_BIN serve`, cwd = repo root)."""

    _counter = itertools.count(1)

    def __init__(self, stack: StackConfig, name: str, env_overrides: Optional[dict] = None):
        self.stack = stack
        self.env_overrides = dict(env_overrides or {})
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80]
        self.log_path = DATA_DIR / f"herald-{safe}-{next(self._counter)}.log"
        self.log_path.write_text("")
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0

    # -- process control --

    def spawn(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "herald already running"
        self.starts += 1
        env = dict(os.environ)
        env.update(self.env_overrides)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"===== interop: start #{self.starts}: {self.stack.herald_bin} serve =====\n")
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [str(self.stack.herald_bin), "serve"],
                cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        finally:
            log.close()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def output_tail(self, lines: int = 40) -> str:
        tail = "\n".join(self.output().splitlines()[-lines:])
        return f"--- last lines of {self.log_path} ---\n{tail}"

    async def wait_exit(self, timeout: float) -> Optional[int]:
        """Exit code, or None if still running after `timeout` seconds."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.proc.poll()

    async def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Ready = an XMPP client gets a disco#info *result* from the component domain."""
        deadline = time.monotonic() + timeout
        probe = Client(self.stack, "alice", "alice-pass", resource=f"ready-probe-{uuid.uuid4().hex[:6]}")
        last = "no answer yet"
        try:
            await probe.start(send_presence=False)
            while True:
                if not self.running:
                    raise AssertionError(
                        f"herald exited with code {self.proc.returncode} before it was ready\n{self.output_tail()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"herald not ready after {timeout}s (no disco#info result from "
                        f"{self.stack.component_domain}; last: {last})\n{self.output_tail()}")
                try:
                    await probe.disco_info(timeout=max(0.5, min(2.0, remaining)))
                    return
                except IqError as e:
                    err = stanza_error(e)
                    last = f"IQ error {err.type}/{err.condition}"
                except IqTimeout:
                    last = "IQ timeout"
                await asyncio.sleep(0.25)
        finally:
            await probe.stop()

    async def start(self) -> None:
        self.spawn()
        await self.wait_ready()

    async def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM; assert a clean exit (code 0) within `timeout` seconds."""
        assert self.running, f"herald is not running (exit code {self.proc and self.proc.returncode})"
        self.proc.send_signal(signal.SIGTERM)
        code = await self.wait_exit(timeout)
        if code is None:
            self.kill()
            raise AssertionError(f"herald did not exit within {timeout}s of SIGTERM\n{self.output_tail()}")
        assert code == 0, f"herald exited with code {code} after SIGTERM (expected 0)\n{self.output_tail()}"

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def kill(self) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)


@pytest.fixture
def herald_factory(stack: StackConfig, clean_database, request):
    """Make Herald instances (not started); any still running at teardown are killed."""
    made: list[Herald] = []

    def make(env_overrides: Optional[dict] = None, label: str = "") -> Herald:
        h = Herald(stack, f"{request.node.name}{label}", env_overrides)
        made.append(h)
        return h

    yield make
    for h in made:
        h.kill()


@pytest.fixture
def herald(herald_factory) -> Herald:
    """A running, ready herald; at teardown it must stop cleanly on SIGTERM (exit 0)."""
    h = herald_factory()
    run(h.start(), timeout=READY_TIMEOUT + CONNECT_TIMEOUT + 10)
    yield h
    if h.running:
        run(h.stop(), timeout=STOP_TIMEOUT + 10)


# --------------------------------------------------------------------------- HTTP (/health, /ready, /metrics)


def http_get(path: str) -> tuple:
    """(status, body) of GET http://127.0.0.1:$HERALD_HTTP_PORT/path, bounded in time."""
    url = f"http://127.0.0.1:{os.environ['HERALD_HTTP_PORT']}{path}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def metrics() -> dict:
    """Parses /metrics as Prometheus text format: every line a comment or a sample with a number.
    Returns 'name{labels}' -> value."""
    status, body = http_get("/metrics")
    assert status == 200, body
    samples = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            assert not line or re.match(r"^# (TYPE|HELP) [a-zA-Z_:][a-zA-Z0-9_:]* ", line), f"bad comment: {line!r}"
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample: {line!r}"
        samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples
