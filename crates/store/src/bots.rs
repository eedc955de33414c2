//! Bots, each in one workspace.

use crate::{Result, Store, with_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Bot {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub description: String,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    pub async fn create_bot(&self, b: &Bot) -> Result<()> {
        crate::text::storable(&[&b.name, &b.description])?;
        with_pool!(self, |p| {
            sqlx::query(
            "INSERT INTO bots (id, workspace_id, name, description, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(b.id)
        .bind(b.workspace_id)
        .bind(&b.name)
        .bind(&b.description)
        .bind(b.created_by)
        .bind(b.created_at)
        .bind(b.updated_at)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn bot(&self, id: i64) -> Result<Option<Bot>> {
        Ok(with_pool!(self, |p| {
            sqlx::query_as::<_, Bot>(
            "SELECT id, workspace_id, name, description, created_by, created_at, updated_at FROM bots WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await
        })?)
    }

    /// One page of a workspace's bots, newest first, and the total count.
    pub async fn bots_in(
        &self,
        workspace_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<Bot>, i64)> {
        with_pool!(self, |p| {
            let bots = sqlx::query_as::<_, Bot>(
                "SELECT id, workspace_id, name, description, created_by, created_at, updated_at
                 FROM bots WHERE workspace_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
            )
            .bind(workspace_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?;
            let total: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM bots WHERE workspace_id = $1")
                .bind(workspace_id)
                .fetch_one(p)
                .await?;
            Ok((bots, total.0))
        })
    }
}
