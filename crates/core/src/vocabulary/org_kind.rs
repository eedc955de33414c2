use super::word;

word! {
    /// What an organization is: a team anyone may start, or an enterprise an
    /// installation super admin creates (and may give a chosen id).
    OrgKind, "organization kind" {
        Team = "team",
        Enterprise = "enterprise",
    }
}
