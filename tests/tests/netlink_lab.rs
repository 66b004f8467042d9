//! The netlink dataplane (crate lsys-netlink) in the real-kernel lab: `lsys-netlink-apply` realizes
//! the seed scenario over a veth port, pings cross the VRF, a converged kernel takes zero writes,
//! foreign devices survive and a removed circuit's devices go (tests/lab/netlink-seed.sh).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf()
}

#[test]
fn seed_circuits_ping_reconcile_and_foreign_devices() {
    let exe = std::env::current_exe().expect("test executable path");
    let bin_dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target directory")
        .to_path_buf();
    assert!(
        bin_dir.join("lsys-netlink-apply").exists(),
        "{} has no lsys-netlink-apply: run `cargo build -p lsys-netlink` (or `cargo test --workspace`)",
        bin_dir.display()
    );
    let root = repo_root();
    let start = Instant::now();
    let out = Command::new(root.join("tests/lab/run"))
        .arg(root.join("tests/lab/netlink-seed.sh"))
        .arg(root.join("grammar/tests/fixtures/seed.conf"))
        .env("LSYS_LAB_BIN", &bin_dir)
        .stdin(Stdio::null())
        .output()
        .expect("tests/lab/run starts");
    let secs = start.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let shown = format!(
        "exit {:?}\n--- stdout\n{stdout}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("lab netlink-seed: boot + run {secs:.1} s");
    for line in stdout.lines().filter(|l| l.starts_with("figure:")) {
        eprintln!("{line}");
    }
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(stdout.lines().any(|l| l == "NETLINK-SEED-OK"), "{shown}");
    assert!(stdout.contains("figure: second apply 0 writes"), "{shown}");
    assert!(
        stdout.contains("figure: removing the circuit 2 writes"),
        "{shown}"
    );
}
