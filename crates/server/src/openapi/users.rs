use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::auth::Credential;
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Me {
    user_id: String,
    user_name: String,
    nick_name: String,
    avatar_url: String,
}

/// `GET /v1/users/me`.
#[utoipa::path(
    get,
    path = "/v1/users/me",
    summary = "The token's account (Account.readProfile)",
    security(("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Me>), EnvelopeErrors)
)]
pub async fn me(State(state): State<AppState>, cred: Credential) -> ApiResult<Me> {
    let id = cred.require_account(&state, "Account.readProfile").await?;
    // Tokens cascade with their account, so a missing account means it went mid-call.
    let a = cred
        .account_profile(&state, id)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("The access token's account no longer exists."))?;
    ok(Me {
        user_id: a.id.to_string(),
        user_name: a.user_name.clone(),
        nick_name: a.nick_name.clone(),
        avatar_url: a.avatar_url.clone(),
    })
}
