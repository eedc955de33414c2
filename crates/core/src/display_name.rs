//! Names people read and trust: apps on the consent page, tokens, teams,
//! workspaces. A name is stored in Unicode NFC, so two names that look the same
//! because they are canonically equivalent are the same name (uniqueness compares
//! the stored form), and it holds no invisible characters that could reorder or
//! hide what is shown: control (Cc), format (Cf: bidi overrides and isolates,
//! zero-width characters, the BOM) and line/paragraph separators (Zl, Zp).

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must have 1 to {max} characters")]
    Length { max: usize },
    #[error("must not contain the invisible or control character U+{:04X}", u32::from(*.0))]
    Invisible(char),
}

/// Whether `c` is a character no displayed name may hold.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// The stored form of a name: trimmed, NFC, 1 to `max` characters, nothing invisible.
pub fn clean(raw: &str, max: usize) -> Result<String, NameError> {
    // Surrounding whitespace (a pasted newline included) is trimmed, not refused.
    let trimmed = raw.trim();
    if let Some(c) = trimmed.chars().find(|&c| is_invisible(c)) {
        return Err(NameError::Invisible(c));
    }
    let name: String = trimmed.nfc().collect();
    let len = name.chars().count();
    if len == 0 || len > max {
        return Err(NameError::Length { max });
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_normalization::is_nfc;

    #[test]
    fn invisible_and_control_characters_are_refused() {
        for bad in [
            "pay\u{202E}lapyap",  // right-to-left override
            "a\u{200B}pp",        // zero-width space
            "\u{FEFF}app",        // byte order mark
            "a\u{2066}b\u{2069}", // left-to-right isolate .. pop isolate
            "a\u{200D}b",         // zero-width joiner
            "a\u{00AD}b",         // soft hyphen
            "line\nbreak",
            "\u{200B}",
            "tab\there",
            "nul\0",
            "a\u{2028}b", // line separator
            "a\u{061C}b", // Arabic letter mark
        ] {
            assert!(
                matches!(clean(bad, 100), Err(NameError::Invisible(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            clean("x\u{202E}y", 100).unwrap_err().to_string(),
            "must not contain the invisible or control character U+202E"
        );
    }

    #[test]
    fn names_are_trimmed_normalized_and_bounded() {
        assert_eq!(clean("  My App  ", 100).unwrap(), "My App");
        assert_eq!(clean("My App\n", 100).unwrap(), "My App");
        // "é" as e + combining acute becomes the single precomposed character.
        assert_eq!(clean("Cafe\u{301}", 100).unwrap(), "Caf\u{E9}");
        assert_eq!(clean("Caf\u{E9}", 100).unwrap(), "Caf\u{E9}");
        assert_eq!(clean("Ångström 应用 🚀", 100).unwrap(), "Ångström 应用 🚀");
        assert_eq!(clean("", 10), Err(NameError::Length { max: 10 }));
        assert_eq!(clean("   ", 10), Err(NameError::Length { max: 10 }));
        assert_eq!(
            clean(&"a".repeat(11), 10),
            Err(NameError::Length { max: 10 })
        );
        // Length counts the normalized characters: 10 decomposed é fit in 10.
        assert!(clean(&"e\u{301}".repeat(10), 10).is_ok());
    }

    /// Letters with and without combining marks, spaces, invisibles: enough that
    /// every property below is reached, not only the trivial case.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a", "e", "A", "\u{301}", "\u{308}", "\u{E9}", "\u{C5}", "\u{212B}", "\u{1100}",
            "\u{1161}", "\u{AC00}", " ", "-", "应", "\u{202E}", "\u{200B}", "\u{FEFF}", "\u{2067}",
            "\u{7}",
        ])
    }

    proptest! {
        #[test]
        fn a_clean_name_is_nfc_visible_and_stable(parts in prop::collection::vec(piece(), 0..12)) {
            let raw: String = parts.concat();
            match clean(&raw, 100) {
                Ok(name) => {
                    prop_assert!(is_nfc(&name));
                    prop_assert!(!name.chars().any(is_invisible));
                    prop_assert_eq!(clean(&name, 100), Ok(name.clone()));
                }
                Err(NameError::Invisible(c)) => prop_assert!(raw.contains(c)),
                Err(NameError::Length { .. }) => prop_assert!(raw.trim().is_empty()),
            }
        }

        /// Canonically equivalent spellings are one name.
        #[test]
        fn equivalent_spellings_clean_to_the_same_name(parts in prop::collection::vec(piece(), 1..12)) {
            let raw: String = parts.concat();
            let nfd: String = raw.nfd().collect();
            let nfc: String = raw.nfc().collect();
            prop_assert_eq!(clean(&nfd, 100), clean(&raw, 100));
            prop_assert_eq!(clean(&nfc, 100), clean(&raw, 100));
        }

        #[test]
        fn clean_never_panics(s in ".{0,60}", max in 0usize..80) {
            let _ = clean(&s, max);
        }
    }
}
