//! One BGP session: connect (retried until the deadline), OPEN/KEEPALIVE handshake, then
//! keepalives, the peer's messages and stdin's commands, one event at a time.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use ipnet::{IpNet, Ipv4Net};
use lsys_bgp::net::{connect, ConnectConfig, Md5Key};
use lsys_bgp::packet::{
    AttrInterner, Capability, CeaseSubcode, CodecContext, ErrorKind, Family, Framer, Message,
    Notification, Open, OpenSubcode, MAX_MESSAGE_LEN,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tokio::time::{interval_at, sleep, sleep_until, Instant, Interval, MissedTickBehavior};

use crate::update::{malformed_update, valid_update};
use crate::{say, Args};

/// What [`Session::step`] woke up for, when it was not the peer or a keepalive tick.
pub(crate) enum Woke {
    /// A line from stdin; `None` at EOF.
    Command(Option<String>),
    Deadline,
}

pub(crate) struct Session {
    rd: OwnedReadHalf,
    wr: OwnedWriteHalf,
    buf: Vec<u8>,
    framer: Framer,
    ctx: CodecContext,
    asn: u32,
    peer_as: u32,
    local: Ipv4Addr,
    hold: u16,
    /// KEEPALIVE timer, once the peer's OPEN fixed the hold time (none for hold time 0).
    keepalive: Option<Interval>,
    open_seen: bool,
    established: bool,
    /// Why the session is down (the `wait` answer); `None` while it is up.
    down: Option<String>,
    received: BTreeSet<IpNet>,
    interner: AttrInterner,
}

impl Session {
    /// Connects and brings the session up, retrying every second until `--connect-timeout`.
    pub(crate) async fn establish(args: &Args) -> Result<Session, String> {
        let deadline = Instant::now() + Duration::from_secs(args.connect_timeout);
        loop {
            let err = match Session::connect(args, deadline).await {
                Ok(mut s) => match s.handshake(deadline).await {
                    Ok(()) => return Ok(s),
                    Err(e) => e,
                },
                Err(e) => e,
            };
            if Instant::now() + Duration::from_secs(1) >= deadline {
                return Err(format!(
                    "no BGP session with {}:{} within {} s: {err}",
                    args.peer, args.port, args.connect_timeout
                ));
            }
            eprintln!("bgp-script-peer: {err}; retrying");
            sleep(Duration::from_secs(1)).await;
        }
    }

    async fn connect(args: &Args, deadline: Instant) -> Result<Session, String> {
        let mut c = ConnectConfig::new(SocketAddr::new(args.peer.into(), args.port));
        c.local = Some(args.local.into());
        c.key = args.key.as_deref().map(Md5Key::new);
        c.timeout = deadline.saturating_duration_since(Instant::now());
        let stream = connect(&c).await.map_err(|e| e.to_string())?;
        let (rd, wr) = stream.into_split();
        let mut s = Session {
            rd,
            wr,
            buf: vec![0; MAX_MESSAGE_LEN],
            framer: Framer::new(),
            ctx: CodecContext::default(),
            asn: args.asn,
            peer_as: args.peer_as,
            local: args.local,
            hold: args.hold,
            keepalive: None,
            open_seen: false,
            established: false,
            down: None,
            received: BTreeSet::new(),
            interner: AttrInterner::new(),
        };
        let caps = vec![
            Capability::FourOctetAs(args.asn),
            Capability::Multiprotocol(Family::IPV4_UNICAST),
            Capability::RouteRefresh,
        ];
        let open = Open::new(args.asn, args.hold, args.router_id, caps);
        // Three capabilities always fit.
        let bytes = Message::Open(open).encode(&s.ctx).expect("an OPEN");
        s.send_bytes(&bytes).await;
        Ok(s)
    }

    /// Runs until the peer's OPEN and KEEPALIVE are in, the session fails, or `deadline`.
    async fn handshake(&mut self, deadline: Instant) -> Result<(), String> {
        while !self.established {
            if let Some(down) = &self.down {
                return Err(format!("session failed before it was up: {down}"));
            }
            if let Some(Woke::Deadline) = self.step(None, Some(deadline)).await {
                return Err("no OPEN and KEEPALIVE from the peer in time".into());
            }
        }
        Ok(())
    }

    /// Waits for the next event. Bytes from the peer and keepalive ticks are handled here
    /// (`None`); a stdin line (when `commands` is given) or `until` passing is returned.
    pub(crate) async fn step(
        &mut self,
        commands: Option<&mut mpsc::Receiver<String>>,
        until: Option<Instant>,
    ) -> Option<Woke> {
        enum Got {
            Woke(Woke),
            Read(std::io::Result<usize>),
            Tick,
        }
        let up = self.down.is_none();
        let reading = commands.is_some();
        let ticking = up && self.keepalive.is_some();
        let far = Instant::now() + Duration::from_secs(86_400);
        let keepalive = &mut self.keepalive;
        let got = tokio::select! {
            line = async { commands?.recv().await }, if reading => Got::Woke(Woke::Command(line)),
            () = sleep_until(until.unwrap_or(far)), if until.is_some() => Got::Woke(Woke::Deadline),
            n = self.rd.read(&mut self.buf), if up => Got::Read(n),
            () = async {
                if let Some(k) = keepalive {
                    k.tick().await;
                }
            }, if ticking => Got::Tick,
        };
        match got {
            Got::Woke(w) => return Some(w),
            Got::Read(n) => self.on_read(n).await,
            Got::Tick => {
                let bytes = Message::Keepalive.encode(&self.ctx).expect("a KEEPALIVE");
                self.send_bytes(&bytes).await;
            }
        }
        None
    }

    async fn on_read(&mut self, n: std::io::Result<usize>) {
        match n {
            Ok(0) | Err(_) => {
                self.down = Some("DOWN closed".into());
                return;
            }
            Ok(n) => self.framer.feed(&self.buf[..n]),
        }
        let mut messages = Vec::new();
        let failed = loop {
            match self.framer.next_message(&self.ctx) {
                Ok(Some(m)) => messages.push(m),
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        for m in messages {
            self.on_message(m).await;
        }
        if let Some(e) = failed.filter(|_| self.down.is_none()) {
            eprintln!("bgp-script-peer: bad message from the peer: {e}");
            let n = e.notification();
            self.down = Some(format!("DOWN sent NOTIFICATION {}/{}", n.code, n.subcode));
            let bytes = Message::Notification(n)
                .encode(&self.ctx)
                .unwrap_or_default();
            let _ = self.wr.write_all(&bytes).await;
            let _ = self.wr.shutdown().await;
        }
    }

    async fn on_message(&mut self, m: Message) {
        match m {
            Message::Open(o) if !self.open_seen => {
                self.open_seen = true;
                if o.asn() != self.peer_as {
                    let n =
                        Notification::new(ErrorKind::OpenMessage(OpenSubcode::BadPeerAs), vec![]);
                    let bytes = Message::Notification(n)
                        .encode(&self.ctx)
                        .unwrap_or_default();
                    self.send_bytes(&bytes).await;
                    self.down = Some(format!("DOWN peer AS {} is not {}", o.asn(), self.peer_as));
                    return;
                }
                self.ctx = CodecContext {
                    four_octet_as: o.four_octet_as().is_some(),
                    ibgp: self.asn == self.peer_as,
                };
                self.hold = self.hold.min(o.hold_time);
                if self.hold > 0 {
                    let every = Duration::from_secs(u64::from(self.hold / 3).max(1));
                    let mut timer = interval_at(Instant::now() + every, every);
                    timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
                    self.keepalive = Some(timer);
                }
                let bytes = Message::Keepalive.encode(&self.ctx).expect("a KEEPALIVE");
                self.send_bytes(&bytes).await;
            }
            Message::Keepalive if self.open_seen => self.established = true,
            Message::Update(u) => {
                let changes = u.into_changes(&mut self.interner);
                for p in &changes.withdrawn {
                    self.received.remove(p);
                }
                self.received
                    .extend(changes.announced.into_iter().map(|(p, _)| p));
            }
            Message::Notification(n) => {
                say(&format!("NOTIFICATION {}/{}", n.code, n.subcode));
                self.down = Some(format!("DOWN NOTIFICATION {}/{}", n.code, n.subcode));
            }
            _ => {}
        }
    }

    /// Writes `bytes`; a failed write marks the session down.
    async fn send_bytes(&mut self, bytes: &[u8]) -> bool {
        let ok = self.wr.write_all(bytes).await.is_ok();
        if !ok && self.down.is_none() {
            self.down = Some("DOWN closed".into());
        }
        ok
    }

    /// Runs one stdin command and prints its line; `true` when the program should end.
    pub(crate) async fn command(&mut self, line: &str) -> bool {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            [cmd @ ("announce" | "malformed"), prefix] => {
                let answer = match (prefix.parse::<Ipv4Net>(), &self.down) {
                    (Err(e), _) => format!("ERROR {prefix}: {e} (IPv4 prefixes only)"),
                    (Ok(_), Some(down)) => format!("ERROR the session is down ({down})"),
                    (Ok(p), None) => {
                        let build = if *cmd == "announce" {
                            valid_update
                        } else {
                            malformed_update
                        };
                        let bytes = build(&self.ctx, self.asn, self.local, p);
                        match self.send_bytes(&bytes).await {
                            true => format!("SENT {cmd} {prefix}"),
                            false => "ERROR the connection is closed".into(),
                        }
                    }
                };
                say(&answer);
            }
            ["wait", secs] => match secs.parse::<f64>() {
                Ok(s) if (0.0..=86_400.0).contains(&s) => {
                    let until = Instant::now() + Duration::from_secs_f64(s);
                    while self.step(None, Some(until)).await.is_none() {}
                    say(self.down.as_deref().unwrap_or("UP"));
                }
                _ => say(&format!("ERROR wait {secs}: not a number of seconds")),
            },
            ["received"] => say(&format!("RECEIVED {}", self.received.len())),
            ["quit"] => {
                self.quit().await;
                return true;
            }
            _ => say(&format!("ERROR unknown command {line:?}")),
        }
        false
    }

    /// Cease / Administrative Shutdown (6/2) if the session is up, then close.
    pub(crate) async fn quit(&mut self) {
        if self.down.is_none() {
            let n = Notification::new(
                ErrorKind::Cease(CeaseSubcode::AdministrativeShutdown),
                vec![],
            );
            let bytes = Message::Notification(n)
                .encode(&self.ctx)
                .unwrap_or_default();
            self.send_bytes(&bytes).await;
        }
        let _ = self.wr.shutdown().await;
        say("BYE");
    }
}
