-- Tenancy, personal/service access tokens, console sessions, bots.
-- Ids are random 63-bit integers made by the application; times are Unix seconds.

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    user_name       TEXT    NOT NULL UNIQUE,
    nick_name       TEXT    NOT NULL,
    avatar_url      TEXT    NOT NULL DEFAULT '',
    password_hash   TEXT    NOT NULL DEFAULT '',
    is_super_admin  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      INTEGER NOT NULL
);

CREATE TABLE organizations (
    id              TEXT    PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('team', 'enterprise')),
    name            TEXT    NOT NULL,
    -- Longest personal-access-token lifetime members may choose; NULL allows permanent tokens.
    token_max_days  INTEGER,
    created_at      INTEGER NOT NULL
);

CREATE TABLE organization_members (
    org_id      TEXT    NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('super_admin', 'admin', 'member')),
    joined_at   INTEGER NOT NULL,
    PRIMARY KEY (org_id, account_id)
);
CREATE INDEX organization_members_account ON organization_members(account_id);

CREATE TABLE workspaces (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    org_id            TEXT    REFERENCES organizations(id) ON DELETE CASCADE,
    owner_account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at        INTEGER NOT NULL
);
CREATE INDEX workspaces_org ON workspaces(org_id);

CREATE TABLE workspace_members (
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at     INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, account_id)
);
CREATE INDEX workspace_members_account ON workspace_members(account_id);

CREATE TABLE access_tokens (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('pat', 'sat')),
    token_hash      TEXT    NOT NULL UNIQUE,
    hint            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    -- The person a PAT acts for; NULL for a service access token.
    account_id      INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    -- The organization the token was made in; NULL for the personal edition.
    org_id          TEXT    REFERENCES organizations(id) ON DELETE CASCADE,
    created_by      INTEGER NOT NULL,
    permissions     TEXT    NOT NULL,
    all_workspaces  BOOLEAN NOT NULL,
    workspace_ids   TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,
    last_used_at    INTEGER
);
CREATE INDEX access_tokens_account ON access_tokens(account_id);
CREATE INDEX access_tokens_org ON access_tokens(org_id);

CREATE TABLE console_sessions (
    token_hash  TEXT    PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX console_sessions_account ON console_sessions(account_id);

CREATE TABLE bots (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX bots_workspace ON bots(workspace_id, created_at);
