//! Turning stored rows into typed values. Each aggregate reads private
//! `sqlx::FromRow` rows of plain columns and converts them into its
//! public struct. A stored word that names none of its values is a corrupt (or
//! newer) database: an error, never a default, so one kind of thing never
//! silently becomes another.

use crate::{Result, StoreError};
use buckle_core::vocabulary::UnknownWord;

/// The value `value` names, read with `parse`, or `Corrupt` naming the column.
pub(crate) fn read<T>(
    table: &'static str,
    column: &'static str,
    value: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T> {
    parse(value).ok_or_else(|| corrupt(table, column, value))
}

/// Like [`read`], for the vocabulary's parsers.
pub(crate) fn word<T>(
    table: &'static str,
    column: &'static str,
    value: &str,
    parse: fn(&str) -> std::result::Result<T, UnknownWord>,
) -> Result<T> {
    read(table, column, value, |v| parse(v).ok())
}

pub(crate) fn corrupt(table: &'static str, column: &'static str, value: &str) -> StoreError {
    StoreError::Corrupt {
        table,
        column,
        // Bounded: a corrupt value may be long; the error only has to name it.
        value: value.chars().take(64).collect(),
    }
}

/// An organization id column.
pub(crate) fn org_id(
    table: &'static str,
    column: &'static str,
    value: &str,
) -> Result<buckle_core::OrgId> {
    read(table, column, value, buckle_core::OrgId::parse)
}

/// One optional row, converted.
pub(crate) fn one<R, T: TryFrom<R, Error = StoreError>>(row: Option<R>) -> Result<Option<T>> {
    row.map(T::try_from).transpose()
}

/// Every row, converted; the first corrupt one fails the read.
pub(crate) fn all<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> Result<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}

/// An organization role column.
pub(crate) fn role(table: &'static str, value: &str) -> Result<buckle_core::Role> {
    read(table, "role", value, buckle_core::Role::parse)
}

/// A space-separated id list column; an entry that is not an id is corrupt.
pub(crate) fn id_list(
    table: &'static str,
    column: &'static str,
    value: &str,
) -> Result<Vec<buckle_core::WorkspaceId>> {
    value
        .split_whitespace()
        .map(|id| {
            read(table, column, id, |id| {
                id.parse().ok().map(buckle_core::WorkspaceId)
            })
        })
        .collect()
}
