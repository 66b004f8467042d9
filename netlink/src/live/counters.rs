//! Traffic counters and hardware addresses of links, read on demand (`show interfaces NAME`):
//! the event-fed live state does not keep them, since every packet changes them.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use rtnetlink::packet_route::link::{LinkAttribute, LinkMessage};

use super::watch::AbortOnDrop;
use super::LiveError;

/// A link's counters (`IFLA_STATS64`) and address (`IFLA_ADDRESS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    pub mac: Option<[u8; 6]>,
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
}

/// The counters of one link message, by its index.
pub fn parse_counters(m: &LinkMessage) -> (u32, Counters) {
    let mut c = Counters::default();
    for a in &m.attributes {
        match a {
            LinkAttribute::Address(b) if b.len() == 6 => {
                let mut mac = [0u8; 6];
                mac.copy_from_slice(b);
                c.mac = Some(mac);
            }
            LinkAttribute::Stats64(s) => {
                c.rx_packets = s.rx_packets;
                c.tx_packets = s.tx_packets;
                c.rx_bytes = s.rx_bytes;
                c.tx_bytes = s.tx_bytes;
                c.rx_errors = s.rx_errors;
                c.tx_errors = s.tx_errors;
                c.rx_dropped = s.rx_dropped;
                c.tx_dropped = s.tx_dropped;
            }
            _ => {}
        }
    }
    (m.header.index, c)
}

/// Every link's counters, as of now, on a connection of its own.
pub async fn counters_now() -> Result<BTreeMap<u32, Counters>, LiveError> {
    let (conn, handle, _) = rtnetlink::new_connection()?;
    let _conn = AbortOnDrop(tokio::spawn(conn));
    let mut out = BTreeMap::new();
    let mut links = handle.link().get().execute();
    while let Some(m) = links.try_next().await.map_err(LiveError::Dump)? {
        let (i, c) = parse_counters(&m);
        out.insert(i, c);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_route::link::Stats64;

    #[test]
    fn counters_and_mac_are_read() {
        let mut m = LinkMessage::default();
        m.header.index = 7;
        let mut s = Stats64::default();
        s.rx_packets = 5;
        s.tx_bytes = 900;
        m.attributes.push(LinkAttribute::Stats64(s));
        m.attributes
            .push(LinkAttribute::Address(vec![0x02, 0, 0, 0, 0, 0x01]));
        let (i, c) = parse_counters(&m);
        assert_eq!(i, 7);
        assert_eq!(c.rx_packets, 5);
        assert_eq!(c.tx_bytes, 900);
        assert_eq!(c.mac, Some([0x02, 0, 0, 0, 0, 1]));
    }
}
