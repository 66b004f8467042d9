//! The peer task: owns one [`Session`], its connections, timers and connects, and carries out
//! what the machine says. Nothing here decides anything about BGP; it moves bytes, time and
//! routes between the machine, the sockets and the instance.

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::conn::{Conn, Read};
use super::convert;
use super::{Command, ConnectFailure, Event, PeerConfig, Status};
use crate::fsm::{self, ConnId, Input, MessageKind, Output, PeerType, Session, State, TimerKind};
use crate::net;
use crate::packet::{self, Attrs, CodecContext, Message, UpdateBuilder};

/// What a read gives the instance, if anything.
type Pending = Option<Event>;

pub(super) struct Driver {
    config: PeerConfig,
    session: Session,
    conns: BTreeMap<ConnId, Conn>,
    /// Outgoing connects under way.
    connecting: BTreeMap<ConnId, JoinHandle<()>>,
    next_incoming: u64,
    timers: BTreeMap<TimerKind, Instant>,
    reads_tx: mpsc::Sender<(ConnId, Read)>,
    connected_tx: mpsc::Sender<(ConnId, Result<TcpStream, net::SocketError>)>,
    events: mpsc::Sender<(IpAddr, Event)>,
    /// Events for the instance, in order (session events and UPDATEs alike, so an UPDATE can
    /// never overtake the Established before it). Reading pauses while it is not empty: it
    /// holds at most one UPDATE plus the session events the machine produced meanwhile.
    outbox: VecDeque<Event>,
    status: watch::Sender<Status>,
    /// Encoded messages for the established connection, waiting for room in its writer.
    out: VecDeque<Vec<u8>>,
    ctx: CodecContext,
    in_octets: u64,
    out_octets: u64,
    last_change: Option<std::time::SystemTime>,
    /// Why the last outgoing connect failed, until a connection opens.
    connect_error: Option<ConnectFailure>,
}

/// Most encoded UPDATE batches held for a slow peer before the instance is told to wait
/// (reported as OutQ).
pub const OUT_QUEUE_MAX: usize = 1024;

impl Driver {
    pub(super) async fn run(
        config: PeerConfig,
        session: Session,
        mut commands: mpsc::Receiver<Command>,
        events: mpsc::Sender<(IpAddr, Event)>,
        status: watch::Sender<Status>,
    ) {
        let (reads_tx, mut reads) = mpsc::channel(16);
        let (connected_tx, mut connected) = mpsc::channel(4);
        let ibgp = session.config().peer_type == PeerType::Internal;
        let mut d = Driver {
            config,
            session,
            conns: BTreeMap::new(),
            connecting: BTreeMap::new(),
            next_incoming: 0,
            timers: BTreeMap::new(),
            reads_tx,
            connected_tx,
            events,
            outbox: VecDeque::new(),
            status,
            out: VecDeque::new(),
            ctx: CodecContext {
                four_octet_as: false,
                ibgp,
            },
            in_octets: 0,
            out_octets: 0,
            last_change: None,
            connect_error: None,
        };
        loop {
            let deadline = d.timers.values().min().copied();
            let events = d.events.clone();
            let writer = d
                .session
                .established_conn()
                .and_then(|c| d.conns.get(&c))
                .map(|c| c.writer.clone());
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(cmd) => d.command(cmd),
                    None => {
                        d.input(Input::ManualStop(fsm::Cease::PeerDeconfigured));
                        d.flush_on_close().await;
                        return;
                    }
                },
                Some((id, r)) = connected.recv() => {
                    d.connecting.remove(&id);
                    match r {
                        Ok(stream) => d.connection(id, stream, Input::TcpConnectionConfirmed(id)),
                        Err(e) => {
                            tracing::debug!(peer = %d.config.connect.peer, error = %e, "connect failed");
                            d.connect_error = Some(ConnectFailure::of(&e, d.config.connect.key.is_some()));
                            d.input(Input::TcpConnectionFails(id));
                        }
                    }
                }
                Some((id, r)) = reads.recv(), if d.outbox.is_empty() => {
                    if let Some(ev) = d.read(id, r) {
                        d.outbox.push_back(ev);
                    }
                }
                permit = events.reserve(), if !d.outbox.is_empty() => {
                    if let (Ok(p), Some(ev)) = (permit, d.outbox.pop_front()) {
                        p.send((d.config.session.peer_address, ev));
                    }
                }
                permit = reserve(&writer), if !d.out.is_empty() && writer.is_some() => {
                    if let (Some(p), Some(bytes)) = (permit, d.out.pop_front()) {
                        d.out_octets += bytes.len() as u64;
                        p.send(bytes);
                    }
                }
                _ = sleep_until(deadline), if deadline.is_some() => {
                    let now = Instant::now();
                    let due: Vec<TimerKind> =
                        d.timers.iter().filter(|(_, t)| **t <= now).map(|(k, _)| *k).collect();
                    for k in due {
                        d.timers.remove(&k);
                        d.input(Input::TimerExpired(k));
                    }
                }
            }
            d.publish();
        }
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Incoming(stream) => {
                self.next_incoming += 1;
                let id = ConnId::incoming(self.next_incoming);
                if let Err(e) = net::configure_accepted(&stream, self.config.connect.ttl) {
                    tracing::warn!(peer = %self.config.connect.peer, error = %e, "accepted connection refused");
                    return;
                }
                self.connection(id, stream, Input::TcpConnectionAcknowledged(id));
            }
            Command::Start => self.input(Input::ManualStart),
            Command::Stop(cease) => self.input(Input::ManualStop(cease)),
            Command::AutomaticStop { notification, idle } => {
                self.input(Input::AutomaticStop { notification, idle })
            }
            Command::Announce { attrs, prefixes } => self.announce(&attrs, &prefixes),
            Command::Withdraw { prefixes } => self.withdraw(&prefixes),
            Command::Refresh(family) => {
                if self.session.state() == State::Established {
                    let rr = packet::RouteRefresh::new(family, packet::RefreshSubtype::Normal);
                    self.queue(&Message::RouteRefresh(rr), Some(MessageKind::RouteRefresh));
                }
            }
        }
    }

    /// Starts the tasks of a new connection, then tells the machine.
    fn connection(&mut self, id: ConnId, stream: TcpStream, input: Input) {
        self.connect_error = None;
        let ibgp = self.ctx.ibgp;
        let local = stream.local_addr().ok();
        let remote = stream.peer_addr().ok();
        self.conns
            .insert(id, Conn::start(id, stream, ibgp, self.reads_tx.clone()));
        self.status.send_modify(|s| {
            s.local = local.or(s.local);
            s.remote = remote.or(s.remote);
        });
        self.input(input);
    }

    /// What a reader reported: an input for the machine, and maybe an event for the instance.
    fn read(&mut self, id: ConnId, r: Read) -> Pending {
        match r {
            Read::Closed => {
                self.input(Input::TcpConnectionFails(id));
                None
            }
            Read::Error(e) => {
                let n = e.notification();
                tracing::info!(peer = %self.config.connect.peer, error = %e, "message refused");
                self.input(Input::DecodeError {
                    conn: id,
                    notification: convert::notification_from_wire(&n),
                });
                None
            }
            Read::Message(m, size) => {
                self.in_octets += size as u64;
                match *m {
                    Message::Open(o) => {
                        let open = convert::peer_open(&o, fsm::BGP_VERSION);
                        self.input(Input::OpenReceived { conn: id, open });
                        None
                    }
                    Message::Keepalive => {
                        self.input(Input::KeepaliveReceived(id));
                        None
                    }
                    Message::Notification(n) => {
                        let notification = convert::notification_from_wire(&n);
                        self.input(Input::NotificationReceived {
                            conn: id,
                            notification,
                        });
                        None
                    }
                    Message::Update(u) => {
                        self.input(Input::UpdateReceived(id));
                        (self.session.established_conn() == Some(id))
                            .then(|| Event::Update(Box::new(u)))
                    }
                    Message::RouteRefresh(rr) => {
                        self.input(Input::RouteRefreshReceived(id));
                        (self.session.established_conn() == Some(id))
                            .then_some(Event::RefreshRequested(rr.family))
                    }
                }
            }
        }
    }

    /// Feeds the machine and carries out its outputs.
    fn input(&mut self, input: Input) {
        for o in self.session.handle(input) {
            self.output(o);
        }
    }

    fn output(&mut self, o: Output) {
        match o {
            Output::Connect(id) => {
                let config = self.config.connect.clone();
                let done = self.connected_tx.clone();
                let task = tokio::spawn(async move {
                    let r = net::connect(&config).await;
                    let _ = done.send((id, r)).await;
                });
                self.connecting.insert(id, task);
            }
            Output::CloseConnection(id) => {
                if let Some(t) = self.connecting.remove(&id) {
                    t.abort();
                    // The machine gave up on the attempt (ConnectRetry expired first): as
                    // silent as a timeout, unless another connection is what ended it.
                    if self.conns.is_empty() {
                        self.connect_error = Some(ConnectFailure::NoAnswer {
                            authenticated: self.config.connect.key.is_some(),
                        });
                    }
                }
                self.conns.remove(&id);
            }
            Output::SendOpen { conn, open } => {
                let m = Message::Open(convert::local_open(&open));
                self.send_on(conn, &m);
            }
            Output::SendKeepalive(conn) => self.send_on(conn, &Message::Keepalive),
            Output::SendNotification { conn, notification } => {
                let m = Message::Notification(convert::notification_to_wire(&notification));
                self.send_on(conn, &m);
            }
            Output::StartTimer(kind, d) => {
                self.timers.insert(kind, Instant::now() + d);
            }
            Output::StopTimer(kind) => {
                self.timers.remove(&kind);
            }
            Output::Established { negotiated, .. } => {
                self.ctx.four_octet_as = negotiated.four_octet_as;
                self.out.clear();
                self.last_change = Some(std::time::SystemTime::now());
                tracing::info!(peer = %self.config.connect.peer, "session established");
                self.event(Event::Established { negotiated });
            }
            Output::SessionDown { reason } => {
                self.out.clear();
                self.last_change = Some(std::time::SystemTime::now());
                tracing::info!(peer = %self.config.connect.peer, ?reason, "session down");
                self.event(Event::Down { reason });
            }
            Output::StateChanged { from, to } => {
                tracing::debug!(peer = %self.config.connect.peer, %from, %to, "state");
            }
        }
    }

    /// Session events are never lost nor reordered with the UPDATEs around them: they join
    /// the outbox, which the loop drains as the instance takes events (timers and commands
    /// are served meanwhile).
    fn event(&mut self, ev: Event) {
        self.outbox.push_back(ev);
    }

    /// Encodes `m` and hands it to `conn`'s writer (a control message: never dropped for a
    /// full queue, the writer queue holds 64 and the machine sends few).
    fn send_on(&mut self, conn: ConnId, m: &Message) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        match m.encode(&self.ctx) {
            Ok(bytes) => {
                self.out_octets += bytes.len() as u64;
                if let Err(mpsc::error::TrySendError::Full(bytes)) = c.writer.try_send(bytes) {
                    let w = c.writer.clone();
                    tokio::spawn(async move {
                        let _ = w.send(bytes).await;
                    });
                }
            }
            Err(e) => tracing::warn!(peer = %self.config.connect.peer, error = %e, "cannot encode"),
        }
    }

    /// Queues a message for the established session (behind earlier UPDATEs).
    fn queue(&mut self, m: &Message, count: Option<MessageKind>) {
        match m.encode(&self.ctx) {
            Ok(bytes) => {
                self.out.push_back(bytes);
                if let Some(k) = count {
                    self.session.count_sent(k);
                }
            }
            Err(e) => tracing::warn!(peer = %self.config.connect.peer, error = %e, "cannot encode"),
        }
    }

    fn announce(&mut self, attrs: &Attrs, prefixes: &[IpNet]) {
        if self.session.state() != State::Established || prefixes.is_empty() {
            return;
        }
        let mut bytes = Vec::new();
        match UpdateBuilder::new(self.ctx).announce(attrs, prefixes, &mut bytes) {
            Ok(n) => {
                for _ in 0..n {
                    self.session.count_sent(MessageKind::Update);
                }
                self.out.push_back(bytes);
            }
            Err(e) => tracing::warn!(peer = %self.config.connect.peer, error = %e, "cannot encode"),
        }
    }

    fn withdraw(&mut self, prefixes: &[IpNet]) {
        if self.session.state() != State::Established || prefixes.is_empty() {
            return;
        }
        let mut bytes = Vec::new();
        match UpdateBuilder::new(self.ctx).withdraw(prefixes, &mut bytes) {
            Ok(n) => {
                for _ in 0..n {
                    self.session.count_sent(MessageKind::Update);
                }
                self.out.push_back(bytes);
            }
            Err(e) => tracing::warn!(peer = %self.config.connect.peer, error = %e, "cannot encode"),
        }
    }

    /// The status the show commands read.
    fn publish(&mut self) {
        let (state, record, negotiated) = (
            self.session.state(),
            self.session.record().clone(),
            self.session.negotiated().cloned(),
        );
        let (in_octets, out_octets, out_queue, last_change) = (
            self.in_octets,
            self.out_octets,
            self.out.len(),
            self.last_change,
        );
        let connect_error = &self.connect_error;
        self.status.send_if_modified(|s| {
            let new = Status {
                state,
                record,
                negotiated,
                in_octets,
                out_octets,
                out_queue,
                last_change,
                local: s.local,
                remote: s.remote,
                connect_error: connect_error.clone(),
            };
            let changed = *s != new;
            *s = new;
            changed
        });
    }

    /// On shutdown, give the NOTIFICATION the machine queued a moment to leave.
    async fn flush_on_close(&mut self) {
        self.conns.clear();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn reserve(w: &Option<mpsc::Sender<Vec<u8>>>) -> Option<mpsc::Permit<'_, Vec<u8>>> {
    match w {
        Some(w) => w.reserve().await.ok(),
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
