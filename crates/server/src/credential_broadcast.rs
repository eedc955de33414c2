//! Several processes on one PostgreSQL keep their credential caches as one:
//! every change this process forgets is published with `NOTIFY` on
//! [`CHANNEL`], and a `LISTEN` task forgets what other processes publish.
//! A change reaches the other processes' caches within milliseconds; should a
//! notification be lost anyway, the cache's lifetime bounds how long it goes
//! unseen. On SQLite nothing runs: one process owns the database file.
//!
//! The listening connection proves it is alive at every quiet
//! [`Heartbeat::every`]; a connection that died silently is replaced as one
//! that failed is, and everything cached is forgotten.
//!
//! A payload is `<node> <change>`: the publishing process's random id (so that
//! it skips its own changes, which it forgot already) and
//! [`CredentialChange::encode`], ids only, never a secret.

use crate::credential_cache::CredentialCache;
use crate::credential_change::CredentialChange;
use buckle_store::{Heartbeat, Listener, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The one `LISTEN/NOTIFY` channel of credential changes.
pub const CHANNEL: &str = "buckle_credentials";
/// Changes waiting to be published; people make them in the console, so this
/// is only reached by a burst far beyond that.
const QUEUE: usize = 4096;
/// The first wait before listening again after a failure, doubled per failure
/// up to [`LAST_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(200);
const LAST_RETRY: Duration = Duration::from_secs(10);

/// The publishing and listening tasks; dropping it stops both.
pub struct Broadcast {
    publisher: JoinHandle<()>,
    listener: JoinHandle<()>,
}

impl Drop for Broadcast {
    fn drop(&mut self) {
        self.publisher.abort();
        self.listener.abort();
    }
}

/// Starts publishing and listening, on PostgreSQL; `None` on SQLite. Call it
/// before serving: it returns once this process listens (or failed to, and
/// keeps trying), so no change made after the first request is missed.
pub async fn start(store: &Store, cache: &Arc<CredentialCache>) -> Option<Broadcast> {
    start_with(store, cache, Heartbeat::default()).await
}

/// [`start`] with a heartbeat of its own (tests use a short one).
pub async fn start_with(
    store: &Store,
    cache: &Arc<CredentialCache>,
    heartbeat: Heartbeat,
) -> Option<Broadcast> {
    let first = match listen_on(store, heartbeat).await {
        Ok(Some(listener)) => Some(listener),
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for credential changes of other nodes yet");
            None
        }
    };
    let node = format!("{:016x}", rand::random::<u64>());
    let (tx, rx) = mpsc::channel(QUEUE);
    cache.publish_to(tx);
    Some(Broadcast {
        publisher: tokio::spawn(publish(store.clone(), node.clone(), rx)),
        listener: tokio::spawn(listen(store.clone(), cache.clone(), node, first, heartbeat)),
    })
}

async fn listen_on(store: &Store, heartbeat: Heartbeat) -> buckle_store::Result<Option<Listener>> {
    let mut listener = store.listen(CHANNEL).await?;
    if let Some(l) = &mut listener {
        l.set_heartbeat(heartbeat);
    }
    Ok(listener)
}

/// Publishes each change, in order. The service forgot it after its commit, so
/// no other process can read the old state once the notification arrives.
async fn publish(store: Store, node: String, mut changes: mpsc::Receiver<CredentialChange>) {
    while let Some(change) = changes.recv().await {
        let payload = format!("{node} {}", change.encode());
        if let Err(e) = store.notify(CHANNEL, &payload).await {
            metrics::counter!("buckle_credential_broadcast_failed_total").increment(1);
            tracing::warn!(error = %e, ?change,
                "could not tell other nodes of a credential change; they see it when their cached copies expire");
        }
    }
}

/// Listens until aborted, on `first` and then on a new connection after any
/// failure (an unanswered heartbeat among them).
async fn listen(
    store: Store,
    cache: Arc<CredentialCache>,
    node: String,
    first: Option<Listener>,
    heartbeat: Heartbeat,
) {
    let mut listener = first;
    let mut retry = FIRST_RETRY;
    loop {
        if let Some(mut l) = listener.take() {
            loop {
                match l.recv().await {
                    Ok(Some(payload)) => apply(&cache, &node, &payload),
                    Ok(None) => {
                        tracing::warn!("lost the connection listening for credential changes");
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for credential changes failed");
                        break;
                    }
                }
            }
        }
        tokio::time::sleep(retry).await;
        match listen_on(&store, heartbeat).await {
            Ok(Some(l)) => {
                // Notifications sent while no connection listened are lost for
                // good, and a change may have been made meanwhile: nothing
                // cached before this point can be trusted.
                cache.forget_everything();
                tracing::info!("listening for credential changes of other nodes again");
                listener = Some(l);
                retry = FIRST_RETRY;
            }
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for credential changes of other nodes");
                retry = (retry * 2).min(LAST_RETRY);
            }
        }
    }
}

/// Forgets the change another process published.
fn apply(cache: &CredentialCache, node: &str, payload: &str) {
    let Some((from, line)) = payload.split_once(' ') else {
        tracing::warn!(payload, "unreadable credential change notification");
        return;
    };
    if from == node {
        return;
    }
    match CredentialChange::decode(line) {
        Some(change) => {
            metrics::counter!("buckle_credential_broadcast_received_total").increment(1);
            cache.forget_here(&change);
        }
        None => {
            // A newer process may publish events this one does not know: it
            // cannot tell what they concern, so it forgets everything.
            tracing::warn!(
                payload,
                "unknown credential change: forgetting every cached credential"
            );
            cache.forget_everything();
        }
    }
}
