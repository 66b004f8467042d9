//! A speaker's selected path as the routing table takes it: `lsys_fib::BgpRoute` with the
//! `show route` text (`AS path: 12076 I`, `localpref 100`) rendered once per attribute set.

use std::collections::HashMap;
use std::sync::Arc;

use lsys_bgp::instance::Selected;
use lsys_bgp::packet::Attrs;
use lsys_fib::{BgpInfo, BgpRoute};

/// LOCAL_PREF `show route` prints for a route that carries none (Junos's default).
const DEFAULT_LOCAL_PREF: u32 = 100;

/// `12076 I`: the path, then the origin letter (`I` alone for an empty path).
pub fn as_path_text(attrs: &Attrs) -> String {
    let origin = attrs.origin.map_or("?".to_string(), |o| o.to_string());
    match &attrs.as_path {
        Some(p) if !p.is_empty() => format!("{p} {origin}"),
        _ => origin,
    }
}

/// Renders and shares the display part of routes: equal attributes from the same peer give
/// one `Arc<BgpInfo>`.
#[derive(Default)]
pub struct Converter {
    infos: HashMap<BgpInfo, Arc<BgpInfo>>,
}

impl Converter {
    pub fn route(&mut self, s: &Selected, local_as: Option<u32>) -> BgpRoute {
        let a = &s.attrs;
        let info = BgpInfo {
            as_path: as_path_text(a),
            local_pref: Some(a.local_pref.unwrap_or(DEFAULT_LOCAL_PREF)),
            med: a.med,
            from: s.peer,
            peer_as: s.peer_as,
            local_as,
            router_id: None,
            communities: a
                .communities
                .iter()
                .map(|c| c.to_string())
                .chain(a.ext_communities.iter().map(|c| c.to_string()))
                .chain(a.large_communities.iter().map(|c| c.to_string()))
                .collect(),
            internal: s.internal,
        };
        let info = self
            .infos
            .entry(info)
            .or_insert_with_key(|k| Arc::new(k.clone()))
            .clone();
        BgpRoute {
            next_hops: s.next_hops.clone(),
            preference: s.preference,
            info,
        }
    }

    /// Forgets the texts no route uses any more.
    pub fn purge(&mut self) {
        self.infos.retain(|_, v| Arc::strong_count(v) > 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsys_bgp::packet::{AsPath, Origin};

    #[test]
    fn as_paths_as_junos_prints_them() {
        let mut a = Attrs {
            origin: Some(Origin::Igp),
            as_path: Some(AsPath::from_sequence([12076])),
            ..Attrs::default()
        };
        assert_eq!(as_path_text(&a), "12076 I");
        a.origin = Some(Origin::Incomplete);
        a.as_path = Some(AsPath::default());
        assert_eq!(as_path_text(&a), "?");
    }
}
