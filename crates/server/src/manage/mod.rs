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
use crate::auth::{Credential, bearer};
use crate::error::{ApiError, ApiResult, ok};
use crate::service::Caller;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::Method;
use axum::http::request::Parts;
use axum::routing::{get, patch, post};
use buckle_core::policy::Extent;
use buckle_core::secret::constant_time_eq;
use buckle_store::Account;
use serde::Serialize;

pub use accounts::create_account;
pub use apps::{Authorize, authorize_app};
pub use session::{
    SESSION_COOKIE, SignedIn, csrf_token_for, session_cookie, sign_in, too_many_failures,
};
pub use tokens::CreatePersonal;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/manage/session",
            get(session::current)
                .post(session::login)
                .delete(session::logout),
        )
        .route("/api/manage/permissions", get(catalog))
        .route(
            "/api/manage/accounts",
            get(accounts::list).post(accounts::create),
        )
        .route(
            "/api/manage/accounts/me",
            get(accounts::me).patch(accounts::update_me),
        )
        .route(
            "/api/manage/accounts/me/password",
            post(accounts::change_password),
        )
        .route(
            "/api/manage/organizations",
            get(organizations::list).post(organizations::create),
        )
        .route(
            "/api/manage/organizations/{org_id}",
            get(organizations::get).patch(organizations::update),
        )
        .route(
            "/api/manage/organizations/{org_id}/members",
            get(organizations::members).post(invitations::invite),
        )
        .route(
            "/api/manage/organizations/{org_id}/invitations",
            get(invitations::list_of_organization),
        )
        .route(
            "/api/manage/organizations/{org_id}/invitations/{invitation_id}",
            axum::routing::delete(invitations::cancel),
        )
        .route("/api/manage/invitations", get(invitations::list_mine))
        .route(
            "/api/manage/invitations/{invitation_id}/accept",
            post(invitations::accept),
        )
        .route(
            "/api/manage/invitations/{invitation_id}/decline",
            post(invitations::decline),
        )
        .route(
            "/api/manage/organizations/{org_id}/members/{account_id}",
            patch(organizations::set_role).delete(organizations::remove_member),
        )
        .route(
            "/api/manage/workspaces",
            get(workspaces::list).post(workspaces::create),
        )
        .route(
            "/api/manage/workspaces/{workspace_id}/members",
            get(workspaces::members).post(workspaces::add_member),
        )
        .route(
            "/api/manage/workspaces/{workspace_id}/members/{account_id}",
            axum::routing::delete(workspaces::remove_member),
        )
        .route(
            "/api/manage/personal_access_tokens",
            get(tokens::list_personal).post(tokens::create_personal),
        )
        .route(
            "/api/manage/personal_access_tokens/{token_id}",
            get(tokens::get_personal)
                .patch(tokens::update_personal)
                .delete(tokens::delete_personal),
        )
        .route(
            "/api/manage/organizations/{org_id}/service_access_tokens",
            get(tokens::list_service).post(tokens::create_service),
        )
        .route(
            "/api/manage/service_access_tokens/{token_id}",
            get(tokens::get_service)
                .patch(tokens::update_service)
                .delete(tokens::delete_service),
        )
        .route("/api/manage/apps", get(apps::list).post(apps::create))
        .route(
            "/api/manage/apps/{app_id}",
            get(apps::get).patch(apps::update).delete(apps::delete),
        )
        .route("/api/manage/apps/{app_id}/enable", post(apps::enable))
        .route("/api/manage/apps/{app_id}/disable", post(apps::disable))
        .route("/api/manage/apps/{app_id}/secret", post(apps::reset_secret))
        .route(
            "/api/manage/apps/{app_id}/keys",
            get(apps::list_keys).post(apps::add_key),
        )
        .route(
            "/api/manage/apps/{app_id}/keys/{fingerprint}",
            axum::routing::delete(apps::delete_key),
        )
        .route(
            "/api/manage/apps/{app_id}/authorizations",
            get(apps::list_authorizations).post(apps::authorize),
        )
        .route(
            "/api/manage/apps/{app_id}/authorizations/{authorization_id}",
            axum::routing::delete(apps::delete_authorization),
        )
        .route(
            "/api/manage/apps/{app_id}/share_link",
            get(apps::share_link),
        )
        .route(
            "/api/manage/organizations/{org_id}/installations",
            get(installations::list),
        )
        .route(
            "/api/manage/organizations/{org_id}/installations/{app_id}",
            post(installations::install).delete(installations::uninstall),
        )
        .route("/api/manage/audit_events", get(audit::list))
        .route("/api/manage/authorized_apps", get(apps::authorized_apps))
        .route(
            "/api/manage/authorized_apps/{app_id}",
            axum::routing::delete(apps::revoke_authorized_app),
        )
}

/// Who is calling the management API: the JSON edge's extractor (below) yields
/// the service layer's [`Caller`], which every service takes.
pub type Actor = Caller;

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

impl FromRequestParts<AppState> for Caller {
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
            return Ok(Caller {
                account,
                token: Some(extent),
                token_id: Some(cred.id),
            });
        }
        // The pages' resolver (`crate::web::session`): one reading of sessions.
        let session = match crate::web::session::resolve(state, &parts.headers).await? {
            crate::web::session::Resolved::Active(s) => s,
            crate::web::session::Resolved::NoCookie => {
                return Err(ApiError::unauthenticated("Sign in first."));
            }
            crate::web::session::Resolved::Ended => {
                return Err(ApiError::unauthenticated(
                    "The session has ended; sign in again.",
                ));
            }
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent, &session.csrf_token) {
                return Err(ApiError::forbidden(
                    "Missing or wrong X-CSRF-Token header (GET /api/manage/session returns it).",
                ));
            }
        }
        Ok(Caller::person(session.account))
    }
}

#[derive(Serialize)]
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

#[derive(Serialize)]
pub struct PermissionOut {
    name: String,
    level: buckle_core::Level,
    description: String,
    description_zh: String,
    operator_only: bool,
}

/// `GET /api/manage/permissions`: the catalog, for forms.
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
