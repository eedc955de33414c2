#!/usr/bin/env python3
"""Call Buckle's OpenAPI through the real Coze Python SDK (cozepy).

Used by the Rust integration tests to check that an unmodified third-party
client can talk to Buckle.

Environment:
  BUCKLE_BASE_URL   base URL of the running server, e.g. http://127.0.0.1:8080
  BUCKLE_TOKEN      bearer token (sent by cozepy as "Authorization: Bearer <token>")
  BUCKLE_SDK_TIMEOUT  optional, seconds per HTTP request (default 30)
  BUCKLE_SDK_CALL   "users.me" (default) or "workspaces.list"

Output: exactly one line of JSON on stdout.
  success:          users.me: {"ok": true, "user_id": ..., "user_name": ..., "nick_name": ..., "avatar_url": ...}
                    workspaces.list: {"ok": true, "workspaces": [{"id", "name", "role_type", "workspace_type", "enterprise_id"}, ...]}
  CozeAPIError:     {"ok": false, "error_class": "CozeAPIError", "code": <int|null>, "msg": "...", "logid": <str|null>}
                    (exit status 0)
  anything else:    traceback on stderr, exit status 1
"""

import json
import os
import sys
import traceback
import warnings


def main() -> int:
    base_url = os.environ["BUCKLE_BASE_URL"]
    token = os.environ["BUCKLE_TOKEN"]
    timeout = float(os.environ.get("BUCKLE_SDK_TIMEOUT", "30"))

    # cozepy 0.20 imports authlib.jose, which prints a deprecation warning on
    # stderr; authlib forces its own "always" filter on import, so add ours
    # after importing it.
    try:
        from authlib.deprecate import AuthlibDeprecationWarning

        warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)
    except ImportError:
        pass
    from cozepy import Coze, CozeAPIError, SyncHTTPClient, TokenAuth

    # cozepy's default timeout is 600 s; keep a hung server from hanging a test.
    coze = Coze(
        auth=TokenAuth(token),
        base_url=base_url,
        http_client=SyncHTTPClient(timeout=timeout),
    )

    call = os.environ.get("BUCKLE_SDK_CALL", "users.me")
    try:
        if call == "workspaces.list":
            # Iterating the pager makes cozepy fetch every page it believes exists.
            items = [
                {
                    "id": w.id,
                    "name": w.name,
                    "role_type": str(w.role_type.value if hasattr(w.role_type, "value") else w.role_type),
                    "workspace_type": str(
                        w.workspace_type.value if hasattr(w.workspace_type, "value") else w.workspace_type
                    ),
                    "enterprise_id": w.enterprise_id,
                }
                for w in coze.workspaces.list(page_size=2)
            ]
            user = None
        else:
            user = coze.users.me()
    except CozeAPIError as e:
        out = {
            "ok": False,
            "error_class": type(e).__name__,
            "code": e.code,
            "msg": e.msg,
            "logid": e.logid,
        }
    else:
        if user is None:
            out = {"ok": True, "workspaces": items}
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
            return 0
        out = {
            "ok": True,
            "user_id": user.user_id,
            "user_name": user.user_name,
            "nick_name": user.nick_name,
            "avatar_url": user.avatar_url,
        }

    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # noqa: BLE001 - report anything unexpected and fail
        traceback.print_exc()
        sys.exit(1)
