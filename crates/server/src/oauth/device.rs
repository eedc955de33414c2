//! Device authorization: the device code endpoint, the verification page people
//! open (it accepts `?user_code=`), and the polling grant.

use super::client::{ClientType, app_for_flow};
use super::errors::{device, invalid_grant, invalid_request};
use super::issue::{Issued, mint_user_tokens};
use super::obo;
use super::token::{Body, Segment, TokenRequest, parse_body, read_body, read_segment};
use crate::AppState;
use crate::api_doc::OAuthErrors;
use crate::api_doc::PageAnswers;
use crate::error::OAuthError;
use crate::peer::PeerAddress;
use crate::web::consent::{AppView, app_view};
use crate::web::form::{PageForm, PageQuery};
use crate::web::page::{Frame, Notice, redirect_to_login, render};
use crate::web::{Key, Visitor};
use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use buckle_core::DeviceStatus;
use buckle_core::TokenKind;
use buckle_core::device::{Poll, Status, new_user_code, normalize_user_code, poll};
use buckle_core::secret::{constant_time_eq, hash_secret};
use buckle_core::token_body::DeviceCodeRequest;
use buckle_store::{DeviceCode, Redeemed};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use utoipa::IntoParams;
use utoipa::ToSchema;

async fn issue_code(
    state: &AppState,
    headers: &HeaderMap,
    body: Bytes,
    workspace: Option<&str>,
) -> Result<Response, OAuthError> {
    let req: DeviceCodeRequest = parse_body(headers, &body)?.into();
    let app = app_for_flow(state, req.client_id.as_deref(), &[ClientType::Device]).await?;
    let workspace_id = match workspace {
        None => None,
        Some(raw) => {
            let ws = buckle_core::WorkspaceId::parse(raw)
                .ok_or_else(|| invalid_request("workspace_id"))?;
            state
                .store
                .workspace(ws)
                .await?
                .ok_or_else(|| invalid_request("workspace_id"))?;
            Some(ws)
        }
    };
    let now = state.clock.now();
    let device_code = TokenKind::DeviceCode.generate();
    let mut attempts = 0;
    let user_code = loop {
        let user_code = new_user_code();
        let row = DeviceCode {
            device_code_hash: hash_secret(&device_code),
            user_code: user_code.clone(),
            app_id: app.id,
            workspace_id,
            status: DeviceStatus::Pending,
            grant_id: None,
            account_id: None,
            poll_interval: state.config.device_poll_interval,
            last_poll_at_ms: None,
            created_at: now,
            expires_at: now + state.config.device_code_ttl,
            used_at: None,
        };
        match state.store.insert_device_code(&row).await {
            Ok(()) => break user_code,
            // A user code collision: draw another.
            Err(buckle_store::StoreError::Conflict) if attempts < 5 => attempts += 1,
            Err(e) => return Err(e.into()),
        }
    };
    Ok(Json(DeviceCodeResponse {
        device_code,
        user_code,
        verification_uri: format!("{}{}", state.config.public_url, super::DEVICE_PAGE),
        expires_in: state.config.device_code_ttl,
        interval: state.config.device_poll_interval,
    })
    .into_response())
}

/// The device authorization answer (RFC 8628 §3.2).
#[derive(Serialize, ToSchema)]
pub struct DeviceCodeResponse {
    device_code: String,
    user_code: String,
    verification_uri: String,
    /// Seconds from now (relative, unlike the token endpoint's).
    expires_in: i64,
    /// Seconds to wait between polls.
    interval: i64,
}

/// `POST /api/permission/oauth2/device/code`.
#[utoipa::path(
    post,
    path = "/api/permission/oauth2/device/code",
    summary = "Device authorization: device_code, user_code, verification_uri, expires_in (relative), interval",
    request_body = DeviceCodeRequest,
    security(()),
    responses((status = 200, description = "Success", body = DeviceCodeResponse), OAuthErrors)
)]
pub async fn code(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let issued = match read_body(body) {
        Ok(body) => issue_code(&state, &headers, body, None).await,
        Err(e) => Err(e),
    };
    issued.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /api/permission/oauth2/workspace_id/{workspace_id}/device/code`.
#[utoipa::path(
    post,
    path = "/api/permission/oauth2/workspace_id/{workspace_id}/device/code",
    summary = "Device authorization pinned to one workspace",
    params(("workspace_id" = String, Path)),
    request_body = DeviceCodeRequest,
    security(()),
    responses((status = 200, description = "Success", body = DeviceCodeResponse), OAuthErrors)
)]
pub async fn code_in_workspace(
    State(state): State<AppState>,
    workspace_id: Segment,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let issued = match (read_body(body), read_segment(workspace_id, "workspace_id")) {
        (Ok(body), Ok(ws)) => issue_code(&state, &headers, body, Some(&ws)).await,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    issued.unwrap_or_else(IntoResponse::into_response)
}

/// The polling grant.
pub async fn exchange(state: &AppState, req: &TokenRequest) -> Result<Issued, OAuthError> {
    let app = app_for_flow(state, req.client_id.as_deref(), &[ClientType::Device]).await?;
    let code = req
        .device_code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid_request("device_code"))?;
    let hash = hash_secret(code);
    let (row, grant) = state
        .store
        .device_code_and_grant(&hash)
        .await?
        .filter(|(r, _)| r.app_id == app.id)
        .ok_or_else(|| invalid_grant("the device code is invalid"))?;
    if row.used_at.is_some() {
        return Err(invalid_grant("the device code was already used"));
    }
    let now = state.clock.now();
    let status = match row.status {
        DeviceStatus::Approved => Status::Approved,
        DeviceStatus::Denied => Status::Denied,
        DeviceStatus::Pending => Status::Pending,
    };
    let now_ms = state.clock.now_ms();
    let answer = poll(
        status,
        row.expires_at * 1000,
        row.last_poll_at_ms,
        row.poll_interval,
        now_ms,
    );
    // An approved code is used up below; only a code polled again needs the time.
    if !matches!(answer, Poll::Approved) {
        state.store.record_device_poll(&hash, now_ms).await?;
    }
    match answer {
        Poll::Pending => Err(device(
            "authorization_pending",
            "The user has not approved the request yet.",
        )),
        Poll::SlowDown => Err(device(
            "slow_down",
            "Polling faster than the interval; slow down.",
        )),
        Poll::Denied => Err(device("access_denied", "The user denied the request.")),
        Poll::Expired => Err(device("expired_token", "The device code has expired.")),
        Poll::Approved => {
            let grant = grant.ok_or_else(|| invalid_grant("the authorization was revoked"))?;
            let family = buckle_core::ids::new_id();
            let minted = mint_user_tokens(state, &app, &grant, family, now).await?;
            // Used up in the transaction that stores the tokens: both or neither.
            match state
                .store
                .redeem_device_code(&hash, now, &minted.rows)
                .await?
            {
                Redeemed::Issued => {
                    state.credentials.issued(&minted.rows.access.token_hash);
                    Ok(minted.issued)
                }
                Redeemed::AlreadyUsed | Redeemed::FamilyRevoked => {
                    Err(invalid_grant("the device code was already used"))
                }
                Redeemed::AuthorizationGone => Err(invalid_grant("the authorization was revoked")),
            }
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    user_code: Option<String>,
}

/// The code-entry page, or a refusal with (`with_form`) or without the form. The
/// form is a GET, so it carries no CSRF token (that would land in URLs).
#[derive(Template)]
#[template(path = "device_entry.html")]
struct EntryPage {
    frame: Frame,
    error: Option<String>,
    with_form: bool,
}

/// A pending request to approve or deny.
#[derive(Template)]
#[template(path = "device_confirm.html")]
struct ConfirmPage<'a> {
    frame: Frame,
    asks: &'static str,
    app: AppView,
    user_code: &'a str,
    csrf: &'a str,
}

fn entry(
    visitor: &Visitor,
    status: StatusCode,
    error: Option<String>,
    with_form: bool,
) -> Response {
    let page = EntryPage {
        frame: Frame::new(visitor, Key("device.title")),
        error,
        with_form,
    };
    render(status, &page)
}

/// A pending, unexpired device request by what the person typed.
async fn pending(state: &AppState, typed: &str) -> Option<DeviceCode> {
    let code = normalize_user_code(typed)?;
    let row = state.store.device_code_by_user_code(&code).await.ok()??;
    (row.status == DeviceStatus::Pending && row.expires_at > state.clock.now()).then_some(row)
}

/// Why a typed user code found no request to decide.
enum Refused {
    /// Too many wrong codes from this account or address (RFC 8628 §5.1): wait.
    TooMany(i64),
    Unknown,
    Unavailable,
}

fn unavailable(e: buckle_store::StoreError) -> Refused {
    tracing::error!(error = %e, "storage failure while checking a user code");
    Refused::Unavailable
}

/// The pending request of a typed user code, counting wrong codes against the
/// account and the address and refusing everything while they must wait.
async fn pending_guarded(
    state: &AppState,
    account_id: buckle_core::AccountId,
    address: IpAddr,
    typed: &str,
) -> Result<DeviceCode, Refused> {
    let now = state.clock.now();
    let wait = state
        .throttle
        .user_code_wait(&state.store, account_id, address, now)
        .await
        .map_err(unavailable)?;
    if wait > 0 {
        return Err(Refused::TooMany(wait));
    }
    match pending(state, typed).await {
        Some(row) => Ok(row),
        None => {
            state
                .throttle
                .user_code_failed(&state.store, account_id, address, now)
                .await
                .map_err(unavailable)?;
            Err(Refused::Unknown)
        }
    }
}

/// The page answering a refused user code.
fn refused(visitor: &Visitor, why: Refused, with_form: bool) -> Response {
    let lang = visitor.lang;
    let (status, msg) = match why {
        Refused::TooMany(wait) => (
            StatusCode::TOO_MANY_REQUESTS,
            lang.fill(Key("device.too_many"), &[("wait", &lang.seconds(wait))]),
        ),
        Refused::Unknown => (
            StatusCode::NOT_FOUND,
            lang.t("device.unknown_code").to_string(),
        ),
        Refused::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            lang.t("device.unavailable").to_string(),
        ),
    };
    entry(visitor, status, Some(msg), with_form)
}

fn refused_consent(visitor: &Visitor, why: obo::Refusal) -> Response {
    Notice::show(
        StatusCode::FORBIDDEN,
        visitor,
        Key("consent.refused"),
        why.0,
    )
}

/// `GET /oauth/device[?user_code=]`.
#[utoipa::path(
    get,
    path = "/oauth/device",
    summary = "Device verification page; accepts ?user_code=",
    params(PageParams),
    security(()),
    responses(PageAnswers)
)]
pub async fn page(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    visitor: Visitor,
    PageQuery(q): PageQuery<PageParams>,
) -> Response {
    let Some(session) = &visitor.session else {
        return redirect_to_login(&visitor.here);
    };
    let user = &session.account;
    let Some(typed) = q.user_code.filter(|c| !c.trim().is_empty()) else {
        return entry(&visitor, StatusCode::OK, None, true);
    };
    let row = match pending_guarded(&state, user.id, address, &typed).await {
        Ok(row) => row,
        Err(why) => return refused(&visitor, why, true),
    };
    let Ok(Some(app)) = state.store.app(row.app_id).await else {
        return Notice::show(
            StatusCode::NOT_FOUND,
            &visitor,
            Key("device.title"),
            Key("device.app_gone"),
        );
    };
    let pinned_name = match row.workspace_id {
        Some(ws) => match obo::member_workspace(&state, ws, user).await {
            Ok(w) => Some(w.name),
            Err(why) => {
                return Notice::show(StatusCode::FORBIDDEN, &visitor, Key("device.title"), why.0);
            }
        },
        None => None,
    };
    let page = ConfirmPage {
        frame: Frame::new(&visitor, Key("device.title")),
        asks: Key("consent.asks").0,
        app: app_view(&state, &app, user, pinned_name, visitor.lang).await,
        user_code: &row.user_code,
        csrf: &session.csrf_token,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DeviceDecisionForm)]
pub struct DecisionForm {
    user_code: String,
    #[serde(default)]
    edition: String,
    #[schema(schema_with = crate::api_doc::decision)]
    decision: String,
    csrf: String,
}

/// `POST /oauth/device`: approve or deny.
#[utoipa::path(
    post,
    path = "/oauth/device",
    summary = "Device verification decision",
    request_body(content = DecisionForm, content_type = "application/x-www-form-urlencoded"),
    security(()),
    responses(PageAnswers)
)]
pub async fn decide(
    State(state): State<AppState>,
    PeerAddress(address): PeerAddress,
    visitor: Visitor,
    PageForm(f): PageForm<DecisionForm>,
) -> Response {
    let Some(session) = &visitor.session else {
        return redirect_to_login(super::DEVICE_PAGE);
    };
    let user = &session.account;
    if !constant_time_eq(&f.csrf, &session.csrf_token) {
        return Notice::show(
            StatusCode::FORBIDDEN,
            &visitor,
            Key("device.title"),
            Key("device.form_mismatch"),
        );
    }
    let row = match pending_guarded(&state, user.id, address, &f.user_code).await {
        Ok(row) => row,
        Err(why) => return refused(&visitor, why, false),
    };
    let now = state.clock.now();
    if f.decision != "approve" {
        let _ = state
            .store
            .decide_device_code(&row.user_code, DeviceStatus::Denied, None, user.id, now)
            .await;
        return Notice::show(
            StatusCode::OK,
            &visitor,
            Key("device.denied_title"),
            Key("device.denied_text"),
        );
    }
    let Ok(Some(app)) = state.store.app(row.app_id).await else {
        return Notice::show(
            StatusCode::NOT_FOUND,
            &visitor,
            Key("device.title"),
            Key("device.app_gone"),
        );
    };
    if super::client::check_flow(&app, &[ClientType::Device]).is_err() {
        return Notice::show(
            StatusCode::FORBIDDEN,
            &visitor,
            Key("device.title"),
            Key("device.not_authorizable"),
        );
    }
    let grant = match obo::grant(&state, &app, user, Some(&f.edition), row.workspace_id).await {
        Ok(g) => g,
        Err(why) => return refused_consent(&visitor, why),
    };
    match state
        .store
        .decide_device_code(
            &row.user_code,
            DeviceStatus::Approved,
            Some(grant.id),
            user.id,
            now,
        )
        .await
    {
        Ok(true) => Notice::show(
            StatusCode::OK,
            &visitor,
            Key("device.connected_title"),
            Key("device.connected_text"),
        ),
        _ => Notice::show(
            StatusCode::CONFLICT,
            &visitor,
            Key("device.title"),
            Key("device.code_used"),
        ),
    }
}
