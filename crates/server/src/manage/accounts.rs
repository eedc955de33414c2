use super::{AccountOut, Actor};
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiResult, ok};
use crate::extract::{Json, Page, Query};
use crate::peer::PeerAddress;
use crate::service::accounts::{NewAccountRequest, ProfileEdit};
use crate::service::{self, ServiceResult};
use axum::extract::State;
use axum::http::HeaderMap;
use buckle_store::Account;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::ToSchema;

/// Creates an account (and its personal workspace): kept for the test kit, which
/// makes its users through it; new code calls [`service::accounts::create`].
pub async fn create_account(
    state: &AppState,
    user_name: &str,
    password: Option<&str>,
    nick_name: Option<&str>,
    super_admin: bool,
) -> ServiceResult<Account> {
    service::accounts::create(
        state,
        NewAccountRequest {
            user_name,
            password,
            nick_name,
            super_admin,
        },
    )
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    user_name: String,
    password: String,
    nick_name: Option<String>,
    #[serde(default)]
    super_admin: bool,
}

/// `POST /api/manage/accounts` (installation super admins).
#[utoipa::path(
    post,
    path = "/api/manage/accounts",
    summary = "Create an account (installation super admins; Manage.accounts)",
    request_body = CreateAccount,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AccountOut>), EnvelopeErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreateAccount>,
) -> ApiResult<AccountOut> {
    actor.require("Manage.accounts")?;
    actor.require_super_admin()?;
    let a = service::accounts::create(
        &state,
        NewAccountRequest {
            user_name: &body.user_name,
            password: Some(&body.password),
            nick_name: body.nick_name.as_deref(),
            super_admin: body.super_admin,
        },
    )
    .await?;
    ok((&a).into())
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    page_num: Option<i64>,
    page_size: Option<i64>,
}

/// `GET /api/manage/accounts` (installation super admins).
#[utoipa::path(
    get,
    path = "/api/manage/accounts",
    summary = "All accounts (installation super admins; Manage.accounts)",
    params(ListParams),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<AccountOut>>), EnvelopeErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<ListParams>,
) -> ApiResult<Vec<AccountOut>> {
    actor.require("Manage.accounts")?;
    actor.require_super_admin()?;
    let page = Page::from_params(q.page_num, q.page_size)?;
    let all = service::accounts::list(&state, &actor, page.offset, page.limit).await?;
    ok(all.iter().map(Into::into).collect())
}

/// `GET /api/manage/accounts/me`.
#[utoipa::path(
    get,
    path = "/api/manage/accounts/me",
    summary = "The caller's account",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AccountOut>), EnvelopeErrors)
)]
pub async fn me(actor: Actor) -> ApiResult<AccountOut> {
    ok((&actor.account).into())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    nick_name: Option<String>,
    avatar_url: Option<String>,
}

/// `PATCH /api/manage/accounts/me`.
#[utoipa::path(
    patch,
    path = "/api/manage/accounts/me",
    summary = "Change nick name or avatar URL",
    request_body = UpdateMe,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AccountOut>), EnvelopeErrors)
)]
pub async fn update_me(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<UpdateMe>,
) -> ApiResult<AccountOut> {
    let edit = ProfileEdit {
        nick_name: body.nick_name,
        avatar_url: body.avatar_url,
    };
    let a = service::accounts::update_profile(&state, &actor, edit).await?;
    ok((&a).into())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    current_password: String,
    new_password: String,
}

/// `POST /api/manage/accounts/me/password`: ends every session of the account.
/// Wrong current passwords count against the sign-in throttle, as sign-ins do
/// (per account and address, or per known device).
#[utoipa::path(
    post,
    path = "/api/manage/accounts/me/password",
    summary = "Change the password (console sessions only); ends every session. Wrong current passwords count as failed sign-ins (429/4013 when they must wait)",
    request_body = ChangePassword,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn change_password(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    headers: HeaderMap,
    actor: Actor,
    Json(body): Json<ChangePassword>,
) -> ApiResult<Empty> {
    let known_device = super::cookie(&headers, crate::known_device::KNOWN_DEVICE_COOKIE);
    service::sessions::change_password(
        &state,
        &actor,
        body.current_password,
        body.new_password,
        address,
        known_device,
    )
    .await?;
    ok(Empty {})
}
