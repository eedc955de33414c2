//! Device usage counters (flushed in batches from memory) and per-day quotas.

use crate::{Result, Store, with_pool, with_writer};
use buckle_core::AppId;

/// Calls counted for one app, device, consumer and UTC day ('' for a missing value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceUsage {
    pub app_id: AppId,
    pub day: i64,
    pub device_id: String,
    pub custom_consumer: String,
    pub calls: i64,
}

#[derive(sqlx::FromRow)]
struct UsageRow {
    app_id: i64,
    day: i64,
    device_id: String,
    custom_consumer: String,
    calls: i64,
}

impl From<UsageRow> for DeviceUsage {
    fn from(r: UsageRow) -> DeviceUsage {
        DeviceUsage {
            app_id: AppId(r.app_id),
            day: r.day,
            device_id: r.device_id,
            custom_consumer: r.custom_consumer,
            calls: r.calls,
        }
    }
}

/// A limit on calls per UTC day for one device (`kind` "device") or one custom
/// consumer (`kind` "consumer") of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceQuota {
    pub app_id: AppId,
    pub subject_kind: String,
    pub subject: String,
    pub calls_per_day: i64,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct QuotaRow {
    app_id: i64,
    subject_kind: String,
    subject: String,
    calls_per_day: i64,
    updated_at: i64,
}

impl From<QuotaRow> for DeviceQuota {
    fn from(r: QuotaRow) -> DeviceQuota {
        DeviceQuota {
            app_id: AppId(r.app_id),
            subject_kind: r.subject_kind,
            subject: r.subject,
            calls_per_day: r.calls_per_day,
            updated_at: r.updated_at,
        }
    }
}

const UPSERT_USAGE: &str =
    "INSERT INTO device_usage (app_id, day, device_id, custom_consumer, calls)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (app_id, day, device_id, custom_consumer)
     DO UPDATE SET calls = device_usage.calls + excluded.calls";

impl Store {
    /// Adds each entry's calls to the stored counter, in one transaction.
    pub async fn add_device_usage(&self, batch: &[DeviceUsage]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        for u in batch {
            crate::text::storable(&[&u.device_id, &u.custom_consumer])?;
        }
        with_writer!(self, |p| {
            let mut tx = p.begin().await?;
            for u in batch {
                sqlx::query(UPSERT_USAGE)
                    .bind(u.app_id.get())
                    .bind(u.day)
                    .bind(&u.device_id)
                    .bind(&u.custom_consumer)
                    .bind(u.calls)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// Every stored counter of `day`, over all apps.
    pub async fn device_usage_of_day(&self, day: i64) -> Result<Vec<DeviceUsage>> {
        let rows = with_pool!(self, |p| {
            sqlx::query_as::<_, UsageRow>(
                "SELECT app_id, day, device_id, custom_consumer, calls FROM device_usage WHERE day = $1",
            )
            .bind(day)
            .fetch_all(p)
            .await
        })?;
        Ok(rows.into_iter().map(DeviceUsage::from).collect())
    }

    /// An app's counters from `from_day` to `to_day` inclusive, by day then most calls.
    pub async fn device_usage_of_app(
        &self,
        app: AppId,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<DeviceUsage>> {
        let rows = with_pool!(self, |p| {
            sqlx::query_as::<_, UsageRow>(
                "SELECT app_id, day, device_id, custom_consumer, calls FROM device_usage
                 WHERE app_id = $1 AND day >= $2 AND day <= $3
                 ORDER BY day, calls DESC, device_id, custom_consumer",
            )
            .bind(app.get())
            .bind(from_day)
            .bind(to_day)
            .fetch_all(p)
            .await
        })?;
        Ok(rows.into_iter().map(DeviceUsage::from).collect())
    }

    pub async fn set_device_quota(&self, q: &DeviceQuota) -> Result<()> {
        crate::text::storable(&[&q.subject_kind, &q.subject])?;
        with_writer!(self, |p| {
            sqlx::query(
                "INSERT INTO device_quotas (app_id, subject_kind, subject, calls_per_day, updated_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (app_id, subject_kind, subject)
                 DO UPDATE SET calls_per_day = excluded.calls_per_day, updated_at = excluded.updated_at",
            )
            .bind(q.app_id.get())
            .bind(&q.subject_kind)
            .bind(&q.subject)
            .bind(q.calls_per_day)
            .bind(q.updated_at)
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Whether a quota was there to clear.
    pub async fn clear_device_quota(&self, app: AppId, kind: &str, subject: &str) -> Result<bool> {
        let done = with_writer!(self, |p| {
            sqlx::query(
                "DELETE FROM device_quotas WHERE app_id = $1 AND subject_kind = $2 AND subject = $3",
            )
            .bind(app.get())
            .bind(kind)
            .bind(subject)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })?;
        Ok(done > 0)
    }

    /// Every quota of every app (few; held in memory by the server).
    pub async fn device_quotas(&self) -> Result<Vec<DeviceQuota>> {
        let rows = with_pool!(self, |p| {
            sqlx::query_as::<_, QuotaRow>(
                "SELECT app_id, subject_kind, subject, calls_per_day, updated_at FROM device_quotas
                 ORDER BY app_id, subject_kind, subject",
            )
            .fetch_all(p)
            .await
        })?;
        Ok(rows.into_iter().map(DeviceQuota::from).collect())
    }
}
