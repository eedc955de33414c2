//! Dropping OAuth rows that can no longer be used: expired codes, device codes,
//! tokens and JWT ids, and families nothing refers to.

use crate::{Result, Store, with_writer};

impl Store {
    /// Drops what can no longer be used: expired codes, device codes, tokens, jtis.
    pub async fn purge_expired_oauth(&self, now: i64) -> Result<()> {
        with_writer!(self, |p| {
            for q in [
                "DELETE FROM oauth_codes WHERE expires_at <= $1",
                "DELETE FROM oauth_device_codes WHERE expires_at <= $1",
                "DELETE FROM oauth_tokens WHERE expires_at <= $1",
                "DELETE FROM oauth_refresh_tokens WHERE expires_at <= $1",
                // JWTs are accepted up to a minute past exp.
                "DELETE FROM oauth_jtis WHERE expires_at + 120 <= $1",
            ] {
                sqlx::query(q).bind(now).execute(p).await?;
            }
            // A family nothing refers to any more cannot be presented again.
            sqlx::query(
                "DELETE FROM oauth_families WHERE
                 NOT EXISTS (SELECT 1 FROM oauth_codes c WHERE c.family_id = oauth_families.family_id)
                 AND NOT EXISTS (SELECT 1 FROM oauth_refresh_tokens r WHERE r.family_id = oauth_families.family_id)
                 AND NOT EXISTS (SELECT 1 FROM oauth_tokens t WHERE t.family_id = oauth_families.family_id)",
            )
            .execute(p)
            .await?;
            Ok::<(), sqlx::Error>(())
        })?;
        Ok(())
    }
}
