"""What every Buckle Python sample shares: its configuration, a tiny web server
on 127.0.0.1 (the standard library's, so cozepy is the only dependency), and
the pages it shows. Every value put in a page goes through html.escape."""

import datetime
import html
import json
import os
import pathlib
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = pathlib.Path(__file__).resolve().parent


def load_config():
    """coze_oauth_config.json, beside this file."""
    path = HERE / "coze_oauth_config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        sys.exit(f"cannot read {path}: {e}")


def port():
    """8080 unless the environment variable PORT says otherwise."""
    value = os.environ.get("PORT", "8080")
    if not value.isdigit():
        sys.exit(f"PORT must be a number, not {value!r}")
    return int(value)


def expiry(expires_in):
    """The token's expiry (absolute unix seconds) as a readable UTC time."""
    try:
        moment = datetime.datetime.fromtimestamp(int(expires_in), tz=datetime.timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return str(expires_in)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def page(title, body):
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<style>body{font-family:sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}"
        "code{word-break:break-all}dt{font-weight:bold;margin-top:.5rem}"
        ".error{color:#b00020}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def token_facts(token):
    """The token, its expiry and (when there is one) its refresh token."""
    rows = [
        ("Access token", f"<code id=\"access-token\">{html.escape(token.access_token)}</code>"),
        (
            "Expires",
            f"<span id=\"expires-at\">{html.escape(expiry(token.expires_in))}</span>",
        ),
    ]
    refresh = getattr(token, "refresh_token", None)
    if refresh:
        rows.append(("Refresh token", f"<code id=\"refresh-token\">{html.escape(refresh)}</code>"))
    return "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def user_facts(user):
    """'Authorization Successful' with the user's id and nickname."""
    return (
        "<p id=\"result\"><strong>Authorization Successful</strong></p>"
        "<dl>"
        f"<dt>User id</dt><dd id=\"user-id\">{html.escape(str(user.user_id))}</dd>"
        f"<dt>Nickname</dt><dd id=\"nickname\">{html.escape(str(user.nick_name))}</dd>"
        "</dl>"
    )


def button(action, label, id_):
    return (
        f"<form method=\"post\" action=\"{html.escape(action)}\">"
        f"<button type=\"submit\" id=\"{html.escape(id_)}\">{html.escape(label)}</button></form>"
    )


def link(href, label, id_):
    return f"<p><a id=\"{html.escape(id_)}\" href=\"{html.escape(href)}\">{html.escape(label)}</a></p>"


def error_body(message):
    return f"<p class=\"error\" id=\"error\">{html.escape(str(message))}</p>" + link("/", "Start again", "again")


class Reply:
    """What a route answers: a page, or a redirect."""

    def __init__(self, status=200, body="", location=None, refresh=None):
        self.status = status
        self.body = body
        self.location = location
        self.refresh = refresh


def serve(routes, title):
    """Serves routes[(method, path)](query) -> Reply on 127.0.0.1:PORT until interrupted."""

    class Handler(BaseHTTPRequestHandler):
        def answer(self, method):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            route = routes.get((method, url.path))
            try:
                reply = route(query) if route else Reply(404, page("Not found", link("/", "Home", "home")))
            except Exception as e:  # the sample shows what went wrong instead of dying
                reply = Reply(500, page(title, error_body(e)))
            self.send_response(reply.status)
            if reply.location:
                self.send_header("Location", reply.location)
            if reply.refresh:
                self.send_header("Refresh", str(reply.refresh))
            body = reply.body.encode("utf-8")
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self.answer("GET")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.answer("POST")

        def log_message(self, fmt, *args):
            sys.stderr.write("%s\n" % (fmt % args))

    server = ThreadingHTTPServer(("127.0.0.1", port()), Handler)
    print(f"{title}: open http://127.0.0.1:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
