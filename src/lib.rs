//! The `buckle` binary's wiring: settings from file, environment and flags; opening
//! the database; the first super admin; serving.

pub mod scheduled_backup;

use anyhow::Context;
use buckle_core::Catalog;
use buckle_core::forwarded::TrustedProxies;
use buckle_server::service::accounts::NewAccountRequest;
use buckle_server::service::{self, ServiceError};
use buckle_server::{AppState, Config};
use buckle_store::{Migrations, Store};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:7070";
pub const DEFAULT_DATA_DIR: &str = "data";
/// The longest interval between scheduled backups: 31 days.
pub const MAX_BACKUP_INTERVAL_SECONDS: u64 = 31 * 86_400;

/// Settings as read from a `buckle.toml` file; every field optional. The doc
/// comment of each field is its meaning in the generated configuration reference
/// (`buckle config-reference`, the README's Configuration table), so write it for
/// an operator.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// Address and port to listen on (`IP:PORT`; port 0 picks a free one).
    pub listen: Option<String>,
    /// The data directory: the embedded SQLite database and, when present, `buckle.toml`. Created private to its user (0700).
    #[schema(value_type = Option<String>)]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://...` or `postgres://user:pass@host/db`; defaults to SQLite in the data directory.
    pub database_url: Option<String>,
    /// The base URL clients use to reach Buckle (the SDKs' base URL, JWT audiences, links in pages); defaults to `http://<listen>` (`https://` with `tls_cert_file`).
    pub public_url: Option<String>,
    /// Console session lifetime, seconds (60 to 7776000).
    pub session_ttl_seconds: Option<i64>,
    /// Lifetime of a person's OAuth access token (`czu_`), seconds (60 to 86400).
    pub user_token_ttl_seconds: Option<i64>,
    /// Refresh token lifetime, seconds (3600 to 31536000).
    pub refresh_token_ttl_seconds: Option<i64>,
    /// Device code lifetime, seconds (60 to 1800).
    pub device_code_ttl_seconds: Option<i64>,
    /// Longest lifetime of a personal access token in the personal edition, days (1 to 30).
    pub personal_token_max_days: Option<i64>,
    /// Polling interval told to device clients, seconds (1 to 60).
    pub device_poll_interval_seconds: Option<i64>,
    /// How often enterprise device usage counted in memory is written to the database, seconds (1 to 3600; always at a clean shutdown too).
    pub device_usage_flush_seconds: Option<i64>,
    /// More names accepted as a JWT `aud`, besides the public URL's host.
    #[serde(default)]
    pub extra_audiences: Vec<String>,
    /// Extra permission catalog files, applied after the shipped one.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub permission_catalogs: Vec<PathBuf>,
    /// How long audit events are kept, days (1 to 3650).
    pub audit_retention_days: Option<i64>,
    /// `false`: apps may register plain-`http` redirect URIs only on loopback (`127.0.0.0/8`, `[::1]`, `localhost`); `true` allows any host.
    #[serde(default)]
    pub allow_insecure_redirect_uris: bool,
    /// `false`: only super admins (console, management API) and `buckle admin create-user` make accounts; `true` lets anyone make their own at `/signup` (from one address, 5 accounts a day go through at once; each further one waits, from a minute doubling up to 15 minutes).
    pub allow_sign_up: Option<bool>,
    /// How long a checked token (and an account's profile, roles and workspace memberships, and the apps the token endpoint authenticates) is kept in memory, seconds (0 to 300; 0 turns the cache off). Changes made through any Buckle process apply at once on it, and on PostgreSQL reach the other processes within about a second (see Production topology); a change made by no Buckle process (an operator's SQL) within this time.
    pub credential_cache_ttl_seconds: Option<u64>,
    /// Memory for the credential cache, MiB (1 to 16384): checked tokens (1/2), unknown tokens (1/8), profiles (1/8), apps (1/8) and memberships (1/8).
    pub credential_cache_max_mib: Option<u64>,
    /// `true`: `buckle serve` and the admin commands apply pending database migrations; `false`: they refuse to start while any is pending (run `buckle admin migrate`).
    pub migrate_on_start: Option<bool>,
    /// When a commit on SQLite reaches the disk. `normal`: it is written to the write-ahead log at once and synced to disk by the next checkpoint (one starts about every 100 ms), so a crash of Buckle loses nothing and a crash of the machine (power, kernel) may lose the commits of that last moment (tokens issued or revoked, single-use secrets used). `full`: every commit (one per group of grants committed together) is synced before it is answered, for a fifth to a quarter fewer grants per second. Either way the database stays consistent. Ignored on PostgreSQL, where the server's `synchronous_commit` decides.
    #[schema(inline)]
    pub sqlite_synchronous: Option<SqliteSynchronous>,
    /// How long a stopping server lets requests in flight finish before it exits anyway, seconds (1 to 3600).
    pub shutdown_timeout_seconds: Option<u64>,
    /// Seconds between scheduled backups of a SQLite database, at most 2678400
    /// (31 days); 0 turns them off. Refused at start on PostgreSQL, which has its
    /// own tools (see Backups).
    pub backup_interval_seconds: Option<u64>,
    /// Where scheduled backups go (`<data-dir>/backups` unless set), made 0700.
    #[schema(value_type = Option<String>)]
    pub backup_dir: Option<PathBuf>,
    /// How many scheduled backups are kept, 1 to 1000; the oldest beyond it are deleted.
    pub backup_keep: Option<u32>,
    /// A PEM certificate chain (server certificate first): with `tls_key_file`, Buckle serves HTTPS itself; set both or neither (none: plain HTTP). Reloaded on SIGHUP and when the files change (see Running as a service).
    #[schema(value_type = Option<String>)]
    pub tls_cert_file: Option<PathBuf>,
    /// The PEM private key (PKCS#8, PKCS#1 or SEC1) of `tls_cert_file`.
    #[schema(value_type = Option<String>)]
    pub tls_key_file: Option<PathBuf>,
    /// How often the TLS files are checked for a new pair (modification time, size, inode), seconds (0 to 3600; 0: only SIGHUP reloads).
    pub tls_reload_check_seconds: Option<u64>,
    /// Reverse proxies (IPs or CIDR networks, comma-separated in the flag and variable) whose `X-Forwarded-For` names the client; empty: the TCP peer is the client (see Password and code guessing).
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

/// Resolved settings: flags and environment win over the file, the file over
/// defaults. A field named like a file key holds that key's resolved value (the
/// configuration reference reads the defaults from here).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub public_url: String,
    pub session_ttl_seconds: i64,
    pub user_token_ttl_seconds: i64,
    pub refresh_token_ttl_seconds: i64,
    pub device_code_ttl_seconds: i64,
    pub personal_token_max_days: i64,
    pub device_poll_interval_seconds: i64,
    pub device_usage_flush_seconds: i64,
    pub extra_audiences: Vec<String>,
    pub permission_catalogs: Vec<PathBuf>,
    pub audit_retention_days: i64,
    pub allow_insecure_redirect_uris: bool,
    pub allow_sign_up: bool,
    /// How long a verified token stays in memory, seconds (0: no cache).
    pub credential_cache_ttl_seconds: u64,
    /// How much memory the credential cache may take, MiB.
    pub credential_cache_max_mib: u64,
    /// Apply pending database migrations at start (default true); when false,
    /// starting refuses while any is pending and `buckle admin migrate` applies them.
    pub migrate_on_start: bool,
    /// When a commit on SQLite reaches the disk (default `normal`).
    pub sqlite_synchronous: SqliteSynchronous,
    /// How long a stopping server waits for requests in flight before it exits
    /// anyway, seconds (default 30, 1–3600).
    pub shutdown_timeout_seconds: u64,
    /// Seconds between scheduled backups of a SQLite database; 0 (the default)
    /// turns them off. Refused on PostgreSQL, which has its own tools.
    pub backup_interval_seconds: u64,
    /// Where scheduled backups go: `<data-dir>/backups` unless configured.
    pub backup_dir: PathBuf,
    /// How many scheduled backups are kept (default 7); the oldest go first.
    pub backup_keep: u32,
    /// True when no public URL was configured and it was derived from `listen`.
    #[serde(skip)]
    pub public_url_derived: bool,
    /// PEM certificate chain for HTTPS; set together with `tls_key_file` (default:
    /// none, plain HTTP). Reloaded on SIGHUP and when the files change.
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) for `tls_cert_file`.
    pub tls_key_file: Option<PathBuf>,
    /// How often the TLS files are checked for a new pair, seconds (0: only SIGHUP).
    pub tls_reload_check_seconds: u64,
    /// Reverse proxies whose `X-Forwarded-For` names the client (default: none).
    pub trusted_proxies: TrustedProxies,
}

/// `sqlite_synchronous`: when a commit on SQLite reaches the disk.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    /// Synced by the next checkpoint, about every 100 ms.
    #[default]
    Normal,
    /// Synced before the commit is answered.
    Full,
}

/// What flags and environment said (each `None` when absent).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub session_ttl_seconds: Option<i64>,
    pub user_token_ttl_seconds: Option<i64>,
    pub refresh_token_ttl_seconds: Option<i64>,
    pub allow_sign_up: Option<bool>,
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    pub trusted_proxies: Option<Vec<String>>,
}

/// A lifetime setting within its bounds, or a clear startup error.
fn lifetime(name: &str, value: i64, min: i64, max: i64) -> anyhow::Result<i64> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        anyhow::bail!("{name} must be between {min} and {max} seconds, not {value}")
    }
}

impl Settings {
    /// Reads the configuration file (the one named, else `<data-dir>/buckle.toml`
    /// when it exists) and resolves it with the flags and environment.
    pub fn resolve(o: Overrides) -> anyhow::Result<Settings> {
        let data_dir_hint = o
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let file_path = o.config.clone().or_else(|| {
            let p = data_dir_hint.join("buckle.toml");
            p.exists().then_some(p)
        });
        let file: FileSettings = match &file_path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading config file {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("parsing config file {}", p.display()))?
            }
            None => FileSettings::default(),
        };
        Settings::from_parts(o, file)
    }

    /// What a configuration that sets nothing resolves to.
    pub fn defaults() -> Settings {
        Settings::from_parts(Overrides::default(), FileSettings::default())
            .expect("the defaults are valid settings")
    }

    /// Flags and environment over the file, the file over the defaults.
    pub fn from_parts(o: Overrides, file: FileSettings) -> anyhow::Result<Settings> {
        let listen_text = o
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen: SocketAddr = listen_text
            .parse()
            .with_context(|| format!("listen address {listen_text:?} is not IP:PORT"))?;
        let data_dir = o
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = o
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| sqlite_url(&data_dir.join("buckle.db")));
        let tls_cert_file = o.tls_cert_file.or(file.tls_cert_file);
        let tls_key_file = o.tls_key_file.or(file.tls_key_file);
        if tls_cert_file.is_some() != tls_key_file.is_some() {
            anyhow::bail!(
                "tls_cert_file (--tls-cert) and tls_key_file (--tls-key) go together: set both or neither"
            );
        }
        let tls = tls_cert_file.is_some();
        let proxy_entries = o.trusted_proxies.unwrap_or(file.trusted_proxies);
        let proxy_entries: Vec<&str> = proxy_entries
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .collect();
        let trusted_proxies = TrustedProxies::parse(&proxy_entries)
            .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?;
        let tls_reload_check_seconds = file.tls_reload_check_seconds.unwrap_or(2);
        if tls_reload_check_seconds > 3_600 {
            anyhow::bail!("tls_reload_check_seconds must be between 0 and 3600");
        }
        let configured_public_url = o.public_url.or(file.public_url);
        let public_url_derived = configured_public_url.is_none();
        let public_url = configured_public_url.unwrap_or_else(|| derived_url(listen, tls));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            anyhow::bail!("public URL {public_url:?} must start with http:// or https://");
        }
        let audit_retention_days = file.audit_retention_days.unwrap_or(365);
        if !(1..=3650).contains(&audit_retention_days) {
            anyhow::bail!("audit_retention_days must be between 1 and 3650");
        }
        let credential_cache_ttl_seconds = file
            .credential_cache_ttl_seconds
            .unwrap_or(buckle_server::credential_cache::DEFAULT_TTL_SECONDS);
        if credential_cache_ttl_seconds > 300 {
            anyhow::bail!("credential_cache_ttl_seconds must be between 0 and 300");
        }
        let credential_cache_max_mib = file
            .credential_cache_max_mib
            .unwrap_or(buckle_server::credential_cache::DEFAULT_MAX_BYTES >> 20);
        if !(1..=16_384).contains(&credential_cache_max_mib) {
            anyhow::bail!("credential_cache_max_mib must be between 1 and 16384");
        }
        let backup_interval_seconds = file.backup_interval_seconds.unwrap_or(0);
        if backup_interval_seconds > MAX_BACKUP_INTERVAL_SECONDS {
            anyhow::bail!(
                "backup_interval_seconds must be between 0 (no scheduled backups) and {MAX_BACKUP_INTERVAL_SECONDS}"
            );
        }
        if backup_interval_seconds > 0 && sqlite_path(&database_url).is_none() {
            anyhow::bail!(
                "backup_interval_seconds works on a SQLite database file only; \
                 back up PostgreSQL with pg_dump or base backups (see the README, Backups)"
            );
        }
        let backup_keep = file.backup_keep.unwrap_or(7);
        if !(1..=1000).contains(&backup_keep) {
            anyhow::bail!("backup_keep must be between 1 and 1000");
        }
        let backup_dir = file.backup_dir.unwrap_or_else(|| data_dir.join("backups"));
        let personal_token_max_days = file.personal_token_max_days.unwrap_or(30);
        if !(1..=30).contains(&personal_token_max_days) {
            anyhow::bail!("personal_token_max_days must be between 1 and 30");
        }
        let shutdown_timeout_seconds = file.shutdown_timeout_seconds.unwrap_or(30);
        if !(1..=3600).contains(&shutdown_timeout_seconds) {
            anyhow::bail!(
                "shutdown_timeout_seconds must be between 1 and 3600, not {shutdown_timeout_seconds}"
            );
        }
        Ok(Settings {
            listen,
            data_dir,
            database_url,
            public_url: public_url.trim_end_matches('/').to_string(),
            session_ttl_seconds: lifetime(
                "session_ttl_seconds",
                o.session_ttl_seconds
                    .or(file.session_ttl_seconds)
                    .unwrap_or(7 * 86_400),
                60,
                90 * 86_400,
            )?,
            user_token_ttl_seconds: lifetime(
                "user_token_ttl_seconds",
                o.user_token_ttl_seconds
                    .or(file.user_token_ttl_seconds)
                    .unwrap_or(15 * 60),
                60,
                86_400,
            )?,
            refresh_token_ttl_seconds: lifetime(
                "refresh_token_ttl_seconds",
                o.refresh_token_ttl_seconds
                    .or(file.refresh_token_ttl_seconds)
                    .unwrap_or(30 * 86_400),
                3_600,
                365 * 86_400,
            )?,
            device_code_ttl_seconds: lifetime(
                "device_code_ttl_seconds",
                file.device_code_ttl_seconds.unwrap_or(300),
                60,
                1_800,
            )?,
            personal_token_max_days,
            device_poll_interval_seconds: file
                .device_poll_interval_seconds
                .unwrap_or(5)
                .clamp(1, 60),
            device_usage_flush_seconds: file
                .device_usage_flush_seconds
                .unwrap_or(1)
                .clamp(1, 3_600),
            extra_audiences: file.extra_audiences,
            permission_catalogs: file.permission_catalogs,
            audit_retention_days,
            allow_insecure_redirect_uris: file.allow_insecure_redirect_uris,
            allow_sign_up: o.allow_sign_up.or(file.allow_sign_up).unwrap_or(false),
            credential_cache_ttl_seconds,
            credential_cache_max_mib,
            migrate_on_start: file.migrate_on_start.unwrap_or(true),
            sqlite_synchronous: file.sqlite_synchronous.unwrap_or_default(),
            shutdown_timeout_seconds,
            backup_interval_seconds,
            backup_dir,
            backup_keep,
            public_url_derived,
            tls_cert_file,
            tls_key_file,
            trusted_proxies,
            tls_reload_check_seconds,
        })
    }

    /// The certificate and key files when Buckle serves HTTPS itself.
    pub fn tls_files(&self) -> Option<buckle_server::tls::TlsFiles> {
        Some(buckle_server::tls::TlsFiles {
            cert: self.tls_cert_file.clone()?,
            key: self.tls_key_file.clone()?,
        })
    }

    fn uses_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// `http://<listen address>`, with a loopback host for wildcard addresses.
pub fn derived_public_url(listen: SocketAddr) -> String {
    derived_url(listen, false)
}

/// [`derived_public_url`], with `https://` when Buckle serves TLS itself.
pub fn derived_url(listen: SocketAddr, tls: bool) -> String {
    let host = if listen.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if listen.is_ipv6() {
        format!("[{}]", listen.ip())
    } else {
        listen.ip().to_string()
    };
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{host}:{}", listen.port())
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// The file of a `sqlite:` URL; `None` for an in-memory database.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Creates `dir` (and missing parents) readable by this user only. An existing
/// directory is the operator's and keeps its mode, with a warning when others
/// may read it.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if let Ok(meta) = std::fs::metadata(dir) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(dir = %dir.display(), "the data directory is open to other users; chmod 700 it");
            }
            return Ok(());
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating data directory {}", dir.display()))?;
        // The umask only takes bits away, but an explicit mode leaves no doubt.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting data directory {}", dir.display()))?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    Ok(())
}

/// Makes the SQLite database file (creating it empty, which SQLite reads as an
/// empty database) and its -wal and -shm files readable by this user only: they
/// hold password and token hashes.
pub fn private_files(db: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(db)
            .with_context(|| format!("creating database file {}", db.display()))?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            let path = PathBuf::from(name);
            if path.exists() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("restricting {}", path.display()))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = db;
    Ok(())
}

/// Opens the database (creating the data directory and a private file for
/// SQLite), refusing a schema this binary must not touch; `migrations` says what
/// happens to pending migrations.
pub async fn open_store(s: &Settings, migrations: Migrations) -> anyhow::Result<Store> {
    let sqlite_file = s
        .uses_sqlite()
        .then(|| sqlite_path(&s.database_url))
        .flatten();
    if s.uses_sqlite() {
        private_dir(&s.data_dir)?;
    }
    if let Some(db) = &sqlite_file {
        if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
            private_dir(parent)?;
        }
        private_files(db)?;
    }
    let pool_size = if s.uses_sqlite() { 8 } else { 16 };
    let options = buckle_store::Options {
        max_connections: pool_size,
        migrations,
        sqlite_sync: match s.sqlite_synchronous {
            SqliteSynchronous::Normal => buckle_store::SqliteSync::Normal,
            SqliteSynchronous::Full => buckle_store::SqliteSync::Full,
        },
    };
    let store = Store::open(&s.database_url, &options)
        .await
        .map_err(|e| match e {
            // The operator's next step is in the message itself.
            buckle_store::StoreError::Schema(problem) => anyhow::anyhow!("{problem}"),
            e => anyhow::Error::new(e).context("opening the database"),
        })?;
    // SQLite gives -wal and -shm its database file's mode; this makes sure.
    if let Some(db) = &sqlite_file {
        private_files(db)?;
    }
    Ok(store)
}

/// Opens the database (applying pending migrations when `migrate_on_start`) and
/// loads the catalog.
pub async fn open(s: &Settings) -> anyhow::Result<AppState> {
    let mut texts = Vec::new();
    for p in &s.permission_catalogs {
        texts.push(
            std::fs::read_to_string(p)
                .with_context(|| format!("reading permission catalog {}", p.display()))?,
        );
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let catalog = Catalog::load(&refs)?;
    let migrations = if s.migrate_on_start {
        Migrations::Apply
    } else {
        Migrations::Require
    };
    let store = open_store(s, migrations).await?;
    let mut config = Config::new(&s.public_url);
    config.session_ttl = s.session_ttl_seconds;
    config.user_token_ttl = s.user_token_ttl_seconds;
    config.refresh_token_ttl = s.refresh_token_ttl_seconds;
    config.device_code_ttl = s.device_code_ttl_seconds;
    config.personal_token_max = s.personal_token_max_days * buckle_core::expiry::DAY;
    config.device_poll_interval = s.device_poll_interval_seconds;
    config.device_usage_flush = s.device_usage_flush_seconds;
    config.extra_audiences = s.extra_audiences.clone();
    config.audit_retention = s.audit_retention_days * buckle_core::expiry::DAY;
    config.allow_insecure_redirect_uris = s.allow_insecure_redirect_uris;
    config.allow_sign_up = s.allow_sign_up;
    config.trusted_proxies = s.trusted_proxies.clone();
    config.credential_cache = buckle_server::credential_cache::CacheLimits {
        ttl: std::time::Duration::from_secs(s.credential_cache_ttl_seconds),
        max_bytes: s.credential_cache_max_mib << 20,
    };
    config.shutdown_timeout = std::time::Duration::from_secs(s.shutdown_timeout_seconds);
    Ok(AppState::new(
        store,
        catalog,
        config,
        buckle_server::metrics::install(),
    ))
}

/// A password for generated accounts: 20 alphanumerics from the CSPRNG.
pub fn generate_password() -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

/// On an empty installation, creates the first super admin and returns its
/// one-time credentials for the operator.
pub async fn ensure_first_admin(state: &AppState) -> anyhow::Result<Option<(String, String)>> {
    if state.store.count_accounts().await? > 0 {
        return Ok(None);
    }
    let password = generate_password();
    let req = NewAccountRequest {
        user_name: "admin",
        password: Some(&password),
        nick_name: Some("Admin"),
        super_admin: true,
    };
    match service::accounts::create(state, req).await {
        Ok(_) => Ok(Some(("admin".into(), password))),
        // Another process starting on the same empty database made it first.
        Err(ServiceError::Conflict(_)) => Ok(None),
        Err(e) => Err(anyhow::anyhow!(
            "creating the first super admin: {}",
            cli_message(&e)
        )),
    }
}

/// A service error as the operator reads it on the terminal: the message, and
/// the command-line option to fix when one is to blame.
pub fn cli_message(e: &ServiceError) -> String {
    let flag = match e.field() {
        Some("user_name") => Some("--user-name"),
        Some("password") => Some("--password-stdin"),
        Some("name") => Some("--name"),
        Some("permissions") => Some("--permissions"),
        Some("expires_in") => Some("--expires-in"),
        Some("organization_id") => Some("--organization-id"),
        _ => None,
    };
    match (e, flag) {
        (ServiceError::Store(_) | ServiceError::Internal, _) => {
            format!("the database failed: {e}")
        }
        (_, Some(flag)) => format!("{e} (see {flag})"),
        (_, None) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_file(text: &str) -> (tempfile_dir::Dir, Overrides) {
        let dir = tempfile_dir::Dir::new();
        let path = dir.0.join("buckle.toml");
        std::fs::write(&path, text).unwrap();
        let o = Overrides {
            config: Some(path),
            ..Overrides::default()
        };
        (dir, o)
    }

    /// A throwaway directory without a dev-dependency on tempfile in the library.
    mod tempfile_dir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                let p = std::env::temp_dir()
                    .join(format!("buckle-settings-{}", buckle_core::ids::new_id()));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = Settings::resolve(Overrides {
            data_dir: Some(PathBuf::from("/nonexistent/buckle-defaults")),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(s.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(s.public_url, "http://127.0.0.1:7070");
        assert!(s.public_url_derived);
        assert_eq!(
            s.database_url,
            "sqlite:///nonexistent/buckle-defaults/buckle.db?mode=rwc"
        );
        assert_eq!(
            (s.user_token_ttl_seconds, s.refresh_token_ttl_seconds),
            (900, 30 * 86_400)
        );
        assert_eq!(
            (s.session_ttl_seconds, s.device_code_ttl_seconds),
            (7 * 86_400, 300)
        );
        assert_eq!(s.personal_token_max_days, 30);
    }

    #[test]
    fn flags_and_environment_beat_the_file() {
        let (_dir, o) = with_file(
            "listen = \"127.0.0.1:9001\"\npublic_url = \"https://file.example\"\nuser_token_ttl_seconds = 600\n",
        );
        let s = Settings::resolve(o.clone()).unwrap();
        assert_eq!(
            (s.listen.port(), s.public_url.as_str()),
            (9001, "https://file.example")
        );
        assert_eq!(s.user_token_ttl_seconds, 600);
        let s = Settings::resolve(Overrides {
            listen: Some("127.0.0.1:9002".into()),
            public_url: Some("https://flag.example/".into()),
            user_token_ttl_seconds: Some(120),
            ..o
        })
        .unwrap();
        assert_eq!(
            (s.listen.port(), s.public_url.as_str()),
            (9002, "https://flag.example")
        );
        assert_eq!(s.user_token_ttl_seconds, 120);
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite:///var/lib/buckle/buckle.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/buckle/buckle.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:data/b.db"),
            Some(PathBuf::from("data/b.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://h/db"), None);
    }

    #[test]
    fn insecure_redirect_uris_are_an_explicit_choice() {
        let (_dir, o) = with_file("");
        assert!(!Settings::resolve(o).unwrap().allow_insecure_redirect_uris);
        let (_dir, o) = with_file("allow_insecure_redirect_uris = true\n");
        assert!(Settings::resolve(o).unwrap().allow_insecure_redirect_uris);
    }

    #[test]
    fn sign_up_is_off_unless_the_file_or_a_flag_turns_it_on() {
        let o = Overrides {
            data_dir: Some(tempfile::tempdir().unwrap().keep()),
            ..Overrides::default()
        };
        assert!(!Settings::resolve(o).unwrap().allow_sign_up);
        let (_dir, o) = with_file("allow_sign_up = true\n");
        assert!(Settings::resolve(o.clone()).unwrap().allow_sign_up);
        let flag_off = Overrides {
            allow_sign_up: Some(false),
            ..o
        };
        assert!(!Settings::resolve(flag_off).unwrap().allow_sign_up);
    }

    #[test]
    fn cli_messages_name_the_option_to_fix_and_no_wire_code() {
        let e = ServiceError::invalid("permissions", "permissions: unknown permission \"X\".");
        assert_eq!(
            cli_message(&e),
            "permissions: unknown permission \"X\". (see --permissions)"
        );
        let e = ServiceError::conflict("That user name is taken.");
        assert_eq!(cli_message(&e), "That user name is taken.");
        let e = ServiceError::Refused(buckle_core::policy::Refusal::TeamLevel);
        assert!(!cli_message(&e).contains("4101"));
    }

    #[test]
    fn upgrade_and_shutdown_settings_have_defaults_and_bounds() {
        let (_dir, o) = with_file("");
        let s = Settings::resolve(o).unwrap();
        assert!(s.migrate_on_start);
        assert_eq!(s.shutdown_timeout_seconds, 30);
        let (_dir, o) = with_file("migrate_on_start = false\nshutdown_timeout_seconds = 3600\n");
        let s = Settings::resolve(o).unwrap();
        assert!(!s.migrate_on_start);
        assert_eq!(s.shutdown_timeout_seconds, 3600);
        let (_dir, o) = with_file("shutdown_timeout_seconds = 0\n");
        let e = Settings::resolve(o).unwrap_err().to_string();
        assert!(
            e.contains("shutdown_timeout_seconds must be between 1 and 3600"),
            "{e}"
        );
    }

    #[test]
    fn sqlite_commits_are_synced_by_checkpoints_unless_configured_otherwise() {
        assert_eq!(
            Settings::defaults().sqlite_synchronous,
            SqliteSynchronous::Normal
        );
        let (_dir, o) = with_file("sqlite_synchronous = \"full\"\n");
        let s = Settings::resolve(o).unwrap();
        assert_eq!(s.sqlite_synchronous, SqliteSynchronous::Full);
        let (_dir, o) = with_file("sqlite_synchronous = \"normal\"\n");
        let s = Settings::resolve(o).unwrap();
        assert_eq!(s.sqlite_synchronous, SqliteSynchronous::Normal);
        // The error names the choices.
        let (_dir, o) = with_file("sqlite_synchronous = \"off\"\n");
        let e = format!("{:#}", Settings::resolve(o).unwrap_err());
        assert!(e.contains("`normal`") && e.contains("`full`"), "{e}");
    }

    #[test]
    fn tls_files_go_together_and_make_the_derived_url_https() {
        let (_dir, o) = with_file("tls_cert_file = \"/etc/buckle/cert.pem\"\n");
        let e = Settings::resolve(o).unwrap_err().to_string();
        assert!(e.contains("set both or neither"), "{e}");
        let (_dir, o) = with_file("");
        let e = Settings::resolve(Overrides {
            tls_key_file: Some("/etc/buckle/key.pem".into()),
            ..o.clone()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("set both or neither"), "{e}");
        let plain = Settings::resolve(o.clone()).unwrap();
        assert!(plain.tls_files().is_none());
        assert_eq!(plain.public_url, "http://127.0.0.1:7070");
        let (_dir, o) = with_file(
            "tls_cert_file = \"/etc/buckle/cert.pem\"\ntls_key_file = \"/etc/buckle/key.pem\"\n",
        );
        let s = Settings::resolve(o.clone()).unwrap();
        assert_eq!(s.public_url, "https://127.0.0.1:7070");
        assert_eq!(
            s.tls_files().unwrap().key,
            PathBuf::from("/etc/buckle/key.pem")
        );
        // A configured public URL is the operator's, TLS or not.
        let s = Settings::resolve(Overrides {
            public_url: Some("https://auth.example".into()),
            tls_cert_file: Some("/flag/cert.pem".into()),
            ..o
        })
        .unwrap();
        assert_eq!(s.public_url, "https://auth.example");
        assert_eq!(s.tls_files().unwrap().cert, PathBuf::from("/flag/cert.pem"));
    }

    #[test]
    fn trusted_proxies_parse_from_the_file_and_the_flag() {
        let (_dir, o) = with_file("");
        assert!(Settings::resolve(o).unwrap().trusted_proxies.is_empty());
        let (_dir, o) = with_file("trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n");
        let s = Settings::resolve(o.clone()).unwrap();
        assert_eq!(s.trusted_proxies.networks().len(), 2);
        assert!(s.trusted_proxies.trusts("10.2.3.4".parse().unwrap()));
        // The flag (comma-separated, split by clap) replaces the file's list; an
        // empty value is no proxy.
        let s = Settings::resolve(Overrides {
            trusted_proxies: Some(vec!["192.0.2.1".into(), " ".into()]),
            ..o.clone()
        })
        .unwrap();
        assert_eq!(s.trusted_proxies.networks().len(), 1);
        assert!(!s.trusted_proxies.trusts("10.2.3.4".parse().unwrap()));
        let e = Settings::resolve(Overrides {
            trusted_proxies: Some(vec!["10.0.0.0/40".into()]),
            ..o
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("trusted_proxies") && e.contains("10.0.0.0/40"),
            "{e}"
        );
    }

    #[test]
    fn scheduled_backups_are_off_unless_asked_for_and_sqlite_only() {
        let (dir, o) = with_file("");
        let s = Settings::resolve(Overrides {
            data_dir: Some(dir.0.clone()),
            ..o
        })
        .unwrap();
        assert_eq!(
            (s.backup_interval_seconds, s.backup_keep),
            (0, 7),
            "off by default, seven kept"
        );
        assert_eq!(s.backup_dir, dir.0.join("backups"));
        let (_dir, o) = with_file(
            "backup_interval_seconds = 3600\nbackup_keep = 3\nbackup_dir = \"/srv/backups\"\n",
        );
        let s = Settings::resolve(o).unwrap();
        assert_eq!((s.backup_interval_seconds, s.backup_keep), (3600, 3));
        assert_eq!(s.backup_dir, PathBuf::from("/srv/backups"));
        for text in [
            "backup_interval_seconds = 2678401\n",
            "backup_interval_seconds = -1\n",
            "backup_keep = 0\n",
            "backup_keep = 1001\n",
            "backup_interval_seconds = 60\ndatabase_url = \"postgres://h/db\"\n",
            "backup_interval_seconds = 60\ndatabase_url = \"sqlite::memory:\"\n",
        ] {
            let (_dir, o) = with_file(text);
            assert!(Settings::resolve(o).is_err(), "{text}");
        }
        // PostgreSQL without scheduled backups is fine.
        let (_dir, o) = with_file("database_url = \"postgres://h/db\"\n");
        assert!(Settings::resolve(o).is_ok());
    }

    #[test]
    fn bad_settings_are_startup_errors() {
        for text in [
            "user_token_ttl_seconds = 5\n",
            "refresh_token_ttl_seconds = 0\n",
            "listen = \"nowhere\"\n",
            "public_url = \"ftp://x\"\n",
            "no_such_key = 1\n",
            "personal_token_max_days = 31\n",
            "shutdown_timeout_seconds = 0\n",
            "shutdown_timeout_seconds = 3601\n",
            "migrate_on_start = \"no\"\n",
            "sqlite_synchronous = \"off\"\n",
            "sqlite_synchronous = true\n",
            "tls_reload_check_seconds = 3601\n",
            "trusted_proxies = [\"proxy.internal\"]\n",
        ] {
            let (_dir, o) = with_file(text);
            assert!(Settings::resolve(o).is_err(), "{text}");
        }
    }
}
