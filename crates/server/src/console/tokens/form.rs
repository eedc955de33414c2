//! Making and editing a token: one form (name, lifetime when made, workspaces,
//! permission points), errors next to their fields, the secret shown once.

use super::picker::CUSTOM;
use super::picker::{self, Lifetime, WorkspaceChoice};
use super::{Kind, token_id};
use crate::AppState;
use crate::console::context::{Answer, Console, OrRefusal};
use crate::console::permission_picker::PointGroup;
use crate::service::tokens::{GrantAsk, NewToken, TokenEdit};
use crate::service::workspaces;
use crate::web::form::FieldErrors;
use crate::web::page::render;
use crate::web::when::{day, end_of_day, moment};
use crate::web::{Frame, Key, refusal};
use askama::Template;
use axum::http::StatusCode;
use buckle_core::PermissionSet;
use buckle_core::expiry::DAY;
use serde::Deserialize;
use utoipa::ToSchema;

/// The token form as the browser sends it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenForm {
    pub csrf: String,
    pub name: String,
    /// `1h`, `1d`, `7d`, `30d`, ..., `permanent`, or `custom` (making only).
    pub expires_in: Option<String>,
    /// With `custom`: the last day the token works, `yyyy-mm-dd` (UTC).
    pub expires_on: Option<String>,
    /// `all` or `some`.
    pub workspaces: Option<String>,
    #[serde(default)]
    pub workspace_ids: Vec<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
}

impl TokenForm {
    fn all_workspaces(&self) -> bool {
        self.workspaces.as_deref() != Some("some")
    }

    fn grant(&self) -> GrantAsk {
        let all = self.all_workspaces();
        GrantAsk {
            permissions: self.permissions.clone(),
            all_workspaces: all,
            workspace_ids: if all {
                Vec::new()
            } else {
                self.workspace_ids.clone()
            },
        }
    }
}

/// The fields the form shows (errors about others go above it).
const FIELDS: [&str; 5] = [
    "name",
    "expires_in",
    "expires_on",
    "workspace_ids",
    "permissions",
];

#[derive(Template)]
#[template(path = "console/tokens_form.html")]
struct FormPage {
    frame: Frame,
    action: String,
    back: String,
    csrf: String,
    name: String,
    /// Empty when editing: a token's lifetime is set once.
    lifetimes: Vec<Lifetime>,
    /// The custom date as typed, and the days the picker offers (UTC).
    expires_on: String,
    first_day: String,
    last_day: Option<String>,
    all_workspaces: bool,
    workspaces: Vec<WorkspaceChoice>,
    groups: Vec<PointGroup>,
    errors: FieldErrors,
    general: Vec<String>,
    submit: &'static str,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// What the form shows: `form` as typed (or as stored, when editing).
async fn form_page(
    state: &AppState,
    console: &Console,
    kind: Kind,
    editing: Option<i64>,
    form: &TokenForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Answer {
    let lang = console.lang;
    let workspace_list = workspaces::list(state, &console.caller, console.space.org_id())
        .await
        .unwrap_or_default();
    let policy = picker::policy_of(state, console, kind).await;
    let lifetimes = match editing {
        Some(_) => Vec::new(),
        None => picker::lifetimes(lang, policy, form.expires_in.as_deref()),
    };
    let now = state.clock.now();
    let (title, action, submit) = match editing {
        Some(id) => (
            Key("tokens.edit_title"),
            format!("{}/{id}/edit", kind.base()),
            lang.t("console.save"),
        ),
        None => (
            kind.key("new_title"),
            format!("{}/new", kind.base()),
            lang.t("tokens.create"),
        ),
    };
    let general = errors
        .general(&FIELDS)
        .into_iter()
        .map(str::to_string)
        .collect();
    Ok(render(
        status,
        &FormPage {
            frame: console.frame(title, kind.section()),
            action: console.href(&action),
            back: console.href(kind.base()),
            csrf: console.csrf.clone(),
            name: form.name.clone(),
            lifetimes,
            expires_on: form.expires_on.clone().unwrap_or_default(),
            first_day: day(now),
            // The last whole day within the edition's longest lifetime.
            last_day: policy.max_seconds.map(|max| day(now + max - DAY)),
            all_workspaces: form.all_workspaces(),
            workspaces: picker::workspaces(workspace_list, &form.workspace_ids),
            groups: picker::groups(state, console, kind, &form.permissions),
            errors,
            general,
            submit,
        },
    ))
}

/// `GET .../new`.
pub async fn new(state: &AppState, console: Console, kind: Kind) -> Answer {
    kind.check_space(&console)?;
    let form = TokenForm {
        workspaces: Some("all".into()),
        ..TokenForm::default()
    };
    form_page(
        state,
        &console,
        kind,
        None,
        &form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Template)]
#[template(path = "console/tokens_created.html")]
struct CreatedPage {
    frame: Frame,
    name: String,
    secret: String,
    expires: String,
    back: String,
}

/// `POST .../new`: makes the token and shows its secret, once.
pub async fn create(state: &AppState, console: Console, kind: Kind, form: TokenForm) -> Answer {
    kind.check_space(&console)?;
    console.check_csrf(&form.csrf)?;
    let lang = console.lang;
    let mut errors = FieldErrors::default();
    // A custom date is the last day the token works; the rest are durations.
    let (expires_in, expires_at) = match form.expires_in.as_deref() {
        None | Some("") => {
            errors.add("expires_in", lang.t("tokens.choose_lifetime"));
            (None, None)
        }
        Some(CUSTOM) => match form.expires_on.as_deref().and_then(end_of_day) {
            Some(at) => (None, Some(at)),
            None => {
                errors.add("expires_on", lang.t("tokens.choose_date"));
                (None, None)
            }
        },
        Some(d) => (Some(d.to_string()), None),
    };
    if !errors.is_empty() {
        return form_page(
            state,
            &console,
            kind,
            None,
            &form,
            errors,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let req = NewToken {
        name: form.name.clone(),
        grant: form.grant(),
        expires_in,
        expires_at,
    };
    match kind.create(state, &console, req).await {
        Ok(issued) => Ok(render(
            StatusCode::OK,
            &CreatedPage {
                frame: console.frame(Key("tokens.created_title"), kind.section()),
                name: issued.token.name.clone(),
                expires: match issued.token.expires_at {
                    Some(at) => moment(at),
                    None => lang.t("console.permanent").to_string(),
                },
                secret: issued.secret,
                back: console.href(kind.base()),
            },
        )),
        Err(e) => {
            let status = refusal::status_for(&e);
            let errors = if e.field() == Some("expires_at") {
                // The service's word for the date picker's field.
                let mut errors = FieldErrors::default();
                errors.add("expires_on", refusal::localized(&e, lang));
                errors
            } else {
                FieldErrors::from_service(&e, lang)
            };
            form_page(state, &console, kind, None, &form, errors, status).await
        }
    }
}

/// `GET .../{token_id}/edit`.
pub async fn edit(state: &AppState, console: Console, kind: Kind, raw_id: &str) -> Answer {
    kind.check_space(&console)?;
    let found = match token_id(raw_id) {
        Ok(id) => kind.get(state, &console, id).await,
        Err(e) => Err(e),
    };
    let t = found.or_refusal(&console)?;
    let form = TokenForm {
        name: t.name.clone(),
        workspaces: Some(if t.all_workspaces { "all" } else { "some" }.into()),
        workspace_ids: t.workspace_ids.iter().map(|w| w.to_string()).collect(),
        permissions: PermissionSet::decode(&t.permissions).names().to_vec(),
        ..TokenForm::default()
    };
    form_page(
        state,
        &console,
        kind,
        Some(t.id),
        &form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST .../{token_id}/edit`.
pub async fn update(
    state: &AppState,
    console: Console,
    kind: Kind,
    raw_id: &str,
    form: TokenForm,
) -> Answer {
    kind.check_space(&console)?;
    console.check_csrf(&form.csrf)?;
    let id = token_id(raw_id).or_refusal(&console)?;
    if form.expires_in.is_some() || form.expires_on.as_deref().is_some_and(|d| !d.is_empty()) {
        let mut errors = FieldErrors::default();
        errors.add("", console.lang.t("tokens.lifetime_fixed"));
        return form_page(
            state,
            &console,
            kind,
            Some(id),
            &form,
            errors,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let grant = form.grant();
    let edit = TokenEdit {
        name: Some(form.name.clone()),
        permissions: Some(grant.permissions),
        all_workspaces: Some(grant.all_workspaces),
        workspace_ids: (!grant.all_workspaces).then_some(grant.workspace_ids),
    };
    match kind.update(state, &console, id, edit).await {
        Ok(_) => Ok(console.see_other(kind.base())),
        Err(e) if refusal::status_for(&e) == StatusCode::NOT_FOUND => Err(console.refused(&e)),
        Err(e) => {
            let status = refusal::status_for(&e);
            let errors = FieldErrors::from_service(&e, console.lang);
            form_page(state, &console, kind, Some(id), &form, errors, status).await
        }
    }
}
