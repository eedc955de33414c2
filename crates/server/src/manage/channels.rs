//! Custom publish channels ("connectors"): create, list, get, rename, delete, bind
//! a channel-type app, publish and unpublish bots. JSON only: the rules are in
//! `service::channels`. Channels belong with the apps that serve them, so the
//! area's point is `Manage.apps`.

use super::Actor;
use super::apps::POINT;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::{ApiError, ApiResult, Empty, Success, ok};
use crate::extract::{Json, Path, Query};
use crate::service::channels as service;
use axum::extract::State;
use buckle_store::{Channel, Publication};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationOut {
    bot_id: String,
    /// The account that published it.
    published_by: String,
    published_at: i64,
}

/// A channel as the management API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelOut {
    /// The channel's id: the "connector id" of the Coze docs.
    channel_id: String,
    name: String,
    organization_id: Option<String>,
    owner_user_id: Option<String>,
    /// The bound channel app's client id; null when none is bound.
    app_id: Option<String>,
    /// The bots published to the channel (in `GET` of one channel and in the
    /// answers of publish/unpublish; empty in listings).
    bots: Vec<PublicationOut>,
    created_at: i64,
    updated_at: i64,
}

async fn view(
    state: &AppState,
    channel: &Channel,
    bots: Vec<Publication>,
) -> Result<ChannelOut, ApiError> {
    let app_id = match channel.app_id {
        Some(id) => state.store.app(id).await?.map(|a| a.client_id),
        None => None,
    };
    Ok(ChannelOut {
        channel_id: channel.id.to_string(),
        name: channel.name.clone(),
        organization_id: channel.org_id.as_ref().map(ToString::to_string),
        owner_user_id: channel.owner_account_id.map(|a| a.to_string()),
        app_id,
        bots: bots
            .into_iter()
            .map(|p| PublicationOut {
                bot_id: p.bot_id.to_string(),
                published_by: p.published_by.to_string(),
                published_at: p.published_at,
            })
            .collect(),
        created_at: channel.created_at,
        updated_at: channel.updated_at,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "My channel"}))]
pub struct CreateChannel {
    name: String,
    /// The team or enterprise that owns the channel; absent for a personal channel.
    #[serde(default)]
    organization_id: Option<String>,
}

/// `POST /api/manage/channels`.
#[utoipa::path(
    post,
    path = "/api/manage/channels",
    summary = "Create a publish channel (personal, or a team/enterprise's by its admins); Manage.apps",
    request_body = CreateChannel,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<ChannelOut>), EnvelopeErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreateChannel>,
) -> ApiResult<ChannelOut> {
    actor.require(POINT)?;
    let org = body
        .organization_id
        .as_deref()
        .map(crate::service::organizations::org_of)
        .transpose()?;
    let channel = service::create(&state, &actor, &body.name, org.as_ref()).await?;
    ok(view(&state, &channel, Vec::new()).await?)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChannelListParams {
    organization_id: Option<String>,
}

/// `GET /api/manage/channels[?organization_id=]`.
#[utoipa::path(
    get,
    path = "/api/manage/channels",
    summary = "The caller's personal channels, or an organization's (organization_id); Manage.apps",
    params(ChannelListParams),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<ChannelOut>>), EnvelopeErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<ChannelListParams>,
) -> ApiResult<Vec<ChannelOut>> {
    actor.require(POINT)?;
    let org = q
        .organization_id
        .as_deref()
        .map(crate::service::organizations::org_of)
        .transpose()?;
    let channels = service::list(&state, &actor, org.as_ref()).await?;
    let mut out = Vec::with_capacity(channels.len());
    for c in &channels {
        out.push(view(&state, c, Vec::new()).await?);
    }
    ok(out)
}

/// `GET /api/manage/channels/{channel_id}`: with its published bots.
#[utoipa::path(
    get,
    path = "/api/manage/channels/{channel_id}",
    summary = "One channel, with its app and published bots; Manage.apps",
    params(("channel_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<ChannelOut>), EnvelopeErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    Path(channel_id): Path<String>,
) -> ApiResult<ChannelOut> {
    actor.require(POINT)?;
    let (channel, bots) = service::publications(&state, &actor, &channel_id).await?;
    ok(view(&state, &channel, bots).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameChannel {
    name: String,
}

/// `PATCH /api/manage/channels/{channel_id}`: renames it.
#[utoipa::path(
    patch,
    path = "/api/manage/channels/{channel_id}",
    summary = "Rename a channel (its owner or the organization's admins); Manage.apps",
    params(("channel_id" = String, Path)),
    request_body = RenameChannel,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<ChannelOut>), EnvelopeErrors)
)]
pub async fn rename(
    State(state): State<AppState>,
    actor: Actor,
    Path(channel_id): Path<String>,
    Json(body): Json<RenameChannel>,
) -> ApiResult<ChannelOut> {
    actor.require(POINT)?;
    let channel = service::rename(&state, &actor, &channel_id, &body.name).await?;
    let bots = state.store.publications(channel.id).await?;
    ok(view(&state, &channel, bots).await?)
}

/// `DELETE /api/manage/channels/{channel_id}`: its app's tokens reach no bot any more.
#[utoipa::path(
    delete,
    path = "/api/manage/channels/{channel_id}",
    summary = "Delete a channel and its publications; its app's tokens reach no bot any more",
    params(("channel_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    Path(channel_id): Path<String>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    service::delete(&state, &actor, &channel_id).await?;
    ok(Empty {})
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindApp {
    /// The client id of a channel app with the same owner as the channel.
    app_id: String,
}

/// `POST /api/manage/channels/{channel_id}/app`: binds a channel app.
#[utoipa::path(
    post,
    path = "/api/manage/channels/{channel_id}/app",
    summary = "Bind a channel-type app of the same owner (one app per channel, one channel per app); Manage.apps",
    params(("channel_id" = String, Path)),
    request_body = BindApp,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<ChannelOut>), EnvelopeErrors)
)]
pub async fn bind_app(
    State(state): State<AppState>,
    actor: Actor,
    Path(channel_id): Path<String>,
    Json(body): Json<BindApp>,
) -> ApiResult<ChannelOut> {
    actor.require(POINT)?;
    let channel = service::bind_app(&state, &actor, &channel_id, &body.app_id).await?;
    let bots = state.store.publications(channel.id).await?;
    ok(view(&state, &channel, bots).await?)
}

/// `DELETE /api/manage/channels/{channel_id}/app`: unbinds the channel's app.
#[utoipa::path(
    delete,
    path = "/api/manage/channels/{channel_id}/app",
    summary = "Unbind the channel's app: it gets no more tokens and its tokens reach no bot; Manage.apps",
    params(("channel_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<ChannelOut>), EnvelopeErrors)
)]
pub async fn unbind_app(
    State(state): State<AppState>,
    actor: Actor,
    Path(channel_id): Path<String>,
) -> ApiResult<ChannelOut> {
    actor.require(POINT)?;
    let channel = service::unbind_app(&state, &actor, &channel_id).await?;
    let bots = state.store.publications(channel.id).await?;
    ok(view(&state, &channel, bots).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBot {
    bot_id: String,
}

/// `POST /api/manage/channels/{channel_id}/bots`: publishes a bot.
#[utoipa::path(
    post,
    path = "/api/manage/channels/{channel_id}/bots",
    summary = "Publish a bot of the channel's edition to the channel; Manage.apps",
    params(("channel_id" = String, Path)),
    request_body = PublishBot,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<ChannelOut>), EnvelopeErrors)
)]
pub async fn publish(
    State(state): State<AppState>,
    actor: Actor,
    Path(channel_id): Path<String>,
    Json(body): Json<PublishBot>,
) -> ApiResult<ChannelOut> {
    actor.require(POINT)?;
    let (channel, bots) = service::publish(&state, &actor, &channel_id, &body.bot_id).await?;
    ok(view(&state, &channel, bots).await?)
}

/// `DELETE /api/manage/channels/{channel_id}/bots/{bot_id}`: unpublishes a bot;
/// the channel app's tokens are refused for it at their next call.
#[utoipa::path(
    delete,
    path = "/api/manage/channels/{channel_id}/bots/{bot_id}",
    summary = "Unpublish a bot; the channel app's tokens get 403/4101 for it at their next call; Manage.apps",
    params(("channel_id" = String, Path), ("bot_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<ChannelOut>), EnvelopeErrors)
)]
pub async fn unpublish(
    State(state): State<AppState>,
    actor: Actor,
    Path((channel_id, bot_id)): Path<(String, String)>,
) -> ApiResult<ChannelOut> {
    actor.require(POINT)?;
    let (channel, bots) = service::unpublish(&state, &actor, &channel_id, &bot_id).await?;
    ok(view(&state, &channel, bots).await?)
}
