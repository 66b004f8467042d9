//! The kernel's IPv4 neighbor (ARP) table, read on demand (`show arp`): entries change with
//! traffic, so the live state does not keep them.
//!
//! An entry is shown when it has a hardware address the kernel forwards to: reachable, stale,
//! delay, probe (being confirmed, still used) or permanent. Incomplete and failed entries have
//! none; noarp entries (point-to-point, multicast) are not ARP's.

use std::net::Ipv4Addr;

use futures::TryStreamExt;
use rtnetlink::packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourMessage, NeighbourState,
};
use rtnetlink::packet_route::AddressFamily;

use super::watch::AbortOnDrop;
use super::LiveError;

/// One resolved IPv4 neighbor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Neighbor {
    /// The link it was learned on.
    pub index: u32,
    pub address: Ipv4Addr,
    pub mac: [u8; 6],
    /// Configured, never expires (`ip neigh add ... permanent`): Junos's `permanent` flag.
    pub permanent: bool,
}

/// The neighbor of one message, if it is a resolved IPv4 (Ethernet) entry.
pub fn parse_neighbor(m: &NeighbourMessage) -> Option<Neighbor> {
    let permanent = match m.header.state {
        NeighbourState::Reachable
        | NeighbourState::Stale
        | NeighbourState::Delay
        | NeighbourState::Probe => false,
        NeighbourState::Permanent => true,
        _ => return None,
    };
    let mut address = None;
    let mut mac = None;
    for a in &m.attributes {
        match a {
            NeighbourAttribute::Destination(NeighbourAddress::Inet(v4)) => address = Some(*v4),
            NeighbourAttribute::LinkLayerAddress(b) if b.len() == 6 => {
                let mut m = [0u8; 6];
                m.copy_from_slice(b);
                mac = Some(m);
            }
            _ => {}
        }
    }
    Some(Neighbor {
        index: m.header.ifindex,
        address: address?,
        mac: mac?,
        permanent,
    })
}

/// Every resolved IPv4 neighbor, as of now, on a connection of its own.
pub async fn neighbors_now() -> Result<Vec<Neighbor>, LiveError> {
    let (conn, handle, _) = rtnetlink::new_connection()?;
    let _conn = AbortOnDrop(tokio::spawn(conn));
    let mut out = Vec::new();
    let mut dump = handle
        .neighbours()
        .get()
        .set_address_family(AddressFamily::Inet)
        .execute();
    while let Some(m) = dump.try_next().await.map_err(LiveError::Dump)? {
        out.extend(parse_neighbor(&m));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(
        state: NeighbourState,
        addr: Option<Ipv4Addr>,
        mac: Option<&[u8]>,
    ) -> NeighbourMessage {
        let mut m = NeighbourMessage::default();
        m.header.ifindex = 9;
        m.header.state = state;
        if let Some(a) = addr {
            m.attributes
                .push(NeighbourAttribute::Destination(NeighbourAddress::Inet(a)));
        }
        if let Some(b) = mac {
            m.attributes
                .push(NeighbourAttribute::LinkLayerAddress(b.to_vec()));
        }
        m
    }

    #[test]
    fn resolved_entries_only() {
        let a = Ipv4Addr::new(10, 0, 0, 1);
        let mac = [0x02, 0, 0, 0, 0, 0x01];
        let got = parse_neighbor(&message(NeighbourState::Stale, Some(a), Some(&mac)));
        assert_eq!(
            got,
            Some(Neighbor {
                index: 9,
                address: a,
                mac,
                permanent: false
            })
        );
        let permanent = parse_neighbor(&message(NeighbourState::Permanent, Some(a), Some(&mac)));
        assert!(permanent.is_some_and(|n| n.permanent));
        // Being resolved, failed, or not ARP's: not shown.
        for state in [
            NeighbourState::Incomplete,
            NeighbourState::Failed,
            NeighbourState::Noarp,
        ] {
            assert_eq!(parse_neighbor(&message(state, Some(a), Some(&mac))), None);
        }
        // No hardware address, or not an Ethernet one.
        assert_eq!(
            parse_neighbor(&message(NeighbourState::Reachable, Some(a), None)),
            None
        );
        assert_eq!(
            parse_neighbor(&message(
                NeighbourState::Reachable,
                Some(a),
                Some(&[1, 2, 3, 4])
            )),
            None
        );
        assert_eq!(
            parse_neighbor(&message(NeighbourState::Reachable, None, Some(&mac))),
            None
        );
    }
}
