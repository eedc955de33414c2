//! The store's contract, on SQLite and on PostgreSQL: what the server relies on
//! from it, checked against real databases under concurrency.

mod bad_input;
mod cascades;
mod channels;
mod corrupt;
mod families;
mod fixtures;
mod group_commit;
mod kit;
mod limits;
mod migrations;
mod redemption_reads;
mod schema;
mod single_use;
mod token_reads;
mod token_use;
mod transfer;
mod workspace_moves;
