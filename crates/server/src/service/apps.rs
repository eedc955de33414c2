//! OAuth apps: creation, listing, editing, enabling and disabling, deletion and
//! the client secret of web apps. Who may see an app, and who may change it.

use super::{Caller, ServiceError, ServiceResult, clean_name};
use crate::AppState;
use crate::audit::AuditEvent;
use crate::credential_change::CredentialChange;
use buckle_core::audit::AuditKind;
use buckle_core::policy::Made;
use buckle_core::secret::{hash_secret, hint};
use buckle_core::{AppType, ClientType, OrgId, PermissionSet, Role, TokenKind};
use buckle_store::{OAuthApp, StoreError};
use rand::Rng;

/// domain.md's edition limits.
const PERSONAL_APP_LIMIT: i64 = 10;
const ORGANIZATION_APP_LIMIT: i64 = 100;
const MAX_REDIRECT_URIS: usize = 10;
const MAX_DESCRIPTION: usize = 1000;
const ADMINS_ONLY: &str =
    "Only a super admin or admin of the team/enterprise may manage its OAuth apps.";

/// An app to create.
#[derive(Debug, Clone)]
pub struct NewApp {
    pub name: String,
    pub description: Option<String>,
    pub app_type: AppType,
    pub client_type: ClientType,
    /// The team or enterprise that owns the app; `None` for a personal app.
    pub organization_id: Option<String>,
    pub permissions: Vec<String>,
    pub redirect_uris: Vec<String>,
}

/// An edit of an app; absent fields stay as they are. The types never change.
#[derive(Debug, Clone, Default)]
pub struct AppEdit {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub redirect_uris: Option<Vec<String>>,
}

/// An app with the client secret just made for it (web apps only): shown once.
/// No `Debug`.
pub struct WithSecret {
    pub app: OAuthApp,
    pub client_secret: Option<String>,
}

pub fn app_not_found() -> ServiceError {
    ServiceError::not_found("App not found.")
}

pub async fn by_client_id(state: &AppState, client_id: &str) -> ServiceResult<OAuthApp> {
    if client_id.is_empty() || client_id.len() > 100 {
        return Err(app_not_found());
    }
    state
        .store
        .app_by_client_id(client_id)
        .await?
        .ok_or_else(app_not_found)
}

/// An app the caller may see: their own personal app, or an app of an
/// organization they belong to (with their role there). Anything else is "not
/// found", so apps stay invisible to outsiders.
pub async fn visible(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
) -> ServiceResult<(OAuthApp, Option<Role>)> {
    let app = by_client_id(state, client_id).await?;
    let role = match &app.org_id {
        Some(org) => Some(
            state
                .store
                .role_in(org, caller.account.id)
                .await?
                .ok_or_else(app_not_found)?,
        ),
        None if app.owner_account_id == Some(caller.account.id) => None,
        None => return Err(app_not_found()),
    };
    Ok((app, role))
}

/// An app the caller administers: their own personal app, or an app of an
/// organization they administer (members are refused).
pub async fn managed(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
) -> ServiceResult<(OAuthApp, Option<Role>)> {
    let (app, role) = visible(state, caller, client_id).await?;
    if role.is_some_and(|r| !r.is_admin()) {
        return Err(ServiceError::forbidden(ADMINS_ONLY));
    }
    Ok((app, role))
}

/// An app the caller may change or delete ([`managed`]); a token also only one
/// of its own edition whose points it holds (the grant policy).
pub async fn changeable(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
) -> ServiceResult<(OAuthApp, Option<Role>)> {
    let (app, role) = managed(state, caller, client_id).await?;
    caller.may_change_app(
        app.org_id.as_ref(),
        &PermissionSet::decode(&app.permissions),
    )?;
    Ok((app, role))
}

/// An audit event about an app (by its client id): never a secret.
pub fn app_event(caller: &Caller, kind: AuditKind, app: &OAuthApp) -> AuditEvent {
    caller
        .audit(kind)
        .in_org(app.org_id.as_ref())
        .target(app.client_id.clone())
        .detail(serde_json::json!({"name": app.name, "client_type": app.client_type}))
}

fn name_taken(e: StoreError) -> ServiceError {
    match e {
        StoreError::Conflict => ServiceError::conflict("An app with that name already exists."),
        other => other.into(),
    }
}

/// An app's permission points: known, non-empty, and allowed by the grant
/// policy (operator points for installation super admins; within a calling
/// token). `edition` is the owning organization (None for a personal app).
fn check_points(
    state: &AppState,
    caller: &Caller,
    names: &[String],
    edition: Option<&str>,
) -> ServiceResult<PermissionSet> {
    let points = super::tokens::parse_points(state, names)?;
    // An app may declare team/enterprise-level points wherever it is made: the
    // refusal comes when a non-admin tries to authorize it (domain.md).
    caller
        .grantor(None)
        .may_ask(&state.catalog, Made::AppPoints, edition, &points)?;
    Ok(points)
}

/// Checks the redirect URIs for a client type; returns their stored form.
fn check_redirect_uris(
    state: &AppState,
    client: ClientType,
    uris: &[String],
) -> ServiceResult<String> {
    const FIELD: &str = "redirect_uris";
    if !client.uses_redirects() {
        return if uris.is_empty() {
            Ok(String::new())
        } else {
            Err(ServiceError::invalid(
                FIELD,
                "Device and service apps have no redirect URIs.",
            ))
        };
    }
    if uris.is_empty() {
        return Err(ServiceError::invalid(
            FIELD,
            "Web and PKCE apps need at least one redirect URI.",
        ));
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(ServiceError::invalid(
            FIELD,
            format!("An app may register at most {MAX_REDIRECT_URIS} redirect URIs."),
        ));
    }
    for (i, uri) in uris.iter().enumerate() {
        buckle_core::redirect::validate(uri)
            .and_then(|()| {
                buckle_core::redirect::require_secure(
                    uri,
                    state.config.allow_insecure_redirect_uris,
                )
            })
            .map_err(|e| ServiceError::invalid(FIELD, format!("redirect_uris[{i}]: {e}.")))?;
        if uris[..i].contains(uri) {
            return Err(ServiceError::invalid(
                FIELD,
                format!("redirect_uris[{i}] is listed twice."),
            ));
        }
    }
    // Valid URIs hold no control characters, so a newline separates them safely.
    Ok(uris.join("\n"))
}

fn clean_description(raw: &str) -> ServiceResult<String> {
    let t = raw.trim();
    if t.chars().count() > MAX_DESCRIPTION
        || t.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ServiceError::invalid(
            "description",
            format!(
                "description must have at most {MAX_DESCRIPTION} characters and no control characters."
            ),
        ));
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

/// Creates an app: a personal one, or one of an organization the caller
/// administers. A web app's client secret is returned here, once.
pub async fn create(state: &AppState, caller: &Caller, req: NewApp) -> ServiceResult<WithSecret> {
    let org_id = req
        .organization_id
        .as_deref()
        .map(super::organizations::org_of)
        .transpose()?;
    if let Some(org) = &org_id {
        let role = caller.role_in(state, org).await?;
        if !role.is_admin() {
            return Err(ServiceError::forbidden(
                "Only a super admin or admin of the team/enterprise may create OAuth apps.",
            ));
        }
    }
    let name = clean_name(&req.name, "name", 100)?;
    let description = clean_description(req.description.as_deref().unwrap_or(""))?;
    if req.app_type == AppType::Channel && req.client_type != ClientType::Service {
        return Err(ServiceError::invalid(
            "client_type",
            "A channel app must have the client type service (channel apps sign JWTs).",
        ));
    }
    let points = check_points(
        state,
        caller,
        &req.permissions,
        req.organization_id.as_deref(),
    )?;
    let redirect_uris = check_redirect_uris(state, req.client_type, &req.redirect_uris)?;
    let secret = req
        .client_type
        .has_secret()
        .then(|| TokenKind::ClientSecret.generate());
    let now = state.clock.now();
    let app = OAuthApp {
        id: buckle_core::AppId::random(),
        client_id: new_client_id(),
        name,
        description,
        app_type: req.app_type,
        client_type: req.client_type,
        owner_account_id: org_id.is_none().then_some(caller.account.id),
        org_id,
        created_by: caller.account.id,
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
        return Err(ServiceError::bad(format!(
            "This edition allows at most {limit} OAuth apps."
        )));
    }
    app_event(caller, AuditKind::AppCreated, &app)
        .record(state)
        .await;
    Ok(WithSecret {
        app,
        client_secret: secret,
    })
}

/// The caller's personal apps, or an organization's apps (any member may list them).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    organization_id: Option<&OrgId>,
) -> ServiceResult<Vec<OAuthApp>> {
    if let Some(org) = organization_id {
        caller.role_in(state, org).await?;
    }
    Ok(state
        .store
        .apps_of(caller.account.id, organization_id)
        .await?)
}

/// Everything but the app type and client type.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    edit: AppEdit,
) -> ServiceResult<OAuthApp> {
    let (app, _) = changeable(state, caller, client_id).await?;
    let name = match &edit.name {
        Some(n) => clean_name(n, "name", 100)?,
        None => app.name.clone(),
    };
    let description = match &edit.description {
        Some(d) => clean_description(d)?,
        None => app.description.clone(),
    };
    let permissions = match &edit.permissions {
        Some(p) => check_points(state, caller, p, app.org_id.as_ref().map(OrgId::as_str))?.encode(),
        None => app.permissions.clone(),
    };
    let redirect_uris = match &edit.redirect_uris {
        Some(u) => check_redirect_uris(state, app.client_type, u)?,
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
    // Its tokens hold its name and points (within the app's).
    state
        .credentials
        .forget(CredentialChange::App { app_id: app.id });
    let app = state.store.app(app.id).await?.ok_or_else(app_not_found)?;
    app_event(caller, AuditKind::AppEdited, &app)
        .record(state)
        .await;
    Ok(app)
}

/// Disabling suspends every token of the app; enabling makes the same tokens work again.
pub async fn set_enabled(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    enabled: bool,
) -> ServiceResult<OAuthApp> {
    let (app, _) = changeable(state, caller, client_id).await?;
    if !state
        .store
        .set_app_enabled(app.id, enabled, state.clock.now())
        .await?
    {
        return Err(app_not_found());
    }
    state
        .credentials
        .forget(CredentialChange::App { app_id: app.id });
    let app = state.store.app(app.id).await?.ok_or_else(app_not_found)?;
    let kind = if enabled {
        AuditKind::AppEnabled
    } else {
        AuditKind::AppDisabled
    };
    app_event(caller, kind, &app).record(state).await;
    Ok(app)
}

/// Irreversible: every authorization, code and token of the app goes with it.
pub async fn delete(state: &AppState, caller: &Caller, client_id: &str) -> ServiceResult<()> {
    let (app, _) = changeable(state, caller, client_id).await?;
    if !state.store.delete_app(app.id).await? {
        return Err(app_not_found());
    }
    state
        .credentials
        .forget(CredentialChange::App { app_id: app.id });
    app_event(caller, AuditKind::AppDeleted, &app)
        .record(state)
        .await;
    Ok(())
}

/// A new client secret for a web app, returned once; the old one stops working at once.
pub async fn reset_secret(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
) -> ServiceResult<WithSecret> {
    let (app, _) = changeable(state, caller, client_id).await?;
    if !app.client_type.has_secret() {
        return Err(ServiceError::bad("Only web apps have a client secret."));
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
    // The old secret must stop working at once, where the app is kept too.
    state
        .credentials
        .forget(CredentialChange::App { app_id: app.id });
    let app = state.store.app(app.id).await?.ok_or_else(app_not_found)?;
    app_event(caller, AuditKind::AppSecretReset, &app)
        .record(state)
        .await;
    Ok(WithSecret {
        app,
        client_secret: Some(secret),
    })
}

/// Refuses apps other than service apps for what only they have.
pub fn require_service(app: &OAuthApp, what: &str) -> ServiceResult<()> {
    if app.client_type == ClientType::Service {
        Ok(())
    } else {
        Err(ServiceError::bad(format!("Only service apps have {what}.")))
    }
}
