//! The known-device cookie: a random secret a browser or script receives when it
//! signs in successfully, stored only as its SHA-256 digest with the account it
//! signed in to. A sign-in (or password check) carrying it is judged by that
//! device's own failures, so guessing an account's password from elsewhere never
//! keeps its owner out.

use crate::AppState;
use buckle_core::secret::hash_secret;
use buckle_core::{AccountId, TokenKind};
use buckle_store::StoreError;

pub const KNOWN_DEVICE_COOKIE: &str = "buckle_device";

/// How long a device stays known after its sign-in, seconds (180 days).
pub const KNOWN_DEVICE_TTL: i64 = 180 * 86_400;

/// Devices remembered per account; a new one beyond this forgets the oldest, so
/// a script signing in without keeping cookies cannot grow the table unbounded.
pub const KNOWN_DEVICES_PER_ACCOUNT: i64 = 20;

/// The digest of the known-device cookie's value (`token`, when one was sent) when
/// it is unexpired and belongs to `account_id`. The cookie is looked up whether or
/// not the account exists (`None`), so the lookup's time tells nothing about user names.
pub async fn recognized_token(
    state: &AppState,
    token: Option<&str>,
    account_id: Option<AccountId>,
) -> Result<Option<String>, StoreError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let hash = hash_secret(token);
    let owner = state
        .store
        .known_device_account(&hash, state.clock.now())
        .await?;
    Ok((owner.is_some() && owner == account_id).then_some(hash))
}

/// Remembers this device for `account_id`; the `Set-Cookie` value that gives it
/// the device's secret.
pub async fn remember(state: &AppState, account_id: AccountId) -> Result<String, StoreError> {
    let token = TokenKind::Session.generate();
    let now = state.clock.now();
    state
        .store
        .add_known_device(
            &hash_secret(&token),
            account_id,
            now,
            now + KNOWN_DEVICE_TTL,
            KNOWN_DEVICES_PER_ACCOUNT,
        )
        .await?;
    Ok(format!(
        "{KNOWN_DEVICE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={KNOWN_DEVICE_TTL}{}",
        if state.config.secure_cookies() {
            "; Secure"
        } else {
            ""
        }
    ))
}
