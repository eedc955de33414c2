//! A scripted browser for Buckle's pages (sign-in, consent, device verification), and
//! the little URL and HTML reading it needs.

use super::User;
use reqwest::{Client, StatusCode};
use std::sync::Arc;

/// A scripted browser: a cookie jar, no automatic redirects, and just enough HTML
/// reading to fill Buckle's forms (sign-in, consent, device verification).
pub struct Browser {
    pub base: String,
    pub client: Client,
}

/// The value of `<input ... name="NAME" value="...">` in a page, unescaped.
pub fn form_field(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&#60;", "<")
            .replace("&gt;", ">")
            .replace("&#62;", ">")
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

/// A response's `Location` header.
pub fn location(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
}

/// The query parameters of a URL.
pub fn query_params(url: &str) -> std::collections::HashMap<String, String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    url_decode_pairs(q)
}

pub fn url_decode_pairs(q: &str) -> std::collections::HashMap<String, String> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (pct_decode(k), pct_decode(v))
        })
        .collect()
}

fn pct_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(h, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            base: base.to_string(),
            client,
        }
    }

    fn abs(&self, url: &str) -> String {
        if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{}", self.base, url)
        }
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(self.abs(url)).send().await.unwrap()
    }

    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.abs(url))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Signs in as `user` through the sign-in page (no page to come back to).
    pub async fn sign_in(&self, user: &User) {
        let page = self.get("/login").await.text().await.unwrap();
        let csrf = form_field(&page, "csrf").unwrap();
        let r = self
            .post_form(
                "/login",
                &[
                    ("user_name", user.name.as_str()),
                    ("password", user.password.as_str()),
                    ("csrf", csrf.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in succeeds");
    }

    /// Opens `url`; when Buckle sends the browser to sign in, signs in as `user`
    /// through the sign-in page and follows the way back. Returns the final page.
    pub async fn open_as(&self, url: &str, user: &User) -> (StatusCode, String) {
        let r = self.get(url).await;
        if r.status() == StatusCode::SEE_OTHER
            && location(&r).is_some_and(|l| l.starts_with("/login"))
        {
            let login_url = location(&r).unwrap();
            let page = self.get(&login_url).await.text().await.unwrap();
            let next = form_field(&page, "next").unwrap();
            let csrf = form_field(&page, "csrf").unwrap();
            let r = self
                .post_form(
                    "/login",
                    &[
                        ("user_name", user.name.as_str()),
                        ("password", user.password.as_str()),
                        ("next", next.as_str()),
                        ("csrf", csrf.as_str()),
                    ],
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in succeeds");
            let back = location(&r).unwrap();
            let r = self.get(&back).await;
            let status = r.status();
            return (status, r.text().await.unwrap());
        }
        let status = r.status();
        (status, r.text().await.unwrap())
    }

    /// Submits the consent form of `page` with a decision ("approve" or "deny") and
    /// an edition ("" for personal, or an organization id); returns the redirect.
    pub async fn consent(&self, page: &str, decision: &str, edition: &str) -> reqwest::Response {
        let fields = [
            "client_id",
            "redirect_uri",
            "state",
            "code_challenge",
            "code_challenge_method",
            "workspace_id",
            "csrf",
        ];
        let values: Vec<(String, String)> = fields
            .iter()
            .map(|f| (f.to_string(), form_field(page, f).unwrap_or_default()))
            .collect();
        let mut form: Vec<(&str, &str)> = values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        form.push(("decision", decision));
        form.push(("edition", edition));
        self.post_form("/api/permission/oauth2/consent", &form)
            .await
    }

    /// Approves or denies a device user code on the verification page as `user`.
    pub async fn device_decision(
        &self,
        user_code: &str,
        user: &User,
        decision: &str,
        edition: &str,
    ) -> (StatusCode, String) {
        let (status, page) = self
            .open_as(&format!("/oauth/device?user_code={user_code}"), user)
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let code = form_field(&page, "user_code").unwrap();
        let csrf = form_field(&page, "csrf").unwrap();
        let r = self
            .post_form(
                "/oauth/device",
                &[
                    ("user_code", code.as_str()),
                    ("csrf", csrf.as_str()),
                    ("decision", decision),
                    ("edition", edition),
                ],
            )
            .await;
        let status = r.status();
        (status, r.text().await.unwrap())
    }
}
