//! Expiry choices and the per-edition rules that bound them.

/// When a credential stops working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    At(i64),
    Never,
}

impl Expiry {
    pub fn to_stored(self) -> Option<i64> {
        match self {
            Expiry::At(t) => Some(t),
            Expiry::Never => None,
        }
    }
}

pub const DAY: i64 = 86_400;
/// The personal edition allows at most 30 days.
pub const PERSONAL_MAX_SECONDS: i64 = 30 * DAY;
/// An organization may allow up to 365 days, or permanent tokens.
pub const ORGANIZATION_MAX_DAYS: i64 = 365;

/// The longest lifetime a new credential may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryPolicy {
    /// `None` when permanent credentials are allowed.
    pub max_seconds: Option<i64>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExpiryError {
    #[error("expiry must be in the future")]
    InPast,
    #[error("expiry exceeds the longest allowed lifetime of {max_days} days")]
    TooLong { max_days: i64 },
    #[error("permanent tokens are not allowed here")]
    PermanentNotAllowed,
    #[error(
        "unreadable duration {0:?}: use a number followed by s, m, h or d (e.g. 30d), or \"permanent\""
    )]
    BadDuration(String),
}

impl ExpiryPolicy {
    pub const PERSONAL: ExpiryPolicy = ExpiryPolicy {
        max_seconds: Some(PERSONAL_MAX_SECONDS),
    };
    pub const UNLIMITED: ExpiryPolicy = ExpiryPolicy { max_seconds: None };

    /// An organization's policy from its stored setting (`None`: permanent allowed).
    pub fn organization(max_days: Option<i64>) -> ExpiryPolicy {
        ExpiryPolicy {
            max_seconds: max_days.map(|d| d.clamp(1, ORGANIZATION_MAX_DAYS) * DAY),
        }
    }

    pub fn check(&self, expiry: Expiry, now: i64) -> Result<Expiry, ExpiryError> {
        match (expiry, self.max_seconds) {
            (Expiry::Never, None) => Ok(expiry),
            (Expiry::Never, Some(_)) => Err(ExpiryError::PermanentNotAllowed),
            (Expiry::At(t), _) if t <= now => Err(ExpiryError::InPast),
            // A minute of grace so a "30 days" choice made in a form still fits.
            (Expiry::At(t), Some(max)) if t - now > max + 60 => Err(ExpiryError::TooLong {
                max_days: max / DAY,
            }),
            (Expiry::At(_), _) => Ok(expiry),
        }
    }
}

/// Reads `90s`, `15m`, `1h`, `7d`, or `permanent`/`never`.
pub fn parse_duration(s: &str, now: i64) -> Result<Expiry, ExpiryError> {
    let bad = || ExpiryError::BadDuration(s.chars().take(40).collect());
    let t = s.trim();
    if t.eq_ignore_ascii_case("permanent") || t.eq_ignore_ascii_case("never") {
        return Ok(Expiry::Never);
    }
    let split = t.len().checked_sub(1).ok_or_else(bad)?;
    if !t.is_char_boundary(split) {
        return Err(bad());
    }
    let (num, unit) = t.split_at(split);
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) || num.len() > 9 {
        return Err(bad());
    }
    let n: i64 = num.parse().map_err(|_| bad())?;
    let unit_seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => DAY,
        _ => return Err(bad()),
    };
    if n == 0 {
        return Err(bad());
    }
    Ok(Expiry::At(now + n * unit_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn personal_edition_caps_at_thirty_days() {
        let p = ExpiryPolicy::PERSONAL;
        for choice in ["1h", "1d", "7d", "30d"] {
            let e = parse_duration(choice, NOW).unwrap();
            assert_eq!(p.check(e, NOW), Ok(e), "{choice}");
        }
        let e = parse_duration("31d", NOW).unwrap();
        assert_eq!(p.check(e, NOW), Err(ExpiryError::TooLong { max_days: 30 }));
        assert_eq!(
            p.check(Expiry::Never, NOW),
            Err(ExpiryError::PermanentNotAllowed)
        );
        assert_eq!(p.check(Expiry::At(NOW), NOW), Err(ExpiryError::InPast));
    }

    #[test]
    fn organization_policy() {
        let year = ExpiryPolicy::organization(Some(365));
        assert!(year.check(Expiry::At(NOW + 365 * DAY), NOW).is_ok());
        assert!(year.check(Expiry::At(NOW + 366 * DAY), NOW).is_err());
        let forever = ExpiryPolicy::organization(None);
        assert_eq!(forever.check(Expiry::Never, NOW), Ok(Expiry::Never));
        // A stored setting above the edition's ceiling is clamped.
        assert_eq!(
            ExpiryPolicy::organization(Some(9999)).max_seconds,
            Some(365 * DAY)
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30d", NOW), Ok(Expiry::At(NOW + 30 * DAY)));
        assert_eq!(parse_duration("permanent", NOW), Ok(Expiry::Never));
        for bad in ["", "d", "0d", "-1d", "1w", "1.5d", "9999999999d", "１d"] {
            assert!(parse_duration(bad, NOW).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parse_duration_never_panics(s in ".{0,20}") {
            let _ = parse_duration(&s, NOW);
        }

        /// Accepted exactly when in the future and within the maximum (plus the
        /// minute of grace): both answers occur often (the lifetimes straddle the
        /// maxima, and the boundary itself is generated).
        #[test]
        fn accepted_expiries_are_within_policy(
            max_days in proptest::option::of(1i64..=365),
            anywhere in -2 * DAY..400 * DAY,
            at_the_edge in any::<bool>(),
            d in -2i64..=2,
        ) {
            let policy = ExpiryPolicy::organization(max_days);
            // Half the cases sit at the edge: the maximum plus the grace minute
            // (or now, without a maximum), give or take two seconds.
            let secs = if at_the_edge {
                policy.max_seconds.map_or(d, |max| max + 60 + d)
            } else {
                anywhere
            };
            let got = policy.check(Expiry::At(NOW + secs), NOW);
            let within = secs > 0 && policy.max_seconds.is_none_or(|max| secs <= max + 60);
            prop_assert_eq!(got.is_ok(), within, "secs {}", secs);
            if let Ok(Expiry::At(t)) = got {
                prop_assert_eq!(t, NOW + secs);
            }
        }
    }
}
