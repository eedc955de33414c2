//! The console's device usage page (`console/device_usage.rs`): an enterprise
//! admin sees an app's calls per day (the chart's bars add up to the counted
//! calls), its top devices and each day's rows, and sets and clears quotas with
//! the page's forms (checked through the management API and by a refused call); a
//! mistyped quota is shown next to its field; a form without the CSRF token
//! changes nothing; teams, the personal edition and members get a notice, not
//! data; the page speaks Chinese.

use crate::console_channels::{html, submit};
use crate::device_usage::{device_token, enterprise_app};
use crate::testkit::*;
use buckle_server::web::i18n::Lang;
use reqwest::StatusCode;
use serde_json::json;

const PAGE: &str = "/console/device-usage";

/// The numbers in `data-calls="N"` attributes of the chart's days.
fn chart_calls(page: &str) -> Vec<i64> {
    page.split("data-calls=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_see_usage_and_set_quotas() {
    let s = Server::start(Db::Sqlite).await;
    let (api, ent, id, key, root) = enterprise_app(&s).await;
    let one = device_token(&s, &ent, &id, &key, Some("kiosk-1"), Some("shop")).await;
    let two = device_token(&s, &ent, &id, &key, Some("kiosk-2"), None).await;
    for _ in 0..3 {
        s.bearer(&one).get("/v1/workspaces").await.ok();
    }
    s.bearer(&two).get("/v1/workspaces").await.ok();

    let b = Browser::new(&s.base);
    b.sign_in(&root).await;
    let here = |path: &str| format!("{path}?org={ent}");
    let (status, page) = html(&b, &here(PAGE)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains(&format!("href=\"/console/device-usage?org={ent}\"")),
        "in the navigation of an enterprise admin: {page}"
    );
    assert!(page.contains("Kiosk Service"), "the app chooser: {page}");
    assert!(page.contains("id=\"usage-total\">4<"), "{page}");
    // Seven days, oldest first; today's bar holds the four calls in two colours.
    let days = chart_calls(&page);
    assert_eq!(days.len(), 7, "{page}");
    assert_eq!(days.iter().sum::<i64>(), 4);
    assert_eq!(days[6], 4);
    assert!(page.contains("<rect class=\"s0\""), "{page}");
    assert!(page.contains("<rect class=\"s1\""), "{page}");
    let top = page.split("id=\"top-devices\"").nth(1).unwrap();
    assert!(
        top.find("kiosk-1").unwrap() < top.find("kiosk-2").unwrap(),
        "most calls first: {top}"
    );
    assert!(page.contains("<code>shop</code>"), "{page}");
    // The 30-day range.
    let (status, page) = html(&b, &format!("{PAGE}?org={ent}&app={id}&days=30")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(chart_calls(&page).len(), 30);
    let (status, _) = html(&b, &format!("{PAGE}?org={ent}&days=12")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = html(&b, &format!("{PAGE}?org={ent}&app=nope")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A quota through the form: it is listed, the API has it, and it refuses.
    let set = here("/console/device-usage/quotas");
    let (status, to, page) = submit(
        &b,
        &set,
        &[
            ("app_id", &id),
            ("kind", "device"),
            ("subject", "kiosk-2"),
            ("calls_per_day", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(
        to.as_deref(),
        Some(format!("{PAGE}?app={id}&org={ent}#quotas").as_str())
    );
    let quotas = format!("/api/manage/apps/{id}/device_quotas");
    let listed = api.get(&quotas).await;
    assert_eq!(
        listed.ok()["items"],
        json!([{"kind": "device", "subject": "kiosk-2", "calls_per_day": 1,
                "updated_at": listed.ok()["items"][0]["updated_at"]}])
    );
    s.bearer(&two).get("/v1/workspaces").await.fails(429, 4013);
    let (_, page) = html(&b, &here(PAGE)).await;
    assert!(page.contains("id=\"usage-quotas\""), "{page}");

    // A mistyped number stays in the form with its error; nothing is stored.
    let (status, _, page) = submit(
        &b,
        &set,
        &[
            ("app_id", &id),
            ("kind", "consumer"),
            ("subject", "shop"),
            ("calls_per_day", "ten"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("id=\"calls-error\""), "{page}");
    assert!(
        page.contains(Lang::En.t("usage.calls_per_day_invalid")),
        "{page}"
    );
    assert!(page.contains("value=\"ten\""), "{page}");
    assert!(page.contains("value=\"consumer\" selected"), "{page}");
    let (status, _, page) = submit(
        &b,
        &set,
        &[
            ("app_id", &id),
            ("kind", "device"),
            ("subject", "   "),
            ("calls_per_day", "5"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("id=\"subject-error\""), "{page}");
    assert_eq!(
        api.get(&quotas).await.ok()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Without the session's CSRF token nothing changes.
    let r = b
        .post_form(
            &here("/console/device-usage/quotas/clear"),
            &[
                ("csrf", "forged"),
                ("app_id", &id),
                ("kind", "device"),
                ("subject", "kiosk-2"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        api.get(&quotas).await.ok()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Clearing: the quota is gone and the device calls again; twice is "not found".
    let clear = here("/console/device-usage/quotas/clear");
    let fields = [
        ("app_id", id.as_str()),
        ("kind", "device"),
        ("subject", "kiosk-2"),
    ];
    let (status, _, page) = submit(&b, &clear, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(
        api.get(&quotas).await.ok()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    s.bearer(&two).get("/v1/workspaces").await.ok();
    let (status, _, _) = submit(&b, &clear, &fields).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // In Chinese.
    b.get("/lang/zh-CN?next=/").await;
    let (status, page) = html(&b, &here(PAGE)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(Lang::ZhCn.t("usage.chart")), "{page}");
    assert!(page.contains(Lang::ZhCn.t("usage.set")), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn others_get_a_notice_and_no_data() {
    let s = Server::start(Db::Sqlite).await;
    let (api, ent, id, key, _) = enterprise_app(&s).await;
    let token = device_token(&s, &ent, &id, &key, Some("kiosk-9"), None).await;
    s.bearer(&token).get("/v1/workspaces").await.ok();
    let member = s.user("member1").await;
    api.add_member(&ent, &member.name, "member").await.ok();
    let alice = s.user("alice").await;
    let team = s.login(&alice).await.team("Small Team").await;

    // A member of the enterprise: no link, a notice, no data, no quota form.
    let b = Browser::new(&s.base);
    b.sign_in(&member).await;
    let (status, page) = html(&b, &format!("{PAGE}?org={ent}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(Lang::En.t("usage.admins_only")), "{page}");
    assert!(!page.contains("href=\"/console/device-usage"), "{page}");
    assert!(!page.contains("kiosk-9"), "{page}");
    assert!(!page.contains("set-quota"), "{page}");
    let (status, _, _) = submit(
        &b,
        &format!("/console/device-usage/quotas?org={ent}"),
        &[
            ("app_id", &id),
            ("kind", "device"),
            ("subject", "kiosk-9"),
            ("calls_per_day", "0"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let quotas = api
        .get(&format!("/api/manage/apps/{id}/device_quotas"))
        .await;
    assert!(quotas.ok()["items"].as_array().unwrap().is_empty());

    // A team's admin and the personal edition: enterprises only.
    let b = Browser::new(&s.base);
    b.sign_in(&alice).await;
    for path in [format!("{PAGE}?org={team}"), PAGE.to_string()] {
        let (status, page) = html(&b, &path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains(Lang::En.t("usage.enterprise_only")), "{page}");
        assert!(!page.contains("href=\"/console/device-usage"), "{page}");
    }
}
