//! Joining a team or enterprise takes the invitee's consent, and inviting cannot
//! tell which user names exist.

use crate::on_both_databases;
use crate::testkit::*;
use serde_json::{Value, json};

on_both_databases!(
    joining_takes_the_invitees_consent,
    inviting_does_not_reveal_user_names,
    an_invitation_lasts_only_while_its_sender_may_send_it,
);

const MINE: &str = "/api/manage/invitations";

fn member_names(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn joining_takes_the_invitees_consent(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let c = s.login(&carol).await;
    let team = a.team("Acme").await;
    let members = format!("/api/manage/organizations/{team}/members");

    let invited = a.invite(&team, "bob", "admin").await;
    let inv = invited.ok().clone();
    assert_eq!(inv["status"], json!("pending"));
    assert_eq!(inv["role"], json!("admin"));
    let id = inv["invitation_id"].as_str().unwrap().to_string();
    // Not a member yet: not listed, no access to the team.
    assert_eq!(member_names(a.get(&members).await.ok()), ["alice"]);
    b.get(&format!("/api/manage/organizations/{team}"))
        .await
        .fails(404, 4200);
    assert!(
        b.get("/api/manage/organizations")
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The invitee sees who asks them into what.
    let mine = b.get(MINE).await;
    let list = mine.ok().as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], json!(id));
    assert_eq!(list[0]["organization_id"], json!(team));
    assert_eq!(list[0]["organization_name"], json!("Acme"));
    assert_eq!(list[0]["organization_kind"], json!("team"));
    assert_eq!(list[0]["role"], json!("admin"));
    assert_eq!(list[0]["status"], json!("pending"));
    assert_eq!(list[0]["invited_by"]["user_name"], json!("alice"));
    // Nobody else sees it or can answer it.
    assert!(c.get(MINE).await.ok().as_array().unwrap().is_empty());
    c.post(&format!("{MINE}/{id}/accept"), json!({}))
        .await
        .fails(404, 4200);
    c.post(&format!("{MINE}/{id}/decline"), json!({}))
        .await
        .fails(404, 4200);
    assert_eq!(member_names(a.get(&members).await.ok()), ["alice"]);

    // Accepting makes them a member with the invited role, once.
    let joined = b.post(&format!("{MINE}/{id}/accept"), json!({})).await;
    assert_eq!(joined.ok()["organization_id"], json!(team));
    assert_eq!(joined.ok()["user_id"], json!(bob.id.to_string()));
    assert_eq!(joined.ok()["role"], json!("admin"));
    assert_eq!(member_names(a.get(&members).await.ok()), ["alice", "bob"]);
    let orgs = b.get("/api/manage/organizations").await;
    assert_eq!(orgs.ok()[0]["role"], json!("admin"));
    b.post(&format!("{MINE}/{id}/accept"), json!({}))
        .await
        .fails(404, 4200);
    assert!(b.get(MINE).await.ok().as_array().unwrap().is_empty());

    // Declining leaves them out.
    let inv = a.invite(&team, "carol", "member").await;
    let id = inv.ok()["invitation_id"].as_str().unwrap().to_string();
    c.post(&format!("{MINE}/{id}/decline"), json!({}))
        .await
        .ok();
    c.post(&format!("{MINE}/{id}/accept"), json!({}))
        .await
        .fails(404, 4200);
    assert_eq!(member_names(a.get(&members).await.ok()), ["alice", "bob"]);
    assert!(
        a.get(&format!("/api/manage/organizations/{team}/invitations"))
            .await
            .ok()
            .as_array()
            .unwrap()
            .is_empty()
    );
    c.post(&format!("{MINE}/not-a-number/accept"), json!({}))
        .await
        .fails(400, 4000);
    // A PAT needs Manage.organizations to answer for its owner.
    let pat = c.simple_pat(&["Bot.list"]).await;
    s.bearer(&pat).get(MINE).await.fails(403, 4101);
}

async fn inviting_does_not_reveal_user_names(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let team = a.team("Acme").await;
    let pending = format!("/api/manage/organizations/{team}/invitations");

    let strip = |r: &Reply| {
        let mut d = r.ok().clone();
        d["invitation_id"] = Value::Null;
        d["expires_at"] = Value::Null;
        d["user_name"] = Value::Null;
        (r.status, r.code(), d)
    };
    let real = a.invite(&team, "bob", "member").await;
    let ghost = a.invite(&team, "no-such-person", "member").await;
    assert_eq!(strip(&real), strip(&ghost));
    // The admin's list shows both alike.
    let list = a.get(&pending).await;
    let list = list.ok().as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&list[0]), keys(&list[1]));
    assert_eq!(
        member_names(&Value::Array(list.clone())),
        ["bob", "no-such-person"]
    );

    // Inviting again replaces the role rather than piling up invitations.
    a.invite(&team, "bob", "admin").await.ok();
    let list = a.get(&pending).await;
    let bobs: Vec<&Value> = list
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["user_name"] == json!("bob"))
        .collect();
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0]["role"], json!("admin"));

    // Only admins list and cancel; a cancelled invitation cannot be accepted.
    let ghost_id = ghost.ok()["invitation_id"].as_str().unwrap().to_string();
    let bob_id = bobs[0]["id"].as_str().unwrap().to_string();
    b.get(&pending).await.fails(404, 4200);
    a.delete(&format!("{pending}/{bob_id}")).await.ok();
    a.delete(&format!("{pending}/{bob_id}"))
        .await
        .fails(404, 4200);
    b.post(&format!("{MINE}/{bob_id}/accept"), json!({}))
        .await
        .fails(404, 4200);
    a.delete(&format!("{pending}/{ghost_id}")).await.ok();
    assert!(a.get(&pending).await.ok().as_array().unwrap().is_empty());
    // Malformed names are refused whatever exists (a shape rule, not a lookup).
    a.invite(&team, "bad name!", "member")
        .await
        .fails(400, 4000);
}

async fn an_invitation_lasts_only_while_its_sender_may_send_it(s: Server) {
    let alice = s.user("alice").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    let erin = s.user("erin").await;
    let a = s.login(&alice).await;
    let c = s.login(&carol).await;
    let d = s.login(&dave).await;
    let team = a.team("Acme").await;
    let members = format!("/api/manage/organizations/{team}/members");
    a.add_member(&team, "carol", "admin").await.ok();
    // An admin cannot invite a super admin, nor cancel a super admin's invitation.
    c.invite(&team, "dave", "super_admin")
        .await
        .fails(403, 4101);
    let by_alice = a.invite(&team, "erin", "super_admin").await;
    let erin_id = by_alice.ok()["invitation_id"].as_str().unwrap().to_string();
    c.delete(&format!(
        "/api/manage/organizations/{team}/invitations/{erin_id}"
    ))
    .await
    .fails(403, 4101);

    // Carol invites dave as admin, then is demoted: her invitation no longer works.
    let by_carol = c.invite(&team, "dave", "admin").await;
    let dave_id = by_carol.ok()["invitation_id"].as_str().unwrap().to_string();
    a.patch(
        &format!("{members}/{}", carol.id),
        json!({"role": "member"}),
    )
    .await
    .ok();
    d.post(&format!("{MINE}/{dave_id}/accept"), json!({}))
        .await
        .fails(404, 4200);
    assert_eq!(member_names(a.get(&members).await.ok()), ["alice", "carol"]);

    // Invitations expire after a week.
    s.state.clock.advance(7 * 86_400 + 1);
    // (Console sessions last a week too.)
    let a = s.login(&alice).await;
    let e = s.login(&erin).await;
    assert!(e.get(MINE).await.ok().as_array().unwrap().is_empty());
    e.post(&format!("{MINE}/{erin_id}/accept"), json!({}))
        .await
        .fails(404, 4200);
    assert_eq!(member_names(a.get(&members).await.ok()), ["alice", "carol"]);
}
