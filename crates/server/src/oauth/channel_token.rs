//! The JWT grant for channel apps: the token reaches the bots published to the
//! app's channel, narrowed by the request's scope object (`core::channel_scope`).
//! A normal service app never comes here, so its scope is ignored (as the Coze
//! docs say).

use super::errors::{access_deny, invalid_request};
use super::issue::{AppTokenRequest, Issued, MintedAppToken};
use crate::AppState;
use crate::error::OAuthError;
use buckle_core::channel_scope::{self, Scope};
use buckle_core::secret::hash_secret;
use buckle_core::{AppType, Bots, OrgId, PermissionSet, Reach, Subject, TokenKind, Workspaces};
use buckle_store::{Channel, Grant, NewOAuthToken, OAuthApp, TokenBots};

/// A channel app's channel and the scope its request asks for.
pub struct Bound {
    channel: Channel,
    scope: Option<Scope>,
}

/// For a channel app: its channel (refused when it has none) and the request's
/// scope, read strictly. For any other app: nothing, whatever the scope says.
pub async fn bound_channel(
    state: &AppState,
    app: &OAuthApp,
    scope: Option<&channel_scope::Node>,
) -> Result<Option<Bound>, OAuthError> {
    if app.app_type != AppType::Channel {
        return Ok(None);
    }
    let Some(channel) = state.store.channel_of_app(app.id).await? else {
        return Err(access_deny("connector app should bind connector id"));
    };
    let scope = channel_scope::parse(scope).map_err(|r| invalid_request(&r.to_string()))?;
    Ok(Some(Bound { channel, scope }))
}

/// Mints a channel app's token: the grant's points within the app's and the
/// grant's workspaces, reaching the bots published to the channel now, narrowed
/// by the scope. Not stored yet: the grant stores it with its bots in the
/// transaction that uses up the JWT's `jti`.
pub async fn mint(
    state: &AppState,
    app: &OAuthApp,
    grant: &Grant,
    bound: Bound,
    req: AppTokenRequest,
    now: i64,
) -> Result<(MintedAppToken, TokenBots), OAuthError> {
    let published = state.store.publications(bound.channel.id).await?;
    let parent = Reach {
        subject: if grant.account().is_some() {
            Subject::Person
        } else {
            Subject::Service
        },
        points: PermissionSet::decode(&grant.permissions)
            .intersection(&PermissionSet::decode(&app.permissions)),
        workspaces: if grant.all_workspaces {
            Workspaces::All
        } else {
            Workspaces::List(grant.workspace_ids.clone())
        },
        organization: grant.org().map(OrgId::to_string),
        bots: Bots::List(published.iter().map(|p| p.bot_id).collect()),
    };
    let reach = match &bound.scope {
        Some(scope) => {
            channel_scope::narrow(&parent, scope).map_err(|r| invalid_request(&r.to_string()))?
        }
        None => parent,
    };
    let (all_workspaces, workspace_ids) = match reach.workspaces {
        Workspaces::All => (true, Vec::new()),
        Workspaces::List(ids) => (false, ids),
    };
    let bot_ids = match reach.bots {
        Bots::List(ids) => ids,
        // The parent is a list, and narrowing never widens it.
        Bots::All => published.iter().map(|p| p.bot_id).collect(),
    };
    let access = TokenKind::AppOauth.generate();
    let expires_at = now + req.duration;
    let row = NewOAuthToken {
        id: buckle_core::ids::new_id(),
        token_hash: hash_secret(&access),
        kind: TokenKind::AppOauth,
        app_id: app.id,
        grant_id: grant.id,
        account_id: grant.account(),
        org_id: grant.org().cloned(),
        permissions: reach.points.encode(),
        all_workspaces,
        workspace_ids,
        session_name: req.session_name,
        device_id: req.device_id,
        custom_consumer: req.custom_consumer,
        family_id: None,
        created_at: now,
        expires_at,
    };
    let bots = TokenBots {
        channel_id: bound.channel.id,
        bot_ids,
    };
    let minted = MintedAppToken {
        row,
        issued: Issued {
            access_token: access,
            expires_in: expires_at,
            refresh_token: None,
        },
    };
    Ok((minted, bots))
}
