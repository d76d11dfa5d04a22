"""Our access tokens as a third party sees them, through PyJWT (and `cryptography`) alone.

    verify BASE_URL TOKEN ISSUER AUDIENCE  -> the verified claims, as JSON
    forge BASE_URL TOKEN                   -> tokens our API must refuse, as JSON {name: token}

`verify` knows nothing of the platform but its key set URL: PyJWKClient fetches
/.well-known/jwks.json and picks the key by the token's `kid`.
"""
import base64
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def verify(base_url, token, issuer, audience):
    client = jwt.PyJWKClient(f"{base_url}/.well-known/jwks.json")
    key = client.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["ES256"], issuer=issuer, audience=audience,
                        options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    print(json.dumps(claims))


def forge(base_url, token):
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["iat"] = int(time.time())
    claims["exp"] = claims["iat"] + 600
    published = jwt.PyJWKClient(f"{base_url}/.well-known/jwks.json").get_signing_key(header["kid"])
    public_point = published.key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    stranger = ec.generate_private_key(ec.SECP256R1())
    forged = {
        # A valid ES256 signature by a key that is not ours, claiming our key's kid.
        "other_key_same_kid": jwt.encode(claims, stranger, algorithm="ES256", headers={"kid": header["kid"]}),
        # The same, naming no kid.
        "other_key_no_kid": jwt.encode(claims, stranger, algorithm="ES256"),
        # Algorithm confusion: HS256 keyed with our published public key.
        "hs256_keyed_with_public_key": jwt.encode(claims, public_point, algorithm="HS256", headers={"kid": header["kid"]}),
        # No signature at all.
        "alg_none": jwt.encode(claims, None, algorithm="none", headers={"kid": header["kid"]}),
        # Our real signature under a header that now says ES384.
        "alg_swapped_header": swap_alg(token, "ES384"),
    }
    print(json.dumps(forged))


def swap_alg(token, alg):
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    decoded["alg"] = alg
    encoded = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    return f"{encoded}.{payload}.{signature}"


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"verify": verify, "forge": forge}[command](*args)
