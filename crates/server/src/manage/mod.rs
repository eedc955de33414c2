//! The JSON management API under `/api/manage`, for the console and for scripts.
//! Callers are a signed-in console session (mutations need the `X-CSRF-Token`
//! header) or a personal access token holding the area's `Manage.*` point; either
//! way they act as their account, with that account's roles.

mod accounts;
mod apps;
mod audit;
mod installations;
mod invitations;
mod organizations;
mod session;
mod tokens;
mod workspaces;

use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::audit::AuditEvent;
use crate::auth::{Credential, bearer};
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use axum::extract::{FromRequestParts, State};
use axum::http::Method;
use axum::http::request::Parts;
use buckle_core::PermissionSet;
use buckle_core::audit::AuditKind;
use buckle_core::policy::{self, Exceeds, Extent};
use buckle_core::reach::{Role, Workspaces};
use buckle_core::secret::{constant_time_eq, hash_secret};
use buckle_store::Account;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use accounts::create_account;
pub use apps::{Authorize, authorize_app};
pub use session::{
    SESSION_COOKIE, SignedIn, csrf_token_for, session_cookie, sign_in, too_many_failures,
};
pub use tokens::{CreatePersonal, Grantor, TEAM_LEVEL_REFUSAL, issue_personal};

/// Every `/api/manage` route, with its document (`utoipa_axum::routes!` takes the
/// path and method from each handler's `#[utoipa::path]`; handlers of one path go
/// in one `routes!`).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session::current, session::login, session::logout))
        .routes(routes!(catalog))
        .routes(routes!(accounts::list, accounts::create))
        .routes(routes!(accounts::me, accounts::update_me))
        .routes(routes!(accounts::change_password))
        .routes(routes!(organizations::list, organizations::create))
        .routes(routes!(organizations::get, organizations::update))
        .routes(routes!(organizations::members, invitations::invite))
        .routes(routes!(invitations::list_of_organization))
        .routes(routes!(invitations::cancel))
        .routes(routes!(invitations::list_mine))
        .routes(routes!(invitations::accept))
        .routes(routes!(invitations::decline))
        .routes(routes!(
            organizations::set_role,
            organizations::remove_member
        ))
        .routes(routes!(workspaces::list, workspaces::create))
        .routes(routes!(workspaces::members, workspaces::add_member))
        .routes(routes!(workspaces::remove_member))
        .routes(routes!(tokens::list_personal, tokens::create_personal))
        .routes(routes!(
            tokens::get_personal,
            tokens::update_personal,
            tokens::delete_personal
        ))
        .routes(routes!(tokens::list_service, tokens::create_service))
        .routes(routes!(
            tokens::get_service,
            tokens::update_service,
            tokens::delete_service
        ))
        .routes(routes!(apps::list, apps::create))
        .routes(routes!(apps::get, apps::update, apps::delete))
        .routes(routes!(apps::enable))
        .routes(routes!(apps::disable))
        .routes(routes!(apps::reset_secret))
        .routes(routes!(apps::list_keys, apps::add_key))
        .routes(routes!(apps::delete_key))
        .routes(routes!(apps::list_authorizations, apps::authorize))
        .routes(routes!(apps::delete_authorization))
        .routes(routes!(apps::share_link))
        .routes(routes!(installations::list))
        .routes(routes!(installations::install, installations::uninstall))
        .routes(routes!(audit::list))
        .routes(routes!(apps::authorized_apps))
        .routes(routes!(apps::revoke_authorized_app))
}

/// Who is calling the management API.
pub struct Actor {
    pub account: Account,
    /// When a token (not a session) authenticated the call: what the token
    /// reaches and until when, which bounds everything it makes, edits or deletes.
    pub token: Option<Extent>,
    /// That token's id, for the audit log.
    pub token_id: Option<i64>,
}

impl Actor {
    /// An audit event done by this actor.
    pub fn audit(&self, kind: AuditKind) -> AuditEvent {
        AuditEvent::new(kind).by(self.account.id, self.token_id)
    }

    /// Sessions may do anything their account may; tokens also need the area's point.
    pub fn require(&self, point: &str) -> Result<(), ApiError> {
        match &self.token {
            Some(t) if !t.points.contains(point) => Err(ApiError::forbidden(format!(
                "The token lacks the permission {point}."
            ))),
            _ => Ok(()),
        }
    }

    /// The grant policy (`buckle_core::policy`): a token may make, edit or delete
    /// only what stays within its own points, workspaces, edition and lifetime.
    pub fn may_grant(&self, granted: &Extent) -> Result<(), ApiError> {
        policy::may_grant(self.token.as_ref(), granted).map_err(exceeds)
    }

    /// An app holds no workspaces and never expires: a token may create, change or
    /// delete only apps of its own edition whose points it holds.
    pub fn may_manage_app(
        &self,
        edition: Option<&str>,
        points: &PermissionSet,
    ) -> Result<(), ApiError> {
        match &self.token {
            Some(t) => t.covers_app(edition, points).map_err(exceeds),
            None => Ok(()),
        }
    }

    pub fn require_super_admin(&self) -> Result<(), ApiError> {
        if self.account.is_super_admin {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "Only a super admin of this Buckle installation may do this.",
            ))
        }
    }

    /// The actor's role in an organization; non-members get 404 so organizations
    /// they do not belong to stay invisible.
    pub async fn role_in(&self, state: &AppState, org_id: &str) -> Result<Role, ApiError> {
        state
            .store
            .role_in(org_id, self.account.id)
            .await?
            .ok_or_else(|| ApiError::not_found("Organization not found."))
    }

    pub async fn require_org_admin(
        &self,
        state: &AppState,
        org_id: &str,
    ) -> Result<Role, ApiError> {
        let role = self.role_in(state, org_id).await?;
        if role.is_admin() {
            Ok(role)
        } else {
            Err(ApiError::forbidden(
                "Only a super admin or admin of the team/enterprise may do this.",
            ))
        }
    }
}

/// The policy's refusal on the wire: always 403/4101.
pub fn exceeds(e: Exceeds) -> ApiError {
    ApiError::forbidden(e.to_string())
}

/// A stored grant's workspaces: all of its edition, or a list.
pub fn workspaces_of(all: bool, ids: &[i64]) -> Workspaces {
    if all {
        Workspaces::All
    } else {
        Workspaces::List(ids.to_vec())
    }
}

/// Most workspaces one grant may list.
pub const MAX_WORKSPACE_IDS: usize = 100;

/// The workspaces a grant lists, checked against its edition: each must belong to
/// `org` (`None`: the personal edition) and, when `member` is given, have that
/// account as a member. `all_workspaces` excludes a list. Duplicates collapse.
pub async fn edition_workspaces(
    state: &AppState,
    all_workspaces: bool,
    listed: &[String],
    org: Option<&str>,
    member: Option<i64>,
) -> Result<Vec<i64>, ApiError> {
    if all_workspaces && !listed.is_empty() {
        return Err(ApiError::bad_request(
            "Give either all_workspaces or workspace_ids, not both.",
        ));
    }
    if listed.len() > MAX_WORKSPACE_IDS {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_WORKSPACE_IDS} workspace_ids."
        )));
    }
    let mut ids = Vec::with_capacity(listed.len());
    for raw in listed {
        let ws = crate::extract::id(raw, "workspace id")?;
        let reachable = match member {
            Some(account) => state
                .store
                .workspace_for(ws, account)
                .await?
                .is_some_and(|(w, is_member)| is_member && w.org_id.as_deref() == org),
            None => state
                .store
                .workspace(ws)
                .await?
                .is_some_and(|w| w.org_id.as_deref() == org),
        };
        if !reachable {
            return Err(ApiError::bad_request(format!(
                "Workspace {ws} is not one of the workspaces of this edition."
            )));
        }
        if !ids.contains(&ws) {
            ids.push(ws);
        }
    }
    Ok(ids)
}

/// The value of one cookie, if sent.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer(parts) {
            let cred = Credential::verify(state, token).await?;
            if cred.kind != buckle_core::TokenKind::Personal {
                return Err(ApiError::forbidden(
                    "Only personal access tokens may use the management API.",
                ));
            }
            // A token made in a team or enterprise is for that organization's OpenAPI
            // resources; acting as the whole account takes a personal-edition token.
            if cred.org_id.is_some() {
                return Err(ApiError::forbidden(
                    "Use a personal-edition access token for the management API; this one belongs to a team/enterprise.",
                ));
            }
            let Some(person) = cred.account_id else {
                return Err(ApiError::forbidden(
                    "Service access tokens cannot use the management API; use a personal access token.",
                ));
            };
            let account = state.store.account_by_id(person).await?.ok_or_else(|| {
                ApiError::unauthenticated("The access token's account no longer exists.")
            })?;
            let extent = Extent {
                points: cred.reach.points,
                workspaces: cred.reach.workspaces,
                edition: cred.reach.organization,
                expires_at: cred.expires_at,
            };
            return Ok(Actor {
                account,
                token: Some(extent),
                token_id: Some(cred.id),
            });
        }
        let Some(session) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::unauthenticated("Sign in first."));
        };
        let account = state
            .store
            .session_account(&hash_secret(session), state.clock.now())
            .await?
            .ok_or_else(|| ApiError::unauthenticated("The session has ended; sign in again."))?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent, &csrf_token_for(session)) {
                return Err(ApiError::forbidden(
                    "Missing or wrong X-CSRF-Token header (GET /api/manage/session returns it).",
                ));
            }
        }
        Ok(Actor {
            account,
            token: None,
            token_id: None,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountOut {
    pub user_id: String,
    pub user_name: String,
    pub nick_name: String,
    pub avatar_url: String,
    pub is_super_admin: bool,
    pub created_at: i64,
}

impl From<&Account> for AccountOut {
    fn from(a: &Account) -> AccountOut {
        AccountOut {
            user_id: a.id.to_string(),
            user_name: a.user_name.clone(),
            nick_name: a.nick_name.clone(),
            avatar_url: a.avatar_url.clone(),
            is_super_admin: a.is_super_admin,
            created_at: a.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PermissionOut {
    name: String,
    #[schema(schema_with = crate::api_doc::permission_level)]
    level: buckle_core::Level,
    description: String,
    description_zh: String,
    operator_only: bool,
}

/// `GET /api/manage/permissions`: the catalog, for forms.
#[utoipa::path(
    get,
    path = "/api/manage/permissions",
    summary = "The permission catalog",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<PermissionOut>>), EnvelopeErrors)
)]
async fn catalog(State(state): State<AppState>, actor: Actor) -> ApiResult<Vec<PermissionOut>> {
    let _ = actor;
    ok(state
        .catalog
        .iter()
        .map(|p| PermissionOut {
            name: p.name.clone(),
            level: p.level,
            description: p.description.clone(),
            description_zh: p.description_zh.clone(),
            operator_only: p.grant == buckle_core::catalog::Grant::Operator,
        })
        .collect())
}

/// A display name in its stored form (see [`buckle_core::display_name`]).
pub fn clean_name(raw: &str, field: &str, max: usize) -> Result<String, ApiError> {
    buckle_core::display_name::clean(raw, max)
        .map_err(|e| ApiError::bad_request(format!("{field} {e}.")))
}
