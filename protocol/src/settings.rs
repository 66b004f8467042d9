//! A session's CLI settings (`set cli screen-length 0`, ...): kept by lsysd with the session,
//! sent with every [`crate::Response::Done`] (as the prompt is), applied by the shell, which
//! owns the terminal: the pager, line wrapping, the timestamp line, completion on space.

use serde::{Deserialize, Serialize};

/// What `set cli` has set for one session. The default is a new session's: the terminal's own
/// size, no timestamp, no idle timeout, no completion on space (lsys accepts any unambiguous
/// prefix as typed; `set cli complete-on-space on` asks for completion on space as well).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CliSettings {
    /// `set cli screen-length N`: rows of a page; 0 turns the pager off. `None`: the
    /// terminal's height.
    #[serde(default)]
    pub screen_length: Option<u32>,
    /// `set cli screen-width N`: output lines longer than N characters are wrapped at N, and
    /// the pager counts rows at that width; 0 never wraps. `None`: the terminal's width, and
    /// the terminal wraps.
    #[serde(default)]
    pub screen_width: Option<u32>,
    /// `set cli complete-on-space on|off`.
    #[serde(default)]
    pub complete_on_space: bool,
    /// `set cli terminal TYPE` (`vt100`, `xterm`, ...), if set.
    #[serde(default)]
    pub terminal: Option<String>,
    /// `set cli timestamp`: each command's output is preceded by a line with the time
    /// ([`timestamp`]).
    #[serde(default)]
    pub timestamp: bool,
    /// `set cli idle-timeout MINUTES`: lsysd ends the session after that long without a
    /// request, with [`crate::Response::Closed`].
    #[serde(default)]
    pub idle_timeout: Option<u32>,
}

/// The UTC calendar date and time of `unix` seconds: `(year, month, day, hour, minute,
/// second)`, month and day from 1 (Howard Hinnant's civil-from-days).
pub fn civil(unix: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// The format [`timestamp`] writes, as Junos names it in `CLI timestamp set to: %b %d %T`.
pub const TIMESTAMP_FORMAT: &str = "%b %d %T";

/// The timestamp line of `set cli timestamp` for `unix` seconds, in UTC (the time lsys shows
/// everywhere): `Mar 28 23:05:38` (`%b %d %T`).
pub fn timestamp(unix: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, month, day, h, min, sec) = civil(unix);
    let month = MONTHS[(month - 1) as usize];
    format!("{month} {day:02} {h:02}:{min:02}:{sec:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_month_day_time_in_utc() {
        assert_eq!(timestamp(0), "Jan 01 00:00:00");
        assert_eq!(timestamp(1_714_977_528), "May 06 06:38:48");
        assert_eq!(timestamp(951_782_400), "Feb 29 00:00:00");
        assert_eq!(timestamp(1_735_689_599), "Dec 31 23:59:59");
    }

    #[test]
    fn settings_missing_from_a_frame_are_the_defaults() {
        let s: CliSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, CliSettings::default());
        let s = CliSettings {
            screen_length: Some(0),
            screen_width: Some(511),
            ..CliSettings::default()
        };
        let back: CliSettings = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }
}
