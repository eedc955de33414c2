-- Invitations to join an organization: a member is added only when the invitee
-- accepts. An invitation names a user name, not an account, so inviting a name
-- that has no account looks and lists exactly like inviting one that has.

CREATE TABLE organization_invitations (
    id          INTEGER PRIMARY KEY,
    org_id      TEXT    NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_name   TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('super_admin', 'admin', 'member')),
    invited_by  INTEGER  NOT NULL,
    created_at  INTEGER  NOT NULL,
    expires_at  INTEGER  NOT NULL,
    UNIQUE (org_id, user_name)
);
CREATE INDEX organization_invitations_user_name ON organization_invitations(user_name);
