"""The sustained load run (`./dev load`): players browse and search the store, sign in, buy gems,
pull, buy games and chat, in a realistic mix, against the local stack.

Each simulated player comes from its own loopback address (all of 127.0.0.0/8 is loopback on
Linux), as real players come from their own IPs, so per-source limits apply per player. Answers
429 are the product's rate limits doing their job: they are counted apart (as "429 <route>"), not
as errors.
"""

import random
import uuid

from locust import HttpUser, between, task
from requests.adapters import HTTPAdapter

PASSWORD = "load test password"
WORDS = ["portal", "dragon", "war", "space", "farm", "puzzle", "racing", "souls", "city", "zombie"]
GENRES = ["action", "rpg", "strategy", "indie", "casual", "simulation", "sports", "racing"]


class SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source, **kwargs):
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def random_loopback():
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


class Player(HttpUser):
    wait_time = between(0.5, 2.0)
    players = []  # user ids of signed-up players, as chat partners

    def on_start(self):
        adapter = SourceAddressAdapter(random_loopback())
        self.client.mount("http://", adapter)
        self.name = "load" + uuid.uuid4().hex[:12]
        self.token = None
        self.call("POST", "/account/register", "register",
                  json={"username": self.name, "password": PASSWORD, "email": self.name + "@example.com"})
        self.login()
        self.user_id = None
        me = self.call("GET", "/account/profile", "profile")
        if me is not None and me.ok:
            self.user_id = me.json().get("userId")
            Player.players.append(self.user_id)
        self.games = []

    def call(self, method, path, name, json=None, key=False):
        headers = {}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if key:
            headers["idempotency-key"] = str(uuid.uuid4())
        with self.client.request(method, path, name=name, json=json, headers=headers, catch_response=True) as r:
            if r.status_code == 429:
                # A limit working as designed: reported under its own name, never as an error.
                r.request_meta["request_type"] = "429"
                r.request_meta["name"] = f"429 {name}"
                r.success()
            elif r.status_code in (402, 409, 422) and name in ("purchase", "pull x1", "pull x10"):
                r.success()  # insufficient gems, a game owned already: the player's state, not an error
            elif r.status_code >= 400:
                r.failure(f"{r.status_code} {r.text[:120]}")
            return r

    def login(self):
        r = self.call("POST", "/account/login", "login", json={"username": self.name, "password": PASSWORD})
        if r is not None and r.ok:
            self.token = r.json()["token"]

    @task(30)
    def browse(self):
        genre = random.choice(GENRES)
        r = self.call("GET", f"/store/games?genre={genre}&sort=rating&limit=20", "browse games")
        if r.ok:
            self.games = [g["gameId"] for g in r.json().get("games", []) if g.get("priceGems", 0) > 0] or self.games

    @task(15)
    def search(self):
        self.call("GET", f"/store/games?q={random.choice(WORDS)}&limit=20", "search games")

    @task(10)
    def game_page(self):
        if self.games:
            self.call("GET", f"/store/games/{random.choice(self.games)}", "game page")

    @task(3)
    def sign_in_again(self):
        self.login()

    @task(8)
    def buy_gems(self):
        self.call("POST", "/account/buy-currency", "buy gems", key=True,
                  json={"amount": random.choice([160, 1600, 3200]), "paymentMethod": "tok_visa"})

    @task(10)
    def pull(self):
        count = random.choice([1, 1, 1, 10])
        self.call("POST", "/gacha/pull", f"pull x{count}", key=True,
                  json={"bannerId": "heroes", "count": count, "currencySpent": 160 * count})

    @task(4)
    def purchase(self):
        if self.games:
            self.call("POST", "/store/purchase", "purchase", key=True, json={"gameId": random.choice(self.games)})

    @task(5)
    def balance_and_library(self):
        self.call("GET", "/account/currency", "balance")
        self.call("GET", "/library", "library")

    @task(8)
    def chat(self):
        partners = [p for p in Player.players if p != self.user_id]
        if partners and self.user_id:
            self.call("POST", "/chat/messages", "chat send", key=True,
                      json={"recipientId": random.choice(partners), "text": "gg " + uuid.uuid4().hex[:6]})

    @task(3)
    def notifications(self):
        self.call("GET", "/notifications?limit=20", "notifications")
