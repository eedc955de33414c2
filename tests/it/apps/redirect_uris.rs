//! Redirect URI rules: absolute, no fragment or user info, at most ten, plain http only
//! on loopback unless the operator allows it; edits follow the same rules.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    plain_http_redirect_uris_only_on_loopback,
    redirect_uri_validation,
);

/// Codes sent to a plain-http redirect URI cross the network in clear, except on
/// loopback where they never leave the machine.
async fn plain_http_redirect_uris_only_on_loopback(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let with_uris = |name: &str, uris: Value| json!({"name": name, "app_type": "normal", "client_type": "web", "permissions": ["Account.readProfile"], "redirect_uris": uris});
    for bad in [
        "http://app.example.com/cb",
        "http://10.0.0.7:8080/cb",
        "http://localhost.evil.example/cb",
        "http://127.0.0.1.evil.example/cb",
        "http://[::2]/cb",
    ] {
        let msg = a
            .post(APPS, with_uris("insecure", json!([bad])))
            .await
            .fails(400, 4000)
            .to_string();
        assert!(msg.contains("loopback"), "{bad}: {msg}");
    }
    let made = create(
        &a,
        with_uris(
            "loopback",
            json!([
                "http://127.0.0.1:9/cb",
                "http://[::1]:9/cb",
                "http://localhost/cb",
                "https://app.example.com/cb"
            ]),
        ),
    )
    .await;
    // Edits follow the same rule, and a refused edit changes nothing.
    a.patch(
        &app_path(&made, ""),
        json!({"redirect_uris": ["https://app.example.com/cb", "http://app.example.com/cb"]}),
    )
    .await
    .fails(400, 4000);
    assert_eq!(
        a.get(&app_path(&made, "")).await.ok()["redirect_uris"][3],
        json!("https://app.example.com/cb")
    );
    let pkce = json!({"name": "pkce", "app_type": "normal", "client_type": "pkce", "permissions": ["Account.readProfile"], "redirect_uris": ["http://192.168.1.2/cb"]});
    a.post(APPS, pkce).await.fails(400, 4000);
}

/// `allow_insecure_redirect_uris = true` is the operator's explicit way out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_may_allow_insecure_redirect_uris() {
    let s = Server::start_configured(|c| c.allow_insecure_redirect_uris = true).await;
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let mut app = web_app("intranet");
    app["redirect_uris"] = json!(["http://intranet.example/cb"]);
    assert_eq!(
        create(&a, app).await["redirect_uris"],
        json!(["http://intranet.example/cb"])
    );
}

async fn redirect_uri_validation(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let with_uris = |uris: Value| json!({"name": "uris", "app_type": "normal", "client_type": "web", "permissions": ["Account.readProfile"], "redirect_uris": uris});
    for bad in [
        json!(["javascript:alert(1)"]),
        json!(["https://app.example.com/cb#fragment"]),
        json!(["/relative/callback"]),
        json!(["callback"]),
        json!(["https:///no-host"]),
        json!(["https://user@evil.example/cb"]),
        json!(["data:text/html,hi"]),
        json!(["https://app.example.com/a b"]),
        json!([""]),
        json!(["https://app.example.com/cb", "https://app.example.com/cb"]),
    ] {
        let r = a.post(APPS, with_uris(bad.clone())).await;
        let msg = r.fails(400, 4000);
        assert!(msg.contains("redirect_uris["), "{bad}: {msg}");
    }
    let eleven: Vec<String> = (0..11)
        .map(|i| format!("https://app.example.com/cb{i}"))
        .collect();
    a.post(APPS, with_uris(json!(eleven)))
        .await
        .fails(400, 4000);
    let ten = &eleven[..10];
    let made = create(&a, with_uris(json!(ten))).await;
    assert_eq!(made["redirect_uris"], json!(ten));
    let pkce = create(
        &a,
        json!({"name": "mobile", "app_type": "normal", "client_type": "pkce", "permissions": ["Account.readProfile"], "redirect_uris": ["com.example.app:/oauth", "http://localhost:3000/cb?x=1"]}),
    )
    .await;
    assert_eq!(
        pkce["redirect_uris"],
        json!(["com.example.app:/oauth", "http://localhost:3000/cb?x=1"])
    );
    // The same rules apply to edits.
    a.patch(
        &app_path(&made, ""),
        json!({"redirect_uris": ["javascript:alert(1)"]}),
    )
    .await
    .fails(400, 4000);
    a.patch(&app_path(&made, ""), json!({"redirect_uris": []}))
        .await
        .fails(400, 4000);
    let edited = a
        .patch(
            &app_path(&made, ""),
            json!({"redirect_uris": ["https://new.example.com/cb"]}),
        )
        .await;
    assert_eq!(
        edited.ok()["redirect_uris"],
        json!(["https://new.example.com/cb"])
    );
}
