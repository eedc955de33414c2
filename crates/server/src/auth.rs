//! Bearer credentials on the OpenAPI: token -> stored credential (through the
//! in-process cache) -> expiry -> reach.

use crate::AppState;
use crate::credential_cache::{AccountProfile, Cached, Read, Stored};
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use buckle_core::reach::{BotFacts, Bots, Reach, Requirement, Subject, WorkspaceFacts, Workspaces};
use buckle_core::secret::{SecretHash, constant_time_eq};
use buckle_core::{
    AccountId, AppId, BotId, ChannelId, InstallStatus, OrgId, PermissionSet, TokenKind, WorkspaceId,
};
use std::sync::Arc;

/// How stale `last_used_at` may get before a call records use again (in memory:
/// `token_use.rs` writes it). Counted per cached token in this process.
const TOUCH_EVERY_SECS: i64 = 60;

/// A verified access token of any kind, reduced to what enforcement needs.
pub struct Credential {
    pub id: i64,
    pub kind: TokenKind,
    /// The person the token acts for (PATs, OBO tokens, personal AppAuth tokens).
    pub account_id: Option<AccountId>,
    /// The organization (edition) the token belongs to; `None` for the personal edition.
    pub org_id: Option<OrgId>,
    /// Who made a PAT or SAT.
    pub created_by: Option<AccountId>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    /// The credential cache's entry it was checked against: the reach, the
    /// OAuth context and the name are read from its view, built once.
    entry: Arc<Cached>,
}

/// What an OAuth token carries besides its reach.
#[derive(Debug)]
pub struct OAuthContext {
    pub app_id: AppId,
    /// The authorization (grant) the token was issued under.
    pub grant_id: i64,
    pub client_id: String,
    pub session_name: Option<String>,
    pub device_id: Option<String>,
    pub custom_consumer: Option<String>,
    /// A channel app's token: the channel its bots must still be published to.
    pub channel_id: Option<ChannelId>,
}

/// What a checked token carries that does not change while it is cached:
/// built once when the token enters the credential cache, so a call clones
/// reference counts, not names and lists.
#[derive(Debug)]
pub struct CredentialView {
    pub name: String,
    pub reach: Reach,
    pub oauth: Option<OAuthContext>,
    pub not_installed: bool,
}

impl CredentialView {
    /// `points`: what the token holds (for an OAuth token, within what its app asks for now).
    pub fn of(stored: &Stored, points: &PermissionSet) -> CredentialView {
        match stored {
            Stored::Access(row) => CredentialView {
                name: row.name.clone(),
                reach: reach(
                    // Only PATs and SATs are stored as access tokens.
                    if row.kind == TokenKind::Service {
                        Subject::Service
                    } else {
                        Subject::Person
                    },
                    points,
                    (row.all_workspaces, &row.workspace_ids),
                    row.org_id.as_ref(),
                    Bots::All,
                ),
                oauth: None,
                not_installed: false,
            },
            Stored::OAuth(found) => {
                let row = &found.record;
                // An OBO token of an organization that has not installed its app.
                let not_installed = row.kind == TokenKind::UserOauth
                    && row.org_id.as_ref().is_some_and(|org| {
                        found.app_org_id.as_ref() != Some(org)
                            && found.installation != Some(InstallStatus::Installed)
                    });
                CredentialView {
                    name: found.app_name.clone(),
                    reach: reach(
                        if row.account_id.is_some() {
                            Subject::Person
                        } else {
                            Subject::Service
                        },
                        points,
                        (row.all_workspaces, &row.workspace_ids),
                        row.org_id.as_ref(),
                        match &found.bots {
                            Some(b) => Bots::List(b.bot_ids.clone()),
                            None => Bots::All,
                        },
                    ),
                    oauth: Some(OAuthContext {
                        app_id: row.app_id,
                        grant_id: row.grant_id,
                        client_id: found.client_id.clone(),
                        session_name: row.session_name.clone(),
                        device_id: row.device_id.clone(),
                        custom_consumer: row.custom_consumer.clone(),
                        channel_id: found.bots.as_ref().map(|b| b.channel_id),
                    }),
                    not_installed,
                }
            }
        }
    }
}

/// A stored token's reach: `workspaces` as stored (all, or the listed ones).
fn reach(
    subject: Subject,
    points: &PermissionSet,
    workspaces: (bool, &[WorkspaceId]),
    org_id: Option<&OrgId>,
    bots: Bots,
) -> Reach {
    Reach {
        subject,
        points: points.clone(),
        workspaces: match workspaces {
            (true, _) => Workspaces::All,
            (false, ids) => Workspaces::List(ids.to_vec()),
        },
        organization: org_id.map(OrgId::to_string),
        bots,
    }
}

/// What a handler asks of the credential.
pub enum Need<'a> {
    /// Only the point: reading what the credential itself reaches.
    Credential(&'a str),
    /// The person's own account.
    Account(&'a str),
    /// A workspace, by id.
    Workspace(&'a str, WorkspaceId),
    /// The credential's organization.
    Organization(&'a str),
    /// A bot, by id, in its workspace.
    Bot(&'a str, BotId, WorkspaceId),
}

/// The bearer token of a request, if it sent one. Only `Bearer` counts.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl Credential {
    /// Looks a bearer string up. Every failure is the same 401/4100 family; the
    /// token itself never appears in a message or a log line.
    pub async fn verify(state: &AppState, token: &str) -> Result<Credential, ApiError> {
        let Some(kind) = TokenKind::of_access_token(token) else {
            return Err(reject("malformed", "The access token is invalid."));
        };
        let hash = SecretHash::of(token);
        let hash = hash.as_str();
        let now = state.clock.now();
        match kind {
            TokenKind::Personal | TokenKind::Service => {
                Self::verify_access_token(state, kind, hash, now).await
            }
            _ => Self::verify_oauth_token(state, kind, hash, now).await,
        }
    }

    async fn verify_access_token(
        state: &AppState,
        kind: TokenKind,
        hash: &str,
        now: i64,
    ) -> Result<Credential, ApiError> {
        let found = state
            .credentials
            .lookup(hash, async {
                let found = state.store.token_and_account_by_hash(hash).await?;
                Ok(found.map(|(token, account)| Read {
                    stored: Stored::Access(token),
                    profile: account,
                }))
            })
            .await?;
        let Some((cached, row)) = found.as_ref().and_then(|c| match &c.stored {
            Stored::Access(row) => Some((c, row)),
            Stored::OAuth(_) => None,
        }) else {
            return Err(reject(
                "unknown",
                "The access token is invalid or has been revoked.",
            ));
        };
        // The index lookup already matched; this re-check costs nothing and keeps the
        // comparison constant-time should the lookup ever become a scan.
        let kind_ok = kind == row.kind && matches!(kind, TokenKind::Personal | TokenKind::Service);
        if !constant_time_eq(hash, &row.token_hash) || !kind_ok {
            return Err(reject(
                "unknown",
                "The access token is invalid or has been revoked.",
            ));
        }
        if row.expires_at.is_some_and(|t| t <= now) {
            return Err(reject("expired", "The access token has expired."));
        }
        if cached.claim_touch(now, TOUCH_EVERY_SECS) {
            state.token_use.record(row.id, now);
        }
        Ok(Credential {
            id: row.id,
            kind,
            account_id: row.account_id,
            org_id: row.org_id.clone(),
            created_by: Some(row.created_by),
            created_at: row.created_at,
            expires_at: row.expires_at,
            entry: Arc::clone(cached),
        })
    }

    async fn verify_oauth_token(
        state: &AppState,
        kind: TokenKind,
        hash: &str,
        now: i64,
    ) -> Result<Credential, ApiError> {
        let cached = state
            .credentials
            .lookup(hash, async {
                let found = state.store.oauth_token_and_account_by_hash(hash).await?;
                Ok(found.map(|(token, account)| Read {
                    stored: Stored::OAuth(token),
                    profile: account,
                }))
            })
            .await?;
        let Some((entry, found)) = cached.as_ref().and_then(|c| match &c.stored {
            Stored::OAuth(found) => Some((c, found)),
            Stored::Access(_) => None,
        }) else {
            return Err(reject(
                "unknown",
                "The access token is invalid or has been revoked.",
            ));
        };
        let row = &found.record;
        let kind_ok =
            kind == row.kind && matches!(kind, TokenKind::UserOauth | TokenKind::AppOauth);
        if !constant_time_eq(hash, &row.token_hash) || !kind_ok {
            return Err(reject(
                "unknown",
                "The access token is invalid or has been revoked.",
            ));
        }
        if row.expires_at <= now {
            return Err(reject("expired", "The access token has expired."));
        }
        if !found.app_enabled {
            return Err(reject(
                "suspended",
                format!(
                    "app: {} is currently deactivated by the owner",
                    found.app_name
                ),
            ));
        }
        Ok(Credential {
            id: row.id,
            kind,
            account_id: row.account_id,
            org_id: row.org_id.clone(),
            created_by: None,
            created_at: row.created_at,
            expires_at: Some(row.expires_at),
            entry: Arc::clone(entry),
        })
    }

    /// The PAT/SAT's name, or the OAuth app's name.
    pub fn name(&self) -> &str {
        &self.entry.view.name
    }

    pub fn reach(&self) -> &Reach {
        &self.entry.view.reach
    }

    /// What an OAuth token carries besides its reach; `None` for a PAT or SAT.
    pub fn oauth(&self) -> Option<&OAuthContext> {
        self.entry.view.oauth.as_ref()
    }

    /// An OBO token of an organization whose app is not (or no longer) installed there.
    pub fn not_installed(&self) -> bool {
        self.entry.view.not_installed
    }

    /// The credential's points without the organization-level ones: what a
    /// person who is not (or no longer) an admin of the token's organization
    /// holds of them. Worked out once per cached token.
    pub fn points_below_organization(&self, catalog: &buckle_core::Catalog) -> PermissionSet {
        self.entry
            .points_below_organization
            .get_or_init(|| {
                PermissionSet::from_names(
                    self.reach()
                        .points
                        .iter()
                        .filter(|p| {
                            catalog
                                .get(p)
                                .is_none_or(|c| c.level != buckle_core::Level::Organization)
                        })
                        .map(str::to_string)
                        .collect(),
                )
            })
            .clone()
    }

    /// The profile of account `id` (`None`: the account went mid-call). The
    /// profile of the account the token acts for is kept with the checked
    /// token, so a busy token's calls read it without a second cache lookup;
    /// another account (one whose personal resources an organization credential
    /// may reach) is read through the cache.
    pub async fn account_profile(
        &self,
        state: &AppState,
        id: AccountId,
    ) -> Result<Option<Arc<AccountProfile>>, ApiError> {
        let own = self.account_id == Some(id);
        if let Some(profile) = self.entry.profile.get().filter(|_| own) {
            return Ok(Some(Arc::clone(profile)));
        }
        let profile = state.credentials.profile(&state.store, id).await?;
        if let (true, Some(p)) = (own, &profile) {
            let _ = self.entry.profile.set(Arc::clone(p));
        }
        Ok(profile)
    }

    /// Decides a call with the memberships the credential cache holds (every
    /// change to them is forgotten there at once). Workspaces that do not exist
    /// are 404/4200.
    pub async fn require(&self, state: &AppState, need: Need<'_>) -> Result<(), ApiError> {
        if self.not_installed() {
            return Err(ApiError::forbidden(
                "The app is not installed in this team/enterprise; ask an admin to install it.",
            ));
        }
        let decision = match need {
            Need::Credential(point) => self.reach().decide(&Requirement::Credential { point }),
            Need::Account(point) => self.reach().decide(&Requirement::Account { point }),
            Need::Workspace(point, id) => {
                if !self.reach().points.contains(point) {
                    // Skip the database when the point alone already decides.
                    return Err(buckle_core::Denial::MissingPoint(point.to_string()).into());
                }
                // No account (a service token) is a member of nothing: no account has id 0.
                let person = self.account_id.unwrap_or(AccountId(0));
                let Some(access) = state
                    .credentials
                    .workspace_access(&state.store, id, person)
                    .await?
                else {
                    return Err(ApiError::not_found("Workspace not found."));
                };
                self.reach().decide(&Requirement::Workspace {
                    point,
                    workspace: WorkspaceFacts {
                        id,
                        organization: access.org_id.as_ref().map(OrgId::to_string),
                        subject_is_member: access.is_member,
                    },
                })
            }
            Need::Bot(point, bot, workspace) => {
                self.decide_bot(state, point, bot, workspace).await?
            }
            Need::Organization(point) => {
                let role = match (&self.org_id, self.account_id) {
                    (Some(org), Some(person)) if self.reach().points.contains(point) => {
                        state.credentials.role(&state.store, org, person).await?
                    }
                    _ => None,
                };
                self.reach().decide(&Requirement::Organization {
                    point,
                    subject_role: role,
                })
            }
        };
        decision.map_err(|d| {
            metrics::counter!("buckle_openapi_denials_total").increment(1);
            d.told_to(self.kind).into()
        })
    }
}

impl Credential {
    /// A bot's facts, read now: its workspace, and for a channel token whether
    /// the bot is still published to the token's channel (so unpublishing takes
    /// effect at the next call, cached token or not).
    async fn decide_bot(
        &self,
        state: &AppState,
        point: &str,
        bot: BotId,
        workspace: WorkspaceId,
    ) -> Result<Result<(), buckle_core::Denial>, ApiError> {
        if !self.reach().points.contains(point) {
            return Ok(Err(buckle_core::Denial::MissingPoint(point.to_string())));
        }
        let person = self.account_id.unwrap_or(AccountId(0));
        let Some((ws, is_member)) = state.store.workspace_for(workspace, person).await? else {
            return Err(ApiError::not_found("Workspace not found."));
        };
        let still_published = match (&self.reach().bots, self.oauth()) {
            (
                Bots::List(ids),
                Some(OAuthContext {
                    app_id,
                    channel_id: Some(channel),
                    ..
                }),
            ) if ids.contains(&bot) => state.store.is_published(*channel, *app_id, bot).await?,
            // A list without its channel cannot be checked: refuse.
            (Bots::List(_), _) => false,
            (Bots::All, _) => true,
        };
        Ok(self.reach().decide(&Requirement::Bot {
            point,
            bot: BotFacts {
                id: bot,
                workspace: WorkspaceFacts {
                    id: ws.id,
                    organization: ws.org_id.map(OrgId::into_string),
                    subject_is_member: is_member,
                },
                still_published,
            },
        }))
    }
}

impl Credential {
    /// The person whose own personal account-level resources (conversations)
    /// this credential reaches: its person in the personal edition; in an
    /// organization, only a PAT or an AppAuth authorization an admin let reach
    /// theirs, while that person is still an admin there (never an OBO token
    /// or a service access token). Read at each call that needs it, so that
    /// turning the switch off, or losing the role, takes effect at once on every node.
    pub async fn personal_account(&self, state: &AppState) -> Result<Option<AccountId>, ApiError> {
        let Some(org) = &self.org_id else {
            return Ok(self.account_id);
        };
        let holder = match (self.kind, self.oauth()) {
            (TokenKind::Personal, _) => buckle_store::AccessHolder::Token(self.id),
            (TokenKind::AppOauth, Some(o)) if self.account_id.is_none() => {
                buckle_store::AccessHolder::Grant(o.grant_id)
            }
            _ => return Ok(None),
        };
        let Some(admin) = state.store.personal_access(holder).await? else {
            return Ok(None);
        };
        // A PAT reaches only its own person's resources.
        if self.kind == TokenKind::Personal && self.account_id != Some(admin) {
            return Ok(None);
        }
        let still_admin = state
            .credentials
            .role(&state.store, org, admin)
            .await?
            .is_some_and(buckle_core::Role::is_admin);
        Ok(still_admin.then_some(admin))
    }

    /// The account whose profile `users.me` shows: the token's person, or the
    /// admin an organization's AppAuth authorization acts for on account-level
    /// points. `Need::Account` must have been checked with
    /// [`require_account`](Self::require_account).
    pub async fn require_account(
        &self,
        state: &AppState,
        point: &str,
    ) -> Result<AccountId, ApiError> {
        match self.require(state, Need::Account(point)).await {
            Ok(()) => self.account_id.ok_or_else(ApiError::internal),
            Err(refused) => {
                // An organization's app acting as itself has no account of its
                // own, unless an admin let it reach theirs.
                if self.kind == TokenKind::AppOauth
                    && self.account_id.is_none()
                    && self.reach().points.contains(point)
                    && let Some(admin) = self.personal_account(state).await?
                {
                    return Ok(admin);
                }
                Err(refused)
            }
        }
    }
}

fn reject(reason: &'static str, msg: impl Into<std::borrow::Cow<'static, str>>) -> ApiError {
    crate::metrics::auth_failure(reason);
    ApiError::unauthenticated(msg)
}

impl FromRequestParts<AppState> for Credential {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = bearer(parts) else {
            return Err(reject(
                "missing",
                "Authentication is required: send Authorization: Bearer <access token>.",
            ));
        };
        let cred = Credential::verify(state, token).await?;
        if let Some(o) = cred.oauth() {
            state
                .device_usage
                .count(
                    &state.store,
                    cred.org_id.as_ref(),
                    o.app_id,
                    o.device_id.as_deref(),
                    o.custom_consumer.as_deref(),
                    state.clock.now(),
                )
                .await?;
        }
        Ok(cred)
    }
}
