//! Personal and service access tokens (`pat_`, `sat_`), stored as hashes.

use crate::accounts::joined_account_columns;
use crate::typed;
use crate::{AccountProfile, Pool, Result, Store, StoreError, encode_ids, with_pool, with_writer};
use buckle_core::{AccountId, OrgId, TokenKind, WorkspaceId};

/// How an access token's kind is stored; only `pat` and `sat` are access tokens.
fn stored_kind(kind: TokenKind) -> Result<&'static str> {
    match kind {
        TokenKind::Personal | TokenKind::Service => kind.stored().ok_or(StoreError::InvalidInput),
        _ => Err(StoreError::InvalidInput),
    }
}

/// A stored access token: everything but the secret, of which only the hash is kept.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub id: i64,
    /// `Personal` (`pat`) or `Service` (`sat`); any other kind is refused.
    pub kind: TokenKind,
    pub token_hash: String,
    pub hint: String,
    pub name: String,
    pub account_id: Option<AccountId>,
    pub org_id: Option<OrgId>,
    pub created_by: AccountId,
    pub permissions: String,
    pub all_workspaces: bool,
    pub workspace_ids: Vec<WorkspaceId>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccessTokenRow {
    id: i64,
    kind: String,
    token_hash: String,
    hint: String,
    name: String,
    account_id: Option<i64>,
    org_id: Option<String>,
    created_by: i64,
    permissions: String,
    all_workspaces: bool,
    workspace_ids: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
}

crate::lite::lite_row!(AccessTokenRow {
    id,
    kind,
    token_hash,
    hint,
    name,
    account_id,
    org_id,
    created_by,
    permissions,
    all_workspaces,
    workspace_ids,
    created_at,
    expires_at,
    last_used_at
});

impl crate::batched::BySecret for AccessTokenRow {
    fn secret_hash(&self) -> &str {
        &self.token_hash
    }
}

/// Tokens with the accounts they act for; the reads below add which.
macro_rules! token_and_account {
    () => {
        concat!(
            "SELECT t.id, t.kind, t.token_hash, t.hint, t.name, t.account_id, t.org_id, t.created_by, t.permissions, t.all_workspaces, t.workspace_ids, t.created_at, t.expires_at, t.last_used_at, ",
            joined_account_columns!(),
            " FROM access_tokens t LEFT JOIN accounts ac ON ac.id = t.account_id"
        )
    };
}

/// One of them by its hash (`$1`), on SQLite.
const READ_ONE: &str = concat!(token_and_account!(), " WHERE t.token_hash = $1");

/// Many tokens with their accounts by their hashes (`$1`), for a batch of
/// token checks on PostgreSQL (`batched.rs`).
pub(crate) const READ_ALL: &str = concat!(
    "SELECT asked.n, x.* FROM unnest($1::text[]) WITH ORDINALITY AS asked(hash, n) CROSS JOIN LATERAL (",
    token_and_account!(),
    " WHERE t.token_hash = asked.hash) x"
);

impl TryFrom<AccessTokenRow> for AccessToken {
    type Error = StoreError;
    fn try_from(r: AccessTokenRow) -> Result<AccessToken> {
        let kind = typed::read("access_tokens", "kind", &r.kind, |s| {
            TokenKind::from_stored(s)
                .ok()
                .filter(|k| matches!(k, TokenKind::Personal | TokenKind::Service))
        })?;
        Ok(AccessToken {
            id: r.id,
            kind,
            token_hash: r.token_hash,
            hint: r.hint,
            name: r.name,
            account_id: r.account_id.map(AccountId),
            org_id: r
                .org_id
                .map(|o| typed::org_id("access_tokens", "org_id", &o))
                .transpose()?,
            created_by: AccountId(r.created_by),
            permissions: r.permissions,
            all_workspaces: r.all_workspaces,
            workspace_ids: typed::id_list("access_tokens", "workspace_ids", &r.workspace_ids)?,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
        })
    }
}

pub type NewAccessToken = AccessToken;

/// Editable fields of a token; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TokenChanges {
    pub name: Option<String>,
    pub permissions: Option<String>,
    /// `(all_workspaces, workspace_ids)`.
    pub workspaces: Option<(bool, Vec<WorkspaceId>)>,
}

macro_rules! columns {
    () => {
        "id, kind, token_hash, hint, name, account_id, org_id, created_by, permissions, all_workspaces, workspace_ids, created_at, expires_at, last_used_at"
    };
}

impl Store {
    pub async fn insert_token(&self, t: &NewAccessToken) -> Result<()> {
        crate::text::storable(&[&t.name, &t.permissions])?;
        let ids = encode_ids(&t.workspace_ids);
        let kind = stored_kind(t.kind)?;
        with_writer!(self, |p| {
            sqlx::query(
            "INSERT INTO access_tokens (id, kind, token_hash, hint, name, account_id, org_id, created_by, permissions, all_workspaces, workspace_ids, created_at, expires_at, last_used_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL)"
        )
        .bind(t.id)
        .bind(kind)
        .bind(&t.token_hash)
        .bind(&t.hint)
        .bind(&t.name)
        .bind(t.account_id.map(AccountId::get))
        .bind(t.org_id.as_ref().map(OrgId::as_str))
        .bind(t.created_by.get())
        .bind(&t.permissions)
        .bind(t.all_workspaces)
        .bind(&ids)
        .bind(t.created_at)
        .bind(t.expires_at)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<AccessToken>> {
        Ok(self
            .token_and_account_by_hash(token_hash)
            .await?
            .map(|(token, _)| token))
    }

    /// The hot path: one indexed read by the secret's hash, with the account
    /// the token acts for (a PAT's person; `None` for a SAT), which `users.me`
    /// shows. On PostgreSQL, batched with the other token checks waiting.
    pub async fn token_and_account_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<(AccessToken, Option<AccountProfile>)>> {
        let found = self
            .by_secret(|b| &b.access_token_reads, READ_ONE, token_hash)
            .await?;
        found
            .map(|f| {
                let (row, account) = f.split()?;
                Ok((AccessToken::try_from(row)?, account))
            })
            .transpose()
    }

    pub async fn token_by_id(&self, id: i64) -> Result<Option<AccessToken>> {
        let q = concat!("SELECT ", columns!(), " FROM access_tokens WHERE id = $1");
        let row = with_pool!(self, |p| sqlx::query_as::<_, AccessTokenRow>(q)
            .bind(id)
            .fetch_optional(p)
            .await)?;
        typed::one(row)
    }

    /// A person's personal access tokens in one edition (`None`: personal edition).
    pub async fn personal_tokens_of(
        &self,
        account_id: AccountId,
        org_id: Option<&OrgId>,
    ) -> Result<Vec<AccessToken>> {
        let q = concat!("SELECT ", columns!(), " FROM access_tokens
             WHERE kind = 'pat' AND account_id = $1 AND ((org_id IS NULL AND $2 IS NULL) OR org_id = $2)
             ORDER BY created_at DESC, id");
        let rows = with_pool!(self, |p| sqlx::query_as::<_, AccessTokenRow>(q)
            .bind(account_id.get())
            .bind(org_id.map(OrgId::as_str))
            .fetch_all(p)
            .await)?;
        typed::all(rows)
    }

    pub async fn service_tokens_of(&self, org_id: &OrgId) -> Result<Vec<AccessToken>> {
        let q = concat!(
            "SELECT ",
            columns!(),
            " FROM access_tokens WHERE kind = 'sat' AND org_id = $1 ORDER BY created_at DESC, id"
        );
        let rows = with_pool!(self, |p| sqlx::query_as::<_, AccessTokenRow>(q)
            .bind(org_id.as_str())
            .fetch_all(p)
            .await)?;
        typed::all(rows)
    }

    pub async fn update_token(&self, id: i64, c: &TokenChanges) -> Result<bool> {
        crate::text::storable(&[
            c.name.as_deref().unwrap_or_default(),
            c.permissions.as_deref().unwrap_or_default(),
        ])?;
        let (set_ws, all, ids) = match &c.workspaces {
            Some((all, ids)) => (true, *all, encode_ids(ids)),
            None => (false, false, String::new()),
        };
        let n = with_writer!(self, |p| sqlx::query(
            "UPDATE access_tokens SET
                name = COALESCE($1, name),
                permissions = COALESCE($2, permissions),
                all_workspaces = CASE WHEN $3 THEN $4 ELSE all_workspaces END,
                workspace_ids = CASE WHEN $3 THEN $5 ELSE workspace_ids END
             WHERE id = $6"
        )
        .bind(&c.name)
        .bind(&c.permissions)
        .bind(set_ws)
        .bind(all)
        .bind(&ids)
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn delete_token(&self, id: i64) -> Result<bool> {
        let n = with_writer!(self, |p| sqlx::query(
            "DELETE FROM access_tokens WHERE id = $1"
        )
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records use. Callers throttle this so the hot path is mostly read-only.
    /// Records when tokens were last used, `(id, at)` each, in one statement on
    /// PostgreSQL and one transaction on SQLite. A later use already recorded
    /// (by another process) is kept; a token deleted meanwhile is skipped.
    pub async fn touch_tokens(&self, uses: &[(i64, i64)]) -> Result<()> {
        const TOUCH: &str = "UPDATE access_tokens SET last_used_at = $1
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)";
        if uses.is_empty() {
            return Ok(());
        }
        if let Some(lite) = &self.lite {
            let uses = uses.to_vec();
            return lite
                .write(move |c| {
                    for (id, at) in &uses {
                        crate::lite::execute(c, TOUCH, &[at, id])?;
                    }
                    Ok(())
                })
                .await;
        }
        match &self.pool {
            Pool::Postgres(p) => {
                let (ids, ats): (Vec<i64>, Vec<i64>) = uses.iter().copied().unzip();
                sqlx::query(
                    "UPDATE access_tokens t SET last_used_at = u.at
                     FROM unnest($1::bigint[], $2::bigint[]) AS u(id, at)
                     WHERE t.id = u.id AND (t.last_used_at IS NULL OR t.last_used_at < u.at)",
                )
                .bind(ids)
                .bind(ats)
                .execute(p)
                .await?;
            }
            // SQLite without a file (tests): one write each.
            Pool::Sqlite { .. } => {
                for (id, at) in uses {
                    with_writer!(self, |p| sqlx::query(TOUCH)
                        .bind(at)
                        .bind(id)
                        .execute(p)
                        .await
                        .map(|_| ()))?;
                }
            }
        }
        Ok(())
    }
}
