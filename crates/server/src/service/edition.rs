//! The workspaces a grant lists, checked against its edition; display names.

use super::{ServiceError, ServiceResult};
use crate::AppState;
use buckle_core::reach::Workspaces;
use buckle_core::{AccountId, OrgId, WorkspaceId};

/// A stored grant's workspaces: all of its edition, or a list.
pub fn workspaces_of(all: bool, ids: &[WorkspaceId]) -> Workspaces {
    if all {
        Workspaces::All
    } else {
        Workspaces::List(ids.to_vec())
    }
}

/// Most workspaces one grant may list.
pub const MAX_WORKSPACE_IDS: usize = 100;

/// The workspaces a grant lists, checked against its edition: each must belong to
/// `org` (`None`: the personal edition) and, when `member` is given, have that
/// account as a member. `all_workspaces` excludes a list. Duplicates collapse.
pub async fn edition_workspaces(
    state: &AppState,
    all_workspaces: bool,
    listed: &[String],
    org: Option<&OrgId>,
    member: Option<AccountId>,
) -> ServiceResult<Vec<WorkspaceId>> {
    const FIELD: &str = "workspace_ids";
    if all_workspaces && !listed.is_empty() {
        return Err(ServiceError::invalid(
            FIELD,
            "Give either all_workspaces or workspace_ids, not both.",
        ));
    }
    if listed.len() > MAX_WORKSPACE_IDS {
        return Err(ServiceError::invalid(
            FIELD,
            format!("At most {MAX_WORKSPACE_IDS} workspace_ids."),
        ));
    }
    let mut ids = Vec::with_capacity(listed.len());
    for raw in listed {
        let ws = WorkspaceId::parse(raw)
            .ok_or_else(|| ServiceError::invalid(FIELD, "Invalid workspace id."))?;
        let reachable = match member {
            Some(account) => state
                .store
                .workspace_for(ws, account)
                .await?
                .is_some_and(|(w, is_member)| is_member && w.org_id.as_ref() == org),
            None => state
                .store
                .workspace(ws)
                .await?
                .is_some_and(|w| w.org_id.as_ref() == org),
        };
        if !reachable {
            return Err(ServiceError::invalid(
                FIELD,
                format!("Workspace {ws} is not one of the workspaces of this edition."),
            ));
        }
        if !ids.contains(&ws) {
            ids.push(ws);
        }
    }
    Ok(ids)
}

/// A display name in its stored form (see [`buckle_core::display_name`]).
pub fn clean_name(raw: &str, field: &'static str, max: usize) -> ServiceResult<String> {
    buckle_core::display_name::clean(raw, max)
        .map_err(|e| ServiceError::invalid(field, format!("{field} {e}.")))
}

/// An id the caller wrote (a path segment): `field` to blame, `what` to name.
pub fn id_of<T>(
    raw: &str,
    field: &'static str,
    what: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> ServiceResult<T> {
    parse(raw).ok_or_else(|| ServiceError::invalid(field, format!("Invalid {what}.")))
}
