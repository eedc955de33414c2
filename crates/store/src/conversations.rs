//! Conversations: account-level resources, each visible only to its owner under
//! the session name it was created with.

use crate::{Result, Store, with_pool, with_writer};

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: i64,
    /// Whose conversation it is: an account, or an app acting for itself in an edition.
    pub owner: String,
    /// The creating token's session name; '' for none.
    pub session_name: String,
    pub bot_id: Option<i64>,
    /// The client's metadata as JSON text.
    pub meta_data: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct ConversationRow {
    id: i64,
    owner: String,
    session_name: String,
    bot_id: Option<i64>,
    meta_data: String,
    created_at: i64,
}

impl From<ConversationRow> for Conversation {
    fn from(r: ConversationRow) -> Conversation {
        Conversation {
            id: r.id,
            owner: r.owner,
            session_name: r.session_name,
            bot_id: r.bot_id,
            meta_data: r.meta_data,
            created_at: r.created_at,
        }
    }
}

impl Store {
    pub async fn create_conversation(&self, c: &Conversation) -> Result<()> {
        crate::text::storable(&[&c.owner, &c.session_name, &c.meta_data])?;
        with_writer!(self, |p| {
            sqlx::query(
                "INSERT INTO conversations (id, owner, session_name, bot_id, meta_data, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(c.id)
            .bind(&c.owner)
            .bind(&c.session_name)
            .bind(c.bot_id)
            .bind(&c.meta_data)
            .bind(c.created_at)
            .execute(p)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// The conversation `id` if it belongs to `owner` under `session_name`;
    /// anyone else's is as absent as a missing one.
    pub async fn conversation_of(
        &self,
        id: i64,
        owner: &str,
        session_name: &str,
    ) -> Result<Option<Conversation>> {
        let row = with_pool!(self, |p| {
            sqlx::query_as::<_, ConversationRow>(
                "SELECT id, owner, session_name, bot_id, meta_data, created_at FROM conversations
                 WHERE id = $1 AND owner = $2 AND session_name = $3",
            )
            .bind(id)
            .bind(owner)
            .bind(session_name)
            .fetch_optional(p)
            .await
        })?;
        Ok(row.map(Conversation::from))
    }
}
