"""Publish latency through the HTTP API, measured against the local run stack.

    bash Deploy/local/run.sh          # in another terminal: herald (release) on the local stack
    /usr/bin/python3 Tests/Bench/http_publish_latency.py [COUNT]

Creates a node as demo@localhost (the run command's demo token), subscribes demo over XMPP with
slixmpp, then makes COUNT (default 500) sequential PUTs, each on a new connection, as a simple
backend would. Reports the 201's latency, and the time from the request to the notification at
the subscriber, p50 and p99. Loopback only; bounded by COUNT and a 10 s wait per step. The
throughput targets belong to herald-bench (issue 7); this is the HTTP path's own figure.
"""

import asyncio
import json
import ssl
import sys
import time
import urllib.error
import urllib.request

import slixmpp

TOKEN = "hrld_local_demo_token"
BASE = "http://127.0.0.1:8080"


def api(method: str, path: str, body=None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            reply.read()
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


class Subscriber(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__("demo@localhost/bench", "demo-pass")
        self.register_plugin("xep_0060")
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.events: asyncio.Queue = asyncio.Queue()
        self.add_event_handler("pubsub_publish", self.events.put_nowait)


def percentile(values: list, fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def main(count: int) -> None:
    node = f"bench-{int(time.time())}"
    assert api("POST", "/v1/nodes", {"node": node}) == 201
    subscriber = Subscriber()
    ready = asyncio.get_running_loop().create_future()
    subscriber.add_event_handler("session_start", lambda _: ready.set_result(None))
    subscriber.connect(address=("127.0.0.1", 5222))
    await asyncio.wait_for(ready, 15)
    subscriber.send_presence()
    await subscriber["xep_0060"].subscribe("pubsub.localhost", node)
    acknowledged, notified = [], []
    for index in range(count):
        start = time.perf_counter()
        status = api("PUT", f"/v1/nodes/{node}/items/i{index}", {"n": index})
        answered = time.perf_counter()
        assert status == 201, status
        await asyncio.wait_for(subscriber.events.get(), 10)
        acknowledged.append((answered - start) * 1000)
        notified.append((time.perf_counter() - start) * 1000)
    subscriber.disconnect()
    print(f"{count} sequential publishes over HTTP:")
    print(f"  201 after          p50 {percentile(acknowledged, .5):.2f} ms  p99 {percentile(acknowledged, .99):.2f} ms")
    print(f"  notification after p50 {percentile(notified, .5):.2f} ms  p99 {percentile(notified, .99):.2f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
