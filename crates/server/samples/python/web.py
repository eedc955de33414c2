"""Buckle sample: the authorization code flow of a web app, with cozepy.

/ links to Buckle's consent page; Buckle sends the browser back to the
redirect URI with a code; the program trades it (with the client secret) for
a token, shows it with its expiry, calls /v1/users/me, and can refresh it."""

import secrets
import threading
import urllib.parse

from cozepy import Coze, TokenAuth, WebOAuthApp

from sample_page import Reply, button, error_body, link, load_config, page, serve, token_facts, user_facts

TITLE = "Buckle web app sample"
config = load_config()
if not config.get("client_secret"):
    raise SystemExit("coze_oauth_config.json has no client_secret: put the app's secret there")
oauth = WebOAuthApp(
    client_id=config["client_id"],
    client_secret=config["client_secret"],
    base_url=config["coze_api_base"],
    www_base_url=config["coze_www_base"],
)
redirect_uri = config["redirect_uri"]
lock = threading.Lock()
session = {"state": None, "token": None}


def home(_query):
    return Reply(200, page(TITLE, link("/login", "Sign in with Buckle", "login")))


def login(_query):
    state = secrets.token_urlsafe(16)
    with lock:
        session["state"] = state
    return Reply(302, location=oauth.get_oauth_url(redirect_uri=redirect_uri, state=state))


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
        expected, session["state"] = session["state"], None
    if not expected or not secrets.compare_digest(query.get("state", ""), expected):
        return Reply(400, page(TITLE, error_body("The state does not match: start again.")))
    session["token"] = oauth.get_access_token(redirect_uri=redirect_uri, code=query.get("code", ""))
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
