//! lsysd programming the kernel inside the commit, in the real-kernel lab
//! (tests/lab/dataplane.sh): the seed scenario's circuits over a veth port, the tenant's
//! `show interfaces terse`, pings through the VRF, link down/up, foreign objects, a restart with
//! zero writes, conflicting tenants, a missing port and a half-applied plan undone; static
//! routes and ping (routing.sh); BGP with BIRD and FRR (bgp.sh), two tenants' Cloud Routers
//! side by side with a scripted peer (bgp-tenants.sh) and VRF-scoped MD5 keys (bgp-vrf.sh).

use lsys_tests::vm::{passed, run, seed_fixture, TENANT};
use lsys_tests::{bin, repo_root};

#[test]
fn commit_programs_the_kernel_and_undoes_failures() {
    let (bin_dir, conf) = seed_fixture("dataplane-seed.conf");
    let out = run(&bin_dir, "dataplane.sh", &[&conf, TENANT], None);
    passed(&out, "DATAPLANE-OK");
}

#[test]
fn static_routes_show_route_ping_and_traceroute_in_the_tenant_vrf() {
    let (bin_dir, conf) = seed_fixture("routing-seed.conf");
    let out = run(&bin_dir, "routing.sh", &[&conf, TENANT], None);
    passed(&out, "ROUTING-OK");
}

/// The seed Cloud Router end to end (tests/lab/bgp.sh): BIRD as AWS and FRR as Azure on the
/// seed's circuits, sessions with MD5 inside the tenant's VRF; the tenant's `show bgp summary`,
/// `show route` and `show interfaces terse` against tests/lab/golden/seed-*.out (ages and
/// packet counters masked; `LSYS_BLESS=1` rewrites them from this run) and lsysd's resident
/// memory; BGP routes in the VRF table, each cloud learning the other's prefixes, transit
/// traffic, static over BGP; an import policy applied without resetting either session (flap
/// counts printed); a prefix-limit teardown and its recovery; a wrong key and the reason
/// `show bgp neighbor` gives; AWS's BIRD killed and restarted; a restart of lsysd.
#[test]
fn the_seed_cloud_router_peers_with_bird_and_frr() {
    let (bin_dir, conf) = seed_fixture("bgp-seed.conf");
    let out = run(&bin_dir, "bgp.sh", &[&conf, TENANT], None);
    let stdout = passed(&out, "BGP-OK");
    bless_goldens(&stdout);
}

/// Two tenants' Cloud Routers on one router (tests/lab/bgp-tenants.sh): the seed (AWS, Azure)
/// and a second logical system `zen` (AS 62610, irb.7 on VLAN 7) peering with Tencent (BIRD,
/// AS 45090) at 10.0.0.1 -- the AWS peer's address -- and 10.0.0.3 under another MD5 key: four
/// sessions up at once, each tenant's VRF table, cloud and `show bgp summary` holding only its
/// own; then `bgp-script-peer` as a third neighbor of zen: a malformed UPDATE (RFC 7606
/// treat-as-withdraw) withdraws its route and the session stays up without a flap.
#[test]
fn two_tenants_peer_with_the_same_address_and_a_malformed_update_withdraws() {
    let (bin_dir, conf) = seed_fixture("bgp-tenants-seed.conf");
    bin("bgp-script-peer");
    let out = run(&bin_dir, "bgp-tenants.sh", &[&conf, TENANT], None);
    passed(&out, "BGP-TENANTS-OK");
}

/// Under `LSYS_BLESS=1`, writes each `golden: NAME begin` ... `golden: NAME end` block of a lab
/// script's stdout to tests/lab/golden/NAME (the lab sees the host read-only). Otherwise the
/// script has already compared each block with its golden itself (`diff -u`, failing).
fn bless_goldens(stdout: &str) {
    if std::env::var("LSYS_BLESS").as_deref() != Ok("1") {
        return;
    }
    let dir = repo_root().join("tests/lab/golden");
    std::fs::create_dir_all(&dir).expect("tests/lab/golden");
    let mut lines = stdout.lines();
    let mut blessed = 0;
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix("golden: ")
            .and_then(|l| l.strip_suffix(" begin"))
        else {
            continue;
        };
        assert!(
            !name.is_empty() && !name.contains('/'),
            "bad golden name {name:?}"
        );
        let end = format!("golden: {name} end");
        let mut text = String::new();
        let mut closed = false;
        for l in lines.by_ref() {
            if l == end {
                closed = true;
                break;
            }
            text.push_str(l);
            text.push('\n');
        }
        assert!(closed, "golden {name} has no end line:\n{stdout}");
        std::fs::write(dir.join(name), text).expect("write golden");
        eprintln!("blessed tests/lab/golden/{name}");
        blessed += 1;
    }
    assert!(blessed > 0, "no golden blocks in the output:\n{stdout}");
}

/// TCP MD5 keys scoped to VRFs (tests/lab/bgp-vrf.sh, the `bgp-vrf-probe` binary): two VRFs
/// with the same peer address and different keys, listeners on :179 in the main table and in
/// both VRFs at once, keys added at run time, outgoing connects signed with their VRF's key.
#[test]
fn md5_keys_are_scoped_to_their_vrf() {
    let bin_dir = bin("bgp-vrf-probe")
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let out = run(&bin_dir, "bgp-vrf.sh", &[], None);
    let stdout = passed(&out, "VRF-MD5-OK");
    for line in stdout.lines().filter(|l| l.starts_with("check:")) {
        eprintln!("{line}");
    }
}

#[test]
fn commit_stage_failures_leave_the_real_kernel_unchanged() {
    let bin_dir = bin("lsysd").parent().expect("bin dir").to_path_buf();
    let faults = bin_dir.join("examples/lab-faults");
    assert!(
        faults.exists(),
        "{} is not built: run `cargo build -p lsysd --examples` (cargo test --workspace does)",
        faults.display()
    );
    let seed = repo_root().join("grammar/tests/fixtures/seed.conf");
    let out = run(
        &bin_dir,
        "faults.sh",
        &[seed.to_str().expect("utf-8 path")],
        None,
    );
    let stdout = passed(&out, "FAULTS-OK");
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("figure: injected"))
            .count(),
        10,
        "{stdout}"
    );
}
