"""A game server's side of the client-credentials grant, through Authlib's OAuth 2.0 client only.

    client-credentials BASE_URL CLIENT_ID CLIENT_SECRET AUTH_METHOD PATH...

Fetches a token from BASE_URL/oauth/token with AUTH_METHOD (client_secret_basic or
client_secret_post), then GETs each PATH with it. Prints JSON: {"token": {...}, "answers":
[{"status": ..., "body": ...}, ...]}, or {"error": "<OAuth error code>"} when the token is refused.
"""
import json
import sys

from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError


def client_credentials(base_url, client_id, client_secret, auth_method, *paths):
    session = OAuth2Session(client_id, client_secret, token_endpoint_auth_method=auth_method)
    try:
        token = session.fetch_token(f"{base_url}/oauth/token", grant_type="client_credentials")
    except OAuthError as error:
        print(json.dumps({"error": error.error}))
        return
    answers = []
    for path in paths:
        response = session.get(f"{base_url}{path}", timeout=30)
        answers.append({"status": response.status_code, "body": response.json()})
    print(json.dumps({"token": dict(token), "answers": answers}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"client-credentials": client_credentials}[command](*args)
