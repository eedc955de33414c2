#!/usr/bin/env python3
"""A cozepy client that follows the Coze migration guide: it holds several
credentials (a personal one first, then an organization's) and, on 4100/4101,
falls back on the next one.

Used by the Rust integration tests (tests/it/sdk.rs) to show that such a client
keeps succeeding before, during and after a workspace moves into a team.

Environment:
  BUCKLE_BASE_URL       base URL of the running server
  BUCKLE_TOKENS         the credentials, comma-separated, in the order tried
  BUCKLE_WORKSPACE      the workspace whose bots are listed
  BUCKLE_CONVERSATION   a conversation (account level) to retrieve
  BUCKLE_SDK_TIMEOUT    optional, seconds per HTTP request (default 30)

Protocol: for each line "call" on stdin, one round (the workspace's bots, then
the conversation, each through the fallback chain), answered with one line of
JSON on stdout:
  {"ok": true, "bots_by": <index of the credential that served>, "bot_names": [...],
   "conversation_by": <index>}
  {"ok": false, "what": "bots"|"conversation", "codes": [<code per credential tried>]}
Anything but a CozeAPIError is a traceback on stderr and exit status 1.
"""

import json
import os
import sys
import warnings

# The codes after which the migration guide says to try the next credential.
FALL_BACK_ON = (4100, 4101)


def main() -> int:
    try:
        from authlib.deprecate import AuthlibDeprecationWarning

        warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)
    except ImportError:
        pass
    from cozepy import Coze, CozeAPIError, SyncHTTPClient, TokenAuth

    base_url = os.environ["BUCKLE_BASE_URL"]
    timeout = float(os.environ.get("BUCKLE_SDK_TIMEOUT", "30"))
    workspace = os.environ["BUCKLE_WORKSPACE"]
    conversation = os.environ["BUCKLE_CONVERSATION"]
    clients = [
        Coze(auth=TokenAuth(t), base_url=base_url, http_client=SyncHTTPClient(timeout=timeout))
        for t in os.environ["BUCKLE_TOKENS"].split(",")
    ]

    def first_that_serves(call):
        codes = []
        for i, coze in enumerate(clients):
            try:
                return i, call(coze), codes
            except CozeAPIError as e:
                codes.append(e.code)
                if e.code not in FALL_BACK_ON:
                    break
        return None, None, codes

    for line in sys.stdin:
        if line.strip() != "call":
            continue
        by, bots, codes = first_that_serves(
            lambda c: [b.name for b in c.bots.list(space_id=workspace, use_api_version=2)]
        )
        if by is None:
            out = {"ok": False, "what": "bots", "codes": codes}
        else:
            c_by, _, c_codes = first_that_serves(
                lambda c: c.conversations.retrieve(conversation_id=conversation)
            )
            if c_by is None:
                out = {"ok": False, "what": "conversation", "codes": c_codes}
            else:
                out = {"ok": True, "bots_by": by, "bot_names": sorted(bots), "conversation_by": c_by}
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
