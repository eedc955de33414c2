//! The console's access token pages: making a token through the form, seeing its
//! secret once and using it, editing and deleting it after confirmation; errors
//! next to their fields in the page's language; what a member may not grant is
//! shown disabled and refused; service tokens only for an organization's admins.

use crate::testkit::*;
use reqwest::StatusCode;

/// The secret shown once on the "token created" page.
fn shown_secret(page: &str) -> String {
    let open = "<code id=\"secret\">";
    let at = page.find(open).expect("the secret") + open.len();
    page[at..at + page[at..].find('<').unwrap()].to_string()
}

fn csrf_of(page: &str) -> String {
    form_field(page, "csrf").expect("a csrf field")
}

/// A browser signed in as `user` (English pages unless `lang` is set).
async fn console(s: &Server, user: &User, lang: Option<&str>) -> Browser {
    let b = Browser::new(&s.base);
    if let Some(tag) = lang {
        b.get(&format!("/lang/{tag}?next=/")).await;
    }
    b.sign_in(user).await;
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_makes_uses_edits_and_deletes_a_token_through_the_pages() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let b = console(&s, &alice, None).await;

    let list = b.get("/console/tokens").await.text().await.unwrap();
    assert!(list.contains("No tokens yet"), "{list}");
    let form = b.get("/console/tokens/new").await.text().await.unwrap();
    // The personal edition offers at most 30 days, never a permanent token.
    assert!(form.contains("value=\"30d\" selected"), "{form}");
    assert!(!form.contains("value=\"permanent\""), "{form}");
    assert!(!form.contains("value=\"90d\""), "{form}");
    // Team-level points cannot be granted in the personal edition: shown disabled.
    assert!(
        form.contains("value=\"Organization.listMembers\""),
        "{form}"
    );
    let csrf = csrf_of(&form);
    let r = b
        .post_form(
            "/console/tokens/new",
            &[
                ("csrf", &csrf),
                ("name", "laptop"),
                ("expires_in", "7d"),
                ("workspaces", "all"),
                ("permissions", "Account.readProfile"),
                ("permissions", "Workspace.list"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = r.text().await.unwrap();
    let secret = shown_secret(&page);
    assert!(secret.starts_with("pat_"), "{secret}");
    assert!(page.contains("data-copy=\"secret\""), "a copy button");
    let me = s.bearer(&secret).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_name"], "alice");

    // The list shows the token with its hint and points, never the secret.
    let list = b.get("/console/tokens").await.text().await.unwrap();
    assert!(
        list.contains("laptop") && list.contains("Workspace.list"),
        "{list}"
    );
    assert!(!list.contains(&secret), "the list never shows a secret");
    let token_id = list
        .split("/console/tokens/")
        .filter_map(|rest| rest.split_once("/edit\""))
        .map(|(id, _)| id.to_string())
        .next()
        .expect("an edit link");

    // Edit: rename, drop a point. The lifetime is not on the edit form.
    let edit = b
        .get(&format!("/console/tokens/{token_id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("value=\"laptop\""), "{edit}");
    assert!(!edit.contains("name=\"expires_in\""), "{edit}");
    let r = b
        .post_form(
            &format!("/console/tokens/{token_id}/edit"),
            &[
                ("csrf", &csrf_of(&edit)),
                ("name", "old laptop"),
                ("workspaces", "all"),
                ("permissions", "Workspace.list"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r).as_deref(), Some("/console/tokens"));
    s.bearer(&secret).get("/v1/users/me").await.fails(403, 4101);

    // Delete: a confirmation page first; its button deletes.
    let confirm = b
        .get(&format!("/console/tokens/{token_id}/delete"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        confirm.contains("old laptop") && confirm.contains("stop working"),
        "{confirm}"
    );
    s.bearer(&secret).get("/v1/workspaces").await.ok();
    let r = b
        .post_form(
            &format!("/console/tokens/{token_id}/delete"),
            &[("csrf", &csrf_of(&confirm))],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    s.bearer(&secret)
        .get("/v1/workspaces")
        .await
        .fails(401, 4100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_this_sessions_csrf_token_change_nothing() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let b = console(&s, &alice, None).await;
    for csrf in ["", "forged"] {
        let r = b
            .post_form(
                "/console/tokens/new",
                &[
                    ("csrf", csrf),
                    ("name", "x"),
                    ("expires_in", "1d"),
                    ("workspaces", "all"),
                    ("permissions", "Workspace.list"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let list = b.get("/console/tokens").await.text().await.unwrap();
    assert!(list.contains("No tokens yet"), "{list}");
    // A signed-out visitor is sent to sign in.
    let anon = Browser::new(&s.base);
    let r = anon.get("/console/tokens/new").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).unwrap().starts_with("/login?next="));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_show_next_to_their_field_in_the_pages_language() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    for (lang, name_error, point_error) in [
        ("en", "Enter a name of 1 to 100 characters.", "permissions"),
        ("zh-CN", "请输入 1 到 100 个字符的名称。", "请求未被接受"),
    ] {
        let b = console(&s, &alice, Some(lang)).await;
        let form = b.get("/console/tokens/new").await.text().await.unwrap();
        let csrf = csrf_of(&form);
        let r = b
            .post_form(
                "/console/tokens/new",
                &[
                    ("csrf", &csrf),
                    ("name", "   "),
                    ("expires_in", "1d"),
                    ("workspaces", "all"),
                    ("permissions", "Workspace.list"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{lang}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("aria-describedby=\"name-error\""),
            "{lang}: {page}"
        );
        let at =
            page.find("id=\"name-error\">").expect("the name's error") + "id=\"name-error\">".len();
        assert!(page[at..].starts_with(name_error), "{lang}: {page}");
        // What was typed and ticked stays.
        assert!(
            page.contains("value=\"Workspace.list\" checked"),
            "{lang}: {page}"
        );

        let r = b
            .post_form(
                "/console/tokens/new",
                &[
                    ("csrf", &csrf),
                    ("name", "kept name"),
                    ("expires_in", "1d"),
                    ("workspaces", "all"),
                    ("permissions", "No.suchPoint"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{lang}");
        let page = r.text().await.unwrap();
        assert!(page.contains("value=\"kept name\""), "{lang}: {page}");
        let at = page
            .find("id=\"permissions-error\">")
            .expect("the points' error");
        assert!(page[at..].contains(point_error), "{lang}: {page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_see_team_points_disabled_and_only_admins_make_service_tokens() {
    let s = Server::start(Db::Sqlite).await;
    let org = Org::build(&s, "Acme")
        .owner("olga")
        .member("mike")
        .workspace_with("ops", &["mike"])
        .create()
        .await;
    let (mike, _) = org.member("mike");
    let (olga, _) = org.member("olga");
    let q = format!("?org={}", org.id);

    let b = console(&s, mike, None).await;
    let form = b
        .get(&format!("/console/tokens/new{q}"))
        .await
        .text()
        .await
        .unwrap();
    let team_point = form
        .split("value=\"Organization.listMembers\"")
        .nth(1)
        .expect("the team-level point is listed");
    assert!(team_point.trim_start().starts_with("disabled"), "{form}");
    assert!(form.contains("Only a super admin or admin"), "{form}");
    // Sending it anyway is refused, and the form says so.
    let r = b
        .post_form(
            &format!("/console/tokens/new{q}"),
            &[
                ("csrf", &csrf_of(&form)),
                ("name", "sneaky"),
                ("expires_in", "1d"),
                ("workspaces", "all"),
                ("permissions", "Organization.listMembers"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("value=\"sneaky\""));
    // Members have no service token pages; nor does the personal edition.
    assert_eq!(
        b.get(&format!("/console/service-tokens{q}")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.get("/console/service-tokens").await.status(),
        StatusCode::NOT_FOUND
    );
    let home = b.get(&format!("/{q}")).await.text().await.unwrap();
    assert!(!home.contains("/console/service-tokens"), "{home}");
    // Not a member: no such space.
    let outsider = s.user("eve").await;
    let e = console(&s, &outsider, None).await;
    assert_eq!(
        e.get(&format!("/console/tokens{q}")).await.status(),
        StatusCode::NOT_FOUND
    );

    // The owner makes a service token; it acts for the organization.
    let a = console(&s, olga, None).await;
    let home = a.get(&format!("/{q}")).await.text().await.unwrap();
    assert!(
        home.contains(&format!("/console/service-tokens{q}")),
        "{home}"
    );
    let form = a
        .get(&format!("/console/service-tokens/new{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("value=\"permanent\""), "{form}");
    let r = a
        .post_form(
            &format!("/console/service-tokens/new{q}"),
            &[
                ("csrf", &csrf_of(&form)),
                ("name", "ci"),
                ("expires_in", "permanent"),
                ("workspaces", "all"),
                ("permissions", "Workspace.list"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let secret = shown_secret(&r.text().await.unwrap());
    assert!(secret.starts_with("sat_"), "{secret}");
    s.bearer(&secret).get("/v1/workspaces").await.ok();
    let list = a
        .get(&format!("/console/service-tokens{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("ci") && list.contains("Never expires"),
        "{list}"
    );
    // The org's service token is not on the personal token list.
    let personal = a
        .get(&format!("/console/tokens{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!personal.contains(">ci<"), "{personal}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_may_last_until_a_chosen_day_within_the_editions_limit() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let b = console(&s, &alice, None).await;
    let form = b.get("/console/tokens/new").await.text().await.unwrap();
    assert!(form.contains("value=\"custom\""), "{form}");
    assert!(form.contains("type=\"date\""), "{form}");
    let csrf = csrf_of(&form);
    let now = s.state.clock.now();
    let day = buckle_server::web::when::day;
    let make = |date: String| {
        let b = &b;
        let csrf = csrf.clone();
        async move {
            b.post_form(
                "/console/tokens/new",
                &[
                    ("csrf", &csrf),
                    ("name", "until a day"),
                    ("expires_in", "custom"),
                    ("expires_on", &date),
                    ("workspaces", "all"),
                    ("permissions", "Account.readProfile"),
                ],
            )
            .await
        }
    };
    // No date, a date that is not one, and a day past the personal edition's 30
    // days: each refused under the date field, nothing made.
    for (date, status) in [
        (String::new(), StatusCode::BAD_REQUEST),
        ("2026-02-30".to_string(), StatusCode::BAD_REQUEST),
        (day(now + 40 * 86_400), StatusCode::BAD_REQUEST),
    ] {
        let r = make(date.clone()).await;
        assert_eq!(r.status(), status, "{date}");
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"expires_on-error\""), "{date}: {page}");
    }
    assert!(
        s.state
            .store
            .personal_tokens_of(buckle_core::AccountId(alice.id), None)
            .await
            .unwrap()
            .is_empty()
    );

    // Ten days on: the token works through the end of that day, UTC.
    let chosen = day(now + 10 * 86_400);
    let r = make(chosen.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let secret = shown_secret(&r.text().await.unwrap());
    assert_eq!(
        s.bearer(&secret).get("/v1/users/me").await.status,
        StatusCode::OK
    );
    let made = s
        .state
        .store
        .personal_tokens_of(buckle_core::AccountId(alice.id), None)
        .await
        .unwrap();
    let expires = made[0].expires_at.expect("an expiry");
    assert_eq!(day(expires - 1), chosen);
    assert_eq!(expires % 86_400, 0, "midnight UTC");
}
