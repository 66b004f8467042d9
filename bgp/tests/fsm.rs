//! The session state machine, driven synchronously: each step is an input, the outputs it must
//! produce (exactly, in order) and the state it must leave the session in.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use lsys_bgp::fsm::{
    Capabilities, Cease, ConnId, DownReason, Event, Family, IdleAfterStop, Input, Notification,
    Output, PeerOpen, PeerType, Session, SessionConfig, State, TimerKind,
};
use Output::{
    CloseConnection as Close, SendKeepalive as Ka, StartTimer as Start, StopTimer as Stop,
};
use State::*;
use TimerKind::{ConnectRetry as Cr, Hold, IdleHold, Keepalive as KaT};

const LOW: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const HIGH: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const O1: ConnId = ConnId::outgoing(1);
const O2: ConnId = ConnId::outgoing(2);
const O3: ConnId = ConnId::outgoing(3);
const I1: ConnId = ConnId::incoming(1);
const I2: ConnId = ConnId::incoming(2);

fn config(local_id: Ipv4Addr) -> SessionConfig {
    SessionConfig::new(
        65000,
        local_id,
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)),
        64512,
    )
}

fn session(config: SessionConfig) -> Session {
    Session::new(config).expect("valid config")
}

/// The OPEN AWS would send: AS 64512, hold 90, IPv4 unicast, route refresh, 4-octet AS.
fn peer_open(peer_id: Ipv4Addr) -> PeerOpen {
    PeerOpen {
        version: 4,
        my_as: 64512,
        hold_time: 90,
        bgp_id: peer_id,
        capabilities: Capabilities {
            families: vec![Family::IPV4_UNICAST],
            route_refresh: true,
            enhanced_route_refresh: false,
            four_octet_as: Some(64512),
            graceful_restart: false,
        },
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn changed(from: State, to: State) -> Output {
    Output::StateChanged { from, to }
}

fn notify(conn: ConnId, notification: Notification) -> Output {
    Output::SendNotification { conn, notification }
}

fn open(conn: ConnId, peer: PeerOpen) -> Input {
    Input::OpenReceived { conn, open: peer }
}

fn cease(c: Cease) -> Notification {
    Notification::cease(c)
}

/// Runs `steps` and checks every output list and resulting state.
fn run(s: &mut Session, steps: Vec<(Input, Vec<Output>, State)>) {
    for (i, (input, want, state)) in steps.into_iter().enumerate() {
        let shown = format!("{input:?}");
        let got = s.handle(input);
        assert_eq!(got, want, "step {i}: {shown}");
        assert_eq!(s.state(), state, "step {i}: {shown}");
    }
}

/// From Idle to Established on the first outgoing connection (O1).
fn to_established(s: &mut Session, peer: PeerOpen) {
    let sent_open = Output::SendOpen {
        conn: O1,
        open: s.local_open().clone(),
    };
    let negotiated = {
        let hold = s.config().hold_time.min(peer.hold_time);
        (hold, hold / 3)
    };
    s.handle(Input::ManualStart);
    assert_eq!(
        s.handle(Input::TcpConnectionConfirmed(O1)),
        vec![
            sent_open,
            Start(Hold, secs(240)),
            Stop(Cr),
            changed(Connect, OpenSent)
        ]
    );
    s.handle(open(O1, peer));
    let out = s.handle(Input::KeepaliveReceived(O1));
    assert!(matches!(
        out.as_slice(),
        [.., Output::Established { conn: O1, .. }, _]
    ));
    assert_eq!(s.state(), Established);
    let n = s.negotiated().expect("negotiated");
    assert_eq!((n.hold_time, n.keepalive), negotiated);
}

#[test]
fn active_open_reaches_established_and_runs_timers() {
    let mut s = session(config(LOW));
    let local = s.local_open().clone();
    assert_eq!(local.my_as, 65000);
    assert_eq!(local.capabilities.four_octet_as, Some(65000));
    let negotiated = lsys_bgp::fsm::Negotiated {
        hold_time: 90,
        keepalive: 30,
        peer_as: 64512,
        peer_bgp_id: HIGH,
        four_octet_as: true,
        families: vec![Family::IPV4_UNICAST],
        route_refresh: true,
        enhanced_route_refresh: false,
        peer_graceful_restart: false,
    };
    run(
        &mut s,
        vec![
            (
                Input::ManualStart,
                vec![
                    Output::Connect(O1),
                    Start(Cr, secs(120)),
                    changed(Idle, Connect),
                ],
                Connect,
            ),
            (
                Input::TcpConnectionConfirmed(O1),
                vec![
                    Output::SendOpen {
                        conn: O1,
                        open: local,
                    },
                    Start(Hold, secs(240)),
                    Stop(Cr),
                    changed(Connect, OpenSent),
                ],
                OpenSent,
            ),
            (
                open(O1, peer_open(HIGH)),
                vec![
                    Ka(O1),
                    Start(KaT, secs(30)),
                    Start(Hold, secs(90)),
                    changed(OpenSent, OpenConfirm),
                ],
                OpenConfirm,
            ),
            (
                Input::KeepaliveReceived(O1),
                vec![
                    Start(Hold, secs(90)),
                    Output::Established {
                        conn: O1,
                        negotiated,
                    },
                    changed(OpenConfirm, Established),
                ],
                Established,
            ),
            (
                Input::TimerExpired(KaT),
                vec![Ka(O1), Start(KaT, secs(30))],
                Established,
            ),
            (
                Input::KeepaliveReceived(O1),
                vec![Start(Hold, secs(90))],
                Established,
            ),
            (
                Input::UpdateReceived(O1),
                vec![Start(Hold, secs(90))],
                Established,
            ),
            (
                Input::RouteRefreshReceived(O1),
                vec![Start(Hold, secs(90))],
                Established,
            ),
        ],
    );
    assert_eq!(s.established_conn(), Some(O1));
    assert_eq!(s.connections(), vec![O1]);
    assert_eq!(s.running_timers(), vec![Hold, KaT]);
}

#[test]
fn passive_open_waits_for_the_peer() {
    let mut c = config(LOW);
    c.passive = true;
    let mut s = session(c);
    let local = s.local_open().clone();
    run(
        &mut s,
        vec![
            (Input::ManualStart, vec![changed(Idle, Active)], Active),
            (
                Input::TcpConnectionAcknowledged(I1),
                vec![
                    Output::SendOpen {
                        conn: I1,
                        open: local,
                    },
                    Start(Hold, secs(240)),
                    changed(Active, OpenSent),
                ],
                OpenSent,
            ),
            (
                open(I1, peer_open(HIGH)),
                vec![
                    Ka(I1),
                    Start(KaT, secs(30)),
                    Start(Hold, secs(90)),
                    changed(OpenSent, OpenConfirm),
                ],
                OpenConfirm,
            ),
        ],
    );
    let out = s.handle(Input::KeepaliveReceived(I1));
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::Established { conn: I1, .. })));
    // A passive session that loses its connection in OpenSent listens again, without ConnectRetry.
    let mut s = session({
        let mut c = config(LOW);
        c.passive = true;
        c
    });
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionAcknowledged(I1));
    assert_eq!(
        s.handle(Input::TcpConnectionFails(I1)),
        vec![Stop(Hold), changed(OpenSent, Active)]
    );
    assert_eq!(s.running_timers(), vec![]);
}

#[test]
fn hold_time_negotiation() {
    // (ours, theirs) → (hold, keepalive)
    for (ours, theirs, hold, keepalive) in [
        (90, 30, 30, 10),
        (90, 180, 90, 30),
        (3, 90, 3, 1),
        (0, 90, 0, 0),
        (90, 0, 0, 0),
    ] {
        let mut c = config(LOW);
        c.hold_time = ours;
        let mut s = session(c);
        s.handle(Input::ManualStart);
        s.handle(Input::TcpConnectionConfirmed(O1));
        let mut peer = peer_open(HIGH);
        peer.hold_time = theirs;
        let got = s.handle(open(O1, peer));
        let want = if hold == 0 {
            vec![Ka(O1), Stop(Hold), changed(OpenSent, OpenConfirm)]
        } else {
            vec![
                Ka(O1),
                Start(KaT, secs(keepalive)),
                Start(Hold, secs(hold)),
                changed(OpenSent, OpenConfirm),
            ]
        };
        assert_eq!(got, want, "ours {ours} theirs {theirs}");
        let got = s.handle(Input::KeepaliveReceived(O1));
        assert_eq!(
            got.iter().any(|o| matches!(o, Start(Hold, _))),
            hold > 0,
            "ours {ours} theirs {theirs}: {got:?}"
        );
        let n = s.negotiated().unwrap();
        assert_eq!(
            (u64::from(n.hold_time), u64::from(n.keepalive)),
            (hold, keepalive)
        );
        if hold == 0 {
            assert_eq!(s.running_timers(), vec![], "no hold timer, no keepalives");
        }
    }
}

#[test]
fn open_checks_reject_with_the_rfc_notification() {
    type Mutate = fn(&mut PeerOpen);
    let cases: Vec<(&str, Mutate, Notification)> = vec![
        (
            "version 3",
            |o| o.version = 3,
            Notification::new(2, 1, vec![0, 4]),
        ),
        (
            "wrong AS",
            |o| o.capabilities.four_octet_as = Some(64513),
            Notification::new(2, 2, vec![]),
        ),
        (
            "2-octet AS mismatch",
            |o| {
                o.capabilities.four_octet_as = None;
                o.my_as = 7224;
            },
            Notification::new(2, 2, vec![]),
        ),
        (
            "BGP id 0",
            |o| o.bgp_id = Ipv4Addr::UNSPECIFIED,
            Notification::new(2, 3, vec![]),
        ),
        (
            "hold 1",
            |o| o.hold_time = 1,
            Notification::new(2, 6, vec![]),
        ),
        (
            "hold 2",
            |o| o.hold_time = 2,
            Notification::new(2, 6, vec![]),
        ),
        (
            "no common family",
            |o| o.capabilities.families = vec![Family::IPV6_UNICAST],
            Notification::new(2, 7, vec![]),
        ),
    ];
    for (what, mutate, want) in cases {
        let mut s = session(config(LOW));
        s.handle(Input::ManualStart);
        s.handle(Input::TcpConnectionConfirmed(O1));
        let mut peer = peer_open(HIGH);
        mutate(&mut peer);
        assert_eq!(
            s.handle(open(O1, peer)),
            vec![
                notify(O1, want.clone()),
                Close(O1),
                Stop(Hold),
                Start(IdleHold, secs(1)),
                changed(OpenSent, Idle)
            ],
            "{what}"
        );
        let last = s.record().last_error.clone().expect("last error");
        assert_eq!(last.notification, want, "{what}");
        assert_eq!(s.record().last_event, Some(Event::RecvOpen));
    }
}

#[test]
fn bgp_identifier_equal_to_ours_is_bad_only_for_internal_peers() {
    let mut c = config(LOW);
    c.peer_as = 65000;
    c.peer_type = PeerType::Internal;
    let mut s = session(c);
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionConfirmed(O1));
    let mut peer = peer_open(LOW);
    peer.capabilities.four_octet_as = Some(65000);
    let out = s.handle(open(O1, peer));
    assert_eq!(out[0], notify(O1, Notification::new(2, 3, vec![])));

    let mut s = session(config(LOW));
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionConfirmed(O1));
    s.handle(open(O1, peer_open(LOW)));
    assert_eq!(
        s.state(),
        OpenConfirm,
        "eBGP may share the identifier (RFC 6286)"
    );
}

#[test]
fn hold_timer_expiry_in_open_sent_and_established() {
    let mut s = session(config(LOW));
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionConfirmed(O1));
    assert_eq!(
        s.handle(Input::TimerExpired(Hold)),
        vec![
            notify(O1, Notification::new(4, 0, vec![])),
            Close(O1),
            Start(IdleHold, secs(1)),
            changed(OpenSent, Idle)
        ]
    );

    let mut s = session(config(LOW));
    to_established(&mut s, peer_open(HIGH));
    let hte = Notification::hold_timer_expired();
    run(
        &mut s,
        vec![(
            Input::TimerExpired(Hold),
            vec![
                notify(O1, hte.clone()),
                Close(O1),
                Output::SessionDown {
                    reason: DownReason::Sent(hte.clone()),
                },
                Stop(KaT),
                Start(IdleHold, secs(1)),
                changed(Established, Idle),
            ],
            Idle,
        )],
    );
    assert_eq!(s.record().last_event, Some(Event::HoldTime));
    assert_eq!(s.record().flaps, 1);
    // The automatic restart.
    run(
        &mut s,
        vec![(
            Input::TimerExpired(IdleHold),
            vec![
                Output::Connect(O2),
                Start(Cr, secs(120)),
                changed(Idle, Connect),
            ],
            Connect,
        )],
    );
    assert_eq!(s.record().last_event, Some(Event::Start));
}

#[test]
fn notification_received_drops_the_session() {
    let mut s = session(config(LOW));
    to_established(&mut s, peer_open(HIGH));
    let n = Notification::new(6, 2, b"\x05maint".to_vec());
    run(
        &mut s,
        vec![(
            Input::NotificationReceived {
                conn: O1,
                notification: n.clone(),
            },
            vec![
                Close(O1),
                Output::SessionDown {
                    reason: DownReason::Received(n.clone()),
                },
                Stop(Hold),
                Stop(KaT),
                Start(IdleHold, secs(1)),
                changed(Established, Idle),
            ],
            Idle,
        )],
    );
    let r = s.record();
    assert_eq!(r.last_event, Some(Event::RecvNotify));
    assert_eq!(r.last_state, Established);
    let last = r.last_error.clone().unwrap();
    assert_eq!(last.direction, lsys_bgp::fsm::Direction::Received);
    assert_eq!(last.notification.code_name(), "Cease");
    assert_eq!(r.errors[&6].received, 1);
}

#[test]
fn unexpected_messages_are_fsm_errors_with_the_state_subcode() {
    type Setup = fn(&mut Session);
    fn open_sent(s: &mut Session) {
        s.handle(Input::ManualStart);
        s.handle(Input::TcpConnectionConfirmed(O1));
    }
    fn open_confirm(s: &mut Session) {
        open_sent(s);
        s.handle(open(O1, peer_open(HIGH)));
    }
    fn established(s: &mut Session) {
        open_confirm(s);
        s.handle(Input::KeepaliveReceived(O1));
    }
    let cases: Vec<(State, Setup, Input, u8)> = vec![
        (
            OpenSent,
            open_sent as Setup,
            Input::KeepaliveReceived(O1),
            1,
        ),
        (OpenSent, open_sent, Input::UpdateReceived(O1), 1),
        (OpenSent, open_sent, Input::RouteRefreshReceived(O1), 1),
        (OpenConfirm, open_confirm, open(O1, peer_open(HIGH)), 2),
        (OpenConfirm, open_confirm, Input::UpdateReceived(O1), 2),
        (
            OpenConfirm,
            open_confirm,
            Input::RouteRefreshReceived(O1),
            2,
        ),
        (Established, established, open(O1, peer_open(HIGH)), 3),
    ];
    for (state, setup, input, subcode) in cases {
        let mut s = session(config(LOW));
        setup(&mut s);
        assert_eq!(s.state(), state);
        let shown = format!("{input:?} in {state}");
        let out = s.handle(input);
        assert_eq!(
            out[0],
            notify(O1, Notification::new(5, subcode, vec![])),
            "{shown}"
        );
        assert_eq!(out[1], Close(O1), "{shown}");
        assert_eq!(out.last(), Some(&changed(state, Idle)), "{shown}");
        assert_eq!(
            out.iter().any(|o| matches!(o, Output::SessionDown { .. })),
            state == Established,
            "{shown}"
        );
        assert!(s.timer_running(IdleHold), "{shown}");
    }
}

#[test]
fn connect_failure_and_connect_retry() {
    let mut s = session(config(LOW));
    let local = s.local_open().clone();
    run(
        &mut s,
        vec![
            (
                Input::ManualStart,
                vec![
                    Output::Connect(O1),
                    Start(Cr, secs(120)),
                    changed(Idle, Connect),
                ],
                Connect,
            ),
            // Refused: wait in Active for the running ConnectRetry (or the peer's connection).
            (
                Input::TcpConnectionFails(O1),
                vec![changed(Connect, Active)],
                Active,
            ),
            (
                Input::TimerExpired(Cr),
                vec![
                    Output::Connect(O2),
                    Start(Cr, secs(120)),
                    changed(Active, Connect),
                ],
                Connect,
            ),
            // No answer at all: abort and try again.
            (
                Input::TimerExpired(Cr),
                vec![Close(O2), Output::Connect(O3), Start(Cr, secs(120))],
                Connect,
            ),
            // The abandoned attempt completes late: close it.
            (Input::TcpConnectionConfirmed(O2), vec![Close(O2)], Connect),
            (Input::TcpConnectionFails(O2), vec![], Connect),
            (
                Input::TcpConnectionConfirmed(O3),
                vec![
                    Output::SendOpen {
                        conn: O3,
                        open: local,
                    },
                    Start(Hold, secs(240)),
                    Stop(Cr),
                    changed(Connect, OpenSent),
                ],
                OpenSent,
            ),
            // The peer closes before its OPEN: back to Active, ConnectRetry restarted.
            (
                Input::TcpConnectionFails(O3),
                vec![Stop(Hold), Start(Cr, secs(120)), changed(OpenSent, Active)],
                Active,
            ),
        ],
    );
    assert_eq!(s.record().last_event, Some(Event::Closed));
    assert_eq!(s.record().flaps, 0);
}

#[test]
fn tcp_loss_after_open_confirm_goes_idle() {
    let mut s = session(config(LOW));
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionConfirmed(O1));
    s.handle(open(O1, peer_open(HIGH)));
    assert_eq!(
        s.handle(Input::TcpConnectionFails(O1)),
        vec![
            Stop(Hold),
            Stop(KaT),
            Start(IdleHold, secs(1)),
            changed(OpenConfirm, Idle)
        ]
    );
    let mut s = session(config(LOW));
    to_established(&mut s, peer_open(HIGH));
    let out = s.handle(Input::TcpConnectionFails(O1));
    assert_eq!(
        out[0],
        Output::SessionDown {
            reason: DownReason::ConnectionClosed
        }
    );
    assert_eq!(s.record().flaps, 1);
}

/// Both sides connect at once; we reach OpenSent on both connections first.
fn both_open_sent(local_id: Ipv4Addr) -> Session {
    let mut s = session(config(local_id));
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionConfirmed(O1));
    let local = s.local_open().clone();
    assert_eq!(
        s.handle(Input::TcpConnectionAcknowledged(I1)),
        vec![
            Output::SendOpen {
                conn: I1,
                open: local
            },
            Start(Hold, secs(240))
        ]
    );
    assert_eq!(s.connections(), vec![O1, I1]);
    s
}

#[test]
fn collision_higher_local_id_keeps_our_connection() {
    let collision = cease(Cease::ConnectionCollision);
    // The peer's OPEN arrives on its own connection first: that one loses.
    let mut s = both_open_sent(HIGH);
    run(
        &mut s,
        vec![
            (
                open(I1, peer_open(LOW)),
                vec![notify(I1, collision.clone()), Close(I1)],
                OpenSent,
            ),
            (
                open(O1, peer_open(LOW)),
                vec![
                    Ka(O1),
                    Start(KaT, secs(30)),
                    Start(Hold, secs(90)),
                    changed(OpenSent, OpenConfirm),
                ],
                OpenConfirm,
            ),
        ],
    );
    // The OPEN arrives on our connection first: the peer's connection goes.
    let mut s = both_open_sent(HIGH);
    run(
        &mut s,
        vec![(
            open(O1, peer_open(LOW)),
            vec![
                notify(I1, collision.clone()),
                Close(I1),
                Ka(O1),
                Start(KaT, secs(30)),
                Start(Hold, secs(90)),
                changed(OpenSent, OpenConfirm),
            ],
            OpenConfirm,
        )],
    );
    assert_eq!(s.connections(), vec![O1]);
    assert_eq!(
        s.record().last_error,
        None,
        "collision resolution is not an error"
    );
    assert_eq!(s.record().errors[&6].sent, 1);
}

#[test]
fn collision_lower_local_id_keeps_the_peer_connection() {
    let collision = cease(Cease::ConnectionCollision);
    let mut s = both_open_sent(LOW);
    run(
        &mut s,
        vec![
            (
                open(O1, peer_open(HIGH)),
                vec![notify(O1, collision.clone()), Close(O1)],
                OpenSent,
            ),
            (
                open(I1, peer_open(HIGH)),
                vec![
                    Ka(I1),
                    Start(KaT, secs(30)),
                    Start(Hold, secs(90)),
                    changed(OpenSent, OpenConfirm),
                ],
                OpenConfirm,
            ),
        ],
    );
    let mut s = both_open_sent(LOW);
    run(
        &mut s,
        vec![(
            open(I1, peer_open(HIGH)),
            vec![
                notify(O1, collision),
                Close(O1),
                Ka(I1),
                Start(KaT, secs(30)),
                Start(Hold, secs(90)),
                changed(OpenSent, OpenConfirm),
            ],
            OpenConfirm,
        )],
    );
    assert_eq!(s.connections(), vec![I1]);
}

#[test]
fn collision_in_open_confirm_is_settled_at_accept_time() {
    let collision = cease(Cease::ConnectionCollision);
    // We have the higher id and our connection is in OpenConfirm: the peer's is turned away.
    let mut s = session(config(HIGH));
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionConfirmed(O1));
    s.handle(open(O1, peer_open(LOW)));
    run(
        &mut s,
        vec![(
            Input::TcpConnectionAcknowledged(I1),
            vec![notify(I1, collision.clone()), Close(I1)],
            OpenConfirm,
        )],
    );
    // We have the lower id: the peer's new connection wins over ours.
    let mut s = session(config(LOW));
    let local = s.local_open().clone();
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionConfirmed(O1));
    s.handle(open(O1, peer_open(HIGH)));
    run(
        &mut s,
        vec![(
            Input::TcpConnectionAcknowledged(I1),
            vec![
                notify(O1, collision.clone()),
                Close(O1),
                Output::SendOpen {
                    conn: I1,
                    open: local,
                },
                Start(Hold, secs(240)),
                Stop(KaT),
                changed(OpenConfirm, OpenSent),
            ],
            OpenSent,
        )],
    );
    // The peer's own connection is in OpenConfirm: a second one from it is turned away.
    let mut c = config(LOW);
    c.passive = true;
    let mut s = session(c);
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionAcknowledged(I1));
    s.handle(open(I1, peer_open(HIGH)));
    assert_eq!(
        s.handle(Input::TcpConnectionAcknowledged(I2)),
        vec![notify(I2, collision), Close(I2)]
    );
}

#[test]
fn pending_connect_is_abandoned_when_another_connection_reaches_open_confirm() {
    let mut s = session(config(HIGH));
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionAcknowledged(I1));
    assert_eq!(s.state(), OpenSent);
    assert!(s.timer_running(Cr), "our connect is still under way");
    assert_eq!(
        s.handle(open(I1, peer_open(LOW))),
        vec![
            Close(O1),
            Ka(I1),
            Start(KaT, secs(30)),
            Start(Hold, secs(90)),
            Stop(Cr),
            changed(OpenSent, OpenConfirm)
        ]
    );
}

#[test]
fn peer_resolving_the_collision_leaves_the_other_connection() {
    let mut s = both_open_sent(LOW);
    let collision = cease(Cease::ConnectionCollision);
    run(
        &mut s,
        vec![(
            Input::NotificationReceived {
                conn: O1,
                notification: collision.clone(),
            },
            vec![Close(O1)],
            OpenSent,
        )],
    );
    assert_eq!(s.connections(), vec![I1]);
    // If it was the only connection left, stay Active so the peer's connection is accepted.
    let mut s = session(config(LOW));
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionConfirmed(O1));
    assert_eq!(
        s.handle(Input::NotificationReceived {
            conn: O1,
            notification: collision
        }),
        vec![
            Close(O1),
            Stop(Hold),
            Start(Cr, secs(120)),
            changed(OpenSent, Active)
        ]
    );
}

#[test]
fn a_second_incoming_connection_replaces_the_first_before_open() {
    let mut c = config(LOW);
    c.passive = true;
    let mut s = session(c);
    let local = s.local_open().clone();
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionAcknowledged(I1));
    assert_eq!(
        s.handle(Input::TcpConnectionAcknowledged(I2)),
        vec![
            notify(I1, cease(Cease::ConnectionCollision)),
            Close(I1),
            Output::SendOpen {
                conn: I2,
                open: local
            },
            Start(Hold, secs(240)),
        ]
    );
    assert_eq!(s.connections(), vec![I2]);
}

#[test]
fn incoming_refused_while_established_or_idle() {
    let rejected = cease(Cease::ConnectionRejected);
    let mut s = session(config(LOW));
    run(
        &mut s,
        vec![(
            Input::TcpConnectionAcknowledged(I1),
            vec![notify(I1, rejected.clone()), Close(I1)],
            Idle,
        )],
    );
    to_established(&mut s, peer_open(HIGH));
    let event = s.record().last_event;
    run(
        &mut s,
        vec![(
            Input::TcpConnectionAcknowledged(I2),
            vec![notify(I2, rejected), Close(I2)],
            Established,
        )],
    );
    assert_eq!(
        s.record().last_event,
        event,
        "a refusal is not a session event"
    );
    assert_eq!(s.record().last_error, None);
    assert_eq!(s.established_conn(), Some(O1));
}

#[test]
fn manual_stop_sends_cease_with_the_given_subcode() {
    for (c, subcode) in [
        (Cease::AdminShutdown, 2),
        (Cease::PeerDeconfigured, 3),
        (Cease::AdminReset, 4),
        (Cease::OtherConfigChange, 6),
    ] {
        let mut s = session(config(LOW));
        to_established(&mut s, peer_open(HIGH));
        let n = Notification::new(6, subcode, vec![]);
        run(
            &mut s,
            vec![
                (
                    Input::ManualStop(c),
                    vec![
                        notify(O1, n.clone()),
                        Close(O1),
                        Output::SessionDown {
                            reason: DownReason::Sent(n.clone()),
                        },
                        Stop(Hold),
                        Stop(KaT),
                        changed(Established, Idle),
                    ],
                    Idle,
                ),
                // Stopped: no automatic restart, even from a stale timer.
                (Input::TimerExpired(IdleHold), vec![], Idle),
            ],
        );
        assert_eq!(s.record().last_event, Some(Event::Stop));
        assert_eq!(s.record().last_error.as_ref().unwrap().notification, n);
        assert_eq!(s.record().flaps, 1);
    }
    // Before any BGP conversation there is nobody to tell.
    let mut s = session(config(LOW));
    s.handle(Input::ManualStart);
    assert_eq!(
        s.handle(Input::ManualStop(Cease::AdminShutdown)),
        vec![Close(O1), Stop(Cr), changed(Connect, Idle)]
    );
    // A stop while waiting to restart cancels the restart.
    let mut s = session(config(LOW));
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionConfirmed(O1));
    s.handle(Input::TimerExpired(Hold));
    assert!(s.timer_running(IdleHold));
    assert_eq!(
        s.handle(Input::ManualStop(Cease::AdminShutdown)),
        vec![Stop(IdleHold)]
    );
}

#[test]
fn automatic_stop_for_max_prefixes_then_restart_after_idle_timeout() {
    let mut s = session(config(LOW));
    to_established(&mut s, peer_open(HIGH));
    let n = Notification::max_prefixes(Family::IPV4_UNICAST, 100);
    assert_eq!(n.data, vec![0, 1, 1, 0, 0, 0, 100]);
    run(
        &mut s,
        vec![
            (
                Input::AutomaticStop {
                    notification: n.clone(),
                    idle: IdleAfterStop::For(secs(600)),
                },
                vec![
                    notify(O1, n.clone()),
                    Close(O1),
                    Output::SessionDown {
                        reason: DownReason::Sent(n.clone()),
                    },
                    Stop(Hold),
                    Stop(KaT),
                    Start(IdleHold, secs(600)),
                    changed(Established, Idle),
                ],
                Idle,
            ),
            (
                Input::TcpConnectionAcknowledged(I1),
                vec![notify(I1, cease(Cease::ConnectionRejected)), Close(I1)],
                Idle,
            ),
            (
                Input::TimerExpired(IdleHold),
                vec![
                    Output::Connect(O2),
                    Start(Cr, secs(120)),
                    changed(Idle, Connect),
                ],
                Connect,
            ),
        ],
    );
    assert_eq!(s.record().last_error.as_ref().unwrap().notification, n);
}

#[test]
fn automatic_stop_forever_stays_idle_until_manual_start() {
    let mut s = session(config(LOW));
    to_established(&mut s, peer_open(HIGH));
    let n = Notification::max_prefixes(Family::IPV4_UNICAST, 100);
    let out = s.handle(Input::AutomaticStop {
        notification: n,
        idle: IdleAfterStop::Forever,
    });
    assert!(!out.iter().any(|o| matches!(o, Start(..))), "{out:?}");
    run(
        &mut s,
        vec![
            (Input::TimerExpired(IdleHold), vec![], Idle),
            (
                Input::ManualStart,
                vec![
                    Output::Connect(O2),
                    Start(Cr, secs(120)),
                    changed(Idle, Connect),
                ],
                Connect,
            ),
        ],
    );
    // An automatic stop in Idle is a stale report.
    let mut s = session(config(LOW));
    assert_eq!(
        s.handle(Input::AutomaticStop {
            notification: cease(Cease::MaxPrefixes),
            idle: IdleAfterStop::Forever
        }),
        vec![]
    );
}

/// One failed attempt: connect, bad OPEN, back to Idle. Returns the IdleHold delay.
fn failed_attempt(s: &mut Session, start: Input) -> Duration {
    let out = s.handle(start);
    let Some(Output::Connect(id)) = out.first().cloned() else {
        panic!("no connect: {out:?}");
    };
    s.handle(Input::TcpConnectionConfirmed(id));
    let mut bad = peer_open(HIGH);
    bad.version = 3;
    let out = s.handle(open(id, bad));
    out.iter()
        .find_map(|o| match o {
            Start(IdleHold, d) => Some(*d),
            _ => None,
        })
        .expect("restart scheduled")
}

#[test]
fn restart_backoff_doubles_to_the_cap_and_resets() {
    let mut s = session(config(LOW));
    let mut delays = vec![failed_attempt(&mut s, Input::ManualStart).as_secs()];
    for _ in 0..9 {
        delays.push(failed_attempt(&mut s, Input::TimerExpired(IdleHold)).as_secs());
    }
    assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 120, 120, 120]);

    // A session that stays up for one hold time (three keepalive intervals) resets it.
    s.handle(Input::TimerExpired(IdleHold));
    let id = s.connections()[0];
    s.handle(Input::TcpConnectionConfirmed(id));
    s.handle(open(id, peer_open(HIGH)));
    s.handle(Input::KeepaliveReceived(id));
    for _ in 0..2 {
        s.handle(Input::TimerExpired(KaT));
    }
    let out = s.handle(Input::TcpConnectionFails(id));
    assert!(
        out.contains(&Start(IdleHold, secs(120))),
        "not stable yet: {out:?}"
    );
    s.handle(Input::TimerExpired(IdleHold));
    let id = s.connections()[0];
    s.handle(Input::TcpConnectionConfirmed(id));
    s.handle(open(id, peer_open(HIGH)));
    s.handle(Input::KeepaliveReceived(id));
    for _ in 0..3 {
        s.handle(Input::TimerExpired(KaT));
    }
    let out = s.handle(Input::TcpConnectionFails(id));
    assert!(out.contains(&Start(IdleHold, secs(1))), "{out:?}");

    // ManualStart starts over too.
    let mut s = session(config(LOW));
    failed_attempt(&mut s, Input::ManualStart);
    failed_attempt(&mut s, Input::TimerExpired(IdleHold));
    s.handle(Input::ManualStop(Cease::AdminReset));
    assert_eq!(failed_attempt(&mut s, Input::ManualStart), secs(1));
}

#[test]
fn custom_backoff_range() {
    let mut c = config(LOW);
    c.idle_hold_min = secs(5);
    c.idle_hold_max = secs(12);
    c.connect_retry = secs(30);
    let mut s = session(c);
    let out = s.handle(Input::ManualStart);
    assert_eq!(out[1], Start(Cr, secs(30)));
    let mut delays = vec![];
    s.handle(Input::ManualStop(Cease::AdminShutdown));
    delays.push(failed_attempt(&mut s, Input::ManualStart).as_secs());
    for _ in 0..3 {
        delays.push(failed_attempt(&mut s, Input::TimerExpired(IdleHold)).as_secs());
    }
    assert_eq!(delays, [5, 10, 12, 12]);
}

#[test]
fn flaps_count_only_established_sessions_going_down() {
    let mut s = session(config(LOW));
    failed_attempt(&mut s, Input::ManualStart);
    assert_eq!(s.record().flaps, 0);
    s.handle(Input::ManualStop(Cease::AdminReset));
    for round in 1..=3u64 {
        to_established_from_idle(&mut s);
        s.handle(Input::ManualStop(Cease::AdminReset));
        assert_eq!(s.record().flaps, round);
    }
}

fn to_established_from_idle(s: &mut Session) {
    let out = s.handle(Input::ManualStart);
    let Some(Output::Connect(id)) = out.first().cloned() else {
        panic!("{out:?}")
    };
    s.handle(Input::TcpConnectionConfirmed(id));
    s.handle(open(id, peer_open(HIGH)));
    s.handle(Input::KeepaliveReceived(id));
    assert_eq!(s.state(), Established);
}

#[test]
fn record_tracks_events_errors_and_counters() {
    let mut s = session(config(LOW));
    assert_eq!(s.record().last_event, None);
    let steps: Vec<(Input, Event, State)> = vec![
        (Input::ManualStart, Event::Start, Idle),
        (Input::TcpConnectionConfirmed(O1), Event::Open, Connect),
        (open(O1, peer_open(HIGH)), Event::RecvOpen, OpenSent),
        (
            Input::KeepaliveReceived(O1),
            Event::RecvKeepAlive,
            OpenConfirm,
        ),
        (Input::UpdateReceived(O1), Event::RecvUpdate, OpenConfirm),
        (
            Input::RouteRefreshReceived(O1),
            Event::RecvRefresh,
            OpenConfirm,
        ),
        (Input::TimerExpired(KaT), Event::KeepAlive, OpenConfirm),
        (Input::TimerExpired(Hold), Event::HoldTime, Established),
    ];
    for (input, event, last_state) in steps {
        let shown = format!("{input:?}");
        s.handle(input);
        assert_eq!(s.record().last_event, Some(event), "{shown}");
        assert_eq!(
            s.record().last_event.unwrap().junos_name(),
            event.to_string()
        );
        assert_eq!(s.record().last_state, last_state, "{shown}");
    }
    s.count_sent(lsys_bgp::fsm::MessageKind::Update);
    let r = s.record();
    assert_eq!(r.received.open, 1);
    assert_eq!(r.received.keepalive, 1);
    assert_eq!(r.received.update, 1);
    assert_eq!(r.received.route_refresh, 1);
    assert_eq!(r.received.total(), 4);
    assert_eq!(
        (
            r.sent.open,
            r.sent.keepalive,
            r.sent.notification,
            r.sent.update
        ),
        (1, 2, 1, 1)
    );
    assert_eq!(r.errors[&4].sent, 1);
    let last = r.last_error.as_ref().unwrap();
    assert_eq!(last.direction, lsys_bgp::fsm::Direction::Sent);
    assert_eq!(last.notification.code_name(), "Hold Timer Expired Error");
    assert_eq!(Established.summary_name(), "Establ");
    assert_eq!(OpenConfirm.to_string(), "OpenConfirm");
}

#[test]
fn decode_error_sends_the_codec_notification() {
    let mut s = session(config(LOW));
    to_established(&mut s, peer_open(HIGH));
    let n = Notification::new(3, 11, vec![]);
    let out = s.handle(Input::DecodeError {
        conn: O1,
        notification: n.clone(),
    });
    assert_eq!(
        out[..3],
        [
            notify(O1, n.clone()),
            Close(O1),
            Output::SessionDown {
                reason: DownReason::Sent(n)
            }
        ]
    );
    assert_eq!(s.state(), Idle);
    assert_eq!(s.record().last_event, Some(Event::RecvUpdate));
    let mut s = session(config(LOW));
    to_established(&mut s, peer_open(HIGH));
    s.handle(Input::DecodeError {
        conn: O1,
        notification: Notification::new(1, 2, vec![]),
    });
    assert_eq!(s.record().last_event, Some(Event::RecvError));
}

#[test]
fn stale_inputs_are_ignored() {
    let mut s = session(config(LOW));
    to_established(&mut s, peer_open(HIGH));
    let before = s.record().clone();
    run(
        &mut s,
        vec![
            (Input::KeepaliveReceived(O2), vec![], Established),
            (Input::UpdateReceived(I1), vec![], Established),
            (open(O3, peer_open(HIGH)), vec![], Established),
            (
                Input::NotificationReceived {
                    conn: I2,
                    notification: cease(Cease::AdminReset),
                },
                vec![],
                Established,
            ),
            (Input::TcpConnectionFails(O2), vec![], Established),
            (Input::TimerExpired(Cr), vec![], Established),
            (Input::TimerExpired(IdleHold), vec![], Established),
            (Input::ManualStart, vec![], Established),
            (Input::TcpConnectionAcknowledged(O1), vec![], Established),
        ],
    );
    assert_eq!(s.record(), &before);
}

#[test]
fn four_octet_local_as_and_as_trans() {
    let mut c = config(LOW);
    c.local_as = 4_200_000_000;
    c.peer_as = 4_200_000_001;
    let s = session(c);
    assert_eq!(s.local_open().my_as, lsys_bgp::fsm::AS_TRANS);
    let mut s = s;
    s.handle(Input::ManualStart);
    s.handle(Input::TcpConnectionConfirmed(O1));
    let mut peer = peer_open(HIGH);
    peer.my_as = lsys_bgp::fsm::AS_TRANS;
    peer.capabilities.four_octet_as = Some(4_200_000_001);
    s.handle(open(O1, peer));
    assert_eq!(s.negotiated().unwrap().peer_as, 4_200_000_001);
}

#[test]
fn invalid_config_is_refused() {
    let mut c = config(LOW);
    c.hold_time = 1;
    assert_eq!(
        Session::new(c).unwrap_err().to_string(),
        "hold time 1 is invalid: use 0 or 3..65535 seconds"
    );
}
