//! Revoking a refresh-token family (a replayed code or refresh token): in the
//! store, and in the credential cache so its access tokens stop at once.

use crate::AppState;
use crate::credential_change::CredentialChange;
use buckle_store::StoreError;

pub async fn revoke(state: &AppState, family_id: i64, now: i64) -> Result<(), StoreError> {
    state.store.revoke_family(family_id, now).await?;
    state
        .credentials
        .forget(CredentialChange::Family { family_id });
    Ok(())
}
