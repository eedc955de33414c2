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

/// The first moment after the UTC day `yyyy-mm-dd` (a date picker's value), in
/// Unix seconds: a token "expiring on" that day works through all of it.
pub fn end_of_day(date: &str) -> Option<i64> {
    let d = time::Date::parse(date.trim(), format_description!("[year]-[month]-[day]")).ok()?;
    let next = d.next_day()?;
    Some(next.midnight().assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::{day, end_of_day, moment};

    #[test]
    fn a_day_ends_at_the_next_midnight_utc() {
        assert_eq!(end_of_day("1970-01-01"), Some(86_400));
        assert_eq!(end_of_day("2000-02-28"), Some(951_782_400));
        assert_eq!(day(end_of_day("2026-12-31").unwrap() - 1), "2026-12-31");
        for bad in [
            "",
            "2026-02-30",
            "2026-13-01",
            "31/12/2026",
            "2026-1-1x",
            "9999999-01-01",
        ] {
            assert_eq!(end_of_day(bad), None, "{bad}");
        }
    }

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
