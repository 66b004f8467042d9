//! The instance actor: configuration, peer events, the RIB and export (see the module docs).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ipnet::IpNet;
use lsys_grammar::typed::PolicyOptions;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::export::{self, Side};
use super::{Clear, Command, LocalRoute, Output, Selected};
use crate::config::{self, Change, InstanceConfig, Neighbor};
use crate::fsm::{Cease, Notification, PeerType};
use crate::net::{BgpListener, Family as SockFamily, ListenerConfig, PeerKey};
use crate::packet::{AttrInterner, Attrs, Verdict};
use crate::peer::{Command as PeerCommand, Event, Peer, PeerConfig};
use crate::policy::{Chain, DefaultPolicy, Policies};
use crate::rib::{AdjRibOut, BestChange, PeerId, PeerInfo, Rib};
use crate::show::{PeerView, TableCounts};

/// Peer events queued for the actor (shared by the instance's peers).
const EVENTS: usize = 64;
/// How often a listener that could not be bound is tried again (and quiet peers are
/// looked at).
const RETRY: Duration = Duration::from_secs(5);
/// A peer that sent no UPDATE for this long after coming up has sent its routes, End-of-RIB
/// or not (many speakers send it only to graceful-restart peers).
const QUIET: Duration = Duration::from_secs(3);

struct Slot {
    id: PeerId,
    neighbor: Neighbor,
    peer: Peer,
    import: Chain,
    export: Chain,
    out: AdjRibOut,
    /// The session's `PeerInfo` while Established.
    info: Option<PeerInfo>,
    since: Instant,
    /// A prefix limit was passed and logged (without teardown).
    over_limit: bool,
    /// The families negotiated while Established.
    families: Vec<SockFamily>,
    /// The families the peer has sent all its routes of (End-of-RIB, or quiet).
    synced: BTreeSet<SockFamily>,
    last_update: Instant,
}

struct Listener {
    family: SockFamily,
    listener: Arc<BgpListener>,
    keys: BTreeMap<IpAddr, Vec<u8>>,
    task: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(super) struct Actor {
    name: String,
    tables: (String, String),
    config: Option<InstanceConfig>,
    policies: Arc<PolicyOptions>,
    compiled: Option<Policies>,
    slots: BTreeMap<IpAddr, Slot>,
    listeners: Vec<Listener>,
    rib: Rib,
    /// The prefixes whose active route in the instance's table is another protocol's.
    local: BTreeMap<IpNet, LocalRoute>,
    interner_in: AttrInterner,
    interner_out: AttrInterner,
    events_tx: mpsc::Sender<(IpAddr, Event)>,
    accepted_tx: mpsc::Sender<(TcpStream, SocketAddr)>,
    output: mpsc::Sender<Output>,
    next_id: u32,
    /// The families `Output::Synced` was sent for.
    synced: BTreeSet<SockFamily>,
}

impl Actor {
    pub(super) async fn run(
        name: String,
        tables: (String, String),
        mut commands: mpsc::Receiver<Command>,
        output: mpsc::Sender<Output>,
    ) {
        let (events_tx, mut events) = mpsc::channel(EVENTS);
        let (accepted_tx, mut accepted) = mpsc::channel(16);
        let mut a = Actor {
            name,
            tables,
            config: None,
            policies: Arc::default(),
            compiled: None,
            slots: BTreeMap::new(),
            listeners: Vec::new(),
            rib: Rib::new(),
            local: BTreeMap::new(),
            interner_in: AttrInterner::new(),
            interner_out: AttrInterner::new(),
            events_tx,
            accepted_tx,
            output,
            next_id: 0,
            synced: BTreeSet::new(),
        };
        let mut tick = tokio::time::interval(RETRY);
        loop {
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(cmd) => a.command(cmd).await,
                    None => return,
                },
                Some((addr, ev)) = events.recv() => a.event(addr, ev).await,
                Some((stream, remote)) = accepted.recv() => a.accepted(stream, remote).await,
                _ = tick.tick() => {
                    a.quiet_peers().await;
                    a.listen();
                    a.interner_in.purge();
                    a.interner_out.purge();
                }
            }
        }
    }

    async fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Configure { config, policies } => self.configure(config, policies).await,
            Command::Status(reply) => {
                let _ = reply.send(self.status());
            }
            Command::Clear { neighbor, how } => {
                let addrs: Vec<IpAddr> = match neighbor {
                    Some(a) => vec![a],
                    None => self.slots.keys().copied().collect(),
                };
                for addr in addrs {
                    self.clear(addr, how).await;
                }
            }
            Command::Local { routes, full } => self.local_routes(routes, full).await,
            Command::Routes {
                neighbor,
                side,
                reply,
            } => {
                let _ = reply.send(self.routes(neighbor, side));
            }
        }
    }

    fn chains(&self, n: &Neighbor) -> (Chain, Chain) {
        let chain = |names: &[String], default: DefaultPolicy| match &self.compiled {
            Some(p) => p.chain(names, default).unwrap_or_else(|e| {
                tracing::warn!(instance = %self.name, error = %e, "policy chain: default used");
                Chain::default_only(default)
            }),
            None => Chain::default_only(default),
        };
        (
            chain(&n.import, DefaultPolicy::BGP_IMPORT),
            chain(&n.export, DefaultPolicy::BGP_EXPORT),
        )
    }

    async fn configure(&mut self, config: InstanceConfig, policies: Arc<PolicyOptions>) {
        let policies_changed = *policies != *self.policies;
        if policies_changed || self.compiled.is_none() {
            self.compiled = match Policies::compile(&policies) {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::error!(instance = %self.name, error = %e, "policies do not compile");
                    None
                }
            };
            self.policies = policies;
        }
        let old = self.config.take().unwrap_or(InstanceConfig {
            device: config.device.clone(),
            local_as: config.local_as,
            router_id: config.router_id,
            groups: 0,
            neighbors: BTreeMap::new(),
        });
        let changes = config::diff(&old, &config);
        let mut soft: BTreeSet<IpAddr> = BTreeSet::new();
        for (addr, change) in changes {
            let Some(n) = config.neighbors.get(&addr).cloned() else {
                self.remove(addr, Cease::PeerDeconfigured).await;
                continue;
            };
            match change {
                Change::Added => self.add(n).await,
                Change::Removed => self.remove(addr, Cease::PeerDeconfigured).await,
                Change::Reset => {
                    self.remove(addr, Cease::OtherConfigChange).await;
                    self.add(n).await;
                }
                Change::Shutdown(down) => {
                    if let Some(s) = self.slots.get_mut(&addr) {
                        s.neighbor = n;
                        let cmd = if down {
                            PeerCommand::Stop(Cease::AdminShutdown)
                        } else {
                            PeerCommand::Start
                        };
                        s.peer.send(cmd).await;
                    }
                }
                Change::Soft => {
                    if let Some(s) = self.slots.get_mut(&addr) {
                        s.neighbor = n;
                    }
                    soft.insert(addr);
                }
            }
        }
        if policies_changed {
            soft.extend(self.slots.keys().copied());
        }
        self.config = Some(config);
        self.listen();
        // Each neighbor's multipath (peers not up are set when they come up).
        for s in self.slots.values() {
            let _ = self.rib.set_peer_multipath(s.id, s.neighbor.multipath);
        }
        if self.rib.pending() > 0 {
            let changes = self.rib.process();
            self.propagate(changes).await;
        }
        for addr in soft {
            self.refresh_chains(addr);
            self.reimport(addr).await;
            // A limit lowered below what the peer already sent applies now, not at its next
            // UPDATE.
            self.check_limits(addr).await;
            self.export_all(addr).await;
        }
    }

    fn refresh_chains(&mut self, addr: IpAddr) {
        let Some(n) = self.slots.get(&addr).map(|s| s.neighbor.clone()) else {
            return;
        };
        let (import, export) = self.chains(&n);
        if let Some(s) = self.slots.get_mut(&addr) {
            s.import = import;
            s.export = export;
        }
    }

    async fn add(&mut self, n: Neighbor) {
        let addr = n.session.peer_address;
        let peer = match Peer::spawn(
            PeerConfig {
                session: n.session.clone(),
                connect: n.connect.clone(),
            },
            self.events_tx.clone(),
        ) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(instance = %self.name, neighbor = %addr, error = %e, "neighbor not started");
                return;
            }
        };
        if !n.shutdown {
            peer.send(PeerCommand::Start).await;
        }
        let (import, export) = self.chains(&n);
        self.next_id += 1;
        self.slots.insert(
            addr,
            Slot {
                id: PeerId(self.next_id),
                neighbor: n,
                peer,
                import,
                export,
                out: AdjRibOut::new(),
                info: None,
                since: Instant::now(),
                over_limit: false,
                families: Vec::new(),
                synced: BTreeSet::new(),
                last_update: Instant::now(),
            },
        );
    }

    async fn remove(&mut self, addr: IpAddr, why: Cease) {
        let Some(s) = self.slots.remove(&addr) else {
            return;
        };
        s.peer.send(PeerCommand::Stop(why)).await;
        if s.info.is_some() {
            let _ = self.rib.peer_down(s.id);
        }
        let _ = self.rib.remove_peer(s.id);
        let changes = self.rib.process();
        self.propagate(changes).await;
    }

    /// Binds the listeners the neighbors need (one per family, on the instance's device) and
    /// brings their keys in line with the configuration.
    fn listen(&mut self) {
        let Some(config) = &self.config else {
            return;
        };
        for family in [SockFamily::Ipv4, SockFamily::Ipv6] {
            let neighbors: Vec<&Neighbor> = config
                .neighbors
                .values()
                .filter(|n| SockFamily::of(n.session.peer_address) == family)
                .collect();
            let Some(first) = neighbors.first() else {
                self.listeners.retain(|l| l.family != family);
                continue;
            };
            let keys: BTreeMap<IpAddr, Vec<u8>> = neighbors
                .iter()
                .filter_map(|n| {
                    let k = n.connect.key.as_ref()?;
                    Some((n.session.peer_address, k.as_bytes().to_vec()))
                })
                .collect();
            if let Some(l) = self.listeners.iter_mut().find(|l| l.family == family) {
                sync_keys(l, &keys);
                continue;
            }
            let mut cfg = ListenerConfig::new(family).port(first.connect.peer.port());
            if let Some(d) = &config.device {
                cfg = cfg.device(d.clone());
            }
            for (addr, key) in &keys {
                cfg = cfg.key(PeerKey::new(*addr, key.clone()));
            }
            match BgpListener::bind(&cfg) {
                Ok(l) => {
                    let listener = Arc::new(l);
                    let accept = listener.clone();
                    let tx = self.accepted_tx.clone();
                    let task = tokio::spawn(async move {
                        while let Ok(conn) = accept.accept().await {
                            if tx.send(conn).await.is_err() {
                                return;
                            }
                        }
                    });
                    self.listeners.push(Listener {
                        family,
                        listener,
                        keys,
                        task,
                    });
                }
                Err(e) => {
                    tracing::warn!(instance = %self.name, error = %e, "listener not bound (retrying)")
                }
            }
        }
    }

    async fn accepted(&mut self, stream: TcpStream, remote: SocketAddr) {
        let ip = match remote.ip() {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        match self.slots.get(&ip) {
            Some(s) => {
                s.peer.send(PeerCommand::Incoming(stream)).await;
            }
            None => {
                tracing::debug!(instance = %self.name, %remote, "connection from an unconfigured address closed")
            }
        }
    }

    async fn event(&mut self, addr: IpAddr, ev: Event) {
        let Some(s) = self.slots.get_mut(&addr) else {
            return;
        };
        match ev {
            Event::Established { negotiated } => {
                let info = PeerInfo {
                    address: addr,
                    router_id: negotiated.peer_bgp_id,
                    peer_as: negotiated.peer_as,
                    local_as: s.neighbor.session.local_as,
                    internal: s.neighbor.session.peer_type == PeerType::Internal,
                };
                s.info = Some(info);
                s.since = Instant::now();
                s.out = AdjRibOut::new();
                s.over_limit = false;
                s.families = negotiated
                    .families
                    .iter()
                    .filter_map(|f| sock_family(f.afi))
                    .collect();
                s.synced.clear();
                s.last_update = Instant::now();
                self.rib.set_peer(s.id, info);
                let _ = self.rib.set_peer_multipath(s.id, s.neighbor.multipath);
                if s.neighbor.log_updown {
                    tracing::info!(instance = %self.name, neighbor = %addr, "BGP peer Established");
                }
                self.export_all(addr).await;
            }
            Event::Down { reason } => {
                let id = s.id;
                s.info = None;
                s.synced.clear();
                s.since = Instant::now();
                s.out.reset();
                if s.neighbor.log_updown {
                    tracing::info!(instance = %self.name, neighbor = %addr, ?reason, "BGP peer down");
                }
                let _ = self.rib.peer_down(id);
                let changes = self.rib.process();
                self.propagate(changes).await;
            }
            Event::Update(u) => {
                s.last_update = Instant::now();
                if let Some(f) = u.end_of_rib_family().and_then(|f| sock_family(f.afi.0)) {
                    s.synced.insert(f);
                    self.check_synced().await;
                    return;
                }
                if u.verdict() != Verdict::Good {
                    for issue in &u.issues {
                        tracing::warn!(instance = %self.name, neighbor = %addr, %issue, "UPDATE attribute error");
                    }
                }
                let changes = u.into_changes(&mut self.interner_in);
                self.receive(addr, &changes.withdrawn, &changes.announced)
                    .await;
            }
            Event::RefreshRequested(_) => {
                let dump = s.out.dump();
                send_update(&s.peer, dump).await;
            }
        }
    }

    async fn receive(
        &mut self,
        addr: IpAddr,
        withdrawn: &[IpNet],
        announced: &[(IpNet, Arc<Attrs>)],
    ) {
        let fed = self.import_with(addr, |rib, id, import| {
            let _ = rib.update(id, withdrawn, announced, import);
        });
        if fed {
            self.check_limits(addr).await;
            let changes = self.rib.process();
            self.propagate(changes).await;
        }
    }

    /// Hands `feed` the RIB, the peer at `addr` and its import decision (AS-loop check, then
    /// its import chain); false, feeding nothing, when that peer is not established.
    fn import_with(
        &mut self,
        addr: IpAddr,
        feed: impl FnOnce(&mut Rib, PeerId, &mut dyn FnMut(&IpNet, &Arc<Attrs>) -> Option<Arc<Attrs>>),
    ) -> bool {
        let Some(s) = self.slots.get(&addr) else {
            return false;
        };
        let Some(info) = s.info else {
            return false;
        };
        let side = Side {
            info: &info,
            local_address: None,
            chain: &s.import,
            advertise_peer_as: false,
            preference: s.neighbor.preference,
        };
        let (interner, name) = (&mut self.interner_in, &self.name);
        let mut import = |p: &IpNet, a: &Arc<Attrs>| export::import(p, a, &side, name, interner);
        feed(&mut self.rib, s.id, &mut import);
        true
    }

    /// Peers up for a while that have sent nothing new for [`QUIET`] have sent their routes.
    async fn quiet_peers(&mut self) {
        for s in self.slots.values_mut() {
            if s.info.is_some() && s.since.elapsed() >= QUIET && s.last_update.elapsed() >= QUIET {
                s.synced.extend(s.families.iter().copied());
            }
        }
        self.check_synced().await;
    }

    /// Tells the daemon a family's BGP routes are complete once every enabled neighbor is
    /// up and has sent its routes of it (a neighbor that did not negotiate the family counts
    /// as done; one that is down keeps the kernel's old routes until the RIB's grace ends).
    async fn check_synced(&mut self) {
        for family in [SockFamily::Ipv4, SockFamily::Ipv6] {
            if self.synced.contains(&family) || self.config.is_none() {
                continue;
            }
            let done = self
                .slots
                .values()
                .filter(|s| !s.neighbor.shutdown)
                .all(|s| {
                    s.info.is_some()
                        && (s.synced.contains(&family) || !s.families.contains(&family))
                });
            if done {
                self.synced.insert(family);
                let _ = self.output.send(Output::Synced(family)).await;
            }
        }
    }

    /// `prefix-limit maximum N [teardown ...]` on what the peer sent.
    async fn check_limits(&mut self, addr: IpAddr) {
        let Some(s) = self.slots.get_mut(&addr) else {
            return;
        };
        for (family, limit) in &s.neighbor.prefix_limits {
            // Each family's limit counts that family's routes (Junos: per family).
            let received = sock_family(family.afi)
                .and_then(|f| self.rib.family_counters(s.id, f))
                .map_or(0, |c| c.received) as u64;
            if received <= u64::from(limit.maximum) {
                continue;
            }
            match limit.teardown {
                Some(idle) => {
                    tracing::warn!(instance = %self.name, neighbor = %addr, received, maximum = limit.maximum,
                        "prefix limit exceeded: session torn down");
                    let notification = Notification::max_prefixes(*family, limit.maximum);
                    s.peer
                        .send(PeerCommand::AutomaticStop { notification, idle })
                        .await;
                    return;
                }
                None if !s.over_limit => {
                    s.over_limit = true;
                    tracing::warn!(instance = %self.name, neighbor = %addr, received, maximum = limit.maximum,
                        "prefix limit exceeded");
                }
                None => {}
            }
        }
    }

    async fn reimport(&mut self, addr: IpAddr) {
        let fed = self.import_with(addr, |rib, id, import| {
            let _ = rib.reimport(id, import);
        });
        if fed {
            let changes = self.rib.process();
            self.propagate(changes).await;
        }
    }

    async fn clear(&mut self, addr: IpAddr, how: Clear) {
        match how {
            Clear::Hard => {
                if let Some(s) = self.slots.get(&addr) {
                    s.peer.send(PeerCommand::Stop(Cease::AdminReset)).await;
                    s.peer.send(PeerCommand::Start).await;
                }
            }
            Clear::SoftInbound => self.reimport(addr).await,
            Clear::Soft => {
                self.reimport(addr).await;
                if let Some(s) = self.slots.get_mut(&addr) {
                    s.out.reset();
                }
                self.export_all(addr).await;
            }
        }
    }

    /// Takes the table's active routes of other protocols and exports what changed.
    async fn local_routes(&mut self, routes: Vec<(IpNet, Option<LocalRoute>)>, full: bool) {
        let mut changed: BTreeSet<IpNet> = BTreeSet::new();
        if full {
            let old = std::mem::take(&mut self.local);
            changed.extend(old.keys().copied());
            for (p, r) in routes {
                if let Some(r) = r {
                    if old.get(&p) == Some(&r) {
                        changed.remove(&p);
                    } else {
                        changed.insert(p);
                    }
                    self.local.insert(p, r);
                }
            }
        } else {
            for (p, r) in routes {
                let differs = match r {
                    Some(r) => self.local.insert(p, r.clone()) != Some(r),
                    None => self.local.remove(&p).is_some(),
                };
                if differs {
                    changed.insert(p);
                }
            }
        }
        if changed.is_empty() {
            return;
        }
        let changed: Vec<IpNet> = changed.into_iter().collect();
        for addr in self.established() {
            self.export_to(addr, &changed).await;
        }
    }

    fn established(&self) -> Vec<IpAddr> {
        self.slots
            .iter()
            .filter(|(_, s)| s.info.is_some())
            .map(|(a, _)| *a)
            .collect()
    }

    /// Sends the peer at `addr` what export decides for the whole table: the Loc-RIB's
    /// prefixes and those whose active route is another protocol's.
    async fn export_all(&mut self, addr: IpAddr) {
        let prefixes: Vec<IpNet> = self
            .rib
            .active_routes()
            .map(|(p, _)| p)
            .filter(|p| !self.local.contains_key(p))
            .chain(self.local.keys().copied())
            .collect();
        self.export_to(addr, &prefixes).await;
    }

    /// Export decisions for `prefixes` towards the peer at `addr`, sent as UPDATEs.
    async fn export_to(&mut self, addr: IpAddr, prefixes: &[IpNet]) {
        let Some(s) = self.slots.get(&addr) else {
            return;
        };
        let Some(to_info) = s.info else {
            return;
        };
        let local_address = s.peer.status().local.map(|l| l.ip());
        let side = Side {
            info: &to_info,
            local_address,
            chain: &s.export,
            advertise_peer_as: s.neighbor.advertise_peer_as,
            preference: s.neighbor.preference,
        };
        let advertise_inactive = s.neighbor.advertise_inactive;
        let mut decisions = Vec::with_capacity(prefixes.len());
        for p in prefixes {
            if let Some(route) = self.local.get(p) {
                let d = export::export_local(p, route, &side, &self.name, &mut self.interner_out);
                // Another protocol's route is active: it goes out, or, with
                // advertise-inactive, the best BGP path it beat.
                if d.is_some() || !advertise_inactive {
                    decisions.push((*p, d));
                    continue;
                }
            }
            let d = self.rib.best(p).and_then(|best| {
                let from = self.rib.peer_info(best.peer)?;
                export::export(
                    p,
                    &best.attrs,
                    from,
                    &side,
                    &self.name,
                    &mut self.interner_out,
                )
            });
            decisions.push((*p, d));
        }
        let Some(s) = self.slots.get_mut(&addr) else {
            return;
        };
        let update = s.out.apply(decisions);
        send_update(&s.peer, update).await;
    }

    /// Hands best-path changes to the routing table and to every established peer.
    async fn propagate(&mut self, changes: Vec<BestChange>) {
        if changes.is_empty() {
            return;
        }
        let mut routes = Vec::new();
        for c in &changes {
            let selected = c.new.as_ref().and_then(|best| {
                let from = self.rib.peer_info(best.peer)?;
                let next_hops: Vec<IpAddr> = self
                    .rib
                    .multipath(&c.prefix)
                    .iter()
                    .filter_map(|p| export::forwarding_next_hop(&p.attrs))
                    .collect();
                Some(Selected {
                    next_hops,
                    preference: best
                        .attrs
                        .preference
                        .unwrap_or(crate::policy::BGP_PREFERENCE),
                    attrs: best.attrs.clone(),
                    peer: from.address,
                    peer_as: from.peer_as,
                    internal: from.internal,
                })
            });
            routes.push((c.prefix, selected));
        }
        let _ = self.output.send(Output::Routes(routes)).await;
        let changed: Vec<IpNet> = changes
            .iter()
            .filter(|c| c.best_changed())
            .map(|c| c.prefix)
            .collect();
        if changed.is_empty() {
            return;
        }
        for addr in self.established() {
            self.export_to(addr, &changed).await;
        }
    }

    fn status(&self) -> Vec<PeerView> {
        let master = self.name == crate::policy::MASTER_INSTANCE;
        self.slots
            .values()
            .map(|s| {
                let st = s.peer.status();
                let n = &s.neighbor;
                // One table line per family the session carries (IPv4 alone when it is not up).
                let families: &[SockFamily] = match s.families.as_slice() {
                    [] => &[SockFamily::Ipv4],
                    f => f,
                };
                let tables = families
                    .iter()
                    .map(|&f| {
                        let c = self.rib.family_counters(s.id, f).unwrap_or_default();
                        TableCounts {
                            table: match f {
                                SockFamily::Ipv4 => self.tables.0.clone(),
                                SockFamily::Ipv6 => self.tables.1.clone(),
                            },
                            master,
                            active: c.active as u64,
                            received: c.received as u64,
                            accepted: c.accepted as u64,
                            damped: c.damped as u64,
                            advertised: s.out.len_of(f) as u64,
                        }
                    })
                    .collect();
                PeerView {
                    address: n.session.peer_address,
                    group: n.group.clone(),
                    instance: self.name.clone(),
                    peer_type: n.session.peer_type,
                    peer_as: n.session.peer_as,
                    local_as: n.session.local_as,
                    local_id: n.session.local_bgp_id,
                    hold_time: n.session.hold_time,
                    preference: n.preference,
                    import: n.import.clone(),
                    export: n.export.clone(),
                    options: n.options.clone(),
                    status: st,
                    last_change_age: s.since.elapsed().as_secs() as i64,
                    tables,
                }
            })
            .collect()
    }

    /// `show route receive-protocol | advertising-protocol bgp A` (query.rs); `None`: no
    /// such neighbor.
    fn routes(&self, addr: IpAddr, side: super::RouteSide) -> Option<Vec<crate::show::RouteLine>> {
        let s = self.slots.get(&addr)?;
        Some(match side {
            super::RouteSide::Received { hidden } => {
                super::query::received(&self.rib, s.id, hidden)
            }
            super::RouteSide::Advertised => {
                let to = super::Towards {
                    local_as: s.neighbor.session.local_as,
                    external: s.neighbor.session.peer_type == PeerType::External,
                    local_address: s.peer.status().local.map(|l| l.ip()),
                };
                super::query::advertised(&s.out, &to)
            }
        })
    }
}

/// The socket family of an AFI (1 IPv4, 2 IPv6).
fn sock_family(afi: u16) -> Option<SockFamily> {
    match afi {
        1 => Some(SockFamily::Ipv4),
        2 => Some(SockFamily::Ipv6),
        _ => None,
    }
}

/// Adds and removes listener keys so they match `want`.
fn sync_keys(l: &mut Listener, want: &BTreeMap<IpAddr, Vec<u8>>) {
    for (addr, key) in want {
        if l.keys.get(addr) != Some(key) {
            match l.listener.set_key(&PeerKey::new(*addr, key.clone())) {
                Ok(()) => {
                    l.keys.insert(*addr, key.clone());
                }
                Err(e) => {
                    tracing::error!(neighbor = %addr, error = %e, "MD5 key not set on the listener")
                }
            }
        }
    }
    let gone: Vec<IpAddr> = l
        .keys
        .keys()
        .filter(|a| !want.contains_key(a))
        .copied()
        .collect();
    for addr in gone {
        if l.listener.delete_key(addr, None).is_ok() {
            l.keys.remove(&addr);
        }
    }
}

async fn send_update(peer: &Peer, update: crate::rib::OutUpdate) {
    if !update.withdraw.is_empty() {
        peer.send(PeerCommand::Withdraw {
            prefixes: update.withdraw,
        })
        .await;
    }
    for (attrs, prefixes) in update.announce {
        peer.send(PeerCommand::Announce { attrs, prefixes }).await;
    }
}
