//! Junos route ages: the `show route` column and the extensive `Age:` line.

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;

/// (weeks, days, hours, minutes, seconds) of a duration; negative counts as zero.
fn split(seconds: i64) -> (i64, i64, i64, i64, i64) {
    let s = seconds.max(0);
    (
        s / WEEK,
        s % WEEK / DAY,
        s % DAY / HOUR,
        s % HOUR / MINUTE,
        s % MINUTE,
    )
}

/// Junos age of the `show route` form: `00:13:29` (< 1 day, HH:MM:SS), `2d 14:23:45` (days),
/// `3w0d 03:10:55` (weeks); negative → `00:00:00`.
pub fn age(seconds: i64) -> String {
    let (w, d, h, m, s) = split(seconds);
    if w > 0 {
        format!("{w}w{d}d {h:02}:{m:02}:{s:02}")
    } else if d > 0 {
        format!("{d}d {h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// Junos age of the extensive `Age:` line, leading zero fields dropped: `10`, `1:02`,
/// `2:56:14`, `2d 4:08:38`, `4w5d 12:13:18`; negative → `0`.
pub fn age_extensive(seconds: i64) -> String {
    let (w, d, h, m, s) = split(seconds);
    if w > 0 {
        format!("{w}w{d}d {h}:{m:02}:{s:02}")
    } else if d > 0 {
        format!("{d}d {h}:{m:02}:{s:02}")
    } else if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else if m > 0 {
        format!("{m}:{s:02}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensive_ages() {
        assert_eq!(age_extensive(-5), "0");
        assert_eq!(age_extensive(0), "0");
        assert_eq!(age_extensive(10), "10");
        assert_eq!(age_extensive(60), "1:00");
        assert_eq!(age_extensive(62), "1:02");
        assert_eq!(age_extensive(51 * 60 + 54), "51:54");
        assert_eq!(age_extensive(3600), "1:00:00");
        assert_eq!(age_extensive(2 * 3600 + 56 * 60 + 14), "2:56:14");
        assert_eq!(age_extensive(86400), "1d 0:00:00");
        assert_eq!(
            age_extensive(2 * 86400 + 4 * 3600 + 8 * 60 + 38),
            "2d 4:08:38"
        );
        assert_eq!(
            age_extensive(4 * WEEK + 5 * DAY + 12 * HOUR + 13 * MINUTE + 18),
            "4w5d 12:13:18"
        );
        assert_eq!(
            age_extensive(16 * WEEK + 17 * HOUR + 18 * MINUTE + 9),
            "16w0d 17:18:09"
        );
    }

    #[test]
    fn no_overflow_at_extremes() {
        assert_eq!(age(i64::MIN), "00:00:00");
        assert!(age(i64::MAX).contains('w'));
        assert!(age_extensive(i64::MAX).contains('w'));
    }
}
