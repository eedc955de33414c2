//! Minting OAuth tokens and the flat success body the SDKs read.

use crate::AppState;
use crate::error::OAuthError;
use axum::Json;
use axum::response::{IntoResponse, Response};
use buckle_core::secret::hash_secret;
use buckle_core::{PermissionSet, TokenKind};
use buckle_store::{Grant, NewOAuthToken, NewUserTokens, OAuthApp, RefreshToken};
use serde::Serialize;
use utoipa::ToSchema;

pub struct Issued {
    pub access_token: String,
    /// Absolute Unix seconds, as the SDKs expect.
    pub expires_in: i64,
    pub refresh_token: Option<String>,
}

/// The token endpoint's flat success body (no envelope), as the SDKs read it.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    access_token: String,
    /// Unix seconds when the token expires.
    expires_in: i64,
    #[schema(schema_with = crate::api_doc::bearer)]
    token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

impl IntoResponse for Issued {
    fn into_response(self) -> Response {
        let body = TokenResponse {
            access_token: self.access_token,
            expires_in: self.expires_in,
            token_type: "Bearer",
            refresh_token: self.refresh_token,
        };
        let mut resp = Json(body).into_response();
        resp.headers_mut().insert(
            "cache-control",
            axum::http::HeaderValue::from_static("no-store"),
        );
        resp
    }
}

/// The points a token of `app` gets from `grant`: the grant's, within the app's.
fn points(app: &OAuthApp, grant: &Grant) -> String {
    PermissionSet::decode(&grant.permissions)
        .intersection(&PermissionSet::decode(&app.permissions))
        .encode()
}

/// A user access token and its refresh token, made but not stored yet: the grant
/// stores `rows` in the transaction that uses up what they are exchanged for, and
/// answers with `issued` only once that committed.
pub struct Minted {
    pub issued: Issued,
    pub rows: NewUserTokens,
}

/// Makes a user access token (`czu_`) and a refresh token in `family_id`.
pub async fn mint_user_tokens(
    state: &AppState,
    app: &OAuthApp,
    grant: &Grant,
    family_id: i64,
    now: i64,
) -> Result<Minted, OAuthError> {
    // A person who left the organization they authorized the app in has no session
    // there any more: no new tokens for it.
    if let (Some(org), Some(person)) = (grant.org(), grant.account())
        && state.store.role_in(org, person).await?.is_none()
    {
        return Err(super::errors::access_deny("login session invalid"));
    }
    // User tokens act for a person; a grant of none has no one to act for.
    let Some(person) = grant.account() else {
        return Err(super::errors::access_deny("login session invalid"));
    };
    let access = TokenKind::UserOauth.generate();
    let refresh = TokenKind::Refresh.generate();
    let expires_at = now + state.config.user_token_ttl;
    let rows = NewUserTokens {
        access: NewOAuthToken {
            id: buckle_core::ids::new_id(),
            token_hash: hash_secret(&access),
            kind: TokenKind::UserOauth,
            app_id: app.id,
            grant_id: grant.id,
            account_id: grant.account(),
            org_id: grant.org().cloned(),
            permissions: points(app, grant),
            all_workspaces: grant.all_workspaces,
            workspace_ids: grant.workspace_ids.clone(),
            session_name: None,
            device_id: None,
            custom_consumer: None,
            family_id: Some(family_id),
            created_at: now,
            expires_at,
        },
        refresh: RefreshToken {
            token_hash: hash_secret(&refresh),
            family_id,
            app_id: app.id,
            grant_id: grant.id,
            account_id: person,
            created_at: now,
            expires_at: now + state.config.refresh_token_ttl,
            used_at: None,
        },
    };
    Ok(Minted {
        issued: Issued {
            access_token: access,
            expires_in: expires_at,
            refresh_token: Some(refresh),
        },
        rows,
    })
}

/// What a JWT asked to be recorded with its token.
pub struct AppTokenRequest {
    pub duration: i64,
    pub session_name: Option<String>,
    pub device_id: Option<String>,
    pub custom_consumer: Option<String>,
}

/// An app access token (`czs_`, no refresh token), made but not stored yet: the
/// grant stores `row` in the transaction that uses up the JWT's `jti`.
pub struct MintedAppToken {
    pub issued: Issued,
    pub row: NewOAuthToken,
}

/// Makes an app access token for `grant`.
pub fn app_token(app: &OAuthApp, grant: &Grant, req: AppTokenRequest, now: i64) -> MintedAppToken {
    let access = TokenKind::AppOauth.generate();
    let expires_at = now + req.duration;
    MintedAppToken {
        row: NewOAuthToken {
            id: buckle_core::ids::new_id(),
            token_hash: hash_secret(&access),
            kind: TokenKind::AppOauth,
            app_id: app.id,
            grant_id: grant.id,
            account_id: grant.account(),
            org_id: grant.org().cloned(),
            permissions: points(app, grant),
            all_workspaces: grant.all_workspaces,
            workspace_ids: grant.workspace_ids.clone(),
            session_name: req.session_name,
            device_id: req.device_id,
            custom_consumer: req.custom_consumer,
            family_id: None,
            created_at: now,
            expires_at,
        },
        issued: Issued {
            access_token: access,
            expires_in: expires_at,
            refresh_token: None,
        },
    }
}
