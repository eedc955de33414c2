//! App names are unique across owners, normalized (NFC) and free of invisible
//! characters, as are the other names people read.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    app_names_are_unique_across_owners,
    app_names_are_normalized_and_visible,
);

async fn app_names_are_unique_across_owners(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    create(&a, web_app("Shared name")).await;
    let refused = b.post(APPS, service_app("Shared name")).await;
    assert_eq!(
        refused.fails(409, 4000),
        "An app with that name already exists."
    );
    let team = b.team("bobco").await;
    b.post(APPS, in_org(service_app("Shared name"), &team))
        .await
        .fails(409, 4000);
    // Renaming onto a taken name is refused too; the app keeps its name.
    let other = create(&b, service_app("Other name")).await;
    b.patch(&app_path(&other, ""), json!({"name": "Shared name"}))
        .await
        .fails(409, 4000);
    assert_eq!(
        b.get(&app_path(&other, "")).await.ok()["name"],
        json!("Other name")
    );
    // Bad names.
    for bad in ["", "   ", &"x".repeat(101)] {
        a.post(APPS, web_app(bad)).await.fails(400, 4000);
    }
    create(&a, web_app(&"y".repeat(100))).await;
}

/// The name is what a person trusts on the consent page: one spelling per look
/// (NFC), nothing invisible that reorders or hides characters.
async fn app_names_are_normalized_and_visible(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    // "Café" typed with a combining accent is stored precomposed...
    let made = create(&a, web_app("Cafe\u{301} Pay")).await;
    assert_eq!(made["name"], json!("Caf\u{E9} Pay"));
    assert_eq!(stored_app(&s, &made).await.name, "Caf\u{E9} Pay");
    // ...so the precomposed spelling is the same, taken name.
    b.post(APPS, service_app("Caf\u{E9} Pay"))
        .await
        .fails(409, 4000);
    b.post(APPS, service_app("Cafe\u{301} Pay"))
        .await
        .fails(409, 4000);
    for bad in [
        "Pay\u{202E}lapyaP",      // right-to-left override
        "Caf\u{E9}\u{200B} Pay",  // zero-width space
        "\u{FEFF}Bank",           // byte order mark
        "Bank \u{2067}x\u{2069}", // right-to-left isolate
        "Bank\u{200D}",           // zero-width joiner
    ] {
        let msg = b
            .post(APPS, service_app(bad))
            .await
            .fails(400, 4000)
            .to_string();
        assert!(msg.contains("U+"), "{bad:?}: {msg}");
        a.patch(&app_path(&made, ""), json!({"name": bad}))
            .await
            .fails(400, 4000);
    }
    // The same rule holds for the other names people read.
    let zw = "Team\u{200B}";
    a.post(
        "/api/manage/organizations",
        json!({"name": zw, "kind": "team"}),
    )
    .await
    .fails(400, 4000);
    a.post("/api/manage/workspaces", json!({"name": zw}))
        .await
        .fails(400, 4000);
    a.post(
        "/api/manage/personal_access_tokens",
        json!({"name": zw, "permissions": ["Bot.list"], "all_workspaces": true, "expires_in": "1d"}),
    )
    .await
    .fails(400, 4000);
    let team = a.team("Cre\u{300}me").await;
    assert_eq!(
        a.get(&format!("/api/manage/organizations/{team}"))
            .await
            .ok()["name"],
        json!("Cr\u{E8}me")
    );
}
