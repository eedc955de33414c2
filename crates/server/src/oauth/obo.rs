//! Consent to an OBO app (authorization code, PKCE, device): the rules shared by
//! the consent page and the device verification page.

use crate::AppState;
use crate::audit::AuditEvent;
use crate::console::page::{both, esc};
use buckle_core::audit::AuditKind;
use buckle_core::{
    AccountId, GrantKind, GrantOwner, InstallStatus, Level, OrgId, PermissionSet, Role,
};
use buckle_store::{Account, Grant, OAuthApp};

/// Why a consent cannot be given, for the page.
pub struct Refusal(pub String);

fn refuse(en: &str, zh: &str) -> Refusal {
    Refusal(both(en, zh))
}

/// A workspace pinned by the request, when `user` is a member of it. Unknown and
/// not-a-member are refused alike, so the pages tell nobody else's workspace
/// names, or even that an id exists.
async fn member_workspace(
    state: &AppState,
    ws: i64,
    user: &Account,
) -> Result<buckle_store::Workspace, Refusal> {
    match state.store.workspace_for(ws, user.id).await {
        Ok(Some((w, true))) => Ok(w),
        Ok(_) => Err(refuse(
            "That workspace does not exist, or you are not a member of it.",
            "该工作空间不存在，或你不是它的成员。",
        )),
        Err(_) => Err(refuse("Service internal error.", "服务内部错误。")),
    }
}

/// Records the user's consent: the grant (app, user, edition, workspaces) and, in an
/// organization, the installation (admins install; members request). Returns the grant.
pub async fn grant(
    state: &AppState,
    app: &OAuthApp,
    user: &Account,
    edition: Option<&str>,
    pinned_workspace: Option<i64>,
) -> Result<Grant, Refusal> {
    let store_err = |_| refuse("Service internal error.", "服务内部错误。");
    let edition = match pinned_workspace {
        Some(ws) => member_workspace(state, ws, user).await?.org_id,
        None => edition.filter(|e| !e.is_empty()).map(str::to_string),
    };
    let role = match &edition {
        Some(org) => Some(
            state
                .store
                .role_in(org, user.id)
                .await
                .map_err(store_err)?
                .ok_or_else(|| {
                    refuse(
                        "You are not a member of that team/enterprise.",
                        "你不是该团队/企业的成员。",
                    )
                })?,
        ),
        None => None,
    };
    let points = PermissionSet::decode(&app.permissions);
    if state.catalog.highest_level(&points) == Some(Level::Organization)
        && !role.is_some_and(Role::is_admin)
    {
        return Err(Refusal(both(
            crate::manage::TEAM_LEVEL_REFUSAL,
            "该应用声明了团队/企业级权限，只有团队/企业的超级管理员或管理员可以授权。",
        )));
    }
    if state.catalog.needs_operator(&points) && !user.is_super_admin {
        return Err(refuse(
            "This app declares operator permissions; only a super admin of this installation can authorize it.",
            "该应用声明了运维权限，只有本实例的超级管理员可以授权。",
        ));
    }
    let now = state.clock.now();
    let mut g = Grant {
        id: buckle_core::ids::new_id(),
        app_id: app.id,
        kind: GrantKind::Obo,
        owner: GrantOwner::Account(AccountId(user.id)),
        // The person is a member of it (checked above), so it exists and its id parses.
        edition: match &edition {
            Some(org) => Some(
                OrgId::parse(org)
                    .ok_or_else(|| refuse("Service internal error.", "服务内部错误。"))?,
            ),
            None => None,
        },
        permissions: points.encode(),
        all_workspaces: pinned_workspace.is_none(),
        workspace_ids: pinned_workspace.map(|w| w.to_string()).unwrap_or_default(),
        created_by: user.id,
        created_at: now,
    };
    g.id = state.store.upsert_grant(&g).await.map_err(store_err)?;
    if let Some(org) = &edition
        && app.org_id.as_deref() != Some(org.as_str())
    {
        let status = if role.is_some_and(Role::is_admin) {
            InstallStatus::Installed
        } else {
            InstallStatus::Requested
        };
        state
            .store
            .upsert_installation(app.id, org, status, user.id, now)
            .await
            .map_err(store_err)?;
    }
    AuditEvent::new(AuditKind::AuthorizationGranted)
        .by(user.id, None)
        .in_org(edition.as_deref())
        .target(app.client_id.clone())
        .detail(serde_json::json!({
            "name": app.name,
            "kind": GrantKind::Obo,
            "authorization_id": g.id.to_string(),
            "permissions": PermissionSet::decode(&g.permissions).names(),
            "all_workspaces": g.all_workspaces,
            "workspace_ids": g.workspace_ids.split_whitespace().collect::<Vec<_>>(),
        }))
        .record(state)
        .await;
    Ok(g)
}

/// The app's permission points as `<li>` items, with the catalog's descriptions.
pub fn permission_items(state: &AppState, app: &OAuthApp) -> String {
    PermissionSet::decode(&app.permissions)
        .iter()
        .map(|name| {
            let (en, zh) = state
                .catalog
                .get(name)
                .map(|p| (p.description.as_str(), p.description_zh.as_str()))
                .unwrap_or_default();
            format!(
                "<li class=\"perm\"><code>{}</code> {}</li>",
                esc(name),
                both(en, zh)
            )
        })
        .collect()
}

/// The part of a consent page that names the app, its permissions and the edition
/// choice (or the pinned workspace, refused unless `user` is a member of it).
pub async fn describe(
    state: &AppState,
    app: &OAuthApp,
    user: &Account,
    pinned_workspace: Option<i64>,
) -> Result<String, Refusal> {
    let mut html = format!(
        "<p>{} <strong>{}</strong></p>",
        both("This app asks to act for you:", "该应用请求代表你访问："),
        esc(&app.name)
    );
    if !app.description.is_empty() {
        html.push_str(&format!("<p class=\"muted\">{}</p>", esc(&app.description)));
    }
    html.push_str(&format!("<p>{}</p><ul>", both("Permissions", "权限")));
    html.push_str(&permission_items(state, app));
    html.push_str("</ul>");
    match pinned_workspace {
        Some(ws) => {
            let name = member_workspace(state, ws, user).await?.name;
            html.push_str(&format!(
                "<p>{} <strong>{}</strong></p>",
                both("Workspace:", "工作空间："),
                esc(&name)
            ));
        }
        None => {
            let orgs = state
                .store
                .organizations_of(user.id)
                .await
                .unwrap_or_default();
            html.push_str(&format!(
                "<label for=\"edition\">{}</label><select id=\"edition\" name=\"edition\"><option value=\"\">{}</option>",
                both("Authorize in", "授权范围"),
                both("Personal edition: all my workspaces", "个人版：我的全部工作空间")
            ));
            for o in orgs {
                html.push_str(&format!(
                    "<option value=\"{}\">{} ({})</option>",
                    esc(&o.id),
                    esc(&o.name),
                    esc(&o.kind)
                ));
            }
            html.push_str("</select>");
        }
    }
    Ok(html)
}
