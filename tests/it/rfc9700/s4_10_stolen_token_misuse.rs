//! RFC 9700 §4.10 Misuse of Stolen Access Tokens. Buckle has no sender-constrained
//! tokens (no mTLS or DPoP, which the Coze wire protocol lacks), so it applies the
//! section's other advice: a token is restricted to its audience and privileges (the
//! app's points, the workspace pinned at consent) and can be cut off at once by the
//! person revoking the app. A stolen token used beyond that is refused.

use crate::oauth::{CALLBACK, app, authorize_url, exchange};
use crate::on_both_databases;
use crate::testkit::*;
use serde_json::json;

on_both_databases!(a_stolen_token_reaches_only_what_it_was_granted);

async fn a_stolen_token_reaches_only_what_it_was_granted(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let other = a.workspace("other", None).await;
    let pinned = a.workspace("pinned", None).await;
    let web = app(
        &a,
        "Pinned Web",
        "web",
        &["Bot.list", "Account.readProfile"],
    )
    .await;
    let id = web["app_id"].as_str().unwrap();
    let b = Browser::new(&s.base);
    let url = authorize_url(id, CALLBACK, "").replace(
        "/api/permission/oauth2/authorize",
        &format!("/api/permission/oauth2/workspace_id/{pinned}/authorize"),
    );
    let (status, page) = b.open_as(&url, &alice).await;
    assert_eq!(status, 200);
    let code =
        query_params(&location(&b.consent(&page, "approve", "").await).unwrap())["code"].clone();
    let t = exchange(&s, id, web["client_secret"].as_str(), &code, json!({})).await;
    let stolen = t.token()["access_token"].as_str().unwrap().to_string();

    // Another workspace of hers, her personal one, a workspace that does not exist,
    // a point the app never asked for: all refused.
    for ws in [other, alice.personal_workspace] {
        s.bearer(&stolen)
            .get(&format!("/v1/bots?workspace_id={ws}"))
            .await
            .fails(403, 4101);
    }
    s.bearer(&stolen)
        .get("/v1/bots?workspace_id=999999999")
        .await
        .fails(404, 4200);
    s.bearer(&stolen)
        .get("/v1/workspaces")
        .await
        .fails(403, 4101);
    s.bearer(&stolen)
        .post(
            "/v1/bot/create",
            json!({"space_id": pinned.to_string(), "name": "stolen bot"}),
        )
        .await
        .fails(403, 4101);
    // What it was granted works, until the person revokes the app.
    s.bearer(&stolen)
        .get(&format!("/v1/bots?workspace_id={pinned}"))
        .await
        .ok();
    a.delete(&format!("/api/manage/authorized_apps/{id}"))
        .await
        .ok();
    s.bearer(&stolen)
        .get(&format!("/v1/bots?workspace_id={pinned}"))
        .await
        .fails(401, 4100);
}
