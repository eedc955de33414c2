-- Conversations (account-level resources of the OpenAPI), kept apart by their
-- owner (an account, or an app acting for itself in an edition) and by the
-- token's session_name ('' when the token has none).
CREATE TABLE conversations (
    id            INTEGER PRIMARY KEY,
    owner         TEXT    NOT NULL,
    session_name  TEXT    NOT NULL,
    bot_id        INTEGER,
    meta_data     TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX conversations_owner ON conversations(owner, session_name);

-- OpenAPI calls of tokens carrying device info, per app, device, consumer and
-- UTC day (days since 1970-01-01); '' where the token had no such value. No
-- foreign key: counts flushed after an app's deletion must not fail the batch.
CREATE TABLE device_usage (
    app_id           INTEGER NOT NULL,
    day              INTEGER NOT NULL,
    device_id        TEXT    NOT NULL,
    custom_consumer  TEXT    NOT NULL,
    calls            INTEGER NOT NULL,
    PRIMARY KEY (app_id, day, device_id, custom_consumer)
);

-- Calls per UTC day allowed to one device or one custom consumer of an app.
CREATE TABLE device_quotas (
    app_id          INTEGER NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    subject_kind    TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    calls_per_day   INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (app_id, subject_kind, subject)
);
