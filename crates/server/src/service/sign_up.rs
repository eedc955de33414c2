//! Making one's own account, where the operator allows it (`allow_sign_up`, off by
//! default): the account is an ordinary one (never a super admin), made with the
//! same checks as any other, and signed in at once. Sign-ups are counted per client
//! address, so one address cannot mint accounts in bulk.

use super::accounts::{self, NewAccountRequest};
use super::sessions::open_session;
use super::{ServiceError, ServiceResult};
use crate::AppState;
use crate::audit::AuditEvent;
use buckle_core::audit::AuditKind;
use buckle_store::Account;
use std::net::IpAddr;

/// A new account, signed in.
pub struct SignedUp {
    /// The new session's secret (the session cookie's value).
    pub session: String,
    pub account: Account,
}

/// The refusal when the operator has not enabled sign-up.
pub fn sign_up_disabled() -> ServiceError {
    ServiceError::not_found("Sign-up is not enabled on this installation.")
}

/// Makes the account `user_name` with `password` and opens its first session.
pub async fn sign_up(
    state: &AppState,
    user_name: &str,
    password: &str,
    address: IpAddr,
) -> ServiceResult<SignedUp> {
    if !state.config.allow_sign_up {
        return Err(sign_up_disabled());
    }
    let now = state.clock.now();
    let wait = state
        .throttle
        .sign_up_wait(&state.store, address, now)
        .await?;
    if wait > 0 {
        return Err(ServiceError::Throttled {
            message: format!(
                "Too many accounts made from this address; {}.",
                crate::throttle::try_again_in(wait)
            ),
            retry_after: wait,
        });
    }
    let account = accounts::create(
        state,
        NewAccountRequest {
            user_name,
            password: Some(password),
            nick_name: None,
            super_admin: false,
        },
    )
    .await?;
    state.throttle.signed_up(&state.store, address, now).await?;
    let session = open_session(state, account.id, now).await?;
    AuditEvent::new(AuditKind::SignedUp)
        .by(account.id, None)
        .from_addr(address)
        .record(state)
        .await;
    Ok(SignedUp { session, account })
}
