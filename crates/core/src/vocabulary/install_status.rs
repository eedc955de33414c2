use super::word;

word! {
    /// An app of another edition in an organization: a member asked for it, or an
    /// admin installed it. Uninstalling deletes the row (and the app's tokens there).
    InstallStatus, "install status" {
        Requested = "requested",
        Installed = "installed",
    }
}
