//! Random input sequences against the session machine, checked by a model of what a driver
//! would see: the connections it holds, the timers it runs, and the messages on each connection.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use lsys_bgp::fsm::{
    Capabilities, Cease, ConnId, Family, IdleAfterStop, Initiator, Input, Notification, Output,
    PeerOpen, Session, SessionConfig, State, TimerKind,
};
use proptest::prelude::*;

const LOCAL_ID: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 5);

/// Which connection an action concerns: mostly a live one, sometimes any id ever seen.
#[derive(Clone, Copy, Debug)]
struct Target {
    index: usize,
    stale: bool,
}

fn target() -> impl Strategy<Value = Target> {
    (any::<usize>(), prop::bool::weighted(0.1)).prop_map(|(index, stale)| Target { index, stale })
}

#[derive(Clone, Debug)]
enum Action {
    ManualStart,
    ManualStop(u8),
    AutoStop(u8),
    /// Complete an outgoing connect (index into the outgoing ids seen so far).
    Confirm(Target),
    /// A new incoming connection.
    Accept,
    /// An incoming connection reusing a known id.
    AcceptKnown(Target),
    Fail(Target),
    Timer(u8),
    Open(Target, u8),
    Keepalive(Target),
    Update(Target),
    Refresh(Target),
    Notify(Target, bool),
    Decode(Target),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => Just(Action::ManualStart),
        1 => (0u8..4).prop_map(Action::ManualStop),
        1 => (0u8..3).prop_map(Action::AutoStop),
        6 => target().prop_map(Action::Confirm),
        3 => Just(Action::Accept),
        1 => target().prop_map(Action::AcceptKnown),
        1 => target().prop_map(Action::Fail),
        4 => (0u8..4).prop_map(Action::Timer),
        8 => (target(), 0u8..12).prop_map(|(t, v)| Action::Open(t, v)),
        8 => target().prop_map(Action::Keepalive),
        2 => target().prop_map(Action::Update),
        1 => target().prop_map(Action::Refresh),
        1 => (target(), any::<bool>()).prop_map(|(t, c)| Action::Notify(t, c)),
        1 => target().prop_map(Action::Decode),
    ]
}

#[derive(Default, Debug)]
struct ConnModel {
    open_sent: bool,
    open_received: bool,
    keepalive_after_open: bool,
}

/// What a faithful driver knows.
struct Model {
    passive: bool,
    peer_id: Ipv4Addr,
    outgoing: Vec<ConnId>,
    all: Vec<ConnId>,
    live: BTreeSet<ConnId>,
    connecting: BTreeSet<ConnId>,
    timers: BTreeSet<TimerKind>,
    conns: BTreeMap<ConnId, ConnModel>,
    next_incoming: u64,
    downs: u64,
}

impl Model {
    fn pick(&self, ids: &[ConnId], i: usize) -> ConnId {
        if ids.is_empty() {
            ConnId::outgoing(999)
        } else {
            ids[i % ids.len()]
        }
    }

    /// A connection that carries messages, or (stale, or none live) any id ever seen.
    fn up(&self, t: Target) -> ConnId {
        let up: Vec<ConnId> = self
            .live
            .iter()
            .copied()
            .filter(|c| self.carries_messages(*c))
            .collect();
        if t.stale || up.is_empty() {
            self.pick(&self.all, t.index)
        } else {
            self.pick(&up, t.index)
        }
    }

    fn carries_messages(&self, id: ConnId) -> bool {
        self.live.contains(&id) && !self.connecting.contains(&id)
    }

    fn open(&self, variant: u8) -> PeerOpen {
        let mut o = PeerOpen {
            version: 4,
            my_as: 64512,
            hold_time: 90,
            bgp_id: self.peer_id,
            capabilities: Capabilities {
                families: vec![Family::IPV4_UNICAST],
                route_refresh: true,
                enhanced_route_refresh: false,
                four_octet_as: Some(64512),
                graceful_restart: false,
            },
        };
        match variant {
            0 => o.hold_time = 0,
            1 => o.hold_time = 3,
            2 => o.version = 3,
            3 => o.capabilities.four_octet_as = Some(1),
            4 => o.hold_time = 2,
            _ => {}
        }
        o
    }

    /// Turns an action into an input, noting what the input itself tells the driver.
    fn input(&mut self, a: &Action) -> Input {
        match *a {
            Action::ManualStart => Input::ManualStart,
            Action::ManualStop(i) => Input::ManualStop(
                [
                    Cease::AdminShutdown,
                    Cease::PeerDeconfigured,
                    Cease::AdminReset,
                    Cease::OtherConfigChange,
                ][usize::from(i)],
            ),
            Action::AutoStop(i) => Input::AutomaticStop {
                notification: Notification::max_prefixes(Family::IPV4_UNICAST, 10),
                idle: match i {
                    0 => IdleAfterStop::Backoff,
                    1 => IdleAfterStop::For(Duration::from_secs(60)),
                    _ => IdleAfterStop::Forever,
                },
            },
            Action::Confirm(t) => {
                let pending: Vec<ConnId> = self.connecting.iter().copied().collect();
                let id = if t.stale || pending.is_empty() {
                    self.pick(&self.outgoing, t.index)
                } else {
                    self.pick(&pending, t.index)
                };
                self.connecting.remove(&id);
                Input::TcpConnectionConfirmed(id)
            }
            Action::Accept => {
                self.next_incoming += 1;
                let id = ConnId::incoming(self.next_incoming);
                self.all.push(id);
                self.live.insert(id);
                self.conns.insert(id, ConnModel::default());
                Input::TcpConnectionAcknowledged(id)
            }
            Action::AcceptKnown(t) => {
                let id = self.pick(&self.all, t.index);
                if id.initiator == Initiator::Incoming && !self.live.contains(&id) {
                    self.live.insert(id);
                    self.conns.insert(id, ConnModel::default());
                }
                Input::TcpConnectionAcknowledged(id)
            }
            Action::Fail(t) => {
                let id = if t.stale {
                    self.pick(&self.all, t.index)
                } else {
                    self.pick(&self.live.iter().copied().collect::<Vec<_>>(), t.index)
                };
                self.live.remove(&id);
                self.connecting.remove(&id);
                Input::TcpConnectionFails(id)
            }
            Action::Timer(k) => {
                let kind = TimerKind::ALL[usize::from(k)];
                self.timers.remove(&kind);
                Input::TimerExpired(kind)
            }
            Action::Open(t, v) => {
                let conn = self.up(t);
                if self.carries_messages(conn) {
                    if let Some(c) = self.conns.get_mut(&conn) {
                        c.open_received = true;
                        c.keepalive_after_open = false;
                    }
                }
                Input::OpenReceived {
                    conn,
                    open: self.open(v),
                }
            }
            Action::Keepalive(t) => {
                let conn = self.up(t);
                if self.carries_messages(conn) {
                    if let Some(c) = self.conns.get_mut(&conn) {
                        c.keepalive_after_open |= c.open_received;
                    }
                }
                Input::KeepaliveReceived(conn)
            }
            Action::Update(t) => Input::UpdateReceived(self.up(t)),
            Action::Refresh(t) => Input::RouteRefreshReceived(self.up(t)),
            Action::Notify(t, collision) => Input::NotificationReceived {
                conn: self.up(t),
                notification: if collision {
                    Notification::cease(Cease::ConnectionCollision)
                } else {
                    Notification::cease(Cease::AdminReset)
                },
            },
            Action::Decode(t) => Input::DecodeError {
                conn: self.up(t),
                notification: Notification::new(3, 1, vec![]),
            },
        }
    }
}

fn check_step(
    s: &Session,
    m: &mut Model,
    before: State,
    live_before: &BTreeSet<ConnId>,
    input: &Input,
    out: &[Output],
) -> Result<(), TestCaseError> {
    let introduced = match input {
        Input::TcpConnectionAcknowledged(id) | Input::TcpConnectionConfirmed(id) => Some(*id),
        _ => None,
    };
    let mut changes = 0;
    for o in out {
        match o {
            Output::Connect(id) => {
                prop_assert!(!m.passive, "a passive session connected");
                prop_assert_eq!(id.initiator, Initiator::Outgoing);
                prop_assert!(!m.all.contains(id), "reused id {}", id);
                m.outgoing.push(*id);
                m.all.push(*id);
                m.live.insert(*id);
                m.connecting.insert(*id);
                m.conns.insert(*id, ConnModel::default());
            }
            Output::CloseConnection(id) => {
                m.live.remove(id);
                m.connecting.remove(id);
            }
            Output::SendOpen { conn, .. }
            | Output::SendKeepalive(conn)
            | Output::SendNotification { conn, .. } => {
                prop_assert!(
                    m.live.contains(conn)
                        || live_before.contains(conn)
                        || introduced == Some(*conn),
                    "message on unknown connection {}: {:?}",
                    conn,
                    o
                );
                prop_assert!(
                    !m.connecting.contains(conn),
                    "message before TCP is up: {:?}",
                    o
                );
                if let Output::SendOpen { conn, .. } = o {
                    m.conns.entry(*conn).or_default().open_sent = true;
                }
            }
            Output::StartTimer(kind, d) => {
                prop_assert!(!d.is_zero(), "zero-length {:?}", kind);
                m.timers.insert(*kind);
            }
            Output::StopTimer(kind) => {
                prop_assert!(
                    m.timers.remove(kind),
                    "stopped {:?} that was not running",
                    kind
                );
            }
            Output::Established { conn, negotiated } => {
                let c = m.conns.get(conn);
                prop_assert!(
                    c.is_some_and(|c| c.open_sent && c.open_received && c.keepalive_after_open),
                    "Established on {} without OPEN sent+received and KEEPALIVE: {:?}",
                    conn,
                    c
                );
                prop_assert_eq!(negotiated.keepalive, negotiated.hold_time / 3);
                prop_assert!(!matches!(negotiated.hold_time, 1 | 2));
                prop_assert_eq!(s.established_conn(), Some(*conn));
            }
            Output::SessionDown { .. } => {
                prop_assert_eq!(before, State::Established);
                m.downs += 1;
            }
            Output::StateChanged { from, to } => {
                changes += 1;
                prop_assert_eq!(*from, before);
                prop_assert_eq!(*to, s.state());
                let last = matches!(out.last(), Some(Output::StateChanged { .. }));
                prop_assert!(last, "the state change comes last");
            }
        }
    }
    if let Input::TcpConnectionAcknowledged(id) = input {
        // A refused connection was closed in the outputs; an ignored duplicate stays as it was.
        if !s.connections().contains(id) {
            m.live.remove(id);
        }
    }
    let state = s.state();
    prop_assert_eq!(changes, usize::from(state != before));
    prop_assert_eq!(
        s.record().flaps,
        m.downs,
        "flaps = Established sessions lost"
    );

    // The driver's view of connections and timers is the machine's.
    let live: Vec<ConnId> = m.live.iter().copied().collect();
    let mut held = s.connections();
    held.sort();
    prop_assert_eq!(&held, &live, "connections");
    let timers: Vec<TimerKind> = m.timers.iter().copied().collect();
    prop_assert_eq!(s.running_timers(), timers, "timers");

    // Connections per state.
    match state {
        State::Idle | State::Active => prop_assert!(live.is_empty()),
        State::Connect => prop_assert!(!m.connecting.is_empty()),
        State::OpenSent => prop_assert!(live.len() <= 2),
        State::OpenConfirm | State::Established => prop_assert_eq!(live.len(), 1),
    }
    prop_assert!(
        live.iter()
            .filter(|c| c.initiator == Initiator::Outgoing)
            .count()
            <= 1
    );
    prop_assert!(
        live.iter()
            .filter(|c| c.initiator == Initiator::Incoming)
            .count()
            <= 1
    );
    prop_assert_eq!(state == State::Established, s.established_conn().is_some());

    // Timers per state.
    let on = |k| m.timers.contains(&k);
    use State::*;
    if on(TimerKind::Keepalive) {
        prop_assert!(matches!(state, OpenConfirm | Established));
    }
    if on(TimerKind::Hold) {
        prop_assert!(matches!(state, OpenSent | OpenConfirm | Established));
    }
    if on(TimerKind::IdleHold) {
        prop_assert_eq!(state, Idle);
    }
    if on(TimerKind::ConnectRetry) {
        prop_assert!(matches!(state, Connect | Active | OpenSent) && !m.passive);
    }
    // Every pending connect is bounded by ConnectRetry; Active retries unless passive.
    if !m.connecting.is_empty() || (state == Active && !m.passive) {
        prop_assert!(
            on(TimerKind::ConnectRetry),
            "connect without a timer in {:?}",
            state
        );
    }
    if state == OpenSent {
        prop_assert!(on(TimerKind::Hold), "OpenSent without its hold timer");
    }
    if matches!(state, OpenConfirm | Established) {
        let n = s.negotiated().expect("negotiated");
        prop_assert_eq!(on(TimerKind::Keepalive), n.keepalive > 0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_inputs_keep_the_invariants(
        passive in any::<bool>(),
        hold_time in prop_oneof![Just(0u16), Just(3), Just(90)],
        peer_id in prop_oneof![
            Just(Ipv4Addr::new(10, 0, 0, 1)),
            Just(Ipv4Addr::new(10, 0, 0, 9)),
            Just(LOCAL_ID),
        ],
        actions in proptest::collection::vec(action(), 1..80),
    ) {
        let mut config =
            SessionConfig::new(65000, LOCAL_ID, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 64512);
        config.passive = passive;
        config.hold_time = hold_time;
        let mut s = Session::new(config).expect("valid");
        let mut m = Model {
            passive,
            peer_id,
            outgoing: Vec::new(),
            all: Vec::new(),
            live: BTreeSet::new(),
            connecting: BTreeSet::new(),
            timers: BTreeSet::new(),
            conns: BTreeMap::new(),
            next_incoming: 0,
            downs: 0,
        };
        for a in &actions {
            let before = s.state();
            let live_before = m.live.clone();
            let input = m.input(a);
            let out = s.handle(input.clone());
            check_step(&s, &mut m, before, &live_before, &input, &out)
                .map_err(|e| TestCaseError::fail(format!("{e} after {a:?} → {out:?}")))?;
        }
    }
}
