//! The list of a space's tokens: name, what it reaches, when it expires and was
//! last used; never a secret (only its hint).

use super::Kind;
use crate::AppState;
use crate::console::context::{Answer, Console, OrRefusal};
use crate::web::page::render;
use crate::web::when::moment;
use crate::web::{Frame, Key};
use askama::Template;
use axum::http::StatusCode;
use buckle_core::PermissionSet;

pub struct Row {
    pub name: String,
    pub hint: String,
    pub points: Vec<String>,
    pub workspaces: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub expired: bool,
    pub edit_href: String,
    pub delete_href: String,
    /// An admin's organization PAT: whether it reaches their own personal
    /// account-level resources, and where the switch posts.
    pub personal_access: Option<(bool, String)>,
}

#[derive(Template)]
#[template(path = "console/tokens_list.html")]
struct ListPage {
    frame: Frame,
    intro: &'static str,
    new_href: String,
    rows: Vec<Row>,
    csrf: String,
}

pub async fn show(state: &AppState, console: Console, kind: Kind) -> Answer {
    kind.check_space(&console)?;
    let lang = console.lang;
    let tokens = kind.list(state, &console).await.or_refusal(&console)?;
    let now = state.clock.now();
    let never = lang.t("console.never");
    // Only an organization's admins have the personal access switch.
    let switchable =
        kind == Kind::Personal && !console.space.is_personal() && console.space.is_admin();
    let mut switches = Vec::with_capacity(tokens.len());
    for t in &tokens {
        switches.push(if switchable {
            let on = crate::service::workspace_moves::token_personal_access(
                state,
                &console.caller,
                t.id,
            )
            .await
            .or_refusal(&console)?;
            Some((
                on,
                console.href(&format!("/console/tokens/{}/personal-access", t.id)),
            ))
        } else {
            None
        });
    }
    let rows = tokens
        .into_iter()
        .zip(switches)
        .map(|(t, personal_access)| {
            let workspaces = if t.all_workspaces {
                lang.t("tokens.all_workspaces").to_string()
            } else {
                lang.fill(
                    Key("tokens.some_workspaces"),
                    &[("n", &t.workspace_ids.len().to_string())],
                )
            };
            let expires = match t.expires_at {
                Some(at) => moment(at),
                None => lang.t("console.permanent").to_string(),
            };
            let id = t.id.to_string();
            Row {
                points: PermissionSet::decode(&t.permissions).names().to_vec(),
                workspaces,
                created: moment(t.created_at),
                expired: t.expires_at.is_some_and(|at| at <= now),
                expires,
                last_used: t.last_used_at.map_or_else(|| never.to_string(), moment),
                edit_href: console.href(&format!("{}/{id}/edit", kind.base())),
                delete_href: console.href(&format!("{}/{id}/delete", kind.base())),
                name: t.name,
                hint: t.hint,
                personal_access,
            }
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            frame: console.frame(kind.key("title"), kind.section()),
            intro: lang.t(kind.key("intro").0),
            new_href: console.href(&format!("{}/new", kind.base())),
            rows,
            csrf: console.csrf.clone(),
        },
    ))
}
