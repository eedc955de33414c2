//! A minimal bot registry, so workspace-level checks guard something real.

use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::auth::{Credential, Need};
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::{Json, Page, Path, Query, id};
use axum::extract::State;
use buckle_core::{AccountId, BotId, WorkspaceId};
use buckle_store::Bot;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct CreateBot {
    space_id: String,
    name: String,
    #[serde(default)]
    description: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    bot_id: String,
}

/// `POST /v1/bot/create`.
#[utoipa::path(
    post,
    path = "/v1/bot/create",
    summary = "Create a bot in a workspace (Bot.create)",
    request_body = CreateBot,
    security(("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Created>), EnvelopeErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    cred: Credential,
    Json(body): Json<CreateBot>,
) -> ApiResult<Created> {
    let ws = id(&body.space_id, "space_id").map(WorkspaceId)?;
    cred.require(&state, Need::Workspace("Bot.create", ws))
        .await?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request("name must have 1 to 100 characters."));
    }
    if body.description.chars().count() > 2000 {
        return Err(ApiError::bad_request(
            "description must have at most 2000 characters.",
        ));
    }
    let now = state.clock.now();
    let bot = Bot {
        id: BotId::random(),
        workspace_id: ws,
        name: name.to_string(),
        description: body.description,
        created_by: cred.account_id.or(cred.created_by).unwrap_or(AccountId(0)),
        created_at: now,
        updated_at: now,
    };
    state.store.create_bot(&bot).await?;
    ok(Created {
        bot_id: bot.id.to_string(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct BotOut {
    id: String,
    /// The same as `id`, under the name the SDKs' bot objects read.
    bot_id: String,
    name: String,
    description: String,
    icon_url: String,
    is_published: bool,
    updated_at: i64,
    owner_user_id: String,
    workspace_id: String,
}

impl From<Bot> for BotOut {
    fn from(b: Bot) -> BotOut {
        BotOut {
            id: b.id.to_string(),
            bot_id: b.id.to_string(),
            name: b.name,
            description: b.description,
            icon_url: String::new(),
            is_published: false,
            updated_at: b.updated_at,
            owner_user_id: b.created_by.to_string(),
            workspace_id: b.workspace_id.to_string(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    workspace_id: String,
    page_index: Option<i64>,
    page_num: Option<i64>,
    page_size: Option<i64>,
    /// Accepted for SDK compatibility; every bot here is a draft.
    #[allow(dead_code)]
    publish_status: Option<String>,
    #[allow(dead_code)]
    connector_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BotList {
    items: Vec<BotOut>,
    total: i64,
}

/// `GET /v1/bots?workspace_id=`.
#[utoipa::path(
    get,
    path = "/v1/bots",
    summary = "Bots of a workspace (Bot.list); workspace_id, page_index, page_size",
    params(ListParams),
    security(("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<BotList>), EnvelopeErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    cred: Credential,
    Query(q): Query<ListParams>,
) -> ApiResult<BotList> {
    let ws = id(&q.workspace_id, "workspace_id").map(WorkspaceId)?;
    cred.require(&state, Need::Workspace("Bot.list", ws))
        .await?;
    let page = Page::from_params(q.page_index.or(q.page_num), q.page_size)?;
    let (bots, total) = match &cred.reach().bots {
        buckle_core::Bots::All => state.store.bots_in(ws, page.offset, page.limit).await?,
        buckle_core::Bots::List(ids) => channel_bots_in(&state, &cred, ids, ws, &page).await?,
    };
    ok(BotList {
        items: bots.into_iter().map(Into::into).collect(),
        total,
    })
}

/// A channel token lists only its own bots that are still published to its
/// channel: one page of those in `ws`, and how many there are.
async fn channel_bots_in(
    state: &AppState,
    cred: &Credential,
    ids: &[BotId],
    ws: WorkspaceId,
    page: &Page,
) -> Result<(Vec<Bot>, i64), ApiError> {
    let channel = cred
        .oauth()
        .and_then(|o| o.channel_id.map(|c| (c, o.app_id)));
    let Some((channel, app)) = channel else {
        return Ok((Vec::new(), 0));
    };
    let mut found = Vec::new();
    for id in ids {
        if let Some(bot) = state.store.bot(*id).await?
            && bot.workspace_id == ws
            && state.store.is_published(channel, app, *id).await?
        {
            found.push(bot);
        }
    }
    // The same order as a workspace's listing: newest first.
    found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    let total = found.len() as i64;
    let start = usize::try_from(page.offset).unwrap_or(usize::MAX);
    let take = usize::try_from(page.limit).unwrap_or(0);
    Ok((found.into_iter().skip(start).take(take).collect(), total))
}

/// `GET /v1/bots/{bot_id}`.
#[utoipa::path(
    get,
    path = "/v1/bots/{bot_id}",
    summary = "One bot (Bot.read)",
    params(("bot_id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<BotOut>), EnvelopeErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    cred: Credential,
    Path(bot_id): Path<String>,
) -> ApiResult<BotOut> {
    let bot_id = id(&bot_id, "bot_id").map(BotId)?;
    if !cred.reach().points.contains("Bot.read") {
        return Err(buckle_core::Denial::MissingPoint("Bot.read".into()).into());
    }
    let bot = state
        .store
        .bot(bot_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Bot not found."))?;
    cred.require(&state, Need::Bot("Bot.read", bot.id, bot.workspace_id))
        .await?;
    ok(bot.into())
}
