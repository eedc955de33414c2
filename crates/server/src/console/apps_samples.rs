//! The "Sample files" section of an app's page: the configuration the sample
//! will hold (never a secret or private key), and the form that downloads the
//! zip. A web app's sample needs the client secret: the person enters the
//! current one, or has a new one made, which first asks on a page of its own
//! (the current secret stops working at once).

use super::apps::{AppInPath, SpaceQuery, app_in_space, app_path, may_manage};
use super::apps_edit::{Outcome, show_page};
use super::context::{Answer, Console, OrRefusal, Section};
use crate::AppState;
use crate::api_doc::PageAnswers;
use crate::manage::samples::zip_response;
use crate::samples::{CONFIG_FILE, DEFAULT_REDIRECT_URI, Flow, Language, PRIVATE_KEY_FILE};
use crate::service::ServiceError;
use crate::service::samples::{self, Preview, SampleRequest, SecretChoice};
use crate::web::Key;
use crate::web::form::PageForm;
use crate::web::page::{Frame, render};
use crate::web::refusal;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use buckle_core::Role;
use buckle_store::OAuthApp;
use serde::Deserialize;
use utoipa::ToSchema;

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A refused download, said next to its field.
pub struct SampleError {
    pub field: &'static str,
    pub message: String,
}

/// What the section shows.
pub struct SampleSection {
    pub action: String,
    /// `coze_oauth_config.json` as it will be, without the secret.
    pub config: String,
    pub config_file: &'static str,
    pub intro: String,
    pub files: String,
    pub languages: Vec<Choice>,
    pub redirect_uris: Vec<Choice>,
    pub key_ids: Vec<Choice>,
    /// A web app: the secret fields.
    pub is_web: bool,
    /// Whether the person may have a new secret made (owner or admins).
    pub may_new_secret: bool,
    pub new_secret_chosen: bool,
    /// Why a download cannot work yet (no redirect URI, no key).
    pub blocked: Option<String>,
    /// A redirect URI that the sample cannot serve as written (not local).
    pub redirect_note: Option<String>,
    pub error: Option<SampleError>,
}

impl SampleSection {
    pub fn error_of(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// What the person chose last (kept after a refused download).
#[derive(Default)]
pub struct Chosen {
    pub language: Option<Language>,
    pub redirect_uri: Option<String>,
    pub public_key_id: Option<String>,
    pub new_secret: bool,
}

/// Builds the section for `app`'s page.
pub async fn sample_section(
    state: &AppState,
    console: &Console,
    app: &OAuthApp,
    role: Option<Role>,
    chosen: Chosen,
    error: Option<SampleError>,
) -> Result<SampleSection, ServiceError> {
    let lang = console.lang;
    let Preview {
        config,
        redirect_uris,
        key_ids,
    } = samples::preview_of(state, app).await?;
    let flow = config.flow();
    let redirect = chosen
        .redirect_uri
        .clone()
        .or_else(|| config.redirect_uri.clone());
    let key = chosen
        .public_key_id
        .clone()
        .or_else(|| config.public_key_id.clone());
    let choices = |all: &[String], selected: &Option<String>| -> Vec<Choice> {
        all.iter()
            .map(|v| Choice {
                value: v.clone(),
                label: v.clone(),
                selected: Some(v) == selected.as_ref(),
            })
            .collect()
    };
    let blocked = match flow {
        Flow::Web | Flow::Pkce if redirect_uris.is_empty() => {
            Some(lang.t("samples.no_redirect").to_string())
        }
        Flow::Jwt if key_ids.is_empty() => Some(lang.t("samples.no_key").to_string()),
        _ => None,
    };
    let redirect_note = redirect
        .as_deref()
        .filter(|u| flow.uses_redirect() && !crate::samples::is_local_redirect(u))
        .map(|_| {
            lang.fill(
                Key("samples.redirect_note"),
                &[("uri", DEFAULT_REDIRECT_URI)],
            )
        });
    let intro = match flow {
        Flow::Web => lang.t("samples.intro_web"),
        Flow::Pkce => lang.t("samples.intro_pkce"),
        Flow::Device => lang.t("samples.intro_device"),
        Flow::Jwt => lang.t("samples.intro_jwt"),
    };
    let intro = intro
        .replace("{config}", CONFIG_FILE)
        .replace("{key}", PRIVATE_KEY_FILE);
    let files = lang.t("samples.files").replace("{config}", CONFIG_FILE);
    let mut shown = config.clone();
    shown.redirect_uri = redirect.clone().filter(|_| flow.uses_redirect());
    shown.public_key_id = key.clone().filter(|_| flow == Flow::Jwt);
    let language = chosen.language.unwrap_or(Language::Python);
    Ok(SampleSection {
        action: console.href(&app_path(&app.client_id, "/samples")),
        config: shown.to_file(),
        config_file: CONFIG_FILE,
        intro,
        files,
        languages: Language::ALL
            .into_iter()
            .map(|l| Choice {
                value: l.as_str().to_string(),
                label: l.label().to_string(),
                selected: l == language,
            })
            .collect(),
        redirect_uris: if flow.uses_redirect() {
            choices(&redirect_uris, &redirect)
        } else {
            Vec::new()
        },
        key_ids: if flow == Flow::Jwt {
            choices(&key_ids, &key)
        } else {
            Vec::new()
        },
        is_web: flow == Flow::Web,
        may_new_secret: may_manage(role),
        new_secret_chosen: chosen.new_secret,
        blocked,
        redirect_note,
        error,
    })
}

#[derive(Deserialize, ToSchema)]
#[schema(as = SampleForm)]
#[serde(deny_unknown_fields)]
pub struct DownloadForm {
    csrf: String,
    /// `python`, `javascript`, `go` or `java`.
    #[serde(default)]
    language: String,
    #[serde(default)]
    redirect_uri: Option<String>,
    #[serde(default)]
    public_key_id: Option<String>,
    /// Web apps: `entered` (the `client_secret` field) or `new`.
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
    /// Set by the confirmation page of a new secret.
    #[serde(default)]
    confirmed: Option<String>,
}

impl std::fmt::Debug for DownloadForm {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadForm")
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

#[derive(Template)]
#[template(path = "console/apps_samples_confirm.html")]
struct ConfirmNewSecret {
    frame: Frame,
    csrf: String,
    question: String,
    warning: String,
    action: String,
    back: String,
    language: String,
    redirect_uri: String,
}

#[utoipa::path(
    post,
    path = "/console/apps/{client_id}/samples",
    summary = "Download an OAuth app's sample files (zip); a new web app secret asks first",
    params(AppInPath, SpaceQuery),
    request_body(content = DownloadForm, content_type = "application/x-www-form-urlencoded"),
    security(("session" = [])),
    responses(
        PageAnswers,
        (status = 200, description = "The zip, or the page that asks before a new secret",
            content(
                (crate::manage::samples::SampleZipFile = "application/zip"),
                (String = "text/html")
            ))
    )
)]
pub async fn download(
    State(state): State<AppState>,
    console: Console,
    Path(client_id): Path<String>,
    PageForm(form): PageForm<DownloadForm>,
) -> Answer {
    console.check_csrf(&form.csrf)?;
    let (app, role) = app_in_space(&state, &console, &client_id).await?;
    let lang = console.lang;
    let language = Language::parse(&form.language);
    let is_web = app.client_type.has_secret();
    let new_secret = is_web && form.secret.as_deref() == Some("new");
    let chosen = Chosen {
        language,
        redirect_uri: form.redirect_uri.clone().filter(|u| !u.is_empty()),
        public_key_id: form.public_key_id.clone().filter(|k| !k.is_empty()),
        new_secret,
    };
    let refuse = async |chosen: Chosen, error: SampleError, status: StatusCode| {
        let section = sample_section(&state, &console, &app, role, chosen, Some(error))
            .await
            .or_refusal(&console)?;
        let outcome = Outcome {
            status,
            sample: Some(section),
            ..Outcome::plain()
        };
        show_page(&state, &console, &app, role, outcome).await
    };
    let Some(language) = language else {
        let error = SampleError {
            field: "language",
            message: lang.t("samples.choose_language").to_string(),
        };
        return refuse(chosen, error, StatusCode::BAD_REQUEST).await;
    };
    if new_secret && form.confirmed.is_none() {
        if !may_manage(role) {
            let error = SampleError {
                field: "client_secret",
                message: lang.t("samples.new_secret_admins").to_string(),
            };
            return refuse(chosen, error, StatusCode::FORBIDDEN).await;
        }
        let name = [("name", app.name.as_str())];
        return Ok(render(
            StatusCode::OK,
            &ConfirmNewSecret {
                frame: console.frame(Key("samples.new_secret_title"), Section::Apps),
                csrf: console.csrf.clone(),
                question: lang.fill(Key("samples.new_secret_question"), &name),
                warning: lang.fill(Key("samples.new_secret_warning"), &name),
                action: console.href(&app_path(&app.client_id, "/samples")),
                back: console.href(&app_path(&app.client_id, "")),
                language: language.as_str().to_string(),
                redirect_uri: form.redirect_uri.clone().unwrap_or_default(),
            },
        ));
    }
    let entered = form.client_secret.clone().unwrap_or_default();
    let secret = match (is_web, new_secret) {
        (false, _) => SecretChoice::None,
        (true, true) => SecretChoice::New,
        (true, false) => SecretChoice::Entered(entered.clone()),
    };
    let request = SampleRequest {
        language,
        secret,
        redirect_uri: chosen.redirect_uri.clone(),
        public_key_id: chosen.public_key_id.clone(),
    };
    match samples::download(&state, &console.caller, &app.client_id, request).await {
        Ok(made) => Ok(zip_response(made)),
        Err(e) => {
            let key = match e.field() {
                Some("client_secret") if entered.trim().is_empty() => "samples.secret_needed",
                Some("client_secret") => "samples.secret_wrong",
                Some("redirect_uri") => "samples.no_redirect",
                Some("public_key_id") => "samples.no_key",
                _ => return Err(console.refused(&e)),
            };
            let field = e.field().unwrap_or("language");
            let error = SampleError {
                field,
                message: lang.t(key).to_string(),
            };
            refuse(chosen, error, refusal::status_for(&e)).await
        }
    }
}
