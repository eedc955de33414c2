//! The stored spelling of the bearer tokens that live in the database.

use super::UnknownWord;
use crate::secret::TokenKind;

impl TokenKind {
    /// How a stored access token's kind is spelled (`access_tokens.kind`,
    /// `oauth_tokens.kind`); `None` for secrets that are not stored as tokens.
    pub const fn stored(self) -> Option<&'static str> {
        match self {
            TokenKind::Personal => Some("pat"),
            TokenKind::Service => Some("sat"),
            TokenKind::UserOauth => Some("czu"),
            TokenKind::AppOauth => Some("czs"),
            _ => None,
        }
    }

    /// The kind a stored spelling names; anything else is an error, never a default.
    pub fn from_stored(s: &str) -> Result<TokenKind, UnknownWord> {
        match s {
            "pat" => Ok(TokenKind::Personal),
            "sat" => Ok(TokenKind::Service),
            "czu" => Ok(TokenKind::UserOauth),
            "czs" => Ok(TokenKind::AppOauth),
            _ => Err(UnknownWord {
                word: "token kind",
                value: s.chars().take(64).collect(),
            }),
        }
    }
}
