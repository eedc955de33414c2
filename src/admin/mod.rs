//! Operator commands, one file each.

pub mod migrate_store;
