//! JWT ids already used, per app: a JWT bearer assertion is accepted once.

use crate::{Result, Store, with_writer};
use buckle_core::AppId;

impl Store {
    /// Records a JWT id; false if the app used it before (a replay).
    pub async fn use_jti(&self, app_id: AppId, jti: &str, expires_at: i64) -> Result<bool> {
        let n = with_writer!(self, |p| {
            sqlx::query(
            "INSERT INTO oauth_jtis (app_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT (app_id, jti) DO NOTHING"
        )
        .bind(app_id.get())
        .bind(jti)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }
}
