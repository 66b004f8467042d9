//! `lsys-netlink-apply` refuses bad input before touching the kernel. (Its kernel side runs in
//! the lab: tests/tests/netlink_lab.rs.) This integration test also makes `cargo test
//! --workspace` build the binary that the lab test puts on the VM's PATH.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_lsys-netlink-apply");
const SEED: &str = include_str!("../../grammar/tests/fixtures/seed.conf");

#[test]
fn usage_without_arguments() {
    let out = Command::new(BIN).output().expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("usage: lsys-netlink-apply CONFIG"), "{err}");
}

#[test]
fn too_long_interface_name_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("long.conf");
    std::fs::write(&conf, SEED.replace("eth1", "enp0s31f6x1")).expect("write");
    let out = Command::new(BIN).arg(&conf).output().expect("runs");
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("interface name enp0s31f6x1.1000")
            && err.contains("longer than 15 characters"),
        "{err}"
    );
}
