//! Moments as pages show them: in UTC, to the minute, the same in both languages
//! (ISO order reads naturally in Chinese as well).

use time::OffsetDateTime;
use time::macros::format_description;

/// `2026-11-30 22:38 UTC`, or `None` for a moment outside the calendar's range.
pub fn moment(unix_seconds: i64) -> Option<String> {
    let t = OffsetDateTime::from_unix_timestamp(unix_seconds).ok()?;
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::moment;

    #[test]
    fn moments_read_in_utc() {
        assert_eq!(moment(0).as_deref(), Some("1970-01-01 00:00 UTC"));
        assert_eq!(
            moment(1_796_078_280).as_deref(),
            Some("2026-11-30 22:38 UTC")
        );
        assert_eq!(moment(i64::MAX), None);
    }
}
