//! The route dump behind `show route forwarding-table`: one table, both families, on the
//! daemon's rtnetlink connection, parsed by [`crate::route::parse_route`] with device names
//! resolved.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::Handle;

use super::watch::AbortOnDrop;
use super::{parse_live_link, LiveError};
use crate::route::{dump_request, parse_route, KernelRoute, ENOENT};

fn errno(e: &rtnetlink::Error) -> Option<i32> {
    match e {
        rtnetlink::Error::NetlinkError(m) => m.code.map(|c| -c.get()),
        _ => None,
    }
}

/// The IPv4 and IPv6 routes of kernel table `table` (any id, > 255 included), in dump order,
/// with output device names resolved. A table that does not exist is empty.
pub async fn routes_with(handle: &Handle, table: u32) -> Result<Vec<KernelRoute>, LiveError> {
    let mut names: BTreeMap<u32, String> = BTreeMap::new();
    let mut links = handle.link().get().execute();
    while let Some(m) = links.try_next().await.map_err(LiveError::Dump)? {
        if let Some(l) = parse_live_link(&m) {
            names.insert(l.index, l.name);
        }
    }
    let mut out = Vec::new();
    for family in [AddressFamily::Inet, AddressFamily::Inet6] {
        // With NETLINK_GET_STRICT_CHK the kernel dumps only `table`; without it the whole FIB
        // comes back and the filter below does the work.
        let mut s = handle.route().get(dump_request(family, table)).execute();
        loop {
            match s.try_next().await {
                Ok(Some(m)) => {
                    let Some(mut r) = parse_route(&m) else {
                        continue;
                    };
                    if r.table != table {
                        continue;
                    }
                    for nh in &mut r.next_hops {
                        nh.dev = nh.oif.and_then(|i| names.get(&i).cloned());
                    }
                    out.push(r);
                }
                Ok(None) => break,
                Err(e) if errno(&e) == Some(ENOENT) => break,
                Err(e) => return Err(LiveError::Dump(e)),
            }
        }
    }
    Ok(out)
}

/// [`routes_with`] on a connection of its own (opened and closed here).
pub async fn routes(table: u32) -> Result<Vec<KernelRoute>, LiveError> {
    // Kernels before 4.20 refuse NETLINK_GET_STRICT_CHK: fall back to a plain socket.
    let (conn, handle, _) =
        rtnetlink::new_connection_with_strict_check().or_else(|_| rtnetlink::new_connection())?;
    let _conn = AbortOnDrop(tokio::spawn(conn));
    routes_with(&handle, table).await
}
