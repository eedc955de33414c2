//! The grant policy: nothing a credential makes, edits or deletes may reach more
//! (permission points, workspaces, edition) or live longer than the credential
//! itself; operator-only points go only to installation super admins; team-level
//! points only to an organization's admins, in that organization. Without it a
//! short-lived token limited to one workspace could mint a long-lived token for
//! every workspace, widen itself, or delete stronger tokens.
//!
//! A console session, a page or the operator's CLI acts with the account's full
//! authority and has no extent; only credentials (tokens) are bounded by one.
//! Everything here is a pure decision: the service layer looks up the grantor's
//! roles and the edition's workspaces, then asks.

mod decision;
mod extent;

pub use decision::{Grantor, Made, Refusal};
pub use extent::{Exceeds, Extent};

/// Whether a credential (`None`: a session or the CLI) may make, edit or delete
/// something reaching `granted`.
pub fn may_grant(grantor: Option<&Extent>, granted: &Extent) -> Result<(), Exceeds> {
    grantor.map_or(Ok(()), |g| g.covers(granted))
}
