-- Organization credentials an admin let reach their own personal account-level
-- resources (conversations): one of their organization PATs, or an app's AppAuth
-- authorization in the organization. Exactly one of token_id and grant_id is set
-- (the store writes no other rows); the row goes with its credential.
CREATE TABLE personal_account_access (
    token_id    INTEGER UNIQUE REFERENCES access_tokens(id) ON DELETE CASCADE,
    grant_id    INTEGER UNIQUE REFERENCES oauth_grants(id) ON DELETE CASCADE,
    -- The admin whose personal account-level resources the credential reaches.
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX personal_account_access_account ON personal_account_access(account_id);
