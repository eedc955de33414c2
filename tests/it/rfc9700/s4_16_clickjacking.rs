//! RFC 9700 §4.16 Clickjacking. A malicious site frames the consent page invisibly
//! and tricks the signed-in person into clicking "Authorize". Every Buckle page,
//! error pages included, sends `X-Frame-Options: DENY` and a CSP with
//! `frame-ancestors 'none'`, so no browser renders it inside a frame.

use super::every_page;
use crate::testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_can_be_framed() {
    let s = Server::start(Db::Sqlite).await;
    let alice = s.user("alice").await;
    let pages = every_page(&s, &alice).await;
    assert!(pages.len() >= 9);
    for (what, r) in pages {
        let h = r.headers();
        assert_eq!(h["x-frame-options"], "DENY", "{what}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    }
}
