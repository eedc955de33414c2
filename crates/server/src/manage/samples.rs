//! An app's sample files: `GET .../samples` previews the configuration (never a
//! secret), `POST .../samples` answers with the zip. The rules are in
//! `service::samples`.

use super::Actor;
use super::apps::POINT;
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::{Json, Path};
use crate::samples::{Language, SampleConfig, SampleZip};
use crate::service::samples::{self as service, SampleRequest, SecretChoice};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an app's sample holds before download, and what a download may choose.
#[derive(Debug, Serialize, ToSchema)]
pub struct SamplePreview {
    /// `coze_oauth_config.json` as downloaded, less the client secret.
    config: SampleConfig,
    languages: Vec<Language>,
    /// The app's redirect URIs (web and PKCE apps); `config` has the preferred one.
    redirect_uris: Vec<String>,
    /// The fingerprints of the app's public keys, newest first (service apps).
    public_key_ids: Vec<String>,
    /// Whether a download needs `client_secret` or `new_client_secret` (web apps).
    needs_client_secret: bool,
}

/// `GET /api/manage/apps/{app_id}/samples`.
#[utoipa::path(
    get,
    path = "/api/manage/apps/{app_id}/samples",
    summary = "Preview an OAuth app's sample files: its configuration, never a secret or private key",
    params(("app_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = crate::error::Success<SamplePreview>), EnvelopeErrors)
)]
pub async fn preview(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
) -> ApiResult<SamplePreview> {
    actor.require(POINT)?;
    let p = service::preview(&state, &actor, &app_id).await?;
    let needs_client_secret = p.config.client_type == "web";
    ok(SamplePreview {
        config: p.config,
        languages: Language::ALL.to_vec(),
        redirect_uris: p.redirect_uris,
        public_key_ids: p.key_ids,
        needs_client_secret,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"language": "python", "client_secret": "the app's current secret"}))]
pub struct SampleDownload {
    language: Language,
    /// A web app's current client secret (checked); it goes into the sample.
    #[serde(default)]
    client_secret: Option<String>,
    /// A web app only: make a new client secret for the sample. The current one
    /// stops working at once; sending `true` is the confirmation.
    #[serde(default)]
    new_client_secret: bool,
    /// One of the app's redirect URIs; absent: the first on this machine, else the first.
    #[serde(default)]
    redirect_uri: Option<String>,
    /// One of the app's key fingerprints; absent: the newest key.
    #[serde(default)]
    public_key_id: Option<String>,
}

impl std::fmt::Debug for SampleDownload {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampleDownload")
            .field("language", &self.language)
            .field("new_client_secret", &self.new_client_secret)
            .finish_non_exhaustive()
    }
}

/// A sample's zip, for the OpenAPI document (binary, not JSON).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct SampleZipFile(#[allow(dead_code)] Vec<u8>);

/// The zip as an attachment.
pub fn zip_response(made: SampleZip) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", made.file_name);
    let mut resp = made.bytes.into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `POST /api/manage/apps/{app_id}/samples`: the sample's zip.
#[utoipa::path(
    post,
    path = "/api/manage/apps/{app_id}/samples",
    summary = "Download an OAuth app's sample files (zip) in Python, JavaScript, Go or Java",
    description = "A web app's sample needs its client secret: the current one in `client_secret` \
        (checked), or `new_client_secret: true`, which makes a new one and makes the current one \
        stop working at once (owner or admins only). A service app's sample names a public key; \
        its private key is never in the zip.",
    params(("app_id" = String, Path)),
    request_body = SampleDownload,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The zip of the sample", content_type = "application/zip", body = SampleZipFile),
        EnvelopeErrors
    )
)]
pub async fn download(
    State(state): State<AppState>,
    actor: Actor,
    Path(app_id): Path<String>,
    Json(body): Json<SampleDownload>,
) -> Result<Response, ApiError> {
    actor.require(POINT)?;
    let secret = match (body.client_secret, body.new_client_secret) {
        (Some(_), true) => {
            return Err(ApiError::bad_request(
                "Send either client_secret or new_client_secret, not both.",
            ));
        }
        (Some(s), false) => SecretChoice::Entered(s),
        (None, true) => SecretChoice::New,
        (None, false) => SecretChoice::None,
    };
    let made = service::download(
        &state,
        &actor,
        &app_id,
        SampleRequest {
            language: body.language,
            secret,
            redirect_uri: body.redirect_uri,
            public_key_id: body.public_key_id,
        },
    )
    .await?;
    Ok(zip_response(made))
}
