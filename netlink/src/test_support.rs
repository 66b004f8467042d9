//! Fixtures shared by the unit tests of reconcile and forwarding: the seed's desired state and a
//! physical port as the kernel reports it.

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::typed::intent;

use crate::desired::{desired, Desired, Kind, Link};
use crate::forwarding::Forwarding;

/// The seed scenario (grammar/tests/fixtures/seed.conf).
pub const SEED: &str = include_str!("../../grammar/tests/fixtures/seed.conf");

/// What configuration `text` asks of the kernel, every table id 1000.
pub fn want(text: &str) -> Desired {
    let tree = curly::read(text, ROOT).expect("parses");
    desired(&intent(&tree).expect("typed"), &|_| 1000).expect("desired")
}

/// A port lsys does not own (a veth, up, MTU 9000) with `forwarding` as read.
pub fn port(name: &str, forwarding: Forwarding) -> Link {
    Link {
        name: name.into(),
        kind: Kind::Other("veth".into()),
        master: None,
        alias: None,
        addresses: vec![],
        up: true,
        mtu: Some(9000),
        forwarding,
    }
}
