//! OAuth apps: creation, listing, editing, enabling and disabling, deletion; the
//! client secret of web apps; the public keys of service apps; AppAuth
//! authorizations and the shareable authorization link; and the apps a person
//! authorized to act for them (OBO). JSON only: the rules are in
//! `service::{apps, keys, grants}`.

use super::Actor;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::{ApiError, ApiResult, ok};
use crate::error::{Empty, Success};
use crate::extract::{Json, Path, Query, id};
use crate::service::apps::{self as service, AppEdit, NewApp};
use crate::service::grants::{self, AppAuthRequest};
use crate::service::keys;
use crate::service::{Caller, ServiceError};
use axum::extract::State;
use buckle_core::PermissionSet;
use buckle_store::{Grant, OAuthApp};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

/// The permission point a personal access token needs to use this area.
pub const POINT: &str = "Manage.apps";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppType {
    Normal,
    Channel,
}

impl From<AppType> for buckle_core::AppType {
    fn from(t: AppType) -> buckle_core::AppType {
        match t {
            AppType::Normal => buckle_core::AppType::Normal,
            AppType::Channel => buckle_core::AppType::Channel,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientType {
    Web,
    Pkce,
    Device,
    Service,
}

impl From<ClientType> for buckle_core::ClientType {
    fn from(t: ClientType) -> buckle_core::ClientType {
        match t {
            ClientType::Web => buckle_core::ClientType::Web,
            ClientType::Pkce => buckle_core::ClientType::Pkce,
            ClientType::Device => buckle_core::ClientType::Device,
            ClientType::Service => buckle_core::ClientType::Service,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyOut {
    fingerprint: String,
    created_at: i64,
    /// The normalized SubjectPublicKeyInfo PEM, in key listings only.
    #[serde(skip_serializing_if = "Option::is_none")]
    public_pem: Option<String>,
}

/// An app as the management API shows it: never its secret or the secret's hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppOut {
    /// The client id, which is also the app's id on the wire.
    app_id: String,
    name: String,
    description: String,
    app_type: String,
    client_type: String,
    organization_id: Option<String>,
    owner_user_id: Option<String>,
    permissions: Vec<String>,
    redirect_uris: Vec<String>,
    enabled: bool,
    /// The last characters of a web app's client secret.
    secret_last_chars: Option<String>,
    public_keys: Vec<KeyOut>,
    created_at: i64,
    updated_at: i64,
    /// The client secret: only in the response that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

async fn view(
    state: &AppState,
    app: &OAuthApp,
    client_secret: Option<String>,
) -> Result<AppOut, ApiError> {
    let public_keys = keys::of_app(state, app)
        .await?
        .into_iter()
        .map(|k| KeyOut {
            fingerprint: k.fingerprint,
            created_at: k.created_at,
            public_pem: None,
        })
        .collect();
    let web = app.client_type.has_secret();
    Ok(AppOut {
        app_id: app.client_id.clone(),
        name: app.name.clone(),
        description: app.description.clone(),
        app_type: app.app_type.to_string(),
        client_type: app.client_type.to_string(),
        organization_id: app.org_id.clone(),
        owner_user_id: app.owner_account_id.map(|a| a.to_string()),
        permissions: PermissionSet::decode(&app.permissions).names().to_vec(),
        redirect_uris: app
            .redirect_uri_list()
            .into_iter()
            .map(str::to_string)
            .collect(),
        enabled: app.enabled,
        secret_last_chars: (web && !app.secret_hint.is_empty()).then(|| app.secret_hint.clone()),
        public_keys,
        created_at: app.created_at,
        updated_at: app.updated_at,
        client_secret,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Example app", "app_type": "normal", "client_type": "web",
    "permissions": ["Account.readProfile"], "redirect_uris": ["https://app.example.com/callback"]}))]
pub struct CreateApp {
    name: String,
    #[serde(default)]
    description: Option<String>,
    app_type: AppType,
    /// Channel apps are service apps.
    client_type: ClientType,
    /// The team or enterprise that owns the app; absent for a personal app.
    #[serde(default)]
    organization_id: Option<String>,
    permissions: Vec<String>,
    /// Required for web and pkce apps; none for device and service apps.
    #[serde(default)]
    #[schema(max_items = 10)]
    redirect_uris: Vec<String>,
}

/// `POST /api/manage/apps`: the client secret of a web app is returned here, once.
#[utoipa::path(
    post,
    path = "/api/manage/apps",
    summary = "Create an OAuth app; a web app's client secret is returned once",
    request_body = CreateApp,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AppOut>), EnvelopeErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreateApp>,
) -> ApiResult<AppOut> {
    actor.require(POINT)?;
    let req = NewApp {
        name: body.name,
        description: body.description,
        app_type: body.app_type.into(),
        client_type: body.client_type.into(),
        organization_id: body.organization_id,
        permissions: body.permissions,
        redirect_uris: body.redirect_uris,
    };
    let made = service::create(&state, &actor, req).await?;
    ok(view(&state, &made.app, made.client_secret).await?)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EditionParams {
    organization_id: Option<String>,
}

/// `GET /api/manage/apps[?organization_id=]`: the caller's personal apps, or an
/// organization's apps (any member may list them).
#[utoipa::path(
    get,
    path = "/api/manage/apps",
    summary = "The caller's personal OAuth apps, or an organization's (organization_id); Manage.apps",
    params(EditionParams),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<AppOut>>), EnvelopeErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<EditionParams>,
) -> ApiResult<Vec<AppOut>> {
    actor.require(POINT)?;
    let apps = service::list(&state, &actor, q.organization_id.as_deref()).await?;
    let mut out = Vec::with_capacity(apps.len());
    for app in &apps {
        out.push(view(&state, app, None).await?);
    }
    ok(out)
}

/// `GET /api/manage/apps/{app_id}`.
#[utoipa::path(
    get,
    path = "/api/manage/apps/{app_id}",
    summary = "One OAuth app (app_id is its client id); never the secret",
    params(("app_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AppOut>), EnvelopeErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<AppOut> {
    actor.require(POINT)?;
    let (app, _) = service::visible(&state, &actor, &app_id).await?;
    ok(view(&state, &app, None).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApp {
    name: Option<String>,
    description: Option<String>,
    permissions: Option<Vec<String>>,
    redirect_uris: Option<Vec<String>>,
    /// Accepted only to refuse with a clear message: the types never change.
    #[schema(ignore)]
    app_type: Option<serde_json::Value>,
    #[schema(ignore)]
    client_type: Option<serde_json::Value>,
}

/// `PATCH /api/manage/apps/{app_id}`: everything but the app type and client type.
#[utoipa::path(
    patch,
    path = "/api/manage/apps/{app_id}",
    summary = "Edit name, description, permissions, redirect URIs (owner or admins)",
    params(("app_id" = String, Path)),
    request_body = UpdateApp,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AppOut>), EnvelopeErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
    Json(body): Json<UpdateApp>,
) -> ApiResult<AppOut> {
    actor.require(POINT)?;
    if body.app_type.is_some() || body.client_type.is_some() {
        return Err(ApiError::bad_request(
            "The app type and client type of an app cannot be changed; create a new app instead.",
        ));
    }
    let edit = AppEdit {
        name: body.name,
        description: body.description,
        permissions: body.permissions,
        redirect_uris: body.redirect_uris,
    };
    let app = service::update(&state, &actor, &app_id, edit).await?;
    ok(view(&state, &app, None).await?)
}

async fn set_enabled(
    state: AppState,
    actor: Actor,
    app_id: &str,
    enabled: bool,
) -> ApiResult<AppOut> {
    actor.require(POINT)?;
    let app = service::set_enabled(&state, &actor, app_id, enabled).await?;
    ok(view(&state, &app, None).await?)
}

/// `POST /api/manage/apps/{app_id}/disable`: every token of the app is suspended.
#[utoipa::path(
    post,
    path = "/api/manage/apps/{app_id}/disable",
    summary = "Disable an app; every token of it is suspended",
    params(("app_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AppOut>), EnvelopeErrors)
)]
pub async fn disable(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<AppOut> {
    set_enabled(state, actor, &app_id, false).await
}

/// `POST /api/manage/apps/{app_id}/enable`: the same tokens work again.
#[utoipa::path(
    post,
    path = "/api/manage/apps/{app_id}/enable",
    summary = "Enable an app; its unexpired tokens work again",
    params(("app_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AppOut>), EnvelopeErrors)
)]
pub async fn enable(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<AppOut> {
    set_enabled(state, actor, &app_id, true).await
}

/// `DELETE /api/manage/apps/{app_id}`: irreversible; every authorization, code and
/// token of the app goes with it.
#[utoipa::path(
    delete,
    path = "/api/manage/apps/{app_id}",
    summary = "Delete an app; irreversible, revokes every authorization and token",
    params(("app_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    service::delete(&state, &actor, &app_id).await?;
    ok(Empty {})
}

/// `POST /api/manage/apps/{app_id}/secret`: a new client secret for a web app,
/// returned once; the old one stops working at once.
#[utoipa::path(
    post,
    path = "/api/manage/apps/{app_id}/secret",
    summary = "A new client secret for a web app, returned once; the old one stops working",
    params(("app_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AppOut>), EnvelopeErrors)
)]
pub async fn reset_secret(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<AppOut> {
    actor.require(POINT)?;
    let made = service::reset_secret(&state, &actor, &app_id).await?;
    ok(view(&state, &made.app, made.client_secret).await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AddAppKey)]
pub struct AddKey {
    /// PEM: -----BEGIN PUBLIC KEY----- or -----BEGIN RSA PUBLIC KEY-----
    public_key: String,
}

impl std::fmt::Debug for AddKey {
    /// Never prints the uploaded text: it may be a private key pasted by mistake.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AddKey { .. }")
    }
}

/// `POST /api/manage/apps/{app_id}/keys`: registers an RSA public key (PEM).
#[utoipa::path(
    post,
    path = "/api/manage/apps/{app_id}/keys",
    summary = "Upload an RSA public key (PEM) to a service app; at most 3",
    params(("app_id" = String, Path)),
    request_body = AddKey,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<KeyOut>), EnvelopeErrors)
)]
pub async fn add_key(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
    Json(body): Json<AddKey>,
) -> ApiResult<KeyOut> {
    actor.require(POINT)?;
    let added = keys::add(&state, &actor, &app_id, &body.public_key).await;
    drop(body);
    let k = added?;
    ok(KeyOut {
        fingerprint: k.fingerprint,
        created_at: k.created_at,
        public_pem: None,
    })
}

/// `GET /api/manage/apps/{app_id}/keys`: fingerprints and public PEMs.
#[utoipa::path(
    get,
    path = "/api/manage/apps/{app_id}/keys",
    summary = "Public keys of a service app, with fingerprints",
    params(("app_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<KeyOut>>), EnvelopeErrors)
)]
pub async fn list_keys(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<Vec<KeyOut>> {
    actor.require(POINT)?;
    let all = keys::list(&state, &actor, &app_id).await?;
    ok(all
        .into_iter()
        .map(|k| KeyOut {
            fingerprint: k.fingerprint,
            created_at: k.created_at,
            public_pem: Some(k.public_pem),
        })
        .collect())
}

/// `DELETE /api/manage/apps/{app_id}/keys/{fingerprint}`: JWTs signed with the key
/// are refused from now on.
#[utoipa::path(
    delete,
    path = "/api/manage/apps/{app_id}/keys/{fingerprint}",
    summary = "Remove a public key",
    params(("app_id" = String, Path), ("fingerprint" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn delete_key(
    State(state): State<AppState>,
    actor: Actor,
    Path((app_id, fingerprint)): Path<(String, String)>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    keys::delete(&state, &actor, &app_id, &fingerprint).await?;
    ok(Empty {})
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AuthorizeApp)]
pub struct Authorize {
    /// The team or enterprise to authorize the app for; absent for the personal edition.
    #[serde(default)]
    pub organization_id: Option<String>,
    #[serde(default)]
    pub all_workspaces: bool,
    #[serde(default)]
    pub workspace_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizationOut {
    authorization_id: String,
    app_id: String,
    organization_id: Option<String>,
    /// The account whose personal edition the authorization is for.
    account_id: Option<String>,
    all_workspaces: bool,
    workspace_ids: Vec<String>,
    permissions: Vec<String>,
    created_at: i64,
}

impl AuthorizationOut {
    fn of(app: &OAuthApp, g: &Grant) -> AuthorizationOut {
        AuthorizationOut {
            authorization_id: g.id.to_string(),
            app_id: app.client_id.clone(),
            organization_id: g.org().map(str::to_string),
            account_id: g.account().map(|a| a.to_string()),
            all_workspaces: g.all_workspaces,
            workspace_ids: g.workspace_ids.iter().map(i64::to_string).collect(),
            permissions: PermissionSet::decode(&g.permissions).names().to_vec(),
            created_at: g.created_at,
        }
    }
}

/// `POST /api/manage/apps/{app_id}/authorizations`: authorizes a service app to act
/// as itself (AppAuth), in the owner's personal edition or for an organization the
/// caller administers (the shareable-link case for someone else's personal app).
#[utoipa::path(
    post,
    path = "/api/manage/apps/{app_id}/authorizations",
    summary = "Authorize a service app in the owner's personal edition or for an organization (admins)",
    params(("app_id" = String, Path)),
    request_body = Authorize,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<AuthorizationOut>), EnvelopeErrors)
)]
pub async fn authorize(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
    Json(body): Json<Authorize>,
) -> ApiResult<AuthorizationOut> {
    actor.require(POINT)?;
    let (app, g) = grants::authorize_app(&state, &actor, &app_id, body.into()).await?;
    ok(AuthorizationOut::of(&app, &g))
}

impl From<Authorize> for AppAuthRequest {
    fn from(b: Authorize) -> AppAuthRequest {
        AppAuthRequest {
            organization_id: b.organization_id,
            all_workspaces: b.all_workspaces,
            workspace_ids: b.workspace_ids,
        }
    }
}

/// AppAuth authorization of a service app, with the API's errors: kept for the
/// shareable link's page until it calls [`grants::authorize_app`] itself.
pub async fn authorize_app(
    state: &AppState,
    caller: &Caller,
    app_id: &str,
    body: Authorize,
) -> Result<(OAuthApp, Grant), ApiError> {
    grants::authorize_app(state, caller, app_id, body.into())
        .await
        .map_err(ServiceError::into)
}

/// `GET /api/manage/apps/{app_id}/authorizations`: the app's AppAuth authorizations,
/// for its owner or the owning organization's admins.
#[utoipa::path(
    get,
    path = "/api/manage/apps/{app_id}/authorizations",
    summary = "AppAuth authorizations of a service app (owner or admins)",
    params(("app_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<AuthorizationOut>>), EnvelopeErrors)
)]
pub async fn list_authorizations(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<Vec<AuthorizationOut>> {
    actor.require(POINT)?;
    let (app, all) = grants::list_app_authorizations(&state, &actor, &app_id).await?;
    ok(all.iter().map(|g| AuthorizationOut::of(&app, g)).collect())
}

/// `DELETE /api/manage/apps/{app_id}/authorizations/{authorization_id}`: the owner
/// removes a personal-edition authorization, an organization's admins remove the
/// organization's (which also uninstalls the app there). Its tokens die with it.
#[utoipa::path(
    delete,
    path = "/api/manage/apps/{app_id}/authorizations/{authorization_id}",
    summary = "Remove an AppAuth authorization; its tokens stop working",
    params(("app_id" = String, Path), ("authorization_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn delete_authorization(
    State(state): State<AppState>,
    actor: Actor,
    Path((app_id, authorization_id)): Path<(String, String)>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    // The app is looked up first: an unknown app is "App not found." whatever the id.
    service::by_client_id(&state, &app_id).await?;
    let grant_id = id(&authorization_id, "authorization id")?;
    grants::delete_app_authorization(&state, &actor, &app_id, grant_id).await?;
    ok(Empty {})
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLink {
    url: String,
}

/// `GET /api/manage/apps/{app_id}/share_link`: the link an organization's admin
/// opens to authorize the service app for the organization (and the owner of a
/// personal app for their personal edition).
#[utoipa::path(
    get,
    path = "/api/manage/apps/{app_id}/share_link",
    summary = "The link an organization admin (or a personal app's owner) opens to authorize a service app",
    params(("app_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<ShareLink>), EnvelopeErrors)
)]
pub async fn share_link(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<ShareLink> {
    actor.require(POINT)?;
    let url = grants::share_link(&state, &actor, &app_id).await?;
    ok(ShareLink { url })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizedAppOut {
    app_id: String,
    name: String,
    client_type: String,
    /// The edition the authorization is for (None: the personal edition).
    organization_id: Option<String>,
    permissions: Vec<String>,
    authorized_at: i64,
}

/// `GET /api/manage/authorized_apps`: the apps the caller authorized to act for them.
#[utoipa::path(
    get,
    path = "/api/manage/authorized_apps",
    summary = "Apps the caller authorized to act for them (OBO)",
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<AuthorizedAppOut>>), EnvelopeErrors)
)]
pub async fn authorized_apps(
    State(state): State<AppState>,
    actor: Actor,
) -> ApiResult<Vec<AuthorizedAppOut>> {
    actor.require(POINT)?;
    let all = grants::authorized_apps(&state, &actor).await?;
    ok(all
        .into_iter()
        .map(|g| AuthorizedAppOut {
            organization_id: g.org().map(str::to_string),
            app_id: g.client_id,
            name: g.app_name,
            client_type: g.client_type.to_string(),
            permissions: PermissionSet::decode(&g.permissions).names().to_vec(),
            authorized_at: g.created_at,
        })
        .collect())
}

/// `DELETE /api/manage/authorized_apps/{app_id}`: revokes the caller's
/// authorizations of the app, and with them every token it holds for them.
#[utoipa::path(
    delete,
    path = "/api/manage/authorized_apps/{app_id}",
    summary = "Revoke an app's authorization; deletes its tokens for the caller",
    params(("app_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn revoke_authorized_app(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<Empty> {
    actor.require(POINT)?;
    grants::revoke_authorized_app(&state, &actor, &app_id).await?;
    ok(Empty {})
}
