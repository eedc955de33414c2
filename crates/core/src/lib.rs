//! Buckle's domain, free of I/O: identifiers and secrets, the permission catalog,
//! expiry rules and the reach decision every OpenAPI call goes through.

pub mod audit;
pub mod catalog;
pub mod channel_scope;
pub mod device;
pub mod display_name;
pub mod expiry;
pub mod forwarded;
pub mod ids;
pub mod jwt;
pub mod organization_id;
pub mod pkce;
pub mod policy;
pub mod reach;
pub mod redemption;
pub mod redirect;
pub mod rsa_key;
pub mod secret;
pub mod throttle;
pub mod token_body;
pub mod vocabulary;

pub use catalog::{Catalog, CatalogError, Level, PermissionSet};
pub use ids::{AccountId, AppId, BotId, ChannelId, OrgId, WorkspaceId};
pub use policy::{Exceeds, Extent};
pub use reach::{
    BotFacts, Bots, Denial, Reach, Requirement, Role, Subject, WorkspaceFacts, Workspaces,
};
pub use secret::TokenKind;
pub use vocabulary::{
    AppType, ClientType, DeviceStatus, GrantKind, GrantOwner, InstallStatus, OrgKind, UnknownWord,
    WorkspaceRole,
};

/// Milliseconds since the Unix epoch, where seconds are too coarse (device polling).
pub fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Seconds since the Unix epoch; every timestamp Buckle stores is one.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
