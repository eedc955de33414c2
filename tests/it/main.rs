//! Buckle's integration tests: one binary, one module per area. Every test drives
//! a real server over HTTP; most run on SQLite and on PostgreSQL.

mod testkit;

mod apps;
mod cli;
mod crash;
mod introspect;
mod manage;
mod oauth;
mod openapi;
mod sdk;
mod sdk_oauth;
mod security;
