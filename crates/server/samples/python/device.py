"""Buckle sample: the device flow (TVs, devices, command-line programs), with cozepy.

/ asks Buckle for a device code and shows the user code with the address
where the user enters it; the program polls Buckle in the background until
the user approves, then shows the token with its expiry, calls /v1/users/me,
and can refresh it."""

import html
import threading

from cozepy import Coze, DeviceOAuthApp, TokenAuth

from sample_page import Reply, button, error_body, link, load_config, page, serve, token_facts, user_facts

TITLE = "Buckle device app sample"
config = load_config()
oauth = DeviceOAuthApp(
    client_id=config["client_id"],
    base_url=config["coze_api_base"],
    www_base_url=config["coze_www_base"],
)
lock = threading.Lock()
session = {"code": None, "token": None, "error": None}


def wait_for_approval(device_code):
    """Polls at the interval Buckle asks for until approval, denial or expiry."""
    try:
        token = oauth.get_access_token(device_code, poll=True)
        with lock:
            session["token"] = token
    except Exception as e:  # shown on the page
        with lock:
            session["error"] = e


def signed_in(token):
    me = Coze(auth=TokenAuth(token.access_token), base_url=config["coze_api_base"]).users.me()
    body = user_facts(me) + token_facts(token) + button("/refresh", "Refresh the token", "refresh")
    return Reply(200, page(TITLE, body))


def home(_query):
    with lock:
        code, token, error = session["code"], session["token"], session["error"]
    if token is not None:
        return signed_in(token)
    if error is not None:
        with lock:
            session["code"], session["error"] = None, None
        return Reply(200, page(TITLE, error_body(error)))
    if code is None:
        return Reply(200, page(TITLE, button("/start", "Get a device code", "start")))
    body = (
        f"<p>Open <a id=\"verification\" href=\"{html.escape(code.verification_url)}\">"
        f"{html.escape(code.verification_uri)}</a> and enter the code "
        f"<strong id=\"user-code\">{html.escape(code.user_code)}</strong>.</p>"
        "<p>Waiting for your approval; this page reloads by itself.</p>"
    )
    return Reply(200, page(TITLE, body), refresh=3)


def start(_query):
    code = oauth.get_device_code()
    with lock:
        session.update(code=code, token=None, error=None)
    threading.Thread(target=wait_for_approval, args=(code.device_code,), daemon=True).start()
    return Reply(303, location="/")


def refresh(_query):
    with lock:
        token = session["token"]
    if token is None:
        return Reply(303, location="/")
    token = oauth.refresh_access_token(token.refresh_token)
    with lock:
        session["token"] = token
    return signed_in(token)


serve({("GET", "/"): home, ("POST", "/start"): start, ("POST", "/refresh"): refresh}, TITLE)
