//! Runtime settings the server needs (the binary resolves them from file, env and flags).

#[derive(Debug, Clone)]
pub struct Config {
    /// The base URL clients use, e.g. `http://127.0.0.1:7070` (no trailing slash).
    pub public_url: String,
    /// Console session lifetime, seconds.
    pub session_ttl: i64,
    /// Longest lifetime of a personal access token in the personal edition, seconds.
    pub personal_token_max: i64,
    /// User OAuth access token lifetime, seconds (15 minutes).
    pub user_token_ttl: i64,
    /// Refresh token lifetime, seconds (30 days).
    pub refresh_token_ttl: i64,
    /// Device code lifetime, seconds.
    pub device_code_ttl: i64,
    /// The polling interval device clients are told, seconds.
    pub device_poll_interval: i64,
    /// How often device usage counted in memory is flushed to the database, seconds.
    pub device_usage_flush: i64,
    /// Extra names accepted as a JWT `aud` besides the public URL's host.
    pub extra_audiences: Vec<String>,
    /// How long the audit log keeps an event, seconds.
    pub audit_retention: i64,
    /// Lets apps register plain-http redirect URIs on hosts other than loopback.
    pub allow_insecure_redirect_uris: bool,
    /// Lets anyone make their own account on the sign-up page (off: only super
    /// admins and the CLI make accounts).
    pub allow_sign_up: bool,
    /// How long and how much the token check keeps in memory.
    pub credential_cache: crate::credential_cache::CacheLimits,
    /// How long a stopping server waits for requests in flight before it gives up.
    pub shutdown_timeout: std::time::Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none: the TCP
    /// peer is the client).
    pub trusted_proxies: buckle_core::forwarded::TrustedProxies,
}

impl Config {
    pub fn new(public_url: &str) -> Config {
        Config {
            public_url: public_url.trim_end_matches('/').to_string(),
            session_ttl: 7 * 86_400,
            personal_token_max: buckle_core::expiry::PERSONAL_MAX_SECONDS,
            user_token_ttl: 15 * 60,
            refresh_token_ttl: 30 * 86_400,
            device_code_ttl: 300,
            device_poll_interval: 5,
            device_usage_flush: 1,
            extra_audiences: Vec::new(),
            audit_retention: 365 * 86_400,
            allow_insecure_redirect_uris: false,
            allow_sign_up: false,
            credential_cache: crate::credential_cache::CacheLimits::default(),
            shutdown_timeout: std::time::Duration::from_secs(30),
            trusted_proxies: buckle_core::forwarded::TrustedProxies::default(),
        }
    }

    /// The JWT audiences Buckle answers to: its public host with the port (and
    /// without it when it is the scheme's default), plus configured extras.
    pub fn audiences(&self) -> Vec<String> {
        let (scheme, rest) = self
            .public_url
            .split_once("://")
            .unwrap_or(("http", &self.public_url));
        let host_port = rest.split('/').next().unwrap_or_default().to_string();
        let mut out = vec![host_port.clone()];
        let default_port = if scheme == "https" { ":443" } else { ":80" };
        match host_port.strip_suffix(default_port) {
            Some(bare) => out.push(bare.to_string()),
            None if !host_port
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
                || host_port.ends_with(']') =>
            {
                out.push(format!("{host_port}{default_port}"))
            }
            None => {}
        }
        out.extend(self.extra_audiences.iter().cloned());
        out
    }

    /// Cookies get `Secure` when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn audiences_follow_the_public_url() {
        assert_eq!(
            Config::new("http://127.0.0.1:8080").audiences(),
            ["127.0.0.1:8080"]
        );
        assert_eq!(
            Config::new("https://buckle.example.com/").audiences(),
            ["buckle.example.com", "buckle.example.com:443"]
        );
        assert_eq!(
            Config::new("https://buckle.example.com:443").audiences(),
            ["buckle.example.com:443", "buckle.example.com"]
        );
        let mut c = Config::new("http://[::1]:7070");
        c.extra_audiences.push("api.example.com".into());
        assert_eq!(c.audiences(), ["[::1]:7070", "api.example.com"]);
    }
}
