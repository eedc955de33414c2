//! Numeric identifiers. Accounts, workspaces, bots and organizations get random
//! 19-digit ids (strings on the wire), so ids reveal neither counts nor order.

use rand::Rng;

/// A random id in `[10^18, i64::MAX]`: always 19 decimal digits and positive.
pub fn new_id() -> i64 {
    rand::rng().random_range(1_000_000_000_000_000_000..=i64::MAX)
}

/// Parses an id as it comes from a client: decimal digits only, in range.
pub fn parse_id(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_have_nineteen_digits() {
        for _ in 0..1000 {
            assert_eq!(new_id().to_string().len(), 19);
        }
    }

    #[test]
    fn parse_rejects_signs_and_overflow() {
        assert_eq!(parse_id("+1"), None);
        assert_eq!(parse_id("-1"), None);
        assert_eq!(parse_id("9223372036854775808"), None);
        assert_eq!(parse_id("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_id(""), None);
    }

    proptest! {
        #[test]
        fn parse_roundtrips(n in 0i64..=i64::MAX) {
            prop_assert_eq!(parse_id(&n.to_string()), Some(n));
        }

        #[test]
        fn parse_never_panics(s in ".{0,30}") {
            let _ = parse_id(&s);
        }
    }
}
