//! The `buckle` binary's wiring: settings from file, environment and flags; opening
//! the database; the first super admin; serving.

use anyhow::Context;
use buckle_core::Catalog;
use buckle_server::{AppState, Config};
use buckle_store::Store;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:7070";
pub const DEFAULT_DATA_DIR: &str = "data";

/// Settings as read from a `buckle.toml` file; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub session_ttl_seconds: Option<i64>,
    pub personal_token_max_days: Option<i64>,
    /// Polling interval told to device clients, seconds.
    pub device_poll_interval_seconds: Option<i64>,
    /// Names accepted as a JWT `aud` besides the public URL's host.
    #[serde(default)]
    pub extra_audiences: Vec<String>,
    /// Extra permission catalog files, applied after the shipped one.
    #[serde(default)]
    pub permission_catalogs: Vec<PathBuf>,
}

/// Resolved settings: flags and environment win over the file, the file over defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub public_url: String,
    pub session_ttl_seconds: i64,
    pub personal_token_max_days: i64,
    pub device_poll_interval_seconds: i64,
    pub extra_audiences: Vec<String>,
    pub permission_catalogs: Vec<PathBuf>,
    /// True when no public URL was configured and it was derived from `listen`.
    pub public_url_derived: bool,
}

/// What flags and environment said (each `None` when absent).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
}

impl Settings {
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
        let configured_public_url = o.public_url.or(file.public_url);
        let public_url_derived = configured_public_url.is_none();
        let public_url = configured_public_url.unwrap_or_else(|| derived_public_url(listen));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            anyhow::bail!("public URL {public_url:?} must start with http:// or https://");
        }
        let personal_token_max_days = file.personal_token_max_days.unwrap_or(30);
        if !(1..=30).contains(&personal_token_max_days) {
            anyhow::bail!("personal_token_max_days must be between 1 and 30");
        }
        Ok(Settings {
            listen,
            data_dir,
            database_url,
            public_url: public_url.trim_end_matches('/').to_string(),
            session_ttl_seconds: file.session_ttl_seconds.unwrap_or(7 * 86_400).max(60),
            personal_token_max_days,
            device_poll_interval_seconds: file
                .device_poll_interval_seconds
                .unwrap_or(5)
                .clamp(1, 60),
            extra_audiences: file.extra_audiences,
            permission_catalogs: file.permission_catalogs,
            public_url_derived,
        })
    }

    fn uses_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// `http://<listen address>`, with a loopback host for wildcard addresses.
pub fn derived_public_url(listen: SocketAddr) -> String {
    let host = if listen.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if listen.is_ipv6() {
        format!("[{}]", listen.ip())
    } else {
        listen.ip().to_string()
    };
    format!("http://{host}:{}", listen.port())
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Opens the database (creating the data directory for SQLite) and loads the catalog.
pub async fn open(s: &Settings) -> anyhow::Result<AppState> {
    if s.uses_sqlite() {
        std::fs::create_dir_all(&s.data_dir)
            .with_context(|| format!("creating data directory {}", s.data_dir.display()))?;
    }
    let mut texts = Vec::new();
    for p in &s.permission_catalogs {
        texts.push(
            std::fs::read_to_string(p)
                .with_context(|| format!("reading permission catalog {}", p.display()))?,
        );
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let catalog = Catalog::load(&refs)?;
    let pool_size = if s.uses_sqlite() { 8 } else { 16 };
    let store = Store::connect(&s.database_url, pool_size)
        .await
        .context("opening the database")?;
    let mut config = Config::new(&s.public_url);
    config.session_ttl = s.session_ttl_seconds;
    config.personal_token_max = s.personal_token_max_days * buckle_core::expiry::DAY;
    config.device_poll_interval = s.device_poll_interval_seconds;
    config.extra_audiences = s.extra_audiences.clone();
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
    buckle_server::manage::create_account(state, "admin", Some(&password), Some("Admin"), true)
        .await
        .map_err(|e| anyhow::anyhow!("creating the first super admin: {}", e.msg))?;
    Ok(Some(("admin".into(), password)))
}
