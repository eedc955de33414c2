//! Counting an owner's rows (apps, channels) against a limit inside the
//! transaction that adds one, so concurrent creations cannot both pass the count.

/// In the open transaction `$tx`: locks the owner (the organization `$org`, an
/// `Option<&OrgId>`, else the account `$owner`, an `Option<AccountId>`) with a
/// no-op update (a row lock on PostgreSQL, the write lock on SQLite), then
/// counts the owner's rows of `$table` (a literal). Evaluates to `Result<i64>`.
macro_rules! lock_owner_and_count {
    ($tx:expr, $table:literal, $org:expr, $owner:expr) => {
        async {
            let org: Option<&buckle_core::OrgId> = $org;
            let owner: Option<buckle_core::AccountId> = $owner;
            match org {
                Some(org) => {
                    sqlx::query("UPDATE organizations SET id = id WHERE id = $1")
                        .bind(org.as_str())
                        .execute(&mut *$tx)
                        .await?
                }
                None => {
                    sqlx::query("UPDATE accounts SET id = id WHERE id = $1")
                        .bind(owner.map(buckle_core::AccountId::get))
                        .execute(&mut *$tx)
                        .await?
                }
            };
            let (n,): (i64,) = sqlx::query_as(concat!(
                "SELECT COUNT(*) FROM ",
                $table,
                " WHERE ((org_id IS NULL AND $1 IS NULL AND owner_account_id = $2) OR org_id = $1)"
            ))
            .bind(org.map(buckle_core::OrgId::as_str))
            .bind(owner.map(buckle_core::AccountId::get))
            .fetch_one(&mut *$tx)
            .await?;
            Ok::<i64, crate::StoreError>(n)
        }
    };
}
pub(crate) use lock_owner_and_count;
