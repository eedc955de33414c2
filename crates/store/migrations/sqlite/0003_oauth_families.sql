-- One row per token family: the tokens one authorization code (or one device code)
-- led to, through every refresh. Issuing into a family and revoking it both write
-- this row first, inside their transaction, so they serialize per family (a row
-- lock on PostgreSQL, the single writer on SQLite): a revocation waits for an
-- issuance in progress and then deletes its tokens too, and once revoked_at is set
-- the family never gets a token again.
CREATE TABLE oauth_families (
    family_id   INTEGER PRIMARY KEY,
    revoked_at  INTEGER
);

-- The purge drops families nothing refers to any more.
CREATE INDEX oauth_codes_family ON oauth_codes(family_id);
