//! Timer defaults, the record of which timers are armed, and the restart backoff.

use std::time::Duration;

use super::{Output, TimerKind};

/// Junos `hold-time` default (seconds); also RFC 4271 §10's suggested value.
pub const DEFAULT_HOLD_TIME: u16 = 90;

/// Hold timer while waiting for the peer's OPEN: "a large value", suggested 4 minutes
/// (RFC 4271 §8.2.2, OpenSent).
pub const OPEN_SENT_HOLD_TIME: Duration = Duration::from_secs(240);

/// Time between outgoing connect attempts: RFC 4271 §10's suggested 120 s, which BIRD
/// (`connect retry time`) and FRR (`timers connect`) also use. Junos has no knob for it.
pub const DEFAULT_CONNECT_RETRY: Duration = Duration::from_secs(120);

/// First automatic restart after a drop (FRR bgpd `BGP_INIT_START_TIMER`).
pub const DEFAULT_IDLE_HOLD_MIN: Duration = Duration::from_secs(1);

/// Cap of the doubling restart delay (FRR bgpd doubles its start timer up to 120 s).
pub const DEFAULT_IDLE_HOLD_MAX: Duration = Duration::from_secs(120);

/// Keepalive timer expiries in Established after which a session counts as stable and the
/// backoff starts over: three keepalive intervals are one hold time.
pub(crate) const STABLE_KEEPALIVES: u8 = 3;

/// Which timers the machine has armed (it mirrors what it told the driver).
#[derive(Clone, Debug, Default)]
pub(crate) struct Timers {
    running: [bool; 4],
}

fn slot(kind: TimerKind) -> usize {
    match kind {
        TimerKind::ConnectRetry => 0,
        TimerKind::Hold => 1,
        TimerKind::Keepalive => 2,
        TimerKind::IdleHold => 3,
    }
}

impl Timers {
    pub(crate) fn is_running(&self, kind: TimerKind) -> bool {
        self.running[slot(kind)]
    }

    pub(crate) fn start(&mut self, kind: TimerKind, after: Duration, out: &mut Vec<Output>) {
        self.running[slot(kind)] = true;
        out.push(Output::StartTimer(kind, after));
    }

    /// Stops `kind` if it is armed (no output otherwise).
    pub(crate) fn stop(&mut self, kind: TimerKind, out: &mut Vec<Output>) {
        if self.is_running(kind) {
            self.running[slot(kind)] = false;
            out.push(Output::StopTimer(kind));
        }
    }

    /// Records an expiry; false if the timer was not armed (a stale report to ignore).
    pub(crate) fn expire(&mut self, kind: TimerKind) -> bool {
        std::mem::replace(&mut self.running[slot(kind)], false)
    }

    pub(crate) fn running(&self) -> Vec<TimerKind> {
        TimerKind::ALL
            .into_iter()
            .filter(|k| self.is_running(*k))
            .collect()
    }
}

/// The IdleHold delay: `min`, doubling per drop up to `max`.
#[derive(Clone, Debug)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max,
            next: min,
        }
    }

    /// The delay for this drop; the next one doubles.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let now = self.next;
        self.next = now.saturating_mul(2).min(self.max);
        now
    }

    pub(crate) fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(120));
        let got: Vec<u64> = (0..10).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(got, [1, 2, 4, 8, 16, 32, 64, 120, 120, 120]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn stop_is_silent_when_not_running_and_expire_reports_staleness() {
        let mut t = Timers::default();
        let mut out = Vec::new();
        t.stop(TimerKind::Hold, &mut out);
        assert!(out.is_empty());
        t.start(TimerKind::Hold, Duration::from_secs(3), &mut out);
        assert!(t.expire(TimerKind::Hold));
        assert!(!t.expire(TimerKind::Hold));
        assert_eq!(t.running(), vec![]);
    }
}
