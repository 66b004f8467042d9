//! The real-kernel lab (tests/lab): boots a Debian kernel under qemu with the host root over 9p
//! and runs scripts inside. The CI machine's own kernel has no VRF, 802.1q or dummy devices, so
//! these tests are the only ones that exercise them. They never skip: if qemu cannot run, they fail.

use std::io::Write;

use lsys_tests::bin;
use lsys_tests::vm::{self, shown as show};

#[test]
fn smoke_vrf_vlan_netns_and_binaries() {
    let out = vm::run(bin_dir(), "smoke.sh", &[], None);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.lines().any(|l| l == "LSYS-LAB-SMOKE-OK"),
        "{}",
        show(&out)
    );
    assert!(stdout.contains("step: kernel 6.1."), "{}", show(&out));
}

#[test]
fn runner_returns_status_and_separate_streams() {
    // A script under /tmp (shadowed by a tmpfs inside) is copied in by the runner.
    let mut script = tempfile::Builder::new()
        .prefix("lsys-lab")
        .suffix(".sh")
        .tempfile()
        .expect("temp script");
    write!(
        script,
        "#!/bin/sh\necho \"out $1 $2\"\necho \"err $(uname -r)\" >&2\n\
         echo returned > \"$LSYS_LAB_SCRATCH/file\"\nexit 7\n"
    )
    .expect("write script");
    script.flush().expect("flush");
    let returned = tempfile::tempdir().expect("temp dir");
    let script = script.path().to_str().expect("utf-8 path");
    let out = vm::run(bin_dir(), script, &["a b", "c"], Some(returned.path()));
    assert_eq!(out.status.code(), Some(7), "{}", show(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "out a b c\n",
        "{}",
        show(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("err 6.1."), "{}", show(&out));
    let file = std::fs::read_to_string(returned.path().join("file")).expect("returned file");
    assert_eq!(file, "returned\n");
}

/// This test's freshly built lsys/lsysd, for PATH inside the VM.
fn bin_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| bin("lsysd").parent().expect("bin dir").to_path_buf())
}
