//! The JSON management API under `/api/manage`, for the console and for scripts.
//! Callers are a signed-in console session (mutations need the `X-CSRF-Token`
//! header) or a personal access token holding the area's `Manage.*` point; either
//! way they act as their account, with that account's roles.

mod accounts;
mod apps;
mod audit;
mod channels;
mod device_usage;
mod installations;
mod invitations;
mod organizations;
pub mod samples;
mod session;
mod tokens;
mod workspace_moves;
mod workspaces;

use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::auth::{Credential, bearer};
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use crate::service::Caller;
use axum::extract::{FromRequestParts, State};
use axum::http::Method;
use axum::http::request::Parts;
use buckle_core::policy::Extent;
use buckle_core::secret::constant_time_eq;
use buckle_store::Account;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use accounts::create_account;
pub use apps::{Authorize, authorize_app};
pub use session::{SESSION_COOKIE, SignedIn, csrf_token_for, session_cookie, sign_in};
pub use tokens::CreatePersonal;

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
        .routes(routes!(
            workspace_moves::preview,
            workspace_moves::move_into
        ))
        .routes(routes!(
            workspace_moves::token_access,
            workspace_moves::set_token_access
        ))
        .routes(routes!(workspace_moves::set_app_access))
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
        .routes(routes!(samples::preview, samples::download))
        .routes(routes!(installations::list))
        .routes(routes!(installations::install, installations::uninstall))
        .routes(routes!(audit::list))
        .routes(routes!(apps::authorized_apps))
        .routes(routes!(apps::revoke_authorized_app))
        .routes(routes!(channels::list, channels::create))
        .routes(routes!(channels::get, channels::rename, channels::delete))
        .routes(routes!(channels::bind_app, channels::unbind_app))
        .routes(routes!(channels::publish))
        .routes(routes!(channels::unpublish))
        .routes(routes!(device_usage::usage))
        .routes(routes!(device_usage::list_quotas, device_usage::set_quota))
        .routes(routes!(device_usage::clear_quota))
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
                points: cred.reach().points.clone(),
                workspaces: cred.reach().workspaces.clone(),
                edition: cred.reach().organization.clone(),
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
