//! An app's sample files: the preview (never a secret) and the download.
//!
//! A web app's sample needs its client secret, which Buckle keeps only as a
//! hash. So the person either enters the current secret (checked against the
//! hash, so the sample works) or asks for a new one, which replaces the old
//! one at once: every program still using the old secret stops working. That
//! is why a new secret needs the person's explicit confirmation (`new_secret`)
//! and the rights to change the app.

use super::{Caller, ServiceError, ServiceResult, apps, keys};
use crate::AppState;
use crate::samples::{self, AppFacts, Flow, Language, SampleConfig, SampleZip};
use buckle_core::secret::{constant_time_eq, hash_secret};
use buckle_store::OAuthApp;

/// How a web app's sample gets its client secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretChoice {
    /// Not a web app, or not said yet.
    None,
    /// The app's current secret, as the person entered it.
    Entered(String),
    /// A new secret, replacing the current one (the person confirmed).
    New,
}

/// What a download asks for.
pub struct SampleRequest {
    pub language: Language,
    pub secret: SecretChoice,
    /// One of the app's redirect URIs; absent: the preferred one.
    pub redirect_uri: Option<String>,
    /// One of the app's key fingerprints; absent: the newest key.
    pub public_key_id: Option<String>,
}

/// What the preview shows and the download may choose from.
pub struct Preview {
    /// The configuration file without any secret.
    pub config: SampleConfig,
    pub redirect_uris: Vec<String>,
    pub key_ids: Vec<String>,
}

fn config_of(
    state: &AppState,
    app: &OAuthApp,
    redirect_uri: Option<String>,
    public_key_id: Option<String>,
    client_secret: Option<String>,
) -> SampleConfig {
    SampleConfig::of(AppFacts {
        client_id: &app.client_id,
        name: &app.name,
        app_type: app.app_type,
        client_type: app.client_type,
        public_url: &state.config.public_url,
        redirect_uri,
        public_key_id,
        client_secret,
    })
}

/// The keys' fingerprints, newest first.
async fn key_ids(state: &AppState, app: &OAuthApp) -> ServiceResult<Vec<String>> {
    let mut found = keys::of_app(state, app).await?;
    found.sort_by_key(|k| std::cmp::Reverse(k.created_at));
    Ok(found.into_iter().map(|k| k.fingerprint).collect())
}

/// The sample's configuration as it would be downloaded, without any secret.
pub async fn preview(state: &AppState, caller: &Caller, client_id: &str) -> ServiceResult<Preview> {
    let (app, _) = apps::visible(state, caller, client_id).await?;
    preview_of(state, &app).await
}

/// The preview for an app the caller may already see.
pub async fn preview_of(state: &AppState, app: &OAuthApp) -> ServiceResult<Preview> {
    let redirect_uris: Vec<String> = app
        .redirect_uri_list()
        .into_iter()
        .map(str::to_string)
        .collect();
    let key_ids = key_ids(state, app).await?;
    let uris: Vec<&str> = redirect_uris.iter().map(String::as_str).collect();
    let config = config_of(
        state,
        app,
        samples::preferred_redirect(&uris),
        key_ids.first().cloned(),
        None,
    );
    Ok(Preview {
        config,
        redirect_uris,
        key_ids,
    })
}

/// The sample's zip. A new secret is made only here, after every other check
/// passed, so a refused download never costs the app its secret.
pub async fn download(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    request: SampleRequest,
) -> ServiceResult<SampleZip> {
    let (app, _) = apps::visible(state, caller, client_id).await?;
    let preview = preview_of(state, &app).await?;
    let flow = Flow::of(app.client_type);
    let redirect_uri = match request.redirect_uri.filter(|u| !u.is_empty()) {
        Some(u) if flow.uses_redirect() && !preview.redirect_uris.contains(&u) => {
            return Err(ServiceError::invalid(
                "redirect_uri",
                "This is not one of the app's redirect URIs.",
            ));
        }
        Some(u) => Some(u),
        None => preview.config.redirect_uri.clone(),
    };
    if flow.uses_redirect() && redirect_uri.is_none() {
        return Err(ServiceError::invalid(
            "redirect_uri",
            "The app has no redirect URI: add one first.",
        ));
    }
    let public_key_id = match request.public_key_id.filter(|k| !k.is_empty()) {
        Some(k) if flow == Flow::Jwt && !preview.key_ids.contains(&k) => {
            return Err(ServiceError::invalid(
                "public_key_id",
                "This is not the fingerprint of one of the app's keys.",
            ));
        }
        Some(k) => Some(k),
        None => preview.key_ids.first().cloned(),
    };
    if flow == Flow::Jwt && public_key_id.is_none() {
        return Err(ServiceError::invalid(
            "public_key_id",
            "The app has no public key: add one first.",
        ));
    }
    let client_secret = match (flow, request.secret) {
        (Flow::Web, SecretChoice::Entered(secret)) => {
            let secret = secret.trim().to_string();
            if secret.is_empty() {
                return Err(secret_needed());
            }
            if app.secret_hash.is_empty()
                || !constant_time_eq(&hash_secret(&secret), &app.secret_hash)
            {
                return Err(ServiceError::invalid(
                    "client_secret",
                    "This is not the app's current client secret.",
                ));
            }
            Some(secret)
        }
        (Flow::Web, SecretChoice::New) => {
            let made = apps::reset_secret(state, caller, &app.client_id).await?;
            Some(made.client_secret.ok_or(ServiceError::Internal)?)
        }
        (Flow::Web, SecretChoice::None) => return Err(secret_needed()),
        (_, SecretChoice::None) => None,
        (_, _) => {
            return Err(ServiceError::invalid(
                "client_secret",
                "Only web apps have a client secret.",
            ));
        }
    };
    let config = config_of(state, &app, redirect_uri, public_key_id, client_secret);
    samples::zip(request.language, &config).map_err(|e| {
        tracing::error!(error = %e, "zipping a sample failed");
        ServiceError::Internal
    })
}

fn secret_needed() -> ServiceError {
    ServiceError::invalid(
        "client_secret",
        "A web app's sample needs its client secret: enter the current one, or make a new one.",
    )
}
