//! `show system uptime`, in Junos's layout (its last line is FreeBSD's `uptime`):
//! ```text
//! Current time: 2026-11-29 16:57:03 UTC
//! Time Source:  LOCAL CLOCK
//! System booted: 2026-11-20 10:00:00 UTC (1w2d 06:57 ago)
//! Protocols started: 2026-11-29 16:15:05 UTC (00:42:02 ago)
//! Last configured: 2026-11-29 16:31:51 UTC (00:25:12 ago) by jvetter
//!  4:57PM  up 9 days,  6:57, 2 users, load averages: 0.00, 0.01, 0.05
//! ```
//! The system is the kernel (booted), the protocols are lsysd (started), the configuration
//! and the users are the viewer's: a tenant's last commit and its logical system's sessions.
//! Without a commit the `Last configured` line is left out; without /proc's figures the
//! boot line and the load averages are.

use std::fmt::Write as _;

/// What `show system uptime` reports, in seconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Uptime {
    pub now: i64,
    /// The kernel's boot (`now` less /proc/uptime).
    pub booted: Option<i64>,
    /// lsysd's start.
    pub started: i64,
    /// The view's last commit and its user.
    pub last_commit: Option<(i64, String)>,
    /// Sessions in the view.
    pub users: usize,
    /// /proc/loadavg's three figures.
    pub load: Option<[f64; 3]>,
}

/// The text of `show system uptime`.
pub fn render(u: &Uptime) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Current time: {}", utc(u.now));
    out.push_str("Time Source:  LOCAL CLOCK\n");
    if let Some(b) = u.booted {
        let _ = writeln!(out, "System booted: {} ({} ago)", utc(b), age(u.now - b));
    }
    let _ = writeln!(
        out,
        "Protocols started: {} ({} ago)",
        utc(u.started),
        age(u.now - u.started)
    );
    if let Some((t, user)) = &u.last_commit {
        let _ = writeln!(
            out,
            "Last configured: {} ({} ago) by {user}",
            utc(*t),
            age(u.now - t)
        );
    }
    let (_, _, _, h, min, _) = lsys_protocol::settings::civil(u.now);
    let (hour, half) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    let _ = write!(out, "{hour:>2}:{min:02}{half} ");
    if let Some(b) = u.booted {
        let _ = write!(out, " up{},", up(u.now - b));
    }
    let _ = write!(out, " {} {}", u.users, plural(u.users as i64, "user"));
    if let Some([a, b, c]) = u.load {
        let _ = write!(out, ", load averages: {a:.2}, {b:.2}, {c:.2}");
    }
    out.push('\n');
    out
}

fn utc(unix: i64) -> String {
    let (y, m, d, h, min, sec) = lsys_protocol::settings::civil(unix);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{sec:02} UTC")
}

/// Junos's age in parentheses: `00:25:12` under a day, then `2d 06:57`, `1w2d 06:57`.
fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    let (weeks, days) = (s / 604_800, s % 604_800 / 86_400);
    let (h, m) = (s % 86_400 / 3600, s % 3600 / 60);
    match (weeks, days) {
        (0, 0) => format!("{h:02}:{m:02}:{:02}", s % 60),
        (0, d) => format!("{d}d {h:02}:{m:02}"),
        (w, d) => format!("{w}w{d}d {h:02}:{m:02}"),
    }
}

/// FreeBSD `uptime`'s ` 9 days,  6:57` (rounded to the minute, as it does).
fn up(seconds: i64) -> String {
    let mut s = seconds.max(0);
    if s > 60 {
        s += 30;
    }
    let (days, hrs, mins, secs) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let mut out = String::new();
    if days > 0 {
        let _ = write!(out, " {days} {},", plural(days, "day"));
    }
    let _ = match (hrs, mins) {
        (h, m) if h > 0 && m > 0 => write!(out, " {h:2}:{m:02}"),
        (h, _) if h > 0 => write!(out, " {h} {}", plural(h, "hr")),
        (_, m) if m > 0 => write!(out, " {m} {}", plural(m, "min")),
        _ => write!(out, " {secs} {}", plural(secs, "sec")),
    };
    out
}

fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_as_junos_prints_them() {
        assert_eq!(age(25 * 60 + 12), "00:25:12");
        assert_eq!(age(2 * 86_400 + 6 * 3600 + 57 * 60 + 5), "2d 06:57");
        assert_eq!(age(9 * 86_400 + 6 * 3600 + 57 * 60), "1w2d 06:57");
        assert_eq!(age(-3), "00:00:00");
    }

    #[test]
    fn uptime_as_freebsd_prints_it() {
        assert_eq!(up(9 * 86_400 + 6 * 3600 + 57 * 60), " 9 days,  6:57");
        assert_eq!(up(86_400 + 3600), " 1 day, 1 hr");
        assert_eq!(up(5 * 60), " 5 mins");
        assert_eq!(up(59), " 59 secs");
        // 29:31 past the hour rounds up to 30 minutes.
        assert_eq!(up(3600 + 29 * 60 + 31), "  1:30");
    }
}
