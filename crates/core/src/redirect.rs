//! Redirect URIs: registered ones are validated once; a request's must equal one of
//! them exactly, byte for byte (no case folding, no trailing-slash or query leeway).

/// Checks a URI an app registers.
pub fn validate(uri: &str) -> Result<(), &'static str> {
    if uri.is_empty() || uri.len() > 2048 {
        return Err("a redirect URI must have 1 to 2048 characters");
    }
    if uri
        .bytes()
        .any(|b| b.is_ascii_control() || b == b' ' || !b.is_ascii())
    {
        return Err("a redirect URI must be ASCII with no spaces or control characters");
    }
    if uri.contains('#') {
        return Err("a redirect URI must not have a fragment");
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err("a redirect URI must be absolute");
    };
    let mut sb = scheme.bytes();
    let scheme_ok = matches!(sb.next(), Some(c) if c.is_ascii_lowercase())
        && sb.all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.')
        });
    if !scheme_ok {
        return Err("a redirect URI must start with a lowercase scheme");
    }
    match scheme {
        "http" | "https" => {
            let Some(after) = rest.strip_prefix("//") else {
                return Err("an http(s) redirect URI needs a host");
            };
            let host = after.split(['/', '?']).next().unwrap_or("");
            if host.is_empty() || host.contains('@') {
                return Err("an http(s) redirect URI needs a host and no user info");
            }
            Ok(())
        }
        "javascript" | "data" | "file" | "vbscript" => Err("that scheme cannot be a redirect URI"),
        // Custom schemes for mobile and desktop apps (e.g. com.example.app:/callback).
        _ if rest.is_empty() => Err("a redirect URI needs a path"),
        _ => Ok(()),
    }
}

/// The host of an `http(s)://` URI, without port or IPv6 brackets; `None` for
/// other schemes or a malformed authority.
fn http_host(uri: &str) -> Option<&str> {
    let rest = uri
        .strip_prefix("http://")
        .or_else(|| uri.strip_prefix("https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            (host, after.strip_prefix(':').unwrap_or(after))
        }
        None => authority.split_once(':').unwrap_or((authority, "")),
    };
    port.bytes().all(|b| b.is_ascii_digit()).then_some(host)
}

/// Whether `host` is this machine: 127.0.0.0/8, `::1` or `localhost`, where
/// plain http never leaves the device (RFC 8252 §7.3).
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
        || host
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Refuses a plain-`http` URI to a host other than loopback: codes sent there
/// cross the network in clear. Operators may allow it (`allow_insecure`).
pub fn require_secure(uri: &str, allow_insecure: bool) -> Result<(), &'static str> {
    if allow_insecure || !uri.starts_with("http://") {
        return Ok(());
    }
    match http_host(uri) {
        Some(host) if is_loopback_host(host) => Ok(()),
        _ => Err(
            "a plain-http redirect URI must point to a loopback host (127.0.0.1, [::1] or localhost); use https",
        ),
    }
}

/// Whether `given` is exactly one of the registered URIs.
pub fn matches<S: AsRef<str>>(registered: &[S], given: &str) -> bool {
    registered.iter().any(|r| r.as_ref() == given)
}

/// `uri` with the query parameters appended, each form-encoded.
pub fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    let mut out = String::from(uri);
    let mut sep = if uri.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        out.push(sep);
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
        sep = '&';
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    #[test]
    fn exact_matching_only() {
        let reg = [
            "https://app.example.com/cb",
            "http://127.0.0.1:8080/callback",
        ];
        assert!(matches(&reg, "https://app.example.com/cb"));
        for near in [
            "https://APP.example.com/cb",
            "https://app.example.com/CB",
            "https://app.example.com/cb/",
            "https://app.example.com/cb?x=1",
            "https://app.example.com/cb#f",
            "http://app.example.com/cb",
            "https://app.example.com:443/cb",
            "https://app.example.com/c",
            "",
        ] {
            assert!(!matches(&reg, near), "{near}");
        }
    }

    #[test]
    fn registration_rules() {
        assert!(validate("https://app.example.com/cb").is_ok());
        assert!(validate("http://127.0.0.1:8080/callback?x=1").is_ok());
        assert!(validate("com.example.app:/oauth").is_ok());
        for bad in [
            "",
            "/relative",
            "https://",
            "https://user@host/",
            "https://a.example/cb#frag",
            "javascript:alert(1)",
            "HTTPS://a.example/",
            "https://a.example/ cb",
            "myapp:",
        ] {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://app.example.com/cb",
            "http://127.0.0.1:8080/callback",
            "http://127.0.0.1/cb",
            "http://127.1.2.3:9/cb",
            "http://localhost:3000/cb",
            "http://LOCALHOST/cb",
            "http://localhost?x=1",
            "http://[::1]:8080/cb",
            "http://[::1]/cb",
            "http://[0:0:0:0:0:0:0:1]/cb",
            "com.example.app:/oauth",
        ] {
            assert!(validate(ok).is_ok(), "{ok}");
            assert_eq!(require_secure(ok, false), Ok(()), "{ok}");
        }
        for bad in [
            "http://app.example.com/cb",
            "http://10.0.0.5/cb",
            "http://192.168.1.1:8080/cb",
            "http://128.0.0.1/cb",
            "http://localhost.evil.example/cb",
            "http://127.0.0.1.evil.example/cb",
            "http://evil.example/127.0.0.1",
            "http://evil.example?h=localhost",
            "http://[::2]/cb",
            "http://[::ffff:127.0.0.1]/cb",
            "http://0x7f000001/cb",
            "http://2130706433/cb",
            "http://[::1/cb",
            "http://[::1]x/cb",
            "http://127.0.0.1:80:90/cb",
            "http://127.0.0.1:x@evil.example/cb",
        ] {
            assert!(require_secure(bad, false).is_err(), "{bad}");
            assert_eq!(require_secure(bad, true), Ok(()), "{bad}");
        }
    }

    #[test]
    fn params_are_encoded() {
        assert_eq!(
            with_params(
                "https://a.example/cb",
                &[("code", "code_x"), ("state", "a b&c")]
            ),
            "https://a.example/cb?code=code_x&state=a%20b%26c"
        );
        assert_eq!(
            with_params("https://a.example/cb?k=v", &[("error", "access_denied")]),
            "https://a.example/cb?k=v&error=access_denied"
        );
    }

    const URI: &str = "https://[a-z]{1,8}\\.example/[a-zA-Z0-9/?=&._-]{0,20}";

    /// A registered URI and a presented one: itself, or a near miss of it (one
    /// character changed, added or removed, or a letter's case flipped), so the
    /// property meets the cases an exact match must refuse, not just strangers.
    fn registered_and_presented() -> impl Strategy<Value = (String, String)> {
        (
            URI,
            0..5u8,
            any::<prop::sample::Index>(),
            "[a-zA-Z0-9/?=&._-]",
        )
            .prop_map(|(a, how, at, c)| {
                let mut chars: Vec<char> = a.chars().collect();
                let i = at.index(chars.len());
                let c = c.chars().next().unwrap_or('x');
                match how {
                    0 => {}
                    1 => chars.insert(i, c),
                    2 => {
                        chars.remove(i);
                    }
                    3 => chars[i] = if chars[i] == c { '~' } else { c },
                    _ => {
                        chars[i] = if chars[i].is_ascii_lowercase() {
                            chars[i].to_ascii_uppercase()
                        } else {
                            chars[i].to_ascii_lowercase()
                        }
                    }
                }
                let b = chars.into_iter().collect();
                (a, b)
            })
    }

    #[test]
    fn the_generator_reaches_both_answers() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut same, mut near) = (0, 0);
        for _ in 0..1_000 {
            let (a, b) = registered_and_presented()
                .new_tree(&mut runner)
                .unwrap()
                .current();
            if a == b { same += 1 } else { near += 1 }
        }
        assert!(same >= 150 && near >= 500, "same {same}, near {near}");
    }

    /// Hosts for the plain-http rule: `localhost` itself (the one named host
    /// allowed plain http) often, lookalikes of it, and any other name.
    fn host() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("localhost".to_string()),
            Just("LOCALHOST".to_string()),
            "localhost[a-z.]{1,6}",
            "[a-z]{1,5}localhost",
            "[a-z]{1,10}(\\.[a-z]{2,6}){0,2}",
        ]
    }

    #[test]
    fn the_host_generator_reaches_localhost() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let hits = (0..1_000)
            .filter(|_| host().new_tree(&mut runner).unwrap().current() == "localhost")
            .count();
        assert!(hits >= 100, "{hits}");
    }

    proptest! {
        #[test]
        fn a_uri_matches_only_itself((a, b) in registered_and_presented()) {
            prop_assert!(matches(std::slice::from_ref(&a), &a));
            prop_assert_eq!(matches(std::slice::from_ref(&a), &b), a == b);
            let slash = format!("{a}/");
            prop_assert!(!matches(std::slice::from_ref(&a), &slash));
            prop_assert!(!matches(std::slice::from_ref(&a), &a.to_uppercase()) || a == a.to_uppercase());
        }

        #[test]
        fn validate_never_panics(s in prop_oneof![
            ".{0,100}",
            // URI-shaped, so the parsing past the scheme is reached too.
            "(https?|HTTP|ftp|javascript)://[^ ]{0,60}",
            "http://\\[[0-9a-f:.]{0,24}\\](:[0-9a-z]{0,6})?(/.{0,10})?",
            "https?://[a-z0-9.]{0,12}(:[0-9]{0,7})?[/?#][^ ]{0,20}",
        ]) {
            let _ = validate(&s);
            let _ = require_secure(&s, false);
        }

        /// https and loopback http always pass; plain http to any other named
        /// host never does, whatever follows the host.
        #[test]
        fn only_loopback_gets_plain_http(
            host in host(),
            port in prop::option::of(1u16..),
            tail in "(/[a-zA-Z0-9._~-]{0,12}){0,3}(\\?[a-z]=[a-z0-9.]{0,8})?",
            loop_octets in (0u8.., 0u8.., 0u8..),
        ) {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let https = format!("https://{host}{port}{tail}");
            prop_assert_eq!(require_secure(&https, false), Ok(()));
            let (a, b, c) = loop_octets;
            let lo = format!("http://127.{a}.{b}.{c}{port}{tail}");
            prop_assert_eq!(require_secure(&lo, false), Ok(()));
            let plain = format!("http://{host}{port}{tail}");
            prop_assert_eq!(require_secure(&plain, false).is_ok(), host.eq_ignore_ascii_case("localhost"));
            let lookalike = format!("http://{host}.127.0.0.1{port}{tail}");
            prop_assert!(require_secure(&lookalike, false).is_err());
        }
    }
}
