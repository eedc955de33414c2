//! Runtime settings the server needs (the binary resolves them from file, env and flags).

#[derive(Debug, Clone)]
pub struct Config {
    /// The base URL clients use, e.g. `http://127.0.0.1:7070` (no trailing slash).
    pub public_url: String,
    /// Console session lifetime, seconds.
    pub session_ttl: i64,
    /// Longest lifetime of a personal access token in the personal edition, seconds.
    pub personal_token_max: i64,
}

impl Config {
    pub fn new(public_url: &str) -> Config {
        Config {
            public_url: public_url.trim_end_matches('/').to_string(),
            session_ttl: 7 * 86_400,
            personal_token_max: buckle_core::expiry::PERSONAL_MAX_SECONDS,
        }
    }

    /// Cookies get `Secure` when the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
