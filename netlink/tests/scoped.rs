//! `plan_for`: a commit's plan touches only the devices and ports of the scopes it covers.
//!
//! The configuration: the seed (logical system l2 on eth1, the root configuring eth1), plus l3
//! with a circuit on eth9 (absent from most kernels here), l4 sharing l2's QinQ outer tag 1000
//! on eth1, and a bridge domain of the root.

use std::collections::{BTreeMap, BTreeSet};

use lsys_grammar::schema::ROOT;
use lsys_grammar::text::curly;
use lsys_grammar::typed::intent;
use lsys_netlink::{
    desired, plan, plan_for, Desired, Forwarding, Kind, Link, Plan, PlanError, Step, VlanProto,
    ROOT_LS,
};

const SEED: &str = include_str!("../../grammar/tests/fixtures/seed.conf");

const L3_L4: &str = "logical-systems {
    l3 {
        interfaces {
            eth9 { unit 7 { encapsulation vlan-bridge; vlan-id 7; } }
            irb { unit 7 { family inet { address 10.3.0.1/30; } } }
        }
        bridge-domains { bd-x { interface eth9.7; routing-interface irb.7; } }
    }
    l4 {
        interfaces {
            eth1 { unit 30 { encapsulation vlan-bridge; vlan-tags outer 1000 inner 300; } }
            irb { unit 30 { family inet { address 10.4.0.1/30; } } }
        }
        bridge-domains { bd-y { interface eth1.30; routing-interface irb.30; } }
    }
";

const ROOT_BD: &str = "bridge-domains {
    bd-root { interface eth1.50; routing-interface irb.50; }
}
interfaces {
    irb { unit 50 { family inet { address 192.0.2.1/24; } } }
    eth1 {
        unit 50 { encapsulation vlan-bridge; vlan-id 50; }
";

fn table(key: &str) -> u32 {
    match key {
        "l2/d87ed303-8b9d-48a5-9f08-aa42b4b50cd8" => 1000,
        "l2/master" => 1001,
        "l3/master" => 1003,
        "l4/master" => 1004,
        other => panic!("unexpected instance {other}"),
    }
}

fn want(text: &str) -> Desired {
    let tree = curly::read(text, ROOT).expect("parses");
    desired(&intent(&tree).expect("typed"), &table).expect("desired")
}

/// The seed plus l3, l4 and the root's bridge domain.
fn all_text() -> String {
    SEED.replacen("logical-systems {\n", L3_L4, 1).replacen(
        "interfaces {\n    eth1 {\n",
        ROOT_BD,
        1,
    )
}

fn set(owners: &[&str]) -> BTreeSet<String> {
    owners.iter().map(|o| o.to_string()).collect()
}

fn port(name: &str) -> Link {
    Link {
        name: name.into(),
        kind: Kind::Other("veth".into()),
        master: None,
        alias: None,
        addresses: vec![],
        up: true,
        mtu: Some(9000),
        forwarding: Forwarding::default(),
    }
}

fn converged(want: &Desired, ports: &[&str]) -> Vec<Link> {
    let mut links: Vec<Link> = ports.iter().map(|p| port(p)).collect();
    links.extend(want.links.iter().cloned());
    links
}

fn lines(p: &Plan) -> Vec<String> {
    p.steps.iter().map(|s| s.to_string()).collect()
}

fn step_name(s: &Step) -> &str {
    match s {
        Step::Create { link } => &link.name,
        Step::Delete { name }
        | Step::SetAlias { name, .. }
        | Step::SetMaster { name, .. }
        | Step::AddAddress { name, .. }
        | Step::DelAddress { name, .. }
        | Step::SetUp { name, .. }
        | Step::SetMtu { name, .. }
        | Step::SetForwarding { name, .. } => name,
    }
}

#[test]
fn the_configuration_has_the_expected_owners() {
    let w = want(&all_text());
    assert_eq!(w.owners(), set(&[ROOT_LS, "l2", "l3", "l4"]));
    assert_eq!(w.ports["eth1"].owners, set(&[ROOT_LS, "l2", "l4"]));
    assert_eq!(w.ports["eth1"].required_by, set(&[ROOT_LS, "l2", "l4"]));
    assert_eq!(w.ports["eth9"].required_by, set(&["l3"]));
    // The shared outer device carries the first user's alias; l4's inner rides on it.
    assert_eq!(w.link("eth1.1000").unwrap().owner(), Some("l2"));
    assert!(matches!(&w.link("eth1.30").unwrap().kind,
        Kind::Vlan { parent, .. } if parent == "eth1.1000"));
    assert_eq!(w.link("irb.50").unwrap().owner(), Some(ROOT_LS));
}

#[test]
fn a_tenant_plan_ignores_another_tenants_missing_port() {
    let all = want(&all_text());
    let kernel = [port("lo"), port("eth1")];
    // l2's plan from scratch is exactly the plan of the seed alone.
    let seed_only = plan(&kernel, &want(SEED)).unwrap();
    let p = plan_for(&kernel, &all, &set(&["l2"])).unwrap();
    assert_eq!(lines(&p), lines(&seed_only));
    assert!(p
        .steps
        .iter()
        .all(|s| all.link(step_name(s)).unwrap().owner() == Some("l2")));
    // l3's own plan names its port and only l3.
    let err = plan_for(&kernel, &all, &set(&["l3"])).unwrap_err();
    assert_eq!(
        err,
        PlanError::MissingPort {
            name: "eth9".into(),
            owners: set(&["l3"])
        }
    );
    assert_eq!(err.to_string(), "interface eth9 does not exist");
    assert!(matches!(
        plan_for(&kernel, &all, &set(&["l2", "l3"])),
        Err(PlanError::MissingPort { owners, .. }) if owners == set(&["l3"])
    ));
    // The whole kernel (reconcile at start) still needs every port.
    assert!(
        matches!(plan(&kernel, &all), Err(PlanError::MissingPort { owners, .. }) if owners == set(&["l3"]))
    );
}

#[test]
fn a_stale_device_of_another_tenant_is_not_deleted() {
    let all = want(&all_text());
    let mut kernel = converged(&all, &["lo", "eth1", "eth9"]);
    let mut stale = port("irb.8");
    stale.kind = Kind::Bridge;
    stale.alias = Some("lsys:l3:bridge-domain:old".into());
    kernel.push(stale);
    // l2 differs too: its irb.4 is down; l3's irb.7 lost its address.
    kernel.iter_mut().find(|l| l.name == "irb.4").unwrap().up = false;
    kernel
        .iter_mut()
        .find(|l| l.name == "irb.7")
        .unwrap()
        .addresses
        .clear();
    assert_eq!(
        lines(&plan_for(&kernel, &all, &set(&["l2"])).unwrap()),
        ["set irb.4 up"]
    );
    assert_eq!(
        lines(&plan_for(&kernel, &all, &set(&["l3"])).unwrap()),
        ["delete irb.8", "add address 10.3.0.1/30 dev irb.7"]
    );
    assert!(plan_for(&kernel, &all, &set(&["l4", ROOT_LS]))
        .unwrap()
        .is_empty());
}

#[test]
fn a_shared_outer_device_outlives_one_tenant_leaving_it() {
    let all = want(&all_text());
    let kernel = converged(&all, &["lo", "eth1", "eth9"]);
    // l2 drops its QinQ circuit: eth1.1000 is now wanted for l4 alone.
    let after = want(&all_text().replacen("interface eth1.2;", "", 1));
    assert_eq!(after.link("eth1.1000").unwrap().owner(), Some("l4"));
    assert_eq!(
        lines(&plan_for(&kernel, &after, &set(&["l2"])).unwrap()),
        ["delete eth1.2"]
    );
    // l4's next plan labels it as l4's.
    assert_eq!(
        lines(&plan_for(&kernel, &after, &set(&["l4"])).unwrap()),
        ["set eth1.1000 alias lsys:l4:outer:1000"]
    );
    // A kernel without it: l4's plan creates the outer device l2 owns, its inner rides on it.
    let bare: Vec<Link> = kernel
        .iter()
        .filter(|l| l.owner() != Some("l4") && l.name != "eth1.1000" && l.name != "eth1.2")
        .cloned()
        .collect();
    let p = plan_for(&bare, &all, &set(&["l4"])).unwrap();
    assert_eq!(
        lines(&p)[..4],
        [
            "create vrf1004 vrf table 1004",
            "set vrf1004 alias lsys:l4:master",
            "create eth1.1000 vlan 802.1ad 1000 on eth1",
            "set eth1.1000 alias lsys:l2:outer:1000",
        ]
    );
}

/// l2's QinQ circuit becomes unit 1000 with VLAN 1000: the shared outer device is renamed.
fn l2_claims_unit_1000() -> String {
    all_text()
        .replacen("vlan-tags outer 1000 inner 100;", "vlan-id 1000;", 1)
        .replacen("unit 2 {", "unit 1000 {", 1)
        .replacen("interface eth1.2;", "interface eth1.1000;", 1)
}

#[test]
fn a_tenant_cannot_replace_a_device_another_tenant_rides_on() {
    let all = want(&all_text());
    let kernel = converged(&all, &["lo", "eth1", "eth9"]);
    // l2 moves its circuit off QinQ and claims unit 1000: the outer device (l4's inner on it)
    // must become eth1.q1000, and eth1.1000 l2's own VLAN.
    let text = l2_claims_unit_1000();
    let after = want(&text);
    assert_eq!(after.link("eth1.q1000").unwrap().owner(), Some("l4"));
    assert_eq!(after.link("eth1.1000").unwrap().owner(), Some("l2"));
    let err = plan_for(&kernel, &after, &set(&["l2"])).unwrap_err();
    assert_eq!(
        err,
        PlanError::InUse {
            name: "eth1.1000".into(),
            owners: set(&["l4"])
        }
    );
    // Nor delete one of its own devices that another tenant's VLAN, as configured, rides on
    // (labelled l2 by mistake, say).
    let mut odd = kernel.clone();
    odd.iter_mut().find(|l| l.name == "eth1.1000").unwrap().kind = Kind::Vlan {
        parent: "eth1".into(),
        id: 1000,
        proto: VlanProto::Dot1q,
    };
    odd.iter_mut().find(|l| l.name == "eth1.30").unwrap().alias = Some("lsys:l2:moved".into());
    assert!(matches!(
        plan_for(&odd, &all, &set(&["l2"])),
        Err(PlanError::InUse { name, owners }) if name == "eth1.1000" && owners == set(&["l4"])
    ));
    // The whole kernel, or both tenants together, can.
    assert!(plan(&kernel, &after).is_ok());
    let both = plan_for(&kernel, &after, &set(&["l2", "l4"])).unwrap();
    assert_eq!(both, plan(&kernel, &after).unwrap());
    // l4 alone moves its devices off eth1.1000 but may not delete it: l2's VLAN 100 rides on it.
    let err = plan_for(&kernel, &after, &set(&["l4"])).unwrap_err();
    assert!(
        matches!(&err, PlanError::InUse { owners, .. } if *owners == set(&["l2"])),
        "{err}"
    );
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const OWNERS: [&str; 4] = [ROOT_LS, "l2", "l3", "l4"];

/// A kernel that differs from `want` at random: devices missing, recreated, relabelled, in
/// another state, stale devices of any owner (some riding on other owners' devices).
fn random_kernel(rng: &mut Rng, want: &Desired) -> Vec<Link> {
    let ports: &[&str] = if rng.below(2) == 0 {
        &["lo", "eth1", "eth9"]
    } else {
        &["lo", "eth1"]
    };
    let mut links = converged(want, ports);
    for _ in 0..rng.below(6) {
        let i = ports.len() + rng.below(links.len() - ports.len());
        let owner = OWNERS[rng.below(OWNERS.len())];
        match rng.below(8) {
            0 => {
                links.remove(i);
            }
            1 => {
                if let Kind::Vlan { id, .. } = &mut links[i].kind {
                    *id += 1;
                }
            }
            2 => links[i].alias = Some(format!("lsys:{owner}:moved")),
            3 => {
                let l = &mut links[i];
                (l.alias, l.master, l.up) = (None, None, false);
                l.addresses.clear();
            }
            4 => links[i].up = !links[i].up,
            5 => links[i].master = None,
            6 => {
                let parent = links[i].name.clone();
                let mut v = port(&format!("st{}", rng.below(100)));
                v.kind = Kind::Vlan {
                    parent,
                    id: 3000,
                    proto: VlanProto::Dot1q,
                };
                v.alias = Some(format!("lsys:{owner}:stale"));
                links.push(v);
            }
            _ => {
                let mut b = port(&format!("irb.{}", 900 + rng.below(10)));
                b.kind = Kind::Bridge;
                b.alias = Some(format!("lsys:{owner}:stale"));
                b.master = Some(links[i].name.clone());
                links.push(b);
            }
        }
    }
    links.sort_by(|a, b| a.name.cmp(&b.name));
    links.dedup_by(|a, b| a.name == b.name);
    links
}

/// The kernel after `plan`: deletes take the VLANs on the device along and release its slaves;
/// `None` when the kernel would refuse a create (the name, or the tag of a VLAN, is taken).
fn apply(actual: &[Link], plan: &Plan) -> Option<BTreeMap<String, Link>> {
    let mut k: BTreeMap<String, Link> =
        actual.iter().map(|l| (l.name.clone(), l.clone())).collect();
    for s in &plan.steps {
        match s {
            Step::Delete { name } => {
                let mut doomed = vec![name.clone()];
                while let Some(n) = doomed.pop() {
                    k.remove(&n);
                    for l in k.values_mut() {
                        if l.master.as_deref() == Some(&n) {
                            l.master = None;
                        }
                    }
                    doomed.extend(
                        k.values()
                            .filter(
                                |l| matches!(&l.kind, Kind::Vlan { parent, .. } if *parent == n),
                            )
                            .map(|l| l.name.clone()),
                    );
                }
            }
            Step::Create { link } => {
                let tag_taken = matches!(link.kind, Kind::Vlan { .. })
                    && k.values().any(|l| l.kind == link.kind);
                if tag_taken || k.contains_key(&link.name) {
                    return None;
                }
                k.insert(link.name.clone(), link.clone());
            }
            other => {
                let l = k.get_mut(step_name(other)).expect("the device exists");
                match other {
                    Step::SetAlias { alias, .. } => l.alias = Some(alias.clone()),
                    Step::SetMaster { master, .. } => l.master = master.clone(),
                    Step::AddAddress { address, .. } => l.addresses.push(*address),
                    Step::DelAddress { address, .. } => l.addresses.retain(|a| a != address),
                    Step::SetUp { up, .. } => l.up = *up,
                    Step::SetMtu { mtu, .. } => l.mtu = Some(*mtu),
                    Step::SetForwarding { family, on, .. } => l.forwarding.set(*family, *on),
                    Step::Delete { .. } | Step::Create { .. } => unreachable!(),
                }
            }
        }
    }
    Some(k)
}

#[test]
fn a_scoped_plan_touches_only_its_owners() {
    let variants = [
        all_text(),
        all_text().replacen("interface eth1.2;", "", 1),
        all_text().replace("outer 1000", "outer 1001"),
        all_text().replacen("interface eth1.30;", "", 1),
        l2_claims_unit_1000(),
    ];
    let wants: Vec<Desired> = variants.iter().map(|t| want(t)).collect();
    let mut rng = Rng(0x5eed_1a55_0fc0_ffee);
    let (mut ok, mut failed) = (0, 0);
    for round in 0..300 {
        // The kernel of one configuration, the plan towards another.
        let from = rng.below(wants.len());
        let actual = random_kernel(&mut rng, &wants[from]);
        let w = &wants[round % wants.len()];
        let whole = plan(&actual, w);
        // The whole plan applies: so does every scoped plan (which may also refuse instead).
        let applies = whole.as_ref().is_ok_and(|p| apply(&actual, p).is_some());
        for mask in 0..(1u32 << OWNERS.len()) {
            let s: BTreeSet<String> = (0..OWNERS.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| OWNERS[i].to_string())
                .collect();
            let result = plan_for(&actual, w, &s);
            if s.len() == OWNERS.len() {
                assert_eq!(result, whole, "plan_for(all) is plan");
            }
            let p = match result {
                Ok(p) => p,
                Err(PlanError::MissingPort { owners, .. }) => {
                    assert!(!owners.is_empty() && owners.is_subset(&s));
                    failed += 1;
                    continue;
                }
                Err(PlanError::InUse { owners, .. }) => {
                    assert!(!owners.is_empty() && owners.is_disjoint(&s));
                    failed += 1;
                    continue;
                }
                Err(PlanError::Foreign { .. }) => {
                    failed += 1;
                    continue;
                }
            };
            ok += 1;
            let kernel_owner = |n: &str| actual.iter().find(|l| l.name == n).and_then(Link::owner);
            for step in &p.steps {
                let n = step_name(step);
                let covered = |o: Option<&str>| o.is_some_and(|o| s.contains(o));
                let named = if let Some(port) = w.ports.get(n) {
                    !port.owners.is_disjoint(&s)
                } else if let Step::Delete { .. } = step {
                    covered(kernel_owner(n)) || kernel_owner(n).is_none()
                } else {
                    let wl = w.link(n).expect("a wanted device");
                    // A device of another owner only when a covered VLAN rides on it and the
                    // kernel lacks it (or holds it in a form of a covered owner).
                    covered(wl.owner())
                        || (w
                            .links
                            .iter()
                            .any(|c| covered(c.owner()) && rides_on(w, c, n))
                            && kernel_owner(n).is_none_or(|o| s.contains(o)))
                };
                assert!(named, "{step} in plan_for({s:?})");
            }
            // Every device of another owner (labelled so, or standing as the configuration
            // wants it for another owner) is left exactly as it was; one the kernel labels for
            // another owner but the configuration gives to a covered one is changed in place
            // at most (relabelled), never deleted or recreated.
            let Some(after) = apply(&actual, &p) else {
                assert!(!applies, "the kernel refuses plan_for({s:?})");
                continue;
            };
            let covered = |o: Option<&str>| o.is_some_and(|o| s.contains(o));
            for l in actual.iter().filter(|l| l.owner().is_some()) {
                let wl = w.link(&l.name);
                let now = after.get(&l.name);
                if wl.is_some_and(|wl| covered(wl.owner())) {
                    if !covered(l.owner()) {
                        assert!(!p.steps.contains(&Step::Delete {
                            name: l.name.clone()
                        }));
                        assert_eq!(now.map(|n| &n.kind), Some(&l.kind));
                    }
                } else if !covered(l.owner()) || wl.is_some_and(|wl| wl.kind == l.kind) {
                    assert_eq!(now, Some(l), "{l:?} in plan_for({s:?})");
                }
            }
            // And the plan is complete: planning again finds nothing to do.
            let again: Vec<Link> = after.into_values().collect();
            assert_eq!(
                plan_for(&again, w, &s),
                Ok(Plan::default()),
                "plan_for({s:?})"
            );
        }
    }
    assert!(ok > 1000 && failed > 100, "ok {ok}, failed {failed}");
}

/// Whether `c` is a VLAN riding (transitively) on the wanted device `name`.
fn rides_on(w: &Desired, c: &Link, name: &str) -> bool {
    let mut l = c;
    while let Kind::Vlan { parent, .. } = &l.kind {
        if parent == name {
            return true;
        }
        match w.link(parent) {
            Some(p) => l = p,
            None => return false,
        }
    }
    false
}
