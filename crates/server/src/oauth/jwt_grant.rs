//! The JWT bearer grant (service apps acting as themselves: AppAuth). The path
//! chooses whose authorization the token uses.

use super::client::bearer_value;
use super::errors::{
    access_deny, deactivated, invalid_app_type, invalid_client, invalid_grant, invalid_request,
};
use super::issue::{AppTokenRequest, Issued, app_token};
use super::token::TokenRequest;
use crate::AppState;
use crate::error::OAuthError;
use crate::jwt_issuers::NoIssuer;
use axum::http::HeaderMap;
use buckle_core::jwt;
use buckle_core::{AccountId, ClientType, GrantKind, GrantOwner, OrgId};
use buckle_store::JtiRedeemed;

pub const DEFAULT_DURATION: i64 = 900;
pub const MAX_DURATION: i64 = 86_399;

/// Which authorization a JWT token request uses.
#[derive(Debug, Clone)]
pub enum Authority {
    /// The app owner's: the owner's personal one, or its organization's.
    Owner,
    Account(String),
    Enterprise(String),
}

fn duration(v: Option<&serde_json::Value>) -> Result<i64, OAuthError> {
    let d = match v {
        None | Some(serde_json::Value::Null) => return Ok(DEFAULT_DURATION),
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.parse::<i64>().ok(),
        _ => None,
    };
    match d {
        Some(d) if (1..=MAX_DURATION).contains(&d) => Ok(d),
        _ => Err(invalid_request("duration_seconds")),
    }
}

pub async fn exchange(
    state: &AppState,
    headers: &HeaderMap,
    req: &TokenRequest,
    authority: Authority,
) -> Result<Issued, OAuthError> {
    let token = bearer_value(headers)
        .ok_or_else(|| invalid_client("the JWT is missing: send Authorization: Bearer <JWT>"))?;
    let unverified = jwt::decode(token).map_err(|e| invalid_client(e.to_string()))?;
    // `iss` and `kid` only find the key here; nothing about the app is told (not
    // even whether it exists) until the signature is verified with that key.
    let issuer = match state
        .credentials
        .issuers
        .issuer(&state.store, &unverified.claims.iss, unverified.kid())
        .await
    {
        Ok(issuer) => issuer,
        Err(NoIssuer::Unknown) => {
            return Err(invalid_client("the JWT's iss and kid name no public key"));
        }
        Err(NoIssuer::UnreadableKey) => {
            return Err(invalid_client("the app's public key is unreadable"));
        }
        Err(NoIssuer::Store(e)) => return Err(e.into()),
    };
    let (app, key) = (&issuer.app, &issuer.key);
    let now = state.clock.now();
    let claims = unverified
        .verify(key, &app.client_id, &state.config.audiences(), now)
        .map_err(|e| invalid_client(e.to_string()))?;
    if app.client_type != ClientType::Service {
        return Err(invalid_app_type());
    }
    if !app.enabled {
        return Err(deactivated(&app.name));
    }
    let duration = duration(req.duration_seconds.as_ref())?;
    // A channel app's channel and scope; None for a normal service app.
    let channel = super::channel_token::bound_channel(state, app, req.scope.as_ref()).await?;
    // Whose authorization the JWT asks for; None names no one (no grant is found).
    let (owner, in_org) = match &authority {
        Authority::Owner => match &app.org_id {
            Some(org) => (Some(GrantOwner::Organization(org.clone())), true),
            None => (app.owner_account_id.map(GrantOwner::Account), false),
        },
        Authority::Account(a) => (
            Some(GrantOwner::Account(
                AccountId::parse(a).ok_or_else(|| invalid_request("account_id"))?,
            )),
            false,
        ),
        Authority::Enterprise(e) => (OrgId::parse(e).map(GrantOwner::Organization), true),
    };
    let found = match &owner {
        Some(owner) => {
            state
                .store
                .find_grant(app.id, GrantKind::AppAuth, owner, owner.organization())
                .await?
        }
        None => None,
    };
    let grant = found.ok_or_else(|| not_authorized(&app.name, in_org))?;
    let device = claims
        .session_context
        .and_then(|c| c.device_info)
        .unwrap_or_default();
    let clip = |s: Option<String>| {
        s.map(|s| s.chars().take(256).collect::<String>())
            .filter(|s| !s.is_empty())
    };
    let asked = AppTokenRequest {
        duration,
        session_name: clip(claims.session_name),
        device_id: clip(device.device_id),
        custom_consumer: clip(device.custom_consumer),
    };
    let (minted, bots) = match channel {
        Some(bound) => {
            let (minted, bots) =
                super::channel_token::mint(state, app, &grant, bound, asked, now).await?;
            (minted, Some(bots))
        }
        None => (app_token(app, &grant, asked, now), None),
    };
    // Single use, enforced by the database's primary key, across processes; the
    // token (with its bots) is stored in the same transaction.
    match state
        .store
        .redeem_jti(&claims.jti, claims.exp as i64, &minted.row, bots.as_ref())
        .await?
    {
        JtiRedeemed::Issued => {
            state.credentials.issued(&minted.row.token_hash);
            Ok(minted.issued)
        }
        JtiRedeemed::Replayed => Err(invalid_grant(
            "the JWT was already used (its jti was seen before)",
        )),
        JtiRedeemed::AuthorizationGone => Err(not_authorized(&app.name, in_org)),
    }
}

fn not_authorized(app_name: &str, in_org: bool) -> OAuthError {
    access_deny(format!(
        "app: {app_name} is not authorized in this {}",
        if in_org { "team/enterprise" } else { "account" }
    ))
}
