//! The session: its connections, timers and record, and the transitions of RFC 4271 §8.2.2.
//!
//! The session state is derived from the connections: the most advanced connection decides
//! (Connecting → Connect, then OpenSent, OpenConfirm, Established); with none, the session is
//! Active between a start and the next drop, else Idle. Every input ends with the same
//! bookkeeping: timers that the new state must not run are stopped (and a wanted ConnectRetry
//! started), then a state change is recorded and reported.

use std::time::Duration;

use tracing::debug;

use super::config::{ConfigError, SessionConfig};
use super::negotiate::{check_open, LocalOpen, Negotiated, PeerOpen};
use super::notification::{
    Cease, FsmErrorSubcode, Notification, OPEN_MESSAGE_ERROR, ROUTE_REFRESH_ERROR,
    UPDATE_MESSAGE_ERROR,
};
use super::record::{Direction, MessageKind, Record};
use super::timers::{Backoff, Timers, OPEN_SENT_HOLD_TIME, STABLE_KEEPALIVES};
use super::{ConnId, DownReason, Event, IdleAfterStop, Input, Output, State, TimerKind};

#[derive(Clone, Debug)]
pub(super) enum Phase {
    /// Outgoing connect under way (no TCP yet).
    Connecting,
    /// TCP up, our OPEN sent.
    OpenSent,
    /// Both OPENs exchanged, our KEEPALIVE sent.
    OpenConfirm(Negotiated),
    Established(Negotiated),
}

/// A connection's phase without its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    Connecting,
    OpenSent,
    OpenConfirm,
    Established,
}

impl Phase {
    fn stage(&self) -> Stage {
        match self {
            Phase::Connecting => Stage::Connecting,
            Phase::OpenSent => Stage::OpenSent,
            Phase::OpenConfirm(_) => Stage::OpenConfirm,
            Phase::Established(_) => Stage::Established,
        }
    }

    fn state(&self) -> State {
        match self.stage() {
            Stage::Connecting => State::Connect,
            Stage::OpenSent => State::OpenSent,
            Stage::OpenConfirm => State::OpenConfirm,
            Stage::Established => State::Established,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Conn {
    pub(super) id: ConnId,
    pub(super) phase: Phase,
}

/// How a connection leaves the session.
pub(super) enum Why<'a> {
    /// The driver reported it closed or failed: nothing to send, nothing to close.
    TcpFailed,
    /// We detected an error (or stop) and send this NOTIFICATION: it becomes the Last Error.
    Error(&'a Notification),
    /// It lost a collision or was replaced: Cease / Connection Collision Resolution.
    Collision,
    /// The peer sent this NOTIFICATION.
    Received(&'a Notification),
    /// A connect attempt that is no longer wanted.
    Abort,
}

/// What Idle does after a drop.
enum AfterDrop {
    Backoff,
    For(Duration),
    Stay,
}

/// Ordering of states for "the most advanced connection decides".
fn rank(state: State) -> u8 {
    match state {
        State::Idle => 0,
        State::Active => 1,
        State::Connect => 2,
        State::OpenSent => 3,
        State::OpenConfirm => 4,
        State::Established => 5,
    }
}

/// One BGP session with one neighbor. See the module documentation for the contract.
#[derive(Clone, Debug)]
pub struct Session {
    pub(super) config: SessionConfig,
    local_open: LocalOpen,
    /// Between a start and the next drop (Active when there is no connection).
    started: bool,
    /// Stay Idle until ManualStart (stopped, or never started).
    held: bool,
    /// At most one outgoing and one incoming connection; exactly one from OpenConfirm on.
    pub(super) conns: Vec<Conn>,
    last_outgoing: u64,
    pub(super) timers: Timers,
    backoff: Backoff,
    /// Keepalive timer expiries since the session became Established.
    stable_keepalives: u8,
    record: Record,
}

impl Session {
    /// A session in Idle, waiting for ManualStart.
    pub fn new(config: SessionConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Session {
            local_open: LocalOpen::from_config(&config),
            backoff: Backoff::new(config.idle_hold_min, config.idle_hold_max),
            config,
            started: false,
            held: true,
            conns: Vec::new(),
            last_outgoing: 0,
            timers: Timers::default(),
            stable_keepalives: 0,
            record: Record::default(),
        })
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The OPEN this session sends.
    pub fn local_open(&self) -> &LocalOpen {
        &self.local_open
    }

    pub fn state(&self) -> State {
        let base = if self.started {
            State::Active
        } else {
            State::Idle
        };
        self.conns
            .iter()
            .map(|c| c.phase.state())
            .fold(base, |a, b| if rank(b) > rank(a) { b } else { a })
    }

    pub fn record(&self) -> &Record {
        &self.record
    }

    /// The agreed parameters, once an OPEN was accepted (OpenConfirm, Established).
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.conns.iter().find_map(|c| match &c.phase {
            Phase::OpenConfirm(n) | Phase::Established(n) => Some(n),
            _ => None,
        })
    }

    /// The connection UPDATEs flow on, if Established.
    pub fn established_conn(&self) -> Option<ConnId> {
        self.conns
            .iter()
            .find(|c| matches!(c.phase, Phase::Established(_)))
            .map(|c| c.id)
    }

    /// The connections the session holds (including a connect under way).
    pub fn connections(&self) -> Vec<ConnId> {
        self.conns.iter().map(|c| c.id).collect()
    }

    /// Whether the machine has asked for `kind` to run.
    pub fn timer_running(&self, kind: TimerKind) -> bool {
        self.timers.is_running(kind)
    }

    pub fn running_timers(&self) -> Vec<TimerKind> {
        self.timers.running()
    }

    /// Counts a message the driver sent on its own (UPDATE, ROUTE-REFRESH).
    pub fn count_sent(&mut self, kind: MessageKind) {
        self.record.sent.bump(kind);
    }

    /// Feeds one input; returns what the driver must do, in order.
    pub fn handle(&mut self, input: Input) -> Vec<Output> {
        let before = self.state();
        let mut out = Vec::new();
        if let Some(event) = self.dispatch(input, &mut out) {
            self.record.last_event = Some(event);
        }
        self.reconcile_timers(&mut out);
        let after = self.state();
        if after != before {
            self.record.last_state = before;
            if before == State::Established {
                self.record.flaps += 1;
            }
            debug!(neighbor = %self.config.peer_address, from = %before, to = %after, "bgp state");
            out.push(Output::StateChanged {
                from: before,
                to: after,
            });
        }
        out
    }

    /// Runs one input; `None` if it was ignored (stale or not applicable).
    fn dispatch(&mut self, input: Input, out: &mut Vec<Output>) -> Option<Event> {
        match input {
            Input::ManualStart => {
                if self.state() != State::Idle {
                    return None;
                }
                self.held = false;
                self.backoff.reset();
                self.start(out);
                Some(Event::Start)
            }
            Input::ManualStop(cease) => {
                self.stop(&Notification::cease(cease), AfterDrop::Stay, out);
                Some(Event::Stop)
            }
            Input::AutomaticStop { notification, idle } => {
                if self.state() == State::Idle {
                    return None;
                }
                let after = match idle {
                    IdleAfterStop::Backoff => AfterDrop::Backoff,
                    IdleAfterStop::For(d) => AfterDrop::For(d),
                    IdleAfterStop::Forever => AfterDrop::Stay,
                };
                self.stop(&notification, after, out);
                Some(Event::Stop)
            }
            Input::TcpConnectionConfirmed(id) => self.connect_confirmed(id, out),
            Input::TcpConnectionAcknowledged(id) => self.accepted(id, out),
            Input::TcpConnectionFails(id) => {
                let stage = self.stage(id)?;
                let connecting = stage == Stage::Connecting;
                let to_active = connecting || stage == Stage::OpenSent;
                self.drop_conn(id, Why::TcpFailed, out);
                self.after_loss(to_active, out);
                Some(if connecting {
                    Event::ConnectRetry
                } else {
                    Event::Closed
                })
            }
            Input::TimerExpired(kind) => {
                if !self.timers.expire(kind) {
                    return None;
                }
                self.timer_expired(kind, out)
            }
            Input::OpenReceived { conn, open } => self.open_received(conn, open, out),
            Input::KeepaliveReceived(conn) => self.message(conn, MessageKind::Keepalive, out),
            Input::UpdateReceived(conn) => self.message(conn, MessageKind::Update, out),
            Input::RouteRefreshReceived(conn) => self.message(conn, MessageKind::RouteRefresh, out),
            Input::NotificationReceived { conn, notification } => {
                let stage = self.up_stage(conn)?;
                self.record
                    .notification(&notification, Direction::Received, true);
                // The peer resolved a collision against this connection; another one (maybe not
                // yet accepted here) carries on, so do not refuse connections in Idle.
                let to_active = notification.is_cease(Cease::ConnectionCollision)
                    && matches!(stage, Stage::OpenSent | Stage::OpenConfirm);
                self.drop_conn(conn, Why::Received(&notification), out);
                self.after_loss(to_active, out);
                Some(Event::RecvNotify)
            }
            Input::DecodeError { conn, notification } => {
                self.up_stage(conn)?;
                self.drop_conn(conn, Why::Error(&notification), out);
                self.after_loss(false, out);
                Some(match notification.code {
                    OPEN_MESSAGE_ERROR => Event::RecvOpen,
                    UPDATE_MESSAGE_ERROR => Event::RecvUpdate,
                    ROUTE_REFRESH_ERROR => Event::RecvRefresh,
                    _ => Event::RecvError,
                })
            }
        }
    }

    fn timer_expired(&mut self, kind: TimerKind, out: &mut Vec<Output>) -> Option<Event> {
        match kind {
            TimerKind::ConnectRetry => {
                let pending = self
                    .conns
                    .iter()
                    .find(|c| matches!(c.phase, Phase::Connecting))
                    .map(|c| c.id);
                if let Some(id) = pending {
                    self.drop_conn(id, Why::Abort, out);
                }
                if self.started && self.conns.is_empty() && !self.config.passive {
                    self.connect(out);
                }
                Some(Event::ConnectRetry)
            }
            TimerKind::Hold => {
                self.stop(&Notification::hold_timer_expired(), AfterDrop::Backoff, out);
                Some(Event::HoldTime)
            }
            TimerKind::Keepalive => {
                let (id, keepalive, established) =
                    self.conns.iter().find_map(|c| match &c.phase {
                        Phase::OpenConfirm(n) => Some((c.id, n.keepalive, false)),
                        Phase::Established(n) => Some((c.id, n.keepalive, true)),
                        _ => None,
                    })?;
                self.send_keepalive(id, out);
                self.timers.start(kind, secs(keepalive), out);
                if established && self.stable_keepalives < STABLE_KEEPALIVES {
                    self.stable_keepalives += 1;
                    if self.stable_keepalives == STABLE_KEEPALIVES {
                        self.backoff.reset();
                    }
                }
                Some(Event::KeepAlive)
            }
            TimerKind::IdleHold => {
                if self.state() != State::Idle || self.held {
                    return None;
                }
                self.start(out);
                Some(Event::Start)
            }
        }
    }

    fn start(&mut self, out: &mut Vec<Output>) {
        self.started = true;
        self.timers.stop(TimerKind::IdleHold, out);
        if !self.config.passive {
            self.connect(out);
        }
    }

    /// A new outgoing connect attempt, with ConnectRetry (re)armed to bound it.
    fn connect(&mut self, out: &mut Vec<Output>) {
        self.last_outgoing += 1;
        let id = ConnId::outgoing(self.last_outgoing);
        self.conns.push(Conn {
            id,
            phase: Phase::Connecting,
        });
        out.push(Output::Connect(id));
        self.timers
            .start(TimerKind::ConnectRetry, self.config.connect_retry, out);
    }

    fn connect_confirmed(&mut self, id: ConnId, out: &mut Vec<Output>) -> Option<Event> {
        match self.conns.iter_mut().find(|c| c.id == id) {
            Some(c) if matches!(c.phase, Phase::Connecting) => c.phase = Phase::OpenSent,
            Some(_) => return None,
            None => {
                // A connect we gave up on completed after all.
                out.push(Output::CloseConnection(id));
                return None;
            }
        }
        self.send_open(id, out);
        Some(Event::Open)
    }

    fn open_received(
        &mut self,
        id: ConnId,
        open: PeerOpen,
        out: &mut Vec<Output>,
    ) -> Option<Event> {
        let stage = self.up_stage(id)?;
        self.record.received.bump(MessageKind::Open);
        match stage {
            Stage::OpenConfirm => self.fsm_error(id, FsmErrorSubcode::InOpenConfirm, out),
            Stage::Established => self.fsm_error(id, FsmErrorSubcode::InEstablished, out),
            Stage::Connecting | Stage::OpenSent => match check_open(&self.config, &open) {
                Err(n) => {
                    self.drop_conn(id, Why::Error(&n), out);
                    self.after_loss(false, out);
                }
                Ok(negotiated) => self.open_accepted(id, negotiated, out),
            },
        }
        Some(Event::RecvOpen)
    }

    /// KEEPALIVE, UPDATE or ROUTE-REFRESH on a connection.
    fn message(&mut self, id: ConnId, kind: MessageKind, out: &mut Vec<Output>) -> Option<Event> {
        let stage = self.up_stage(id)?;
        self.record.received.bump(kind);
        match stage {
            Stage::Connecting | Stage::OpenSent => {
                self.fsm_error(id, FsmErrorSubcode::InOpenSent, out)
            }
            Stage::OpenConfirm if kind == MessageKind::Keepalive => self.establish(id, out),
            Stage::OpenConfirm => self.fsm_error(id, FsmErrorSubcode::InOpenConfirm, out),
            Stage::Established => {
                let hold = self.negotiated().map_or(0, |n| n.hold_time);
                self.restart_hold(hold, out);
            }
        }
        Some(match kind {
            MessageKind::Keepalive => Event::RecvKeepAlive,
            MessageKind::Update => Event::RecvUpdate,
            _ => Event::RecvRefresh,
        })
    }

    /// The peer's KEEPALIVE in OpenConfirm: the session is up.
    fn establish(&mut self, id: ConnId, out: &mut Vec<Output>) {
        let Some(conn) = self.conns.iter_mut().find(|c| c.id == id) else {
            return;
        };
        let Phase::OpenConfirm(n) = &conn.phase else {
            return;
        };
        let negotiated = n.clone();
        conn.phase = Phase::Established(n.clone());
        self.restart_hold(negotiated.hold_time, out);
        if negotiated.hold_time == 0 {
            // No keepalives to measure stability by: trust the session at once.
            self.backoff.reset();
        }
        self.stable_keepalives = 0;
        out.push(Output::Established {
            conn: id,
            negotiated,
        });
    }

    fn fsm_error(&mut self, id: ConnId, subcode: FsmErrorSubcode, out: &mut Vec<Output>) {
        self.drop_conn(id, Why::Error(&Notification::fsm_error(subcode)), out);
        self.after_loss(false, out);
    }

    /// Ends every connection with `n` (sent where a BGP conversation exists) and goes Idle.
    fn stop(&mut self, n: &Notification, after: AfterDrop, out: &mut Vec<Output>) {
        let ids: Vec<ConnId> = self.conns.iter().map(|c| c.id).collect();
        for id in ids {
            self.drop_conn(id, Why::Error(n), out);
        }
        self.go_idle(after, out);
    }

    /// Takes connection `id` out of the session, telling the peer why where appropriate.
    pub(super) fn drop_conn(&mut self, id: ConnId, why: Why<'_>, out: &mut Vec<Output>) {
        let Some(pos) = self.conns.iter().position(|c| c.id == id) else {
            return;
        };
        let conn = self.conns.remove(pos);
        let up = !matches!(conn.phase, Phase::Connecting);
        let reason = match why {
            Why::TcpFailed | Why::Abort => DownReason::ConnectionClosed,
            Why::Received(n) => DownReason::Received(n.clone()),
            Why::Error(n) => {
                if up {
                    self.send_notification(id, n, true, out);
                }
                DownReason::Sent(n.clone())
            }
            Why::Collision => {
                let n = Notification::cease(Cease::ConnectionCollision);
                if up {
                    self.send_notification(id, &n, false, out);
                }
                DownReason::Sent(n)
            }
        };
        if !matches!(why, Why::TcpFailed) {
            out.push(Output::CloseConnection(id));
        }
        if matches!(conn.phase, Phase::Established(_)) {
            out.push(Output::SessionDown { reason });
        }
    }

    /// After a connection was lost: with none left, either keep listening/retrying (Active) or
    /// drop to Idle and restart after the backoff.
    fn after_loss(&mut self, to_active: bool, out: &mut Vec<Output>) {
        if self.conns.is_empty() && !to_active {
            self.go_idle(AfterDrop::Backoff, out);
        }
    }

    fn go_idle(&mut self, after: AfterDrop, out: &mut Vec<Output>) {
        self.started = false;
        for kind in [
            TimerKind::ConnectRetry,
            TimerKind::Hold,
            TimerKind::Keepalive,
        ] {
            self.timers.stop(kind, out);
        }
        match after {
            AfterDrop::Backoff if !self.held => {
                let delay = self.backoff.next_delay();
                self.timers.start(TimerKind::IdleHold, delay, out);
            }
            AfterDrop::Backoff => {}
            AfterDrop::For(delay) => self.timers.start(TimerKind::IdleHold, delay, out),
            AfterDrop::Stay => {
                self.held = true;
                self.timers.stop(TimerKind::IdleHold, out);
            }
        }
    }

    /// Stops what the current state must not run; arms ConnectRetry where it must run.
    fn reconcile_timers(&mut self, out: &mut Vec<Output>) {
        let state = self.state();
        if matches!(state, State::Idle | State::Connect | State::Active) {
            self.timers.stop(TimerKind::Hold, out);
        }
        if !matches!(state, State::OpenConfirm | State::Established) {
            self.timers.stop(TimerKind::Keepalive, out);
        }
        if state != State::Idle {
            self.timers.stop(TimerKind::IdleHold, out);
        }
        let connecting = self
            .conns
            .iter()
            .any(|c| matches!(c.phase, Phase::Connecting));
        let want_retry = connecting || (state == State::Active && !self.config.passive);
        if !want_retry {
            self.timers.stop(TimerKind::ConnectRetry, out);
        } else if !self.timers.is_running(TimerKind::ConnectRetry) {
            self.timers
                .start(TimerKind::ConnectRetry, self.config.connect_retry, out);
        }
    }

    pub(super) fn refuse(&mut self, id: ConnId, cease: Cease, out: &mut Vec<Output>) {
        self.send_notification(id, &Notification::cease(cease), false, out);
        out.push(Output::CloseConnection(id));
    }

    pub(super) fn send_open(&mut self, id: ConnId, out: &mut Vec<Output>) {
        out.push(Output::SendOpen {
            conn: id,
            open: self.local_open.clone(),
        });
        self.record.sent.bump(MessageKind::Open);
        self.timers.start(TimerKind::Hold, OPEN_SENT_HOLD_TIME, out);
    }

    pub(super) fn send_keepalive(&mut self, id: ConnId, out: &mut Vec<Output>) {
        out.push(Output::SendKeepalive(id));
        self.record.sent.bump(MessageKind::Keepalive);
    }

    fn send_notification(
        &mut self,
        id: ConnId,
        n: &Notification,
        last: bool,
        out: &mut Vec<Output>,
    ) {
        self.record.notification(n, Direction::Sent, last);
        out.push(Output::SendNotification {
            conn: id,
            notification: n.clone(),
        });
    }

    fn restart_hold(&mut self, hold_time: u16, out: &mut Vec<Output>) {
        if hold_time > 0 {
            self.timers.start(TimerKind::Hold, secs(hold_time), out);
        }
    }

    pub(super) fn stage(&self, id: ConnId) -> Option<Stage> {
        self.conns
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.phase.stage())
    }

    /// The stage of `id` if it carries BGP messages (known and TCP up).
    fn up_stage(&self, id: ConnId) -> Option<Stage> {
        self.stage(id).filter(|s| *s != Stage::Connecting)
    }
}

pub(super) fn secs(s: u16) -> Duration {
    Duration::from_secs(u64::from(s))
}
