//! A row read together with another it names, by a `LEFT JOIN` in the same
//! statement: the hot paths read both at once, since every statement is a
//! round trip on PostgreSQL. The joined row's columns carry a prefix and are
//! all `NULL` when the join found nothing.

use crate::Result;
use crate::lite::LiteRow;

/// The joined side: its columns as options, and what they make when found.
pub(crate) trait JoinedRow {
    type Value;
    /// The value, or `None` when the join found no row.
    fn found(self) -> Result<Option<Self::Value>>;
}

/// A column of a joined row that was found: its table's schema says NOT NULL,
/// so `NULL` here is corruption.
pub(crate) fn need<T>(v: Option<T>, table: &'static str, column: &'static str) -> Result<T> {
    v.ok_or_else(|| crate::typed::corrupt(table, column, "NULL"))
}

/// `row` and the row it names, read in one statement.
pub(crate) struct Joined<R, J> {
    pub row: R,
    joined: J,
}

impl<R, J: JoinedRow> Joined<R, J> {
    pub(crate) fn split(self) -> Result<(R, Option<J::Value>)> {
        Ok((self.row, self.joined.found()?))
    }
}

impl<'r, Row, R, J> sqlx::FromRow<'r, Row> for Joined<R, J>
where
    Row: sqlx::Row,
    R: sqlx::FromRow<'r, Row>,
    J: sqlx::FromRow<'r, Row>,
{
    fn from_row(row: &'r Row) -> std::result::Result<Self, sqlx::Error> {
        Ok(Joined {
            row: R::from_row(row)?,
            joined: J::from_row(row)?,
        })
    }
}

impl<R: LiteRow, J: LiteRow> LiteRow for Joined<R, J> {
    fn from_lite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Joined {
            row: R::from_lite(row)?,
            joined: J::from_lite(row)?,
        })
    }
}
