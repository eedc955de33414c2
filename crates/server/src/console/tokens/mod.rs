//! Access token pages: personal access tokens (`/console/tokens`, in any space)
//! and service access tokens (`/console/service-tokens`, an organization's admins).
//! Both kinds share the pages; [`Kind`] says which services they call.

pub mod delete;
pub mod form;
pub mod list;
pub mod picker;
pub mod routes;

use super::context::{Console, Section};
use crate::AppState;
use crate::service::tokens::{self, Issued, NewToken, TokenEdit};
use crate::service::{ServiceError, ServiceResult};
use crate::web::Key;
use crate::web::page::Notice;
use axum::http::StatusCode;
use axum::response::Response;
use buckle_store::AccessToken;

/// Which tokens a page is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Personal,
    Service,
}

impl Kind {
    /// The list's address; the other pages are under it.
    pub fn base(self) -> &'static str {
        match self {
            Kind::Personal => "/console/tokens",
            Kind::Service => "/console/service-tokens",
        }
    }

    pub fn section(self) -> Section {
        match self {
            Kind::Personal => Section::Tokens,
            Kind::Service => Section::ServiceTokens,
        }
    }

    /// The message key of a page's text, by kind: `tokens.*` or `sat.*`.
    pub fn key(self, name: &'static str) -> Key {
        Key(match (self, name) {
            (Kind::Personal, "title") => "tokens.title",
            (Kind::Personal, "intro") => "tokens.intro",
            (Kind::Personal, "new_title") => "tokens.new_title",
            (Kind::Service, "title") => "sat.title",
            (Kind::Service, "intro") => "sat.intro",
            (Kind::Service, "new_title") => "sat.new_title",
            _ => "tokens.title",
        })
    }

    /// Service tokens exist only in an organization, for its admins: elsewhere
    /// their pages answer with the page this refuses with, saying so.
    pub fn check_space(self, console: &Console) -> Result<(), Response> {
        if self == Kind::Personal {
            return Ok(());
        }
        let (status, text) = if console.space.is_personal() {
            (StatusCode::NOT_FOUND, "sat.only_in_org")
        } else if !console.space.is_admin() {
            (StatusCode::FORBIDDEN, "sat.only_admins")
        } else {
            return Ok(());
        };
        Err(Notice::text(
            status,
            console.lang,
            Key("sat.title"),
            console.lang.t(text).to_string(),
        ))
    }

    pub async fn list(
        self,
        state: &AppState,
        console: &Console,
    ) -> ServiceResult<Vec<AccessToken>> {
        match (self, console.space.org()) {
            (Kind::Personal, _) => {
                tokens::list_personal(state, &console.caller, console.space.org_id()).await
            }
            (Kind::Service, Some(org)) => tokens::list_service(state, &console.caller, org).await,
            (Kind::Service, None) => Err(token_not_found()),
        }
    }

    /// One token of this kind that the person may manage, in this space.
    pub async fn get(
        self,
        state: &AppState,
        console: &Console,
        id: i64,
    ) -> ServiceResult<AccessToken> {
        let t = match self {
            Kind::Personal => tokens::get_personal(state, &console.caller, id).await?,
            Kind::Service => tokens::get_service(state, &console.caller, id).await?.0,
        };
        // A page of one space never shows another's token.
        if t.org_id.as_ref() != console.space.org() {
            return Err(token_not_found());
        }
        Ok(t)
    }

    pub async fn create(
        self,
        state: &AppState,
        console: &Console,
        req: NewToken,
    ) -> ServiceResult<Issued> {
        match (self, console.space.org()) {
            (Kind::Personal, _) => {
                let org = console.space.org_id().map(str::to_string);
                tokens::create_personal(state, &console.caller, org, req).await
            }
            (Kind::Service, Some(org)) => {
                tokens::create_service(state, &console.caller, org, req).await
            }
            (Kind::Service, None) => Err(token_not_found()),
        }
    }

    pub async fn update(
        self,
        state: &AppState,
        console: &Console,
        id: i64,
        edit: TokenEdit,
    ) -> ServiceResult<AccessToken> {
        self.get(state, console, id).await?;
        match self {
            Kind::Personal => tokens::update_personal(state, &console.caller, id, edit).await,
            Kind::Service => tokens::update_service(state, &console.caller, id, edit).await,
        }
    }

    pub async fn delete(self, state: &AppState, console: &Console, id: i64) -> ServiceResult<()> {
        self.get(state, console, id).await?;
        match self {
            Kind::Personal => tokens::delete_personal(state, &console.caller, id).await,
            Kind::Service => tokens::delete_service(state, &console.caller, id).await,
        }
    }
}

fn token_not_found() -> ServiceError {
    ServiceError::not_found("Token not found.")
}

/// A token id from a page's address; anything else names no token.
pub fn token_id(raw: &str) -> ServiceResult<i64> {
    buckle_core::ids::parse_id(raw).ok_or_else(token_not_found)
}
