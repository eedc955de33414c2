//! Workspaces and their members: personal and team workspaces, members drawn from the
//! team, and team admins managing team workspaces they are not in.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    workspaces_and_their_members,
    team_admins_manage_team_workspaces_they_are_not_in,
);

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
    let acme = Org::build(&s, "acme")
        .owner("alice")
        .member("bob")
        .super_admin("carol")
        .admin("dave")
        .workspace("alice's team ws")
        .create()
        .await;
    let ((alice, _), (bob, _), (_, c)) = (
        acme.member("alice"),
        acme.member("bob"),
        acme.member("carol"),
    );
    let (team, tw) = (acme.id.clone(), acme.workspace("alice's team ws"));
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
