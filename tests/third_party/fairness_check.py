"""An independent check of provably fair pulls, with Python's hmac and hashlib only.

Input (a JSON file): {"banner": <a banner of GET /gacha/banners>, "seed": <a revealed seed of
POST /gacha/fairness/rotate>, "pulls": [<pulls of GET /gacha/history>]}. For every pull made with
that seed it recomputes the draw from the README's algorithm (not from the platform's code) and
prints {"commitmentMatches", "checked", "mismatches": [pullId...]}.
"""
import hashlib
import hmac
import json
import sys

BASIS_POINTS = 10_000


def roll(server_seed, client_seed, nonce, round_, range_):
    digest = hmac.new(server_seed.encode(), f"{client_seed}:{nonce}:{round_}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % range_


def ultra_chance(pity, base, n):
    if n >= pity["hardPity"]:
        return BASIS_POINTS
    if n >= pity["softPityFrom"]:
        return min(BASIS_POINTS, base + pity["softPityStep"] * (n - pity["softPityFrom"] + 1))
    return base


def draw(banner, state, rolls):
    """The item a draw gives: rolls() yields round 0, 1, 2, ... of the draw's nonce."""
    rates, items, featured = banner["rates"], banner["items"], set(banner.get("featuredItems_ids", []))
    pity = banner.get("pity")
    if pity is None:
        r = rolls(BASIS_POINTS)
        upper, rarity = 0, "rare"
        for name, key in (("ultra rare", "ultraRare"), ("super rare", "superRare"), ("rare", "rare")):
            upper += rates[key]
            if r < upper:
                rarity = name
                break
        pool = [i for i in items if i["rarity"] == rarity]
        return pool[rolls(len(pool))]
    ultra = ultra_chance(pity, rates["ultraRare"], state["sinceUltraRare"] + 1)
    if state["sinceSuperRare"] + 1 >= pity["superRareEvery"]:
        super_ = BASIS_POINTS - ultra
    else:
        super_ = min(rates["superRare"], BASIS_POINTS - ultra)
    r, flip = rolls(BASIS_POINTS), rolls(BASIS_POINTS)
    rarity = "ultra rare" if r < ultra else "super rare" if r < ultra + super_ else "rare"
    share = pity.get("featuredShare")
    won = share is not None and flip < share
    if rarity == "ultra rare" and share is not None:
        is_featured = state["featuredGuaranteed"] or won
    elif rarity == "super rare":
        is_featured = won
    else:
        is_featured = False
    of_rarity = [i for i in items if i["rarity"] == rarity]
    pool = [i for i in of_rarity if (i["id"] in featured) == is_featured] or of_rarity
    return pool[rolls(len(pool))]


def main():
    data = json.load(open(sys.argv[1]))
    banner, seed = data["banner"], data["seed"]
    banner["featuredItems_ids"] = [i["id"] for i in banner.get("featuredItems", [])]
    commitment_ok = hashlib.sha256(seed["serverSeed"].encode()).hexdigest() == seed["commitment"]
    checked, mismatches = 0, []
    for pull in data["pulls"]:
        proof = pull.get("proof")
        if not proof or proof["commitment"] != seed["commitment"] or pull["bannerId"] != banner["bannerId"]:
            continue  # one seed serves every banner: this run checks the given banner's pulls
        rounds = iter(range(10))
        rolls = lambda range_: roll(seed["serverSeed"], proof["clientSeed"], proof["nonce"], next(rounds), range_)
        state = pull.get("pityBefore") or {"sinceUltraRare": 0, "sinceSuperRare": 0, "featuredGuaranteed": False}
        item = draw(banner, state, rolls)
        checked += 1
        if item["id"] != pull["item"]["id"]:
            mismatches.append(pull["pullId"])
    print(json.dumps({"commitmentMatches": commitment_ok, "checked": checked, "mismatches": mismatches}))


main()
