//! The pure part: links with their addresses, updated one rtnetlink message at a time.

use std::collections::BTreeMap;

use ipnet::IpNet;
use rtnetlink::packet_route::link::{
    InfoKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage, State,
};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::kernel::address_of;

/// One network device as the kernel has it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveLink {
    pub index: u32,
    pub name: String,
    /// `IFLA_INFO_KIND` (`bridge`, `vlan`, `vrf`, `veth`, ...), or `device` for a device
    /// without one (a physical port).
    pub kind: String,
    /// `IFF_UP`.
    pub admin_up: bool,
    /// Forwarding: up, carrier, operstate up/unknown (see the module doc).
    pub oper_up: bool,
    pub mtu: u32,
    /// Index of the master device (bridge or VRF).
    pub master: Option<u32>,
    /// Index of the lower device (`IFLA_LINK`: a VLAN's parent, a veth's peer).
    pub parent: Option<u32>,
    /// `ifalias` (`lsys:<ls>:<what>` on devices lsys made).
    pub alias: Option<String>,
    /// IPv4 and IPv6 addresses, sorted (IPv4 first).
    pub addresses: Vec<IpNet>,
}

impl LiveLink {
    /// A link with no attributes but its identity, for building states by hand.
    pub fn new(index: u32, name: &str, kind: &str) -> LiveLink {
        LiveLink {
            index,
            name: name.to_string(),
            kind: kind.to_string(),
            admin_up: false,
            oper_up: false,
            mtu: 1500,
            master: None,
            parent: None,
            alias: None,
            addresses: vec![],
        }
    }
}

/// Every link of one network namespace, by index, with a name index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveState {
    links: BTreeMap<u32, LiveLink>,
    names: BTreeMap<String, u32>,
}

/// What [`LiveState::apply`] did with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The state now reflects the message.
    Applied,
    /// Not a link or address message lsys tracks (or a bridge-port notification).
    Ignored,
    /// Applied as far as possible, but it refers to a link the state does not know: an event
    /// was missed and a full dump is due.
    Inconsistent,
}

impl LiveState {
    pub fn get(&self, index: u32) -> Option<&LiveLink> {
        self.links.get(&index)
    }

    pub fn by_name(&self, name: &str) -> Option<&LiveLink> {
        self.names.get(name).and_then(|i| self.links.get(i))
    }

    pub fn name_of(&self, index: u32) -> Option<&str> {
        self.links.get(&index).map(|l| l.name.as_str())
    }

    /// Links in index order.
    pub fn links(&self) -> impl Iterator<Item = &LiveLink> {
        self.links.values()
    }

    pub fn len(&self) -> usize {
        self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// Adds or replaces a link (addresses included).
    pub fn insert(&mut self, mut link: LiveLink) {
        link.addresses.sort();
        link.addresses.dedup();
        if let Some(old) = self.links.get(&link.index) {
            if old.name != link.name && self.names.get(&old.name) == Some(&link.index) {
                self.names.remove(&old.name);
            }
        }
        self.names.insert(link.name.clone(), link.index);
        self.links.insert(link.index, link);
    }

    /// Removes a link; true when it was there.
    pub fn remove(&mut self, index: u32) -> bool {
        match self.links.remove(&index) {
            Some(old) => {
                if self.names.get(&old.name) == Some(&index) {
                    self.names.remove(&old.name);
                }
                true
            }
            None => false,
        }
    }

    /// Applies one kernel message (event or dump entry).
    pub fn apply(&mut self, msg: &RouteNetlinkMessage) -> Applied {
        match msg {
            RouteNetlinkMessage::NewLink(m) => self.new_link(m),
            RouteNetlinkMessage::DelLink(m) => {
                if m.header.interface_family == AddressFamily::Bridge {
                    return Applied::Ignored;
                }
                self.remove(m.header.index);
                Applied::Applied
            }
            RouteNetlinkMessage::NewAddress(m) => {
                let Some(a) = address_of(m) else {
                    return Applied::Ignored;
                };
                match self.links.get_mut(&m.header.index) {
                    Some(l) => {
                        if let Err(at) = l.addresses.binary_search(&a) {
                            l.addresses.insert(at, a);
                        }
                        Applied::Applied
                    }
                    None => Applied::Inconsistent,
                }
            }
            RouteNetlinkMessage::DelAddress(m) => {
                let Some(a) = address_of(m) else {
                    return Applied::Ignored;
                };
                if let Some(l) = self.links.get_mut(&m.header.index) {
                    l.addresses.retain(|x| *x != a);
                }
                Applied::Applied
            }
            _ => Applied::Ignored,
        }
    }

    fn new_link(&mut self, m: &LinkMessage) -> Applied {
        if m.header.interface_family == AddressFamily::Bridge {
            return Applied::Ignored;
        }
        let Some(mut link) = parse_live_link(m) else {
            return Applied::Ignored;
        };
        if let Some(old) = self.links.get(&link.index) {
            link.addresses = old.addresses.clone();
        }
        let unknown_master = link.master.is_some_and(|i| !self.links.contains_key(&i));
        self.insert(link);
        if unknown_master {
            Applied::Inconsistent
        } else {
            Applied::Applied
        }
    }
}

/// One link message as a [`LiveLink`] without addresses; `None` without a name.
pub fn parse_live_link(m: &LinkMessage) -> Option<LiveLink> {
    let mut link = LiveLink::new(m.header.index, "", "device");
    let mut name = None;
    let mut operstate = None;
    for a in &m.attributes {
        match a {
            LinkAttribute::IfName(n) => name = Some(n.clone()),
            LinkAttribute::IfAlias(s) if !s.is_empty() => link.alias = Some(s.clone()),
            LinkAttribute::Controller(i) if *i != 0 => link.master = Some(*i),
            LinkAttribute::Link(i) if *i != 0 && *i != m.header.index => link.parent = Some(*i),
            LinkAttribute::Mtu(v) => link.mtu = *v,
            LinkAttribute::OperState(s) => operstate = Some(*s),
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    if let LinkInfo::Kind(k) = info {
                        link.kind = match k {
                            InfoKind::Other(s) => s.clone(),
                            k => k.to_string(),
                        };
                    }
                }
            }
            _ => {}
        }
    }
    link.name = name?;
    let flags = m.header.flags;
    link.admin_up = flags.contains(LinkFlags::Up);
    link.oper_up = link.admin_up
        && flags.contains(LinkFlags::LowerUp)
        && matches!(operstate, None | Some(State::Up) | Some(State::Unknown));
    Some(link)
}

#[cfg(test)]
mod tests {
    use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
    use std::net::IpAddr;

    use rtnetlink::packet_route::route::RouteMessage;

    use super::*;

    fn link_msg(
        index: u32,
        name: &str,
        flags: LinkFlags,
        attrs: Vec<LinkAttribute>,
    ) -> LinkMessage {
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.header.flags = flags;
        m.attributes.push(LinkAttribute::IfName(name.into()));
        m.attributes.extend(attrs);
        m
    }

    fn up() -> LinkFlags {
        LinkFlags::Up | LinkFlags::LowerUp | LinkFlags::Running
    }

    fn addr_msg(index: u32, attrs: Vec<AddressAttribute>, prefix_len: u8) -> AddressMessage {
        let mut m = AddressMessage::default();
        m.header.index = index;
        m.header.prefix_len = prefix_len;
        m.header.family = match attrs.first() {
            Some(AddressAttribute::Address(IpAddr::V6(_))) => AddressFamily::Inet6,
            _ => AddressFamily::Inet,
        };
        m.attributes = attrs;
        m
    }

    fn v4(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn seeded() -> LiveState {
        let mut s = LiveState::default();
        let br = link_msg(
            7,
            "irb.4",
            up(),
            vec![
                LinkAttribute::Mtu(9000),
                LinkAttribute::IfAlias("lsys:l2:bridge-domain:bd-aws".into()),
                LinkAttribute::OperState(State::Up),
                LinkAttribute::LinkInfo(vec![LinkInfo::Kind(InfoKind::Bridge)]),
            ],
        );
        assert_eq!(s.apply(&RouteNetlinkMessage::NewLink(br)), Applied::Applied);
        let vlan = link_msg(
            8,
            "eth1.4",
            up(),
            vec![
                LinkAttribute::Controller(7),
                LinkAttribute::Link(2),
                LinkAttribute::OperState(State::Up),
                LinkAttribute::LinkInfo(vec![LinkInfo::Kind(InfoKind::Vlan)]),
            ],
        );
        assert_eq!(
            s.apply(&RouteNetlinkMessage::NewLink(vlan)),
            Applied::Applied
        );
        s
    }

    #[test]
    fn links_are_parsed_and_found_by_name() {
        let s = seeded();
        let br = s.by_name("irb.4").unwrap();
        assert_eq!(br.index, 7);
        assert_eq!(br.kind, "bridge");
        assert_eq!(br.mtu, 9000);
        assert!(br.admin_up && br.oper_up);
        assert_eq!(br.alias.as_deref(), Some("lsys:l2:bridge-domain:bd-aws"));
        let vlan = s.by_name("eth1.4").unwrap();
        assert_eq!(
            (vlan.kind.as_str(), vlan.master, vlan.parent),
            ("vlan", Some(7), Some(2))
        );
        assert_eq!(s.name_of(8), Some("eth1.4"));
        assert_eq!(s.len(), 2);
        assert!(s.by_name("eth1.2").is_none());
    }

    #[test]
    fn oper_state_needs_admin_carrier_and_operstate() {
        let cases = [
            (up(), Some(State::Up), true),
            (up(), Some(State::Unknown), true),
            (up(), None, true),
            (LinkFlags::Up, Some(State::Down), false),
            (up(), Some(State::LowerLayerDown), false),
            (up(), Some(State::Dormant), false),
            (LinkFlags::LowerUp, Some(State::Up), false),
        ];
        for (flags, state, want) in cases {
            let attrs = state.map(LinkAttribute::OperState).into_iter().collect();
            let l = parse_live_link(&link_msg(3, "x", flags, attrs)).unwrap();
            assert_eq!(l.oper_up, want, "{flags:?} {state:?}");
            assert_eq!(l.admin_up, flags.contains(LinkFlags::Up));
        }
        assert_eq!(
            parse_live_link(&link_msg(3, "x", up(), vec![]))
                .unwrap()
                .kind,
            "device"
        );
    }

    #[test]
    fn addresses_follow_events_and_survive_link_updates() {
        let mut s = seeded();
        let add = addr_msg(7, vec![AddressAttribute::Address(v4("10.0.0.0"))], 31);
        assert_eq!(
            s.apply(&RouteNetlinkMessage::NewAddress(add.clone())),
            Applied::Applied
        );
        // Twice is once.
        s.apply(&RouteNetlinkMessage::NewAddress(add.clone()));
        let v6 = addr_msg(
            7,
            vec![AddressAttribute::Address("2001:db8::1".parse().unwrap())],
            64,
        );
        s.apply(&RouteNetlinkMessage::NewAddress(v6));
        // Point-to-point: IFA_LOCAL is this end, IFA_ADDRESS the peer.
        let p2p = addr_msg(
            7,
            vec![
                AddressAttribute::Address(v4("10.9.9.2")),
                AddressAttribute::Local(v4("10.9.9.1")),
            ],
            32,
        );
        s.apply(&RouteNetlinkMessage::NewAddress(p2p));
        assert_eq!(
            s.by_name("irb.4").unwrap().addresses,
            [
                net("10.0.0.0/31"),
                net("10.9.9.1/32"),
                net("2001:db8::1/64")
            ]
        );
        // A link update (carrier loss) keeps the addresses.
        let down = link_msg(
            7,
            "irb.4",
            LinkFlags::Up,
            vec![LinkAttribute::OperState(State::Down)],
        );
        s.apply(&RouteNetlinkMessage::NewLink(down));
        let br = s.by_name("irb.4").unwrap();
        assert!(br.admin_up && !br.oper_up);
        assert_eq!(br.addresses.len(), 3);
        assert_eq!(
            s.apply(&RouteNetlinkMessage::DelAddress(add)),
            Applied::Applied
        );
        assert_eq!(
            s.by_name("irb.4").unwrap().addresses,
            [net("10.9.9.1/32"), net("2001:db8::1/64")]
        );
    }

    #[test]
    fn rename_and_delete_update_the_name_index() {
        let mut s = seeded();
        s.apply(&RouteNetlinkMessage::NewLink(link_msg(
            8,
            "eth1.5",
            up(),
            vec![],
        )));
        assert!(s.by_name("eth1.4").is_none());
        assert_eq!(s.by_name("eth1.5").unwrap().index, 8);
        assert_eq!(
            s.apply(&RouteNetlinkMessage::DelLink(link_msg(
                8,
                "eth1.5",
                up(),
                vec![]
            ))),
            Applied::Applied
        );
        assert!(s.by_name("eth1.5").is_none() && s.get(8).is_none());
        // Deleting what is gone already is harmless.
        let again = link_msg(8, "eth1.5", up(), vec![]);
        assert_eq!(
            s.apply(&RouteNetlinkMessage::DelLink(again)),
            Applied::Applied
        );
    }

    #[test]
    fn bridge_port_notifications_are_ignored() {
        let mut s = seeded();
        let mut port = link_msg(8, "eth1.4", LinkFlags::empty(), vec![]);
        port.header.interface_family = AddressFamily::Bridge;
        assert_eq!(
            s.apply(&RouteNetlinkMessage::NewLink(port.clone())),
            Applied::Ignored
        );
        assert_eq!(
            s.apply(&RouteNetlinkMessage::DelLink(port)),
            Applied::Ignored
        );
        assert!(s.by_name("eth1.4").unwrap().oper_up);
    }

    #[test]
    fn events_about_unknown_links_ask_for_a_dump() {
        let mut s = seeded();
        let a = addr_msg(99, vec![AddressAttribute::Address(v4("192.0.2.1"))], 24);
        assert_eq!(
            s.apply(&RouteNetlinkMessage::NewAddress(a.clone())),
            Applied::Inconsistent
        );
        // Removing an address of an unknown link leaves the state right: no resync needed.
        assert_eq!(
            s.apply(&RouteNetlinkMessage::DelAddress(a)),
            Applied::Applied
        );
        let orphan = link_msg(9, "eth1.9", up(), vec![LinkAttribute::Controller(42)]);
        assert_eq!(
            s.apply(&RouteNetlinkMessage::NewLink(orphan)),
            Applied::Inconsistent
        );
        assert_eq!(s.by_name("eth1.9").unwrap().master, Some(42));
        let other = RouteNetlinkMessage::NewRoute(RouteMessage::default());
        assert_eq!(s.apply(&other), Applied::Ignored);
    }
}
