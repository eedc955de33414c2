//! `/console/channels[?org=]`: the space's publish channels, each with its bound
//! channel app and published bots. The person (personal edition) or the
//! organization's admins create channels, bind an app, publish and unpublish bots,
//! and delete a channel after a confirmation page; members only see them. The
//! rules are in `service::channels`.

use super::confirm::{self, Ask, ButtonForm};
use super::context::{Answer, Console, OrRefusal, Section};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::service::{apps, channels};
use crate::web::form::{FieldErrors, PageForm};
use crate::web::page::{Frame, render};
use crate::web::when::day;
use crate::web::{Key, refusal};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use buckle_core::AppType;
use serde::Deserialize;
use utoipa::ToSchema;

struct BotRow {
    bot_id: String,
    since: String,
    unpublish_action: String,
}

struct ChannelRow {
    id: String,
    name: String,
    /// The bound app's name and client id.
    app: Option<(String, String)>,
    bots: Vec<BotRow>,
    bind_action: String,
    unbind_action: String,
    publish_action: String,
    delete_href: String,
}

/// A channel app of the space, offered for binding.
struct AppChoice {
    client_id: String,
    name: String,
}

#[derive(Template)]
#[template(path = "console/channels.html")]
struct ChannelsPage {
    frame: Frame,
    csrf: String,
    may_manage: bool,
    channels: Vec<ChannelRow>,
    apps: Vec<AppChoice>,
    action: String,
    name: String,
    errors: FieldErrors,
}

/// A new channel's name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannelForm {
    csrf: String,
    name: String,
}

/// The channel app to bind, by client id.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindForm {
    csrf: String,
    app_id: String,
}

/// The bot to publish, by id.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishForm {
    csrf: String,
    bot_id: String,
}

async fn page(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    name: String,
    errors: FieldErrors,
) -> Answer {
    let caller = &console.caller;
    let org = console.space.org();
    let list = channels::list(state, caller, org)
        .await
        .or_refusal(console)?;
    let space_apps = apps::list(state, caller, org).await.or_refusal(console)?;
    let mut rows = Vec::with_capacity(list.len());
    for c in list {
        let bots = state
            .store
            .publications(c.id)
            .await
            .map_err(|e| console.refused(&crate::service::ServiceError::from(e)))?;
        let id = c.id.to_string();
        let path = |rest: &str| console.href(&format!("/console/channels/{id}{rest}"));
        rows.push(ChannelRow {
            app: c.app_id.and_then(|a| {
                space_apps
                    .iter()
                    .find(|app| app.id == a)
                    .map(|app| (app.name.clone(), app.client_id.clone()))
            }),
            bots: bots
                .into_iter()
                .map(|p| BotRow {
                    unpublish_action: path(&format!("/bots/{}/unpublish", p.bot_id)),
                    bot_id: p.bot_id.to_string(),
                    since: day(p.published_at),
                })
                .collect(),
            bind_action: path("/app"),
            unbind_action: path("/unbind"),
            publish_action: path("/bots"),
            delete_href: path("/delete"),
            name: c.name,
            id,
        });
    }
    Ok(render(
        status,
        &ChannelsPage {
            frame: console.frame(Key("channels.title"), Section::Channels),
            csrf: console.csrf.clone(),
            may_manage: console.space.is_admin(),
            channels: rows,
            apps: space_apps
                .into_iter()
                .filter(|a| a.app_type == AppType::Channel)
                .map(|a| AppChoice {
                    client_id: a.client_id,
                    name: a.name,
                })
                .collect(),
            action: console.href("/console/channels"),
            name,
            errors,
        },
    ))
}

#[utoipa::path(
    get,
    path = "/console/channels",
    summary = "The space's publish channels, their apps and published bots",
    params(("org" = Option<String>, Query, description = "The team or enterprise")),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn show(State(state): State<AppState>, console: Console) -> Answer {
    page(
        &state,
        &console,
        StatusCode::OK,
        String::new(),
        FieldErrors::default(),
    )
    .await
}

#[utoipa::path(
    post,
    path = "/console/channels",
    summary = "Create a publish channel (the person, or the organization's admins)",
    params(("org" = Option<String>, Query, description = "The team or enterprise")),
    request_body(content = CreateChannelForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn create(
    State(state): State<AppState>,
    console: Console,
    PageForm(form): PageForm<CreateChannelForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let org = console.space.org();
    match channels::create(&state, &console.caller, &form.name, org).await {
        Ok(_) => Ok(console.see_other("/console/channels")),
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("name", refusal::localized(&e, console.lang));
            page(&state, &console, refusal::status_for(&e), form.name, errors).await
        }
    }
}

#[utoipa::path(
    post,
    path = "/console/channels/{channel_id}/app",
    summary = "Bind a channel app of the space to the channel",
    params(
        ("channel_id" = String, Path, description = "The channel's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    request_body(content = BindForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn bind(
    State(state): State<AppState>,
    console: Console,
    Path(channel_id): Path<String>,
    PageForm(form): PageForm<BindForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    channels::bind_app(&state, &console.caller, &channel_id, form.app_id.trim())
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/channels"))
}

#[utoipa::path(
    post,
    path = "/console/channels/{channel_id}/unbind",
    summary = "Unbind the channel's app: it gets no more tokens and its tokens reach no bot",
    params(
        ("channel_id" = String, Path, description = "The channel's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn unbind(
    State(state): State<AppState>,
    console: Console,
    Path(channel_id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    channels::unbind_app(&state, &console.caller, &channel_id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/channels"))
}

#[utoipa::path(
    post,
    path = "/console/channels/{channel_id}/bots",
    summary = "Publish a bot of the space to the channel",
    params(
        ("channel_id" = String, Path, description = "The channel's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    request_body(content = PublishForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn publish(
    State(state): State<AppState>,
    console: Console,
    Path(channel_id): Path<String>,
    PageForm(form): PageForm<PublishForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    channels::publish(&state, &console.caller, &channel_id, form.bot_id.trim())
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/channels"))
}

#[utoipa::path(
    post,
    path = "/console/channels/{channel_id}/bots/{bot_id}/unpublish",
    summary = "Unpublish a bot: the channel app's tokens are refused for it at their next call",
    params(
        ("channel_id" = String, Path, description = "The channel's id"),
        ("bot_id" = String, Path, description = "The bot's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn unpublish(
    State(state): State<AppState>,
    console: Console,
    Path((channel_id, bot_id)): Path<(String, String)>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    channels::unpublish(&state, &console.caller, &channel_id, &bot_id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/channels"))
}

#[utoipa::path(
    get,
    path = "/console/channels/{channel_id}/delete",
    summary = "Confirm deleting a channel: its app's tokens reach no bot any more",
    params(
        ("channel_id" = String, Path, description = "The channel's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn delete_confirm(
    State(state): State<AppState>,
    console: Console,
    Path(channel_id): Path<String>,
) -> Answer {
    let channel = channels::managed(&state, &console.caller, &channel_id)
        .await
        .or_refusal(&console)?;
    let lang = console.lang;
    Ok(confirm::page(
        &console,
        Ask {
            title: Key("channels.delete_title"),
            section: Section::Channels,
            question: lang.fill(Key("channels.delete_question"), &[("name", &channel.name)]),
            warning: Some(lang.t("channels.delete_warning").to_string()),
            undoable: false,
            button: Key("console.delete"),
            action: format!("/console/channels/{}/delete", channel.id),
            back: "/console/channels".to_string(),
        },
    ))
}

#[utoipa::path(
    post,
    path = "/console/channels/{channel_id}/delete",
    summary = "Delete a channel and its publications",
    params(
        ("channel_id" = String, Path, description = "The channel's id"),
        ("org" = Option<String>, Query, description = "The team or enterprise"),
    ),
    request_body(content = ButtonForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(PageAnswers)
)]
pub async fn delete(
    State(state): State<AppState>,
    console: Console,
    Path(channel_id): Path<String>,
    PageForm(form): PageForm<ButtonForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    channels::delete(&state, &console.caller, &channel_id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other("/console/channels"))
}
