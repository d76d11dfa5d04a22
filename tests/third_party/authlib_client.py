"""Apps and game servers as Authlib's OAuth 2.0 client drives them, against the local API.

    client-credentials BASE_URL CLIENT_ID CLIENT_SECRET AUTH_METHOD PATH...
        A game server: a token from BASE_URL/oauth/token with AUTH_METHOD (client_secret_basic or
        client_secret_post), then a GET of each PATH with it. Prints {"token": {...}, "answers":
        [{"status": ..., "body": ...}, ...]}, or {"error": "<OAuth error code>"}.

    authorization-code BASE_URL CLIENT_ID CLIENT_SECRET REDIRECT_URI USERNAME PASSWORD SCOPE
        "Sign in with the platform": Authlib builds the PKCE (S256) authorization URL; a person's
        browser loads the consent page and submits its form as the page lays it out (the hidden
        fields read from the HTML); Authlib reads the code from the redirect, fetches the tokens,
        calls userinfo and the library, and refreshes. PyJWT checks the ID token against the key
        set alone. Prints what each step got.
"""
import json
import sys
from html.parser import HTMLParser
from urllib.parse import urljoin

import jwt
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session


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


class ConsentForm(HTMLParser):
    """The form of the consent page: its action and the hidden fields a browser would send."""

    def __init__(self):
        super().__init__()
        self.action, self.hidden, self.title = None, {}, ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("type") == "hidden":
            self.hidden[attrs["name"]] = attrs.get("value", "")
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


def authorization_code(base_url, client_id, client_secret, redirect_uri, username, password, scope):
    session = OAuth2Session(client_id, client_secret, scope=scope, redirect_uri=redirect_uri,
                            code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
    verifier, nonce = generate_token(48), generate_token(16)
    url, state = session.create_authorization_url(f"{base_url}/oauth/authorize", code_verifier=verifier, nonce=nonce)

    browser = requests.Session()
    page = browser.get(url, timeout=30)
    form = ConsentForm()
    form.feed(page.text)
    fields = dict(form.hidden, username=username, password=password, decision="allow")
    answer = browser.post(urljoin(page.url, form.action), data=fields, allow_redirects=False, timeout=30)
    location = answer.headers["Location"]

    token = session.fetch_token(f"{base_url}/oauth/token", authorization_response=location,
                                code_verifier=verifier, state=state)
    key = jwt.PyJWKClient(f"{base_url}/.well-known/jwks.json").get_signing_key_from_jwt(token["id_token"])
    id_claims = jwt.decode(token["id_token"], key.key, algorithms=["ES256"], audience=client_id, issuer="game-platform")
    userinfo = session.get(f"{base_url}/oauth/userinfo", timeout=30)
    library = session.get(f"{base_url}/oauth/library", timeout=30)
    first_refresh_token = token["refresh_token"]
    refreshed = session.refresh_token(f"{base_url}/oauth/token", refresh_token=first_refresh_token)
    try:
        session.refresh_token(f"{base_url}/oauth/token", refresh_token=first_refresh_token)
        reuse = "accepted"
    except OAuthError as error:
        reuse = error.error
    print(json.dumps({
        "page": {"status": page.status_code, "title": form.title, "frame_options": page.headers.get("x-frame-options")},
        "redirect": {"status": answer.status_code, "location": location},
        "token": {k: v for k, v in token.items() if k != "expires_at"},
        "nonce": nonce,
        "id_claims": id_claims,
        "userinfo": {"status": userinfo.status_code, "body": userinfo.json()},
        "library": {"status": library.status_code, "body": library.json()},
        "refreshed": {k: v for k, v in refreshed.items() if k != "expires_at"},
        "reused_refresh_token": reuse,
    }))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"client-credentials": client_credentials, "authorization-code": authorization_code}[command](*args)
