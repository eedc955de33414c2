//! Text the store accepts. PostgreSQL refuses NUL in text (and answers
//! `InvalidInput`); SQLite would store it. Writes of client-given text refuse it on
//! both engines, so a request behaves the same whichever database is behind it.

use crate::{Result, StoreError};

/// `InvalidInput` if any of `texts` holds a NUL character.
pub(crate) fn storable(texts: &[&str]) -> Result<()> {
    if texts.iter().any(|t| t.contains('\0')) {
        return Err(StoreError::InvalidInput);
    }
    Ok(())
}
