//! Signing in: a user name and password checked (throttled, timing-equalized,
//! Argon2 work bounded) and a console session opened. The sign-in page and
//! `POST /api/manage/session` both call [`sign_in`] and map its errors their way.

use super::{Caller, ServiceError, ServiceResult};
use crate::AppState;
use crate::audit::AuditEvent;
use buckle_core::TokenKind;
use buckle_core::audit::AuditKind;
use buckle_core::secret::hash_secret;
use buckle_store::Account;
use std::net::IpAddr;

/// A successful sign-in.
pub struct SignedIn {
    /// The new session's secret (the session cookie's value).
    pub session: String,
    pub account: Account,
    /// A `Set-Cookie` value making this device known to the account, when it was not.
    pub known_device_cookie: Option<String>,
}

/// Too many failed attempts: wait `wait` seconds.
fn too_many_failures(wait: i64) -> ServiceError {
    ServiceError::Throttled {
        message: format!(
            "Too many failed password attempts; {}.",
            crate::throttle::try_again_in(wait)
        ),
        retry_after: wait,
    }
}

/// A turn at Argon2 work (19 MiB each): bounded, so a flood of password checks
/// cannot exhaust memory or threads. Held until the hash is done.
async fn password_check_permit(
    state: &AppState,
) -> ServiceResult<tokio::sync::OwnedSemaphorePermit> {
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        state.password_checks.clone().acquire_owned(),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .ok_or_else(|| ServiceError::Throttled {
        message: "Too many password checks at once; try again shortly.".to_string(),
        retry_after: 1,
    })
}

static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::password::hash("buckle-timing-equalizer"));

/// Checks a user name and password and opens a session. `known_device` is the
/// known-device cookie's value, when the client sent one; `address` is the client's.
pub async fn sign_in(
    state: &AppState,
    user_name: &str,
    password: &str,
    address: IpAddr,
    known_device: Option<&str>,
) -> ServiceResult<SignedIn> {
    let now = state.clock.now();
    let account = state.store.account_by_name(user_name.trim()).await?;
    let known_device =
        crate::known_device::recognized_token(state, known_device, account.as_ref().map(|a| a.id))
            .await?;
    let attempt = state
        .throttle
        .sign_in_attempt(&state.store, user_name, address, known_device, now)
        .await?;
    if attempt.wait > 0 {
        return Err(too_many_failures(attempt.wait));
    }
    let stored = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_default();
    let password = password.to_string();
    let permit = password_check_permit(state).await?;
    // Unknown names cost the same Argon2 work as known ones.
    let valid = tokio::task::spawn_blocking(move || {
        // Held until the hash is done, even if the request is dropped meanwhile.
        let _permit = permit;
        let target = if stored.is_empty() {
            DUMMY_HASH.as_str()
        } else {
            stored.as_str()
        };
        crate::password::verify(&password, target) && !stored.is_empty()
    })
    .await
    .unwrap_or_else(|e| {
        // Fails closed: a check that did not finish never signs anyone in.
        tracing::error!(error = %e, "the password check's worker failed");
        false
    });
    let account_id = account.as_ref().map(|a| a.id);
    let Some(account) = account.filter(|_| valid) else {
        metrics::counter!("buckle_console_sign_in_failures_total").increment(1);
        state.throttle.failed(&state.store, &attempt, now).await?;
        // The typed name is not recorded: it may be a password typed in the wrong field.
        let mut event = AuditEvent::new(AuditKind::SignInFailed).from_addr(address);
        if let Some(id) = account_id {
            event = event.about(id);
        }
        event.record(state).await;
        return Err(ServiceError::Unauthenticated(
            "Wrong user name or password.".to_string(),
        ));
    };
    state.throttle.succeeded(&state.store, &attempt).await?;
    let known_device_cookie = if attempt.is_known_device() {
        None
    } else {
        Some(crate::known_device::remember(state, account.id).await?)
    };
    let session = open_session(state, account.id, now).await?;
    AuditEvent::new(AuditKind::SignIn)
        .by(account.id, None)
        .from_addr(address)
        .detail(serde_json::json!({"known_device": attempt.is_known_device()}))
        .record(state)
        .await;
    Ok(SignedIn {
        session,
        account,
        known_device_cookie,
    })
}

/// Opens a console session for `account`; its secret is the cookie's value.
pub(crate) async fn open_session(
    state: &AppState,
    account: buckle_core::AccountId,
    now: i64,
) -> ServiceResult<String> {
    let session = TokenKind::Session.generate();
    state
        .store
        .create_session(
            &hash_secret(&session),
            account,
            now,
            now + state.config.session_ttl,
        )
        .await?;
    Ok(session)
}

/// Changes the caller's password and ends every session of the account. Only a
/// person signed in to the console may (a token may not), and only with the
/// current password; wrong ones count against the sign-in throttle as failed
/// sign-ins do (per account and address, or per known device). `known_device`
/// is the known-device cookie's value, when the client sent one.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    current_password: String,
    new_password: String,
    address: IpAddr,
    known_device: Option<&str>,
) -> ServiceResult<()> {
    if caller.token.is_some() {
        return Err(ServiceError::forbidden(
            "Change passwords from a signed-in console session.",
        ));
    }
    crate::password::check_strength(&new_password)
        .map_err(|m| ServiceError::invalid("new_password", m))?;
    let account = &caller.account;
    let now = state.clock.now();
    let known_device =
        crate::known_device::recognized_token(state, known_device, Some(account.id)).await?;
    let attempt = state
        .throttle
        .sign_in_attempt(&state.store, &account.user_name, address, known_device, now)
        .await?;
    if attempt.wait > 0 {
        return Err(too_many_failures(attempt.wait));
    }
    let stored = account.password_hash.clone();
    let permit = password_check_permit(state).await?;
    let hashed = tokio::task::spawn_blocking(move || {
        // Held until the hash is done, even if the request is dropped meanwhile.
        let _permit = permit;
        crate::password::verify(&current_password, &stored)
            .then(|| crate::password::hash(&new_password))
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "the password check's worker failed");
        ServiceError::Internal
    })?;
    let Some(hashed) = hashed else {
        state.throttle.failed(&state.store, &attempt, now).await?;
        return Err(ServiceError::forbidden("The current password is wrong."));
    };
    state.throttle.succeeded(&state.store, &attempt).await?;
    state.store.set_password(account.id, &hashed).await?;
    state.store.delete_sessions_of(account.id).await?;
    caller
        .audit(AuditKind::PasswordChanged)
        .from_addr(address)
        .record(state)
        .await;
    Ok(())
}
