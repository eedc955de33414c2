//! RFC 7662 token introspection for resource servers other than Buckle.
//! The caller authenticates with its own bearer token holding `Token.introspect`.

use crate::AppState;
use crate::api_doc::OAuthErrors;
use crate::auth::{Credential, bearer};
use crate::error::OAuthError;
use axum::Form;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use buckle_core::TokenKind;
use buckle_core::reach::{Subject, Workspaces};
use buckle_core::{BotId, OrgId, Role, WorkspaceId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const PATH: &str = "/api/permission/oauth2/introspect";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(introspect))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = Introspect)]
struct IntrospectForm {
    token: String,
    #[allow(dead_code)]
    token_type_hint: Option<String>,
}

/// The introspection answer for an active token (RFC 7662 §2.2); an inactive
/// one is `{"active": false}` alone. Serialized as it stands, every member
/// present (null when the token has none), without building a JSON tree first:
/// resource servers call this on every request they serve. (Members other than
/// `active` are not required in the schema, which also describes the inactive
/// answer.)
#[derive(Serialize, ToSchema)]
pub struct IntrospectionResponse<'a> {
    active: bool,
    #[schema(required = false)]
    token_type: &'static str,
    client_id: Option<&'a str>,
    #[schema(required = false)]
    sub: String,
    username: Option<String>,
    /// The permission points, space-separated.
    #[schema(required = false)]
    scope: String,
    #[schema(required = false)]
    permission_list: &'a [String],
    #[schema(value_type = Option<String>)]
    organization_id: Option<&'a OrgId>,
    #[schema(required = false)]
    all_workspaces: bool,
    #[schema(value_type = Option<Vec<String>>)]
    workspace_ids: Option<Vec<WorkspaceId>>,
    /// The bots a channel token reaches; null: not narrowed to bots.
    #[schema(value_type = Option<Vec<String>>)]
    bot_ids: Option<&'a [BotId]>,
    session_name: Option<&'a str>,
    device_info: Option<DeviceInfo<'a>>,
    #[schema(required = false)]
    iat: i64,
    /// Null for a token that never expires.
    exp: Option<i64>,
}

/// What the token's JWT carried in `session_context.device_info`.
#[derive(Serialize, ToSchema)]
pub struct DeviceInfo<'a> {
    device_id: Option<&'a str>,
    custom_consumer: Option<&'a str>,
}

#[utoipa::path(
    post,
    path = "/api/permission/oauth2/introspect",
    summary = "RFC 7662 introspection; form field token; caller needs Token.introspect",
    request_body(content = IntrospectForm, content_type = "application/x-www-form-urlencoded"),
    security(("bearer" = [])),
    responses((status = 200, description = "Success", body = IntrospectionResponse), OAuthErrors)
)]
async fn introspect(State(state): State<AppState>, req: Request) -> Response {
    match run(&state, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn run(state: &AppState, req: Request) -> Result<Response, OAuthError> {
    let (parts, body) = req.into_parts();
    let unauthorized =
        |m: &str| OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", m.to_string());
    let caller_token = bearer(&parts)
        .ok_or_else(|| {
            unauthorized(
                "Authenticate with Authorization: Bearer <token holding Token.introspect>.",
            )
        })?
        .to_string();
    let caller = Credential::verify(state, &caller_token)
        .await
        .map_err(|_| unauthorized("The caller's token is invalid, expired or revoked."))?;
    let allowed = caller.reach().points.contains("Token.introspect")
        && match caller.account_id {
            // A person's grant holds only while they are still a super admin.
            Some(person) => caller
                .account_profile(state, person)
                .await
                .ok()
                .flatten()
                .is_some_and(|a| a.is_super_admin),
            None => true,
        };
    if !allowed {
        return Err(OAuthError::new(
            StatusCode::FORBIDDEN,
            "access_deny",
            "The caller's token lacks the Token.introspect permission.",
        ));
    }
    let req = Request::from_parts(parts, body);
    let Form(form) = Form::<IntrospectForm>::from_request(req, state)
        .await
        .map_err(|_| {
            OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "invalid request: token",
            )
        })?;
    let inactive = || {
        Ok((
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            )],
            r#"{"active":false}"#,
        )
            .into_response())
    };
    let Ok(cred) = Credential::verify(state, &form.token).await else {
        return inactive();
    };
    // An OBO token of an organization that has not installed its app reaches nothing.
    if cred.not_installed() {
        return inactive();
    }
    let token_type = match cred.kind {
        TokenKind::Personal => "personal_access_token",
        TokenKind::Service => "service_access_token",
        TokenKind::UserOauth => "user_access_token",
        _ => "app_access_token",
    };
    let sub = match cred.account_id {
        Some(id) => id.to_string(),
        None => format!("service:{}", cred.id),
    };
    let username = match cred.account_id {
        Some(id) => cred
            .account_profile(state, id)
            .await
            .ok()
            .flatten()
            .map(|a| a.user_name.clone()),
        None => Some(cred.name().to_string()),
    };
    let all = matches!(cred.reach().workspaces, Workspaces::All);
    // A person's token reaches, now, what the grant allows AND what the person may
    // do now; resource servers get that, not the declaration alone.
    let (points, workspace_ids) = match (cred.reach().subject, cred.account_id) {
        (Subject::Person, Some(person)) => {
            let now_in: Vec<WorkspaceId> = state
                .credentials
                .workspaces_of(&state.store, person, cred.org_id.as_ref())
                .await
                .unwrap_or_default()
                .iter()
                .copied()
                .filter(|id| cred.reach().workspaces.includes(*id))
                .collect();
            let admin = match &cred.org_id {
                Some(org) => state
                    .credentials
                    .role(&state.store, org, person)
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(Role::is_admin),
                None => false,
            };
            let points = if admin {
                cred.reach().points.clone()
            } else {
                cred.points_below_organization(&state.catalog)
            };
            (points, Some(now_in))
        }
        _ => (
            cred.reach().points.clone(),
            match &cred.reach().workspaces {
                Workspaces::All => None,
                Workspaces::List(ids) => Some(ids.clone()),
            },
        ),
    };
    let o = cred.oauth();
    let device_info = o.and_then(|o| {
        (o.device_id.is_some() || o.custom_consumer.is_some()).then_some(DeviceInfo {
            device_id: o.device_id.as_deref(),
            custom_consumer: o.custom_consumer.as_deref(),
        })
    });
    let scope = points.encode();
    Ok(crate::error::json(
        StatusCode::OK,
        &IntrospectionResponse {
            active: true,
            token_type,
            client_id: o.map(|o| o.client_id.as_str()),
            sub,
            username,
            scope,
            permission_list: points.names(),
            organization_id: cred.org_id.as_ref(),
            all_workspaces: all,
            workspace_ids,
            bot_ids: match &cred.reach().bots {
                buckle_core::Bots::List(ids) => Some(ids.as_slice()),
                buckle_core::Bots::All => None,
            },
            session_name: o.and_then(|o| o.session_name.as_deref()),
            device_info,
            iat: cred.created_at,
            exp: cred.expires_at,
        },
    ))
}
