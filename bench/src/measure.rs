//! Timing and memory figures.

use std::time::{Duration, Instant};

/// Runs `f` `runs` times (at least once) and returns the median time and the last result.
pub fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs.max(1));
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let out = f();
        times.push(start.elapsed());
        last = Some(out);
    }
    times.sort();
    let out = last.expect("ran at least once");
    (times[times.len() / 2], out)
}

/// Times one run of `f`.
pub fn once<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed(), out)
}

/// A field of /proc/self/status in KiB (`VmHWM` = peak resident, `VmRSS` = resident now).
pub fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Peak resident memory of this process so far, in KiB (None off Linux).
pub fn peak_rss_kib() -> Option<u64> {
    status_kib("VmHWM")
}

/// Milliseconds with three decimals, for tables.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// KiB as MiB with one decimal.
pub fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_runs() {
        let mut n = 0;
        let (_, last) = median(5, || {
            n += 1;
            n
        });
        assert_eq!(last, 5);
        if cfg!(target_os = "linux") {
            assert!(peak_rss_kib().unwrap_or(0) > 0);
        }
    }
}
