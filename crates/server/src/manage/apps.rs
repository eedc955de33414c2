//! OAuth apps: creation, listing, editing, enabling and disabling, deletion; the
//! client secret of web apps; the public keys of service apps; AppAuth
//! authorizations and the shareable authorization link; and the apps a person
//! authorized to act for them (OBO).

use super::{Actor, TEAM_LEVEL_REFUSAL, clean_name};
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::audit::AuditEvent;
use crate::error::{ApiError, ApiResult, ok};
use crate::error::{Empty, Success};
use crate::extract::{Json, Path, Query, id};
use axum::extract::State;
use buckle_core::audit::AuditKind;
use buckle_core::policy::Extent;
use buckle_core::rsa_key::RsaPublicKey;
use buckle_core::secret::{hash_secret, hint};
use buckle_core::{Level, PermissionSet, Role, TokenKind};
use buckle_store::{AppKey, Grant, OAuthApp, StoreError};
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

/// The permission point a personal access token needs to use this area.
pub const POINT: &str = "Manage.apps";
/// domain.md's edition limits.
const PERSONAL_APP_LIMIT: i64 = 10;
const ORGANIZATION_APP_LIMIT: i64 = 100;
const KEY_LIMIT: i64 = 3;
const MAX_REDIRECT_URIS: usize = 10;
const MAX_DESCRIPTION: usize = 1000;
/// Far beyond an 8192-bit public key in PEM; refuses junk before parsing it.
const MAX_PEM: usize = 16 * 1024;
/// The wire protocol's answer when an app is used with a flow its type does not have.
const INVALID_APP_TYPE: &str = "invalid app type";
const ADMINS_ONLY: &str =
    "Only a super admin or admin of the team/enterprise may manage its OAuth apps.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppType {
    Normal,
    Channel,
}

impl AppType {
    fn as_str(self) -> &'static str {
        match self {
            AppType::Normal => "normal",
            AppType::Channel => "channel",
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

impl ClientType {
    fn as_str(self) -> &'static str {
        match self {
            ClientType::Web => "web",
            ClientType::Pkce => "pkce",
            ClientType::Device => "device",
            ClientType::Service => "service",
        }
    }

    fn of(app: &OAuthApp) -> ClientType {
        match app.client_type.as_str() {
            "web" => ClientType::Web,
            "pkce" => ClientType::Pkce,
            "device" => ClientType::Device,
            _ => ClientType::Service,
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
    let public_keys = if ClientType::of(app) == ClientType::Service {
        state
            .store
            .app_keys(app.id)
            .await?
            .into_iter()
            .map(|k| KeyOut {
                fingerprint: k.fingerprint,
                created_at: k.created_at,
                public_pem: None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let web = ClientType::of(app) == ClientType::Web;
    Ok(AppOut {
        app_id: app.client_id.clone(),
        name: app.name.clone(),
        description: app.description.clone(),
        app_type: app.app_type.clone(),
        client_type: app.client_type.clone(),
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

fn app_not_found() -> ApiError {
    ApiError::not_found("App not found.")
}

async fn app_by_client_id(state: &AppState, client_id: &str) -> Result<OAuthApp, ApiError> {
    if client_id.is_empty() || client_id.len() > 100 {
        return Err(app_not_found());
    }
    state
        .store
        .app_by_client_id(client_id)
        .await?
        .ok_or_else(app_not_found)
}

/// An app the actor may see: their own personal app, or an app of an organization
/// they belong to (with their role there). Anything else is 404, so apps stay
/// invisible to outsiders.
async fn visible_app(
    state: &AppState,
    actor: &Actor,
    client_id: &str,
) -> Result<(OAuthApp, Option<Role>), ApiError> {
    let app = app_by_client_id(state, client_id).await?;
    let role = match &app.org_id {
        Some(org) => Some(
            state
                .store
                .role_in(org, actor.account.id)
                .await?
                .ok_or_else(app_not_found)?,
        ),
        None if app.owner_account_id == Some(actor.account.id) => None,
        None => return Err(app_not_found()),
    };
    Ok((app, role))
}

/// An app the actor may change: their own personal app, or an app of an
/// organization they administer (members get 403).
async fn managed_app(
    state: &AppState,
    actor: &Actor,
    client_id: &str,
) -> Result<(OAuthApp, Option<Role>), ApiError> {
    let (app, role) = visible_app(state, actor, client_id).await?;
    if role.is_some_and(|r| !r.is_admin()) {
        return Err(ApiError::forbidden(ADMINS_ONLY));
    }
    Ok((app, role))
}

/// An app the actor may change or delete ([`managed_app`]); a token also only
/// one of its own edition whose points it holds (the grant policy).
async fn changeable_app(
    state: &AppState,
    actor: &Actor,
    client_id: &str,
) -> Result<(OAuthApp, Option<Role>), ApiError> {
    let (app, role) = managed_app(state, actor, client_id).await?;
    actor.may_manage_app(
        app.org_id.as_deref(),
        &PermissionSet::decode(&app.permissions),
    )?;
    Ok((app, role))
}

/// An audit event about an app (by its client id): never a secret.
fn app_event(actor: &Actor, kind: AuditKind, app: &OAuthApp) -> AuditEvent {
    actor
        .audit(kind)
        .in_org(app.org_id.as_deref())
        .target(app.client_id.clone())
        .detail(serde_json::json!({"name": app.name, "client_type": app.client_type}))
}

/// An audit event about an AppAuth authorization.
fn grant_event(actor: &Actor, kind: AuditKind, app: &OAuthApp, g: &Grant) -> AuditEvent {
    actor
        .audit(kind)
        .in_org(g.org())
        .target(app.client_id.clone())
        .detail(serde_json::json!({
            "name": app.name,
            "kind": g.kind,
            "authorization_id": g.id.to_string(),
            "permissions": PermissionSet::decode(&g.permissions).names(),
            "all_workspaces": g.all_workspaces,
            "workspace_ids": g.workspace_ids.split_whitespace().collect::<Vec<_>>(),
        }))
}

/// What a stored authorization reaches: it lasts until revoked.
fn grant_extent(permissions: &str, all: bool, workspace_ids: &str, org: Option<&str>) -> Extent {
    let ids: Vec<i64> = workspace_ids
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    Extent {
        points: PermissionSet::decode(permissions),
        workspaces: super::workspaces_of(all, &ids),
        edition: org.map(str::to_string),
        expires_at: None,
    }
}

fn name_taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict => ApiError::conflict("An app with that name already exists."),
        other => other.into(),
    }
}

/// Checks an app's permission points: known, non-empty, operator points only for
/// installation super admins, and within a calling token. `edition` is the owning
/// organization (None for a personal app).
fn check_points(
    state: &AppState,
    actor: &Actor,
    names: &[String],
    edition: Option<&str>,
) -> Result<PermissionSet, ApiError> {
    let points = state
        .catalog
        .parse_set(names)
        .map_err(|e| ApiError::bad_request(format!("permissions: {e}.")))?;
    // An app may declare team/enterprise-level points wherever it is made: the
    // refusal comes when a non-admin tries to authorize it (domain.md).
    actor.may_manage_app(edition, &points)?;
    if state.catalog.needs_operator(&points) && !actor.account.is_super_admin {
        return Err(ApiError::forbidden(
            "Only a super admin of this Buckle installation may grant operator permissions.",
        ));
    }
    Ok(points)
}

/// Checks the redirect URIs for a client type; returns their stored form.
fn check_redirect_uris(
    state: &AppState,
    client: ClientType,
    uris: &[String],
) -> Result<String, ApiError> {
    match client {
        ClientType::Web | ClientType::Pkce => {
            if uris.is_empty() {
                return Err(ApiError::bad_request(
                    "Web and PKCE apps need at least one redirect URI.",
                ));
            }
            if uris.len() > MAX_REDIRECT_URIS {
                return Err(ApiError::bad_request(format!(
                    "An app may register at most {MAX_REDIRECT_URIS} redirect URIs."
                )));
            }
            for (i, uri) in uris.iter().enumerate() {
                buckle_core::redirect::validate(uri)
                    .and_then(|()| {
                        buckle_core::redirect::require_secure(
                            uri,
                            state.config.allow_insecure_redirect_uris,
                        )
                    })
                    .map_err(|e| ApiError::bad_request(format!("redirect_uris[{i}]: {e}.")))?;
                if uris[..i].contains(uri) {
                    return Err(ApiError::bad_request(format!(
                        "redirect_uris[{i}] is listed twice."
                    )));
                }
            }
            // Valid URIs hold no control characters, so a newline separates them safely.
            Ok(uris.join("\n"))
        }
        ClientType::Device | ClientType::Service => {
            if uris.is_empty() {
                Ok(String::new())
            } else {
                Err(ApiError::bad_request(
                    "Device and service apps have no redirect URIs.",
                ))
            }
        }
    }
}

fn clean_description(raw: &str) -> Result<String, ApiError> {
    let t = raw.trim();
    if t.chars().count() > MAX_DESCRIPTION
        || t.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ApiError::bad_request(format!(
            "description must have at most {MAX_DESCRIPTION} characters and no control characters."
        )));
    }
    Ok(t.to_string())
}

/// 32 digits from the CSPRNG, then `.app.buckle`.
fn new_client_id() -> String {
    let mut rng = rand::rng();
    let mut s = String::with_capacity(43);
    for _ in 0..32 {
        s.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    s.push_str(".app.buckle");
    s
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
    if let Some(org) = &body.organization_id {
        let role = actor.role_in(&state, org).await?;
        if !role.is_admin() {
            return Err(ApiError::forbidden(
                "Only a super admin or admin of the team/enterprise may create OAuth apps.",
            ));
        }
    }
    let name = clean_name(&body.name, "name", 100)?;
    let description = clean_description(body.description.as_deref().unwrap_or(""))?;
    if body.app_type == AppType::Channel && body.client_type != ClientType::Service {
        return Err(ApiError::bad_request(
            "A channel app must have the client type service (channel apps sign JWTs).",
        ));
    }
    let points = check_points(
        &state,
        &actor,
        &body.permissions,
        body.organization_id.as_deref(),
    )?;
    let redirect_uris = check_redirect_uris(&state, body.client_type, &body.redirect_uris)?;
    let secret = (body.client_type == ClientType::Web).then(|| TokenKind::ClientSecret.generate());
    let now = state.clock.now();
    let app = OAuthApp {
        id: buckle_core::ids::new_id(),
        client_id: new_client_id(),
        name,
        description,
        app_type: body.app_type.as_str().to_string(),
        client_type: body.client_type.as_str().to_string(),
        owner_account_id: body.organization_id.is_none().then_some(actor.account.id),
        org_id: body.organization_id,
        created_by: actor.account.id,
        permissions: points.encode(),
        redirect_uris,
        secret_hash: secret.as_deref().map(hash_secret).unwrap_or_default(),
        secret_hint: secret.as_deref().map(hint).unwrap_or_default(),
        enabled: true,
        connector_id: None,
        created_at: now,
        updated_at: now,
    };
    let limit = if app.org_id.is_some() {
        ORGANIZATION_APP_LIMIT
    } else {
        PERSONAL_APP_LIMIT
    };
    if !state
        .store
        .create_app(&app, limit)
        .await
        .map_err(name_taken)?
    {
        return Err(ApiError::bad_request(format!(
            "This edition allows at most {limit} OAuth apps."
        )));
    }
    app_event(&actor, AuditKind::AppCreated, &app)
        .record(&state)
        .await;
    ok(view(&state, &app, secret).await?)
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
    if let Some(org) = &q.organization_id {
        actor.role_in(&state, org).await?;
    }
    let apps = state
        .store
        .apps_of(actor.account.id, q.organization_id.as_deref())
        .await?;
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
    let (app, _) = visible_app(&state, &actor, &app_id).await?;
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
    let (app, _) = changeable_app(&state, &actor, &app_id).await?;
    let name = match &body.name {
        Some(n) => clean_name(n, "name", 100)?,
        None => app.name.clone(),
    };
    let description = match &body.description {
        Some(d) => clean_description(d)?,
        None => app.description.clone(),
    };
    let permissions = match &body.permissions {
        Some(p) => check_points(&state, &actor, p, app.org_id.as_deref())?.encode(),
        None => app.permissions.clone(),
    };
    let redirect_uris = match &body.redirect_uris {
        Some(u) => check_redirect_uris(&state, ClientType::of(&app), u)?,
        None => app.redirect_uris.clone(),
    };
    let now = state.clock.now();
    if !state
        .store
        .update_app(
            app.id,
            &name,
            &description,
            &permissions,
            &redirect_uris,
            now,
        )
        .await
        .map_err(name_taken)?
    {
        return Err(app_not_found());
    }
    let app = state.store.app(app.id).await?.ok_or_else(app_not_found)?;
    app_event(&actor, AuditKind::AppEdited, &app)
        .record(&state)
        .await;
    ok(view(&state, &app, None).await?)
}

async fn set_enabled(
    state: AppState,
    actor: Actor,
    app_id: &str,
    enabled: bool,
) -> ApiResult<AppOut> {
    actor.require(POINT)?;
    let (app, _) = changeable_app(&state, &actor, app_id).await?;
    if !state
        .store
        .set_app_enabled(app.id, enabled, state.clock.now())
        .await?
    {
        return Err(app_not_found());
    }
    let app = state.store.app(app.id).await?.ok_or_else(app_not_found)?;
    let kind = if enabled {
        AuditKind::AppEnabled
    } else {
        AuditKind::AppDisabled
    };
    app_event(&actor, kind, &app).record(&state).await;
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
    let (app, _) = changeable_app(&state, &actor, &app_id).await?;
    if !state.store.delete_app(app.id).await? {
        return Err(app_not_found());
    }
    app_event(&actor, AuditKind::AppDeleted, &app)
        .record(&state)
        .await;
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
    let (app, _) = changeable_app(&state, &actor, &app_id).await?;
    if ClientType::of(&app) != ClientType::Web {
        return Err(ApiError::bad_request("Only web apps have a client secret."));
    }
    let secret = TokenKind::ClientSecret.generate();
    if !state
        .store
        .set_app_secret(
            app.id,
            &hash_secret(&secret),
            &hint(&secret),
            state.clock.now(),
        )
        .await?
    {
        return Err(app_not_found());
    }
    let app = state.store.app(app.id).await?.ok_or_else(app_not_found)?;
    app_event(&actor, AuditKind::AppSecretReset, &app)
        .record(&state)
        .await;
    ok(view(&state, &app, Some(secret)).await?)
}

fn require_service(app: &OAuthApp, what: &str) -> Result<(), ApiError> {
    if ClientType::of(app) == ClientType::Service {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Only service apps have {what}."
        )))
    }
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
    let (app, _) = changeable_app(&state, &actor, &app_id).await?;
    require_service(&app, "public keys")?;
    if body.public_key.len() > MAX_PEM {
        return Err(ApiError::bad_request(
            "public_key: the PEM text is too long.",
        ));
    }
    // The error never quotes the text, so a private key pasted by mistake is not echoed.
    let key = RsaPublicKey::from_pem(&body.public_key)
        .map_err(|e| ApiError::bad_request(format!("public_key: {e}.")))?;
    drop(body);
    let fingerprint = key.thumbprint();
    let duplicate = || ApiError::conflict("This public key is already registered for the app.");
    if state.store.app_key(app.id, &fingerprint).await?.is_some() {
        return Err(duplicate());
    }
    let k = AppKey {
        app_id: app.id,
        fingerprint,
        public_pem: key.to_pem(),
        created_at: state.clock.now(),
    };
    match state.store.add_app_key(&k, KEY_LIMIT).await {
        Ok(true) => {}
        Ok(false) => {
            return Err(ApiError::bad_request(format!(
                "An app may hold at most {KEY_LIMIT} public keys."
            )));
        }
        Err(StoreError::Conflict) => return Err(duplicate()),
        Err(e) => return Err(e.into()),
    }
    app_event(&actor, AuditKind::KeyAdded, &app)
        .detail(serde_json::json!({"name": app.name, "fingerprint": k.fingerprint}))
        .record(&state)
        .await;
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
    let (app, _) = visible_app(&state, &actor, &app_id).await?;
    require_service(&app, "public keys")?;
    let keys = state.store.app_keys(app.id).await?;
    ok(keys
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
    let (app, _) = changeable_app(&state, &actor, &app_id).await?;
    require_service(&app, "public keys")?;
    if fingerprint.len() > 100 || !state.store.delete_app_key(app.id, &fingerprint).await? {
        return Err(ApiError::not_found("Key not found."));
    }
    app_event(&actor, AuditKind::KeyRemoved, &app)
        .detail(serde_json::json!({"name": app.name, "fingerprint": fingerprint}))
        .record(&state)
        .await;
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
            workspace_ids: g
                .workspace_ids
                .split_whitespace()
                .map(str::to_string)
                .collect(),
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
    let (app, g) = authorize_app(&state, &actor, &app_id, body).await?;
    ok(AuthorizationOut::of(&app, &g))
}

/// AppAuth authorization of a service app by `actor`: shared by the API and the
/// shareable authorization link's page.
pub async fn authorize_app(
    state: &AppState,
    actor: &Actor,
    app_id: &str,
    body: Authorize,
) -> Result<(OAuthApp, Grant), ApiError> {
    let state = state.clone();
    let app = app_by_client_id(&state, app_id).await?;
    // An organization's app stays invisible to outsiders.
    if let Some(owner_org) = &app.org_id
        && state
            .store
            .role_in(owner_org, actor.account.id)
            .await?
            .is_none()
    {
        return Err(app_not_found());
    }
    if ClientType::of(&app) != ClientType::Service {
        return Err(ApiError::bad_request(INVALID_APP_TYPE));
    }
    let (org_id, account_id) = match &body.organization_id {
        Some(org) => {
            if app.org_id.as_ref().is_some_and(|o| o != org) {
                return Err(ApiError::bad_request(
                    "An app of a team/enterprise can be authorized only in that team/enterprise.",
                ));
            }
            actor.require_org_admin(&state, org).await?;
            (org.clone(), 0)
        }
        None => {
            if app.org_id.is_some() {
                return Err(ApiError::bad_request(
                    "An app of a team/enterprise is authorized in that team/enterprise: give its organization_id.",
                ));
            }
            if app.owner_account_id != Some(actor.account.id) {
                return Err(ApiError::forbidden(
                    "Only the app's owner can authorize it in their personal edition; a super admin or admin of a team/enterprise can authorize it for the team/enterprise.",
                ));
            }
            (String::new(), actor.account.id)
        }
    };
    let points = PermissionSet::decode(&app.permissions);
    // In an organization the caller is an admin by now; a personal edition has none.
    if state.catalog.highest_level(&points) == Some(Level::Organization) && org_id.is_empty() {
        return Err(ApiError::forbidden(TEAM_LEVEL_REFUSAL));
    }
    if state.catalog.needs_operator(&points) && !actor.account.is_super_admin {
        return Err(ApiError::forbidden(
            "This app declares operator permissions; only a super admin of this Buckle installation can authorize it.",
        ));
    }
    let ids = super::edition_workspaces(
        &state,
        body.all_workspaces,
        &body.workspace_ids,
        (!org_id.is_empty()).then_some(org_id.as_str()),
        org_id.is_empty().then_some(actor.account.id),
    )
    .await?;
    // An authorization lasts until revoked: a token may not make one that outlives it.
    actor.may_grant(&Extent {
        points: points.clone(),
        workspaces: super::workspaces_of(body.all_workspaces, &ids),
        edition: (!org_id.is_empty()).then(|| org_id.clone()),
        expires_at: None,
    })?;
    let now = state.clock.now();
    let grant = Grant {
        id: buckle_core::ids::new_id(),
        app_id: app.id,
        kind: "appauth".to_string(),
        account_id,
        org_id: org_id.clone(),
        permissions: points.encode(),
        all_workspaces: body.all_workspaces,
        workspace_ids: ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" "),
        created_by: actor.account.id,
        created_at: now,
    };
    let grant_id = state.store.upsert_grant(&grant).await?;
    if !org_id.is_empty() {
        state
            .store
            .upsert_installation(app.id, &org_id, "installed", actor.account.id, now)
            .await?;
    }
    let g = state
        .store
        .grant(grant_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    grant_event(actor, AuditKind::AuthorizationGranted, &app, &g)
        .record(&state)
        .await;
    Ok((app, g))
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
    let (app, _) = managed_app(&state, &actor, &app_id).await?;
    if ClientType::of(&app) != ClientType::Service {
        return Err(ApiError::bad_request(INVALID_APP_TYPE));
    }
    let grants = state.store.grants_of_app(app.id).await?;
    ok(grants
        .iter()
        .filter(|g| g.kind == "appauth")
        .map(|g| AuthorizationOut::of(&app, g))
        .collect())
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
    let app = app_by_client_id(&state, &app_id).await?;
    let not_found = || ApiError::not_found("Authorization not found.");
    let grant_id = id(&authorization_id, "authorization id")?;
    let g = state
        .store
        .grant(grant_id)
        .await?
        .filter(|g| g.app_id == app.id && g.kind == "appauth")
        .ok_or_else(not_found)?;
    actor.may_grant(&grant_extent(
        &g.permissions,
        g.all_workspaces,
        &g.workspace_ids,
        g.org(),
    ))?;
    match g.org() {
        Some(org) => {
            let role = state
                .store
                .role_in(org, actor.account.id)
                .await?
                .ok_or_else(not_found)?;
            if !role.is_admin() {
                return Err(ApiError::forbidden(
                    "Only a super admin or admin of the team/enterprise may remove its authorizations.",
                ));
            }
            // A service app holds nothing else there: this removes the grant and
            // the installation row, so the app no longer shows as installed.
            state.store.delete_grant(g.id).await?;
            state.store.uninstall(app.id, org).await?;
        }
        None => {
            if g.account() != Some(actor.account.id) {
                return Err(not_found());
            }
            state.store.delete_grant(g.id).await?;
        }
    }
    grant_event(&actor, AuditKind::AuthorizationRevoked, &app, &g)
        .record(&state)
        .await;
    ok(Empty {})
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLink {
    url: String,
}

/// `GET /api/manage/apps/{app_id}/share_link`: the link an organization's admin
/// opens to authorize the service app for the organization.
#[utoipa::path(
    get,
    path = "/api/manage/apps/{app_id}/share_link",
    summary = "The link an organization admin opens to authorize a service app",
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
    let (app, _) = managed_app(&state, &actor, &app_id).await?;
    require_service(&app, "an authorization link")?;
    ok(ShareLink {
        url: format!(
            "{}/oauth/authorize-app?client_id={}",
            state.config.public_url,
            buckle_core::redirect::encode(&app.client_id)
        ),
    })
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
    let grants = state.store.obo_grants_of(actor.account.id).await?;
    ok(grants
        .into_iter()
        .map(|g| AuthorizedAppOut {
            organization_id: (!g.org_id.is_empty()).then_some(g.org_id),
            app_id: g.client_id,
            name: g.app_name,
            client_type: g.client_type,
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
    let not_found = || ApiError::not_found("You have not authorized that app.");
    if app_id.is_empty() || app_id.len() > 100 {
        return Err(not_found());
    }
    let app = state
        .store
        .app_by_client_id(&app_id)
        .await?
        .ok_or_else(not_found)?;
    if actor.token.is_some() {
        for g in state.store.obo_grants_of(actor.account.id).await? {
            if g.app_id == app.id {
                let org = (!g.org_id.is_empty()).then_some(g.org_id.as_str());
                actor.may_grant(&grant_extent(
                    &g.permissions,
                    g.all_workspaces,
                    &g.workspace_ids,
                    org,
                ))?;
            }
        }
    }
    if state
        .store
        .delete_obo_grants(app.id, actor.account.id)
        .await?
        == 0
    {
        return Err(not_found());
    }
    app_event(&actor, AuditKind::AuthorizationRevoked, &app)
        .detail(serde_json::json!({"name": app.name, "kind": "obo"}))
        .record(&state)
        .await;
    ok(Empty {})
}
