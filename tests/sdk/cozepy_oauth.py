#!/usr/bin/env python3
"""Run Buckle's OAuth flows through the real Coze Python SDK (cozepy 0.20.0).

Spawned by the Rust integration tests, which do the human part of each flow
(sign-in and consent on Buckle's pages, approving a device code) while this
script waits. The JavaScript twin is tests/sdk/js/oauth.mjs: same protocol.

    python tests/sdk/cozepy_oauth.py <flow>    flow: web | pkce | device | device_denied | jwt | jwt_bot | me

Environment:
  BUCKLE_BASE_URL       server base URL without trailing slash, e.g. http://127.0.0.1:41234
                        (cozepy also builds the authorize URL on it: for hosts other than
                        api.coze.com/api.coze.cn its "www" base is the base URL itself)
  BUCKLE_CLIENT_ID      OAuth app client id
  BUCKLE_CLIENT_SECRET  web flow only
  BUCKLE_REDIRECT_URI   web and pkce flows
  BUCKLE_PKCE_METHOD    pkce flow: "plain" or "S256" (default S256)
  BUCKLE_WORKSPACE_ID   optional: workspace-scoped authorize / device code paths
  BUCKLE_PRIVATE_KEY    jwt flow: PEM private key (PKCS#8 or PKCS#1)
  BUCKLE_KID            jwt flow: public key fingerprint, sent as the JWT "kid"
  BUCKLE_SESSION_NAME   jwt flow, optional: JWT "session_name" claim
  BUCKLE_ACCOUNT_ID     jwt flow, optional: /account/{id}/token. cozepy 0.20.0 cannot do
                        this: the flow prints {"step":"unsupported",...} and then done.
  BUCKLE_BOT_ID         jwt_bot flow: the bot the token is narrowed to (Scope.build_bot_chat)
  BUCKLE_OTHER_BOT_ID   jwt_bot flow: a bot the token must not reach
  BUCKLE_AUD            ignored: cozepy derives the JWT "aud" from BUCKLE_BASE_URL (host:port)
  BUCKLE_TOKEN          me flow: the bearer token to call /v1/users/me with
  BUCKLE_REFRESH_TOKEN  refresh flow: the refresh token of a PKCE app (BUCKLE_CLIENT_ID)
  BUCKLE_SDK_TIMEOUT    seconds per HTTP request (default 30)

Protocol: one JSON object per line on stdout, {"step": "<name>", ...}, flushed at
once; input, when a flow needs it, is one JSON object per line on stdin.

  web:    -> authorize_url {url}          <- {"code": "..."}
          -> token {access_token, refresh_token, expires_in, token_type}
          -> me {user_id, user_name, nick_name, avatar_url}
          -> refreshed {...token}         -> me2 {...user}
          -> reuse (refresh again with the first, already used refresh token: error expected)
          -> after_reuse (me with the refreshed access token: 4100 expected)
          -> done
  pkce:   -> authorize_url {url, code_verifier, code_challenge_method}  <- {"code": "..."}
          -> token -> me -> refreshed -> me2 -> done
  device: -> device_code {device_code, user_code, verification_uri, verification_url,
             expires_in, interval}
          -> pending (one non-polling request: error expected)
          -> slow (an immediate second one: slow_down expected)
          -> waiting                      <- {"go": true}
          -> token (poll=True) -> me -> refreshed -> done
  device_denied: as device up to waiting  <- {"go": true}
          -> denied (poll=True: access_denied expected) -> done
  jwt:    -> token {access_token, expires_in, token_type, refresh_token} -> me -> done
  jwt_bot: (a channel app) -> token, asked with Scope.build_bot_chat([BUCKLE_BOT_ID],
          ["Bot.read", "Connector.botChat"]) -> bot {bot_id, name} (GET /v1/bots/{id})
          -> other_bot (the same for BUCKLE_OTHER_BOT_ID: 4101 expected) -> done
  me:     -> me -> done
  refresh: -> refreshed {...token} (an error when refused) -> me (only after a token) -> done

A step whose SDK call raised the SDK's own error class prints, instead of its
success fields:
  {"step": s, "error_class": "CozeAPIError", "code": int|null, "error_code": null,
   "msg": str, "logid": str|null}
  {"step": s, "error_class": "CozePKCEAuthError", "code": null,
   "error_code": "authorization_pending"|"slow_down"|"access_denied"|"expired_token",
   "msg": "pkce auth error: <error_code>", "logid": str|null}
Where the flow expects an error (pending, slow, reuse, after_reuse, denied) or
either outcome (me, me2 and jwt's me) it goes on; where it needed a success
(authorize_url, token, refreshed, device_code) it stops there with exit status 2
and no "done". Anything else (a non-SDK exception, e.g. a pydantic validation
error on a malformed response, or EOF on stdin): traceback on stderr, exit 1.
"""

import json
import os
import secrets
import sys
import traceback
import warnings

# Exit status when a step that had to succeed got an SDK error (reported on stdout).
EXIT_STEP_FAILED = 2


class StepFailed(Exception):
    pass


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_input(expect_key):
    line = sys.stdin.readline()
    if not line:
        raise RuntimeError(f"stdin closed while waiting for {{{expect_key!r}: ...}}")
    msg = json.loads(line)
    if not isinstance(msg, dict) or expect_key not in msg:
        raise RuntimeError(f"expected a JSON object with {expect_key!r}, got {line!r}")
    return msg


def env(name, default=None):
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise RuntimeError(f"environment variable {name} is required")
        return default
    return value


def opt_env(name):
    value = os.environ.get(name)
    return value if value else None


# cozepy 0.20 imports authlib.jose, which prints a deprecation warning on
# stderr; authlib forces its own "always" filter on import, so add ours after
# importing it.
try:
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)
except ImportError:
    pass

from cozepy import (  # noqa: E402
    Coze,
    CozeAPIError,
    CozePKCEAuthError,
    DeviceOAuthApp,
    JWTOAuthApp,
    PKCEOAuthApp,
    Scope,
    SyncHTTPClient,
    TokenAuth,
    WebOAuthApp,
)
from cozepy.request import Requester  # noqa: E402


BASE_URL = None
TIMEOUT = 30.0


def error_fields(e):
    if isinstance(e, CozePKCEAuthError):
        return {
            "error_class": type(e).__name__,
            "code": None,
            "error_code": e.error.value,
            "msg": str(e),
            "logid": e.logid,
        }
    return {
        "error_class": type(e).__name__,
        "code": e.code,
        "error_code": None,
        "msg": e.msg,
        "logid": e.logid,
    }


def step(name, call, fields, required):
    """Run one SDK call; print its step line; return the result or None on an SDK error.

    required: True if the flow cannot go on without a success (exit 2 then).
    """
    try:
        result = call()
    except (CozeAPIError, CozePKCEAuthError) as e:
        emit({"step": name, **error_fields(e)})
        if required:
            raise StepFailed(name)
        return None
    emit({"step": name, **fields(result)})
    return result


def token_fields(t):
    return {
        "access_token": t.access_token,
        "refresh_token": t.refresh_token,
        "expires_in": t.expires_in,
        "token_type": t.token_type,
    }


def user_fields(u):
    return {
        "user_id": u.user_id,
        "user_name": u.user_name,
        "nick_name": u.nick_name,
        "avatar_url": u.avatar_url,
    }


def with_timeout(app):
    # The OAuth apps make their own Requester() whose httpx client waits up to
    # 600 s; give them one with the test's timeout (same defaults otherwise:
    # SyncHTTPClient is what Requester would build).
    app._requester = Requester(sync_client=SyncHTTPClient(timeout=TIMEOUT))
    return app


def me(name, token):
    coze = Coze(
        auth=TokenAuth(token),
        base_url=BASE_URL,
        http_client=SyncHTTPClient(timeout=TIMEOUT),
    )
    return step(name, lambda: coze.users.me(), user_fields, required=False)


def flow_web():
    app = with_timeout(
        WebOAuthApp(
            client_id=env("BUCKLE_CLIENT_ID"),
            client_secret=env("BUCKLE_CLIENT_SECRET"),
            base_url=BASE_URL,
        )
    )
    redirect_uri = env("BUCKLE_REDIRECT_URI")
    url = app.get_oauth_url(redirect_uri=redirect_uri, state="st-123", workspace_id=opt_env("BUCKLE_WORKSPACE_ID"))
    emit({"step": "authorize_url", "url": url})
    code = read_input("code")["code"]

    tok = step("token", lambda: app.get_access_token(redirect_uri=redirect_uri, code=code), token_fields, True)
    me("me", tok.access_token)
    new = step("refreshed", lambda: app.refresh_access_token(tok.refresh_token), token_fields, True)
    me("me2", new.access_token)
    step("reuse", lambda: app.refresh_access_token(tok.refresh_token), token_fields, False)
    me("after_reuse", new.access_token)


def flow_pkce():
    app = with_timeout(PKCEOAuthApp(client_id=env("BUCKLE_CLIENT_ID"), base_url=BASE_URL))
    redirect_uri = env("BUCKLE_REDIRECT_URI")
    method = env("BUCKLE_PKCE_METHOD", "S256")
    # cozepy takes the verifier from the caller; 43 characters of [A-Za-z0-9_-].
    verifier = secrets.token_urlsafe(32)
    url = app.get_oauth_url(
        redirect_uri=redirect_uri,
        code_verifier=verifier,
        code_challenge_method=method,
        state="st-123",
        workspace_id=opt_env("BUCKLE_WORKSPACE_ID"),
    )
    emit({"step": "authorize_url", "url": url, "code_verifier": verifier, "code_challenge_method": method})
    code = read_input("code")["code"]

    tok = step(
        "token",
        lambda: app.get_access_token(redirect_uri=redirect_uri, code=code, code_verifier=verifier),
        token_fields,
        True,
    )
    me("me", tok.access_token)
    new = step("refreshed", lambda: app.refresh_access_token(tok.refresh_token), token_fields, True)
    me("me2", new.access_token)


def flow_device(denied=False):
    app = with_timeout(DeviceOAuthApp(client_id=env("BUCKLE_CLIENT_ID"), base_url=BASE_URL))
    dc = step(
        "device_code",
        lambda: app.get_device_code(workspace_id=opt_env("BUCKLE_WORKSPACE_ID")),
        lambda d: {
            "device_code": d.device_code,
            "user_code": d.user_code,
            "verification_uri": d.verification_uri,
            "verification_url": d.verification_url,
            "expires_in": d.expires_in,
            "interval": d.interval,
        },
        True,
    )
    step("pending", lambda: app.get_access_token(dc.device_code, poll=False), token_fields, False)
    step("slow", lambda: app.get_access_token(dc.device_code, poll=False), token_fields, False)
    emit({"step": "waiting"})
    read_input("go")

    # poll=True: cozepy sleeps 5 s after authorization_pending, and after
    # slow_down adds 5 s to its delay (up to 30) and sleeps that; it never reads
    # the server's "interval". Any other error is raised.
    if denied:
        step("denied", lambda: app.get_access_token(dc.device_code, poll=True), token_fields, False)
        return
    tok = step("token", lambda: app.get_access_token(dc.device_code, poll=True), token_fields, True)
    me("me", tok.access_token)
    step("refreshed", lambda: app.refresh_access_token(tok.refresh_token), token_fields, True)


def flow_jwt():
    if opt_env("BUCKLE_ACCOUNT_ID"):
        emit(
            {
                "step": "unsupported",
                "reason": "cozepy 0.20.0 JWTOAuthApp.get_access_token(ttl, scope, session_name) "
                "has no account_id: it always posts to /api/permission/oauth2/token",
            }
        )
        return
    app = with_timeout(
        JWTOAuthApp(
            client_id=env("BUCKLE_CLIENT_ID"),
            private_key=env("BUCKLE_PRIVATE_KEY"),
            public_key_id=env("BUCKLE_KID"),
            base_url=BASE_URL,
        )
    )
    # Default ttl (900): body duration_seconds=900; the JWT itself is signed
    # with exp = iat + 3600 whatever the ttl.
    tok = step(
        "token",
        lambda: app.get_access_token(session_name=opt_env("BUCKLE_SESSION_NAME")),
        token_fields,
        True,
    )
    me("me", tok.access_token)


def flow_jwt_bot():
    app = with_timeout(
        JWTOAuthApp(
            client_id=env("BUCKLE_CLIENT_ID"),
            private_key=env("BUCKLE_PRIVATE_KEY"),
            public_key_id=env("BUCKLE_KID"),
            base_url=BASE_URL,
        )
    )
    bot_id = env("BUCKLE_BOT_ID")
    scope = Scope.build_bot_chat([bot_id], ["Bot.read", "Connector.botChat"])
    tok = step("token", lambda: app.get_access_token(scope=scope), token_fields, True)
    coze = Coze(
        auth=TokenAuth(tok.access_token),
        base_url=BASE_URL,
        http_client=SyncHTTPClient(timeout=TIMEOUT),
    )

    def bot_fields(b):
        return {"bot_id": b.bot_id, "name": b.name}

    step("bot", lambda: coze.bots.retrieve(bot_id=bot_id, use_api_version=2), bot_fields, True)
    other = env("BUCKLE_OTHER_BOT_ID")
    step("other_bot", lambda: coze.bots.retrieve(bot_id=other, use_api_version=2), bot_fields, False)


def flow_refresh():
    app = with_timeout(PKCEOAuthApp(client_id=env("BUCKLE_CLIENT_ID"), base_url=BASE_URL))
    new = step("refreshed", lambda: app.refresh_access_token(env("BUCKLE_REFRESH_TOKEN")), token_fields, False)
    if new is not None:
        me("me", new.access_token)


def flow_me():
    me("me", env("BUCKLE_TOKEN"))


FLOWS = {
    "web": flow_web,
    "pkce": flow_pkce,
    "device": flow_device,
    "device_denied": lambda: flow_device(denied=True),
    "jwt": flow_jwt,
    "jwt_bot": flow_jwt_bot,
    "me": flow_me,
    "refresh": flow_refresh,
}


def main():
    global BASE_URL, TIMEOUT
    if len(sys.argv) != 2 or sys.argv[1] not in FLOWS:
        sys.stderr.write(f"usage: {sys.argv[0]} {{{'|'.join(FLOWS)}}}\n")
        return 64
    BASE_URL = env("BUCKLE_BASE_URL")
    TIMEOUT = float(env("BUCKLE_SDK_TIMEOUT", "30"))
    try:
        FLOWS[sys.argv[1]]()
    except StepFailed:
        return EXIT_STEP_FAILED
    emit({"step": "done"})
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # noqa: BLE001 - report anything unexpected and fail
        traceback.print_exc()
        sys.exit(1)
