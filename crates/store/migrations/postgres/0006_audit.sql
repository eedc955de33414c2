-- The audit log: one row per security event. Never a secret: ids, names and
-- kinds only (see buckle_core::audit::AuditKind for the kinds).
CREATE TABLE audit_events (
    -- Assigned in order, so pages of the log follow time (before_id).
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                  BIGINT  NOT NULL,
    kind                TEXT    NOT NULL,
    -- Who did it (NULL when unknown, e.g. a failed sign-in).
    actor_account_id    BIGINT,
    -- The credential it was done with, when a token (not a session) was used.
    via_token_id        BIGINT,
    -- Whose account the event concerns (the account signed in to, for example).
    subject_account_id  BIGINT,
    org_id              TEXT,
    -- What it was done to: a token id, an app's client id, ...
    target              TEXT    NOT NULL DEFAULT '',
    client_addr         TEXT,
    -- A JSON object with the event's non-secret details.
    detail              TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_actor ON audit_events(actor_account_id, id);
CREATE INDEX audit_events_subject ON audit_events(subject_account_id, id);
CREATE INDEX audit_events_org ON audit_events(org_id, id);
