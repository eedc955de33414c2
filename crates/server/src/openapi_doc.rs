//! `/openapi.json`: an OpenAPI 3 description of the management API, the OpenAPI
//! and introspection. Built once, from the table below.

use axum::Json;
use serde_json::{Map, Value, json};
use std::sync::LazyLock;

static DOC: LazyLock<Value> = LazyLock::new(build);

pub async fn serve() -> Json<Value> {
    Json(DOC.clone())
}

/// How an operation authenticates.
#[derive(Clone, Copy)]
enum Auth {
    None,
    /// Bearer token on the OpenAPI.
    Bearer,
    /// Console session (+ X-CSRF-Token on mutations) or a PAT with a `Manage.*` point.
    Manage,
}

/// (method, path, auth, summary, request body schema name or "")
const OPERATIONS: &[(&str, &str, Auth, &str, &str)] = &[
    (
        "get",
        "/v1/users/me",
        Auth::Bearer,
        "The token's account (Account.readProfile)",
        "",
    ),
    (
        "get",
        "/v1/workspaces",
        Auth::Bearer,
        "Workspaces the token reaches (Workspace.list); page_num, page_size",
        "",
    ),
    (
        "get",
        "/v1/workspaces/{workspace_id}/members",
        Auth::Bearer,
        "Members of a workspace (Workspace.listMembers)",
        "",
    ),
    (
        "get",
        "/v1/organization/members",
        Auth::Bearer,
        "Members of the token's team/enterprise (Organization.listMembers)",
        "",
    ),
    (
        "post",
        "/v1/bot/create",
        Auth::Bearer,
        "Create a bot in a workspace (Bot.create)",
        "CreateBot",
    ),
    (
        "get",
        "/v1/bots",
        Auth::Bearer,
        "Bots of a workspace (Bot.list); workspace_id, page_index, page_size",
        "",
    ),
    (
        "get",
        "/v1/bots/{bot_id}",
        Auth::Bearer,
        "One bot (Bot.read)",
        "",
    ),
    (
        "post",
        "/api/permission/oauth2/introspect",
        Auth::Bearer,
        "RFC 7662 introspection; form field token; caller needs Token.introspect",
        "Introspect",
    ),
    (
        "get",
        "/api/manage/session",
        Auth::Manage,
        "The signed-in account and its CSRF token",
        "",
    ),
    (
        "post",
        "/api/manage/session",
        Auth::None,
        "Sign in; sets the buckle_session cookie, and the buckle_device cookie on a device new to the account. Repeated wrong passwords get 429/4013 with growing waits (per user name and client address; a known device by its own failures)",
        "SignIn",
    ),
    (
        "delete",
        "/api/manage/session",
        Auth::Manage,
        "Sign out",
        "",
    ),
    (
        "get",
        "/api/manage/permissions",
        Auth::Manage,
        "The permission catalog",
        "",
    ),
    (
        "get",
        "/api/manage/accounts",
        Auth::Manage,
        "All accounts (installation super admins; Manage.accounts)",
        "",
    ),
    (
        "post",
        "/api/manage/accounts",
        Auth::Manage,
        "Create an account (installation super admins; Manage.accounts)",
        "CreateAccount",
    ),
    (
        "get",
        "/api/manage/accounts/me",
        Auth::Manage,
        "The caller's account",
        "",
    ),
    (
        "patch",
        "/api/manage/accounts/me",
        Auth::Manage,
        "Change nick name or avatar URL",
        "UpdateMe",
    ),
    (
        "post",
        "/api/manage/accounts/me/password",
        Auth::Manage,
        "Change the password (console sessions only); ends every session. Wrong current passwords count as failed sign-ins (429/4013 when they must wait)",
        "ChangePassword",
    ),
    (
        "get",
        "/api/manage/organizations",
        Auth::Manage,
        "The caller's teams and enterprises (Manage.organizations)",
        "",
    ),
    (
        "post",
        "/api/manage/organizations",
        Auth::Manage,
        "Create a team (anyone) or enterprise (installation super admins)",
        "CreateOrganization",
    ),
    (
        "get",
        "/api/manage/organizations/{org_id}",
        Auth::Manage,
        "One organization",
        "",
    ),
    (
        "patch",
        "/api/manage/organizations/{org_id}",
        Auth::Manage,
        "Set the token policy (admins)",
        "UpdateOrganization",
    ),
    (
        "get",
        "/api/manage/organizations/{org_id}/members",
        Auth::Manage,
        "Members and roles",
        "",
    ),
    (
        "post",
        "/api/manage/organizations/{org_id}/members",
        Auth::Manage,
        "Invite a user name (admins); they join on accepting. The answer is the same whether or not the name has an account",
        "AddMember",
    ),
    (
        "get",
        "/api/manage/organizations/{org_id}/invitations",
        Auth::Manage,
        "Pending invitations (admins)",
        "",
    ),
    (
        "delete",
        "/api/manage/organizations/{org_id}/invitations/{invitation_id}",
        Auth::Manage,
        "Cancel a pending invitation (admins)",
        "",
    ),
    (
        "get",
        "/api/manage/invitations",
        Auth::Manage,
        "The caller's pending invitations to teams and enterprises",
        "",
    ),
    (
        "post",
        "/api/manage/invitations/{invitation_id}/accept",
        Auth::Manage,
        "Accept an invitation: join with the invited role",
        "",
    ),
    (
        "post",
        "/api/manage/invitations/{invitation_id}/decline",
        Auth::Manage,
        "Decline an invitation",
        "",
    ),
    (
        "patch",
        "/api/manage/organizations/{org_id}/members/{account_id}",
        Auth::Manage,
        "Change a member's role (admins)",
        "SetRole",
    ),
    (
        "delete",
        "/api/manage/organizations/{org_id}/members/{account_id}",
        Auth::Manage,
        "Remove a member (admins) or leave; deletes their tokens made there",
        "",
    ),
    (
        "get",
        "/api/manage/workspaces",
        Auth::Manage,
        "The caller's workspaces in one edition; organization_id",
        "",
    ),
    (
        "post",
        "/api/manage/workspaces",
        Auth::Manage,
        "Create a workspace (Manage.workspaces)",
        "CreateWorkspace",
    ),
    (
        "get",
        "/api/manage/workspaces/{workspace_id}/members",
        Auth::Manage,
        "Workspace members",
        "",
    ),
    (
        "post",
        "/api/manage/workspaces/{workspace_id}/members",
        Auth::Manage,
        "Add a member of the organization to its workspace",
        "AddMember",
    ),
    (
        "delete",
        "/api/manage/workspaces/{workspace_id}/members/{account_id}",
        Auth::Manage,
        "Remove a member, or leave",
        "",
    ),
    (
        "get",
        "/api/manage/personal_access_tokens",
        Auth::Manage,
        "The caller's personal access tokens in one edition; never the secrets",
        "",
    ),
    (
        "post",
        "/api/manage/personal_access_tokens",
        Auth::Manage,
        "Create a personal access token; the secret is returned once (Manage.tokens)",
        "CreatePersonalAccessToken",
    ),
    (
        "get",
        "/api/manage/personal_access_tokens/{token_id}",
        Auth::Manage,
        "One personal access token",
        "",
    ),
    (
        "patch",
        "/api/manage/personal_access_tokens/{token_id}",
        Auth::Manage,
        "Edit name, permissions, workspaces",
        "UpdateToken",
    ),
    (
        "delete",
        "/api/manage/personal_access_tokens/{token_id}",
        Auth::Manage,
        "Delete; the token stops working at once",
        "",
    ),
    (
        "get",
        "/api/manage/organizations/{org_id}/service_access_tokens",
        Auth::Manage,
        "Service access tokens of an organization (admins)",
        "",
    ),
    (
        "post",
        "/api/manage/organizations/{org_id}/service_access_tokens",
        Auth::Manage,
        "Create a service access token (admins); the secret is returned once",
        "CreateServiceAccessToken",
    ),
    (
        "get",
        "/api/manage/service_access_tokens/{token_id}",
        Auth::Manage,
        "One service access token (admins)",
        "",
    ),
    (
        "patch",
        "/api/manage/service_access_tokens/{token_id}",
        Auth::Manage,
        "Edit name, permissions, workspaces (admins)",
        "UpdateToken",
    ),
    (
        "delete",
        "/api/manage/service_access_tokens/{token_id}",
        Auth::Manage,
        "Delete (admins)",
        "",
    ),
    (
        "get",
        "/api/manage/apps",
        Auth::Manage,
        "The caller's personal OAuth apps, or an organization's (organization_id); Manage.apps",
        "",
    ),
    (
        "post",
        "/api/manage/apps",
        Auth::Manage,
        "Create an OAuth app; a web app's client secret is returned once",
        "CreateApp",
    ),
    (
        "get",
        "/api/manage/apps/{app_id}",
        Auth::Manage,
        "One OAuth app (app_id is its client id); never the secret",
        "",
    ),
    (
        "patch",
        "/api/manage/apps/{app_id}",
        Auth::Manage,
        "Edit name, description, permissions, redirect URIs (owner or admins)",
        "UpdateApp",
    ),
    (
        "delete",
        "/api/manage/apps/{app_id}",
        Auth::Manage,
        "Delete an app; irreversible, revokes every authorization and token",
        "",
    ),
    (
        "post",
        "/api/manage/apps/{app_id}/enable",
        Auth::Manage,
        "Enable an app; its unexpired tokens work again",
        "",
    ),
    (
        "post",
        "/api/manage/apps/{app_id}/disable",
        Auth::Manage,
        "Disable an app; every token of it is suspended",
        "",
    ),
    (
        "post",
        "/api/manage/apps/{app_id}/secret",
        Auth::Manage,
        "A new client secret for a web app, returned once; the old one stops working",
        "",
    ),
    (
        "get",
        "/api/manage/apps/{app_id}/keys",
        Auth::Manage,
        "Public keys of a service app, with fingerprints",
        "",
    ),
    (
        "post",
        "/api/manage/apps/{app_id}/keys",
        Auth::Manage,
        "Upload an RSA public key (PEM) to a service app; at most 3",
        "AddAppKey",
    ),
    (
        "delete",
        "/api/manage/apps/{app_id}/keys/{fingerprint}",
        Auth::Manage,
        "Remove a public key",
        "",
    ),
    (
        "get",
        "/api/manage/apps/{app_id}/authorizations",
        Auth::Manage,
        "AppAuth authorizations of a service app (owner or admins)",
        "",
    ),
    (
        "post",
        "/api/manage/apps/{app_id}/authorizations",
        Auth::Manage,
        "Authorize a service app in the owner's personal edition or for an organization (admins)",
        "AuthorizeApp",
    ),
    (
        "delete",
        "/api/manage/apps/{app_id}/authorizations/{authorization_id}",
        Auth::Manage,
        "Remove an AppAuth authorization; its tokens stop working",
        "",
    ),
    (
        "get",
        "/api/manage/apps/{app_id}/share_link",
        Auth::Manage,
        "The link an organization admin opens to authorize a service app",
        "",
    ),
    (
        "get",
        "/api/manage/organizations/{org_id}/installations",
        Auth::Manage,
        "Installed AppAuth apps, installed OBO apps, install requests (admins)",
        "",
    ),
    (
        "post",
        "/api/manage/organizations/{org_id}/installations/{app_id}",
        Auth::Manage,
        "Install (approve) an OBO app in the organization (admins)",
        "",
    ),
    (
        "delete",
        "/api/manage/organizations/{org_id}/installations/{app_id}",
        Auth::Manage,
        "Uninstall an app; deletes every token it holds in the organization (admins)",
        "",
    ),
    (
        "get",
        "/api/manage/audit_events",
        Auth::Manage,
        "The audit log, newest first (Manage.audit): super admins see every event, organization admins their organization's (organization_id), others their own; kind, since, before_id, limit",
        "",
    ),
    (
        "get",
        "/api/manage/authorized_apps",
        Auth::Manage,
        "Apps the caller authorized to act for them (OBO)",
        "",
    ),
    (
        "delete",
        "/api/manage/authorized_apps/{app_id}",
        Auth::Manage,
        "Revoke an app's authorization; deletes its tokens for the caller",
        "",
    ),
    (
        "get",
        "/api/permission/oauth2/authorize",
        Auth::None,
        "Authorization code / PKCE: sign-in, then the consent page; redirects to the exact redirect URI with code and state",
        "",
    ),
    (
        "get",
        "/api/permission/oauth2/workspace_id/{workspace_id}/authorize",
        Auth::None,
        "As authorize, pinned to one workspace",
        "",
    ),
    (
        "post",
        "/api/permission/oauth2/consent",
        Auth::None,
        "The consent form's decision (session cookie and form CSRF token)",
        "ConsentForm",
    ),
    (
        "post",
        "/api/permission/oauth2/token",
        Auth::None,
        "Token endpoint: authorization_code, refresh_token, device_code and jwt-bearer grants; flat JSON; errors carry error/error_description/error_code/error_message",
        "TokenRequest",
    ),
    (
        "post",
        "/api/permission/oauth2/account/{account_id}/token",
        Auth::None,
        "JWT bearer grant using an account's AppAuth authorization",
        "TokenRequest",
    ),
    (
        "post",
        "/api/permission/oauth2/enterprise_id/{enterprise_id}/token",
        Auth::None,
        "JWT bearer grant using a team/enterprise's AppAuth authorization",
        "TokenRequest",
    ),
    (
        "post",
        "/api/permission/oauth2/device/code",
        Auth::None,
        "Device authorization: device_code, user_code, verification_uri, expires_in (relative), interval",
        "DeviceCodeRequest",
    ),
    (
        "post",
        "/api/permission/oauth2/workspace_id/{workspace_id}/device/code",
        Auth::None,
        "Device authorization pinned to one workspace",
        "DeviceCodeRequest",
    ),
    (
        "get",
        "/oauth/device",
        Auth::None,
        "Device verification page; accepts ?user_code=",
        "",
    ),
    (
        "post",
        "/oauth/device",
        Auth::None,
        "Device verification decision",
        "DeviceDecisionForm",
    ),
    (
        "get",
        "/oauth/authorize-app",
        Auth::None,
        "Shareable AppAuth authorization link for organization admins; client_id",
        "",
    ),
    (
        "post",
        "/oauth/authorize-app",
        Auth::None,
        "AppAuth authorization decision",
        "AuthorizeAppForm",
    ),
    ("get", "/login", Auth::None, "Sign-in page; next", ""),
    ("post", "/login", Auth::None, "Sign-in form", "SignInForm"),
    ("get", "/openapi.json", Auth::None, "This document", ""),
    (
        "get",
        "/static/buckle.css",
        Auth::None,
        "The pages' stylesheet",
        "",
    ),
    ("get", "/metrics", Auth::None, "Prometheus metrics", ""),
    (
        "get",
        "/healthz",
        Auth::None,
        "Liveness and database check",
        "",
    ),
];

/// What an operation answers, by the family of endpoint it belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Answer {
    /// The Coze envelope: `code` 0 with `data`, or an error `code` and `msg`.
    Envelope,
    /// The token endpoints' flat JSON, and the OAuth error shape.
    Token,
    DeviceCode,
    Introspection,
    /// Server-rendered pages: HTML, or a redirect.
    Page,
    Text,
    Stylesheet,
    /// Plain text; 503 when the database does not answer.
    Health,
    Document,
}

impl Answer {
    fn of(path: &str) -> Answer {
        match path {
            "/metrics" => Answer::Text,
            "/static/buckle.css" => Answer::Stylesheet,
            "/healthz" => Answer::Health,
            "/openapi.json" => Answer::Document,
            "/api/permission/oauth2/introspect" => Answer::Introspection,
            p if p.starts_with("/api/manage/") || p.starts_with("/v1/") => Answer::Envelope,
            p if p.ends_with("/token") => Answer::Token,
            p if p.ends_with("/device/code") => Answer::DeviceCode,
            _ => Answer::Page,
        }
    }
}

fn json_body(schema: &str, description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

/// Every status an operation can answer with (a 5xx is never documented: it is a bug).
fn responses(answer: Answer) -> Value {
    let mut r = Map::new();
    let mut put = |statuses: &[&str], v: Value| {
        for s in statuses {
            r.insert((*s).to_string(), v.clone());
        }
    };
    match answer {
        Answer::Envelope => {
            put(&["200"], json_body("Envelope", "Success: code 0 and data"));
            put(
                &["400", "401", "403", "404", "409", "429"],
                json_body("ErrorEnvelope", "An error: its code, msg and log id"),
            );
        }
        Answer::Token | Answer::DeviceCode | Answer::Introspection => {
            let ok = match answer {
                Answer::Token => "TokenResponse",
                Answer::DeviceCode => "DeviceCodeResponse",
                _ => "IntrospectionResponse",
            };
            put(&["200"], json_body(ok, "Success"));
            put(
                &["400", "401", "403", "404", "429"],
                json_body("OAuthError", "An OAuth error"),
            );
        }
        Answer::Page => {
            let html = json!({"description": "A page", "content": {"text/html": {"schema": {"type": "string"}}}});
            put(&["200", "400", "401", "403", "404", "409", "429"], html);
            put(
                &["303"],
                json!({"description": "A redirect", "headers": {"Location": {"required": true, "schema": {"type": "string"}}}}),
            );
        }
        Answer::Text | Answer::Health => {
            let text = json!({"description": "Plain text", "content": {"text/plain": {"schema": {"type": "string"}}}});
            put(&["200"], text.clone());
            if answer == Answer::Health {
                put(&["503"], text);
            }
        }
        Answer::Stylesheet => {
            put(
                &["200"],
                json!({"description": "CSS", "content": {"text/css": {"schema": {"type": "string"}}}}),
            );
        }
        Answer::Document => {
            put(
                &["200"],
                json!({"description": "This document", "content": {"application/json": {"schema": {"type": "object"}}}}),
            );
        }
    }
    Value::Object(r)
}

/// A stable operationId: the method and the path, e.g. `get_api_manage_apps_app_id`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_string();
    for c in path.chars() {
        match c {
            c if c.is_ascii_alphanumeric() => id.push(c),
            '{' | '}' => {}
            _ if id.ends_with('_') => {}
            _ => id.push('_'),
        }
    }
    id.trim_end_matches('_').to_string()
}

/// Where a created resource's id goes next: (creating operation, path parameter,
/// where the id is in the answer, operations that take it). Clients and
/// schemathesis's stateful phase follow these links.
type Link = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Targets,
);
type Targets = &'static [(&'static str, &'static str)];

const LINKS: &[Link] = &[
    (
        "post",
        "/api/manage/personal_access_tokens",
        "token_id",
        "$response.body#/data/id",
        &[
            ("get", "/api/manage/personal_access_tokens/{token_id}"),
            ("patch", "/api/manage/personal_access_tokens/{token_id}"),
            ("delete", "/api/manage/personal_access_tokens/{token_id}"),
        ],
    ),
    (
        "post",
        "/api/manage/apps",
        "app_id",
        "$response.body#/data/app_id",
        &[
            ("get", "/api/manage/apps/{app_id}"),
            ("patch", "/api/manage/apps/{app_id}"),
            ("delete", "/api/manage/apps/{app_id}"),
            ("get", "/api/manage/apps/{app_id}/keys"),
            ("post", "/api/manage/apps/{app_id}/keys"),
            ("get", "/api/manage/apps/{app_id}/authorizations"),
            ("post", "/api/manage/apps/{app_id}/authorizations"),
            ("post", "/api/manage/apps/{app_id}/disable"),
            ("post", "/api/manage/apps/{app_id}/enable"),
            ("post", "/api/manage/apps/{app_id}/secret"),
            ("get", "/api/manage/apps/{app_id}/share_link"),
        ],
    ),
    (
        "post",
        "/api/manage/workspaces",
        "workspace_id",
        "$response.body#/data/id",
        &[
            ("get", "/api/manage/workspaces/{workspace_id}/members"),
            ("post", "/api/manage/workspaces/{workspace_id}/members"),
            ("get", "/v1/workspaces/{workspace_id}/members"),
        ],
    ),
    (
        "post",
        "/api/manage/organizations",
        "org_id",
        "$response.body#/data/id",
        &[
            ("get", "/api/manage/organizations/{org_id}"),
            ("patch", "/api/manage/organizations/{org_id}"),
            ("get", "/api/manage/organizations/{org_id}/members"),
            ("post", "/api/manage/organizations/{org_id}/members"),
            ("get", "/api/manage/organizations/{org_id}/installations"),
            (
                "get",
                "/api/manage/organizations/{org_id}/service_access_tokens",
            ),
            (
                "post",
                "/api/manage/organizations/{org_id}/service_access_tokens",
            ),
        ],
    ),
    (
        "post",
        "/v1/bot/create",
        "bot_id",
        "$response.body#/data/bot_id",
        &[("get", "/v1/bots/{bot_id}")],
    ),
];

fn links(method: &str, path: &str) -> Option<Value> {
    let (_, _, param, expression, targets) =
        LINKS.iter().find(|(m, p, ..)| *m == method && *p == path)?;
    let mut out = Map::new();
    for (m, p) in targets.iter() {
        let id = operation_id(m, p);
        out.insert(
            id.clone(),
            json!({"operationId": id, "parameters": {*param: expression}}),
        );
    }
    Some(Value::Object(out))
}

/// Query parameters, where an operation reads any.
fn query_parameters(path: &str) -> &'static [&'static str] {
    match path {
        "/api/permission/oauth2/authorize"
        | "/api/permission/oauth2/workspace_id/{workspace_id}/authorize" => &[
            "response_type",
            "client_id",
            "redirect_uri",
            "state",
            "code_challenge",
            "code_challenge_method",
        ],
        "/login" => &["next"],
        "/oauth/device" => &["user_code"],
        "/oauth/authorize-app" => &["client_id"],
        "/v1/bots" => &["workspace_id", "page_index", "page_num", "page_size"],
        "/v1/workspaces" | "/v1/workspaces/{workspace_id}/members" => &["page_num", "page_size"],
        _ => &[],
    }
}

fn string() -> Value {
    json!({"type": "string"})
}

fn object(required: &[&str], props: &[(&str, Value)]) -> Value {
    let mut p = Map::new();
    for (k, v) in props {
        p.insert((*k).to_string(), v.clone());
    }
    json!({"type": "object", "required": required, "properties": p, "additionalProperties": false})
}

/// The answers' schemas besides the success envelope, and the pages' forms.
fn answer_schemas() -> Value {
    json!({
        "ErrorEnvelope": {
            "type": "object",
            "required": ["code", "msg", "detail"],
            "properties": {
                "code": {"type": "integer", "description": "4000 bad request, 4100 authentication failed, 4101 no permission, 4200 not found, 4013 rate limited"},
                "msg": {"type": "string", "minLength": 1},
                "detail": {"$ref": "#/components/schemas/Detail"}
            },
            "additionalProperties": false
        },
        "Detail": {
            "type": "object",
            "required": ["logid"],
            "properties": {"logid": {"type": "string", "minLength": 1, "description": "Also in the X-Tt-Logid header"}}
        },
        "OAuthError": {
            "type": "object",
            "required": ["error", "error_description", "error_code", "error_message"],
            "properties": {
                "error": string(), "error_description": string(),
                "error_code": string(), "error_message": string()
            }
        },
        "TokenResponse": {
            "type": "object",
            "required": ["access_token", "expires_in", "token_type"],
            "properties": {
                "access_token": string(),
                "expires_in": {"type": "integer", "description": "Unix seconds when the token expires"},
                "token_type": {"type": "string", "enum": ["Bearer"]},
                "refresh_token": string()
            }
        },
        "DeviceCodeResponse": {
            "type": "object",
            "required": ["device_code", "user_code", "verification_uri", "expires_in", "interval"],
            "properties": {
                "device_code": string(), "user_code": string(), "verification_uri": string(),
                "expires_in": {"type": "integer"}, "interval": {"type": "integer"}
            }
        },
        "IntrospectionResponse": {
            "type": "object",
            "required": ["active"],
            "properties": {"active": {"type": "boolean"}}
        },
    })
}

fn form_schemas() -> Value {
    json!({
        "SignInForm": object(&["user_name", "password", "csrf"], &[("user_name", string()), ("password", string()), ("next", string()), ("csrf", string())]),
        "ConsentForm": object(&["client_id", "redirect_uri", "decision", "csrf"], &[
            ("client_id", string()), ("redirect_uri", string()), ("state", string()),
            ("code_challenge", string()), ("code_challenge_method", string()),
            ("workspace_id", string()), ("edition", string()),
            ("decision", json!({"type": "string", "enum": ["approve", "deny"]})), ("csrf", string()),
        ]),
        "DeviceDecisionForm": object(&["user_code", "decision", "csrf"], &[
            ("user_code", string()), ("edition", string()),
            ("decision", json!({"type": "string", "enum": ["approve", "deny"]})), ("csrf", string()),
        ]),
        "AuthorizeAppForm": object(&["client_id", "organization_id", "csrf"], &[("client_id", string()), ("organization_id", string()), ("csrf", string())]),
    })
}

fn schemas() -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let grant = |required: &[&str], extra: &[(&str, Value)]| {
        let mut props = vec![
            ("name", string()),
            ("permissions", strings.clone()),
            ("all_workspaces", json!({"type": "boolean"})),
            ("workspace_ids", strings.clone()),
        ];
        props.extend(extra.iter().cloned());
        object(required, &props)
    };
    let expiry = [
        (
            "expires_in",
            json!({"type": "string", "example": "30d", "description": "1h, 1d, 7d, 30d, ... or permanent"}),
        ),
        (
            "expires_at",
            json!({"type": "integer", "description": "Unix seconds"}),
        ),
    ];
    let mut pat_props = vec![("organization_id", string())];
    pat_props.extend(expiry.iter().cloned());
    let mut doc = json!({
        "Envelope": {
            "type": "object",
            "required": ["code", "msg", "data", "detail"],
            "properties": {
                "code": {"type": "integer", "enum": [0]},
                "msg": {"type": "string"},
                "data": {},
                "detail": {"$ref": "#/components/schemas/Detail"}
            }
        },
        "SignIn": object(&["user_name", "password"], &[("user_name", string()), ("password", string())]),
        "CreateAccount": object(&["user_name", "password"], &[("user_name", string()), ("password", string()), ("nick_name", string()), ("super_admin", json!({"type": "boolean"}))]),
        "UpdateMe": object(&[], &[("nick_name", string()), ("avatar_url", string())]),
        "ChangePassword": object(&["current_password", "new_password"], &[("current_password", string()), ("new_password", string())]),
        "CreateOrganization": object(&["name", "kind"], &[("name", string()), ("kind", json!({"type": "string", "enum": ["team", "enterprise"]})), ("id", json!({"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "enterprises only: the id to give the enterprise (e.g. volcano_2105850123); generated when absent"}))]),
        "UpdateOrganization": object(&[], &[("token_max_days", json!({"type": "integer", "nullable": true, "minimum": 1, "maximum": 365, "description": "null allows permanent personal access tokens"}))]),
        "AddMember": object(&["user_name", "role"], &[("user_name", string()), ("role", string())]),
        "SetRole": object(&["role"], &[("role", json!({"type": "string", "enum": ["super_admin", "admin", "member"]}))]),
        "CreateWorkspace": object(&["name"], &[("name", string()), ("organization_id", string())]),
        "CreatePersonalAccessToken": grant(&["name", "permissions"], &pat_props),
        "CreateServiceAccessToken": grant(&["name", "permissions"], &expiry),
        "UpdateToken": grant(&[], &[]),
        "CreateBot": {"type": "object", "required": ["space_id", "name"], "properties": {"space_id": string(), "name": string(), "description": string()}},
        "CreateApp": object(&["name", "app_type", "client_type", "permissions"], &[
            ("name", string()),
            ("description", string()),
            ("app_type", json!({"type": "string", "enum": ["normal", "channel"]})),
            ("client_type", json!({"type": "string", "enum": ["web", "pkce", "device", "service"], "description": "channel apps are service apps"})),
            ("organization_id", json!({"type": "string", "description": "absent for a personal app"})),
            ("permissions", strings.clone()),
            ("redirect_uris", json!({"type": "array", "items": {"type": "string"}, "maxItems": 10, "description": "required for web and pkce apps; none for device and service apps"})),
        ]),
        "UpdateApp": object(&[], &[
            ("name", string()),
            ("description", string()),
            ("permissions", strings.clone()),
            ("redirect_uris", strings.clone()),
        ]),
        "AddAppKey": object(&["public_key"], &[("public_key", json!({"type": "string", "description": "PEM: -----BEGIN PUBLIC KEY----- or -----BEGIN RSA PUBLIC KEY-----"}))]),
        "AuthorizeApp": object(&[], &[
            ("organization_id", json!({"type": "string", "description": "absent for the owner's personal edition"})),
            ("all_workspaces", json!({"type": "boolean"})),
            ("workspace_ids", strings.clone()),
        ]),
        "TokenRequest": {"type": "object", "required": ["grant_type"], "properties": {
            "grant_type": {"type": "string", "enum": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer"]},
            "client_id": string(), "code": string(), "redirect_uri": string(), "code_verifier": string(),
            "refresh_token": string(), "device_code": string(),
            "duration_seconds": {"type": "integer", "minimum": 1, "maximum": 86399, "default": 900}
        }, "description": "The client secret (web apps) or the JWT (service apps) goes in Authorization: Bearer, never in the body."},
        "DeviceCodeRequest": object(&["client_id"], &[("client_id", string())]),
        "Introspect": object(&["token"], &[("token", string()), ("token_type_hint", string())]),
    });
    for extra in [answer_schemas(), form_schemas()] {
        if let (Value::Object(all), Value::Object(more)) = (&mut doc, extra) {
            all.extend(more);
        }
    }
    // Requests that succeed as they are, for readers and for schemathesis's examples.
    for (schema, example) in [
        (
            "CreatePersonalAccessToken",
            json!({"name": "ci", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}),
        ),
        (
            "CreateApp",
            json!({"name": "Example app", "app_type": "normal", "client_type": "web",
                   "permissions": ["Account.readProfile"], "redirect_uris": ["https://app.example.com/callback"]}),
        ),
        ("CreateWorkspace", json!({"name": "Example workspace"})),
        (
            "CreateOrganization",
            json!({"name": "Example team", "kind": "team"}),
        ),
        (
            "UpdateToken",
            json!({"name": "renamed", "permissions": ["Account.readProfile"]}),
        ),
    ] {
        doc[schema]["example"] = example;
    }
    doc
}

fn build() -> Value {
    let mut paths = Map::new();
    for (method, path, auth, summary, body) in OPERATIONS {
        let mut params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        params.extend(query_parameters(path).iter().map(|name| {
            json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}})
        }));
        let mut op = json!({
            "operationId": operation_id(method, path),
            "summary": summary,
            "parameters": params,
            "responses": responses(Answer::of(path)),
        });
        if let Some(links) = links(method, path) {
            op["responses"]["200"]["links"] = links;
        }
        op["security"] = match auth {
            Auth::None => json!([]),
            Auth::Bearer => json!([{"bearer": []}]),
            Auth::Manage => json!([{"session": []}, {"bearer": []}]),
        };
        if !body.is_empty() {
            let form = *body == "Introspect" || body.ends_with("Form");
            let media = if form {
                "application/x-www-form-urlencoded"
            } else {
                "application/json"
            };
            op["requestBody"] = json!({"required": true, "content": {media: {"schema": {"$ref": format!("#/components/schemas/{body}")}}}});
        }
        let entry = paths
            .entry((*path).to_string())
            .or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Buckle",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Self-hosted OpenAPI authorization, wire-compatible with the Coze OpenAPI. Management mutations from a console session need the X-CSRF-Token header from GET /api/manage/session."
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "pat_/sat_ access tokens"},
                "session": {"type": "apiKey", "in": "cookie", "name": "buckle_session"}
            }
        }
    })
}

/// Every documented (method, path), for tests that hold the document to the router.
pub fn operations() -> impl Iterator<Item = (&'static str, &'static str)> {
    OPERATIONS.iter().map(|(m, p, ..)| (*m, *p))
}
