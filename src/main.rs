//! `buckle`: the server, its operator commands, and the client commands.

mod admin {
    pub mod backup;
    pub mod migrate;
    pub mod migrate_store;
}
mod client_cli;
mod config_reference;

use anyhow::Context;
use buckle::{Overrides, Settings};
use buckle_server::service::accounts::NewAccountRequest;
use buckle_server::service::tokens::{GrantAsk, NewToken};
use buckle_server::service::{self, Caller};
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "buckle",
    version,
    about = "Buckle: a self-hosted OpenAPI authorization server"
)]
struct Cli {
    /// What to log, in tracing's filter syntax (e.g. `info`, `warn,buckle_server=debug`).
    #[arg(
        long = "log",
        env = "BUCKLE_LOG",
        global = true,
        default_value = "info"
    )]
    log: String,
    /// Log line format: `text`, or `json` for JSON lines.
    #[arg(long, env = "BUCKLE_LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Args, Clone)]
struct Common {
    /// Configuration file (TOML); without it, `<data-dir>/buckle.toml` when that file exists.
    #[arg(long, env = "BUCKLE_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Where the embedded SQLite database lives.
    #[arg(long, env = "BUCKLE_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// `sqlite://...` or `postgres://...`; defaults to SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on (default 127.0.0.1:7070).
        #[arg(long, env = "BUCKLE_LISTEN")]
        listen: Option<String>,
        /// The base URL clients use to reach Buckle (default http://<listen>).
        #[arg(long, env = "BUCKLE_PUBLIC_URL")]
        public_url: Option<String>,
        /// Console session lifetime, seconds (default 604800).
        #[arg(long = "session-ttl", env = "BUCKLE_SESSION_TTL")]
        session_ttl_seconds: Option<i64>,
        /// User OAuth access token lifetime, seconds (default 900).
        #[arg(long = "user-token-ttl", env = "BUCKLE_USER_TOKEN_TTL")]
        user_token_ttl_seconds: Option<i64>,
        /// Refresh token lifetime, seconds (default 2592000).
        #[arg(long = "refresh-token-ttl", env = "BUCKLE_REFRESH_TOKEN_TTL")]
        refresh_token_ttl_seconds: Option<i64>,
        /// Let anyone make their own account at /signup (default false).
        #[arg(long, env = "BUCKLE_ALLOW_SIGN_UP", num_args = 0..=1, default_missing_value = "true")]
        allow_sign_up: Option<bool>,
        /// PEM certificate chain: serve HTTPS (with --tls-key; reloaded on SIGHUP).
        #[arg(long = "tls-cert", env = "BUCKLE_TLS_CERT")]
        tls_cert_file: Option<PathBuf>,
        /// PEM private key (PKCS#8, PKCS#1 or SEC1) for --tls-cert.
        #[arg(long = "tls-key", env = "BUCKLE_TLS_KEY")]
        tls_key_file: Option<PathBuf>,
        /// Comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For names the client.
        #[arg(long, env = "BUCKLE_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Option<Vec<String>>,
    },
    /// Sign in to a server with the device flow and keep the token (0600) in
    /// $XDG_CONFIG_HOME/buckle or ~/.config/buckle.
    Login(client_cli::LoginArgs),
    /// Print a fresh access token: from --key-file (JWT auth) or the stored login.
    Token(client_cli::TokenSource),
    /// Show who the token belongs to (GET /v1/users/me).
    Whoami(client_cli::TokenSource),
    /// Revoke the stored login's tokens and delete it.
    Logout,
    /// Print the configuration reference (every setting: file key, flag,
    /// environment variable, default, meaning) as a Markdown table.
    ConfigReference,
    /// Operator commands that work directly on the data directory or database.
    Admin {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Apply the database migrations this binary has and the database lacks,
    /// printing each; refuses a database newer than the binary.
    Migrate(admin::migrate::MigrateArgs),
    /// Create an account; prints a generated password unless --password-stdin is given.
    CreateUser {
        #[arg(long)]
        user_name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Make the account a super admin of this installation.
        #[arg(long)]
        super_admin: bool,
    },
    /// Create a personal access token for an account and print it.
    CreateToken {
        #[arg(long)]
        user_name: String,
        /// The token's name.
        #[arg(long)]
        name: String,
        /// Comma-separated permission points, e.g. Account.readProfile,Manage.tokens.
        #[arg(long, value_delimiter = ',')]
        permissions: Vec<String>,
        /// Reach every workspace of the edition, including ones created later.
        #[arg(long)]
        all_workspaces: bool,
        /// Lifetime: 1h, 1d, 7d, 30d, ... or "permanent" where the edition allows it.
        #[arg(long, default_value = "30d")]
        expires_in: String,
        /// Make the token in this team or enterprise instead of the personal edition.
        #[arg(long)]
        organization_id: Option<String>,
    },
    /// Copy every table of a stopped Buckle's database into an empty database
    /// (e.g. SQLite into PostgreSQL) and verify the copy; exits non-zero on a mismatch.
    MigrateStore(admin::migrate_store::MigrateStoreArgs),
    /// Write a consistent backup of the SQLite database (the server may keep running).
    Backup(admin::backup::BackupArgs),
    /// Restore a backup into an empty data directory (SQLite).
    Restore(admin::backup::RestoreArgs),
}

fn overrides(c: &Common) -> Overrides {
    Overrides {
        config: c.config.clone(),
        data_dir: c.data_dir.clone(),
        database_url: c.database_url.clone(),
        ..Overrides::default()
    }
}

fn init_logging(filter: &str, format: LogFormat) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|e| {
        eprintln!("warning: the log filter is not valid ({e}); logging at info");
        EnvFilter::new("info")
    });
    let json = format == LogFormat::Json;
    // Colour only for a person watching a terminal: files and pipes get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let cli = Cli::parse();
    init_logging(&cli.log, cli.log_format);
    match cli.command {
        Command::Serve {
            common,
            listen,
            public_url,
            session_ttl_seconds,
            user_token_ttl_seconds,
            refresh_token_ttl_seconds,
            allow_sign_up,
            tls_cert_file,
            tls_key_file,
            trusted_proxies,
        } => {
            let mut settings = Settings::resolve(Overrides {
                listen,
                public_url,
                session_ttl_seconds,
                user_token_ttl_seconds,
                refresh_token_ttl_seconds,
                allow_sign_up,
                tls_cert_file,
                tls_key_file,
                trusted_proxies,
                ..overrides(&common)
            })?;
            // Unreadable or mismatched files stop Buckle before it binds.
            let certificates = settings
                .tls_files()
                .map(buckle_server::tls::Certificates::load)
                .transpose()?;
            let listener = tokio::net::TcpListener::bind(settings.listen)
                .await
                .with_context(|| format!("binding {}", settings.listen))?;
            let addr = listener.local_addr()?;
            if settings.public_url_derived {
                // With port 0 the real port is known only now.
                settings.public_url = buckle::derived_url(addr, certificates.is_some());
            }
            let state = buckle::open(&settings).await?;
            if let Some((user, password)) = buckle::ensure_first_admin(&state).await? {
                // Printed once, to the operator's terminal; never logged.
                println!("Buckle created the first super admin account.");
                println!("  user name: {user}");
                println!("  password:  {password}");
                println!("Keep the password now: it is not shown again.");
            }
            // Before the banner: a backup directory that cannot be made stops the start.
            let backups = buckle::scheduled_backup::start(&settings)?;
            tracing::info!(
                listen = %addr,
                public_url = %settings.public_url,
                database = state.store.dialect(),
                startup_ms = started.elapsed().as_millis() as u64,
                "Buckle is serving"
            );
            let (listener, scheme, reloader) = match &certificates {
                Some(certs) => {
                    let reloader = certs
                        .watch(
                            (settings.tls_reload_check_seconds > 0)
                                .then(|| Duration::from_secs(settings.tls_reload_check_seconds)),
                        )
                        .context("watching the TLS files")?;
                    let tls =
                        buckle_server::tls::TlsListener::new(listener, certs.server_config()?)?;
                    (tls.into(), "https", Some(reloader))
                }
                None => (
                    buckle_server::listen::Listener::from(listener),
                    "http",
                    None,
                ),
            };
            println!(
                "Buckle is listening on {scheme}://{addr} (public URL {})",
                settings.public_url
            );
            let store = state.store.clone();
            let timeout = state.config.shutdown_timeout;
            let served = buckle_server::serve(listener, state, shutdown_signal()).await;
            if let Some(task) = backups {
                task.abort();
            }
            if let Some(reloader) = reloader {
                reloader.abort();
            }
            served?;
            // A request cut by the shutdown timeout may still hold a connection.
            if tokio::time::timeout(timeout, store.close()).await.is_err() {
                tracing::warn!("the database pool did not close in time");
            }
            Ok(())
        }
        Command::Login(args) => client_cli::finish(client_cli::login(args).await),
        Command::Token(source) => client_cli::finish(client_cli::token(source).await),
        Command::Whoami(source) => client_cli::finish(client_cli::whoami(source).await),
        Command::Logout => client_cli::finish(client_cli::logout().await),
        // Works on the two databases it is given, not on the configured one.
        Command::ConfigReference => {
            print!("{}", config_reference::markdown(&Cli::command()));
            Ok(())
        }
        Command::Admin { common, command } => run_admin(common, command).await,
    }
}

/// The operator commands: those that work on the databases or files they are
/// given first, without opening (so without migrating) the configured store.
async fn run_admin(common: Common, command: AdminCommand) -> anyhow::Result<()> {
    if let AdminCommand::MigrateStore(args) = command {
        return admin::migrate_store::run(args).await;
    }
    let settings = Settings::resolve(overrides(&common))?;
    match command {
        AdminCommand::Migrate(args) => admin::migrate::run(&settings, args).await,
        AdminCommand::Backup(args) => admin::backup::backup(&settings, args).await,
        AdminCommand::Restore(args) => admin::backup::restore(&settings, args).await,
        command => {
            let state = buckle::open(&settings).await?;
            let result = admin(&state, command).await;
            state.store.close().await;
            result
        }
    }
}

async fn admin(state: &buckle_server::AppState, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::CreateUser {
            user_name,
            password_stdin,
            super_admin,
        } => {
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (buckle::generate_password(), true)
            };
            let req = NewAccountRequest {
                user_name: &user_name,
                password: Some(&password),
                nick_name: None,
                super_admin,
            };
            let a = service::accounts::create(state, req)
                .await
                .map_err(|e| anyhow::anyhow!("{}", buckle::cli_message(&e)))?;
            println!("created account {} (user id {})", a.user_name, a.id);
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        // Handled before the state is opened (it may not be openable yet).
        AdminCommand::CreateToken {
            user_name,
            name,
            permissions,
            all_workspaces,
            expires_in,
            organization_id,
        } => {
            let owner = state
                .store
                .account_by_name(&user_name)
                .await?
                .with_context(|| format!("no account named {user_name:?}"))?;
            let req = NewToken {
                name,
                grant: GrantAsk {
                    permissions,
                    all_workspaces,
                    workspace_ids: Vec::new(),
                },
                expires_in: Some(expires_in),
                expires_at: None,
            };
            // The operator acts with the account's full authority, as its owner
            // would in a console session.
            let caller = Caller::person(owner);
            let issued = service::tokens::create_personal(state, &caller, organization_id, req)
                .await
                .map_err(|e| anyhow::anyhow!("{}", buckle::cli_message(&e)))?;
            let secret = issued.secret;
            println!("{secret}");
            Ok(())
        }
        // `run_admin` ran these without opening the configured store.
        AdminCommand::Migrate(_)
        | AdminCommand::MigrateStore(_)
        | AdminCommand::Backup(_)
        | AdminCommand::Restore(_) => {
            anyhow::bail!("this command runs without opening the configured database")
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
