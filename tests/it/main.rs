//! Buckle's integration tests: one binary, one module per area. Every test drives
//! a real server over HTTP; most run on SQLite and on PostgreSQL.

mod testkit;

mod apps;
mod audit;
mod blind_spots;
mod browser;
mod channels;
mod cli;
mod client;
mod console_account;
mod console_apps;
mod console_channels;
mod console_device_usage;
mod console_orgs;
mod console_orgs_browser;
mod console_sign_up;
mod console_tokens;
mod console_workspace_moves_browser;
mod conversations;
mod crash;
mod credential_cache;
mod device_usage;
mod grant_limits;
mod grant_policy;
mod hardening;
mod introspect;
mod invitations;
mod manage;
mod multi_node;
mod oauth;
mod oauth_app_state;
mod oauth_binding;
mod oauth_expiry;
mod oauth_hashes;
mod oauth_reuse;
mod openapi;
mod readme;
mod rfc9700;
mod samples;
mod sdk;
mod sdk_oauth;
mod security;
mod throttle;
mod web_pages;
mod workspace_moves;
