//! Who signs the JWTs of the JWT bearer grant, kept in process: the app a JWT's
//! `iss` names, with its public key for the JWT's `kid` parsed once. Without
//! it, every grant reads the app and the key and parses the key (which costs
//! about as much as the signature check itself).
//!
//! Entries live at most the credential cache's lifetime and are forgotten with
//! it: every change to an app, its keys included, is a
//! [`CredentialChange::App`](crate::credential_change::CredentialChange), here
//! and (on PostgreSQL) on every other node. Only found issuers are kept, so a
//! key added is found at once; a key deleted is forgotten by its event.

use crate::ttl_cache::TtlCache;
use buckle_core::AppId;
use buckle_core::rsa_key::{Rs256Verifier, RsaPublicKey};
use buckle_store::{OAuthApp, Store, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// An app that may sign JWTs with one of its keys.
#[derive(Debug)]
pub struct Issuer {
    pub app: OAuthApp,
    pub key: Rs256Verifier,
}

/// Why no issuer was found.
#[derive(Debug)]
pub enum NoIssuer {
    /// No app with that client id, or no key of it with that fingerprint.
    Unknown,
    /// The stored key does not parse (it was checked when uploaded).
    UnreadableKey,
    Store(StoreError),
}

/// Apps with many keys are rare; a few thousand signing apps fit.
const MAX_ENTRIES: u64 = 20_000;

pub struct IssuerCache {
    /// By (client id, key fingerprint).
    found: TtlCache<(String, String), Arc<Issuer>>,
    enabled: bool,
    /// Bumped by every forget: a lookup that overlapped one keeps nothing.
    forgets: AtomicU64,
}

impl IssuerCache {
    /// A zero `ttl` turns it off, as for the credential cache.
    pub fn new(ttl: Duration) -> IssuerCache {
        IssuerCache {
            found: TtlCache::new(MAX_ENTRIES, 1, ttl.max(Duration::from_millis(1)), |_, _| 1),
            enabled: !ttl.is_zero(),
            forgets: AtomicU64::new(0),
        }
    }

    /// The app `client_id` with its key `kid`: from memory, or read and parsed.
    pub async fn issuer(
        &self,
        store: &Store,
        client_id: &str,
        kid: &str,
    ) -> Result<Arc<Issuer>, NoIssuer> {
        let key = (client_id.to_string(), kid.to_string());
        if self.enabled
            && let Some(found) = self.found.get(&key)
        {
            return Ok(found);
        }
        let forgets = self.forgets.load(Ordering::SeqCst);
        let app = store
            .app_by_client_id(client_id)
            .await
            .map_err(NoIssuer::Store)?
            .ok_or(NoIssuer::Unknown)?;
        let stored = store
            .app_key(app.id, kid)
            .await
            .map_err(NoIssuer::Store)?
            .ok_or(NoIssuer::Unknown)?;
        let verifier = RsaPublicKey::from_pem(&stored.public_pem)
            .and_then(|k| k.verifier())
            .map_err(|_| NoIssuer::UnreadableKey)?;
        let issuer = Arc::new(Issuer { app, key: verifier });
        if self.enabled {
            self.found.insert(key.clone(), issuer.clone());
            // A change forgotten while we read may predate what we read.
            if self.forgets.load(Ordering::SeqCst) != forgets {
                self.found.invalidate(&key);
            }
        }
        Ok(issuer)
    }

    /// Forgets everything kept of `app_id`.
    pub fn forget_app(&self, app_id: AppId) {
        self.forgets.fetch_add(1, Ordering::SeqCst);
        self.found
            .invalidate_if(|_, issuer| issuer.app.id == app_id);
    }

    pub fn forget_everything(&self) {
        self.forgets.fetch_add(1, Ordering::SeqCst);
        self.found.invalidate_all();
    }
}
