-- OAuth apps, their keys, authorizations and installations, and the OAuth grants'
-- codes and tokens. Secrets are stored only as SHA-256 hex digests.

CREATE TABLE oauth_apps (
    id                INTEGER PRIMARY KEY,
    client_id         TEXT    NOT NULL UNIQUE,
    name              TEXT    NOT NULL UNIQUE,
    description       TEXT    NOT NULL DEFAULT '',
    app_type          TEXT    NOT NULL CHECK (app_type IN ('normal', 'channel')),
    client_type       TEXT    NOT NULL CHECK (client_type IN ('web', 'pkce', 'device', 'service')),
    -- Owner: a person (org_id NULL) or an organization.
    owner_account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    org_id            TEXT    REFERENCES organizations(id) ON DELETE CASCADE,
    created_by        INTEGER NOT NULL,
    permissions       TEXT    NOT NULL,
    redirect_uris     TEXT    NOT NULL DEFAULT '',
    secret_hash       TEXT    NOT NULL DEFAULT '',
    secret_hint       TEXT    NOT NULL DEFAULT '',
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    connector_id      TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX oauth_apps_owner ON oauth_apps(owner_account_id);
CREATE INDEX oauth_apps_org ON oauth_apps(org_id);

CREATE TABLE oauth_app_keys (
    app_id       INTEGER NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    fingerprint  TEXT    NOT NULL,
    public_pem   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (app_id, fingerprint)
);

-- One authorization of an app: OBO (a user consented; account_id is the user) or
-- AppAuth (the app itself was authorized in a personal edition or organization).
-- 0 and '' stand for "none" so the uniqueness constraint holds.
CREATE TABLE oauth_grants (
    id              INTEGER PRIMARY KEY,
    app_id          INTEGER NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('obo', 'appauth')),
    account_id      INTEGER NOT NULL DEFAULT 0,
    org_id          TEXT    NOT NULL DEFAULT '',
    permissions     TEXT    NOT NULL,
    all_workspaces  BOOLEAN NOT NULL,
    workspace_ids   TEXT    NOT NULL DEFAULT '',
    created_by      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (app_id, kind, account_id, org_id)
);
CREATE INDEX oauth_grants_account ON oauth_grants(account_id);

CREATE TABLE oauth_installations (
    app_id        INTEGER NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    org_id        TEXT    NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    status        TEXT    NOT NULL CHECK (status IN ('requested', 'installed')),
    requested_by  INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (app_id, org_id)
);
CREATE INDEX oauth_installations_org ON oauth_installations(org_id);

CREATE TABLE oauth_codes (
    code_hash       TEXT    PRIMARY KEY,
    app_id          INTEGER NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    grant_id        INTEGER NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL,
    redirect_uri    TEXT    NOT NULL,
    code_challenge  TEXT,
    challenge_method TEXT,
    -- Tokens issued from this code share the family, so a replay can revoke them.
    family_id       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);

CREATE TABLE oauth_device_codes (
    device_code_hash  TEXT    PRIMARY KEY,
    user_code         TEXT    NOT NULL UNIQUE,
    app_id            INTEGER NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    workspace_id      INTEGER,
    status            TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
    grant_id          INTEGER REFERENCES oauth_grants(id) ON DELETE CASCADE,
    account_id        INTEGER,
    poll_interval     INTEGER NOT NULL,
    last_poll_at_ms      INTEGER,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    used_at           INTEGER
);

-- OAuth access tokens (czu_ acting for a user, czs_ the app as itself).
CREATE TABLE oauth_tokens (
    id               INTEGER PRIMARY KEY,
    token_hash       TEXT    NOT NULL UNIQUE,
    kind             TEXT    NOT NULL CHECK (kind IN ('czu', 'czs')),
    app_id           INTEGER NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    grant_id         INTEGER NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
    account_id       INTEGER,
    org_id           TEXT,
    permissions      TEXT    NOT NULL,
    all_workspaces   BOOLEAN NOT NULL,
    workspace_ids    TEXT    NOT NULL DEFAULT '',
    session_name     TEXT,
    device_id        TEXT,
    custom_consumer  TEXT,
    family_id        INTEGER,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);
CREATE INDEX oauth_tokens_family ON oauth_tokens(family_id);
CREATE INDEX oauth_tokens_grant ON oauth_tokens(grant_id);
CREATE INDEX oauth_tokens_app ON oauth_tokens(app_id);

CREATE TABLE oauth_refresh_tokens (
    token_hash  TEXT    PRIMARY KEY,
    family_id   INTEGER NOT NULL,
    app_id      INTEGER NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    grant_id    INTEGER NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX oauth_refresh_tokens_family ON oauth_refresh_tokens(family_id);

-- JWT ids already used, per app, until the JWT would have expired.
CREATE TABLE oauth_jtis (
    app_id      INTEGER NOT NULL,
    jti         TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (app_id, jti)
);
