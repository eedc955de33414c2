//! The security events Buckle records in its audit log: a closed list, so an
//! event kind is never a free-form string and a reader can filter on it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    SignIn,
    SignInFailed,
    /// Someone made their own account on the sign-up page.
    SignedUp,
    SignOut,
    PasswordChanged,
    TokenCreated,
    TokenEdited,
    TokenDeleted,
    AppCreated,
    AppEdited,
    AppDisabled,
    AppEnabled,
    AppDeleted,
    AppSecretReset,
    KeyAdded,
    KeyRemoved,
    AuthorizationGranted,
    AuthorizationRevoked,
    AppInstalled,
    AppUninstalled,
    WorkspaceMoved,
    ChannelCreated,
    ChannelRenamed,
    ChannelDeleted,
    /// A channel app bound to a channel, or unbound (`detail.app_id` null).
    ChannelAppBound,
    BotPublished,
    BotUnpublished,
}

impl AuditKind {
    pub const ALL: [AuditKind; 27] = [
        AuditKind::SignIn,
        AuditKind::SignInFailed,
        AuditKind::SignedUp,
        AuditKind::SignOut,
        AuditKind::PasswordChanged,
        AuditKind::TokenCreated,
        AuditKind::TokenEdited,
        AuditKind::TokenDeleted,
        AuditKind::AppCreated,
        AuditKind::AppEdited,
        AuditKind::AppDisabled,
        AuditKind::AppEnabled,
        AuditKind::AppDeleted,
        AuditKind::AppSecretReset,
        AuditKind::KeyAdded,
        AuditKind::KeyRemoved,
        AuditKind::AuthorizationGranted,
        AuditKind::AuthorizationRevoked,
        AuditKind::AppInstalled,
        AuditKind::AppUninstalled,
        AuditKind::WorkspaceMoved,
        AuditKind::ChannelCreated,
        AuditKind::ChannelRenamed,
        AuditKind::ChannelDeleted,
        AuditKind::ChannelAppBound,
        AuditKind::BotPublished,
        AuditKind::BotUnpublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::SignIn => "sign_in",
            AuditKind::SignInFailed => "sign_in_failed",
            AuditKind::SignedUp => "signed_up",
            AuditKind::SignOut => "sign_out",
            AuditKind::PasswordChanged => "password_changed",
            AuditKind::TokenCreated => "token_created",
            AuditKind::TokenEdited => "token_edited",
            AuditKind::TokenDeleted => "token_deleted",
            AuditKind::AppCreated => "app_created",
            AuditKind::AppEdited => "app_edited",
            AuditKind::AppDisabled => "app_disabled",
            AuditKind::AppEnabled => "app_enabled",
            AuditKind::AppDeleted => "app_deleted",
            AuditKind::AppSecretReset => "app_secret_reset",
            AuditKind::KeyAdded => "key_added",
            AuditKind::KeyRemoved => "key_removed",
            AuditKind::AuthorizationGranted => "authorization_granted",
            AuditKind::AuthorizationRevoked => "authorization_revoked",
            AuditKind::AppInstalled => "app_installed",
            AuditKind::AppUninstalled => "app_uninstalled",
            AuditKind::WorkspaceMoved => "workspace_moved",
            AuditKind::ChannelCreated => "channel_created",
            AuditKind::ChannelRenamed => "channel_renamed",
            AuditKind::ChannelDeleted => "channel_deleted",
            AuditKind::ChannelAppBound => "channel_app_bound",
            AuditKind::BotPublished => "bot_published",
            AuditKind::BotUnpublished => "bot_unpublished",
        }
    }

    pub fn parse(s: &str) -> Option<AuditKind> {
        AuditKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::AuditKind;

    #[test]
    fn names_round_trip_and_match_serde() {
        for k in AuditKind::ALL {
            assert_eq!(AuditKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::Value::String(k.as_str().into())
            );
        }
        assert_eq!(AuditKind::parse("Sign_In"), None);
        assert_eq!(AuditKind::parse(""), None);
    }
}
