use super::word;

word! {
    /// A member's role in a workspace. Its owner (the person who made it) cannot be
    /// removed from it; admins and members are added by the workspace's managers.
    WorkspaceRole, "workspace role" {
        Owner = "owner",
        Admin = "admin",
        Member = "member",
    }
}
