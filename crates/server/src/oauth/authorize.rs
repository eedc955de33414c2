//! `GET .../authorize`: the consent page (after sign-in); `POST .../consent`: the
//! user's decision, answered with a redirect to the app's exact redirect URI.

use super::client::ClientType;
use super::obo;
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::extract::{Path, id};
use crate::web::consent::{AppView, app_view};
use crate::web::form::{PageForm, PageQuery};
use crate::web::page::{Frame, Notice, redirect_to_login, render};
use crate::web::{Key, Lang, Visitor};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use buckle_core::pkce::{self, Method};
use buckle_core::redirect;
use buckle_core::secret::{constant_time_eq, hash_secret};
use buckle_core::{TokenKind, WorkspaceId};
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

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    frame: Frame,
    /// The message key introducing the app (shared part with the device page).
    asks: &'static str,
    app: AppView,
    user_name: &'a str,
    client_id: &'a str,
    redirect_uri: &'a str,
    state: &'a str,
    code_challenge: &'a str,
    code_challenge_method: &'a str,
    workspace_id: String,
    csrf: &'a str,
}

/// The page of a request that cannot go on, saying why (`text`, in the page's language).
fn failed(visitor: &Visitor, text: String) -> Response {
    Notice::text(
        StatusCode::BAD_REQUEST,
        visitor.lang,
        Key("consent.failed"),
        text,
    )
}

fn bad(visitor: &Visitor, text: Key) -> Response {
    failed(visitor, visitor.lang.t(text.0).to_string())
}

fn refused(visitor: &Visitor, why: obo::Refusal) -> Response {
    Notice::show(
        StatusCode::FORBIDDEN,
        visitor,
        Key("consent.refused"),
        why.0,
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
    /// The page's text, in its language.
    Page(String),
    Redirect(Response),
}

impl Stop {
    fn response(self, visitor: &Visitor) -> Response {
        match self {
            Stop::Page(text) => failed(visitor, text),
            Stop::Redirect(r) => r,
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
async fn check(state: &AppState, p: &AuthorizeParams, lang: Lang) -> Result<Checked, Stop> {
    let said = |key: Key| Stop::Page(lang.t(key.0).to_string());
    let Some(client_id) = p
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 128)
    else {
        return Err(said(Key("consent.no_client_id")));
    };
    let app = match state.store.app_by_client_id(client_id).await {
        Ok(Some(a)) => a,
        Ok(None) => return Err(said(Key("consent.unknown_app"))),
        Err(_) => return Err(said(Key("common.internal"))),
    };
    let Some(uri) = p.redirect_uri.as_deref() else {
        return Err(said(Key("consent.no_redirect_uri")));
    };
    // Never redirect anywhere before the URI is known to be registered, exactly.
    if !redirect::matches(&app.redirect_uri_list(), uri) {
        return Err(said(Key("consent.unregistered_redirect")));
    }
    if super::client::check_flow(&app, &[ClientType::Web, ClientType::Pkce]).is_err() {
        return Err(Stop::Page(if app.enabled {
            lang.t("consent.invalid_app_type").to_string()
        } else {
            lang.fill(Key("consent.app_disabled"), &[("app", &app.name)])
        }));
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
    if challenge.is_none() && app.client_type == ClientType::Pkce {
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
    visitor: Visitor,
    uri: String,
    p: AuthorizeParams,
    workspace: Option<WorkspaceId>,
) -> Response {
    let checked = match check(&state, &p, visitor.lang).await {
        Err(Stop::Page(text)) => return failed(&visitor, text),
        other => other,
    };
    // RFC 9700 §4.11.2: the person signs in before any redirect to the app, even
    // an error one, so a registered URI cannot turn this server's address into a
    // one-click trip to a phishing page.
    let Some(session) = &visitor.session else {
        return redirect_to_login(&uri);
    };
    let c = match checked {
        Ok(c) => c,
        Err(stop) => return stop.response(&visitor),
    };
    let user = &session.account;
    let pinned_name = match workspace {
        Some(ws) => match obo::member_workspace(&state, ws, user).await {
            Ok(w) => Some(w.name),
            Err(why) => return refused(&visitor, why),
        },
        None => None,
    };
    let (challenge, method) = c
        .challenge
        .as_ref()
        .map(|(c, m)| (c.as_str(), m.as_str()))
        .unwrap_or(("", ""));
    let page = ConsentPage {
        frame: Frame::new(&visitor, Key("consent.title")),
        asks: Key("consent.asks").0,
        app: app_view(&state, &c.app, user, pinned_name, visitor.lang).await,
        user_name: &user.user_name,
        client_id: &c.app.client_id,
        redirect_uri: &c.redirect_uri,
        state: c.state.as_deref().unwrap_or(""),
        code_challenge: challenge,
        code_challenge_method: method,
        workspace_id: workspace.map(|w| w.to_string()).unwrap_or_default(),
        csrf: &session.csrf_token,
    };
    render(StatusCode::OK, &page)
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
    visitor: Visitor,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery<AuthorizeParams>,
) -> Response {
    show_impl(state, visitor, uri.to_string(), p, None).await
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
    visitor: Visitor,
    OriginalUri(uri): OriginalUri,
    Path(workspace_id): Path<String>,
    PageQuery(p): PageQuery<AuthorizeParams>,
) -> Response {
    let Ok(ws) = id(&workspace_id, "workspace_id").map(WorkspaceId) else {
        return bad(&visitor, Key("consent.invalid_workspace"));
    };
    show_impl(state, visitor, uri.to_string(), p, Some(ws)).await
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
    visitor: Visitor,
    PageForm(f): PageForm<ConsentForm>,
) -> Response {
    let Some(session) = &visitor.session else {
        return Notice::show(
            StatusCode::UNAUTHORIZED,
            &visitor,
            Key("consent.sign_in_first"),
            Key("consent.session_ended"),
        );
    };
    if !constant_time_eq(&f.csrf, &session.csrf_token) {
        return Notice::show(
            StatusCode::FORBIDDEN,
            &visitor,
            Key("consent.failed"),
            Key("consent.form_mismatch"),
        );
    }
    let user = &session.account;
    let params = AuthorizeParams {
        response_type: Some("code".into()),
        client_id: Some(f.client_id.clone()),
        redirect_uri: Some(f.redirect_uri.clone()),
        state: Some(f.state.clone()),
        code_challenge: Some(f.code_challenge.clone()),
        code_challenge_method: (!f.code_challenge_method.is_empty())
            .then(|| f.code_challenge_method.clone()),
    };
    let c = match check(&state, &params, visitor.lang).await {
        Ok(c) => c,
        Err(stop) => return stop.response(&visitor),
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
            Ok(w) => Some(WorkspaceId(w)),
            Err(_) => return bad(&visitor, Key("consent.invalid_workspace")),
        },
    };
    let grant = match obo::grant(&state, &c.app, user, Some(&f.edition), pinned).await {
        Ok(g) => g,
        Err(why) => return refused(&visitor, why),
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
        return bad(&visitor, Key("common.internal"));
    }
    let mut out = vec![("code", code.as_str())];
    if let Some(s) = c.state.as_deref() {
        out.push(("state", s));
    }
    // RFC 9207: the client can check the answer comes from the server it asked.
    out.push(("iss", &state.config.public_url));
    go(redirect::with_params(&c.redirect_uri, &out))
}
