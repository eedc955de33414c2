//! Consent to an OBO app (authorization code, PKCE, device) for the consent page
//! and the device verification page: the rules are the service's
//! ([`crate::service::grants::consent`]); this maps its refusals to page words.

use crate::AppState;
use crate::service::Caller;
use crate::service::grants::{self, ConsentRefusal};
use crate::web::Key;
use buckle_core::policy;
use buckle_store::{Account, Grant, OAuthApp};

/// Why a consent cannot be given: the page's message key.
pub struct Refusal(pub Key);

fn refuse(key: &'static str) -> Refusal {
    Refusal(Key(key))
}

/// A workspace pinned by the request, when `user` is a member of it. Unknown and
/// not-a-member are refused alike, so the pages tell nobody else's workspace
/// names, or even that an id exists.
pub(super) async fn member_workspace(
    state: &AppState,
    ws: buckle_core::WorkspaceId,
    user: &Account,
) -> Result<buckle_store::Workspace, Refusal> {
    let caller = Caller::person(user.clone());
    grants::member_workspace(state, &caller, ws)
        .await
        .map_err(refusal)
}

/// The page's message key for a consent refused by the service.
fn refusal(r: ConsentRefusal) -> Refusal {
    match r {
        ConsentRefusal::NotAMemberOfWorkspace => refuse("consent.not_workspace_member"),
        ConsentRefusal::NotAMemberOfOrganization => refuse("consent.not_org_member"),
        ConsentRefusal::Policy(policy::Refusal::TeamLevel) => refuse("consent.team_level"),
        ConsentRefusal::Policy(policy::Refusal::OperatorApp | policy::Refusal::OperatorPoints) => {
            refuse("consent.operator")
        }
        ConsentRefusal::Policy(_) | ConsentRefusal::Service(_) => refuse("common.internal"),
    }
}

/// Records the user's consent (see [`grants::consent`]) for the consent and
/// device pages. Returns the grant.
pub async fn grant(
    state: &AppState,
    app: &OAuthApp,
    user: &Account,
    edition: Option<&str>,
    pinned_workspace: Option<buckle_core::WorkspaceId>,
) -> Result<Grant, Refusal> {
    let caller = Caller::person(user.clone());
    grants::consent(state, &caller, app, edition, pinned_workspace)
        .await
        .map_err(refusal)
}
