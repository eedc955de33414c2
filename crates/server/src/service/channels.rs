//! Custom publish channels ("connectors"): creation, listing, renaming, deletion,
//! binding one channel-type app, and publishing bots. The same people manage a
//! channel as its owner's apps: the person for a personal channel, the admins of
//! a team/enterprise for its channels (any member may see them).

use super::{Caller, ServiceError, ServiceResult, clean_name};
use crate::AppState;
use crate::audit::AuditEvent;
use buckle_core::audit::AuditKind;
use buckle_core::{AppType, BotId, ChannelId, OrgId, PermissionSet, Role};
use buckle_store::{Channel, Publication, StoreError};

/// domain.md gives no number; as many as an edition's apps, since each channel
/// needs an app of its own to be used.
const PERSONAL_CHANNEL_LIMIT: i64 = 10;
const ORGANIZATION_CHANNEL_LIMIT: i64 = 100;
const ADMINS_ONLY: &str =
    "Only a super admin or admin of the team/enterprise may manage its channels.";

/// An audit event about a channel (by its id), with what else it names.
fn channel_event(
    caller: &Caller,
    kind: AuditKind,
    channel: &Channel,
    detail: serde_json::Value,
) -> AuditEvent {
    caller
        .audit(kind)
        .in_org(channel.org_id.as_ref())
        .target(channel.id.to_string())
        .detail(detail)
}

pub fn channel_not_found() -> ServiceError {
    ServiceError::not_found("Channel not found.")
}

fn bot_not_found() -> ServiceError {
    ServiceError::not_found("Bot not found.")
}

/// A channel the caller may see: their own personal channel, or one of an
/// organization they belong to. Anything else is "not found".
pub async fn visible(
    state: &AppState,
    caller: &Caller,
    channel_id: &str,
) -> ServiceResult<(Channel, Option<Role>)> {
    let id = ChannelId::parse(channel_id).ok_or_else(channel_not_found)?;
    let channel = state
        .store
        .channel(id)
        .await?
        .ok_or_else(channel_not_found)?;
    let role = match &channel.org_id {
        Some(org) => Some(
            state
                .store
                .role_in(org, caller.account.id)
                .await?
                .ok_or_else(channel_not_found)?,
        ),
        None if channel.owner_account_id == Some(caller.account.id) => None,
        None => return Err(channel_not_found()),
    };
    Ok((channel, role))
}

/// A channel the caller may change: [`visible`], by an admin for an
/// organization's, and with a token only of the token's own edition.
pub async fn managed(
    state: &AppState,
    caller: &Caller,
    channel_id: &str,
) -> ServiceResult<Channel> {
    let (channel, role) = visible(state, caller, channel_id).await?;
    if role.is_some_and(|r| !r.is_admin()) {
        return Err(ServiceError::forbidden(ADMINS_ONLY));
    }
    caller.may_change_app(channel.org_id.as_ref(), &PermissionSet::default())?;
    Ok(channel)
}

/// Creates a channel: a personal one, or one of an organization the caller administers.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: &str,
    organization_id: Option<&OrgId>,
) -> ServiceResult<Channel> {
    if let Some(org) = organization_id
        && !caller.role_in(state, org).await?.is_admin()
    {
        return Err(ServiceError::forbidden(ADMINS_ONLY));
    }
    caller.may_change_app(organization_id, &PermissionSet::default())?;
    let name = clean_name(name, "name", 100)?;
    let now = state.clock.now();
    let channel = Channel {
        id: ChannelId::random(),
        name,
        owner_account_id: organization_id.is_none().then_some(caller.account.id),
        org_id: organization_id.cloned(),
        app_id: None,
        created_by: caller.account.id,
        created_at: now,
        updated_at: now,
    };
    let limit = if channel.org_id.is_some() {
        ORGANIZATION_CHANNEL_LIMIT
    } else {
        PERSONAL_CHANNEL_LIMIT
    };
    if !state.store.create_channel(&channel, limit).await? {
        return Err(ServiceError::bad(format!(
            "This edition allows at most {limit} channels."
        )));
    }
    let detail = serde_json::json!({"name": channel.name});
    channel_event(caller, AuditKind::ChannelCreated, &channel, detail)
        .record(state)
        .await;
    Ok(channel)
}

/// The caller's personal channels, or an organization's (any member may list them).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    organization_id: Option<&OrgId>,
) -> ServiceResult<Vec<Channel>> {
    if let Some(org) = organization_id {
        caller.role_in(state, org).await?;
    }
    Ok(state
        .store
        .channels_of(caller.account.id, organization_id)
        .await?)
}

pub async fn rename(
    state: &AppState,
    caller: &Caller,
    channel_id: &str,
    name: &str,
) -> ServiceResult<Channel> {
    let channel = managed(state, caller, channel_id).await?;
    let name = clean_name(name, "name", 100)?;
    let now = state.clock.now();
    if !state.store.rename_channel(channel.id, &name, now).await? {
        return Err(channel_not_found());
    }
    let detail = serde_json::json!({"name": name, "old_name": channel.name});
    channel_event(caller, AuditKind::ChannelRenamed, &channel, detail)
        .record(state)
        .await;
    Ok(Channel {
        name,
        updated_at: now,
        ..channel
    })
}

/// Deletes a channel; the tokens of its app reach no bot from then on (the token
/// check reads publications at each call).
pub async fn delete(state: &AppState, caller: &Caller, channel_id: &str) -> ServiceResult<()> {
    let channel = managed(state, caller, channel_id).await?;
    if !state.store.delete_channel(channel.id).await? {
        return Err(channel_not_found());
    }
    let detail = serde_json::json!({"name": channel.name});
    channel_event(caller, AuditKind::ChannelDeleted, &channel, detail)
        .record(state)
        .await;
    Ok(())
}

/// Binds a channel-type app of the channel's owner to the channel. An app serves
/// at most one channel and a channel has at most one app: binding replaces the
/// channel's previous app.
pub async fn bind_app(
    state: &AppState,
    caller: &Caller,
    channel_id: &str,
    app_client_id: &str,
) -> ServiceResult<Channel> {
    let channel = managed(state, caller, channel_id).await?;
    let (app, _) = super::apps::managed(state, caller, app_client_id).await?;
    let same_owner = match &channel.org_id {
        Some(org) => app.org_id.as_ref() == Some(org),
        None => app.org_id.is_none() && app.owner_account_id == channel.owner_account_id,
    };
    if !same_owner {
        return Err(ServiceError::invalid(
            "app_id",
            "The app must belong to the same person or team/enterprise as the channel.",
        ));
    }
    if app.app_type != AppType::Channel {
        return Err(ServiceError::invalid(
            "app_id",
            "Only a channel app can be bound to a channel.",
        ));
    }
    let now = state.clock.now();
    match state
        .store
        .set_channel_app(channel.id, Some(app.id), now)
        .await
    {
        Ok(true) => {}
        Ok(false) => return Err(channel_not_found()),
        Err(StoreError::Conflict) => {
            return Err(ServiceError::conflict(
                "The app is already bound to another channel; unbind it there first.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let detail = serde_json::json!({"app_id": app.client_id, "app_name": app.name});
    channel_event(caller, AuditKind::ChannelAppBound, &channel, detail)
        .record(state)
        .await;
    Ok(Channel {
        app_id: Some(app.id),
        updated_at: now,
        ..channel
    })
}

/// Unbinds the channel's app: its JWTs get no token from then on, and the tokens
/// it already has reach no bot.
pub async fn unbind_app(
    state: &AppState,
    caller: &Caller,
    channel_id: &str,
) -> ServiceResult<Channel> {
    let channel = managed(state, caller, channel_id).await?;
    let now = state.clock.now();
    if !state.store.set_channel_app(channel.id, None, now).await? {
        return Err(channel_not_found());
    }
    let detail = serde_json::json!({"app_id": null});
    channel_event(caller, AuditKind::ChannelAppBound, &channel, detail)
        .record(state)
        .await;
    Ok(Channel {
        app_id: None,
        updated_at: now,
        ..channel
    })
}

/// The bots published to a channel the caller may see.
pub async fn publications(
    state: &AppState,
    caller: &Caller,
    channel_id: &str,
) -> ServiceResult<(Channel, Vec<Publication>)> {
    let (channel, _) = visible(state, caller, channel_id).await?;
    let bots = state.store.publications(channel.id).await?;
    Ok((channel, bots))
}

/// A bot the caller may publish to `channel`: in a workspace of the channel's
/// edition, and for a personal channel one the caller is a member of.
async fn publishable(
    state: &AppState,
    caller: &Caller,
    channel: &Channel,
    bot_id: &str,
) -> ServiceResult<BotId> {
    let id = BotId::parse(bot_id).ok_or_else(bot_not_found)?;
    let bot = state.store.bot(id).await?.ok_or_else(bot_not_found)?;
    let Some((workspace, is_member)) = state
        .store
        .workspace_for(bot.workspace_id, caller.account.id)
        .await?
    else {
        return Err(bot_not_found());
    };
    let fits = workspace.org_id == channel.org_id && (channel.org_id.is_some() || is_member);
    if !fits {
        // Whether the bot exists elsewhere is not the caller's to learn.
        return Err(bot_not_found());
    }
    Ok(id)
}

/// Publishes a bot to a channel; publishing it again changes nothing.
pub async fn publish(
    state: &AppState,
    caller: &Caller,
    channel_id: &str,
    bot_id: &str,
) -> ServiceResult<(Channel, Vec<Publication>)> {
    let channel = managed(state, caller, channel_id).await?;
    let bot = publishable(state, caller, &channel, bot_id).await?;
    if state
        .store
        .publish_bot(channel.id, bot, caller.account.id, state.clock.now())
        .await?
    {
        let detail = serde_json::json!({"bot_id": bot.to_string()});
        channel_event(caller, AuditKind::BotPublished, &channel, detail)
            .record(state)
            .await;
    }
    let bots = state.store.publications(channel.id).await?;
    Ok((channel, bots))
}

/// Unpublishes a bot: tokens of the channel's app are refused for it at their next call.
pub async fn unpublish(
    state: &AppState,
    caller: &Caller,
    channel_id: &str,
    bot_id: &str,
) -> ServiceResult<(Channel, Vec<Publication>)> {
    let channel = managed(state, caller, channel_id).await?;
    let bot = BotId::parse(bot_id).ok_or_else(bot_not_found)?;
    if !state.store.unpublish_bot(channel.id, bot).await? {
        return Err(ServiceError::not_found(
            "The bot is not published to this channel.",
        ));
    }
    let detail = serde_json::json!({"bot_id": bot.to_string()});
    channel_event(caller, AuditKind::BotUnpublished, &channel, detail)
        .record(state)
        .await;
    let bots = state.store.publications(channel.id).await?;
    Ok((channel, bots))
}
