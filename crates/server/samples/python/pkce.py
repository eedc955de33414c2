"""Buckle sample: the PKCE flow (single-page, mobile and desktop apps), with cozepy.

/ links to Buckle's consent page with an S256 code challenge; Buckle sends the
browser back to the redirect URI with a code; the program trades it and the
code verifier (no secret) for a token, shows it with its expiry, calls
/v1/users/me, and can refresh it."""

import secrets
import threading
import urllib.parse

from cozepy import Coze, PKCEOAuthApp, TokenAuth

from sample_page import Reply, button, error_body, link, load_config, page, serve, token_facts, user_facts

TITLE = "Buckle PKCE app sample"
config = load_config()
oauth = PKCEOAuthApp(
    client_id=config["client_id"],
    base_url=config["coze_api_base"],
    www_base_url=config["coze_www_base"],
)
redirect_uri = config["redirect_uri"]
lock = threading.Lock()
# The code verifier of each authorization in progress, by its state.
verifiers = {}
session = {"token": None}


def home(_query):
    return Reply(200, page(TITLE, link("/login", "Sign in with Buckle", "login")))


def login(_query):
    state = secrets.token_urlsafe(16)
    verifier = secrets.token_urlsafe(48)
    with lock:
        verifiers[state] = verifier
    url = oauth.get_oauth_url(
        redirect_uri=redirect_uri, code_verifier=verifier, code_challenge_method="S256", state=state
    )
    return Reply(302, location=url)


def signed_in():
    token = session["token"]
    me = Coze(auth=TokenAuth(token.access_token), base_url=config["coze_api_base"]).users.me()
    body = user_facts(me) + token_facts(token) + button("/refresh", "Refresh the token", "refresh")
    return Reply(200, page(TITLE, body))


def callback(query):
    if "code" not in query and "error" not in query:
        return home(query)
    if "error" in query:
        return Reply(400, page(TITLE, error_body(f"Buckle answered: {query['error']}")))
    with lock:
        verifier = verifiers.pop(query.get("state", ""), None)
    if verifier is None:
        return Reply(400, page(TITLE, error_body("The state does not match: start again.")))
    session["token"] = oauth.get_access_token(
        redirect_uri=redirect_uri, code=query.get("code", ""), code_verifier=verifier
    )
    return signed_in()


def refresh(_query):
    if session["token"] is None:
        return Reply(303, location="/")
    session["token"] = oauth.refresh_access_token(session["token"].refresh_token)
    return signed_in()


serve(
    {
        ("GET", "/"): home,
        ("GET", "/login"): login,
        ("GET", urllib.parse.urlsplit(redirect_uri).path or "/"): callback,
        ("POST", "/refresh"): refresh,
    },
    TITLE,
)
