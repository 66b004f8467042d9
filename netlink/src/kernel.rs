//! The thin netlink side: dump links and addresses into [`Link`]s, apply a [`Plan`] step by
//! step. Every write is one rtnetlink request (forwarding: one /proc/sys write, see
//! [`crate::forwarding`]) and is counted; "already gone" on a delete and "already there" on an
//! address add count as success. A device's forwarding values come with the link dump
//! (`IFLA_AF_SPEC` devconf), at no extra round trip.

use std::collections::BTreeMap;
use std::net::IpAddr;

use futures::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
use rtnetlink::packet_route::link::{
    AfSpecInet, AfSpecInet6, AfSpecUnspec, InfoData, InfoKind, InfoVlan, InfoVrf, LinkAttribute,
    LinkFlags, LinkInfo, LinkMessage, VlanProtocol,
};
use rtnetlink::{Handle, LinkBridge, LinkMessageBuilder, LinkUnspec, LinkVlan, LinkVrf};

use crate::desired::{Kind, Link, VlanProto};
use crate::forwarding::{Forwarding, Ipv6Global, Sysctl, SysctlError};
use crate::reconcile::{Plan, Step};

const ENODEV: i32 = 19;
const EEXIST: i32 = 17;
const EADDRNOTAVAIL: i32 = 99;

#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error("cannot open a netlink socket: {0}")]
    Socket(#[from] std::io::Error),
    #[error("netlink dump failed: {0}")]
    Dump(#[source] rtnetlink::Error),
    #[error("{step}: {}", describe(source))]
    Step {
        step: String,
        #[source]
        source: rtnetlink::Error,
    },
    #[error("{step}: device {name} not found")]
    NoDevice { step: String, name: String },
    /// A /proc/sys write (forwarding) refused.
    #[error("{step}: {source}")]
    Sysctl {
        step: String,
        #[source]
        source: SysctlError,
    },
}

/// A netlink handle to the current network namespace, counting the requests it makes.
pub struct Kernel {
    handle: Handle,
    /// Netlink write requests sent so far.
    pub writes: usize,
    /// Every request that waited for the kernel's answer: dumps, lookups and writes.
    pub round_trips: usize,
    /// Interface indices by name, from the last dump and the lookups since: a plan names
    /// devices, netlink wants indices, and a lookup per step would double the round trips.
    index: BTreeMap<String, u32>,
    /// Where forwarding is written.
    sysctl: Sysctl,
}

/// The kernel's answer in its own words ("File exists"), without rtnetlink's wrapping.
fn describe(e: &rtnetlink::Error) -> String {
    match errno(e) {
        Some(n) => nix::errno::Errno::from_raw(n).desc().to_string(),
        None => e.to_string(),
    }
}

fn errno(e: &rtnetlink::Error) -> Option<i32> {
    match e {
        rtnetlink::Error::NetlinkError(m) => m.code.map(|c| -c.get()),
        _ => None,
    }
}

impl Kernel {
    /// Opens a socket; spawns its connection task on the current tokio runtime.
    pub fn open() -> Result<Kernel, KernelError> {
        let (conn, handle, _) = rtnetlink::new_connection()?;
        tokio::spawn(conn);
        Ok(Kernel {
            handle,
            writes: 0,
            round_trips: 0,
            index: BTreeMap::new(),
            sysctl: Sysctl::proc(),
        })
    }

    /// Turns on the global IPv6 forwarding switch if it is off, keeping every device's own
    /// value ([`Sysctl::enable_ipv6_forwarding`]); its writes are counted.
    pub fn enable_ipv6_forwarding(&mut self) -> Result<Ipv6Global, KernelError> {
        let done = self
            .sysctl
            .enable_ipv6_forwarding()
            .map_err(|source| KernelError::Sysctl {
                step: "set ipv6 forwarding on (net.ipv6.conf.all.forwarding)".into(),
                source,
            });
        if let Ok(d) = &done {
            self.writes += d.writes;
            self.round_trips += d.writes;
        }
        done
    }

    /// The rtnetlink handle, for requests this type does not wrap (route dumps).
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Every link with its addresses (indices resolved to names). Refreshes the index cache.
    pub async fn links(&mut self) -> Result<Vec<Link>, KernelError> {
        self.round_trips += 2;
        let msgs: Vec<LinkMessage> = self
            .handle
            .link()
            .get()
            .execute()
            .try_collect()
            .await
            .map_err(KernelError::Dump)?;
        let names: BTreeMap<u32, String> = msgs
            .iter()
            .filter_map(|m| Some((m.header.index, ifname(m)?)))
            .collect();
        self.index = names.iter().map(|(i, n)| (n.clone(), *i)).collect();
        let mut addrs: BTreeMap<u32, Vec<IpNet>> = BTreeMap::new();
        let amsgs: Vec<AddressMessage> = self
            .handle
            .address()
            .get()
            .execute()
            .try_collect()
            .await
            .map_err(KernelError::Dump)?;
        for m in amsgs {
            if let Some(a) = address_of(&m) {
                addrs.entry(m.header.index).or_default().push(a);
            }
        }
        Ok(msgs
            .iter()
            .filter_map(|m| {
                let mut l = parse_link(m, &names)?;
                l.addresses = addrs.remove(&m.header.index).unwrap_or_default();
                l.addresses.sort();
                Some(l)
            })
            .collect())
    }

    async fn index(&mut self, name: &str, step: &Step) -> Result<u32, KernelError> {
        if let Some(i) = self.index.get(name) {
            return Ok(*i);
        }
        self.round_trips += 1;
        let mut s = self
            .handle
            .link()
            .get()
            .match_name(name.to_string())
            .execute();
        match s.try_next().await {
            Ok(Some(m)) => {
                self.index.insert(name.to_string(), m.header.index);
                Ok(m.header.index)
            }
            Ok(None) => Err(no_device(step, name)),
            Err(e) if errno(&e) == Some(ENODEV) => Err(no_device(step, name)),
            Err(source) => Err(KernelError::Step {
                step: step.to_string(),
                source,
            }),
        }
    }

    /// Applies `plan` in order; stops at the first failure.
    pub async fn apply(&mut self, plan: &Plan) -> Result<(), KernelError> {
        for step in &plan.steps {
            self.writes += 1;
            self.round_trips += 1;
            let r = self.step(step).await;
            if let Step::Delete { name } = step {
                // A recreated device gets a new index.
                self.index.remove(name);
            }
            let ok_errno = match step {
                Step::Delete { .. } => Some(ENODEV),
                Step::AddAddress { .. } => Some(EEXIST),
                Step::DelAddress { .. } => Some(EADDRNOTAVAIL),
                _ => None,
            };
            match r {
                Err(KernelError::Step { source, .. })
                    if ok_errno.is_some() && errno(&source) == ok_errno => {}
                Err(KernelError::NoDevice { .. }) if matches!(step, Step::Delete { .. }) => {}
                other => other?,
            }
        }
        Ok(())
    }

    async fn step(&mut self, step: &Step) -> Result<(), KernelError> {
        let link = self.handle.link();
        let fail = |source| KernelError::Step {
            step: step.to_string(),
            source,
        };
        match step {
            Step::Delete { name } => {
                let i = self.index(name, step).await?;
                link.del(i).execute().await.map_err(fail)
            }
            Step::Create { link: l } => {
                let msg = match &l.kind {
                    Kind::Vrf { table } => LinkVrf::new(&l.name, *table).build(),
                    Kind::Bridge => LinkMessageBuilder::<LinkBridge>::new(&l.name).build(),
                    Kind::Vlan { parent, id, proto } => {
                        let p = self.index(parent, step).await?;
                        let proto = match proto {
                            VlanProto::Dot1q => VlanProtocol::Ieee8021Q,
                            VlanProto::Dot1ad => VlanProtocol::Ieee8021Ad,
                        };
                        LinkVlan::new(&l.name, p, *id).protocol(proto).build()
                    }
                    Kind::Other(k) => unreachable!("lsys never plans to create a {k}"),
                };
                link.add(msg).execute().await.map_err(fail)
            }
            Step::SetAlias { name, alias } => {
                let i = self.index(name, step).await?;
                let msg = LinkUnspec::new_with_index(i).alias(alias.clone()).build();
                link.set(msg).execute().await.map_err(fail)
            }
            Step::SetMaster { name, master } => {
                let i = self.index(name, step).await?;
                let b = LinkUnspec::new_with_index(i);
                let b = match master {
                    Some(m) => b.controller(self.index(m, step).await?),
                    None => b.nocontroller(),
                };
                link.set(b.build()).execute().await.map_err(fail)
            }
            Step::SetUp { name, up } => {
                let i = self.index(name, step).await?;
                let b = LinkUnspec::new_with_index(i);
                let b = if *up { b.up() } else { b.down() };
                link.set(b.build()).execute().await.map_err(fail)
            }
            Step::SetMtu { name, mtu } => {
                let i = self.index(name, step).await?;
                let msg = LinkUnspec::new_with_index(i).mtu(*mtu).build();
                link.set(msg).execute().await.map_err(fail)
            }
            Step::SetForwarding { name, family, on } => self
                .sysctl
                .set_forwarding(*family, name, *on)
                .map_err(|source| KernelError::Sysctl {
                    step: step.to_string(),
                    source,
                }),
            Step::AddAddress { name, address } => {
                let i = self.index(name, step).await?;
                self.handle
                    .address()
                    .add(i, address.addr(), address.prefix_len())
                    .execute()
                    .await
                    .map_err(fail)
            }
            Step::DelAddress { name, address } => {
                let i = self.index(name, step).await?;
                let msg = match address.addr() {
                    IpAddr::V4(a) => rtnetlink::AddressMessageBuilder::<std::net::Ipv4Addr>::new()
                        .index(i)
                        .address(a, address.prefix_len())
                        .build(),
                    IpAddr::V6(a) => rtnetlink::AddressMessageBuilder::<std::net::Ipv6Addr>::new()
                        .index(i)
                        .address(a, address.prefix_len())
                        .build(),
                };
                self.handle.address().del(msg).execute().await.map_err(fail)
            }
        }
    }
}

fn no_device(step: &Step, name: &str) -> KernelError {
    KernelError::NoDevice {
        step: step.to_string(),
        name: name.to_string(),
    }
}

fn ifname(m: &LinkMessage) -> Option<String> {
    m.attributes.iter().find_map(|a| match a {
        LinkAttribute::IfName(n) => Some(n.clone()),
        _ => None,
    })
}

/// One dumped link; `names` resolves master and parent indices.
pub fn parse_link(m: &LinkMessage, names: &BTreeMap<u32, String>) -> Option<Link> {
    let name = ifname(m)?;
    let mut alias = None;
    let mut master = None;
    let mut parent = None;
    let mut kind = None;
    let mut data = None;
    let mut mtu = None;
    let mut forwarding = Forwarding::default();
    for a in &m.attributes {
        match a {
            LinkAttribute::AfSpecUnspec(families) => forwarding = forwarding_of(families),
            LinkAttribute::IfAlias(s) if !s.is_empty() => alias = Some(s.clone()),
            LinkAttribute::Controller(i) => master = names.get(i).cloned(),
            LinkAttribute::Link(i) => parent = names.get(i).cloned(),
            LinkAttribute::Mtu(m) => mtu = Some(*m),
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    match info {
                        LinkInfo::Kind(k) => kind = Some(k.clone()),
                        LinkInfo::Data(d) => data = Some(d.clone()),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let kind = match (kind, data) {
        (Some(InfoKind::Vrf), Some(InfoData::Vrf(v))) => Kind::Vrf {
            table: v
                .iter()
                .find_map(|x| match x {
                    InfoVrf::TableId(t) => Some(*t),
                    _ => None,
                })
                .unwrap_or(0),
        },
        (Some(InfoKind::Bridge), _) => Kind::Bridge,
        (Some(InfoKind::Vlan), Some(InfoData::Vlan(v))) => {
            let mut id = 0;
            let mut proto = VlanProto::Dot1q;
            for x in &v {
                match x {
                    InfoVlan::Id(i) => id = *i,
                    InfoVlan::Protocol(VlanProtocol::Ieee8021Ad) => proto = VlanProto::Dot1ad,
                    _ => {}
                }
            }
            Kind::Vlan {
                parent: parent.unwrap_or_default(),
                id,
                proto,
            }
        }
        (Some(k), _) => Kind::Other(k.to_string()),
        (None, _) => Kind::Other("device".into()),
    };
    Some(Link {
        name,
        kind,
        master,
        alias,
        addresses: vec![],
        up: m.header.flags.contains(LinkFlags::Up),
        mtu,
        forwarding,
    })
}

/// The forwarding values in a link's `IFLA_AF_SPEC` (the kernel's devconf arrays; a family
/// the device has no configuration for is absent).
fn forwarding_of(families: &[AfSpecUnspec]) -> Forwarding {
    let mut f = Forwarding::default();
    for family in families {
        match family {
            AfSpecUnspec::Inet(v) => {
                for x in v {
                    if let AfSpecInet::DevConf(c) = x {
                        f.v4 = Some(c.forwarding != 0);
                    }
                }
            }
            AfSpecUnspec::Inet6(v) => {
                for x in v {
                    if let AfSpecInet6::DevConf(c) = x {
                        f.v6 = Some(c.forwarding != 0);
                    }
                }
            }
            _ => {}
        }
    }
    f
}

/// The address of an RTM_NEWADDR/DELADDR message (IFA_LOCAL, else IFA_ADDRESS: they differ on
/// point-to-point links, where IFA_LOCAL is our side).
pub(crate) fn address_of(m: &AddressMessage) -> Option<IpNet> {
    let mut addr = None;
    for a in &m.attributes {
        match a {
            AddressAttribute::Local(ip) => addr = Some(*ip),
            AddressAttribute::Address(ip) if addr.is_none() => addr = Some(*ip),
            _ => {}
        }
    }
    IpNet::new(addr?, m.header.prefix_len).ok()
}

#[cfg(test)]
mod tests {
    use rtnetlink::packet_route::link::{Inet6DevConf, InetDevConf};

    use super::*;

    fn link_with(af_spec: Option<Vec<AfSpecUnspec>>) -> Link {
        let mut m = LinkMessage::default();
        m.header.index = 4;
        m.attributes.push(LinkAttribute::IfName("irb.4".into()));
        if let Some(a) = af_spec {
            m.attributes.push(LinkAttribute::AfSpecUnspec(a));
        }
        parse_link(&m, &BTreeMap::new()).expect("a link")
    }

    #[test]
    fn forwarding_comes_from_the_devconf_of_each_family() {
        let mut v4 = InetDevConf::default();
        v4.forwarding = 1;
        let v6 = Inet6DevConf::default();
        let l = link_with(Some(vec![
            AfSpecUnspec::Inet(vec![AfSpecInet::DevConf(v4)]),
            AfSpecUnspec::Inet6(vec![AfSpecInet6::DevConf(v6)]),
        ]));
        assert_eq!(
            l.forwarding,
            Forwarding {
                v4: Some(true),
                v6: Some(false)
            }
        );
        // No IPv6 on the device (or in the kernel): no value for it.
        let l = link_with(Some(vec![AfSpecUnspec::Inet(vec![AfSpecInet::DevConf(
            v4,
        )])]));
        assert_eq!(l.forwarding.v6, None);
        assert_eq!(link_with(None).forwarding, Forwarding::default());
    }
}
