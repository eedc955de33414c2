//! Verified credentials kept in process, so the token check on every API call
//! reads no database while a token stays in use.
//!
//! - **Known tokens**: the stored row a token hash found (a PAT/SAT, or an OAuth
//!   token joined with its app and installation), bounded by an estimate of its
//!   bytes. Expiry is still decided at every call against the clock, from the
//!   row, so a cached token that expires is refused at once.
//! - **Unknown tokens**: hashes that found nothing, in a separate, smaller bound,
//!   so a flood of random tokens can neither grow memory nor push out known ones.
//!   A hash becomes known only when a token with it is issued, and issuing
//!   forgets it here ([`CredentialCache::issued`]); a token's secret is shown
//!   only after that, so no one can present it earlier.
//! - **Account profiles**: what `users.me` and introspection read of an account.
//! - **Apps**: an app as the OAuth token endpoint reads it by its client id
//!   (its type, whether it is enabled, the hash of its secret), so a code
//!   exchange, refresh or device poll does not read it again. Only found apps
//!   are kept, so an app created is found at once.
//! - **Memberships**: what enforcement and introspection read of a person's
//!   standing: their role in an organization (or none), whether they belong to
//!   a workspace (with the workspace's organization), and the workspaces they
//!   belong to in one edition. A workspace that does not exist is not
//!   remembered: a 404 is not the hot path, and so creating a workspace has
//!   no earlier "not found" to forget.
//!
//! Every entry lives at most `ttl`. Changes made through this process are
//! forgotten at once ([`CredentialCache::forget`], with a [`CredentialChange`]),
//! and on PostgreSQL also told to every other process on the database, which
//! forget them within about a second (`credential_broadcast.rs`). `ttl` bounds
//! how long a change that reaches a process by no event (an operator's SQL, a
//! notification missed while its listener was reconnecting) can go unseen.
//!
//! Invalidation is by key where the event names it, else by a sweep of the
//! cached entries with a predicate (done before `forget` returns), so an app,
//! an organization member or a family is forgotten without an index of hashes.
//! Such events are rare (people acting in the console), so their cost, one
//! predicate check per entry with each shard locked in turn, is not on the hot path.

use crate::credential_change::CredentialChange;
use crate::jwt_issuers::IssuerCache;
use crate::ttl_cache::TtlCache;
use buckle_core::{AccountId, OrgId, PermissionSet, Role, WorkspaceId};
/// What `users.me` and introspection read of an account (never its password hash).
pub use buckle_store::AccountProfile;
use buckle_store::{AccessToken, OAuthApp, OAuthToken, Store, StoreError};
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

/// A stored token as the token check read it.
#[derive(Debug)]
pub enum Stored {
    Access(AccessToken),
    OAuth(OAuthToken),
}

impl Stored {
    pub fn account_id(&self) -> Option<AccountId> {
        match self {
            Stored::Access(t) => t.account_id,
            Stored::OAuth(t) => t.record.account_id,
        }
    }

    pub fn org_id(&self) -> Option<&OrgId> {
        match self {
            Stored::Access(t) => t.org_id.as_ref(),
            Stored::OAuth(t) => t.record.org_id.as_ref(),
        }
    }

    /// About what it takes in memory: the texts plus a fixed share for the
    /// structure and the cache's own bookkeeping.
    fn weight(&self) -> usize {
        const FIXED: usize = 400;
        FIXED
            + match self {
                Stored::Access(t) => {
                    t.token_hash.len()
                        + t.hint.len()
                        + t.name.len()
                        + t.permissions.len()
                        + 8 * t.workspace_ids.len()
                }
                Stored::OAuth(t) => {
                    let r = &t.record;
                    r.token_hash.len()
                        + r.permissions.len()
                        + 8 * r.workspace_ids.len()
                        + r.session_name.as_ref().map_or(0, String::len)
                        + r.device_id.as_ref().map_or(0, String::len)
                        + r.custom_consumer.as_ref().map_or(0, String::len)
                        + t.app_name.len()
                        + t.app_permissions.len()
                        + t.client_id.len()
                        + t.bots.as_ref().map_or(0, |b| 8 * b.bot_ids.len())
                }
            }
    }
}

/// What a token check read from the store for a token: its row, and the
/// profile of the account it acts for when the same statement read that too.
#[derive(Debug)]
pub struct Read {
    pub stored: Stored,
    pub profile: Option<AccountProfile>,
}

impl From<Stored> for Read {
    fn from(stored: Stored) -> Read {
        Read {
            stored,
            profile: None,
        }
    }
}

/// A cached token: its row, the points it holds, and when this process last
/// recorded its use.
#[derive(Debug)]
pub struct Cached {
    pub stored: Stored,
    /// Decoded once here rather than on every call: a PAT's or SAT's points, an
    /// OAuth token's points within what its app asks for now (an app edit is
    /// one of the changes that forget the entry).
    pub points: PermissionSet,
    /// The rest of what a call reads of the token, built once here.
    pub view: crate::auth::CredentialView,
    /// `points` less the organization-level ones, once introspection asked.
    pub(crate) points_below_organization: std::sync::OnceLock<PermissionSet>,
    /// The profile of the account the token acts for, read with the token (or
    /// by a later call): a change to the account forgets this entry with it
    /// (`CredentialChange::Account`).
    pub(crate) profile: std::sync::OnceLock<Arc<AccountProfile>>,
    last_touched: AtomicI64,
}

impl Cached {
    fn new(read: Read) -> Cached {
        let Read { stored, profile } = read;
        let (last, points) = match &stored {
            Stored::Access(t) => (
                t.last_used_at.unwrap_or(i64::MIN),
                PermissionSet::decode(&t.permissions),
            ),
            Stored::OAuth(found) => (
                i64::MIN,
                PermissionSet::decode(&found.record.permissions)
                    .intersection(&PermissionSet::decode(&found.app_permissions)),
            ),
        };
        let view = crate::auth::CredentialView::of(&stored, &points);
        Cached {
            stored,
            points,
            view,
            points_below_organization: std::sync::OnceLock::new(),
            profile: profile
                .map(Arc::new)
                .map_or_else(std::sync::OnceLock::new, std::sync::OnceLock::from),
            last_touched: AtomicI64::new(last),
        }
    }

    /// True for exactly one caller per `every` seconds: that one records the use,
    /// so concurrent calls of a busy token write `last_used_at` once, not each.
    pub fn claim_touch(&self, now: i64, every: i64) -> bool {
        let last = self.last_touched.load(Ordering::Relaxed);
        now.saturating_sub(last) >= every
            && self
                .last_touched
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

/// How a person stands towards an existing workspace, as enforcement reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceAccess {
    /// The organization owning the workspace; `None` for a personal one.
    pub org_id: Option<OrgId>,
    pub is_member: bool,
}

/// How big and how fresh the cache is.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// The longest an entry lives; zero turns the cache off.
    pub ttl: Duration,
    /// About how many bytes all entries may take together.
    pub max_bytes: u64,
}

impl Default for CacheLimits {
    fn default() -> CacheLimits {
        CacheLimits {
            ttl: Duration::from_secs(DEFAULT_TTL_SECONDS),
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// Ten seconds: any token called more than once in ten seconds is checked from
/// memory, while a change that reaches this process by no event (another
/// process's, an operator's SQL) is seen within ten seconds.
pub const DEFAULT_TTL_SECONDS: u64 = 10;
/// 64 MiB: about 55,000 tokens in use at once, with their people's memberships.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// A key (64 hex digits) and the cache's bookkeeping, for an unknown hash.
const UNKNOWN_WEIGHT: u64 = 200;
/// An account profile, about.
const PROFILE_WEIGHT: usize = 300;
/// An app's key, numbers and bookkeeping, besides its texts.
const APP_WEIGHT: usize = 300;
/// A membership entry's key, value and bookkeeping, besides its texts and lists.
const MEMBERSHIP_WEIGHT: usize = 200;

/// The bytes an organization id adds to a membership entry.
fn org_len(org: Option<&OrgId>) -> usize {
    org.map_or(0, |o| o.as_str().len())
}

pub struct CredentialCache {
    known: TtlCache<String, Arc<Cached>>,
    unknown: TtlCache<String, ()>,
    profiles: TtlCache<AccountId, Arc<AccountProfile>>,
    /// By client id.
    apps: TtlCache<String, Arc<OAuthApp>>,
    /// A person's role in an organization; `None`: not a member.
    roles: TtlCache<(OrgId, AccountId), Option<Role>>,
    /// How a person stands towards a workspace that exists.
    workspace_access: TtlCache<(WorkspaceId, AccountId), Arc<WorkspaceAccess>>,
    /// The workspaces a person belongs to in one edition (`None`: personal).
    workspace_lists: TtlCache<(AccountId, Option<OrgId>), Arc<[WorkspaceId]>>,
    enabled: bool,
    /// Bumped by every [`forget`](Self::forget): a lookup that overlapped one does
    /// not keep what it read, which may predate the change.
    forgets: AtomicU64,
    /// Bumped by every [`issued`](Self::issued), for the same reason on the
    /// unknown side.
    issues: AtomicU64,
    /// Where [`forget`](Self::forget) sends changes to be told to other
    /// processes; set while the server runs on PostgreSQL.
    publisher: Mutex<Option<mpsc::Sender<CredentialChange>>>,
    /// JWT signers (apps with their parsed keys), forgotten with the apps.
    pub issuers: IssuerCache,
    /// `buckle_credential_cache_total` by result, registered once rather than
    /// looked up in the recorder on every call.
    outcomes: LookupOutcomes,
}

struct LookupOutcomes {
    hit: metrics::Counter,
    unknown_hit: metrics::Counter,
    miss: metrics::Counter,
}

impl LookupOutcomes {
    fn register() -> LookupOutcomes {
        let counter = |result: &'static str| metrics::counter!("buckle_credential_cache_total", "result" => result);
        LookupOutcomes {
            hit: counter("hit"),
            unknown_hit: counter("unknown_hit"),
            miss: counter("miss"),
        }
    }
}

impl CredentialCache {
    /// Known tokens get half of `max_bytes`; unknown hashes, profiles, apps
    /// and memberships an eighth each (memberships a third of theirs per kind).
    pub fn new(limits: CacheLimits) -> CredentialCache {
        let share = |eighths: u64| (limits.max_bytes / 8 * eighths).max(1);
        let membership_share = (limits.max_bytes / 8 / 3).max(1);
        let ttl = limits.ttl.max(Duration::from_millis(1));
        CredentialCache {
            known: TtlCache::new(share(4), 700, ttl, |k, v| {
                (k.len() + v.stored.weight()) as u64
            }),
            unknown: TtlCache::new(share(1), UNKNOWN_WEIGHT, ttl, |_, _| UNKNOWN_WEIGHT),
            profiles: TtlCache::new(share(1), PROFILE_WEIGHT as u64, ttl, |_, p| {
                (PROFILE_WEIGHT + p.user_name.len() + p.nick_name.len() + p.avatar_url.len()) as u64
            }),
            apps: TtlCache::new(share(1), APP_WEIGHT as u64, ttl, |k, a| {
                (APP_WEIGHT
                    + k.len()
                    + a.client_id.len()
                    + a.name.len()
                    + a.description.len()
                    + a.permissions.len()
                    + a.redirect_uris.len()
                    + a.secret_hash.len()
                    + a.secret_hint.len()
                    + org_len(a.org_id.as_ref())
                    + a.connector_id.as_ref().map_or(0, String::len)) as u64
            }),
            roles: TtlCache::new(membership_share, MEMBERSHIP_WEIGHT as u64, ttl, |k, _| {
                (MEMBERSHIP_WEIGHT + org_len(Some(&k.0))) as u64
            }),
            workspace_access: TtlCache::new(
                membership_share,
                MEMBERSHIP_WEIGHT as u64,
                ttl,
                |_, v| (MEMBERSHIP_WEIGHT + org_len(v.org_id.as_ref())) as u64,
            ),
            workspace_lists: TtlCache::new(
                membership_share,
                MEMBERSHIP_WEIGHT as u64,
                ttl,
                |k, v| (MEMBERSHIP_WEIGHT + org_len(k.1.as_ref()) + 8 * v.len()) as u64,
            ),
            enabled: !limits.ttl.is_zero(),
            forgets: AtomicU64::new(0),
            issues: AtomicU64::new(0),
            publisher: Mutex::new(None),
            issuers: IssuerCache::new(if limits.ttl.is_zero() {
                Duration::ZERO
            } else {
                ttl
            }),
            outcomes: LookupOutcomes::register(),
        }
    }

    /// The stored token with this hash: from memory, or read with `load` and
    /// remembered (found or not).
    pub async fn lookup<F, R>(&self, hash: &str, load: F) -> Result<Option<Arc<Cached>>, StoreError>
    where
        F: Future<Output = Result<Option<R>, StoreError>>,
        R: Into<Read>,
    {
        if !self.enabled {
            return Ok(load.await?.map(|r| Arc::new(Cached::new(r.into()))));
        }
        if let Some(c) = self.known.get(hash) {
            self.outcomes.hit.increment(1);
            return Ok(Some(c));
        }
        if self.unknown.contains(hash) {
            self.outcomes.unknown_hit.increment(1);
            return Ok(None);
        }
        self.outcomes.miss.increment(1);
        let forgets = self.forgets.load(Ordering::SeqCst);
        let issues = self.issues.load(Ordering::SeqCst);
        match load.await? {
            Some(read) => {
                let c = Arc::new(Cached::new(read.into()));
                self.known.insert(hash.to_string(), c.clone());
                // A change committed while we read may have been forgotten before
                // our insert: drop what we read rather than keep it for `ttl`.
                if self.forgets.load(Ordering::SeqCst) != forgets {
                    self.known.invalidate(hash);
                }
                Ok(Some(c))
            }
            None => {
                self.unknown.insert(hash.to_string(), ());
                if self.issues.load(Ordering::SeqCst) != issues {
                    self.unknown.invalidate(hash);
                }
                Ok(None)
            }
        }
    }

    /// An account's profile: from memory, or read from the store and remembered.
    pub async fn profile(
        &self,
        store: &Store,
        id: AccountId,
    ) -> Result<Option<Arc<AccountProfile>>, StoreError> {
        self.held(&self.profiles, id, async {
            Ok(store
                .account_by_id(id)
                .await?
                .map(|a| Arc::new(AccountProfile::from(a))))
        })
        .await
    }

    /// The app with this client id: from memory, or read from the store and
    /// remembered if found.
    pub async fn app(
        &self,
        store: &Store,
        client_id: &str,
    ) -> Result<Option<Arc<OAuthApp>>, StoreError> {
        self.held(&self.apps, client_id.to_string(), async {
            Ok(store.app_by_client_id(client_id).await?.map(Arc::new))
        })
        .await
    }

    /// A person's role in an organization (`None`: not a member): from memory,
    /// or read from the store and remembered.
    pub async fn role(
        &self,
        store: &Store,
        org_id: &OrgId,
        person: AccountId,
    ) -> Result<Option<Role>, StoreError> {
        let key = (org_id.clone(), person);
        let role = self
            .held(&self.roles, key, async {
                Ok(Some(store.role_in(org_id, person).await?))
            })
            .await?;
        Ok(role.flatten())
    }

    /// How a person stands towards a workspace; `None` if it does not exist.
    pub async fn workspace_access(
        &self,
        store: &Store,
        workspace_id: WorkspaceId,
        person: AccountId,
    ) -> Result<Option<Arc<WorkspaceAccess>>, StoreError> {
        let key = (workspace_id, person);
        self.held(&self.workspace_access, key, async {
            Ok(store
                .workspace_for(workspace_id, person)
                .await?
                .map(|(ws, is_member)| {
                    Arc::new(WorkspaceAccess {
                        org_id: ws.org_id,
                        is_member,
                    })
                }))
        })
        .await
    }

    /// The workspaces a person belongs to in one edition (`None`: personal).
    pub async fn workspaces_of(
        &self,
        store: &Store,
        person: AccountId,
        org_id: Option<&OrgId>,
    ) -> Result<Arc<[WorkspaceId]>, StoreError> {
        let key = (person, org_id.cloned());
        let ids = self
            .held(&self.workspace_lists, key, async {
                let ids: Arc<[WorkspaceId]> = store
                    .workspaces_of(person, org_id)
                    .await?
                    .into_iter()
                    .map(|w| w.id)
                    .collect();
                Ok(Some(ids))
            })
            .await?;
        Ok(ids.unwrap_or_default())
    }

    /// The value of `key`: from memory, or read with `load` and remembered
    /// (`None`, nothing found, is not remembered).
    async fn held<K, V, F>(
        &self,
        cache: &TtlCache<K, V>,
        key: K,
        load: F,
    ) -> Result<Option<V>, StoreError>
    where
        K: Hash + Eq + Clone,
        V: Clone,
        F: Future<Output = Result<Option<V>, StoreError>>,
    {
        if self.enabled
            && let Some(v) = cache.get(&key)
        {
            return Ok(Some(v));
        }
        let forgets = self.forgets.load(Ordering::SeqCst);
        let Some(v) = load.await? else {
            return Ok(None);
        };
        if self.enabled {
            cache.insert(key.clone(), v.clone());
            // A change committed while we read may have been forgotten before
            // our insert: drop what we read rather than keep it for `ttl`.
            if self.forgets.load(Ordering::SeqCst) != forgets {
                cache.invalidate(&key);
            }
        }
        Ok(Some(v))
    }

    /// Forgets what `change` may have made stale, here and (through the
    /// publisher, if any) in every other process on the database. Call it after
    /// the change is committed, so that no lookup can read the old state once
    /// it returns.
    pub fn forget(&self, change: CredentialChange) {
        self.forget_here(&change);
        let publisher = self
            .publisher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(publisher) = publisher {
            match publisher.try_send(change) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(change)) => {
                    // Only a burst of thousands of changes fills the queue; the
                    // other processes then see this one within `ttl`.
                    metrics::counter!("buckle_credential_broadcast_dropped_total").increment(1);
                    tracing::warn!(
                        ?change,
                        "credential change queue full: not told to other nodes"
                    );
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    /// Forgets what `change` may have made stale in this process only: for a
    /// change another process made and told.
    pub fn forget_here(&self, change: &CredentialChange) {
        self.forgets.fetch_add(1, Ordering::SeqCst);
        if let Some(id) = change.profile() {
            self.profiles.invalidate(&id);
        }
        if let CredentialChange::App { app_id } = change {
            self.issuers.forget_app(*app_id);
            self.apps.invalidate_if(|_, app| app.id == *app_id);
        }
        self.forget_memberships(change);
        self.known.invalidate_if(|_, c| change.concerns(&c.stored));
        tracing::debug!(?change, "forgot cached credentials");
    }

    /// Forgets everything: for when changes may have been missed.
    pub fn forget_everything(&self) {
        self.forgets.fetch_add(1, Ordering::SeqCst);
        self.issues.fetch_add(1, Ordering::SeqCst);
        self.known.invalidate_all();
        self.unknown.invalidate_all();
        self.profiles.invalidate_all();
        self.apps.invalidate_all();
        self.issuers.forget_everything();
        self.roles.invalidate_all();
        self.workspace_access.invalidate_all();
        self.workspace_lists.invalidate_all();
    }

    /// The memberships `change` may have made stale.
    fn forget_memberships(&self, change: &CredentialChange) {
        match change {
            CredentialChange::Member { org_id, account_id } => {
                let person = *account_id;
                self.roles.invalidate(&(org_id.clone(), person));
                self.workspace_lists
                    .invalidate(&(person, Some(org_id.clone())));
                // Leaving takes the person out of every workspace of the organization.
                self.workspace_access.invalidate_if(|(_, p), access| {
                    *p == person && access.org_id.as_ref() == Some(org_id)
                });
            }
            CredentialChange::OrganizationRole { org_id, account_id } => {
                self.roles.invalidate(&(org_id.clone(), *account_id));
            }
            CredentialChange::WorkspaceMember {
                workspace_id,
                account_id,
            } => {
                let person = *account_id;
                self.workspace_access.invalidate(&(*workspace_id, person));
                // The event does not say the workspace's edition: every list of the person.
                self.workspace_lists.invalidate_if(|(p, _), _| *p == person);
            }
            CredentialChange::WorkspaceMoved {
                workspace_id,
                org_id,
            } => {
                let moved = *workspace_id;
                // Everyone's standing towards it holds its old edition.
                self.workspace_access.invalidate_if(|(w, _), _| *w == moved);
                // It leaves personal lists and joins the organization's.
                self.workspace_lists.invalidate_if(|(_, edition), ids| {
                    ids.contains(&moved) || edition.as_ref() == Some(org_id)
                });
            }
            CredentialChange::AccessToken { .. }
            | CredentialChange::App { .. }
            | CredentialChange::AppInOrganization { .. }
            | CredentialChange::Grant { .. }
            | CredentialChange::AppForAccount { .. }
            | CredentialChange::Family { .. }
            | CredentialChange::OAuthToken { .. }
            | CredentialChange::Account { .. } => {}
        }
    }

    /// From now on [`forget`](Self::forget) also sends every change to
    /// `publisher`, replacing any earlier one.
    pub fn publish_to(&self, publisher: mpsc::Sender<CredentialChange>) {
        *self
            .publisher
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(publisher);
    }

    /// A token with this hash was just stored: it is no longer unknown.
    /// Local only, not told to other processes: another process holds this hash
    /// as unknown only if someone presented it there before it was issued, which
    /// takes guessing a random 256-bit secret; and such an entry ends in `ttl`.
    pub fn issued(&self, hash: &str) {
        self.issues.fetch_add(1, Ordering::SeqCst);
        self.unknown.invalidate(hash);
    }

    /// (entries, weighted size) of known tokens; for tests and metrics.
    pub fn known_size(&self) -> (u64, u64) {
        self.known.size()
    }

    /// The same for unknown hashes.
    pub fn unknown_size(&self) -> (u64, u64) {
        self.unknown.size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use buckle_core::{AppId, TokenKind};
    use std::sync::atomic::AtomicUsize;

    fn pat(id: i64, account: i64) -> Stored {
        Stored::Access(AccessToken {
            id,
            kind: TokenKind::Personal,
            token_hash: format!("{id:064}"),
            hint: "pat_abc".into(),
            name: "a token".into(),
            account_id: Some(AccountId(account)),
            org_id: None,
            created_by: AccountId(account),
            permissions: "Account.readProfile Bot.list".into(),
            all_workspaces: true,
            workspace_ids: Vec::new(),
            created_at: 0,
            expires_at: None,
            last_used_at: None,
        })
    }

    fn cache(max_bytes: u64) -> CredentialCache {
        CredentialCache::new(CacheLimits {
            ttl: Duration::from_secs(60),
            max_bytes,
        })
    }

    /// Looks `hash` up, counting how often the "database" is read.
    async fn look(
        c: &CredentialCache,
        hash: &str,
        row: Option<Stored>,
        reads: &AtomicUsize,
    ) -> bool {
        c.lookup(hash, async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok(row)
        })
        .await
        .unwrap()
        .is_some()
    }

    #[tokio::test]
    async fn known_and_unknown_tokens_stay_within_their_bounds() {
        let max = 256 * 1024;
        let c = cache(max);
        let reads = AtomicUsize::new(0);
        for i in 0..10_000 {
            assert!(look(&c, &format!("{i:064}"), Some(pat(i, 1)), &reads).await);
            assert!(!look(&c, &format!("u{i:063}"), None, &reads).await);
        }
        let (known, known_bytes) = c.known_size();
        let (unknown, unknown_bytes) = c.unknown_size();
        assert!(known_bytes <= max / 2, "{known_bytes}");
        assert!(unknown_bytes <= max / 8, "{unknown_bytes}");
        assert!(known > 0 && known < 10_000, "{known}");
        assert!(unknown > 0 && unknown < 10_000, "{unknown}");
    }

    #[tokio::test]
    async fn a_hit_reads_nothing_and_a_forget_reads_again() {
        let c = cache(DEFAULT_MAX_BYTES);
        let reads = AtomicUsize::new(0);
        let (h1, h2) = ("1".repeat(64), "2".repeat(64));
        look(&c, &h1, Some(pat(1, 10)), &reads).await;
        look(&c, &h2, Some(pat(2, 20)), &reads).await;
        look(&c, &h1, Some(pat(1, 10)), &reads).await;
        look(&c, &h2, Some(pat(2, 20)), &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        c.forget(CredentialChange::AccessToken { id: 1 });
        look(&c, &h1, Some(pat(1, 10)), &reads).await;
        look(&c, &h2, Some(pat(2, 20)), &reads).await;
        assert_eq!(
            reads.load(Ordering::SeqCst),
            3,
            "only token 1 is read again"
        );
        c.forget(CredentialChange::Account {
            account_id: AccountId(20),
        });
        look(&c, &h2, Some(pat(2, 20)), &reads).await;
        assert_eq!(
            reads.load(Ordering::SeqCst),
            4,
            "token 2 acts for account 20"
        );
    }

    /// A change forgotten while a lookup was reading must not leave the
    /// lookup's (possibly older) row in the cache.
    #[tokio::test]
    async fn a_lookup_overlapping_a_forget_keeps_nothing() {
        let c = cache(DEFAULT_MAX_BYTES);
        let reads = AtomicUsize::new(0);
        let h = "3".repeat(64);
        let found = c
            .lookup(&h, async {
                reads.fetch_add(1, Ordering::SeqCst);
                c.forget(CredentialChange::AccessToken { id: 3 });
                Ok(Some(pat(3, 1)))
            })
            .await
            .unwrap();
        assert!(found.is_some());
        look(&c, &h, Some(pat(3, 1)), &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_unknown_hash_issued_later_is_looked_up_again() {
        let c = cache(DEFAULT_MAX_BYTES);
        let reads = AtomicUsize::new(0);
        let h = "4".repeat(64);
        assert!(!look(&c, &h, None, &reads).await);
        assert!(!look(&c, &h, None, &reads).await);
        assert_eq!(
            reads.load(Ordering::SeqCst),
            1,
            "the second refusal is from memory"
        );
        c.issued(&h);
        assert!(look(&c, &h, Some(pat(4, 1)), &reads).await);
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    /// What this process forgets is also published; what another process
    /// published is forgotten here without being published again.
    #[tokio::test]
    async fn forget_publishes_and_forget_here_does_not() {
        let c = cache(DEFAULT_MAX_BYTES);
        let (tx, mut rx) = mpsc::channel(8);
        c.publish_to(tx);
        let reads = AtomicUsize::new(0);
        let h = "6".repeat(64);
        look(&c, &h, Some(pat(6, 1)), &reads).await;
        c.forget_here(&CredentialChange::AccessToken { id: 6 });
        assert!(rx.try_recv().is_err());
        look(&c, &h, Some(pat(6, 1)), &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        c.forget(CredentialChange::AccessToken { id: 6 });
        assert_eq!(
            rx.try_recv().ok(),
            Some(CredentialChange::AccessToken { id: 6 })
        );
        look(&c, &h, Some(pat(6, 1)), &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn forget_everything_forgets_known_and_unknown_tokens() {
        let c = cache(DEFAULT_MAX_BYTES);
        let reads = AtomicUsize::new(0);
        let (known, unknown) = ("7".repeat(64), "8".repeat(64));
        look(&c, &known, Some(pat(7, 1)), &reads).await;
        look(&c, &unknown, None, &reads).await;
        c.forget_everything();
        look(&c, &known, Some(pat(7, 1)), &reads).await;
        look(&c, &unknown, None, &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_zero_ttl_turns_the_cache_off() {
        let c = CredentialCache::new(CacheLimits {
            ttl: Duration::ZERO,
            max_bytes: DEFAULT_MAX_BYTES,
        });
        let reads = AtomicUsize::new(0);
        let h = "5".repeat(64);
        look(&c, &h, Some(pat(5, 1)), &reads).await;
        look(&c, &h, Some(pat(5, 1)), &reads).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    /// What one membership lookup of each kind found, and how many of them
    /// read the "database" (a role, a workspace access, a workspace list).
    struct Memberships<'c> {
        cache: &'c CredentialCache,
        reads: AtomicUsize,
    }

    impl Memberships<'_> {
        async fn role(&self, org: &OrgId, person: i64) -> Option<Role> {
            let key = (org.clone(), AccountId(person));
            let load = async {
                self.reads.fetch_add(1, Ordering::SeqCst);
                Ok(Some(Some(Role::Admin)))
            };
            self.cache
                .held(&self.cache.roles, key, load)
                .await
                .unwrap()
                .flatten()
        }

        async fn access(&self, ws: i64, org: Option<&OrgId>, person: i64) -> bool {
            let key = (WorkspaceId(ws), AccountId(person));
            let load = async {
                self.reads.fetch_add(1, Ordering::SeqCst);
                Ok(Some(Arc::new(WorkspaceAccess {
                    org_id: org.cloned(),
                    is_member: true,
                })))
            };
            let found = self
                .cache
                .held(&self.cache.workspace_access, key, load)
                .await;
            found.unwrap().is_some()
        }

        async fn list(&self, person: i64, org: Option<&OrgId>) -> usize {
            let key = (AccountId(person), org.cloned());
            let load = async {
                self.reads.fetch_add(1, Ordering::SeqCst);
                Ok(Some(Arc::from(vec![WorkspaceId(1), WorkspaceId(2)])))
            };
            let found = self
                .cache
                .held(&self.cache.workspace_lists, key, load)
                .await;
            found.unwrap().map_or(0, |ids| ids.len())
        }

        /// Looks every entry of the fixture up; how many were read anew.
        async fn all(&self, acme: &OrgId, beta: &OrgId) -> usize {
            let before = self.reads.load(Ordering::SeqCst);
            assert_eq!(self.role(acme, 1).await, Some(Role::Admin));
            self.role(acme, 2).await;
            self.role(beta, 1).await;
            assert!(self.access(10, Some(acme), 1).await);
            self.access(20, Some(beta), 1).await;
            self.access(10, Some(acme), 2).await;
            self.access(30, None, 1).await;
            assert_eq!(self.list(1, Some(acme)).await, 2);
            self.list(1, None).await;
            self.list(2, Some(acme)).await;
            self.reads.load(Ordering::SeqCst) - before
        }
    }

    /// Each membership event forgets what it may have made stale, and nothing
    /// else: only what it forgot is read again.
    #[tokio::test]
    async fn membership_events_forget_what_they_concern() {
        let c = cache(DEFAULT_MAX_BYTES);
        let m = Memberships {
            cache: &c,
            reads: AtomicUsize::new(0),
        };
        let acme = OrgId::parse("acme").unwrap();
        let beta = OrgId::parse("beta").unwrap();
        assert_eq!(m.all(&acme, &beta).await, 10);
        assert_eq!(m.all(&acme, &beta).await, 0, "all from memory");
        c.forget(CredentialChange::OrganizationRole {
            org_id: acme.clone(),
            account_id: AccountId(1),
        });
        assert_eq!(m.all(&acme, &beta).await, 1, "person 1's role in acme");
        c.forget(CredentialChange::WorkspaceMember {
            workspace_id: WorkspaceId(10),
            account_id: AccountId(1),
        });
        assert_eq!(
            m.all(&acme, &beta).await,
            3,
            "person 1 in workspace 10, and both lists of person 1"
        );
        c.forget(CredentialChange::Member {
            org_id: acme.clone(),
            account_id: AccountId(1),
        });
        assert_eq!(
            m.all(&acme, &beta).await,
            3,
            "person 1's role in acme, their acme workspace and their acme list"
        );
        for unrelated in [
            CredentialChange::AccessToken { id: 1 },
            CredentialChange::App { app_id: AppId(1) },
            CredentialChange::Account {
                account_id: AccountId(1),
            },
        ] {
            c.forget(unrelated);
        }
        assert_eq!(m.all(&acme, &beta).await, 0);
        c.forget_everything();
        assert_eq!(m.all(&acme, &beta).await, 10);
    }

    /// A membership read while a change was forgotten is not kept.
    #[tokio::test]
    async fn a_membership_read_overlapping_a_forget_keeps_nothing() {
        let c = cache(DEFAULT_MAX_BYTES);
        let acme = OrgId::parse("acme").unwrap();
        let key = (acme.clone(), AccountId(1));
        let load = async {
            c.forget(CredentialChange::OrganizationRole {
                org_id: acme.clone(),
                account_id: AccountId(9),
            });
            Ok(Some(Some(Role::Admin)))
        };
        c.held(&c.roles, key.clone(), load).await.unwrap();
        assert!(c.roles.get(&key).is_none());
    }

    /// A workspace that does not exist is read again each time.
    #[tokio::test]
    async fn a_missing_workspace_is_not_remembered() {
        let c = cache(DEFAULT_MAX_BYTES);
        let reads = AtomicUsize::new(0);
        for _ in 0..2 {
            let load = async {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(None)
            };
            let key = (WorkspaceId(5), AccountId(1));
            assert!(
                c.held(&c.workspace_access, key, load)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn memberships_stay_within_their_share() {
        let max = 256 * 1024;
        let c = cache(max);
        let acme = OrgId::parse("acme").unwrap();
        for i in 0..10_000 {
            let key = (acme.clone(), AccountId(i));
            c.held(&c.roles, key, async { Ok(Some(Some(Role::Member))) })
                .await
                .unwrap();
        }
        let (entries, weight) = c.roles.size();
        assert!(weight <= max / 8 / 3, "{weight}");
        assert!(entries > 0);
    }

    #[test]
    fn one_caller_per_period_records_use() {
        let Stored::Access(mut t) = pat(6, 1) else {
            unreachable!()
        };
        t.last_used_at = Some(1_000);
        let c = Cached::new(Stored::Access(t).into());
        assert!(!c.claim_touch(1_030, 60));
        assert!(c.claim_touch(1_060, 60));
        assert!(!c.claim_touch(1_060, 60));
        assert!(!c.claim_touch(1_100, 60));
        assert!(c.claim_touch(1_120, 60));
    }
}
