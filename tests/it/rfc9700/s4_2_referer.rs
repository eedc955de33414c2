//! RFC 9700 §4.2 Credential Leakage via Referer Headers. A page of the flow that
//! loads or links anything on another origin would hand that origin its URL (with
//! `state`, the PKCE challenge or a user code) in `Referer`. Every Buckle page sends
//! `Referrer-Policy: no-referrer` and a CSP of `default-src 'self'`, and loads
//! nothing but its own stylesheet and script, so the code itself only ever travels in the
//! redirect to the registered URI.

use super::every_page;
use crate::testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_sends_no_referrer_and_loads_nothing_else() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    for (what, r) in every_page(&s, &alice).await {
        let h = r.headers();
        assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
        // The two things a page loads: its stylesheet and its script, from this origin.
        let mut page = r.text().await.unwrap();
        for (tag, what_tag) in [
            (
                "<link rel=\"stylesheet\" href=\"/static/buckle.",
                "the stylesheet",
            ),
            ("<script src=\"/static/buckle.", "the script"),
        ] {
            let at = page.find(tag).expect(what_tag);
            let end = at + page[at..].find('>').unwrap() + 1;
            let close = if page[end..].starts_with("</script>") {
                9
            } else {
                0
            };
            page = format!("{}{}", &page[..at], &page[end + close..]);
        }
        for loads in [
            "<img",
            "<script",
            "<link",
            "<iframe",
            "<object",
            "src=",
            "href=\"http",
            "url(",
        ] {
            assert!(!page.contains(loads), "{what} has {loads}: {page}");
        }
    }
}
