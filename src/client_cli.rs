//! The client commands: `buckle login` (device flow), `buckle token`,
//! `buckle whoami`, `buckle logout`, on top of the `buckle-client` crate. The
//! login is kept in the user's config directory, readable by them alone.

use anyhow::{Context, anyhow, bail};
use buckle_client::{
    Client, DevicePoll, JwtAuth, OAuthClient, OAuthTokenAuth, PrivateKey, Token, TokenAuth,
};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A login's token is refreshed when it has less than this left.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// What `buckle login` stores: the server, the device app, and its tokens.
#[derive(Serialize, Deserialize)]
struct StoredLogin {
    server: String,
    client_id: String,
    token: Token,
}

/// Ends a client command: on failure one line, `error: ` and the causes, and
/// exit code 1 (no backtrace: these are a user's mistakes or a server's answer).
pub fn finish(result: anyhow::Result<()>) -> anyhow::Result<()> {
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
    Ok(())
}

/// `$XDG_CONFIG_HOME/buckle`, else `~/.config/buckle`.
fn config_dir() -> anyhow::Result<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(x).join("buckle"));
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .context("neither XDG_CONFIG_HOME nor HOME is set: nowhere to keep the login")?;
    Ok(PathBuf::from(home).join(".config").join("buckle"))
}

fn login_path() -> anyhow::Result<PathBuf> {
    Ok(config_dir()?.join("login.json"))
}

fn load() -> anyhow::Result<(PathBuf, StoredLogin)> {
    let path = login_path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "not logged in (no {}): run `buckle login --server URL --client-id ID` first",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let login = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a login this version understands; run `buckle login` again",
            path.display()
        )
    })?;
    Ok((path, login))
}

/// Writes the login where only its owner can read it: the directory 0700, the
/// file 0600, replaced atomically so a crash never leaves half a file.
fn save(path: &Path, login: &StoredLogin) -> anyhow::Result<()> {
    let dir = path.parent().context("the login path has no directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(".login.json.{}", std::process::id()));
    let body = serde_json::to_vec_pretty(login)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", dir.display()))?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .with_context(|| format!("writing {}", tmp.display()))?;
        // The mode above applies only to a new file; a leftover one is fixed here.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(&body)?;
        f.sync_all()?;
    }
    #[cfg(not(unix))]
    std::fs::write(&tmp, &body).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[derive(Args)]
pub struct LoginArgs {
    /// The server's base URL, e.g. http://127.0.0.1:7070 or https://api.coze.com.
    #[arg(long, env = "BUCKLE_SERVER")]
    server: String,
    /// The client id of a device app on that server.
    #[arg(long)]
    client_id: String,
}

/// Where `buckle token` and `buckle whoami` get their token: a service app's key,
/// or the stored login.
#[derive(Args)]
pub struct TokenSource {
    /// A service app's private key (PKCS#1 or PKCS#8 PEM): JWT auth instead of the login.
    #[arg(long, requires_all = ["client_id", "kid"])]
    key_file: Option<PathBuf>,
    /// The service app's id (with --key-file).
    #[arg(long)]
    client_id: Option<String>,
    /// The public key's fingerprint (with --key-file). Base64url, so it may
    /// begin with '-'.
    #[arg(long, allow_hyphen_values = true)]
    kid: Option<String>,
    /// The server's base URL (with --key-file; default https://api.coze.com).
    #[arg(long, env = "BUCKLE_SERVER")]
    server: Option<String>,
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

pub async fn login(args: LoginArgs) -> anyhow::Result<()> {
    let app = OAuthClient::new(&args.server, &args.client_id)?;
    let device = app
        .device_code()
        .await
        .with_context(|| format!("starting the device login at {}", args.server))?;
    println!("To sign in, open this page in a browser:");
    println!("  {}", device.verification_url());
    println!("and confirm the code: {}", device.user_code);
    std::io::stdout().flush()?;
    let mut stderr = std::io::stderr();
    let token = app
        .poll_device_token(&device, |p| {
            let line = match p {
                DevicePoll::Pending { expires_in, .. } => format!(
                    "Waiting for approval (the code expires in {})...",
                    fmt_duration(*expires_in)
                ),
                DevicePoll::SlowDown { interval } => format!(
                    "The server asked to poll more slowly: every {}.",
                    fmt_duration(*interval)
                ),
            };
            let _ = writeln!(stderr, "{line}");
        })
        .await
        .map_err(|e| match e.oauth_error() {
            Some("access_denied") => anyhow!("the login was denied"),
            _ => anyhow!(e).context("the login did not complete"),
        })?;
    let path = login_path()?;
    save(
        &path,
        &StoredLogin {
            server: app.base_url().to_string(),
            client_id: args.client_id,
            token,
        },
    )?;
    println!("Logged in. The token is stored in {}.", path.display());
    Ok(())
}

/// The stored login's token, refreshed (and stored again) when it is about to expire.
async fn login_token() -> anyhow::Result<(StoredLogin, Token)> {
    let (path, mut login) = load()?;
    let app = OAuthClient::new(&login.server, &login.client_id)?;
    let auth = OAuthTokenAuth::new(app, login.token.clone(), None).with_renew_before(RENEW_BEFORE);
    let token = auth.token().await.map_err(|e| {
        anyhow!(e).context("the stored login could not be refreshed; run `buckle login` again")
    })?;
    if token != login.token {
        login.token = token.clone();
        save(&path, &login)?;
    }
    Ok((login, token))
}

fn jwt_auth(source: &TokenSource) -> anyhow::Result<Option<(String, JwtAuth)>> {
    let Some(key_file) = &source.key_file else {
        return Ok(None);
    };
    let (Some(client_id), Some(kid)) = (&source.client_id, &source.kid) else {
        bail!("--key-file needs --client-id and --kid");
    };
    let pem = std::fs::read_to_string(key_file)
        .with_context(|| format!("reading the key file {}", key_file.display()))?;
    let key = PrivateKey::from_pem(&pem)
        .with_context(|| format!("reading the key file {}", key_file.display()))?;
    let server = source
        .server
        .clone()
        .unwrap_or_else(|| buckle_client::COZE_COM_BASE_URL.to_string());
    Ok(Some((
        server.clone(),
        JwtAuth::new(&server, client_id, kid, key)?,
    )))
}

pub async fn token(source: TokenSource) -> anyhow::Result<()> {
    let token = match jwt_auth(&source)? {
        Some((_, auth)) => {
            auth.token()
                .await
                .context("the JWT grant was refused")?
                .access_token
        }
        None => login_token().await?.1.access_token,
    };
    println!("{token}");
    Ok(())
}

pub async fn whoami(source: TokenSource) -> anyhow::Result<()> {
    let client = match jwt_auth(&source)? {
        Some((server, auth)) => Client::new(&server, auth)?,
        None => {
            let (login, token) = login_token().await?;
            Client::new(&login.server, TokenAuth::new(token.access_token))?
        }
    };
    let me = client.users_me().await.context("GET /v1/users/me failed")?;
    println!(
        "{} ({}), user id {}",
        me.user_name, me.nick_name, me.user_id
    );
    Ok(())
}

pub async fn logout() -> anyhow::Result<()> {
    let (path, login) = load()?;
    let app = OAuthClient::new(&login.server, &login.client_id)?;
    // The refresh token takes its whole family, the access token included.
    let token = login
        .token
        .refresh_token
        .as_deref()
        .unwrap_or(&login.token.access_token);
    app.revoke(token, None).await.map_err(|e| {
        anyhow!(e).context(format!(
            "revoking the login at {} failed; {} is kept so you can try again (or delete it)",
            login.server,
            path.display()
        ))
    })?;
    std::fs::remove_file(&path).with_context(|| format!("deleting {}", path.display()))?;
    println!(
        "Logged out: the token is revoked and {} deleted.",
        path.display()
    );
    Ok(())
}
