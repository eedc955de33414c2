//! Consent to an OBO app (authorization code, PKCE, device) for the consent page
//! and the device verification page: the rules are the service's
//! ([`crate::service::grants::consent`]); this maps its refusals to page words.

use crate::AppState;
use crate::console::page::{both, esc};
use crate::service::Caller;
use crate::service::grants::{self, ConsentRefusal};
use buckle_core::PermissionSet;
use buckle_core::policy;
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
    let caller = Caller::person(user.clone());
    grants::member_workspace(state, &caller, ws)
        .await
        .map_err(refusal)
}

/// The page's words for a consent refused by the service.
fn refusal(r: ConsentRefusal) -> Refusal {
    match r {
        ConsentRefusal::NotAMemberOfWorkspace => refuse(
            "That workspace does not exist, or you are not a member of it.",
            "该工作空间不存在，或你不是它的成员。",
        ),
        ConsentRefusal::NotAMemberOfOrganization => refuse(
            "You are not a member of that team/enterprise.",
            "你不是该团队/企业的成员。",
        ),
        ConsentRefusal::Policy(p @ policy::Refusal::TeamLevel) => refuse(
            &p.to_string(),
            "该应用声明了团队/企业级权限，只有团队/企业的超级管理员或管理员可以授权。",
        ),
        ConsentRefusal::Policy(policy::Refusal::OperatorApp | policy::Refusal::OperatorPoints) => {
            refuse(
                "This app declares operator permissions; only a super admin of this installation can authorize it.",
                "该应用声明了运维权限，只有本实例的超级管理员可以授权。",
            )
        }
        ConsentRefusal::Policy(_) | ConsentRefusal::Service(_) => {
            refuse("Service internal error.", "服务内部错误。")
        }
    }
}

/// Records the user's consent (see [`grants::consent`]) for the consent and
/// device pages. Returns the grant.
pub async fn grant(
    state: &AppState,
    app: &OAuthApp,
    user: &Account,
    edition: Option<&str>,
    pinned_workspace: Option<i64>,
) -> Result<Grant, Refusal> {
    let caller = Caller::person(user.clone());
    grants::consent(state, &caller, app, edition, pinned_workspace)
        .await
        .map_err(refusal)
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
