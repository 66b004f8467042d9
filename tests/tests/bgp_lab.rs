//! BGP on a real VRF kernel, in the lab (tests/lab/bgp-vrf.sh): TCP MD5 keys scoped to VRFs —
//! two tenants' VRFs with the same peer address and different keys, listeners on :179 in the
//! main table and in both VRFs at once, keys added at run time, outgoing connects signed with
//! their VRF's key.

use std::process::{Command, Stdio};

use lsys_tests::{bin, repo_root};

#[test]
fn md5_keys_are_scoped_to_their_vrf() {
    let probe = bin("bgp-vrf-probe");
    let bin_dir = probe.parent().expect("bin dir");
    let root = repo_root();
    let out = Command::new(root.join("tests/lab/run"))
        .arg(root.join("tests/lab/bgp-vrf.sh"))
        .env("LSYS_LAB_BIN", bin_dir)
        .stdin(Stdio::null())
        .output()
        .expect("tests/lab/run starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let shown = format!(
        "exit {:?}\n--- stdout\n{stdout}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(stdout.lines().any(|l| l == "VRF-MD5-OK"), "{shown}");
    for line in stdout.lines().filter(|l| l.starts_with("check:")) {
        eprintln!("{line}");
    }
}
