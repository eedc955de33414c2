//! The pages in a real browser: headless Chromium driven through
//! `testkit::Chromium`, clicking and typing as a person would, in English and
//! Chinese. Every page visited is screenshotted at a wide and a narrow width
//! (under `target/console-screenshots/`) and must not scroll sideways when
//! narrow. SQLite only: these tests are about pages; the store is tested on both
//! databases elsewhere.

mod account;
mod apps;
mod consent;
mod device;
mod keyboard;
mod language;
mod share_link;
mod sign_in;
mod sign_up;
mod tokens;
mod usage_and_channels;

use crate::testkit::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::LazyLock;

/// The catalogs as the server compiles them in (every file of a language).
static EN: LazyLock<HashMap<&str, &str>> =
    LazyLock::new(|| buckle_server::web::i18n::parse(buckle_server::web::i18n::EN_SOURCE));
static ZH: LazyLock<HashMap<&str, &str>> =
    LazyLock::new(|| buckle_server::web::i18n::parse(buckle_server::web::i18n::ZH_CN_SOURCE));

/// The text of `key` in the language `lang` (`en` or `zh-CN`), as the catalog has it.
pub(crate) fn t(lang: &str, key: &str) -> &'static str {
    let catalog = match lang {
        "en" => &EN,
        "zh-CN" => &ZH,
        other => panic!("no catalog for {other}"),
    };
    catalog
        .get(key)
        .unwrap_or_else(|| panic!("{key} is not in the {lang} catalog"))
}

/// The page language `Chromium::start(_, accept_language)` should get.
pub(crate) fn lang_of(accept_language: &str) -> &'static str {
    if accept_language.starts_with("zh") {
        "zh-CN"
    } else {
        "en"
    }
}

/// Where the test web apps send the browser back: a path on the test server
/// itself, so the browser really arrives there (it answers 404, which is fine:
/// the address carries the code).
pub(crate) fn callback(s: &Server) -> String {
    s.url("/callback")
}

/// A web app of `session`'s account returning to `callback(s)`; its app id and secret.
pub(crate) async fn web_app(s: &Server, session: &Session, name: &str) -> (String, String) {
    let app: Value = session
        .post(
            "/api/manage/apps",
            json!({"name": name, "app_type": "normal", "client_type": "web",
                   "permissions": ["Account.readProfile"], "redirect_uris": [callback(s)]}),
        )
        .await
        .ok()
        .clone();
    (
        app["app_id"].as_str().unwrap().to_string(),
        app["client_secret"].as_str().unwrap().to_string(),
    )
}
