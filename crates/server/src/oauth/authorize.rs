//! `GET .../authorize`: the consent page (after sign-in); `POST .../consent`: the
//! user's decision, answered with a redirect to the app's exact redirect URI.

use super::client::ClientType;
use super::obo;
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::console::form::{PageForm, PageQuery};
use crate::console::login::{redirect_to_login, session_account};
use crate::console::page::{both, esc, hidden, message, render};
use crate::extract::{Path, id};
use axum::extract::{OriginalUri, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use buckle_core::TokenKind;
use buckle_core::pkce::{self, Method};
use buckle_core::redirect;
use buckle_core::secret::{constant_time_eq, hash_secret};
use buckle_store::{AuthCode, OAuthApp};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa::ToSchema;

/// Authorization codes live ten minutes at most.
const CODE_TTL: i64 = 600;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

fn bad(en: &str, zh: &str) -> Response {
    message(
        StatusCode::BAD_REQUEST,
        "Authorization failed",
        "授权失败",
        en,
        zh,
    )
}

fn refused(html: &str) -> Response {
    render(
        StatusCode::FORBIDDEN,
        "Authorization refused",
        "无法授权",
        &format!("<p>{html}</p>"),
    )
}

fn go(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

/// Redirect back to the app with an error (only once the redirect URI is known good).
/// `iss` names this server (RFC 9207), as on success.
fn redirect_error(uri: &str, error: &str, state: Option<&str>, iss: &str) -> Response {
    let mut params = vec![("error", error)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    params.push(("iss", iss));
    go(redirect::with_params(uri, &params))
}

/// Why a request cannot go on: a page of ours (the redirect URI is not known
/// good), or an error sent back to the app's registered redirect URI.
enum Stop {
    Page(Response),
    Redirect(Response),
}

impl Stop {
    fn response(self) -> Response {
        match self {
            Stop::Page(r) | Stop::Redirect(r) => r,
        }
    }
}

/// What survives from the request to the consent form: checked parameters.
struct Checked {
    app: OAuthApp,
    redirect_uri: String,
    state: Option<String>,
    challenge: Option<(String, Method)>,
}

/// Validates everything the consent depends on. `Err` is the response to give.
async fn check(state: &AppState, p: &AuthorizeParams) -> Result<Checked, Stop> {
    let Some(client_id) = p
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 128)
    else {
        return Err(Stop::Page(bad(
            "The request names no app (client_id).",
            "请求缺少应用 client_id。",
        )));
    };
    let app = match state.store.app_by_client_id(client_id).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return Err(Stop::Page(bad(
                "Unknown app (client_id).",
                "未知应用（client_id）。",
            )));
        }
        Err(_) => return Err(Stop::Page(bad("Service internal error.", "服务内部错误。"))),
    };
    let Some(uri) = p.redirect_uri.as_deref() else {
        return Err(Stop::Page(bad(
            "The request has no redirect_uri.",
            "请求缺少 redirect_uri。",
        )));
    };
    // Never redirect anywhere before the URI is known to be registered, exactly.
    if !redirect::matches(&app.redirect_uri_list(), uri) {
        return Err(Stop::Page(bad(
            "The redirect_uri is not registered for this app.",
            "该 redirect_uri 未在此应用中登记。",
        )));
    }
    if let Err(e) = super::client::check_flow(&app, &[ClientType::Web, ClientType::Pkce]) {
        return Err(Stop::Page(bad(
            &e.message,
            "应用类型或状态不允许此授权方式。",
        )));
    }
    let st = p.state.clone().filter(|s| !s.is_empty());
    if p.response_type.as_deref() != Some("code") {
        return Err(Stop::Redirect(redirect_error(
            uri,
            "unsupported_response_type",
            st.as_deref(),
            &state.config.public_url,
        )));
    }
    let challenge = match (
        p.code_challenge.as_deref().filter(|c| !c.is_empty()),
        Method::parse(p.code_challenge_method.as_deref()),
    ) {
        (Some(c), Some(m)) if pkce::well_formed(c) => Some((c.to_string(), m)),
        (Some(_), _) => {
            return Err(Stop::Redirect(redirect_error(
                uri,
                "invalid_request",
                st.as_deref(),
                &state.config.public_url,
            )));
        }
        (None, _) => None,
    };
    // Public clients must bind their code to a verifier.
    if challenge.is_none() && ClientType::of(&app) == Some(ClientType::Pkce) {
        return Err(Stop::Redirect(redirect_error(
            uri,
            "invalid_request",
            st.as_deref(),
            &state.config.public_url,
        )));
    }
    Ok(Checked {
        app,
        redirect_uri: uri.to_string(),
        state: st,
        challenge,
    })
}

async fn show_impl(
    state: AppState,
    headers: HeaderMap,
    uri: String,
    p: AuthorizeParams,
    workspace: Option<i64>,
) -> Response {
    let checked = check(&state, &p).await;
    if let Err(Stop::Page(r)) = checked {
        return r;
    }
    // RFC 9700 §4.11.2: the person signs in before any redirect to the app, even
    // an error one, so a registered URI cannot turn this server's address into a
    // one-click trip to a phishing page.
    let Some((user, csrf)) = session_account(&state, &headers).await else {
        return redirect_to_login(&uri);
    };
    let c = match checked {
        Ok(c) => c,
        Err(stop) => return stop.response(),
    };
    let mut body = match obo::describe(&state, &c.app, &user, workspace).await {
        Ok(b) => b,
        Err(obo::Refusal(html)) => return refused(&html),
    };
    body.push_str(&format!(
        "<p class=\"muted\">{} {}</p>",
        both("Signed in as", "当前登录账号"),
        esc(&user.user_name)
    ));
    let (challenge, method) = c
        .challenge
        .as_ref()
        .map(|(c, m)| (c.as_str(), m.as_str()))
        .unwrap_or(("", ""));
    let form = format!(
        "<form method=\"post\" action=\"/api/permission/oauth2/consent\">{}{}{}{}{}{}{}{}{}\
         <button type=\"submit\" name=\"decision\" value=\"approve\">{}</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">{}</button></form>",
        body,
        hidden("client_id", &c.app.client_id),
        hidden("redirect_uri", &c.redirect_uri),
        hidden("state", c.state.as_deref().unwrap_or("")),
        hidden("code_challenge", challenge),
        hidden("code_challenge_method", method),
        hidden(
            "workspace_id",
            &workspace.map(|w| w.to_string()).unwrap_or_default()
        ),
        hidden("csrf", &csrf),
        "",
        both("Authorize", "授权"),
        both("Deny", "拒绝"),
    );
    render(StatusCode::OK, "Authorize app", "授权应用", &form)
}

/// `GET /api/permission/oauth2/authorize`.
#[utoipa::path(
    get,
    path = "/api/permission/oauth2/authorize",
    summary = "Authorization code / PKCE: sign-in, then the consent page; redirects to the exact redirect URI with code and state",
    params(AuthorizeParams),
    security(()),
    responses(PageAnswers)
)]
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery<AuthorizeParams>,
) -> Response {
    show_impl(state, headers, uri.to_string(), p, None).await
}

/// `GET /api/permission/oauth2/workspace_id/{workspace_id}/authorize`: pins one workspace.
#[utoipa::path(
    get,
    path = "/api/permission/oauth2/workspace_id/{workspace_id}/authorize",
    summary = "As authorize, pinned to one workspace",
    params(("workspace_id" = String, Path), AuthorizeParams),
    security(()),
    responses(PageAnswers)
)]
pub async fn show_in_workspace(
    State(state): State<AppState>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    Path(workspace_id): Path<String>,
    PageQuery(p): PageQuery<AuthorizeParams>,
) -> Response {
    let Ok(ws) = id(&workspace_id, "workspace_id") else {
        return bad("Invalid workspace id.", "无效的工作空间 ID。");
    };
    show_impl(state, headers, uri.to_string(), p, Some(ws)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentForm {
    client_id: String,
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
    #[serde(default)]
    workspace_id: String,
    #[serde(default)]
    edition: String,
    #[schema(schema_with = crate::api_doc::decision)]
    decision: String,
    csrf: String,
}

/// `POST /api/permission/oauth2/consent`.
#[utoipa::path(
    post,
    path = "/api/permission/oauth2/consent",
    summary = "The consent form's decision (session cookie and form CSRF token)",
    request_body(content = ConsentForm, content_type = "application/x-www-form-urlencoded"),
    security(()),
    responses(PageAnswers)
)]
pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageForm(f): PageForm<ConsentForm>,
) -> Response {
    let Some((user, csrf)) = session_account(&state, &headers).await else {
        return message(
            StatusCode::UNAUTHORIZED,
            "Sign in first",
            "请先登录",
            "Your session has ended; start the authorization again.",
            "会话已结束，请重新发起授权。",
        );
    };
    if !constant_time_eq(&f.csrf, &csrf) {
        return message(
            StatusCode::FORBIDDEN,
            "Authorization failed",
            "授权失败",
            "The form is not from this session; start the authorization again.",
            "表单与当前会话不符，请重新发起授权。",
        );
    }
    let params = AuthorizeParams {
        response_type: Some("code".into()),
        client_id: Some(f.client_id.clone()),
        redirect_uri: Some(f.redirect_uri.clone()),
        state: Some(f.state.clone()),
        code_challenge: Some(f.code_challenge.clone()),
        code_challenge_method: (!f.code_challenge_method.is_empty())
            .then(|| f.code_challenge_method.clone()),
    };
    let c = match check(&state, &params).await {
        Ok(c) => c,
        Err(stop) => return stop.response(),
    };
    if f.decision != "approve" {
        return redirect_error(
            &c.redirect_uri,
            "access_denied",
            c.state.as_deref(),
            &state.config.public_url,
        );
    }
    let pinned = match f.workspace_id.as_str() {
        "" => None,
        raw => match id(raw, "workspace_id") {
            Ok(w) => Some(w),
            Err(_) => return bad("Invalid workspace id.", "无效的工作空间 ID。"),
        },
    };
    let grant = match obo::grant(&state, &c.app, &user, Some(&f.edition), pinned).await {
        Ok(g) => g,
        Err(obo::Refusal(html)) => return refused(&html),
    };
    let code = TokenKind::AuthorizationCode.generate();
    let now = state.clock.now();
    let stored = AuthCode {
        code_hash: hash_secret(&code),
        app_id: c.app.id,
        grant_id: grant.id,
        account_id: user.id,
        redirect_uri: c.redirect_uri.clone(),
        code_challenge: c.challenge.as_ref().map(|(c, _)| c.clone()),
        challenge_method: c.challenge.as_ref().map(|(_, m)| m.as_str().to_string()),
        family_id: buckle_core::ids::new_id(),
        created_at: now,
        expires_at: now + CODE_TTL,
        used_at: None,
    };
    if state.store.insert_code(&stored).await.is_err() {
        return bad("Service internal error.", "服务内部错误。");
    }
    let mut out = vec![("code", code.as_str())];
    if let Some(s) = c.state.as_deref() {
        out.push(("state", s));
    }
    // RFC 9207: the client can check the answer comes from the server it asked.
    out.push(("iss", &state.config.public_url));
    go(redirect::with_params(&c.redirect_uri, &out))
}
