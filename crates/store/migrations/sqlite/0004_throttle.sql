-- Throttling counters shared by every Buckle process on this database, and the
-- devices that signed in before (their cookie stored only as a SHA-256 digest).

-- Failures counted per key. `key_hash` is a SHA-256 digest of what is counted (a user
-- name, a client address, a device, an account), or '*' for the scope's shared
-- overflow counter that keys count on once the scope holds its capacity.
CREATE TABLE throttle_counters (
    scope            TEXT    NOT NULL,
    key_hash         TEXT    NOT NULL,
    failures         INTEGER NOT NULL,
    last_failure_at  INTEGER NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX throttle_counters_last_failure ON throttle_counters(last_failure_at);

CREATE TABLE known_devices (
    token_hash  TEXT    PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX known_devices_expiry ON known_devices(expires_at);
