//! Moments as pages show them: in UTC, to the minute, the same in both languages
//! (ISO order reads naturally in Chinese as well).

use time::OffsetDateTime;
use time::macros::format_description;

/// `2026-11-30 22:38 UTC`; empty for a moment outside the calendar's range (no
/// stored time is).
pub fn moment(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// `2026-11-30`: the UTC day of a moment; empty outside the calendar's range.
pub fn day(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(format_description!("[year]-[month]-[day]")).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{day, moment};

    #[test]
    fn days_are_utc_calendar_days() {
        assert_eq!(day(0), "1970-01-01");
        assert_eq!(day(86_399), "1970-01-01");
        assert_eq!(day(951_782_400), "2000-02-29");
        assert_eq!(day(1_796_083_199), "2026-11-30");
        assert_eq!(day(-1), "1969-12-31");
        assert_eq!(day(i64::MIN), "");
    }

    #[test]
    fn moments_read_in_utc() {
        assert_eq!(moment(0), "1970-01-01 00:00 UTC");
        assert_eq!(moment(1_796_078_280), "2026-11-30 22:38 UTC");
        assert_eq!(moment(i64::MAX), "");
    }
}
