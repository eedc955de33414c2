//! Bearer credentials on the OpenAPI: token -> stored credential -> expiry -> reach.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use buckle_core::reach::{Reach, Requirement, Role, Subject, WorkspaceFacts, Workspaces};
use buckle_core::secret::{constant_time_eq, hash_secret};
use buckle_core::{PermissionSet, TokenKind};
use buckle_store::{AccessToken, TokenKindDb};

/// How stale `last_used_at` may get before a call records use again; keeps the
/// hot path read-only for busy tokens.
const TOUCH_EVERY_SECS: i64 = 60;

/// A verified access token.
pub struct Credential {
    pub token: AccessToken,
    pub reach: Reach,
}

/// What a handler asks of the credential.
pub enum Need<'a> {
    /// Only the point: reading what the credential itself reaches.
    Credential(&'a str),
    /// The person's own account.
    Account(&'a str),
    /// A workspace, by id.
    Workspace(&'a str, i64),
    /// The credential's organization.
    Organization(&'a str),
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
        let hash = hash_secret(token);
        let Some(row) = state.store.token_by_hash(&hash).await? else {
            return Err(reject(
                "unknown",
                "The access token is invalid or has been revoked.",
            ));
        };
        // The index lookup already matched; this re-check costs nothing and keeps the
        // comparison constant-time should the lookup ever become a scan.
        let kind_ok = matches!(
            (kind, row.kind),
            (TokenKind::Personal, TokenKindDb::Personal)
                | (TokenKind::Service, TokenKindDb::Service)
        );
        if !constant_time_eq(&hash, &row.token_hash) || !kind_ok {
            return Err(reject(
                "unknown",
                "The access token is invalid or has been revoked.",
            ));
        }
        let now = buckle_core::now_unix();
        if row.expires_at.is_some_and(|t| t <= now) {
            return Err(reject("expired", "The access token has expired."));
        }
        if row.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY_SECS) {
            let store = state.store.clone();
            let id = row.id;
            tokio::spawn(async move {
                if let Err(e) = store.touch_token(id, now).await {
                    tracing::warn!(error = %e, "could not record token use");
                }
            });
        }
        let reach = Reach {
            subject: match row.kind {
                TokenKindDb::Personal => Subject::Person,
                TokenKindDb::Service => Subject::Service,
            },
            points: PermissionSet::decode(&row.permissions),
            workspaces: if row.all_workspaces {
                Workspaces::All
            } else {
                Workspaces::List(row.workspace_ids.clone())
            },
            organization: row.org_id.clone(),
        };
        Ok(Credential { token: row, reach })
    }

    /// Decides a call with facts read now. Workspaces that do not exist are 404/4200.
    pub async fn require(&self, state: &AppState, need: Need<'_>) -> Result<(), ApiError> {
        let decision = match need {
            Need::Credential(point) => self.reach.decide(&Requirement::Credential { point }),
            Need::Account(point) => self.reach.decide(&Requirement::Account { point }),
            Need::Workspace(point, id) => {
                if !self.reach.points.contains(point) {
                    // Skip the database when the point alone already decides.
                    return Err(buckle_core::Denial::MissingPoint(point.to_string()).into());
                }
                let person = self.token.account_id.unwrap_or(0);
                let Some((ws, is_member)) = state.store.workspace_for(id, person).await? else {
                    return Err(ApiError::not_found("Workspace not found."));
                };
                self.reach.decide(&Requirement::Workspace {
                    point,
                    workspace: WorkspaceFacts {
                        id: ws.id,
                        organization: ws.org_id,
                        subject_is_member: is_member,
                    },
                })
            }
            Need::Organization(point) => {
                let role = match (&self.token.org_id, self.token.account_id) {
                    (Some(org), Some(person)) if self.reach.points.contains(point) => state
                        .store
                        .role_in(org, person)
                        .await?
                        .as_deref()
                        .and_then(Role::parse),
                    _ => None,
                };
                self.reach.decide(&Requirement::Organization {
                    point,
                    subject_role: role,
                })
            }
        };
        decision.map_err(|d| {
            metrics::counter!("buckle_openapi_denials_total").increment(1);
            d.into()
        })
    }
}

fn reject(reason: &'static str, msg: &str) -> ApiError {
    metrics::counter!("buckle_openapi_auth_failures_total", "reason" => reason).increment(1);
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
        Credential::verify(state, token).await
    }
}
