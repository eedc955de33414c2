"""Buckle sample: a service app's JWT flow (AppAuth), with cozepy.

The program signs a JWT with private_key.pem (beside this file; Buckle never
had it) and the public key's fingerprint as its kid, and trades it for a
service token, shown with its expiry. A JWT token cannot be refreshed: the
button gets a new one."""

import html

from cozepy import JWTOAuthApp

from sample_page import HERE, Reply, button, error_body, load_config, page, serve, token_facts

TITLE = "Buckle service app sample (JWT)"
config = load_config()
key_path = HERE / config.get("private_key_file", "private_key.pem")
try:
    private_key = key_path.read_text(encoding="utf-8")
except OSError as e:
    raise SystemExit(f"put the app's private key in {key_path} first ({e.strerror})")
oauth = JWTOAuthApp(
    client_id=config["client_id"],
    private_key=private_key,
    public_key_id=config["public_key_id"],
    base_url=config["coze_api_base"],
)


def home(_query):
    return Reply(200, page(TITLE, button("/token", "Get a token", "get-token")))


def token(_query):
    try:
        got = oauth.get_access_token(ttl=900)
    except Exception as e:  # shown on the page
        return Reply(200, page(TITLE, error_body(e)))
    body = (
        "<p id=\"result\"><strong>Token issued</strong></p>"
        + token_facts(got)
        + button("/token", "Get a new token", "new-token")
        + f"<p>Signed with the key {html.escape(config['public_key_id'])}.</p>"
    )
    return Reply(200, page(TITLE, body))


serve({("GET", "/"): home, ("POST", "/token"): token}, TITLE)
