//! Personal access tokens (`pat_`) and service access tokens (`sat_`).

use super::{Actor, clean_name};
use crate::AppState;
use crate::api_doc::EnvelopeErrors;
use crate::audit::AuditEvent;
use crate::error::Empty;
use crate::error::Success;
use crate::error::{ApiError, ApiResult, ok};
use crate::extract::{Json, Path, Query, id};
use axum::extract::State;
use buckle_core::audit::AuditKind;
use buckle_core::catalog::Grant;
use buckle_core::expiry::{Expiry, ExpiryPolicy, parse_duration};
use buckle_core::policy::{self, Exceeds, Extent};
use buckle_core::reach::Subject;
use buckle_core::secret::{hash_secret, hint};
use buckle_core::{Level, PermissionSet, Role, TokenKind};
use buckle_store::{AccessToken, Account, TokenChanges, TokenKindDb};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::ToSchema;

/// domain.md's refusal, word for word, for team/enterprise-level points asked by a non-admin.
pub const TEAM_LEVEL_REFUSAL: &str = "This app declares permissions at the team/enterprise level; only a super admin or admin of the team/enterprise can authorize it.";

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    id: String,
    kind: &'static str,
    name: String,
    /// The last characters of the secret.
    last_chars: String,
    organization_id: Option<String>,
    permissions: Vec<String>,
    all_workspaces: bool,
    workspace_ids: Vec<String>,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    /// The secret itself: present only in the response that created the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

impl TokenOut {
    fn of(t: &AccessToken, secret: Option<String>) -> TokenOut {
        TokenOut {
            id: t.id.to_string(),
            kind: t.kind.as_str(),
            name: t.name.clone(),
            last_chars: t.hint.clone(),
            organization_id: t.org_id.clone(),
            permissions: PermissionSet::decode(&t.permissions).names().to_vec(),
            all_workspaces: t.all_workspaces,
            workspace_ids: t.workspace_ids.iter().map(i64::to_string).collect(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            token: secret,
        }
    }
}

/// An audit event about a token: what it grants, never its secret.
fn audited(actor: &Actor, kind: AuditKind, t: &AccessToken) -> AuditEvent {
    actor
        .audit(kind)
        .in_org(t.org_id.as_deref())
        .target(t.id.to_string())
        .detail(serde_json::json!({
            "token_kind": t.kind.as_str(),
            "name": t.name,
            "permissions": PermissionSet::decode(&t.permissions).names(),
            "all_workspaces": t.all_workspaces,
            "workspace_ids": t.workspace_ids.iter().map(i64::to_string).collect::<Vec<_>>(),
            "expires_at": t.expires_at,
        }))
}

/// What a credential grants, as asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct GrantRequest {
    pub permissions: Vec<String>,
    #[serde(default)]
    pub all_workspaces: bool,
    #[serde(default)]
    pub workspace_ids: Vec<String>,
}

/// Who grants: an account, and when a token (not a console session) makes the
/// call, the token's extent, which bounds what it may make, edit or delete.
pub struct Grantor<'a> {
    pub account: &'a Account,
    pub limit: Option<&'a Extent>,
}

impl<'a> Grantor<'a> {
    pub fn of(actor: &'a Actor) -> Grantor<'a> {
        Grantor {
            account: &actor.account,
            limit: actor.token.as_ref(),
        }
    }

    /// The grant policy: see `buckle_core::policy`.
    fn may_grant(&self, granted: &Extent) -> Result<(), ApiError> {
        policy::may_grant(self.limit, granted).map_err(super::exceeds)
    }
}

/// What a stored token reaches and until when.
fn extent_of(t: &AccessToken) -> Extent {
    Extent {
        points: PermissionSet::decode(&t.permissions),
        workspaces: super::workspaces_of(t.all_workspaces, &t.workspace_ids),
        edition: t.org_id.clone(),
        expires_at: t.expires_at,
    }
}

/// Checks a grant against the catalog, the grantor's roles and token, and the
/// edition's workspaces. `role` is the grantor's role in `org` (None in the
/// personal edition).
async fn check_grant(
    state: &AppState,
    grantor: &Grantor<'_>,
    subject: Subject,
    org: Option<&str>,
    role: Option<Role>,
    g: &GrantRequest,
) -> Result<(PermissionSet, bool, Vec<i64>), ApiError> {
    let points = state
        .catalog
        .parse_set(&g.permissions)
        .map_err(|e| ApiError::bad_request(format!("permissions: {e}.")))?;
    // A token acts only in its own edition: refuse before looking anything up.
    if let Some(limit) = grantor.limit
        && limit.edition.as_deref() != org
    {
        return Err(super::exceeds(Exceeds::Edition));
    }
    let grantor_account = grantor.account;
    if state.catalog.highest_level(&points) == Some(Level::Organization)
        && !role.is_some_and(Role::is_admin)
    {
        return Err(ApiError::forbidden(TEAM_LEVEL_REFUSAL));
    }
    if state.catalog.needs_operator(&points) && !grantor_account.is_super_admin {
        return Err(ApiError::forbidden(
            "Only a super admin of this Buckle installation may grant operator permissions.",
        ));
    }
    // Operator points (introspection) concern the installation, not a person's account.
    if subject == Subject::Service
        && points.iter().any(|p| {
            state
                .catalog
                .get(p)
                .is_some_and(|p| p.level == Level::Account && p.grant != Grant::Operator)
        })
    {
        return Err(ApiError::bad_request(
            "A service access token acts for no account: grant workspace or team/enterprise permissions only.",
        ));
    }
    let member = match subject {
        Subject::Person => Some(grantor_account.id),
        Subject::Service => None,
    };
    let ids =
        super::edition_workspaces(state, g.all_workspaces, &g.workspace_ids, org, member).await?;
    Ok((points, g.all_workspaces, ids))
}

fn read_expiry(
    expires_in: Option<&str>,
    expires_at: Option<i64>,
    policy: ExpiryPolicy,
    now: i64,
) -> Result<Expiry, ApiError> {
    let e = match (expires_in, expires_at) {
        (Some(d), None) => {
            parse_duration(d, now).map_err(|e| ApiError::bad_request(e.to_string()))?
        }
        (None, Some(t)) => Expiry::At(t),
        _ => {
            return Err(ApiError::bad_request(
                "Give exactly one of expires_in (1h, 1d, 7d, 30d, or permanent) and expires_at (Unix seconds).",
            ));
        }
    };
    policy
        .check(e, now)
        .map_err(|e| ApiError::bad_request(format!("{e}.")))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "ci", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}))]
#[schema(as = CreatePersonalAccessToken)]
pub struct CreatePersonal {
    pub name: String,
    /// The team or enterprise to make the token in; absent for the personal edition.
    pub organization_id: Option<String>,
    pub permissions: Vec<String>,
    #[serde(default)]
    pub all_workspaces: bool,
    #[serde(default)]
    pub workspace_ids: Vec<String>,
    /// 1h, 1d, 7d, 30d, ... or permanent.
    #[schema(example = "30d")]
    pub expires_in: Option<String>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
}

/// Issues a personal access token for `owner`; returns the secret once. Shared by
/// the API and the CLI.
pub async fn issue_personal(
    state: &AppState,
    grantor: &Grantor<'_>,
    req: CreatePersonal,
) -> Result<(String, AccessToken), ApiError> {
    let owner = grantor.account;
    let name = clean_name(&req.name, "name", 100)?;
    let now = state.clock.now();
    let (role, policy) = match &req.organization_id {
        Some(org_id) => {
            let role = state
                .store
                .role_in(org_id, owner.id)
                .await?
                .ok_or_else(|| ApiError::not_found("Organization not found."))?;
            let org = state
                .store
                .organization(org_id)
                .await?
                .ok_or_else(|| ApiError::not_found("Organization not found."))?;
            (Some(role), ExpiryPolicy::organization(org.token_max_days))
        }
        None => (
            None,
            ExpiryPolicy {
                max_seconds: Some(state.config.personal_token_max),
            },
        ),
    };
    let grant = GrantRequest {
        permissions: req.permissions,
        all_workspaces: req.all_workspaces,
        workspace_ids: req.workspace_ids,
    };
    let (points, all, ids) = check_grant(
        state,
        grantor,
        Subject::Person,
        req.organization_id.as_deref(),
        role,
        &grant,
    )
    .await?;
    let expiry = read_expiry(req.expires_in.as_deref(), req.expires_at, policy, now)?;
    grantor.may_grant(&Extent {
        points: points.clone(),
        workspaces: super::workspaces_of(all, &ids),
        edition: req.organization_id.clone(),
        expires_at: expiry.to_stored(),
    })?;
    let secret = TokenKind::Personal.generate();
    let t = AccessToken {
        id: buckle_core::ids::new_id(),
        kind: TokenKindDb::Personal,
        token_hash: hash_secret(&secret),
        hint: hint(&secret),
        name,
        account_id: Some(owner.id),
        org_id: req.organization_id,
        created_by: owner.id,
        permissions: points.encode(),
        all_workspaces: all,
        workspace_ids: ids,
        created_at: now,
        expires_at: expiry.to_stored(),
        last_used_at: None,
    };
    state.store.insert_token(&t).await?;
    Ok((secret, t))
}

/// `POST /api/manage/personal_access_tokens`.
#[utoipa::path(
    post,
    path = "/api/manage/personal_access_tokens",
    summary = "Create a personal access token; the secret is returned once (Manage.tokens)",
    request_body = CreatePersonal,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn create_personal(
    State(state): State<AppState>,
    actor: Actor,
    Json(body): Json<CreatePersonal>,
) -> ApiResult<TokenOut> {
    actor.require("Manage.tokens")?;
    let (secret, t) = issue_personal(&state, &Grantor::of(&actor), body).await?;
    audited(&actor, AuditKind::TokenCreated, &t)
        .record(&state)
        .await;
    ok(TokenOut::of(&t, Some(secret)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EditionParams {
    organization_id: Option<String>,
}

/// `GET /api/manage/personal_access_tokens[?organization_id=]`: never the secrets.
#[utoipa::path(
    get,
    path = "/api/manage/personal_access_tokens",
    summary = "The caller's personal access tokens in one edition; never the secrets",
    params(EditionParams),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<TokenOut>>), EnvelopeErrors)
)]
pub async fn list_personal(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<EditionParams>,
) -> ApiResult<Vec<TokenOut>> {
    actor.require("Manage.tokens")?;
    let all = state
        .store
        .personal_tokens_of(actor.account.id, q.organization_id.as_deref())
        .await?;
    ok(all.iter().map(|t| TokenOut::of(t, None)).collect())
}

async fn own_personal(state: &AppState, actor: &Actor, raw: &str) -> Result<AccessToken, ApiError> {
    let token_id = id(raw, "token id")?;
    state
        .store
        .token_by_id(token_id)
        .await?
        .filter(|t| t.kind == TokenKindDb::Personal && t.account_id == Some(actor.account.id))
        .ok_or_else(|| ApiError::not_found("Token not found."))
}

/// `GET /api/manage/personal_access_tokens/{token_id}`.
#[utoipa::path(
    get,
    path = "/api/manage/personal_access_tokens/{token_id}",
    summary = "One personal access token",
    params(("token_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn get_personal(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<TokenOut> {
    actor.require("Manage.tokens")?;
    let t = own_personal(&state, &actor, &token_id).await?;
    ok(TokenOut::of(&t, None))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "renamed", "permissions": ["Account.readProfile"]}))]
pub struct UpdateToken {
    name: Option<String>,
    permissions: Option<Vec<String>>,
    all_workspaces: Option<bool>,
    workspace_ids: Option<Vec<String>>,
}

/// Applies an edit (name, permissions, workspaces) with the same checks as creation.
async fn edit(
    state: &AppState,
    grantor: &Grantor<'_>,
    subject: Subject,
    role: Option<Role>,
    t: &AccessToken,
    body: UpdateToken,
) -> Result<AccessToken, ApiError> {
    // Editing a token is a power over it: a token may edit only tokens within it.
    grantor.may_grant(&extent_of(t))?;
    let name = body
        .name
        .as_deref()
        .map(|n| clean_name(n, "name", 100))
        .transpose()?;
    let ws_changed = body.all_workspaces.is_some() || body.workspace_ids.is_some();
    let grant = GrantRequest {
        permissions: body
            .permissions
            .clone()
            .unwrap_or_else(|| PermissionSet::decode(&t.permissions).names().to_vec()),
        all_workspaces: body
            .all_workspaces
            .unwrap_or(t.all_workspaces && body.workspace_ids.is_none()),
        workspace_ids: match &body.workspace_ids {
            Some(ids) => ids.clone(),
            None if body.all_workspaces == Some(true) => Vec::new(),
            None => t.workspace_ids.iter().map(i64::to_string).collect(),
        },
    };
    let (points, all, ids) =
        check_grant(state, grantor, subject, t.org_id.as_deref(), role, &grant).await?;
    grantor.may_grant(&Extent {
        points: points.clone(),
        workspaces: super::workspaces_of(all, &ids),
        edition: t.org_id.clone(),
        expires_at: t.expires_at,
    })?;
    let changes = TokenChanges {
        name,
        permissions: body.permissions.is_some().then(|| points.encode()),
        workspaces: ws_changed.then_some((all, ids)),
    };
    state.store.update_token(t.id, &changes).await?;
    state
        .store
        .token_by_id(t.id)
        .await?
        .ok_or_else(|| ApiError::not_found("Token not found."))
}

/// `PATCH /api/manage/personal_access_tokens/{token_id}`: name, permissions, workspaces.
#[utoipa::path(
    patch,
    path = "/api/manage/personal_access_tokens/{token_id}",
    summary = "Edit name, permissions, workspaces",
    params(("token_id" = String, Path)),
    request_body = UpdateToken,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn update_personal(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
    Json(body): Json<UpdateToken>,
) -> ApiResult<TokenOut> {
    actor.require("Manage.tokens")?;
    let t = own_personal(&state, &actor, &token_id).await?;
    let role = match &t.org_id {
        Some(org) => Some(actor.role_in(&state, org).await?),
        None => None,
    };
    let t = edit(
        &state,
        &Grantor::of(&actor),
        Subject::Person,
        role,
        &t,
        body,
    )
    .await?;
    audited(&actor, AuditKind::TokenEdited, &t)
        .record(&state)
        .await;
    ok(TokenOut::of(&t, None))
}

/// `DELETE /api/manage/personal_access_tokens/{token_id}`: the token stops working at once.
#[utoipa::path(
    delete,
    path = "/api/manage/personal_access_tokens/{token_id}",
    summary = "Delete; the token stops working at once",
    params(("token_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn delete_personal(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<Empty> {
    actor.require("Manage.tokens")?;
    let t = own_personal(&state, &actor, &token_id).await?;
    actor.may_grant(&extent_of(&t))?;
    state.store.delete_token(t.id).await?;
    audited(&actor, AuditKind::TokenDeleted, &t)
        .record(&state)
        .await;
    ok(Empty {})
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateServiceAccessToken)]
pub struct CreateService {
    name: String,
    permissions: Vec<String>,
    #[serde(default)]
    all_workspaces: bool,
    #[serde(default)]
    workspace_ids: Vec<String>,
    /// 1h, 1d, 7d, 30d, ... or permanent.
    #[schema(example = "30d")]
    expires_in: Option<String>,
    /// Unix seconds.
    expires_at: Option<i64>,
}

/// `POST /api/manage/organizations/{org_id}/service_access_tokens` (admins).
#[utoipa::path(
    post,
    path = "/api/manage/organizations/{org_id}/service_access_tokens",
    summary = "Create a service access token (admins); the secret is returned once",
    params(("org_id" = String, Path)),
    request_body = CreateService,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn create_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
    Json(body): Json<CreateService>,
) -> ApiResult<TokenOut> {
    actor.require("Manage.tokens")?;
    let role = actor.require_org_admin(&state, &org_id).await?;
    let name = clean_name(&body.name, "name", 100)?;
    let grant = GrantRequest {
        permissions: body.permissions,
        all_workspaces: body.all_workspaces,
        workspace_ids: body.workspace_ids,
    };
    let (points, all, ids) = check_grant(
        &state,
        &Grantor::of(&actor),
        Subject::Service,
        Some(&org_id),
        Some(role),
        &grant,
    )
    .await?;
    let now = state.clock.now();
    let expiry = read_expiry(
        body.expires_in.as_deref(),
        body.expires_at,
        ExpiryPolicy::UNLIMITED,
        now,
    )?;
    actor.may_grant(&Extent {
        points: points.clone(),
        workspaces: super::workspaces_of(all, &ids),
        edition: Some(org_id.clone()),
        expires_at: expiry.to_stored(),
    })?;
    let secret = TokenKind::Service.generate();
    let t = AccessToken {
        id: buckle_core::ids::new_id(),
        kind: TokenKindDb::Service,
        token_hash: hash_secret(&secret),
        hint: hint(&secret),
        name,
        account_id: None,
        org_id: Some(org_id),
        created_by: actor.account.id,
        permissions: points.encode(),
        all_workspaces: all,
        workspace_ids: ids,
        created_at: now,
        expires_at: expiry.to_stored(),
        last_used_at: None,
    };
    state.store.insert_token(&t).await?;
    audited(&actor, AuditKind::TokenCreated, &t)
        .record(&state)
        .await;
    ok(TokenOut::of(&t, Some(secret)))
}

/// `GET /api/manage/organizations/{org_id}/service_access_tokens` (admins).
#[utoipa::path(
    get,
    path = "/api/manage/organizations/{org_id}/service_access_tokens",
    summary = "Service access tokens of an organization (admins)",
    params(("org_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Vec<TokenOut>>), EnvelopeErrors)
)]
pub async fn list_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(org_id): Path<String>,
) -> ApiResult<Vec<TokenOut>> {
    actor.require("Manage.tokens")?;
    actor.require_org_admin(&state, &org_id).await?;
    let all = state.store.service_tokens_of(&org_id).await?;
    ok(all.iter().map(|t| TokenOut::of(t, None)).collect())
}

/// A service token of an organization the actor administers.
async fn admin_service(
    state: &AppState,
    actor: &Actor,
    raw: &str,
) -> Result<(AccessToken, Role), ApiError> {
    let token_id = id(raw, "token id")?;
    let not_found = || ApiError::not_found("Token not found.");
    let t = state
        .store
        .token_by_id(token_id)
        .await?
        .filter(|t| t.kind == TokenKindDb::Service)
        .ok_or_else(not_found)?;
    let org = t.org_id.clone().ok_or_else(not_found)?;
    let role = actor.role_in(state, &org).await.map_err(|_| not_found())?;
    if !role.is_admin() {
        return Err(ApiError::forbidden(
            "Only a super admin or admin of the team/enterprise may do this.",
        ));
    }
    Ok((t, role))
}

/// `GET /api/manage/service_access_tokens/{token_id}`.
#[utoipa::path(
    get,
    path = "/api/manage/service_access_tokens/{token_id}",
    summary = "One service access token (admins)",
    params(("token_id" = String, Path)),
    security(("session" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn get_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<TokenOut> {
    actor.require("Manage.tokens")?;
    let (t, _) = admin_service(&state, &actor, &token_id).await?;
    ok(TokenOut::of(&t, None))
}

/// `PATCH /api/manage/service_access_tokens/{token_id}`.
#[utoipa::path(
    patch,
    path = "/api/manage/service_access_tokens/{token_id}",
    summary = "Edit name, permissions, workspaces (admins)",
    params(("token_id" = String, Path)),
    request_body = UpdateToken,
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<TokenOut>), EnvelopeErrors)
)]
pub async fn update_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
    Json(body): Json<UpdateToken>,
) -> ApiResult<TokenOut> {
    actor.require("Manage.tokens")?;
    let (t, role) = admin_service(&state, &actor, &token_id).await?;
    let t = edit(
        &state,
        &Grantor::of(&actor),
        Subject::Service,
        Some(role),
        &t,
        body,
    )
    .await?;
    audited(&actor, AuditKind::TokenEdited, &t)
        .record(&state)
        .await;
    ok(TokenOut::of(&t, None))
}

/// `DELETE /api/manage/service_access_tokens/{token_id}`.
#[utoipa::path(
    delete,
    path = "/api/manage/service_access_tokens/{token_id}",
    summary = "Delete (admins)",
    params(("token_id" = String, Path)),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
    responses((status = 200, description = "Success: code 0 and data", body = Success<Empty>), EnvelopeErrors)
)]
pub async fn delete_service(
    State(state): State<AppState>,
    actor: Actor,
    Path(token_id): Path<String>,
) -> ApiResult<Empty> {
    actor.require("Manage.tokens")?;
    let (t, _) = admin_service(&state, &actor, &token_id).await?;
    actor.may_grant(&extent_of(&t))?;
    state.store.delete_token(t.id).await?;
    audited(&actor, AuditKind::TokenDeleted, &t)
        .record(&state)
        .await;
    ok(Empty {})
}
