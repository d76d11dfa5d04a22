"""A game client on the WebSocket API, with the `websockets` library (not our code).

usage: socket_client.py URL TOKEN SCENARIO
  journey     connect with the token as a bearer header, select a banner, pull ten, and wait for
              the pull's result and the balance push
  refused     connect without a token, then with a forged one: both handshakes must be refused
  bad-frames  connect with ?token=, send frames no action takes, and collect the error frames
  social      (extra args: TOKEN_B API_BASE USER_A USER_B; A and B are friends) A and B connect;
              A sees B come online; A sends five messages over HTTP and B's socket gets them in
              order; B closes and A sees B offline; B connects again and its connection is
              killed (transport aborted, no close handshake) and A sees B offline again
Prints what it saw as JSON.
"""
import asyncio
import json
import sys
import time
import urllib.request
import uuid

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

URL, TOKEN, SCENARIO = sys.argv[1], sys.argv[2], sys.argv[3]
DEADLINE_SECS = 60


async def next_frame(ws, wanted, deadline):
    """The next frame whose type (and, for balance pushes, cause) is `wanted`; others are kept."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {wanted} frame in time")
        frame = json.loads(await asyncio.wait_for(ws.recv(), left))
        if wanted(frame):
            return frame


async def journey():
    deadline = time.monotonic() + DEADLINE_SECS
    async with connect(URL, additional_headers={"Authorization": f"Bearer {TOKEN}"}) as ws:
        await ws.send(json.dumps({"action": "selectBanner", "bannerId": "equipment"}))
        selected = await next_frame(ws, lambda f: f["type"] in ("bannerSelected", "error"), deadline)
        key = f"socket-{uuid.uuid4()}"
        await ws.send(json.dumps({"action": "pull", "count": 10, "idempotencyKey": key}))
        result = await next_frame(ws, lambda f: f["type"] in ("pullResult", "error"), deadline)
        balance = await next_frame(ws, lambda f: f["type"] == "balance" and f.get("cause") == "PullCompleted", deadline)
        # The same key again replays the first answer and moves nothing.
        await ws.send(json.dumps({"action": "pull", "count": 10, "idempotencyKey": key}))
        replay = await next_frame(ws, lambda f: f["type"] in ("pullResult", "error"), deadline)
    return {"selected": selected, "pullResult": result, "balance": balance, "replay": replay}


async def refused():
    statuses = []
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        try:
            async with connect(URL, additional_headers=headers):
                statuses.append(101)
        except InvalidStatus as e:
            statuses.append(e.response.status_code)
    return {"statuses": statuses}


async def bad_frames():
    deadline = time.monotonic() + DEADLINE_SECS
    frames = ["not json", json.dumps({"action": "dance"}), json.dumps({"action": "pull", "count": 3}),
              json.dumps({"action": "selectBanner"}), json.dumps({"action": "pull", "bannerId": "no-such-banner"})]
    errors = []
    async with connect(f"{URL}/?token={TOKEN}") as ws:
        for frame in frames:
            # One at a time: frames are independent invocations with no order between them.
            await ws.send(frame)
            # Only answers count: pushes to every socket (a banner opening) may arrive meanwhile.
            errors.append(await next_frame(ws, lambda f: f.get("type") == "error", deadline))
    return {"errors": errors}


def post_json(url, token, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


async def social():
    token_b, api, user_a, user_b = sys.argv[4:8]
    deadline = time.monotonic() + DEADLINE_SECS

    def presence_of_b(status):
        return lambda f: f["type"] == "presence" and f["userId"] == user_b and f["presence"]["status"] == status

    async with connect(f"{URL}/?token={TOKEN}") as a:
        async with connect(URL, additional_headers={"Authorization": f"Bearer {token_b}"}) as b:
            online = await next_frame(a, presence_of_b("online"), deadline)
            texts = [f"in order {i}" for i in range(5)]
            sent_at = {}
            for text in texts:
                sent_at[text] = time.monotonic()
                status = await asyncio.to_thread(post_json, f"{api}/chat/messages", TOKEN,
                                                 {"recipientId": user_b, "text": text})
                assert status == 201, status
            received, latencies_ms = [], []
            while len(received) < len(texts):
                frame = await next_frame(b, lambda f: f["type"] == "message", deadline)
                if frame["message"]["text"] in received:
                    continue  # a redelivered job pushes again; clients dedupe by messageId
                received.append(frame["message"]["text"])
                latencies_ms.append(round((time.monotonic() - sent_at[frame["message"]["text"]]) * 1000, 1))
        offline = await next_frame(a, presence_of_b("offline"), deadline)
        killed = await connect(URL, additional_headers={"Authorization": f"Bearer {token_b}"})
        await next_frame(a, presence_of_b("online"), deadline)
        killed.transport.abort()
        offline_after_kill = await next_frame(a, presence_of_b("offline"), deadline)
    return {"online": online, "received": received, "latenciesMs": latencies_ms, "offline": offline,
            "offlineAfterKill": offline_after_kill}


SCENARIOS = {"journey": journey, "refused": refused, "bad-frames": bad_frames, "social": social}
print(json.dumps(asyncio.run(SCENARIOS[SCENARIO]())))
