//! The public keys a service app signs its JWTs with.

use super::apps::{app_event, changeable, require_service, visible};
use super::{Caller, ServiceError, ServiceResult};
use crate::AppState;
use crate::credential_change::CredentialChange;
use buckle_core::audit::AuditKind;
use buckle_core::rsa_key::RsaPublicKey;
use buckle_store::{AppKey, OAuthApp, StoreError};

const KEY_LIMIT: i64 = 3;
/// Far beyond an 8192-bit public key in PEM; refuses junk before parsing it.
const MAX_PEM: usize = 16 * 1024;

/// The keys of an app (none for apps other than service apps).
pub async fn of_app(state: &AppState, app: &OAuthApp) -> ServiceResult<Vec<AppKey>> {
    if app.client_type.has_keys() {
        Ok(state.store.app_keys(app.id).await?)
    } else {
        Ok(Vec::new())
    }
}

/// Registers an RSA public key (PEM) for a service app the caller may change.
/// Errors never quote the text, so a private key pasted by mistake is not echoed.
pub async fn add(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    public_key_pem: &str,
) -> ServiceResult<AppKey> {
    const FIELD: &str = "public_key";
    let (app, _) = changeable(state, caller, client_id).await?;
    require_service(&app, "public keys")?;
    if public_key_pem.len() > MAX_PEM {
        return Err(ServiceError::invalid(
            FIELD,
            "public_key: the PEM text is too long.",
        ));
    }
    let key = RsaPublicKey::from_pem(public_key_pem)
        .map_err(|e| ServiceError::invalid(FIELD, format!("public_key: {e}.")))?;
    let fingerprint = key.thumbprint();
    let duplicate = || ServiceError::conflict("This public key is already registered for the app.");
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
            return Err(ServiceError::bad(format!(
                "An app may hold at most {KEY_LIMIT} public keys."
            )));
        }
        Err(StoreError::Conflict) => return Err(duplicate()),
        Err(e) => return Err(e.into()),
    }
    state
        .credentials
        .forget(CredentialChange::App { app_id: app.id });
    app_event(caller, AuditKind::KeyAdded, &app)
        .detail(serde_json::json!({"name": app.name, "fingerprint": k.fingerprint}))
        .record(state)
        .await;
    Ok(k)
}

/// The keys of a service app the caller may see.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
) -> ServiceResult<Vec<AppKey>> {
    let (app, _) = visible(state, caller, client_id).await?;
    require_service(&app, "public keys")?;
    Ok(state.store.app_keys(app.id).await?)
}

/// Removes a key: JWTs signed with it are refused from now on.
pub async fn delete(
    state: &AppState,
    caller: &Caller,
    client_id: &str,
    fingerprint: &str,
) -> ServiceResult<()> {
    let (app, _) = changeable(state, caller, client_id).await?;
    require_service(&app, "public keys")?;
    if fingerprint.len() > 100 || !state.store.delete_app_key(app.id, fingerprint).await? {
        return Err(ServiceError::not_found("Key not found."));
    }
    // JWT signers are kept in memory with their keys (`jwt_issuers.rs`).
    state
        .credentials
        .forget(CredentialChange::App { app_id: app.id });
    app_event(caller, AuditKind::KeyRemoved, &app)
        .detail(serde_json::json!({"name": app.name, "fingerprint": fingerprint}))
        .record(state)
        .await;
    Ok(())
}
