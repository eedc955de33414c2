//! The JSON management API under `/api/manage`: console sessions and CSRF, personal
//! and service access tokens, organizations, workspaces, accounts, and how every
//! malformed request is answered.

use crate::on_both_databases;
use crate::testkit::*;
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    sign_in_cookie_csrf_and_sign_out,
    sign_in_throttling_is_per_account,
    personal_token_secret_is_shown_once,
    last_used_at_is_recorded_after_use,
    personal_edition_expiry_rules,
    organization_expiry_policy,
    grant_validation,
    team_level_and_operator_points,
    editing_a_token_takes_effect_at_once,
    deleting_a_token_and_other_users_tokens,
    management_through_tokens,
    profile_edit_through_a_token_needs_a_manage_point,
    service_access_tokens,
    organizations,
    organization_members_and_roles,
    removing_a_member_revokes_their_team_tokens,
    workspaces_and_their_members,
    team_admins_manage_team_workspaces_they_are_not_in,
    accounts,
    changing_the_password_ends_sessions,
    malformed_requests_get_400,
    permission_catalog,
);

const TEAM_LEVEL_MSG: &str = "This app declares permissions at the team/enterprise level; only a super admin or admin of the team/enterprise can authorize it.";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A request with exactly the cookie and CSRF header given (no cookie jar).
async fn raw(
    s: &Server,
    method: Method,
    path: &str,
    session: Option<&str>,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut rb = reqwest::Client::new().request(method, s.url(path));
    if let Some(c) = session {
        rb = rb.header("cookie", format!("buckle_session={c}"));
    }
    if let Some(t) = csrf {
        rb = rb.header("x-csrf-token", t);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    Reply::of(rb.send().await.unwrap()).await
}

/// A signed-in session's request with a raw body and content type.
async fn raw_body(
    sess: &Session,
    method: Method,
    path: &str,
    content_type: &str,
    body: &str,
) -> Reply {
    let r = sess
        .client
        .request(method, format!("{}{}", sess.base, path))
        .header("x-csrf-token", &sess.csrf)
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    Reply::of(r).await
}

async fn sign_in(s: &Server, user_name: &str, password: &str) -> Reply {
    raw(
        s,
        Method::POST,
        "/api/manage/session",
        None,
        None,
        Some(json!({"user_name": user_name, "password": password})),
    )
    .await
}

fn team_pat(org: &str, points: &[&str], expires_in: &str) -> Value {
    json!({
        "name": "team token",
        "organization_id": org,
        "permissions": points,
        "all_workspaces": true,
        "expires_in": expires_in,
    })
}

/// The `id`s of a listed array, sorted (ids are random, so lists of equal
/// creation time have no meaningful order).
fn ids_of(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn sign_in_cookie_csrf_and_sign_out(s: Server) {
    let alice = s.user("alice").await;
    let wrong = sign_in(&s, "alice", "not-the-password").await;
    assert_eq!(wrong.fails(401, 4100), "Wrong user name or password.");
    let unknown = sign_in(&s, "nobody", "whatever-password").await;
    assert_eq!(unknown.fails(401, 4100), "Wrong user name or password.");

    let resp = reqwest::Client::new()
        .post(s.url("/api/manage/session"))
        .json(&json!({"user_name": "alice", "password": alice.password}))
        .send()
        .await
        .unwrap();
    let set_cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("buckle_session="))
        .expect("a buckle_session cookie");
    let attrs: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
    assert!(attrs.contains(&"HttpOnly"), "{set_cookie}");
    assert!(attrs.contains(&"SameSite=Lax"), "{set_cookie}");
    assert!(attrs.contains(&"Path=/"), "{set_cookie}");
    let session = attrs[0]
        .strip_prefix("buckle_session=")
        .unwrap()
        .to_string();
    assert!(session.len() >= 32, "{set_cookie}");
    let login = Reply::of(resp).await;
    let d = login.ok();
    let csrf = d["csrf_token"].as_str().unwrap().to_string();
    assert!(!csrf.is_empty());
    assert_ne!(csrf, session, "the CSRF token is not the cookie");
    assert!(
        !login.body.to_string().contains(&session),
        "the body never repeats the cookie"
    );
    assert_eq!(d["account"]["user_id"], json!(alice.id.to_string()));
    assert_eq!(d["account"]["user_name"], json!("alice"));

    // Reads need the cookie only.
    let cur = raw(
        &s,
        Method::GET,
        "/api/manage/session",
        Some(&session),
        None,
        None,
    )
    .await;
    assert_eq!(cur.ok()["account"]["user_id"], json!(alice.id.to_string()));
    assert_eq!(cur.ok()["csrf_token"], json!(csrf));
    raw(&s, Method::GET, "/api/manage/session", None, None, None)
        .await
        .fails(401, 4100);
    raw(&s, Method::GET, "/api/manage/workspaces", None, None, None)
        .await
        .fails(401, 4100);
    raw(
        &s,
        Method::GET,
        "/api/manage/session",
        Some("not-a-session"),
        None,
        None,
    )
    .await
    .fails(401, 4100);

    // Mutations also need the CSRF header, and the right one.
    let ws = json!({"name": "csrf probe"});
    raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        Some(&session),
        None,
        Some(ws.clone()),
    )
    .await
    .fails(403, 4101);
    raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        Some(&session),
        Some("wrong"),
        Some(ws.clone()),
    )
    .await
    .fails(403, 4101);
    let bob = s.user("bob").await;
    let bobs = s.login(&bob).await;
    raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        Some(&session),
        Some(&bobs.csrf),
        Some(ws.clone()),
    )
    .await
    .fails(403, 4101);
    raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        None,
        Some(&csrf),
        Some(ws.clone()),
    )
    .await
    .fails(401, 4100);
    let created = raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        Some(&session),
        Some(&csrf),
        Some(ws),
    )
    .await;
    assert_eq!(created.ok()["name"], json!("csrf probe"));
    // Only the accepted request made a workspace.
    let list = raw(
        &s,
        Method::GET,
        "/api/manage/workspaces",
        Some(&session),
        None,
        None,
    )
    .await;
    let probes = list
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["name"] == json!("csrf probe"))
        .count();
    assert_eq!(probes, 1);

    // Signing out needs the header too, then ends the session for good.
    raw(
        &s,
        Method::DELETE,
        "/api/manage/session",
        Some(&session),
        None,
        None,
    )
    .await
    .fails(403, 4101);
    let out = reqwest::Client::new()
        .delete(s.url("/api/manage/session"))
        .header("cookie", format!("buckle_session={session}"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    let cleared = out
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("buckle_session="))
        .expect("sign-out clears the cookie");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    Reply::of(out).await.ok();
    raw(
        &s,
        Method::GET,
        "/api/manage/session",
        Some(&session),
        None,
        None,
    )
    .await
    .fails(401, 4100);
    raw(
        &s,
        Method::POST,
        "/api/manage/workspaces",
        Some(&session),
        Some(&csrf),
        Some(json!({"name": "late"})),
    )
    .await
    .fails(401, 4100);
    // Bob's session is untouched.
    bobs.get("/api/manage/session").await.ok();
}

/// User names are case-sensitive (`alice` and `ALICE` are two accounts; the
/// lookup and the UNIQUE constraint compare exactly), and so is the sign-in
/// throttle: guessing one account's password neither slows down, nor is reset by
/// a success of, another account.
async fn sign_in_throttling_is_per_account(s: Server) {
    s.state.clock.freeze();
    let lower = s.user("alice").await;
    let upper = s.user("ALICE").await;
    for i in 0..buckle_core::throttle::ACCOUNT.free_failures {
        sign_in(&s, "alice", &format!("guess-{i}"))
            .await
            .fails(401, 4100);
    }
    sign_in(&s, "alice", &lower.password).await.fails(429, 4013);
    // Another account, whose password nobody guessed, signs in.
    let other = sign_in(&s, "ALICE", &upper.password).await;
    assert_eq!(
        other.ok()["account"]["user_id"],
        json!(upper.id.to_string())
    );
    // And its success does not lift the wait of the first one.
    sign_in(&s, "alice", &lower.password).await.fails(429, 4013);
}

async fn personal_token_secret_is_shown_once(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let r = a
        .post(
            "/api/manage/personal_access_tokens",
            json!({
                "name": "ci token",
                "permissions": ["Bot.list", "Account.readProfile"],
                "all_workspaces": true,
                "expires_in": "7d",
            }),
        )
        .await;
    let d = r.ok().clone();
    let secret = d["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("pat_"), "{secret}");
    assert_eq!(secret.len(), 68);
    assert!(secret[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
    let id = d["id"].as_str().unwrap().to_string();
    assert!(id.parse::<i64>().is_ok(), "ids are numeric strings: {id}");
    assert_eq!(d["last_chars"], json!(&secret[64..]));
    assert_eq!(d["kind"], json!("pat"));
    assert_eq!(d["name"], json!("ci token"));
    assert_eq!(d["organization_id"], Value::Null);
    assert_eq!(d["permissions"], json!(["Account.readProfile", "Bot.list"]));
    assert_eq!(
        d["expires_at"].as_i64().unwrap() - d["created_at"].as_i64().unwrap(),
        7 * 86_400
    );
    assert_eq!(d["last_used_at"], Value::Null);

    // A second token, so the list has more than one entry to leak from.
    let (other_id, other_secret) = a
        .pat(json!({"name": "other", "permissions": ["Bot.list"], "workspace_ids": [alice.personal_workspace.to_string()], "expires_in": "1h"}))
        .await;

    let list = a.get("/api/manage/personal_access_tokens").await;
    let items = list.ok().as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let text = list.body.to_string();
    assert!(
        !text.contains(&secret) && !text.contains(&other_secret),
        "list leaks a secret"
    );
    for item in &items {
        assert!(item.get("token").is_none(), "{item}");
        for key in [
            "id",
            "name",
            "last_chars",
            "permissions",
            "all_workspaces",
            "workspace_ids",
            "created_at",
            "expires_at",
            "last_used_at",
        ] {
            assert!(item.get(key).is_some(), "{key} missing in {item}");
        }
    }
    let mine = items.iter().find(|t| t["id"] == json!(id)).unwrap();
    assert_eq!(mine["name"], json!("ci token"));
    assert_eq!(mine["last_chars"], json!(&secret[64..]));
    assert_eq!(
        mine["permissions"],
        json!(["Account.readProfile", "Bot.list"])
    );
    assert_eq!(mine["all_workspaces"], json!(true));
    assert_eq!(mine["workspace_ids"], json!([]));
    assert_eq!(mine["created_at"], d["created_at"]);
    assert_eq!(mine["expires_at"], d["expires_at"]);
    assert_eq!(mine["last_used_at"], Value::Null);
    let other = items.iter().find(|t| t["id"] == json!(other_id)).unwrap();
    assert_eq!(other["all_workspaces"], json!(false));
    assert_eq!(
        other["workspace_ids"],
        json!([alice.personal_workspace.to_string()])
    );
    assert_eq!(other["last_chars"], json!(&other_secret[64..]));

    let one = a
        .get(&format!("/api/manage/personal_access_tokens/{id}"))
        .await;
    let o = one.ok();
    assert!(o.get("token").is_none());
    assert!(!one.body.to_string().contains(&secret));
    assert_eq!(o["id"], json!(id));
    assert_eq!(o["last_chars"], json!(&secret[64..]));
    assert_eq!(o["name"], json!("ci token"));

    // Organization tokens are listed in their own edition, not in the personal one.
    let team = a.team("acme").await;
    let (team_id, _) = a.pat(team_pat(&team, &["Bot.list"], "1d")).await;
    let personal = a.get("/api/manage/personal_access_tokens").await;
    assert!(!ids_of(personal.ok()).contains(&team_id));
    let in_team = a
        .get(&format!(
            "/api/manage/personal_access_tokens?organization_id={team}"
        ))
        .await;
    assert_eq!(ids_of(in_team.ok()), vec![team_id]);
    assert_eq!(in_team.ok()[0]["organization_id"], json!(team));

    // The secret works on the OpenAPI.
    let me = s.bearer(&secret).get("/v1/users/me").await;
    assert_eq!(me.ok()["user_id"], json!(alice.id.to_string()));
}

async fn last_used_at_is_recorded_after_use(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let (id, secret) = a
        .pat(json!({"name": "t", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    let path = format!("/api/manage/personal_access_tokens/{id}");
    let before = a.get(&path).await;
    assert_eq!(before.ok()["last_used_at"], Value::Null);
    let created_at = before.ok()["created_at"].as_i64().unwrap();
    s.bearer(&secret).get("/v1/users/me").await.ok();
    // The use is recorded in the background; give it a moment.
    let mut last_used = Value::Null;
    for _ in 0..20 {
        last_used = a.get(&path).await.ok()["last_used_at"].clone();
        if !last_used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let t = last_used
        .as_i64()
        .expect("last_used_at is set within 2 s of a use");
    assert!(t >= created_at && t <= now() + 1, "{t} vs {created_at}");
    // Another token of the same account stays unused.
    let (other, _) = a
        .pat(json!({"name": "u", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    let o = a
        .get(&format!("/api/manage/personal_access_tokens/{other}"))
        .await;
    assert_eq!(o.ok()["last_used_at"], Value::Null);
}

async fn personal_edition_expiry_rules(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let body = |extra: Value| {
        let mut b =
            json!({"name": "t", "permissions": ["Account.readProfile"], "all_workspaces": true});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (choice, secs) in [
        ("1h", 3_600),
        ("1d", 86_400),
        ("7d", 7 * 86_400),
        ("30d", 30 * 86_400),
    ] {
        let r = a
            .post(
                "/api/manage/personal_access_tokens",
                body(json!({"expires_in": choice})),
            )
            .await;
        let d = r.ok();
        assert_eq!(
            d["expires_at"].as_i64().unwrap() - d["created_at"].as_i64().unwrap(),
            secs,
            "{choice}"
        );
    }
    let at = now() + 10 * 86_400;
    let r = a
        .post(
            "/api/manage/personal_access_tokens",
            body(json!({"expires_at": at})),
        )
        .await;
    assert_eq!(r.ok()["expires_at"], json!(at));

    let path = "/api/manage/personal_access_tokens";
    for bad in [
        json!({"expires_in": "31d"}),
        json!({"expires_in": "permanent"}),
        json!({"expires_in": "never"}),
        json!({"expires_in": "1w"}),
        json!({"expires_in": "0d"}),
        json!({"expires_at": now() - 10}),
        json!({"expires_at": now() + 31 * 86_400}),
        json!({"expires_in": "1d", "expires_at": now() + 3_600}),
        json!({}),
    ] {
        a.post(path, body(bad.clone())).await.fails(400, 4000);
    }
    // Only the five good ones were made.
    assert_eq!(a.get(path).await.ok().as_array().unwrap().len(), 5);
}

async fn organization_expiry_policy(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let c = s.login(&carol).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();
    let org_path = format!("/api/manage/organizations/{team}");
    assert_eq!(a.get(&org_path).await.ok()["token_max_days"], json!(365));

    let tokens = "/api/manage/personal_access_tokens";
    a.post(tokens, team_pat(&team, &["Bot.list"], "366d"))
        .await
        .fails(400, 4000);
    a.post(tokens, team_pat(&team, &["Bot.list"], "permanent"))
        .await
        .fails(400, 4000);
    let r = a.post(tokens, team_pat(&team, &["Bot.list"], "365d")).await;
    let d = r.ok();
    assert_eq!(
        d["expires_at"].as_i64().unwrap() - d["created_at"].as_i64().unwrap(),
        365 * 86_400
    );
    assert_eq!(d["organization_id"], json!(team));
    // Members have the same policy as admins.
    b.post(tokens, team_pat(&team, &["Bot.list"], "366d"))
        .await
        .fails(400, 4000);
    b.post(tokens, team_pat(&team, &["Bot.list"], "365d"))
        .await
        .ok();

    // Only admins set the policy; outsiders do not even see the team.
    b.patch(&org_path, json!({"token_max_days": null}))
        .await
        .fails(403, 4101);
    c.patch(&org_path, json!({"token_max_days": null}))
        .await
        .fails(404, 4200);
    for bad in [json!(400), json!(0), json!(-1), json!(366)] {
        a.patch(&org_path, json!({"token_max_days": bad}))
            .await
            .fails(400, 4000);
    }
    assert_eq!(a.get(&org_path).await.ok()["token_max_days"], json!(365));

    let r = a.patch(&org_path, json!({"token_max_days": null})).await;
    assert_eq!(r.ok()["token_max_days"], Value::Null);
    assert_eq!(b.get(&org_path).await.ok()["token_max_days"], Value::Null);
    let r = b
        .post(tokens, team_pat(&team, &["Bot.list"], "permanent"))
        .await;
    assert_eq!(r.ok()["expires_at"], Value::Null);
    let permanent = r.ok()["token"].as_str().unwrap().to_string();
    // The personal edition keeps its own 30-day cap.
    b.post(
        tokens,
        json!({"name": "p", "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "permanent"}),
    )
    .await
    .fails(400, 4000);

    // A shorter policy applies to new tokens.
    let r = a.patch(&org_path, json!({"token_max_days": 30})).await;
    assert_eq!(r.ok()["token_max_days"], json!(30));
    a.post(tokens, team_pat(&team, &["Bot.list"], "31d"))
        .await
        .fails(400, 4000);
    a.post(tokens, team_pat(&team, &["Bot.list"], "permanent"))
        .await
        .fails(400, 4000);
    a.post(tokens, team_pat(&team, &["Bot.list"], "30d"))
        .await
        .ok();
    // An absent field changes nothing.
    assert_eq!(
        a.patch(&org_path, json!({})).await.ok()["token_max_days"],
        json!(30)
    );
    // The permanent token made earlier still works.
    let ws = a.workspace("team ws", Some(&team)).await;
    let members = format!("/api/manage/workspaces/{ws}/members");
    a.post(&members, json!({"user_name": "bob", "role": "member"}))
        .await
        .ok();
    s.bearer(&permanent)
        .get(&format!("/v1/bots?workspace_id={ws}"))
        .await
        .ok();
}

async fn grant_validation(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let tokens = "/api/manage/personal_access_tokens";
    let team = a.team("acme").await;
    let team_ws = a.workspace("team ws", Some(&team)).await;
    let mine = a.workspace("second", None).await;
    let base = |extra: Value| {
        let mut b = json!({"name": "t", "permissions": ["Bot.list"], "expires_in": "1d"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for bad in [
        json!({"permissions": ["Bot.fly"]}),
        json!({"permissions": ["Bot.list", "bot.list"]}),
        json!({"permissions": []}),
        json!({"all_workspaces": true, "workspace_ids": [mine.to_string()]}),
        // Bob's workspace is not Alice's.
        json!({"workspace_ids": [bob.personal_workspace.to_string()]}),
        // A workspace of the team is not one of the personal edition.
        json!({"workspace_ids": [team_ws.to_string()]}),
        json!({"workspace_ids": ["not-a-number"]}),
        json!({"workspace_ids": ["999999999"]}),
        json!({"name": "   ", "all_workspaces": true}),
        json!({"name": "x".repeat(101), "all_workspaces": true}),
    ] {
        a.post(tokens, base(bad.clone())).await.fails(400, 4000);
    }
    // A team token cannot name a personal workspace either.
    a.post(
        tokens,
        json!({"name": "t", "organization_id": team, "permissions": ["Bot.list"], "workspace_ids": [mine.to_string()], "expires_in": "1d"}),
    )
    .await
    .fails(400, 4000);
    // Teams one is not in are invisible.
    let b = s.login(&bob).await;
    b.post(tokens, team_pat(&team, &["Bot.list"], "1d"))
        .await
        .fails(404, 4200);
    b.post(tokens, team_pat("123456789", &["Bot.list"], "1d"))
        .await
        .fails(404, 4200);
    assert_eq!(a.get(tokens).await.ok().as_array().unwrap().len(), 0);

    // What is allowed: own workspaces of the edition, duplicates folded.
    let r = a
        .post(
            tokens,
            base(json!({"workspace_ids": [mine.to_string(), alice.personal_workspace.to_string(), mine.to_string()]})),
        )
        .await;
    let mut got: Vec<String> = r.ok()["workspace_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want = vec![mine.to_string(), alice.personal_workspace.to_string()];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(r.ok()["all_workspaces"], json!(false));
    let r = a
        .post(
            tokens,
            json!({"name": "t", "organization_id": team, "permissions": ["Bot.list"], "workspace_ids": [team_ws.to_string()], "expires_in": "1d"}),
        )
        .await;
    assert_eq!(r.ok()["workspace_ids"], json!([team_ws.to_string()]));
    // A token without workspaces is an account-level token.
    let r = a
        .post(
            tokens,
            json!({"name": "t", "permissions": ["Account.readProfile"], "expires_in": "1d"}),
        )
        .await;
    assert_eq!(r.ok()["all_workspaces"], json!(false));
    assert_eq!(r.ok()["workspace_ids"], json!([]));
}

async fn team_level_and_operator_points(s: Server) {
    let root = s.super_admin("root").await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let c = s.login(&carol).await;
    let r = s.login(&root).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();
    a.add_member(&team, "carol", "admin").await.ok();
    let tokens = "/api/manage/personal_access_tokens";

    let refused = b
        .post(tokens, team_pat(&team, &["Organization.listMembers"], "1d"))
        .await;
    assert_eq!(refused.fails(403, 4101), TEAM_LEVEL_MSG);
    let refused = b
        .post(
            tokens,
            team_pat(&team, &["Bot.list", "Organization.listWorkspaces"], "1d"),
        )
        .await;
    assert_eq!(refused.fails(403, 4101), TEAM_LEVEL_MSG);
    // In the personal edition nobody is an admin of anything.
    let refused = a
        .post(
            tokens,
            json!({"name": "t", "permissions": ["Organization.listMembers"], "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    assert_eq!(refused.fails(403, 4101), TEAM_LEVEL_MSG);
    let team_tokens = format!("{tokens}?organization_id={team}");
    assert_eq!(b.get(&team_tokens).await.ok().as_array().unwrap().len(), 0);

    // Admins and super admins may, and the token then works on the OpenAPI.
    let (_, admin_pat) = c
        .pat(team_pat(&team, &["Organization.listMembers"], "1d"))
        .await;
    let (_, owner_pat) = a
        .pat(team_pat(&team, &["Organization.listMembers"], "1d"))
        .await;
    for pat in [&admin_pat, &owner_pat] {
        let m = s.bearer(pat).get("/v1/organization/members").await;
        assert_eq!(m.ok()["organization_id"], json!(team));
        assert_eq!(m.ok()["total_count"], json!(3));
    }
    // A member's team token with workspace points is fine.
    b.post(tokens, team_pat(&team, &["Bot.list"], "1d"))
        .await
        .ok();

    // Operator-only points need an installation super admin, whatever the team role.
    for point in ["Token.introspect", "Manage.accounts"] {
        let body = json!({"name": "op", "permissions": [point], "expires_in": "1d"});
        b.post(tokens, body.clone()).await.fails(403, 4101);
        a.post(tokens, body.clone()).await.fails(403, 4101);
        let mut in_team = body.clone();
        in_team["organization_id"] = json!(team);
        a.post(tokens, in_team).await.fails(403, 4101);
        let made = r.post(tokens, body).await;
        assert_eq!(made.ok()["permissions"], json!([point]));
    }
    assert_eq!(a.get(tokens).await.ok().as_array().unwrap().len(), 0);
}

async fn editing_a_token_takes_effect_at_once(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let second = a.workspace("second", None).await;
    let (id, secret) = a
        .pat(json!({"name": "t", "permissions": ["Account.readProfile", "Bot.list"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    let path = format!("/api/manage/personal_access_tokens/{id}");
    let pat = s.bearer(&secret);
    let bots_home = format!("/v1/bots?workspace_id={}", alice.personal_workspace);
    let bots_second = format!("/v1/bots?workspace_id={second}");
    pat.get("/v1/users/me").await.ok();
    let before = a.get(&path).await.ok().clone();

    let r = a.patch(&path, json!({"name": "renamed"})).await;
    let d = r.ok();
    assert_eq!(d["name"], json!("renamed"));
    assert_eq!(d["permissions"], before["permissions"]);
    assert_eq!(d["all_workspaces"], json!(true));
    assert_eq!(
        d["expires_at"], before["expires_at"],
        "edits never extend a token"
    );
    assert_eq!(d["last_chars"], before["last_chars"]);
    assert!(d.get("token").is_none());

    let r = a.patch(&path, json!({"permissions": ["Bot.list"]})).await;
    assert_eq!(r.ok()["permissions"], json!(["Bot.list"]));
    assert_eq!(r.ok()["name"], json!("renamed"));
    pat.get("/v1/users/me").await.fails(403, 4101);
    pat.get(&bots_home).await.ok();

    let r = a
        .patch(
            &path,
            json!({"permissions": ["Account.readProfile", "Bot.list"]}),
        )
        .await;
    assert_eq!(
        r.ok()["permissions"],
        json!(["Account.readProfile", "Bot.list"])
    );
    pat.get("/v1/users/me").await.ok();

    // Narrow to one workspace, then widen again.
    let r = a
        .patch(&path, json!({"workspace_ids": [second.to_string()]}))
        .await;
    assert_eq!(r.ok()["all_workspaces"], json!(false));
    assert_eq!(r.ok()["workspace_ids"], json!([second.to_string()]));
    pat.get(&bots_home).await.fails(403, 4101);
    pat.get(&bots_second).await.ok();
    let r = a.patch(&path, json!({"all_workspaces": true})).await;
    assert_eq!(r.ok()["all_workspaces"], json!(true));
    assert_eq!(r.ok()["workspace_ids"], json!([]));
    pat.get(&bots_home).await.ok();
    pat.get(&bots_second).await.ok();

    // Edits are checked like creation, and a refused edit changes nothing.
    let without_use = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("last_used_at");
        v
    };
    let unchanged = without_use(a.get(&path).await.ok());
    for bad in [
        json!({"permissions": ["Bot.fly"]}),
        json!({"permissions": []}),
        json!({"name": ""}),
        json!({"all_workspaces": true, "workspace_ids": [second.to_string()]}),
        json!({"workspace_ids": ["42"]}),
        json!({"expires_in": "30d"}),
    ] {
        a.patch(&path, bad).await.fails(400, 4000);
    }
    let refused = a
        .patch(&path, json!({"permissions": ["Organization.listMembers"]}))
        .await;
    assert_eq!(refused.fails(403, 4101), TEAM_LEVEL_MSG);
    a.patch(&path, json!({"permissions": ["Token.introspect"]}))
        .await
        .fails(403, 4101);
    assert_eq!(without_use(a.get(&path).await.ok()), unchanged);
    pat.get("/v1/users/me").await.ok();
}

async fn deleting_a_token_and_other_users_tokens(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let (id, secret) = a
        .pat(json!({"name": "t", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1d"}))
        .await;
    let path = format!("/api/manage/personal_access_tokens/{id}");
    let pat = s.bearer(&secret);

    // Bob cannot tell Alice's token exists.
    assert_eq!(b.get(&path).await.fails(404, 4200), "Token not found.");
    b.patch(&path, json!({"name": "mine now"}))
        .await
        .fails(404, 4200);
    b.delete(&path).await.fails(404, 4200);
    assert!(
        b.get("/api/manage/personal_access_tokens")
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(a.get(&path).await.ok()["name"], json!("t"));
    pat.get("/v1/users/me").await.ok();

    // Alice deletes it: it stops at once.
    a.delete(&path).await.ok();
    pat.get("/v1/users/me").await.fails(401, 4100);
    a.get(&path).await.fails(404, 4200);
    a.patch(&path, json!({"name": "x"})).await.fails(404, 4200);
    a.delete(&path).await.fails(404, 4200);
    assert!(
        a.get("/api/manage/personal_access_tokens")
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );
    a.get("/api/manage/personal_access_tokens/123456789")
        .await
        .fails(404, 4200);
}

async fn management_through_tokens(s: Server) {
    let root = s.super_admin("root").await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let tokens = "/api/manage/personal_access_tokens";
    let manager = s.bearer(
        &a.simple_pat(&["Manage.tokens", "Account.readProfile"])
            .await,
    );

    // No cookie, no CSRF header: the bearer token is the credential.
    let r = manager
        .post(
            tokens,
            json!({"name": "made by a token", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1h"}),
        )
        .await;
    let child = r.ok()["token"].as_str().unwrap().to_string();
    assert!(child.starts_with("pat_") && child.len() == 68);
    let child_id = r.ok()["id"].as_str().unwrap().to_string();
    let me = s.bearer(&child).get("/v1/users/me").await;
    assert_eq!(
        me.ok()["user_id"],
        json!(alice.id.to_string()),
        "the new token is Alice's"
    );
    let listed = manager.get(tokens).await;
    assert_eq!(listed.ok().as_array().unwrap().len(), 2);
    assert!(ids_of(a.get(tokens).await.ok()).contains(&child_id));
    manager
        .call(Method::DELETE, &format!("{tokens}/{child_id}"), None)
        .await
        .ok();
    s.bearer(&child).get("/v1/users/me").await.fails(401, 4100);
    // A token grants only what it holds: no upgrade by minting or editing.
    let refused = manager
        .post(
            tokens,
            json!({"name": "upgrade", "permissions": ["Manage.apps"], "all_workspaces": true, "expires_in": "1h"}),
        )
        .await;
    assert!(refused.fails(403, 4101).contains("Manage.apps"));
    let (own_id, _) = a
        .pat(json!({"name": "to edit", "permissions": ["Account.readProfile"], "expires_in": "1h"}))
        .await;
    manager
        .call(
            Method::PATCH,
            &format!("{tokens}/{own_id}"),
            Some(json!({"permissions": ["Manage.workspaces"]})),
        )
        .await
        .fails(403, 4101);
    // Nor through an app and its AppAuth token.
    let app_maker = s.bearer(&a.simple_pat(&["Manage.apps"]).await);
    app_maker
        .post(
            "/api/manage/apps",
            json!({"name": "upgrade app", "app_type": "normal", "client_type": "service", "permissions": ["Bot.list"], "redirect_uris": []}),
        )
        .await
        .fails(403, 4101);
    // A token made in a team does not act as the whole account.
    let team = a.team("token team").await;
    let (_, team_pat) = a
        .pat(json!({"name": "team", "organization_id": team, "permissions": ["Manage.tokens"], "expires_in": "1d"}))
        .await;
    s.bearer(&team_pat).get(tokens).await.fails(403, 4101);
    // The token reaches token management only.
    manager
        .post("/api/manage/workspaces", json!({"name": "w"}))
        .await
        .fails(403, 4101);
    manager
        .post(
            "/api/manage/organizations",
            json!({"name": "t", "kind": "team"}),
        )
        .await
        .fails(403, 4101);

    // A token without the point gets 403/4101, and makes nothing.
    let plain = s.bearer(&a.simple_pat(&["Account.readProfile"]).await);
    plain
        .post(
            tokens,
            json!({"name": "x", "permissions": ["Account.readProfile"], "all_workspaces": true, "expires_in": "1h"}),
        )
        .await
        .fails(403, 4101);
    plain.get(tokens).await.fails(403, 4101);
    plain.get("/api/manage/workspaces").await.fails(403, 4101);
    assert_eq!(
        a.get(tokens).await.ok().as_array().unwrap().len(),
        4,
        "manager, \"to edit\", the app maker, plain"
    );

    // Other areas with their own points.
    let ws_manager = s.bearer(&a.simple_pat(&["Manage.workspaces"]).await);
    let w = ws_manager
        .post("/api/manage/workspaces", json!({"name": "via token"}))
        .await;
    assert_eq!(w.ok()["owner_user_id"], json!(alice.id.to_string()));
    ws_manager.get(tokens).await.fails(403, 4101);
    let org_manager = s.bearer(&a.simple_pat(&["Manage.organizations"]).await);
    let team = org_manager
        .post(
            "/api/manage/organizations",
            json!({"name": "via token", "kind": "team"}),
        )
        .await;
    let team = team.ok()["id"].as_str().unwrap().to_string();

    // Installation administration through a root token with Manage.accounts.
    let rs = s.login(&root).await;
    let accounts = s.bearer(&rs.simple_pat(&["Manage.accounts"]).await);
    let made = accounts
        .post(
            "/api/manage/accounts",
            json!({"user_name": "newbie", "password": "long enough"}),
        )
        .await;
    assert_eq!(made.ok()["user_name"], json!("newbie"));
    let root_plain = s.bearer(&rs.simple_pat(&["Manage.tokens"]).await);
    root_plain
        .post(
            "/api/manage/accounts",
            json!({"user_name": "other", "password": "long enough"}),
        )
        .await
        .fails(403, 4101);

    // Service access tokens never use the management API.
    let sat = a
        .post(
            &format!("/api/manage/organizations/{team}/service_access_tokens"),
            json!({"name": "svc", "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1d"}),
        )
        .await;
    let sat = s.bearer(sat.ok()["token"].as_str().unwrap());
    sat.get(tokens).await.fails(403, 4101);
    sat.get("/api/manage/session").await.fails(403, 4101);
    sat.post(
        tokens,
        json!({"name": "x", "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1h"}),
    )
    .await
    .fails(403, 4101);

    // Bad bearer strings are 401/4100 on the management API as well.
    s.bearer("pat_nope").get(tokens).await.fails(401, 4100);
    s.bearer(&format!("pat_{}", "a".repeat(64)))
        .get(tokens)
        .await
        .fails(401, 4100);
}

/// The management API admits a token only with the area's `Manage.*` point
/// (manage/mod.rs). `PATCH /api/manage/accounts/me` checks no point at all, so any
/// token, even one granted only `Bot.list`, can rewrite its owner's profile.
async fn profile_edit_through_a_token_needs_a_manage_point(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let narrow = s.bearer(&a.simple_pat(&["Bot.list"]).await);
    narrow
        .call(
            Method::PATCH,
            "/api/manage/accounts/me",
            Some(json!({"nick_name": "pwned", "avatar_url": "https://evil.example/x.png"})),
        )
        .await
        .fails(403, 4101);
    let me = a.get("/api/manage/accounts/me").await;
    assert_eq!(me.ok()["nick_name"], json!("alice"));
    assert_eq!(me.ok()["avatar_url"], json!(""));
}

async fn service_access_tokens(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    let erin = s.user("erin").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let c = s.login(&carol).await;
    let d = s.login(&dave).await;
    let e = s.login(&erin).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();
    a.add_member(&team, "carol", "admin").await.ok();
    a.add_member(&team, "erin", "super_admin").await.ok();
    let other_team = d.team("other").await;
    let other_ws = d.workspace("other ws", Some(&other_team)).await;
    let team_ws = a.workspace("team ws", Some(&team)).await;
    let sats = format!("/api/manage/organizations/{team}/service_access_tokens");
    let good = json!({"name": "svc", "permissions": ["Bot.list", "Bot.read"], "all_workspaces": true, "expires_in": "permanent"});

    // Only admins; outsiders do not see the team.
    b.post(&sats, good.clone()).await.fails(403, 4101);
    b.get(&sats).await.fails(403, 4101);
    d.post(&sats, good.clone()).await.fails(404, 4200);
    d.get(&sats).await.fails(404, 4200);

    // No account-level points: a service is nobody's account.
    for perms in [
        json!(["Account.readProfile"]),
        json!(["Bot.list", "Conversation.create"]),
    ] {
        a.post(
            &sats,
            json!({"name": "svc", "permissions": perms, "all_workspaces": true, "expires_in": "1d"}),
        )
        .await
        .fails(400, 4000);
    }
    // Only the team's own workspaces.
    for ws in [alice.personal_workspace, other_ws] {
        a.post(
            &sats,
            json!({"name": "svc", "permissions": ["Bot.list"], "workspace_ids": [ws.to_string()], "expires_in": "1d"}),
        )
        .await
        .fails(400, 4000);
    }
    a.post(
        &sats,
        json!({"name": "svc", "permissions": ["Bot.list"], "all_workspaces": true}),
    )
    .await
    .fails(400, 4000);

    // Permanent is allowed.
    let r = a.post(&sats, good.clone()).await;
    let made = r.ok().clone();
    let secret = made["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("sat_"), "{secret}");
    assert_eq!(secret.len(), 68);
    assert_eq!(made["kind"], json!("sat"));
    assert_eq!(made["expires_at"], Value::Null);
    assert_eq!(made["organization_id"], json!(team));
    assert_eq!(made["last_chars"], json!(&secret[64..]));
    let sat_id = made["id"].as_str().unwrap().to_string();
    let one = format!("/api/manage/service_access_tokens/{sat_id}");
    // An admin made in the team may add one too.
    let r = c
        .post(
            &sats,
            json!({"name": "limited", "permissions": ["Bot.list"], "workspace_ids": [team_ws.to_string()], "expires_in": "30d"}),
        )
        .await;
    assert_eq!(r.ok()["workspace_ids"], json!([team_ws.to_string()]));

    let list = c.get(&sats).await;
    assert_eq!(list.ok().as_array().unwrap().len(), 2);
    assert!(!list.body.to_string().contains(&secret));
    assert!(
        list.ok()
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("token").is_none())
    );
    let got = a.get(&one).await;
    assert_eq!(got.ok()["name"], json!("svc"));
    assert!(got.ok().get("token").is_none());
    b.get(&one).await.fails(403, 4101);
    d.get(&one).await.fails(404, 4200);
    d.delete(&one).await.fails(404, 4200);
    // SATs are not personal tokens.
    a.get(&format!("/api/manage/personal_access_tokens/{sat_id}"))
        .await
        .fails(404, 4200);

    // The SAT reaches the team's workspaces without being a member of any.
    let (_, builder) = a.pat(team_pat(&team, &["Bot.create"], "1d")).await;
    let bot = s
        .bearer(&builder)
        .post(
            "/v1/bot/create",
            json!({"space_id": team_ws.to_string(), "name": "helper"}),
        )
        .await;
    let bot_id = bot.ok()["bot_id"].as_str().unwrap().to_string();
    let sat = s.bearer(&secret);
    let bots = format!("/v1/bots?workspace_id={team_ws}");
    let listed = sat.get(&bots).await;
    assert_eq!(listed.ok()["total"], json!(1));
    assert_eq!(listed.ok()["items"][0]["id"], json!(bot_id));
    sat.get(&format!("/v1/bots/{bot_id}")).await.ok();
    sat.get(&format!(
        "/v1/bots?workspace_id={}",
        alice.personal_workspace
    ))
    .await
    .fails(403, 4101);
    sat.get(&format!("/v1/bots?workspace_id={other_ws}"))
        .await
        .fails(403, 4101);
    sat.get("/v1/users/me").await.fails(403, 4101);

    // It survives its creator leaving the team.
    e.delete(&format!(
        "/api/manage/organizations/{team}/members/{}",
        alice.id
    ))
    .await
    .ok();
    s.bearer(&builder).get(&bots).await.fails(401, 4100);
    assert_eq!(sat.get(&bots).await.ok()["total"], json!(1));
    a.get(&one).await.fails(404, 4200);
    assert_eq!(e.get(&one).await.ok()["name"], json!("svc"));

    // Edits by an admin apply at once.
    let r = e.patch(&one, json!({"permissions": ["Bot.read"]})).await;
    assert_eq!(r.ok()["permissions"], json!(["Bot.read"]));
    sat.get(&bots).await.fails(403, 4101);
    e.patch(&one, json!({"permissions": ["Account.readProfile"]}))
        .await
        .fails(400, 4000);
    e.patch(&one, json!({"permissions": ["Bot.list"]}))
        .await
        .ok();
    sat.get(&bots).await.ok();

    // Deleting it ends it.
    b.delete(&one).await.fails(403, 4101);
    e.delete(&one).await.ok();
    sat.get(&bots).await.fails(401, 4100);
    e.get(&one).await.fails(404, 4200);
    assert_eq!(e.get(&sats).await.ok().as_array().unwrap().len(), 1);
}

async fn organizations(s: Server) {
    let root = s.super_admin("root").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let b = s.login(&bob).await;
    let c = s.login(&carol).await;
    let r = s.login(&root).await;
    let orgs = "/api/manage/organizations";

    let made = b
        .post(orgs, json!({"name": "Bob's team", "kind": "team"}))
        .await;
    let m = made.ok().clone();
    let team = m["id"].as_str().unwrap().to_string();
    assert_eq!(m["kind"], json!("team"));
    assert_eq!(m["name"], json!("Bob's team"));
    assert_eq!(m["role"], json!("super_admin"));
    assert_eq!(m["token_max_days"], json!(365));
    let members = b.get(&format!("{orgs}/{team}/members")).await;
    let ms = members.ok().as_array().unwrap().clone();
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0]["user_id"], json!(bob.id.to_string()));
    assert_eq!(ms[0]["role"], json!("super_admin"));

    b.post(orgs, json!({"name": "Bob Inc", "kind": "enterprise"}))
        .await
        .fails(403, 4101);
    for bad in [
        json!({"name": "x", "kind": "club"}),
        json!({"name": "x", "kind": "Team"}),
        json!({"name": "", "kind": "team"}),
        json!({"name": "x"}),
    ] {
        b.post(orgs, bad).await.fails(400, 4000);
    }
    let ent = r
        .post(orgs, json!({"name": "Root Inc", "kind": "enterprise"}))
        .await;
    assert_eq!(ent.ok()["kind"], json!("enterprise"));
    assert_eq!(ent.ok()["role"], json!("super_admin"));
    let ent = ent.ok()["id"].as_str().unwrap().to_string();

    let list = b.get(orgs).await;
    assert_eq!(ids_of(list.ok()), vec![team.clone()]);
    assert_eq!(list.ok()[0]["role"], json!("super_admin"));
    assert_eq!(ids_of(r.get(orgs).await.ok()), vec![ent.clone()]);
    assert!(c.get(orgs).await.ok().as_array().unwrap().is_empty());
    let got = b.get(&format!("{orgs}/{team}")).await;
    assert_eq!(got.ok()["name"], json!("Bob's team"));

    // Organizations one is not in are 404, whatever the method.
    for org in [&team, &ent, &"987654321".to_string()] {
        c.get(&format!("{orgs}/{org}")).await.fails(404, 4200);
        c.get(&format!("{orgs}/{org}/members"))
            .await
            .fails(404, 4200);
        c.patch(&format!("{orgs}/{org}"), json!({"token_max_days": 30}))
            .await
            .fails(404, 4200);
        c.add_member(org, "carol", "member").await.fails(404, 4200);
        c.delete(&format!("{orgs}/{org}/members/{}", bob.id))
            .await
            .fails(404, 4200);
    }
    // Being an installation super admin does not open other people's teams.
    r.get(&format!("{orgs}/{team}")).await.fails(404, 4200);
}

async fn organization_members_and_roles(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let c = s.login(&carol).await;
    let team = a.team("acme").await;
    let members = format!("/api/manage/organizations/{team}/members");
    let member = |id: i64| format!("{members}/{id}");

    let r = a.add_member(&team, "bob", "member").await;
    assert_eq!(r.ok()["user_id"], json!(bob.id.to_string()));
    assert_eq!(r.ok()["role"], json!("member"));
    a.add_member(&team, "bob", "admin").await.fails(409, 4000);
    // A name without an account is invited like any other (names are not told apart).
    assert_eq!(
        a.invite(&team, "ghost", "member").await.ok()["status"],
        json!("pending")
    );
    a.add_member(&team, "dave", "owner").await.fails(400, 4000);
    a.add_member(&team, "carol", "admin").await.ok();

    let list = b.get(&members).await;
    let roles: Vec<(String, String)> = list
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user_name"].as_str().unwrap().to_string(),
                m["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(roles.len(), 3);
    for want in [
        ("alice", "super_admin"),
        ("bob", "member"),
        ("carol", "admin"),
    ] {
        assert!(
            roles.contains(&(want.0.to_string(), want.1.to_string())),
            "{roles:?}"
        );
    }

    // Members do not manage members.
    b.add_member(&team, "dave", "member").await.fails(403, 4101);
    b.patch(&member(carol.id), json!({"role": "member"}))
        .await
        .fails(403, 4101);
    b.delete(&member(carol.id)).await.fails(403, 4101);

    // Admins manage members and admins, never super admins.
    c.add_member(&team, "dave", "super_admin")
        .await
        .fails(403, 4101);
    c.patch(&member(bob.id), json!({"role": "super_admin"}))
        .await
        .fails(403, 4101);
    c.patch(&member(alice.id), json!({"role": "member"}))
        .await
        .fails(403, 4101);
    c.delete(&member(alice.id)).await.fails(403, 4101);
    c.add_member(&team, "dave", "member").await.ok();
    let r = c.patch(&member(bob.id), json!({"role": "admin"})).await;
    assert_eq!(r.ok()["role"], json!("admin"));
    c.patch(&member(bob.id), json!({"role": "member"}))
        .await
        .ok();
    c.patch(&member(bob.id), json!({"role": "boss"}))
        .await
        .fails(400, 4000);
    c.patch(&member(123456789), json!({"role": "member"}))
        .await
        .fails(404, 4200);
    c.delete(&member(dave.id)).await.ok();
    c.delete(&member(dave.id)).await.fails(404, 4200);

    // The last super admin stays.
    a.patch(&member(alice.id), json!({"role": "admin"}))
        .await
        .fails(400, 4000);
    a.delete(&member(alice.id)).await.fails(400, 4000);
    let role_of = |list: &Value, id: i64| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|m| m["user_id"] == json!(id.to_string()))
            .map(|m| m["role"].clone())
    };
    let list = a.get(&members).await;
    assert_eq!(role_of(list.ok(), alice.id), Some(json!("super_admin")));

    // With a second super admin, the first may step down or leave.
    a.patch(&member(bob.id), json!({"role": "super_admin"}))
        .await
        .ok();
    a.patch(&member(alice.id), json!({"role": "admin"}))
        .await
        .ok();
    let list = b.get(&members).await;
    assert_eq!(role_of(list.ok(), alice.id), Some(json!("admin")));
    assert_eq!(role_of(list.ok(), bob.id), Some(json!("super_admin")));
    // Now Alice is only an admin: Bob is out of her reach.
    a.delete(&member(bob.id)).await.fails(403, 4101);
    b.patch(&member(bob.id), json!({"role": "member"}))
        .await
        .fails(400, 4000);
    // Anyone may leave.
    a.delete(&member(alice.id)).await.ok();
    a.get(&format!("/api/manage/organizations/{team}"))
        .await
        .fails(404, 4200);
    c.delete(&member(carol.id)).await.ok();
    let list = b.get(&members).await;
    assert_eq!(list.ok().as_array().unwrap().len(), 1);
    assert_eq!(role_of(list.ok(), bob.id), Some(json!("super_admin")));
}

async fn removing_a_member_revokes_their_team_tokens(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let team = a.team("acme").await;
    let team_ws = a.workspace("team ws", Some(&team)).await;
    a.add_member(&team, "bob", "member").await.ok();
    let ws_members = format!("/api/manage/workspaces/{team_ws}/members");
    a.post(&ws_members, json!({"user_name": "bob", "role": "member"}))
        .await
        .ok();
    let (team_id, team_secret) = b.pat(team_pat(&team, &["Bot.list"], "1d")).await;
    let personal = b.simple_pat(&["Account.readProfile", "Bot.list"]).await;
    let bots = format!("/v1/bots?workspace_id={team_ws}");
    s.bearer(&team_secret).get(&bots).await.ok();
    let in_team = format!("/api/manage/workspaces?organization_id={team}");
    assert_eq!(
        ids_of(b.get(&in_team).await.ok()),
        vec![team_ws.to_string()]
    );

    a.delete(&format!(
        "/api/manage/organizations/{team}/members/{}",
        bob.id
    ))
    .await
    .ok();

    s.bearer(&team_secret).get(&bots).await.fails(401, 4100);
    b.get(&format!("/api/manage/personal_access_tokens/{team_id}"))
        .await
        .fails(404, 4200);
    // His personal edition is untouched.
    s.bearer(&personal).get("/v1/users/me").await.ok();
    s.bearer(&personal)
        .get(&format!("/v1/bots?workspace_id={}", bob.personal_workspace))
        .await
        .ok();
    // He is out of the team's workspaces too.
    assert!(b.get(&in_team).await.ok().as_array().unwrap().is_empty());
    b.get(&ws_members).await.fails(404, 4200);
    let left = a.get(&ws_members).await;
    assert!(
        left.ok()
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["user_id"] != json!(bob.id.to_string()))
    );
    b.get(&format!("/api/manage/organizations/{team}"))
        .await
        .fails(404, 4200);
    b.post(
        "/api/manage/personal_access_tokens",
        team_pat(&team, &["Bot.list"], "1d"),
    )
    .await
    .fails(404, 4200);
}

async fn workspaces_and_their_members(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let _dave = s.user("dave").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let c = s.login(&carol).await;
    let wss = "/api/manage/workspaces";

    let made = a.post(wss, json!({"name": "side project"})).await;
    let m = made.ok().clone();
    assert_eq!(m["organization_id"], Value::Null);
    assert_eq!(m["owner_user_id"], json!(alice.id.to_string()));
    assert_eq!(m["role"], json!("owner"));
    let side = m["id"].as_str().unwrap().to_string();
    a.post(wss, json!({"name": ""})).await.fails(400, 4000);

    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();
    let tw = a
        .post(wss, json!({"name": "team ws", "organization_id": team}))
        .await;
    assert_eq!(tw.ok()["organization_id"], json!(team));
    let tw = tw.ok()["id"].as_str().unwrap().to_string();
    b.post(wss, json!({"name": "nope", "organization_id": team}))
        .await
        .fails(403, 4101);
    c.post(wss, json!({"name": "nope", "organization_id": team}))
        .await
        .fails(404, 4200);

    // Lists are per edition.
    let personal = a.get(wss).await;
    assert_eq!(
        ids_of(personal.ok()),
        sorted(vec![alice.personal_workspace.to_string(), side.clone()])
    );
    let in_team = a.get(&format!("{wss}?organization_id={team}")).await;
    assert_eq!(ids_of(in_team.ok()), vec![tw.clone()]);
    assert!(
        b.get(&format!("{wss}?organization_id={team}"))
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids_of(b.get(wss).await.ok()),
        vec![bob.personal_workspace.to_string()]
    );

    // Members of a team workspace come from the team.
    let tw_members = format!("{wss}/{tw}/members");
    let not_in_team = a
        .post(&tw_members, json!({"user_name": "carol", "role": "member"}))
        .await
        .fails(400, 4000)
        .to_string();
    a.post(&tw_members, json!({"user_name": "dave", "role": "member"}))
        .await
        .fails(400, 4000);
    // A name without an account is answered alike: no enumerating user names.
    assert_eq!(
        a.post(&tw_members, json!({"user_name": "ghost", "role": "member"}))
            .await
            .fails(400, 4000),
        not_in_team
    );
    a.post(&tw_members, json!({"user_name": "bob", "role": "owner"}))
        .await
        .fails(400, 4000);
    let r = a
        .post(&tw_members, json!({"user_name": "bob", "role": "member"}))
        .await;
    assert_eq!(r.ok()["user_id"], json!(bob.id.to_string()));
    a.post(&tw_members, json!({"user_name": "bob", "role": "admin"}))
        .await
        .fails(409, 4000);
    let listed = b.get(&tw_members).await;
    let names: Vec<&str> = listed
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(
        names.contains(&"alice") && names.contains(&"bob"),
        "{names:?}"
    );
    assert_eq!(
        ids_of(b.get(&format!("{wss}?organization_id={team}")).await.ok()),
        vec![tw.clone()]
    );
    // A plain member does not add others or remove the owner.
    b.delete(&format!("{tw_members}/{}", alice.id))
        .await
        .fails(403, 4101);
    c.get(&tw_members).await.fails(404, 4200);

    // Personal workspaces have only their owner.
    let side_members = format!("{wss}/{side}/members");
    a.post(&side_members, json!({"user_name": "bob", "role": "member"}))
        .await
        .fails(400, 4000);
    let pw_members = format!("{wss}/{}/members", alice.personal_workspace);
    a.post(&pw_members, json!({"user_name": "bob", "role": "member"}))
        .await
        .fails(400, 4000);
    assert_eq!(a.get(&side_members).await.ok().as_array().unwrap().len(), 1);
    b.get(&side_members).await.fails(404, 4200);

    // The owner stays; members may leave.
    a.delete(&format!("{tw_members}/{}", alice.id))
        .await
        .fails(400, 4000);
    a.delete(&format!("{side_members}/{}", alice.id))
        .await
        .fails(400, 4000);
    b.delete(&format!("{tw_members}/{}", bob.id)).await.ok();
    assert!(
        b.get(&format!("{wss}?organization_id={team}"))
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );
    b.get(&tw_members).await.fails(404, 4200);
    a.delete(&format!("{tw_members}/{}", bob.id))
        .await
        .fails(404, 4200);
    assert_eq!(a.get(&tw_members).await.ok().as_array().unwrap().len(), 1);
    a.get(&format!("{wss}/not-a-number/members"))
        .await
        .fails(400, 4000);
}

/// `require_ws_admin` (manage/workspaces.rs) says the admins of the organization
/// owning a workspace manage its members, but `visible()` answers 404 to anyone not
/// already in the workspace, so a team admin outside it cannot, and a workspace
/// whose owner left the team can no longer be managed by anyone.
async fn team_admins_manage_team_workspaces_they_are_not_in(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let _dave = s.user("dave").await;
    let a = s.login(&alice).await;
    let c = s.login(&carol).await;
    let team = a.team("acme").await;
    a.add_member(&team, "bob", "member").await.ok();
    a.add_member(&team, "carol", "super_admin").await.ok();
    a.add_member(&team, "dave", "admin").await.ok();
    let tw = a.workspace("alice's team ws", Some(&team)).await;
    let members = format!("/api/manage/workspaces/{tw}/members");

    // Carol, a super admin of the team, is not in Alice's workspace.
    let r = c
        .post(&members, json!({"user_name": "bob", "role": "member"}))
        .await;
    assert_eq!(r.ok()["user_id"], json!(bob.id.to_string()));

    // Alice leaves the team: her workspace must stay manageable by the team's admins.
    c.delete(&format!(
        "/api/manage/organizations/{team}/members/{}",
        alice.id
    ))
    .await
    .ok();
    c.post(&members, json!({"user_name": "dave", "role": "member"}))
        .await
        .ok();
    c.delete(&format!("{members}/{}", bob.id)).await.ok();
}

async fn accounts(s: Server) {
    let root = s.super_admin("root").await;
    let alice = s.user("alice").await;
    let r = s.login(&root).await;
    let a = s.login(&alice).await;
    let accounts = "/api/manage/accounts";
    let newbie = json!({"user_name": "newbie", "password": "long enough", "nick_name": "New Bie"});

    a.post(accounts, newbie.clone()).await.fails(403, 4101);
    a.get(accounts).await.fails(403, 4101);
    r.post(
        accounts,
        json!({"user_name": "newbie", "password": "short"}),
    )
    .await
    .fails(400, 4000);
    let long = "x".repeat(65);
    for bad in ["bad name", "bad/name", "", "名字", long.as_str()] {
        r.post(
            accounts,
            json!({"user_name": bad, "password": "long enough"}),
        )
        .await
        .fails(400, 4000);
    }
    r.post(
        accounts,
        json!({"user_name": "alice", "password": "long enough"}),
    )
    .await
    .fails(409, 4000);
    // Refused attempts left nothing behind.
    sign_in(&s, "newbie", "long enough").await.fails(401, 4100);

    let made = r.post(accounts, newbie).await;
    let m = made.ok().clone();
    assert_eq!(m["user_name"], json!("newbie"));
    assert_eq!(m["nick_name"], json!("New Bie"));
    assert_eq!(m["is_super_admin"], json!(false));
    assert!(made.body.get("password").is_none() && !made.body.to_string().contains("long enough"));
    r.post(
        accounts,
        json!({"user_name": "newbie", "password": "long enough"}),
    )
    .await
    .fails(409, 4000);
    let signed = sign_in(&s, "newbie", "long enough").await;
    assert_eq!(signed.ok()["account"]["user_id"], m["user_id"]);
    // A new account has its own personal workspace.
    let nb = s
        .login(&User {
            id: m["user_id"].as_str().unwrap().parse().unwrap(),
            name: "newbie".into(),
            password: "long enough".into(),
            personal_workspace: 0,
        })
        .await;
    assert_eq!(
        nb.get("/api/manage/workspaces")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Only installation super admins may create them.
    nb.post(
        accounts,
        json!({"user_name": "x", "password": "long enough"}),
    )
    .await
    .fails(403, 4101);

    let names: Vec<String> = r
        .get(&format!("{accounts}?page_size=100"))
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["user_name"].as_str().unwrap().to_string())
        .collect();
    for n in ["root", "alice", "newbie"] {
        assert!(names.contains(&n.to_string()), "{names:?}");
    }
    r.get(&format!("{accounts}?page_size=0"))
        .await
        .fails(400, 4000);

    // Profile edits show on the OpenAPI.
    let me = a.get("/api/manage/accounts/me").await;
    assert_eq!(me.ok()["user_name"], json!("alice"));
    assert_eq!(me.ok()["is_super_admin"], json!(false));
    let r2 = a
        .patch(
            "/api/manage/accounts/me",
            json!({"nick_name": "Alice A.", "avatar_url": "https://example.com/a.png"}),
        )
        .await;
    assert_eq!(r2.ok()["nick_name"], json!("Alice A."));
    let pat = a.simple_pat(&["Account.readProfile"]).await;
    let v1 = s.bearer(&pat).get("/v1/users/me").await;
    assert_eq!(v1.ok()["nick_name"], json!("Alice A."));
    assert_eq!(v1.ok()["avatar_url"], json!("https://example.com/a.png"));
    assert_eq!(v1.ok()["user_name"], json!("alice"));
    for bad in [
        json!({"nick_name": ""}),
        json!({"nick_name": "x".repeat(65)}),
        json!({"avatar_url": "javascript:alert(1)"}),
        json!({"user_name": "mallory"}),
        json!({"is_super_admin": true}),
    ] {
        a.patch("/api/manage/accounts/me", bad)
            .await
            .fails(400, 4000);
    }
    let me = a.get("/api/manage/accounts/me").await;
    assert_eq!(me.ok()["nick_name"], json!("Alice A."));
    assert_eq!(me.ok()["is_super_admin"], json!(false));
}

async fn changing_the_password_ends_sessions(s: Server) {
    let alice = s.user("alice").await;
    let first = s.login(&alice).await;
    let second = s.login(&alice).await;
    let pat = first.simple_pat(&["Account.readProfile"]).await;
    let path = "/api/manage/accounts/me/password";

    first
        .post(
            path,
            json!({"current_password": "wrong password", "new_password": "brand new secret"}),
        )
        .await
        .fails(403, 4101);
    first
        .post(
            path,
            json!({"current_password": alice.password, "new_password": "short"}),
        )
        .await
        .fails(400, 4000);
    // A token cannot change the password, even with management points.
    let manager = first.simple_pat(&["Manage.tokens"]).await;
    s.bearer(&manager)
        .post(
            path,
            json!({"current_password": alice.password, "new_password": "brand new secret"}),
        )
        .await
        .fails(403, 4101);
    // Nothing changed so far.
    second.get("/api/manage/session").await.ok();
    sign_in(&s, "alice", &alice.password).await.ok();

    first
        .post(
            path,
            json!({"current_password": alice.password, "new_password": "brand new secret"}),
        )
        .await
        .ok();
    first.get("/api/manage/session").await.fails(401, 4100);
    second.get("/api/manage/session").await.fails(401, 4100);
    second
        .post("/api/manage/workspaces", json!({"name": "w"}))
        .await
        .fails(401, 4100);
    sign_in(&s, "alice", &alice.password).await.fails(401, 4100);
    let again = sign_in(&s, "alice", "brand new secret").await;
    assert_eq!(
        again.ok()["account"]["user_id"],
        json!(alice.id.to_string())
    );
    // Access tokens are not sessions: they keep working.
    s.bearer(&pat).get("/v1/users/me").await.ok();
}

async fn malformed_requests_get_400(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let json_ct = "application/json";
    let ws = "/api/manage/workspaces";
    let tokens = "/api/manage/personal_access_tokens";

    for (path, body) in [
        (ws, r#"{"name":"a","name":"b"}"#),
        (
            tokens,
            r#"{"name":"a","permissions":["Bot.list"],"permissions":["Account.readProfile"],"all_workspaces":true,"expires_in":"1d"}"#,
        ),
        (ws, r#"{"name":"a","colour":"red"}"#),
        (
            tokens,
            r#"{"name":"a","permissions":["Bot.list"],"all_workspaces":true,"expires_in":"1d","scope":"all"}"#,
        ),
        (ws, r#"{"name":"a""#),
        (ws, "not json"),
        (ws, ""),
        (ws, r#"{"name": 5}"#),
        (ws, r#"["name"]"#),
        (
            tokens,
            r#"{"name":"a","permissions":"Bot.list","expires_in":"1d"}"#,
        ),
    ] {
        let r = raw_body(&a, Method::POST, path, json_ct, body).await;
        r.fails(400, 4000);
    }
    for ct in ["text/plain", "application/x-www-form-urlencoded"] {
        raw_body(&a, Method::POST, ws, ct, r#"{"name":"a"}"#)
            .await
            .fails(400, 4000);
    }
    // None of that made anything.
    assert_eq!(a.get(ws).await.ok().as_array().unwrap().len(), 1);
    assert!(a.get(tokens).await.ok().as_array().unwrap().is_empty());
    // The same rules hold before sign-in.
    let login = reqwest::Client::new()
        .post(s.url("/api/manage/session"))
        .header("content-type", json_ct)
        .body(r#"{"user_name":"alice","user_name":"bob","password":"x"}"#)
        .send()
        .await
        .unwrap();
    Reply::of(login).await.fails(400, 4000);
    raw(
        &s,
        Method::POST,
        "/api/manage/session",
        None,
        None,
        Some(json!({"user_name": "alice", "password": alice.password, "remember": true})),
    )
    .await
    .fails(400, 4000);

    // Ids in the path and the query.
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let body = (method == Method::PATCH).then(|| json!({"name": "x"}));
        a.call(method, &format!("{tokens}/abc"), body)
            .await
            .fails(400, 4000);
    }
    a.get("/api/manage/service_access_tokens/1e5")
        .await
        .fails(400, 4000);
    a.get(&format!("{ws}?organisation_id=1"))
        .await
        .fails(400, 4000);

    // Unknown routes and methods.
    for path in [
        "/api/manage/nope",
        "/api/manage",
        "/nope",
        "/api/manage/personal_access_tokens/1/extra",
    ] {
        a.get(path).await.fails(404, 4200);
    }
    a.call(Method::PUT, "/api/manage/session", Some(json!({})))
        .await
        .fails(400, 4000);
    // Duplicates are refused in every kind of parameter.
    let team = a.team("acme").await;
    raw_body(
        &a,
        Method::PATCH,
        &format!("/api/manage/organizations/{team}"),
        json_ct,
        r#"{"token_max_days":30,"token_max_days":null}"#,
    )
    .await
    .fails(400, 4000);
    a.get(&format!("{ws}?organization_id={team}&organization_id=1"))
        .await
        .fails(400, 4000);
    let org = a.get(&format!("/api/manage/organizations/{team}")).await;
    assert_eq!(org.ok()["token_max_days"], json!(365));
}

async fn permission_catalog(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let r = a.get("/api/manage/permissions").await;
    let all = r.ok().as_array().unwrap().clone();
    let find = |name: &str| {
        all.iter()
            .find(|p| p["name"] == json!(name))
            .unwrap_or_else(|| panic!("{name} is in the catalog"))
            .clone()
    };
    let chat = find("Connector.botChat");
    assert_eq!(chat["level"], json!("workspace"));
    assert_eq!(chat["operator_only"], json!(false));
    assert!(!chat["description"].as_str().unwrap().is_empty());
    assert!(!chat["description_zh"].as_str().unwrap().is_empty());
    assert_eq!(find("Account.readProfile")["level"], json!("account"));
    assert_eq!(find("Bot.list")["level"], json!("workspace"));
    assert_eq!(
        find("Organization.listMembers")["level"],
        json!("organization")
    );
    assert_eq!(find("Token.introspect")["operator_only"], json!(true));
    assert_eq!(find("Manage.accounts")["operator_only"], json!(true));
    assert_eq!(find("Manage.tokens")["operator_only"], json!(false));
    let mut names: Vec<&str> = all.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n, "names are unique");
    for p in &all {
        assert!(
            ["account", "workspace", "organization"].contains(&p["level"].as_str().unwrap()),
            "{p}"
        );
    }
    // The catalog is for signed-in callers.
    raw(&s, Method::GET, "/api/manage/permissions", None, None, None)
        .await
        .fails(401, 4100);
}
