-- Custom publish channels ("connectors"): owned by a person (org_id NULL) or an
-- organization, each bound to at most one channel-type app; the bots published to
-- them; and the bots a channel app's token was minted for.

CREATE TABLE channels (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    owner_account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    org_id            TEXT    REFERENCES organizations(id) ON DELETE CASCADE,
    -- UNIQUE: an app serves at most one channel.
    app_id            INTEGER UNIQUE REFERENCES oauth_apps(id) ON DELETE SET NULL,
    created_by        INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX channels_owner ON channels(owner_account_id);
CREATE INDEX channels_org ON channels(org_id);

CREATE TABLE channel_publications (
    channel_id    INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    bot_id        INTEGER NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
    published_by  INTEGER NOT NULL,
    published_at  INTEGER NOT NULL,
    PRIMARY KEY (channel_id, bot_id)
);
CREATE INDEX channel_publications_bot ON channel_publications(bot_id);

-- A channel app's token reaches only these bots (space-separated ids), and only
-- while each is still published to the channel. Tokens without a row have no
-- bots limit.
CREATE TABLE oauth_token_bots (
    token_id    INTEGER PRIMARY KEY REFERENCES oauth_tokens(id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL,
    bot_ids     TEXT    NOT NULL
);
