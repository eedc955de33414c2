//! Password and device user-code guessing (issue 6, holes 4 and 5): growing waits
//! per account and per client address instead of a lockout, a known device judged
//! by its own failures, a full counter table that gets stricter rather than
//! switching counting off, counts shared by every server on the database.

use crate::on_both_databases;
use crate::testkit::*;
use buckle_core::throttle::{ACCOUNT, ADDRESS, USER_CODE_ACCOUNT, USER_CODE_ADDRESS};
use reqwest::{Client, StatusCode};
use serde_json::json;
use std::net::IpAddr;
use std::sync::Arc;

on_both_databases!(
    an_attack_on_an_account_does_not_keep_its_owner_out,
    one_address_guessing_many_names_is_slowed,
    a_flood_of_made_up_names_does_not_switch_counting_off,
    servers_on_one_database_share_the_counts,
    guessing_the_current_password_is_slowed,
    guessing_device_user_codes_is_refused_after_a_few,
    only_an_accounts_latest_devices_stay_known,
);

/// A client connecting from `address` (any 127.x.y.z reaches the loopback
/// server), with a cookie jar when it should remember being a known device.
fn client_from(address: &str, with_cookies: bool) -> Client {
    let ip: IpAddr = address.parse().unwrap();
    let b = Client::builder().local_address(ip);
    let b = if with_cookies {
        b.cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
    } else {
        b
    };
    b.build().unwrap()
}

async fn sign_in_with(s: &Server, client: &Client, user_name: &str, password: &str) -> Reply {
    Reply::of(
        client
            .post(s.url("/api/manage/session"))
            .json(&json!({"user_name": user_name, "password": password}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The N of a 429's "try again in N seconds".
fn wait_in(msg: &str) -> i64 {
    let rest = msg
        .split("try again in ")
        .nth(1)
        .unwrap_or_else(|| panic!("no 'try again in' in {msg:?}"));
    rest.split(' ').next().unwrap().parse().unwrap()
}

/// Signs in as `user_name` with wrong passwords until `wrong` of them were
/// checked, waiting out every 429 (by moving the clock); returns the waits asked.
async fn guess(s: &Server, client: &Client, user_name: &str, wrong: usize) -> Vec<i64> {
    let mut waits = Vec::new();
    let mut checked = 0;
    while checked < wrong {
        let r = sign_in_with(s, client, user_name, &format!("guess-{checked}")).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            let wait = wait_in(r.fails(429, 4013));
            assert!(wait > 0, "{r:?}");
            // RFC 6585 §4: the same wait, for clients that read headers.
            assert_eq!(r.retry_after, Some(wait.to_string()), "{r:?}");
            waits.push(wait);
            s.state.clock.advance(wait);
        } else {
            r.fails(401, 4100);
            checked += 1;
        }
    }
    waits
}

async fn an_attack_on_an_account_does_not_keep_its_owner_out(s: Server) {
    s.state.clock.freeze();
    let admin = s.super_admin("admin").await;
    // The owner's browser signed in before: it holds a known-device cookie.
    let owner = client_from("127.0.0.1", true);
    sign_in_with(&s, &owner, "admin", &admin.password)
        .await
        .ok();

    // The attacker's 50 wrong passwords, from one address, waiting out each delay.
    let attacker = client_from("127.0.0.1", true);
    let waits = guess(&s, &attacker, "admin", 50).await;
    // Slowed: a wait before every attempt past the free ones, growing up to a cap.
    assert_eq!(
        waits.len(),
        50 - ACCOUNT.free_failures as usize,
        "{waits:?}"
    );
    assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
    assert!(waits[1] > waits[0], "{waits:?}");
    assert_eq!(*waits.last().unwrap(), ACCOUNT.max_delay, "{waits:?}");
    // Right now the account must wait: even its right password is refused from
    // a device the account does not know.
    let msg = sign_in_with(
        &s,
        &client_from("127.0.0.1", true),
        "admin",
        &admin.password,
    )
    .await
    .fails(429, 4013)
    .to_string();
    assert_eq!(wait_in(&msg), ACCOUNT.max_delay, "{msg}");

    // The owner's known device signs in at once, from the same address.
    let signed = sign_in_with(&s, &owner, "admin", &admin.password).await;
    assert_eq!(
        signed.ok()["account"]["user_id"],
        json!(admin.id.to_string())
    );
    // The owner's success lifts nothing for the attacker.
    sign_in_with(&s, &attacker, "admin", "one more guess")
        .await
        .fails(429, 4013);
    // A known device of another account is no pass for this one.
    let other = s.user("other").await;
    let others_device = client_from("127.0.0.4", true);
    sign_in_with(&s, &others_device, "other", &other.password)
        .await
        .ok();
    sign_in_with(&s, &others_device, "admin", &admin.password)
        .await
        .fails(429, 4013);
    // No hard lock: after the wait, the right password works from anywhere.
    s.state.clock.advance(ACCOUNT.max_delay);
    sign_in_with(
        &s,
        &client_from("127.0.0.1", false),
        "admin",
        &admin.password,
    )
    .await
    .ok();
}

async fn one_address_guessing_many_names_is_slowed(s: Server) {
    s.state.clock.freeze();
    let carol = s.user("carol").await;
    // One wrong password for each of many names: no single name is slowed,
    // but the address is, past its free failures.
    let sprayer = client_from("127.0.0.2", false);
    for i in 0..ADDRESS.free_failures {
        sign_in_with(&s, &sprayer, &format!("name-{i}"), "123456")
            .await
            .fails(401, 4100);
    }
    let msg = sign_in_with(&s, &sprayer, "carol", &carol.password)
        .await
        .fails(429, 4013)
        .to_string();
    assert_eq!(wait_in(&msg), ADDRESS.first_delay, "{msg}");
    // Another address is not slowed by it.
    sign_in_with(
        &s,
        &client_from("127.0.0.3", false),
        "carol",
        &carol.password,
    )
    .await
    .ok();
}

async fn a_flood_of_made_up_names_does_not_switch_counting_off(s: Server) {
    s.state.clock.freeze();
    let owner_user = s.user("owner").await;
    let owner = client_from("127.0.0.1", true);
    sign_in_with(&s, &owner, "owner", &owner_user.password)
        .await
        .ok();
    let bob = s.user("bob").await;
    // Room for only a few names (instead of flooding 100,000).
    let capacity = 6;
    s.state.throttle.set_capacity(capacity);
    // Made-up names, each from its own address so that no address is slowed.
    let flood = capacity as usize + 3;
    for i in 0..flood {
        let c = client_from(&format!("127.0.1.{}", i + 1), false);
        sign_in_with(&s, &c, &format!("made-up-{i}"), "x")
            .await
            .fails(401, 4100);
    }
    // The table stays bounded ...
    let tracked = s
        .state
        .store
        .throttle_keys(buckle_store::ThrottleScope::SignInAccount)
        .await
        .unwrap();
    assert_eq!(tracked, capacity);
    // ... and a real name it has no room for is still counted (on the shared
    // overflow counter, so sooner rather than later), from a fresh address.
    let attacker = client_from("127.0.2.1", false);
    let mut refused_after = None;
    for attempt in 0..=ACCOUNT.free_failures {
        let r = sign_in_with(&s, &attacker, "bob", &format!("guess-{attempt}")).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            r.fails(429, 4013);
            refused_after = Some(attempt);
            break;
        }
        r.fails(401, 4100);
    }
    assert!(
        refused_after.is_some(),
        "bob's failures were not counted once the table was full"
    );
    // Bob's right password from a device he never used waits too ...
    sign_in_with(&s, &client_from("127.0.2.2", false), "bob", &bob.password)
        .await
        .fails(429, 4013);
    // ... while known devices are judged by their own counts, full table or not.
    sign_in_with(&s, &owner, "owner", &owner_user.password)
        .await
        .ok();
}

async fn servers_on_one_database_share_the_counts(s: Server) {
    let t = s.start_beside().await;
    s.state.clock.freeze();
    t.state.clock.freeze();
    t.state
        .clock
        .advance(s.state.clock.now() - t.state.clock.now());
    let dave = s.user("dave").await;
    let c = client_from("127.0.0.1", false);
    // Wrong passwords split between the two servers add up.
    for i in 0..ACCOUNT.free_failures {
        let server = if i % 2 == 0 { &s } else { &t };
        sign_in_with(server, &c, "dave", "wrong")
            .await
            .fails(401, 4100);
    }
    for server in [&s, &t] {
        let msg = sign_in_with(server, &c, "dave", &dave.password)
            .await
            .fails(429, 4013)
            .to_string();
        assert_eq!(wait_in(&msg), ACCOUNT.first_delay, "{msg}");
    }
    // A success on one server forgets the account's failures on both.
    s.state.clock.advance(ACCOUNT.first_delay);
    t.state.clock.advance(ACCOUNT.first_delay);
    sign_in_with(&t, &c, "dave", &dave.password).await.ok();
    sign_in_with(&s, &c, "dave", "wrong again")
        .await
        .fails(401, 4100);
}

async fn guessing_the_current_password_is_slowed(s: Server) {
    s.state.clock.freeze();
    let erin = s.user("erin").await;
    // A stolen session cookie alone, without the device's known-device cookie.
    let r = Client::new()
        .post(s.url("/api/manage/session"))
        .json(&json!({"user_name": "erin", "password": erin.password}))
        .send()
        .await
        .unwrap();
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find_map(|c| {
            c.strip_prefix("buckle_session=")
                .map(|v| v.split(';').next().unwrap().to_string())
        })
        .unwrap();
    let csrf_of_session = Reply::of(r).await.ok()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let change = |current: &str| {
        let body = json!({"current_password": current, "new_password": "a brand new secret"});
        let rb = Client::new()
            .post(s.url("/api/manage/accounts/me/password"))
            .header("cookie", format!("buckle_session={session}"))
            .header("x-csrf-token", &csrf_of_session)
            .json(&body);
        async move { Reply::of(rb.send().await.unwrap()).await }
    };
    for i in 0..ACCOUNT.free_failures {
        change(&format!("guess-{i}")).await.fails(403, 4101);
    }
    let msg = change(&erin.password).await.fails(429, 4013).to_string();
    assert_eq!(wait_in(&msg), ACCOUNT.first_delay, "{msg}");
    // The same count slows signing in to the account from unknown devices.
    sign_in_with(&s, &Client::new(), "erin", &erin.password)
        .await
        .fails(429, 4013);
    // Waiting is all it takes.
    s.state.clock.advance(ACCOUNT.first_delay);
    change(&erin.password).await.ok();
}

async fn guessing_device_user_codes_is_refused_after_a_few(s: Server) {
    s.state.clock.freeze();
    let alice = s.user("alice").await;
    let a = s.login(&alice).await;
    let dev = a
        .post(
            "/api/manage/apps",
            json!({"name": "Tv", "app_type": "normal", "client_type": "device",
                   "permissions": ["Account.readProfile"], "redirect_uris": []}),
        )
        .await;
    let client_id = dev.ok()["app_id"].as_str().unwrap().to_string();
    let d = oauth_post(
        &s.base,
        "/api/permission/oauth2/device/code",
        None,
        json!({"client_id": client_id}),
    )
    .await;
    let user_code = d.token()["user_code"].as_str().unwrap().to_string();
    let wrong_code = |i: usize| {
        // Valid-looking codes that are not the real one.
        let letters = b"BCDFGHJKLMNPQRSTVWXZ";
        let c: String = (0..8)
            .map(|k| char::from(letters[(i * 7 + k * 3) % letters.len()]))
            .collect();
        assert_ne!(c, user_code.replace('-', ""));
        c
    };

    let b = Browser::new(&s.base);
    // The real code shows the decision form (and is not counted as wrong).
    let (status, page) = b
        .open_as(&format!("/oauth/device?user_code={user_code}"), &alice)
        .await;
    assert_eq!(status, 200, "{page}");
    let csrf = form_field(&page, "csrf").unwrap();
    for i in 0..USER_CODE_ACCOUNT.free_failures as usize {
        let r = b
            .get(&format!("/oauth/device?user_code={}", wrong_code(i)))
            .await;
        assert_eq!(r.status(), 404);
    }
    // Past the limit, every code is refused, the real one included, on the page
    // and on the decision form, with a clear wait.
    let r = b.get(&format!("/oauth/device?user_code={user_code}")).await;
    assert_eq!(r.status(), 429);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "try again in {} seconds",
            USER_CODE_ACCOUNT.first_delay
        )),
        "{page}"
    );
    let r = b
        .post_form(
            "/oauth/device",
            &[
                ("user_code", user_code.as_str()),
                ("csrf", csrf.as_str()),
                ("decision", "approve"),
                ("edition", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 429);

    // The address is limited too: another account on it gets fewer tries.
    let bob = s.user("bob").await;
    let bobs = Browser::new(&s.base);
    let (status, _) = bobs.open_as("/oauth/device", &bob).await;
    assert_eq!(status, 200);
    let left = (USER_CODE_ADDRESS.free_failures - USER_CODE_ACCOUNT.free_failures) as usize;
    for i in 0..left {
        let r = bobs
            .get(&format!("/oauth/device?user_code={}", wrong_code(100 + i)))
            .await;
        assert_eq!(r.status(), 404);
    }
    let r = bobs
        .get(&format!("/oauth/device?user_code={}", wrong_code(200)))
        .await;
    assert_eq!(r.status(), 429);

    // After the wait, the real code goes through.
    s.state.clock.advance(USER_CODE_ACCOUNT.first_delay);
    let (status, done) = b.device_decision(&user_code, &alice, "approve", "").await;
    assert_eq!(status, 200, "{done}");
}

async fn only_an_accounts_latest_devices_stay_known(s: Server) {
    s.state.clock.freeze();
    let frank = s.user("frank").await;
    let first = client_from("127.0.0.1", true);
    sign_in_with(&s, &first, "frank", &frank.password)
        .await
        .ok();
    // A script signing in again and again without keeping its cookies.
    let keep = buckle_server::known_device::KNOWN_DEVICES_PER_ACCOUNT;
    let mut latest = None;
    for _ in 0..keep {
        // Devices are ordered by the second they signed in.
        s.state.clock.advance(1);
        let c = client_from("127.0.0.1", true);
        sign_in_with(&s, &c, "frank", &frank.password).await.ok();
        latest = Some(c);
    }
    let latest = latest.unwrap();
    // Someone else makes the account wait.
    let attacker = client_from("127.0.0.5", false);
    for i in 0..ACCOUNT.free_failures {
        sign_in_with(&s, &attacker, "frank", &format!("guess-{i}"))
            .await
            .fails(401, 4100);
    }
    // The oldest device was forgotten; the latest is still known.
    sign_in_with(&s, &first, "frank", &frank.password)
        .await
        .fails(429, 4013);
    sign_in_with(&s, &latest, "frank", &frank.password)
        .await
        .ok();
}
