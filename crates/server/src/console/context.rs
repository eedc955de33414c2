//! What every console page stands on: a signed-in person, the space they are
//! working in (their personal edition, or one organization they belong to, named by
//! `?org=` so every page's address says where it is), the spaces they could switch
//! to, and the navigation for that space.

use crate::AppState;
use crate::service::{Caller, ServiceError, organizations};
use crate::web::i18n::{Key, Lang};
use crate::web::page::{Frame, Notice, redirect_to_login};
use crate::web::refusal;
use crate::web::session::Visitor;
use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use buckle_core::secret::constant_time_eq;
use buckle_core::{OrgId, OrgKind, Role};
use serde::Deserialize;

/// Where a console page works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Space {
    Personal,
    Organization {
        id: OrgId,
        name: String,
        kind: OrgKind,
        role: Role,
    },
}

impl Space {
    /// The organization id, for services that take one (`None`: personal edition).
    pub fn org_id(&self) -> Option<&str> {
        self.org().map(OrgId::as_str)
    }

    /// The organization (`None`: personal edition).
    pub fn org(&self) -> Option<&OrgId> {
        match self {
            Space::Personal => None,
            Space::Organization { id, .. } => Some(id),
        }
    }

    /// Whether the person may manage this space (an organization's admins;
    /// everyone manages their own personal edition).
    pub fn is_admin(&self) -> bool {
        match self {
            Space::Personal => true,
            Space::Organization { role, .. } => matches!(role, Role::Admin | Role::SuperAdmin),
        }
    }

    pub fn is_personal(&self) -> bool {
        matches!(self, Space::Personal)
    }

    /// `path` in this space: `/console/tokens?org=7` (org ids need no escaping);
    /// a `#fragment` stays last.
    pub fn href(&self, path: &str) -> String {
        match self {
            Space::Personal => path.to_string(),
            Space::Organization { id, .. } => {
                let (path, fragment) = path.split_at(path.find('#').unwrap_or(path.len()));
                let sep = if path.contains('?') { '&' } else { '?' };
                format!("{path}{sep}org={id}{fragment}")
            }
        }
    }
}

/// One entry of the space switcher.
pub struct SpaceLink {
    pub name: String,
    pub href: String,
    pub current: bool,
}

/// One entry of the navigation.
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// The console's header: the switcher, the navigation, the account menu.
pub struct Nav {
    pub space_name: String,
    pub spaces: Vec<SpaceLink>,
    pub links: Vec<NavLink>,
    pub user_name: String,
    pub csrf: String,
}

/// The sections of the navigation; a page says which one it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Tokens,
    ServiceTokens,
    Apps,
    Channels,
    DeviceUsage,
    Installations,
    AuthorizedApps,
    Members,
    Workspaces,
    Organizations,
    Account,
}

#[derive(Deserialize)]
struct SpaceParam {
    org: Option<String>,
}

/// A console page's request: extracting it sends a signed-out visitor to sign in
/// and answers an organization the person is not in with a 404 page.
pub struct Console {
    pub lang: Lang,
    /// This request's path and query (where the language switch comes back to).
    pub here: String,
    pub caller: Caller,
    /// The token every form of this session carries.
    pub csrf: String,
    pub space: Space,
    /// Every space the person may switch to, this one included.
    memberships: Vec<(OrgId, String)>,
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Ok(visitor) = Visitor::from_request_parts(parts, state).await;
        let Some(session) = visitor.session else {
            return Err(redirect_to_login(&visitor.here));
        };
        let lang = visitor.lang;
        let not_found = || {
            Notice::text(
                StatusCode::NOT_FOUND,
                lang,
                Key("console.no_such_space_title"),
                lang.t("console.no_such_space").to_string(),
            )
        };
        // Other query parameters belong to the page; `org` twice is refused.
        let Ok(Query(param)) = Query::<SpaceParam>::from_request_parts(parts, state).await else {
            return Err(not_found());
        };
        let caller = Caller::person(session.account);
        let orgs = organizations::list(state, &caller)
            .await
            .map_err(|e| refusal::page(&e, lang))?;
        let space = match param.org {
            None => Space::Personal,
            Some(raw) => {
                let m = orgs
                    .iter()
                    .find(|m| m.id.as_str() == raw)
                    .ok_or_else(not_found)?;
                Space::Organization {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    kind: m.kind,
                    role: m.role,
                }
            }
        };
        Ok(Console {
            lang,
            here: visitor.here,
            caller,
            csrf: session.csrf_token,
            space,
            memberships: orgs.into_iter().map(|m| (m.id, m.name)).collect(),
        })
    }
}

/// What a console handler answers: its page, or the page that refuses (so a
/// handler reads as its steps, each refusal leaving with `?`).
pub type Answer = Result<Response, Response>;

/// A refused service call becomes the page that tells it.
pub trait OrRefusal<T> {
    fn or_refusal(self, console: &Console) -> Result<T, Response>;
}

impl<T> OrRefusal<T> for Result<T, ServiceError> {
    fn or_refusal(self, console: &Console) -> Result<T, Response> {
        self.map_err(|e| console.refused(&e))
    }
}

impl Console {
    /// Refuses a form without this session's CSRF token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), Response> {
        if constant_time_eq(sent, &self.csrf) {
            Ok(())
        } else {
            Err(Notice::text(
                StatusCode::FORBIDDEN,
                self.lang,
                Key("console.csrf_title"),
                self.lang.t("console.csrf").to_string(),
            ))
        }
    }

    /// The organization a page of organizations works in; the personal edition
    /// has no such page (404).
    pub fn require_org(&self) -> Result<&OrgId, Response> {
        self.space.org().ok_or_else(|| {
            Notice::text(
                StatusCode::NOT_FOUND,
                self.lang,
                Key("orgs.org_only_title"),
                self.t(Key("orgs.org_only")).to_string(),
            )
        })
    }

    /// The page that tells a refused service call, in the page's language.
    pub fn refused(&self, e: &ServiceError) -> Response {
        refusal::page(e, self.lang)
    }

    /// After a done action that takes the person out of the current space: on
    /// to `path` in their personal edition.
    pub fn see_other_outside(&self, path: &str) -> Response {
        (StatusCode::SEE_OTHER, [(LOCATION, path.to_string())]).into_response()
    }

    /// After a done action: on to `path` in the current space.
    pub fn see_other(&self, path: &str) -> Response {
        (StatusCode::SEE_OTHER, [(LOCATION, self.href(path))]).into_response()
    }

    /// The name of an organization the person belongs to.
    pub fn org_name(&self, id: &OrgId) -> Option<&str> {
        self.memberships
            .iter()
            .find(|(m, _)| m == id)
            .map(|(_, name)| name.as_str())
    }

    /// `path` in the current space.
    pub fn href(&self, path: &str) -> String {
        self.space.href(path)
    }

    /// The text of a message key in the page's language.
    pub fn t(&self, key: Key) -> &'static str {
        self.lang.t(key.0)
    }

    /// The frame of a console page titled `title`, in `section` of the navigation.
    pub fn frame(&self, title: Key, section: Section) -> Frame {
        let mut frame = Frame::for_lang(self.lang, &self.here, title);
        frame.nav = Some(self.nav(section));
        frame
    }

    fn nav(&self, section: Section) -> Nav {
        let lang = self.lang;
        let personal_name = lang.t("console.personal").to_string();
        let mut spaces = vec![SpaceLink {
            name: personal_name.clone(),
            href: "/".to_string(),
            current: self.space.is_personal(),
        }];
        spaces.extend(self.memberships.iter().map(|(id, name)| SpaceLink {
            name: name.clone(),
            href: format!("/?org={id}"),
            current: self.space.org_id() == Some(id.as_str()),
        }));
        let link = |path: &str, label: &str, s: Section| NavLink {
            href: self.href(path),
            label: lang.t(label),
            current: s == section,
        };
        let mut links = vec![
            link("/", "nav.home", Section::Home),
            link("/console/tokens", "nav.tokens", Section::Tokens),
        ];
        match &self.space {
            Space::Personal => {
                links.push(link("/console/apps", "nav.apps", Section::Apps));
                links.push(link("/console/channels", "nav.channels", Section::Channels));
                links.push(link(
                    "/console/authorized-apps",
                    "nav.authorized_apps",
                    Section::AuthorizedApps,
                ));
                links.push(link(
                    "/console/organizations",
                    "nav.organizations",
                    Section::Organizations,
                ));
            }
            Space::Organization { kind, .. } => {
                if self.space.is_admin() {
                    links.push(link(
                        "/console/service-tokens",
                        "nav.service_tokens",
                        Section::ServiceTokens,
                    ));
                }
                links.push(link("/console/apps", "nav.apps", Section::Apps));
                links.push(link("/console/channels", "nav.channels", Section::Channels));
                if matches!(kind, OrgKind::Enterprise) && self.space.is_admin() {
                    links.push(link(
                        "/console/device-usage",
                        "nav.device_usage",
                        Section::DeviceUsage,
                    ));
                }
                links.push(link(
                    "/console/installations",
                    "nav.installations",
                    Section::Installations,
                ));
                links.push(link("/console/members", "nav.members", Section::Members));
                links.push(link(
                    "/console/workspaces",
                    "nav.workspaces",
                    Section::Workspaces,
                ));
            }
        }
        links.push(NavLink {
            href: "/console/account".to_string(),
            label: lang.t("nav.account"),
            current: section == Section::Account,
        });
        Nav {
            space_name: match &self.space {
                Space::Personal => personal_name,
                Space::Organization { name, .. } => name.clone(),
            },
            spaces,
            links,
            user_name: self.caller.account.user_name.clone(),
            csrf: self.csrf.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organization_href_keeps_the_fragment_last() {
        let space = Space::Organization {
            id: OrgId::parse("7").expect("an org id"),
            name: "Acme".to_string(),
            kind: OrgKind::Enterprise,
            role: Role::Admin,
        };
        assert_eq!(space.href("/console/apps"), "/console/apps?org=7");
        assert_eq!(space.href("/a?b=1"), "/a?b=1&org=7");
        assert_eq!(space.href("/a?b=1#quotas"), "/a?b=1&org=7#quotas");
        assert_eq!(space.href("/a#top"), "/a?org=7#top");
        assert_eq!(Space::Personal.href("/a#top"), "/a#top");
    }
}
