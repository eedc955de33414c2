//! An app's life: created with its secret shown once (stored as a hash), edited without
//! changing its types, disabled, enabled and deleted with everything it was given, and
//! managed through tokens only with `Manage.apps`.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    creating_apps_and_the_secret_shown_once,
    editing_cannot_change_types,
    enable_disable_and_delete,
    management_through_tokens_needs_manage_apps,
);

async fn creating_apps_and_the_secret_shown_once(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let made = create(
        &a,
        json!({
            "name": "  Web thing  ",
            "description": "A web backend",
            "app_type": "normal",
            "client_type": "web",
            "permissions": ["Account.readProfile", "Bot.list", "Bot.list"],
            "redirect_uris": ["https://app.example.com/callback", "http://127.0.0.1:8080/callback"],
        }),
    )
    .await;
    let client_id = made["app_id"].as_str().unwrap().to_string();
    let digits = client_id
        .strip_suffix(".app.buckle")
        .expect("client id suffix");
    assert_eq!(digits.len(), 32, "{client_id}");
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{client_id}");
    let secret = made["client_secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 48);
    assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(made["secret_last_chars"], json!(&secret[44..]));
    assert_eq!(made["name"], json!("Web thing"));
    assert_eq!(made["description"], json!("A web backend"));
    assert_eq!(made["app_type"], json!("normal"));
    assert_eq!(made["client_type"], json!("web"));
    assert_eq!(made["organization_id"], Value::Null);
    assert_eq!(made["owner_user_id"], json!(alice.id.to_string()));
    assert_eq!(
        made["permissions"],
        json!(["Account.readProfile", "Bot.list"])
    );
    assert_eq!(
        made["redirect_uris"],
        json!([
            "https://app.example.com/callback",
            "http://127.0.0.1:8080/callback"
        ])
    );
    assert_eq!(made["enabled"], json!(true));
    assert_eq!(made["public_keys"], json!([]));
    assert!(made["created_at"].as_i64().unwrap() > 0);

    // Stored as a hash only; never shown again.
    let stored = stored_app(&s, &made).await;
    assert_eq!(
        stored.secret_hash,
        buckle_core::secret::hash_secret(&secret)
    );
    let got = a.get(&app_path(&made, "")).await;
    let text = got.body.to_string();
    assert!(!text.contains(&secret), "{text}");
    assert!(!text.contains(&stored.secret_hash), "{text}");
    assert!(got.ok().get("client_secret").is_none());
    assert_eq!(got.ok()["secret_last_chars"], json!(&secret[44..]));
    let list = a.get(APPS).await;
    assert!(!list.body.to_string().contains(&secret));
    assert_eq!(names(list.ok(), "app_id"), vec![client_id.clone()]);

    // A new secret replaces the old one and is shown once.
    let reset = a.post(&app_path(&made, "/secret"), json!({})).await;
    let new_secret = reset.ok()["client_secret"].as_str().unwrap().to_string();
    assert_eq!(new_secret.len(), 48);
    assert_ne!(new_secret, secret);
    assert_eq!(
        stored_app(&s, &made).await.secret_hash,
        buckle_core::secret::hash_secret(&new_secret)
    );
    assert!(
        !a.get(&app_path(&made, ""))
            .await
            .body
            .to_string()
            .contains(&new_secret)
    );

    // Other client types have no secret.
    for (name, client_type, uris) in [
        ("Pkce thing", "pkce", json!(["com.example.app:/callback"])),
        ("Device thing", "device", json!([])),
        ("Service thing", "service", json!([])),
    ] {
        let other = create(
            &a,
            json!({"name": name, "app_type": "normal", "client_type": client_type, "permissions": ["Account.readProfile"], "redirect_uris": uris}),
        )
        .await;
        assert!(other.get("client_secret").is_none(), "{other}");
        assert_eq!(other["secret_last_chars"], Value::Null);
        assert_eq!(stored_app(&s, &other).await.secret_hash, "");
        let refused = a.post(&app_path(&other, "/secret"), json!({})).await;
        refused.fails(400, 4000);
    }

    // Unknown ids and other people's apps are 404.
    a.get(&format!(
        "{APPS}/00000000000000000000000000000000.app.buckle"
    ))
    .await
    .fails(404, 4200);
    let bob = s.user("bob").await;
    let b = s.login(&bob).await;
    b.get(&app_path(&made, "")).await.fails(404, 4200);
    b.post(&app_path(&made, "/secret"), json!({}))
        .await
        .fails(404, 4200);
    assert_eq!(b.get(APPS).await.ok(), &json!([]));
}

async fn editing_cannot_change_types(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let made = create(&a, web_app("editable")).await;
    let path = app_path(&made, "");
    for body in [
        json!({"client_type": "service"}),
        json!({"app_type": "channel"}),
        json!({"name": "x", "client_type": "web"}),
    ] {
        let msg = a.patch(&path, body).await.fails(400, 4000).to_string();
        assert!(msg.contains("cannot be changed"), "{msg}");
    }
    a.patch(&path, json!({"client_id": "mine"}))
        .await
        .fails(400, 4000);
    a.patch(&path, json!({"permissions": []}))
        .await
        .fails(400, 4000);
    a.patch(&path, json!({"description": "x".repeat(1001)}))
        .await
        .fails(400, 4000);
    let edited = a
        .patch(
            &path,
            json!({"name": "edited", "description": "now described", "permissions": ["Bot.read", "Bot.list"]}),
        )
        .await;
    let e = edited.ok();
    assert_eq!(e["name"], json!("edited"));
    assert_eq!(e["description"], json!("now described"));
    assert_eq!(e["permissions"], json!(["Bot.list", "Bot.read"]));
    assert_eq!(e["client_type"], json!("web"));
    assert_eq!(e["app_type"], json!("normal"));
    assert_eq!(e["redirect_uris"], made["redirect_uris"]);
    assert_eq!(e["secret_last_chars"], made["secret_last_chars"]);
    assert!(e.get("client_secret").is_none());
    // An empty edit changes nothing.
    let same = a.patch(&path, json!({})).await;
    assert_eq!(same.ok()["name"], json!("edited"));
    assert_eq!(
        a.get(&path).await.ok()["description"],
        json!("now described")
    );
}

async fn enable_disable_and_delete(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let made = create(&a, web_app("toggled")).await;
    let off = a.post(&app_path(&made, "/disable"), json!({})).await;
    assert_eq!(off.ok()["enabled"], json!(false));
    assert!(!stored_app(&s, &made).await.enabled);
    assert_eq!(
        a.get(&app_path(&made, "")).await.ok()["enabled"],
        json!(false)
    );
    b.post(&app_path(&made, "/enable"), json!({}))
        .await
        .fails(404, 4200);
    let on = a.post(&app_path(&made, "/enable"), json!({})).await;
    assert_eq!(on.ok()["enabled"], json!(true));

    // Deleting removes the app and everything it was given.
    let stored = stored_app(&s, &made).await;
    let grant = obo_grant(stored.id, bob.id, "");
    let gid = s.state.store.upsert_grant(&grant).await.unwrap();
    let token_hash = buckle_core::secret::hash_secret("czu_for_the_deleted_app");
    s.state
        .store
        .insert_oauth_token(&oauth_token(&grant, &token_hash))
        .await
        .unwrap();
    b.delete(&app_path(&made, "")).await.fails(404, 4200);
    a.delete(&app_path(&made, "")).await.ok();
    a.get(&app_path(&made, "")).await.fails(404, 4200);
    a.delete(&app_path(&made, "")).await.fails(404, 4200);
    assert!(s.state.store.grant(gid).await.unwrap().is_none());
    assert!(
        s.state
            .store
            .oauth_token_by_hash(&token_hash)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(a.get(APPS).await.ok(), &json!([]));
    // The name is free again.
    create(&a, web_app("toggled")).await;
}

async fn management_through_tokens_needs_manage_apps(s: Server) {
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let without = s.bearer(&a.simple_pat(&["Manage.tokens"]).await);
    let msg = without.get(APPS).await.fails(403, 4101).to_string();
    assert!(msg.contains("Manage.apps"), "{msg}");
    without
        .post(APPS, service_app("through a token"))
        .await
        .fails(403, 4101);
    let with = s.bearer(
        &a.simple_pat(&["Manage.apps", "Account.readProfile", "Bot.list"])
            .await,
    );
    let made = with.post(APPS, service_app("through a token")).await;
    let client_id = made.ok()["app_id"].as_str().unwrap().to_string();
    assert_eq!(
        names(with.get(APPS).await.ok(), "app_id"),
        vec![client_id.clone()]
    );
    with.get(&format!("{APPS}/{client_id}")).await.ok();
    without
        .get(&format!("{APPS}/{client_id}"))
        .await
        .fails(403, 4101);
    without
        .get("/api/manage/authorized_apps")
        .await
        .fails(403, 4101);
    // The point is in the catalog, for forms.
    let catalog = a.get("/api/manage/permissions").await;
    let point = catalog
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == json!("Manage.apps"))
        .cloned()
        .expect("Manage.apps is in the catalog");
    assert_eq!(point["level"], json!("account"));
    assert_eq!(point["operator_only"], json!(false));
    assert!(!point["description_zh"].as_str().unwrap().is_empty());
}
