"""Socket load run against a local stack (`./dev load-sockets` starts one and runs this).

usage: socket_load.py API_BASE SOCKET_URL [--players N] [--sockets-per-player K] [--messages-per-sender M]

Registers N players (each from its own loopback address, as the registration limit is per
address), opens K WebSocket connections for each with the `websockets` library and holds them,
then pairs the players: one of each pair sends M chat messages over HTTP to the other while every
pair sends at once. Push latency is the time from the start of the send request to the first
frame carrying that message on any of the recipient's connections. Prints a markdown table.
"""
import argparse
import asyncio
import http.client
import json
import statistics
import time
import urllib.parse
import uuid

from websockets.asyncio.client import connect

PASSWORD = "load-run password"


def call(base, method, path, body=None, token=None, source=None):
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60,
                                      source_address=(source, 0) if source else None)
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, (json.loads(data) if data else None)


def new_player(base, i):
    source = f"127.{50 + i // 250}.{i % 250 + 1}.{uuid.uuid4().int % 200 + 2}"
    name = "load" + uuid.uuid4().hex[:12]
    status, body = call(base, "POST", "/account/register",
                        {"username": name, "password": PASSWORD, "email": f"{name}@example.com"}, source=source)
    assert status == 201, (status, body)
    status, body = call(base, "POST", "/account/login", {"username": name, "password": PASSWORD}, source=source)
    assert status == 200, (status, body)
    return {"userId": body["userId"], "token": body["token"]}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("api")
    parser.add_argument("socket")
    parser.add_argument("--players", type=int, default=40)
    parser.add_argument("--sockets-per-player", type=int, default=25)
    parser.add_argument("--messages-per-sender", type=int, default=10)
    args = parser.parse_args()

    started = time.monotonic()
    players = await asyncio.gather(*(asyncio.to_thread(new_player, args.api, i) for i in range(args.players)))

    arrivals = {}  # message text -> first arrival (monotonic)
    opened, refused = [], 0

    async def read(ws, player):
        try:
            async for raw in ws:
                frame = json.loads(raw)
                # The sender's own connections get the message too; only the recipient's count.
                if frame.get("type") == "message" and frame["message"].get("recipientId") == player["userId"]:
                    arrivals.setdefault(frame["message"]["text"], time.monotonic())
        except Exception:
            pass

    async def open_one(player):
        nonlocal refused
        try:
            ws = await connect(f"{args.socket}/?token={player['token']}", open_timeout=60, ping_interval=None)
            opened.append(ws)
            asyncio.create_task(read(ws, player))
        except Exception:
            refused += 1

    connecting = time.monotonic()
    jobs = [open_one(p) for p in players for _ in range(args.sockets_per_player)]
    for i in range(0, len(jobs), 50):  # 50 handshakes at a time
        await asyncio.gather(*jobs[i:i + 50])
    connect_secs = time.monotonic() - connecting

    sent_at = {}

    async def converse(sender, recipient):
        for _ in range(args.messages_per_sender):
            text = f"load {uuid.uuid4().hex}"
            sent_at[text] = time.monotonic()
            status, body = await asyncio.to_thread(call, args.api, "POST", "/chat/messages",
                                                   {"recipientId": recipient["userId"], "text": text}, sender["token"])
            assert status == 201, (status, body)

    sending = time.monotonic()
    pairs = list(zip(players[0::2], players[1::2]))
    await asyncio.gather(*(converse(a, b) for a, b in pairs))
    deadline = time.monotonic() + 120
    while len([t for t in sent_at if t in arrivals]) < len(sent_at) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    run_secs = time.monotonic() - sending
    still_open = sum(1 for ws in opened if ws.state.name == "OPEN")
    latencies = [(arrivals[t] - sent_at[t]) * 1000 for t in sent_at if t in arrivals]
    for ws in opened:
        await ws.close()

    print("| measure | value |")
    print("|---|---|")
    print(f"| players | {len(players)} |")
    print(f"| sockets opened / refused | {len(opened)} / {refused} (in {connect_secs:.1f} s) |")
    print(f"| sockets still open after the run | {still_open} |")
    print(f"| chat messages sent (HTTP, {len(pairs)} pairs at once) | {len(sent_at)} in {run_secs:.1f} s |")
    print(f"| messages pushed to the recipient | {len(latencies)} |")
    if latencies:
        print(f"| push latency p50 / p99 / max (ms) | {percentile(latencies, 50):.0f} / "
              f"{percentile(latencies, 99):.0f} / {max(latencies):.0f} |")
        print(f"| push latency mean (ms) | {statistics.mean(latencies):.0f} |")
    print(f"| whole run | {time.monotonic() - started:.0f} s |")


asyncio.run(main())
