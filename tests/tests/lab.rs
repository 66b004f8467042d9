//! The real-kernel lab (tests/lab): boots a Debian kernel under qemu with the host root over 9p
//! and runs scripts inside. The CI machine's own kernel has no VRF, 802.1q or dummy devices, so
//! these tests are the only ones that exercise them. They never skip: if qemu cannot run, they fail.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use lsys_tests::{bin, repo_root};

/// `tests/lab/run SCRIPT ARGS...` with this test's freshly built lsys/lsysd on PATH inside.
/// Files the script leaves in `$LSYS_LAB_SCRATCH` come back in `returned` when given.
fn lab_run(script: &Path, args: &[&str], returned: Option<&Path>) -> (Output, f64) {
    let bin_dir = bin("lsysd").parent().expect("bin dir").to_path_buf();
    let mut cmd = Command::new(repo_root().join("tests/lab/run"));
    cmd.arg(script)
        .args(args)
        .env("LSYS_LAB_BIN", bin_dir)
        .stdin(Stdio::null());
    if let Some(dir) = returned {
        cmd.env("LSYS_LAB_OUT", dir);
    }
    let start = Instant::now();
    let out = cmd.output().expect("tests/lab/run starts");
    (out, start.elapsed().as_secs_f64())
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn smoke_vrf_vlan_netns_and_binaries() {
    let (out, secs) = lab_run(&repo_root().join("tests/lab/smoke.sh"), &[], None);
    eprintln!("lab smoke: boot + run {secs:.1} s");
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
    let (out, secs) = lab_run(script.path(), &["a b", "c"], Some(returned.path()));
    eprintln!("lab status: boot + run {secs:.1} s");
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
