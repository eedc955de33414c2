//! Organizations and their members: who sees and manages what by role, the last super
//! admin stays, and leaving a team revokes the member's team tokens.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    organizations,
    organization_members_and_roles,
    removing_a_member_revokes_their_team_tokens,
    ids_that_name_no_organization_are_not_found,
);

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
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .member("bob")
        .workspace_with("team ws", &["bob"])
        .create()
        .await;
    let ((_, a), (bob, b)) = (acme.member("alice"), acme.member("bob"));
    let (team, team_ws) = (acme.id.clone(), acme.workspace("team ws"));
    let ws_members = format!("/api/manage/workspaces/{team_ws}/members");
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

/// An organization id that could not name an organization is parsed once, at the
/// edge or where a service first looks it up, and answered exactly as an
/// organization the caller does not belong to: 404/4200, never a 400 or a 500.
async fn ids_that_name_no_organization_are_not_found(s: Server) {
    let bob = s.user("bob").await;
    let b = s.login(&bob).await;
    let orgs = "/api/manage/organizations";
    // Well formed, but bob belongs to no such organization.
    let foreign = "1234567890123456789";
    let answer = |path: String| {
        let b = &b;
        async move { b.get(&path).await.fails(404, 4200).to_string() }
    };
    for tail in [
        "",
        "/members",
        "/installations",
        "/invitations",
        "/service_access_tokens",
    ] {
        let expected = answer(format!("{orgs}/{foreign}{tail}")).await;
        for unparsable in ["a%2Fb", "no%20such", "%C3%A9"] {
            assert_eq!(
                answer(format!("{orgs}/{unparsable}{tail}")).await,
                expected,
                "{tail}"
            );
        }
    }
    // In a query or a body, likewise where the organization is looked up.
    let made = b
        .post(
            "/api/manage/workspaces",
            json!({"name": "w", "organization_id": "a/b"}),
        )
        .await;
    made.fails(404, 4200);
    b.get("/api/manage/apps?organization_id=a%2Fb")
        .await
        .fails(404, 4200);
    // A list of one edition's things has nothing under an id naming no edition.
    let listed = b.get("/api/manage/workspaces?organization_id=a%2Fb").await;
    assert!(listed.ok().as_array().unwrap().is_empty());
}
