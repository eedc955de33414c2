//! `GET /`: where a signed-in person lands: the space they are in and what they
//! can do next there.

use super::context::{Console, Section, Space};
use crate::web::Key;
use crate::web::page::render;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

/// A card of the overview: where to go and why.
struct Next {
    title: &'static str,
    text: &'static str,
    href: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    frame: crate::web::Frame,
    welcome: String,
    intro: String,
    role: Option<String>,
    next: Vec<Next>,
}

#[utoipa::path(
    get,
    path = "/",
    summary = "Console home page (signed-out visitors go to sign-in)",
    params(("org" = Option<String>, Query, description = "The team or enterprise to work in; absent: the personal edition")),
    security(()),
    responses(crate::api_doc::PageAnswers)
)]
pub async fn show(console: Console) -> Response {
    let lang = console.lang;
    let card = |title: &str, text: &str, path: &str| Next {
        title: lang.t(title),
        text: lang.t(text),
        href: console.href(path),
    };
    let mut next = vec![card(
        "home.tokens_title",
        "home.tokens_text",
        "/console/tokens",
    )];
    let (intro, role) = match &console.space {
        Space::Personal => {
            next.push(card("home.apps_title", "home.apps_text", "/console/apps"));
            next.push(card(
                "home.authorized_title",
                "home.authorized_text",
                "/console/authorized-apps",
            ));
            next.push(card(
                "home.orgs_title",
                "home.orgs_text",
                "/console/organizations",
            ));
            (lang.t("home.personal_intro").to_string(), None)
        }
        Space::Organization { name, role, .. } => {
            if console.space.is_admin() {
                next.push(card(
                    "home.sat_title",
                    "home.sat_text",
                    "/console/service-tokens",
                ));
            }
            next.push(card("home.apps_title", "home.apps_text", "/console/apps"));
            next.push(card(
                "home.install_title",
                "home.install_text",
                "/console/installations",
            ));
            next.push(card(
                "home.members_title",
                "home.members_text",
                "/console/members",
            ));
            let role_name = lang.t(&format!("console.role.{}", role.as_str()));
            (
                lang.fill(Key("home.org_intro"), &[("name", name)]),
                Some(lang.fill(Key("console.role"), &[("role", role_name)])),
            )
        }
    };
    let welcome = lang.fill(
        Key("home.welcome"),
        &[("name", console.caller.account.user_name.as_str())],
    );
    render(
        StatusCode::OK,
        &Home {
            frame: console.frame(Key("home.title"), Section::Home),
            welcome,
            intro,
            role,
            next,
        },
    )
}
