//! Conversations, kept apart per owner and per `session_name`: a conversation made
//! with a token carrying one session name is invisible (404/4200, as a missing one)
//! to a token with another session name or none.

use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::auth::{Credential, Need};
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::{Json, Query, id};
use axum::extract::State;
use buckle_core::{BotId, TokenKind};
use buckle_store::Conversation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::IntoParams;
use utoipa::ToSchema;

/// Coze caps metadata at 16 pairs of short strings.
const MAX_META_PAIRS: usize = 16;
const MAX_META_KEY: usize = 64;
const MAX_META_VALUE: usize = 512;

#[derive(Deserialize, ToSchema)]
pub struct CreateConversation {
    /// The bot the conversation is with; the token must reach it.
    bot_id: Option<String>,
    #[serde(default)]
    meta_data: Option<BTreeMap<String, String>>,
    /// Accepted for SDK compatibility; Buckle stores no messages.
    #[allow(dead_code)]
    #[schema(value_type = Option<Vec<Object>>)]
    messages: Option<serde_json::Value>,
    #[allow(dead_code)]
    connector_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationOut {
    id: String,
    created_at: i64,
    meta_data: BTreeMap<String, String>,
    last_section_id: String,
}

impl From<Conversation> for ConversationOut {
    fn from(c: Conversation) -> ConversationOut {
        ConversationOut {
            id: c.id.to_string(),
            created_at: c.created_at,
            // Written by this module from a map; anything else reads as empty.
            meta_data: serde_json::from_str(&c.meta_data).unwrap_or_default(),
            last_section_id: c.id.to_string(),
        }
    }
}

/// Whose conversations a credential sees: the person whose own personal
/// account-level resources it reaches (a personal-edition credential's person,
/// or the admin who let an organization PAT or AppAuth authorization reach
/// theirs); else, in an organization, its person there (kept apart from their
/// personal ones), or (a service identity without one) the app or token maker
/// in the credential's edition.
async fn owner_of(state: &AppState, cred: &Credential) -> Result<String, ApiError> {
    if let Some(person) = cred.personal_account(state).await? {
        return Ok(format!("account:{person}"));
    }
    let edition = cred
        .org_id
        .as_ref()
        .map_or("personal".to_string(), |o| o.to_string());
    Ok(match (cred.account_id, cred.oauth(), cred.kind) {
        (Some(person), _, _) => format!("account:{person}:{edition}"),
        (None, Some(o), _) => format!("app:{}:{edition}", o.app_id),
        (None, None, TokenKind::Service) => format!("service:{edition}"),
        (None, None, _) => format!("token:{}", cred.id),
    })
}

fn session_of(cred: &Credential) -> &str {
    cred.oauth()
        .and_then(|o| o.session_name.as_deref())
        .unwrap_or("")
}

/// Channel tokens chat through their channel (`Connector.botChat`); any other
/// token needs the conversation point itself.
fn conversation_point<'a>(cred: &Credential, point: &'a str) -> &'a str {
    let channel = cred.oauth().is_some_and(|o| o.channel_id.is_some());
    if channel && !cred.reach().points.contains(point) {
        "Connector.botChat"
    } else {
        point
    }
}

fn check_meta(meta: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if meta.len() > MAX_META_PAIRS {
        return Err(ApiError::bad_request(format!(
            "meta_data may have at most {MAX_META_PAIRS} pairs."
        )));
    }
    for (k, v) in meta {
        if k.is_empty() || k.chars().count() > MAX_META_KEY {
            return Err(ApiError::bad_request(format!(
                "meta_data keys must have 1 to {MAX_META_KEY} characters."
            )));
        }
        if v.chars().count() > MAX_META_VALUE {
            return Err(ApiError::bad_request(format!(
                "meta_data values must have at most {MAX_META_VALUE} characters."
            )));
        }
    }
    Ok(())
}

/// `POST /v1/conversation/create`.
#[utoipa::path(
    post,
    path = "/v1/conversation/create",
    summary = "Create a conversation (Conversation.create), visible only under the token's session_name",
    request_body = CreateConversation,
    security(("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<ConversationOut>), EnvelopeErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    cred: Credential,
    Json(body): Json<CreateConversation>,
) -> ApiResult<ConversationOut> {
    let point = conversation_point(&cred, "Conversation.create");
    cred.require(&state, Need::Credential(point)).await?;
    let bot_id = match body.bot_id.as_deref().filter(|b| !b.is_empty()) {
        None => None,
        Some(raw) => {
            let bot_id = id(raw, "bot_id").map(BotId)?;
            let bot = state
                .store
                .bot(bot_id)
                .await?
                .ok_or_else(|| ApiError::not_found("Bot not found."))?;
            cred.require(&state, Need::Bot(point, bot.id, bot.workspace_id))
                .await?;
            Some(bot.id.get())
        }
    };
    let meta = body.meta_data.unwrap_or_default();
    check_meta(&meta)?;
    let conversation = Conversation {
        id: buckle_core::ids::new_id(),
        owner: owner_of(&state, &cred).await?,
        session_name: session_of(&cred).to_string(),
        bot_id,
        meta_data: serde_json::to_string(&meta).map_err(|_| ApiError::internal())?,
        created_at: state.clock.now(),
    };
    state.store.create_conversation(&conversation).await?;
    ok(conversation.into())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RetrieveParams {
    conversation_id: String,
}

/// `GET /v1/conversation/retrieve?conversation_id=`.
#[utoipa::path(
    get,
    path = "/v1/conversation/retrieve",
    summary = "One conversation (Conversation.list) of the token's owner and session_name",
    params(RetrieveParams),
    security(("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<ConversationOut>), EnvelopeErrors)
)]
pub async fn retrieve(
    State(state): State<AppState>,
    cred: Credential,
    Query(q): Query<RetrieveParams>,
) -> ApiResult<ConversationOut> {
    let point = conversation_point(&cred, "Conversation.list");
    cred.require(&state, Need::Credential(point)).await?;
    let conversation_id = id(&q.conversation_id, "conversation_id")?;
    let found = state
        .store
        .conversation_of(
            conversation_id,
            &owner_of(&state, &cred).await?,
            session_of(&cred),
        )
        .await?
        .ok_or_else(|| ApiError::not_found("Conversation not found."))?;
    ok(found.into())
}
