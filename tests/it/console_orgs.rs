//! The console's organization pages (`console/{organizations,members,workspaces,
//! installations,authorized_apps}.rs`): each page shows an admin's actions and
//! hides them from a member, each action really happens (checked through the
//! management API or the OpenAPI), a member's admin-only action is refused, a form
//! without this session's CSRF token changes nothing, every removal goes through a
//! confirmation page, and form errors stand next to their field in English and
//! Chinese.

use crate::oauth::{CALLBACK, app, authorize_url, exchange, web_flow};
use crate::testkit::*;
use buckle_server::web::i18n::Lang;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A text as the templates print it (askama's HTML escaping).
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// A console signed in as `user` through the sign-in page.
async fn console(s: &Server, user: &User) -> Browser {
    let b = Browser::new(&s.base);
    b.sign_in(user).await;
    b
}

/// Switches the console's language with the link every page carries.
async fn speak(b: &Browser, lang: Lang) {
    let r = b.get(&format!("/lang/{}?next=/", lang.tag())).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// A page: its status and HTML.
async fn open(b: &Browser, path: &str) -> (StatusCode, String) {
    let r = b.get(path).await;
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// A page that must answer 200; its HTML.
async fn page(b: &Browser, path: &str) -> String {
    let (status, html) = open(b, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {html}");
    html
}

/// The session's CSRF token, read from any console page.
async fn csrf(b: &Browser) -> String {
    form_field(&page(b, "/").await, "csrf").expect("a csrf field")
}

/// Posts a form with this session's CSRF token added.
async fn submit(
    b: &Browser,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let token = csrf(b).await;
    let mut fields = form.to_vec();
    fields.push(("csrf", &token));
    let r = b.post_form(path, &fields).await;
    let (status, to) = (r.status(), location(&r));
    (status, r.text().await.unwrap(), to)
}

/// A form posted without a CSRF token and with a wrong one is refused (403, the
/// expired-form page) both times.
async fn csrf_refused(b: &Browser, path: &str, form: &[(&str, &str)]) {
    for extra in [None, Some("not-the-token")] {
        let mut fields = form.to_vec();
        if let Some(t) = extra {
            fields.push(("csrf", t));
        }
        let r = b.post_form(path, &fields).await;
        let status = r.status();
        let html = r.text().await.unwrap();
        if extra.is_none() {
            // No token at all: the form cannot be read (400) or is refused (403).
            assert!(
                status == StatusCode::BAD_REQUEST || status == StatusCode::FORBIDDEN,
                "{path} without csrf: {status}"
            );
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} with a wrong csrf");
            assert!(
                html.contains(&escaped(Lang::En.t("console.csrf"))),
                "{html}"
            );
        }
    }
}

/// The error `text` stands under the field `field` of the form, and the input
/// says so.
#[track_caller]
fn error_at(html: &str, field: &str, text: &str) {
    let id = format!("{field}-error");
    let at = html
        .find(&format!("<p class=\"field-error\" id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no error under {field}: {html}"));
    let shown = &html[at..at + html[at..].find("</p>").unwrap()];
    assert!(shown.contains(&escaped(text)), "{shown} lacks {text}");
    assert!(
        html.contains(&format!("aria-describedby=\"{id}\"")) || html.contains(&format!(" {id}\"")),
        "the field points at its error"
    );
    assert!(html.contains("aria-invalid=\"true\""));
}

fn names(list: &Value, field: &str) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_page_creates_teams_and_answers_invitations() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let api = s.login(&alice).await;
    let b = console(&s, &alice).await;
    let html = page(&b, "/console/organizations").await;
    assert!(html.contains(&escaped(Lang::En.t("orgs.create_team"))));
    assert!(
        !html.contains("id=\"org-kind\""),
        "only installation super admins pick a kind"
    );

    // Without this session's token nothing is created.
    csrf_refused(
        &b,
        "/console/organizations",
        &[("name", "Acme"), ("kind", "team")],
    )
    .await;
    assert_eq!(api.get("/api/manage/organizations").await.ok(), &json!([]));

    // A name the service refuses: the error is under the name, in both languages,
    // and what was typed stays.
    let (status, html, _) = submit(
        &b,
        "/console/organizations",
        &[("name", "   "), ("kind", "team")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    error_at(&html, "name", Lang::En.t("field.name"));
    speak(&b, Lang::ZhCn).await;
    let (_, html, _) = submit(
        &b,
        "/console/organizations",
        &[("name", ""), ("kind", "team")],
    )
    .await;
    error_at(&html, "name", Lang::ZhCn.t("field.name"));
    speak(&b, Lang::En).await;

    // A team is made; the person is its super admin and the list links into it.
    let (status, _, to) = submit(
        &b,
        "/console/organizations",
        &[("name", "Acme"), ("kind", "team")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/console/organizations"));
    let orgs = api.get("/api/manage/organizations").await.ok().clone();
    assert_eq!(orgs[0]["name"], json!("Acme"));
    assert_eq!(orgs[0]["role"], json!("super_admin"));
    let id = orgs[0]["id"].as_str().unwrap().to_string();
    let html = page(&b, "/console/organizations").await;
    assert!(html.contains(&format!("href=\"/?org={id}\"")), "{html}");
    assert!(html.contains(&escaped(Lang::En.t("console.role.super_admin"))));

    // Enterprises are for installation super admins only.
    let (status, html, _) = submit(
        &b,
        "/console/organizations",
        &[("name", "Big"), ("kind", "enterprise")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("Only a super admin of this Buckle installation"),
        "{html}"
    );
    assert_eq!(
        api.get("/api/manage/organizations")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let root = s.super_admin("root").await;
    let r = console(&s, &root).await;
    assert!(
        page(&r, "/console/organizations")
            .await
            .contains("id=\"org-kind\"")
    );
    let (status, _, _) = submit(
        &r,
        "/console/organizations",
        &[
            ("name", "Volcano"),
            ("kind", "enterprise"),
            ("id", "volcano_2105850123"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let root_orgs = s
        .login(&root)
        .await
        .get("/api/manage/organizations")
        .await
        .ok()
        .clone();
    assert_eq!(root_orgs[0]["id"], json!("volcano_2105850123"));
    assert_eq!(root_orgs[0]["kind"], json!("enterprise"));

    // Invitations for alice: accept one, decline the other.
    let bob = s.user("bob").await;
    let bob_api = s.login(&bob).await;
    let t1 = bob_api.team("Bob's team").await;
    let t2 = bob_api.team("Other team").await;
    let inv1 = bob_api.invite(&t1, "alice", "admin").await.ok()["invitation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let inv2 = bob_api.invite(&t2, "alice", "member").await.ok()["invitation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let html = page(&b, "/console/organizations").await;
    assert!(
        html.contains("Bob&#39;s team") && html.contains("Other team"),
        "{html}"
    );
    let accept = format!("/console/invitations/{inv1}/accept");
    assert!(html.contains(&format!("action=\"{accept}\"")));
    csrf_refused(&b, &accept, &[]).await;
    assert_eq!(
        api.get("/api/manage/invitations")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (status, _, _) = submit(&b, &accept, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = submit(&b, &format!("/console/invitations/{inv2}/decline"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(api.get("/api/manage/invitations").await.ok(), &json!([]));
    let mine = api.get("/api/manage/organizations").await.ok().clone();
    let joined: Vec<_> = mine
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["id"] == json!(t1))
        .collect();
    assert_eq!(joined[0]["role"], json!("admin"));
    assert!(
        !mine
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == json!(t2))
    );
    // Answering again finds nothing.
    let (status, _, _) = submit(&b, &accept, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_page_lets_admins_invite_change_roles_and_remove_and_members_read() {
    let s = Server::start(Db::Sqlite).await;
    let acme = Org::build(&s, "acme")
        .owner("ann")
        .admin("al")
        .member("bob")
        .member("cy")
        .create()
        .await;
    let ((ann, ann_api), (al, _), (bob, _), (cy, _)) = (
        acme.member("ann"),
        acme.member("al"),
        acme.member("bob"),
        acme.member("cy"),
    );
    let org = acme.id.clone();
    let members_api = format!("/api/manage/organizations/{org}/members");
    let invitations_api = format!("/api/manage/organizations/{org}/invitations");
    let role_of = |name: &'static str| {
        let path = members_api.clone();
        async move {
            let list = ann_api.get(&path).await.ok().clone();
            list.as_array()
                .unwrap()
                .iter()
                .find(|m| m["user_name"] == json!(name))
                .map(|m| m["role"].as_str().unwrap().to_string())
        }
    };
    let here = |path: &str| format!("{path}?org={org}");

    // A member reads the list, without any admin action.
    let m = console(&s, bob).await;
    let html = page(&m, &here("/console/members")).await;
    for name in ["ann", "al", "bob", "cy"] {
        assert!(html.contains(name));
    }
    assert!(html.contains(&escaped(Lang::En.t("orgs.members_read_only"))));
    assert!(!html.contains("id=\"invite\""));
    assert!(!html.contains("/delete?org="));
    assert!(!html.contains("/role?org="));
    // ... and is refused what an admin may do.
    s.user("dora").await;
    let (status, _, _) = submit(
        &m,
        &here("/console/members"),
        &[("user_name", "dora"), ("role", "member")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = submit(
        &m,
        &here(&format!("/console/members/{}/role", cy.id)),
        &[("role", "admin")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = open(&m, &here(&format!("/console/members/{}/delete", cy.id))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = submit(
        &m,
        &here(&format!("/console/members/{}/delete", cy.id)),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(role_of("cy").await.as_deref(), Some("member"));
    assert_eq!(ann_api.get(&invitations_api).await.ok(), &json!([]));

    // The super admin sees the actions.
    let a = console(&s, ann).await;
    let html = page(&a, &here("/console/members")).await;
    assert!(html.contains("id=\"invite\""));
    assert!(html.contains(&format!("/console/members/{}/delete?org={org}", bob.id)));
    assert!(html.contains("value=\"super_admin\""));

    // Invite: CSRF first, then errors under the field in both languages.
    csrf_refused(
        &a,
        &here("/console/members"),
        &[("user_name", "dora"), ("role", "member")],
    )
    .await;
    assert_eq!(ann_api.get(&invitations_api).await.ok(), &json!([]));
    let (status, html, _) = submit(
        &a,
        &here("/console/members"),
        &[("user_name", "no spaces"), ("role", "member")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    error_at(&html, "user_name", Lang::En.t("orgs.field.user_name"));
    assert!(html.contains("value=\"no spaces\""), "what was typed stays");
    let (status, html, _) = submit(
        &a,
        &here("/console/members"),
        &[("user_name", "bob"), ("role", "member")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    error_at(&html, "user_name", "That account is already a member.");
    speak(&a, Lang::ZhCn).await;
    let (_, html, _) = submit(
        &a,
        &here("/console/members"),
        &[("user_name", "no spaces"), ("role", "member")],
    )
    .await;
    error_at(&html, "user_name", Lang::ZhCn.t("orgs.field.user_name"));
    let (_, html, _) = submit(
        &a,
        &here("/console/members"),
        &[("user_name", "dora"), ("role", "owner")],
    )
    .await;
    error_at(&html, "role", Lang::ZhCn.t("orgs.field.role"));
    speak(&a, Lang::En).await;

    // Invite for real: the invitation is pending and listed with a cancel.
    let (status, _, to) = submit(
        &a,
        &here("/console/members"),
        &[("user_name", "dora"), ("role", "admin")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, Some(here("/console/members")));
    let pending = ann_api.get(&invitations_api).await.ok().clone();
    assert_eq!(pending[0]["user_name"], json!("dora"));
    assert_eq!(pending[0]["role"], json!("admin"));
    let inv = pending[0]["id"].as_str().unwrap().to_string();
    let cancel = here(&format!("/console/members/invitations/{inv}/cancel"));
    assert!(
        page(&a, &here("/console/members"))
            .await
            .contains(&escaped(&cancel))
    );
    // Cancelling confirms first.
    let confirm = page(&a, &cancel).await;
    assert!(
        confirm.contains("dora") && confirm.contains("button type=\"submit\" class=\"danger\"")
    );
    assert!(confirm.contains(&format!("action=\"{}\"", escaped(&cancel))));
    assert_eq!(
        ann_api
            .get(&invitations_api)
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    csrf_refused(&a, &cancel, &[]).await;
    assert_eq!(
        ann_api
            .get(&invitations_api)
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (status, _, _) = submit(&a, &cancel, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(ann_api.get(&invitations_api).await.ok(), &json!([]));

    // Role changes: the super admin makes bob an admin.
    let set_bob = here(&format!("/console/members/{}/role", bob.id));
    csrf_refused(&a, &set_bob, &[("role", "admin")]).await;
    assert_eq!(role_of("bob").await.as_deref(), Some("member"));
    let (status, _, _) = submit(&a, &set_bob, &[("role", "admin")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(role_of("bob").await.as_deref(), Some("admin"));
    // An admin is not offered super admin, and cannot hand it out.
    let l = console(&s, al).await;
    let html = page(&l, &here("/console/members")).await;
    assert!(html.contains("id=\"invite\""));
    assert!(
        !html.contains("value=\"super_admin\""),
        "may_assign: only super admins hand out super admin"
    );
    assert!(
        !html.contains(&format!("/console/members/{}/delete", ann.id)),
        "an admin cannot remove a super admin"
    );
    let (status, html, _) = submit(
        &l,
        &here(&format!("/console/members/{}/role", cy.id)),
        &[("role", "super_admin")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains(&format!("id=\"role-{}-error\"", cy.id)),
        "the refusal stands in the member's row"
    );
    assert_eq!(role_of("cy").await.as_deref(), Some("member"));

    // Removing confirms first with what happens, then removes.
    let remove = here(&format!("/console/members/{}/delete", cy.id));
    let confirm = page(&l, &remove).await;
    assert!(confirm.contains(&escaped(Lang::En.t("orgs.remove_member_warning"))));
    assert!(confirm.contains(&format!("action=\"{}\"", escaped(&remove))));
    assert!(
        confirm.contains(&format!("href=\"{}\"", escaped(&here("/console/members")))),
        "a way back"
    );
    assert_eq!(
        role_of("cy").await.as_deref(),
        Some("member"),
        "opening the confirmation removes nothing"
    );
    csrf_refused(&l, &remove, &[]).await;
    assert_eq!(role_of("cy").await.as_deref(), Some("member"));
    let (status, _, _) = submit(&l, &remove, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(role_of("cy").await, None);

    // The personal edition has no members page; a stranger's org is not found.
    let (status, _) = open(&a, "/console/members").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let stranger = console(&s, &s.user("eve").await).await;
    let (status, _) = open(&stranger, &here("/console/members")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspaces_page_creates_workspaces_and_manages_their_members() {
    let s = Server::start(Db::Sqlite).await;
    let acme = Org::build(&s, "acme")
        .owner("ann")
        .member("bob")
        .member("cy")
        .workspace_with("shared", &["bob"])
        .create()
        .await;
    let ((ann, ann_api), (bob, _), (cy, _)) =
        (acme.member("ann"), acme.member("bob"), acme.member("cy"));
    let org = acme.id.clone();
    let here = |path: &str| format!("{path}?org={org}");
    let workspaces = || {
        let path = format!("/api/manage/workspaces?organization_id={org}");
        async move { names(ann_api.get(&path).await.ok(), "name") }
    };
    let ws_members = |ws: i64| async move {
        names(
            ann_api
                .get(&format!("/api/manage/workspaces/{ws}/members"))
                .await
                .ok(),
            "user_name",
        )
    };

    // A member sees their workspaces, cannot create one or manage members.
    let m = console(&s, bob).await;
    let html = page(&m, &here("/console/workspaces")).await;
    assert!(html.contains("shared"));
    assert!(!html.contains("id=\"create\""));
    assert!(html.contains(&escaped(Lang::En.t("orgs.workspaces_admins_create"))));
    let (status, html, _) = submit(&m, &here("/console/workspaces"), &[("name", "mine")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("Only a super admin or admin of the team/enterprise"),
        "the refusal is said: {html}"
    );
    assert_eq!(workspaces().await, ["shared"]);
    let shared = acme.workspace("shared");
    let ws_page = here(&format!("/console/workspaces/{shared}"));
    let html = page(&m, &ws_page).await;
    assert!(html.contains("ann") && html.contains("bob"));
    assert!(!html.contains("id=\"add\"") && !html.contains("/delete?org="));
    let (status, _, _) = submit(&m, &ws_page, &[("user_name", "cy"), ("role", "member")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(ws_members(shared).await, ["ann", "bob"]);

    // The admin creates one; errors stand under the name in both languages.
    let a = console(&s, ann).await;
    let html = page(&a, &here("/console/workspaces")).await;
    assert!(html.contains("id=\"create\""));
    csrf_refused(&a, &here("/console/workspaces"), &[("name", "design")]).await;
    assert_eq!(workspaces().await, ["shared"]);
    let (status, html, _) = submit(&a, &here("/console/workspaces"), &[("name", "")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    error_at(&html, "name", Lang::En.t("field.name"));
    speak(&a, Lang::ZhCn).await;
    let (_, html, _) = submit(&a, &here("/console/workspaces"), &[("name", " ")]).await;
    error_at(&html, "name", Lang::ZhCn.t("field.name"));
    speak(&a, Lang::En).await;
    let (status, _, to) = submit(&a, &here("/console/workspaces"), &[("name", "design")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, Some(here("/console/workspaces")));
    assert_eq!(workspaces().await, ["design", "shared"]);

    // Members of a workspace: add one of the organization's members.
    let html = page(&a, &ws_page).await;
    assert!(html.contains("id=\"add\""));
    csrf_refused(&a, &ws_page, &[("user_name", "cy"), ("role", "member")]).await;
    let (status, html, _) = submit(&a, &ws_page, &[("user_name", "zed"), ("role", "member")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    error_at(&html, "user_name", Lang::En.t("orgs.field.ws_user_name"));
    speak(&a, Lang::ZhCn).await;
    let (_, html, _) = submit(&a, &ws_page, &[("user_name", "zed"), ("role", "member")]).await;
    error_at(&html, "user_name", Lang::ZhCn.t("orgs.field.ws_user_name"));
    speak(&a, Lang::En).await;
    let (status, _, _) = submit(&a, &ws_page, &[("user_name", "cy"), ("role", "admin")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(ws_members(shared).await, ["ann", "bob", "cy"]);

    // Removing confirms first; the owner has no remove.
    let html = page(&a, &ws_page).await;
    assert!(!html.contains(&format!("/members/{}/delete", ann.id)));
    let remove = here(&format!(
        "/console/workspaces/{shared}/members/{}/delete",
        bob.id
    ));
    assert!(html.contains(&escaped(&remove)));
    let confirm = page(&a, &remove).await;
    assert!(confirm.contains(&escaped(Lang::En.t("orgs.remove_ws_member_warning"))));
    assert!(confirm.contains(&format!("action=\"{}\"", escaped(&remove))));
    csrf_refused(&a, &remove, &[]).await;
    assert_eq!(ws_members(shared).await, ["ann", "bob", "cy"]);
    let (status, _, _) = submit(&a, &remove, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(ws_members(shared).await, ["ann", "cy"]);
    // A workspace of another space is not found here.
    let (status, _) = open(
        &a,
        &format!("/console/workspaces/{}", ann.personal_workspace),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the personal workspace in the personal space"
    );
    let (status, _) = open(
        &a,
        &here(&format!("/console/workspaces/{}", ann.personal_workspace)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let _ = cy;
}

/// A third party's web app, asked for by `user` in the organization `org` (its
/// consent there is the install request); the app and the user's token.
pub(crate) async fn requested_app(
    s: &Server,
    org: &str,
    user: &User,
    name: &str,
) -> (String, String) {
    let dev = s
        .login(
            &s.user(&format!("dev-{}", name.to_lowercase().replace(' ', "-")))
                .await,
        )
        .await;
    let web = app(&dev, name, "web", &["Account.readProfile", "Bot.list"]).await;
    let id = web["app_id"].as_str().unwrap().to_string();
    let b = Browser::new(&s.base);
    let (_, consent) = b.open_as(&authorize_url(&id, CALLBACK, ""), user).await;
    let r = b.consent(&consent, "approve", org).await;
    let code = query_params(&location(&r).unwrap())["code"].clone();
    let t = exchange(s, &id, web["client_secret"].as_str(), &code, json!({})).await;
    (id, t.token()["access_token"].as_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installations_page_installs_and_uninstall_deletes_the_apps_tokens() {
    let s = Server::start(Db::Sqlite).await;
    let acme = Org::build(&s, "acme")
        .owner("ann")
        .member("bob")
        .workspace_with("shared", &["bob"])
        .create()
        .await;
    let ((ann, ann_api), (bob, _)) = (acme.member("ann"), acme.member("bob"));
    let org = acme.id.clone();
    let here = |path: &str| format!("{path}?org={org}");
    let installs_api = format!("/api/manage/organizations/{org}/installations");
    let (app_id, token) = requested_app(&s, &org, bob, "Third Party").await;
    let bots = format!("/v1/bots?workspace_id={}", acme.workspace("shared"));
    s.bearer(&token).get(&bots).await.fails(403, 4101);

    // A member sees that only admins manage installations, and cannot install.
    let m = console(&s, bob).await;
    let html = page(&m, &here("/console/installations")).await;
    assert!(html.contains(&escaped(Lang::En.t("orgs.installations_admins_only"))));
    assert!(!html.contains(&app_id) && !html.contains("id=\"install-client\""));
    let (status, _, _) = submit(
        &m,
        &here("/console/installations"),
        &[("client_id", &app_id)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let uninstall = here(&format!("/console/installations/{app_id}/delete"));
    let (status, _) = open(&m, &uninstall).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        ann_api.get(&installs_api).await.ok()["installed_obo"],
        json!([])
    );

    // The admin sees the request, with Install and Refuse.
    let a = console(&s, ann).await;
    let html = page(&a, &here("/console/installations")).await;
    let requests = &html[html
        .find("id=\"install-requests\"")
        .expect("the requests table")..];
    assert!(requests.contains("Third Party") && requests.contains(&app_id));
    assert!(requests.contains(&format!("name=\"client_id\" value=\"{app_id}\"")));
    // Errors of the install form stand under the client id, in both languages.
    let (status, html, _) = submit(
        &a,
        &here("/console/installations"),
        &[("client_id", "nope.app.buckle")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    error_at(&html, "client_id", "");
    assert!(html.contains("value=\"nope.app.buckle\""));
    speak(&a, Lang::ZhCn).await;
    let (_, html, _) = submit(
        &a,
        &here("/console/installations"),
        &[("client_id", "nope.app.buckle")],
    )
    .await;
    error_at(&html, "client_id", Lang::ZhCn.t("refusal.not_found"));
    speak(&a, Lang::En).await;
    csrf_refused(
        &a,
        &here("/console/installations"),
        &[("client_id", &app_id)],
    )
    .await;
    assert_eq!(
        ann_api.get(&installs_api).await.ok()["installed_obo"],
        json!([])
    );

    // Installing from the request: the member's token now reaches the team.
    let (status, _, to) = submit(
        &a,
        &here("/console/installations"),
        &[("client_id", &app_id)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, Some(here("/console/installations")));
    assert_eq!(
        names(
            &ann_api.get(&installs_api).await.ok()["installed_obo"],
            "app_id"
        ),
        [app_id.as_str()]
    );
    s.bearer(&token).get(&bots).await.ok();
    let html = page(&a, &here("/console/installations")).await;
    let installed = &html[html
        .find("id=\"installed-obo\"")
        .expect("the installed OBO table")..];
    assert!(installed.contains(&escaped(&uninstall)));

    // Uninstalling confirms first, warning about the tokens; then deletes them.
    let confirm = page(&a, &uninstall).await;
    assert!(
        confirm.contains(&escaped(Lang::En.t("orgs.uninstall_warning"))),
        "{confirm}"
    );
    assert!(confirm.contains(&format!("action=\"{}\"", escaped(&uninstall))));
    s.bearer(&token).get(&bots).await.ok();
    csrf_refused(&a, &uninstall, &[]).await;
    s.bearer(&token).get(&bots).await.ok();
    let (status, _, _) = submit(&a, &uninstall, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        ann_api.get(&installs_api).await.ok()["installed_obo"],
        json!([])
    );
    s.bearer(&token).get(&bots).await.fails(401, 4100);
    s.bearer(&token).get("/v1/users/me").await.fails(401, 4100);
    // Gone: its confirmation page says so.
    let (status, _) = open(&a, &uninstall).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The personal edition has no installations.
    let (status, _) = open(&a, "/console/installations").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorized_apps_page_revokes_after_confirmation_and_the_tokens_go() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let dev = s.login(&s.user("dev").await).await;
    let flow = web_flow(&s, &alice, &dev, "Photo Printer", &["Account.readProfile"]).await;
    s.bearer(&flow.access).get("/v1/users/me").await.ok();
    let b = console(&s, &alice).await;
    let html = page(&b, "/console/authorized-apps").await;
    assert!(html.contains("Photo Printer") && html.contains(&flow.id));
    let revoke = format!("/console/authorized-apps/{}/delete", flow.id);
    assert!(html.contains(&escaped(&revoke)));
    // Someone who authorized nothing sees nothing to revoke and cannot revoke.
    let other = console(&s, &s.user("olga").await).await;
    let html = page(&other, "/console/authorized-apps").await;
    assert!(html.contains(&escaped(Lang::En.t("orgs.authorized_none"))));
    let (status, _) = open(&other, &revoke).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = submit(&other, &revoke, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.bearer(&flow.access).get("/v1/users/me").await.ok();

    // Confirmation first, with the warning, in both languages.
    let confirm = page(&b, &revoke).await;
    assert!(confirm.contains(&escaped(Lang::En.t("orgs.revoke_warning"))));
    assert!(confirm.contains(&format!("action=\"{}\"", escaped(&revoke))));
    speak(&b, Lang::ZhCn).await;
    assert!(
        page(&b, &revoke)
            .await
            .contains(&escaped(Lang::ZhCn.t("orgs.revoke_warning")))
    );
    speak(&b, Lang::En).await;
    csrf_refused(&b, &revoke, &[]).await;
    s.bearer(&flow.access).get("/v1/users/me").await.ok();
    let (status, _, to) = submit(&b, &revoke, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/console/authorized-apps"));
    s.bearer(&flow.access)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);
    assert!(
        !page(&b, "/console/authorized-apps")
            .await
            .contains("Photo Printer")
    );
    let api = s.login(&alice).await;
    assert_eq!(
        api.get("/api/manage/authorized_apps").await.ok(),
        &json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_leaves_after_confirming_and_the_last_super_admin_cannot() {
    let s = Server::start(Db::Sqlite).await;
    let acme = Org::build(&s, "acme")
        .owner("ann")
        .member("bob")
        .create()
        .await;
    let ((ann, _), (bob, _)) = (acme.member("ann"), acme.member("bob"));
    let org = acme.id.clone();
    let team_token = acme.pat("bob", &["Account.readProfile"]).await;
    assert_eq!(
        s.bearer(&team_token).get("/v1/users/me").await.status,
        StatusCode::OK
    );

    let b = console(&s, bob).await;
    let html = page(&b, &format!("/console/members?org={org}")).await;
    assert!(
        html.contains(&format!("/console/members/leave?org={org}")),
        "{html}"
    );
    let confirm = page(&b, &format!("/console/members/leave?org={org}")).await;
    assert!(
        confirm.contains(&escaped(Lang::En.t("orgs.leave_warning"))),
        "{confirm}"
    );
    assert!(confirm.contains("class=\"danger\""));
    csrf_refused(&b, &format!("/console/members/leave?org={org}"), &[]).await;
    assert_eq!(
        s.bearer(&team_token).get("/v1/users/me").await.status,
        StatusCode::OK,
        "a refused form changed nothing"
    );

    let (status, _, to) = submit(&b, &format!("/console/members/leave?org={org}"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/console/organizations"));
    // Out of the team: its pages are not theirs, its tokens are gone.
    let (status, _) = open(&b, &format!("/console/members?org={org}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.bearer(&team_token)
        .get("/v1/users/me")
        .await
        .fails(401, 4100);

    // The last super admin stays: the team would have no one to run it.
    let a = console(&s, ann).await;
    let (status, html, _) = submit(&a, &format!("/console/members/leave?org={org}"), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    assert!(
        html.contains("must keep at least one super admin"),
        "{html}"
    );
    page(&a, &format!("/console/members?org={org}")).await;
}
