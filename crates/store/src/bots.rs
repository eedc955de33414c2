//! Bots, each in one workspace.

use crate::{Result, Store, with_pool, with_writer};
use buckle_core::{AccountId, BotId, WorkspaceId};

#[derive(Debug, Clone)]
pub struct Bot {
    pub id: BotId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub description: String,
    pub created_by: AccountId,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct BotRow {
    id: i64,
    workspace_id: i64,
    name: String,
    description: String,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<BotRow> for Bot {
    fn from(r: BotRow) -> Bot {
        Bot {
            id: BotId(r.id),
            workspace_id: WorkspaceId(r.workspace_id),
            name: r.name,
            description: r.description,
            created_by: AccountId(r.created_by),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl Store {
    pub async fn create_bot(&self, b: &Bot) -> Result<()> {
        crate::text::storable(&[&b.name, &b.description])?;
        with_writer!(self, |p| {
            sqlx::query(
            "INSERT INTO bots (id, workspace_id, name, description, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(b.id.get())
        .bind(b.workspace_id.get())
        .bind(&b.name)
        .bind(&b.description)
        .bind(b.created_by.get())
        .bind(b.created_at)
        .bind(b.updated_at)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn bot(&self, id: BotId) -> Result<Option<Bot>> {
        let row = with_pool!(self, |p| {
            sqlx::query_as::<_, BotRow>(
            "SELECT id, workspace_id, name, description, created_by, created_at, updated_at FROM bots WHERE id = $1"
        )
        .bind(id.get())
        .fetch_optional(p)
        .await
        })?;
        Ok(row.map(Bot::from))
    }

    /// One page of a workspace's bots, newest first, and the total count.
    pub async fn bots_in(
        &self,
        workspace_id: WorkspaceId,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<Bot>, i64)> {
        let workspace_id = workspace_id.get();
        with_pool!(self, |p| {
            let bots = sqlx::query_as::<_, BotRow>(
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
            Ok((bots.into_iter().map(Bot::from).collect(), total.0))
        })
    }
}
