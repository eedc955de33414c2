//! Public keys of service apps: PEM forms, fingerprints, duplicates, at most three,
//! private keys refused and never echoed, the owner only.

use super::*;
use crate::on_both_databases;
use aws_lc_rs::encoding::AsDer;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use buckle_core::rsa_key::RsaPublicKey;

on_both_databases!(public_keys_of_service_apps);

async fn public_keys_of_service_apps(s: Server) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let a = s.login(&alice).await;
    let b = s.login(&bob).await;
    let app = create(&a, service_app("signer")).await;
    let keys = app_path(&app, "/keys");

    let key = ServiceKey::new();
    let (kp, pkcs1_pem) = (&key.pair, key.public_pem.clone());
    let expected = RsaPublicKey::from_pem(&pkcs1_pem).unwrap();
    let added = a.post(&keys, json!({"public_key": pkcs1_pem})).await;
    let fingerprint = added.ok()["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(fingerprint, expected.thumbprint());
    assert_eq!(fingerprint.len(), 43);
    assert!(added.ok()["created_at"].as_i64().unwrap() > 0);
    // The same key again, in SPKI form this time, is a duplicate.
    let dup = a
        .post(&keys, json!({"public_key": expected.to_pem()}))
        .await;
    dup.fails(409, 4000);
    // Listed with the normalized public PEM; shown on the app.
    let list = a.get(&keys).await;
    let l = list.ok().as_array().unwrap().clone();
    assert_eq!(l.len(), 1);
    assert_eq!(l[0]["fingerprint"], json!(fingerprint));
    assert_eq!(l[0]["public_pem"], json!(expected.to_pem()));
    let shown = a.get(&app_path(&app, "")).await;
    assert_eq!(
        shown.ok()["public_keys"][0]["fingerprint"],
        json!(fingerprint)
    );

    // A private key is refused, neither stored nor echoed.
    let private_der = kp.as_der().unwrap();
    let private_b64 = STANDARD.encode(private_der.as_ref());
    let private_pem =
        format!("-----BEGIN PRIVATE KEY-----\n{private_b64}\n-----END PRIVATE KEY-----\n");
    let refused = a.post(&keys, json!({"public_key": private_pem})).await;
    let msg = refused.fails(400, 4000).to_string();
    assert!(msg.contains("private key"), "{msg}");
    assert!(!refused.body.to_string().contains(&private_b64[..40]));
    let stored = s
        .state
        .store
        .app_keys(stored_app(&s, &app).await.id)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        stored.iter().all(
            |k| !k.public_pem.contains("PRIVATE") && !k.public_pem.contains(&private_b64[..40])
        )
    );
    // Garbage is refused with a clear message.
    let msg = a
        .post(&keys, json!({"public_key": "hello"}))
        .await
        .fails(400, 4000)
        .to_string();
    assert!(msg.contains("PEM"), "{msg}");
    a.post(&keys, json!({"key": "x"})).await.fails(400, 4000);

    // At most three keys.
    let mut prints = vec![fingerprint.clone()];
    for _ in 0..2 {
        let pem = ServiceKey::new().public_pem;
        let r = a.post(&keys, json!({"public_key": pem})).await;
        prints.push(r.ok()["fingerprint"].as_str().unwrap().to_string());
    }
    let fourth = ServiceKey::new().public_pem;
    let refused = a.post(&keys, json!({"public_key": fourth.clone()})).await;
    assert_eq!(
        refused.fails(400, 4000),
        "An app may hold at most 3 public keys."
    );
    assert_eq!(a.get(&keys).await.ok().as_array().unwrap().len(), 3);

    // Only the owner changes keys; others do not even see the app.
    b.post(&keys, json!({"public_key": fourth.clone()}))
        .await
        .fails(404, 4200);
    b.get(&keys).await.fails(404, 4200);
    b.delete(&format!("{keys}/{fingerprint}"))
        .await
        .fails(404, 4200);
    // Deleting one makes room.
    a.delete(&format!("{keys}/{fingerprint}")).await.ok();
    a.delete(&format!("{keys}/{fingerprint}"))
        .await
        .fails(404, 4200);
    let left = names(a.get(&keys).await.ok(), "fingerprint");
    prints.remove(0);
    prints.sort();
    assert_eq!(left, prints);
    a.post(&keys, json!({"public_key": fourth})).await.ok();

    // Keys belong to service apps only.
    let web = create(&a, web_app("no keys")).await;
    let pem = ServiceKey::new().public_pem;
    a.post(&app_path(&web, "/keys"), json!({"public_key": pem}))
        .await
        .fails(400, 4000);
    a.get(&app_path(&web, "/keys")).await.fails(400, 4000);
}
