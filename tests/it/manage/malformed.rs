//! Every malformed management request (duplicate or unknown fields, bad JSON, wrong
//! content type, bad ids, unknown routes) is a 400 or 404 that changes nothing.

use super::*;
use crate::on_both_databases;

on_both_databases!(malformed_requests_get_400);

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
