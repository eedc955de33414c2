//! Device authorization (RFC 8628) codes: the user code people type, and the
//! polling rules.

use rand::Rng;

/// No vowels (no words), no look-alikes.
///
/// Guessing (RFC 8628 §5.1): 8 characters from these 20 letters make
/// 20^8 ≈ 2.56e10 codes (about 34.6 bits), drawn from the CSPRNG. The verification
/// page lets one account and one address enter only a few wrong codes before
/// growing waits (`throttle::USER_CODE_ACCOUNT`, `USER_CODE_ADDRESS`: 5 and 10
/// free, then 30 s doubling up to 15 minutes), i.e. about 100 guesses a day. With
/// even 1,000 codes pending at once, each guess hits one with probability
/// 1,000 / 2.56e10 ≈ 4e-8, so a day of guessing succeeds with about 4e-6, and a
/// code lives minutes (`device_code_ttl`, 5 by default, 30 at most).
const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// A user code such as `WDJB-MJHT`.
pub fn new_user_code() -> String {
    let mut rng = rand::rng();
    let mut s = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            s.push('-');
        }
        s.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
    }
    s
}

/// What a person typed, in the stored form (`XXXX-XXXX`), if it could be a code.
pub fn normalize_user_code(typed: &str) -> Option<String> {
    let chars: Vec<char> = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.len() != 8
        || !chars
            .iter()
            .all(|c| c.is_ascii() && ALPHABET.contains(&(*c as u8)))
    {
        return None;
    }
    let mut s: String = chars[..4].iter().collect();
    s.push('-');
    s.extend(&chars[4..]);
    Some(s)
}

/// The answer to one poll of a device code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    Pending,
    SlowDown,
    Denied,
    Expired,
    Approved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Approved,
    Denied,
}

/// Decides a poll. Times are milliseconds (`last_poll_ms`: the previous poll),
/// `interval` is seconds. A decision (approval, denial) answers at once, however
/// fast the poll.
pub fn poll(
    status: Status,
    expires_at_ms: i64,
    last_poll_ms: Option<i64>,
    interval: i64,
    now_ms: i64,
) -> Poll {
    if now_ms >= expires_at_ms {
        return Poll::Expired;
    }
    match status {
        Status::Denied => Poll::Denied,
        Status::Approved => Poll::Approved,
        Status::Pending if last_poll_ms.is_some_and(|t| now_ms - t < interval * 1000) => {
            Poll::SlowDown
        }
        Status::Pending => Poll::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn user_codes_hold_about_34_bits() {
        assert_eq!(ALPHABET.len(), 20);
        let mut seen = std::collections::HashSet::new();
        for &b in ALPHABET {
            assert!(seen.insert(b), "no letter twice");
            assert!(
                !b"AEIOUY01".contains(&b),
                "no vowels, digits or look-alikes"
            );
        }
        let c = new_user_code();
        assert_eq!(c.chars().filter(|c| *c != '-').count(), 8);
        assert!((20f64.powi(8).log2() - 34.57).abs() < 0.01);
    }

    #[test]
    fn user_codes() {
        let c = new_user_code();
        assert_eq!(c.len(), 9);
        assert_eq!(normalize_user_code(&c), Some(c.clone()));
        assert_eq!(
            normalize_user_code(&c.to_lowercase().replace('-', " ")),
            Some(c)
        );
        assert_eq!(normalize_user_code("WDJB-MJH"), None);
        assert_eq!(normalize_user_code("AEIO-UAEI"), None);
    }

    #[test]
    fn polling() {
        let exp = 1_000_000;
        assert_eq!(poll(Status::Pending, exp, None, 5, 10_000), Poll::Pending);
        assert_eq!(
            poll(Status::Pending, exp, Some(8_000), 5, 10_000),
            Poll::SlowDown
        );
        assert_eq!(
            poll(Status::Pending, exp, Some(5_000), 5, 10_000),
            Poll::Pending
        );
        // Two milliseconds apart across a second boundary is still too fast.
        assert_eq!(
            poll(Status::Pending, exp, Some(9_999), 1, 10_001),
            Poll::SlowDown
        );
        assert_eq!(
            poll(Status::Approved, exp, Some(9_999), 5, 10_000),
            Poll::Approved
        );
        assert_eq!(poll(Status::Denied, exp, None, 5, 10_000), Poll::Denied);
        assert_eq!(
            poll(Status::Approved, exp, None, 5, 1_000_000),
            Poll::Expired
        );
    }

    /// A stored code (`XXXX-XXXX`) and a way a person typed it.
    fn typed_codes() -> impl Strategy<Value = (String, String)> {
        (proptest::collection::vec(
            (0..ALPHABET.len(), any::<bool>(), "[ -]{0,2}"),
            8,
        ),)
            .prop_map(|(chars,)| {
                let mut stored = String::new();
                let mut typed = String::new();
                for (i, (c, lower, sep)) in chars.into_iter().enumerate() {
                    let c = char::from(ALPHABET[c]);
                    if i == 4 {
                        stored.push('-');
                    }
                    stored.push(c);
                    typed.push_str(&sep);
                    typed.push(if lower { c.to_ascii_lowercase() } else { c });
                }
                (stored, typed)
            })
    }

    proptest! {
        #[test]
        fn normalize_never_panics(s in ".{0,20}") {
            if let Some(c) = normalize_user_code(&s) {
                prop_assert_eq!(normalize_user_code(&c), Some(c));
            }
        }

        /// A code as a person might type it (any case, dashes and spaces anywhere)
        /// reads as the stored code, and reading is idempotent; random strings are
        /// almost never codes, so the codes are built.
        #[test]
        fn a_typed_code_reads_as_the_stored_one((stored, typed) in typed_codes()) {
            prop_assert_eq!(normalize_user_code(&typed), Some(stored.clone()));
            prop_assert_eq!(normalize_user_code(&stored), Some(stored));
        }

        /// One character outside the alphabet (a vowel, a digit) spoils a code.
        #[test]
        fn a_foreign_character_spoils_a_code(
            (_, typed) in typed_codes(),
            bad in "[AEIOUYaeiouy0-9!_.]",
            at in any::<prop::sample::Index>(),
        ) {
            let mut chars: Vec<char> = typed.chars().collect();
            let i = at.index(chars.len());
            chars.insert(i, bad.chars().next().unwrap_or('A'));
            let spoiled: String = chars.into_iter().collect();
            prop_assert_eq!(normalize_user_code(&spoiled), None);
        }
    }
}
