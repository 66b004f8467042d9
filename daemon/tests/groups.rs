//! Configuration groups through lsysd: the commit programs the expanded configuration, `show`
//! prints groups as written, `| display inheritance` prints the expansion, a tenant sees only
//! its logical system, and a group cannot lend what its author may not configure.

mod common;

use common::inproc::{FakeKernel, Inproc};
use lsys_protocol::Client;

const CONFIG: &str = "
groups {
    jumbo { interfaces { <*> { mtu 9000; } } }
    tenants { logical-systems { <*> { routing-options { router-id 10.9.9.9; } } } }
    names { system { host-name from-group; } }
}
apply-groups [ jumbo tenants names ];
system { login {
    class t2 { logical-system l2; permissions all; }
    class net { permissions [ configure interface-control view ]; }
    user u2 { class t2; }
    user netop { class net; }
} }
interfaces { eth1 { flexible-vlan-tagging; } }
logical-systems {
  l2 { interfaces { eth1 { unit 4 { encapsulation vlan-bridge; vlan-id 4; } }
                    irb { unit 4 { family inet { address 10.0.0.0/31; } } } }
       bridge-domains { bd4 { vlan-id 4; interface eth1.4; routing-interface irb.4; } } }
}";

fn router() -> (Inproc, FakeKernel, lsysd::session::Session) {
    let kernel = FakeKernel::with_ports(&["eth1"]);
    let mut d = Inproc::new(Some(kernel.clone()));
    let mut root = d.root();
    d.load_override(&mut root, CONFIG);
    (d, kernel, root)
}

fn mtu(kernel: &FakeKernel, name: &str) -> Option<u32> {
    kernel
        .snapshot()
        .into_iter()
        .find(|l| l.name == name)
        .and_then(|l| l.mtu)
}

#[test]
fn the_commit_programs_what_groups_lend() {
    let (d, kernel, mut root) = router();
    assert_eq!(mtu(&kernel, "eth1"), Some(9000));
    assert_eq!(d.core.hostname(), "from-group");
    let intent = d.core.running.get().intent().unwrap();
    assert_eq!(
        intent.logical_systems["l2"].routing_options.router_id,
        Some("10.9.9.9".parse().unwrap())
    );
    // Changing the group alone (a root-only change) reaches the kernel.
    d.ok(&mut root, "configure");
    d.ok(&mut root, "set groups jumbo interfaces <*> mtu 9100");
    assert_eq!(d.ok(&mut root, "commit"), "commit complete\n");
    assert_eq!(mtu(&kernel, "eth1"), Some(9100));
    // A local statement wins over the group.
    d.ok(&mut root, "set interfaces eth1 mtu 1500");
    assert_eq!(
        d.ok(&mut root, "commit and-quit"),
        "commit complete\nExiting configuration mode\n"
    );
    assert_eq!(mtu(&kernel, "eth1"), Some(1500));
}

#[test]
fn show_prints_groups_as_written_and_display_inheritance_expands() {
    let (d, _kernel, mut root) = router();
    let conf = d.ok(&mut root, "show configuration interfaces");
    assert!(!conf.contains("mtu"), "{conf}");
    let inh = d.ok(
        &mut root,
        "show configuration interfaces | display inheritance",
    );
    assert_eq!(
        inh,
        "eth1 {\n    flexible-vlan-tagging;\n    ##\n    ## '9000' was inherited from group 'jumbo'\n    ##\n    mtu 9000;\n}\n"
    );
    let brief = "show configuration interfaces | display inheritance brief";
    assert_eq!(
        d.ok(&mut root, brief),
        "eth1 {\n    flexible-vlan-tagging;\n    ## '9000' was inherited from group 'jumbo'\n    mtu 9000;\n}\n"
    );
    let plain = "show configuration interfaces | display inheritance no-comments";
    assert_eq!(
        d.ok(&mut root, plain),
        "eth1 {\n    flexible-vlan-tagging;\n    mtu 9000;\n}\n"
    );
    // Configuration mode shows the candidate the same way.
    d.ok(&mut root, "configure");
    d.ok(&mut root, "set interfaces eth1 description uplink");
    let inh = d.ok(&mut root, "show interfaces eth1 | display inheritance");
    assert!(inh.starts_with("description uplink;\n"), "{inh}");
    assert!(
        inh.contains("## '9000' was inherited from group 'jumbo'"),
        "{inh}"
    );
}

#[test]
fn a_tenant_sees_its_inheritance_but_not_the_groups() {
    let (mut d, _kernel, _root) = router();
    let mut u2 = d.login(2002, "u2", Client::Cli);
    let conf = d.ok(&mut u2, "show configuration");
    assert!(
        !conf.contains("groups") && !conf.contains("jumbo"),
        "{conf}"
    );
    let inh = d.ok(&mut u2, "show configuration | display inheritance");
    assert!(
        inh.contains("    ## '10.9.9.9' was inherited from group 'tenants'\n"),
        "{inh}"
    );
    assert!(
        !inh.contains("logical-systems") && !inh.contains("groups {"),
        "{inh}"
    );
    // Configuration mode, private candidate (only the logical system) included.
    d.ok(&mut u2, "configure private");
    let inh = d.ok(&mut u2, "show routing-options | display inheritance");
    assert!(inh.contains("router-id 10.9.9.9;"), "{inh}");
    let e = d.err(&mut u2, "set apply-groups jumbo");
    assert!(!e.is_empty(), "{e}");
    let e = d.err(&mut u2, "set groups mine system host-name x");
    assert!(e.contains("syntax error"), "{e}");
}

#[test]
fn a_group_cannot_lend_what_its_author_may_not_configure() {
    let (mut d, _kernel, _root) = router();
    let mut netop = d.login(3001, "netop", Client::Cli);
    d.ok(&mut netop, "configure");
    // Allowed: the group only touches interfaces.
    d.ok(&mut netop, "set groups jumbo interfaces <*> mtu 9200");
    assert_eq!(d.ok(&mut netop, "commit"), "commit complete\n");
    // Refused: a group that adds a login user needs the login permission, like the user.
    d.ok(
        &mut netop,
        "set groups names system login user evil class super-user",
    );
    let e = d.err(&mut netop, "commit");
    assert!(
        e.contains("[edit system]") && e.contains("admin-control"),
        "{e}"
    );
}
