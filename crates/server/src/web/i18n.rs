//! The message catalogs (`locales/en/*.txt`, `locales/zh-CN/*.txt`, compiled in) and
//! the choice of one language per page: the visitor's explicit choice (a cookie
//! set by the switch link on every page), else `Accept-Language`, else English.

use axum::extract::{Path, Query};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The cookie holding an explicit language choice.
pub const LANG_COOKIE: &str = "buckle_lang";

/// A language a page is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
}

/// A message key of the catalogs. Written `Key("...")` in code so a test can find
/// every key used and check the catalogs have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(pub &'static str);

/// One catalog per language, written as one file per area of the pages (so the
/// areas grow without touching each other); a language's files are one catalog.
macro_rules! catalog {
    ($lang:literal) => {
        concat!(
            include_str!(concat!("../../locales/", $lang, "/common.txt")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/console.txt")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/account.txt")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/tokens.txt")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/apps.txt")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/orgs.txt")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/channels.txt")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/device_usage.txt")),
        )
    };
}

pub const EN_SOURCE: &str = catalog!("en");
pub const ZH_CN_SOURCE: &str = catalog!("zh-CN");

/// Parses a catalog: `key = text` lines; blank lines and `#` comments skipped.
pub fn parse(source: &'static str) -> HashMap<&'static str, &'static str> {
    source
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

static EN: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| parse(EN_SOURCE));
static ZH_CN: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| parse(ZH_CN_SOURCE));

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag, for `<html lang>` and the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.tag() == tag)
    }

    /// The other language, offered by the switch on every page.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::ZhCn,
            Lang::ZhCn => Lang::En,
        }
    }

    fn catalog(self) -> &'static HashMap<&'static str, &'static str> {
        match self {
            Lang::En => &EN,
            Lang::ZhCn => &ZH_CN,
        }
    }

    /// The text of a key; the key itself when missing (a test keeps that from happening).
    pub fn t(self, key: &str) -> &'static str {
        match self.catalog().get_key_value(key) {
            Some((_, v)) => v,
            None => {
                tracing::warn!(
                    key,
                    lang = self.tag(),
                    "message key missing from the catalog"
                );
                "?"
            }
        }
    }

    /// The text of a key, if the catalog has it (for keys built at run time).
    pub fn get(self, key: &str) -> Option<&'static str> {
        self.catalog().get_key_value(key).map(|(_, v)| *v)
    }

    /// The text of a key with its `{name}` placeholders filled.
    pub fn fill(self, key: Key, values: &[(&str, &str)]) -> String {
        let mut text = self.t(key.0).to_string();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// "N seconds", for waits.
    pub fn seconds(self, n: i64) -> String {
        if n == 1 {
            self.t("common.one_second").to_string()
        } else {
            self.fill(Key("common.seconds"), &[("n", &n.to_string())])
        }
    }

    /// The language of a request: cookie choice, then `Accept-Language`, then English.
    pub fn of(headers: &HeaderMap) -> Lang {
        crate::manage::cookie(headers, LANG_COOKIE)
            .and_then(Lang::from_tag)
            .or_else(|| {
                headers
                    .get(axum::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(negotiate)
            })
            .unwrap_or(Lang::En)
    }
}

/// The supported language of one `Accept-Language` range, if any.
fn supported(range: &str) -> Option<Lang> {
    let r = range.to_ascii_lowercase();
    let primary = r.split('-').next().unwrap_or("");
    match primary {
        "en" => Some(Lang::En),
        // Simplified Chinese only: Traditional script and its regions are not offered.
        "zh" if r == "zh" || r == "zh-cn" || r == "zh-sg" || r.starts_with("zh-hans") => {
            Some(Lang::ZhCn)
        }
        _ => None,
    }
}

/// The best supported language of an `Accept-Language` value (RFC 9110 §12.5.4):
/// highest q first, earlier first among equals; q=0 means "not this one".
pub fn negotiate(header: &str) -> Option<Lang> {
    let mut ranges: Vec<(u16, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';').map(str::trim);
            let range = pieces.next().filter(|r| !r.is_empty())?;
            let mut q = 1000u16;
            for p in pieces {
                if let Some(v) = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")) {
                    q = quality(v)?;
                }
            }
            Some((q, i, range))
        })
        .filter(|(q, _, _)| *q > 0)
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().find_map(|(_, _, r)| supported(r))
}

/// A q-value in thousandths; `None` when malformed (the range is then ignored).
fn quality(v: &str) -> Option<u16> {
    let q: f32 = v.parse().ok()?;
    (0.0..=1.0)
        .contains(&q)
        .then(|| (q * 1000.0).round() as u16)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SwitchParams {
    next: Option<String>,
}

/// `GET /lang/{tag}?next=`: remembers the choice for a year and goes back.
#[utoipa::path(
    get,
    path = "/lang/{tag}",
    summary = "Choose the pages' language (en or zh-CN) and go back to next",
    params(("tag" = String, Path, description = "en or zh-CN"), SwitchParams),
    security(()),
    responses(crate::api_doc::PageAnswers)
)]
pub async fn switch(
    state: axum::extract::State<crate::AppState>,
    Path(tag): Path<String>,
    Query(q): Query<SwitchParams>,
) -> Response {
    let next = super::page::safe_next(q.next.as_deref());
    let Some(lang) = Lang::from_tag(&tag) else {
        return (StatusCode::SEE_OTHER, [(LOCATION, next)]).into_response();
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{}",
        lang.tag(),
        if state.config.secure_cookies() {
            "; Secure"
        } else {
            ""
        }
    );
    (
        StatusCode::SEE_OTHER,
        [
            (LOCATION, next),
            (SET_COOKIE, cookie),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_honours_q_values_and_chinese_aliases() {
        assert_eq!(negotiate("zh-CN,zh;q=0.9,en;q=0.8"), Some(Lang::ZhCn));
        assert_eq!(negotiate("en;q=0.5, zh;q=0.9"), Some(Lang::ZhCn));
        assert_eq!(negotiate("zh;q=0.4, en-GB;q=0.6"), Some(Lang::En));
        assert_eq!(negotiate("zh-Hans-CN"), Some(Lang::ZhCn));
        assert_eq!(negotiate("zh-hans"), Some(Lang::ZhCn));
        assert_eq!(negotiate("fr, de;q=0.9"), None);
        assert_eq!(negotiate("zh-TW, fr"), None);
        assert_eq!(negotiate("zh;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(negotiate("zh;q=abc, en"), Some(Lang::En));
        assert_eq!(negotiate(""), None);
        assert_eq!(negotiate("*"), None);
    }

    #[test]
    fn catalogs_have_the_same_keys_and_no_empty_text() {
        let en = parse(EN_SOURCE);
        let zh = parse(ZH_CN_SOURCE);
        let mut en_keys: Vec<_> = en.keys().collect();
        let mut zh_keys: Vec<_> = zh.keys().collect();
        en_keys.sort();
        zh_keys.sort();
        assert_eq!(en_keys, zh_keys);
        for (lang, cat) in [("en", &en), ("zh-CN", &zh)] {
            for (k, v) in cat.iter() {
                assert!(!v.is_empty(), "{lang}: {k} is empty");
            }
        }
        // No key is written twice (a later line would silently win).
        for source in [EN_SOURCE, ZH_CN_SOURCE] {
            let lines = source
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim().starts_with('#'))
                .count();
            assert_eq!(lines, parse(source).len());
        }
    }

    #[test]
    fn filling_placeholders() {
        assert_eq!(
            Lang::En.fill(Key("share.done_text"), &[("app", "X")]),
            "X may now act as itself in your team/enterprise."
        );
        assert_eq!(Lang::ZhCn.seconds(5), "5 秒");
        assert_eq!(Lang::En.seconds(1), "1 second");
    }

    /// The quoted keys after each `needle` in `text`.
    fn keys_after<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
        text.match_indices(needle)
            // A whole name: a `t` call, not `insert`.
            .filter(|(i, _)| {
                !text[..*i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
            .filter_map(|(i, _)| {
                let rest = &text[i + needle.len()..];
                rest.find('"').map(|end| &rest[..end])
            })
            .collect()
    }

    #[test]
    fn every_key_a_page_uses_is_in_the_catalogs() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs: Vec<_> = ["templates", "src/web", "src/console"]
            .iter()
            .map(|d| root.join(d))
            .collect();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        for page in ["authorize.rs", "device.rs", "share.rs", "obo.rs"] {
            files.push(root.join("src/oauth").join(page));
        }
        let en = parse(EN_SOURCE);
        let mut used = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for needle in ["t(\"", "Key(\"", "refuse(\""] {
                for key in keys_after(&text, needle) {
                    // This test's own needles and examples are not keys.
                    if key.is_empty() || key.contains('\\') || key == "..." {
                        continue;
                    }
                    used += 1;
                    assert!(
                        en.contains_key(key),
                        "{}: {key} is not in the catalogs",
                        file.display()
                    );
                }
            }
        }
        assert!(used > 50, "the scan found the pages' keys ({used})");
    }
}
