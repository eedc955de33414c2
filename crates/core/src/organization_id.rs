//! Ids an installation super admin may choose for an enterprise. Coze's enterprise
//! ids are not always numeric (`volcano_2105850123`), and an id travels in URL
//! paths (`/api/permission/oauth2/enterprise_id/{id}/token`), so a chosen id is
//! limited to characters that need no escaping there.

/// The longest id that may be chosen.
pub const MAX_LEN: usize = 64;

/// Whether `id` may be chosen: 1 to 64 of `A-Z a-z 0-9 _ -`.
pub fn is_valid(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert!(is_valid("volcano_2105850123"));
        assert!(is_valid("7391024"));
        assert!(is_valid("a-b_C"));
        assert!(is_valid(&"x".repeat(64)));
        assert!(!is_valid(&"x".repeat(65)));
        assert!(!is_valid(""));
        for bad in ["a/b", "a b", "a.b", "a%2F", "é", "a?b", "a#b", "..", "a\nb"] {
            assert!(!is_valid(bad), "{bad:?}");
        }
    }

    proptest! {
        // Structured: every generated id is within the alphabet and length, so each
        // case reaches the accepting branch.
        #[test]
        fn ids_of_the_alphabet_are_accepted(id in "[A-Za-z0-9_-]{1,64}") {
            prop_assert!(is_valid(&id));
        }

        // One character outside the alphabet, placed anywhere, is always refused.
        #[test]
        fn one_foreign_character_is_refused(
            prefix in "[A-Za-z0-9_-]{0,30}",
            bad in any::<char>().prop_filter("outside the alphabet", |c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')),
            suffix in "[A-Za-z0-9_-]{0,30}",
        ) {
            let id = format!("{prefix}{bad}{suffix}");
            prop_assert!(!is_valid(&id), "{:?}", id);
        }
    }
}
