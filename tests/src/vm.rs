//! Running a script of tests/lab in the real-kernel VM (`tests/lab/run`) from a test: the seed
//! fixture for the VM's tenant user, the run itself, and the check that it passed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use crate::{bin, ensure_user, repo_root};

/// The Unix user the lab scripts run the seed's tenant shell as (the VM shares this machine's
/// /etc/passwd, so it is created here).
pub const TENANT: &str = "lsys-t2";

/// The seed fixture with its tenant user renamed to [`TENANT`], written as `file` in a
/// directory next to the binaries; returns that bin dir and the fixture's path.
pub fn seed_fixture(file: &str) -> (PathBuf, String) {
    ensure_user(TENANT);
    let bin_dir = bin("lsysd").parent().expect("bin dir").to_path_buf();
    bin("lsys");
    let seed = std::fs::read_to_string(repo_root().join("grammar/tests/fixtures/seed.conf"))
        .expect("seed fixture");
    let conf_dir = bin_dir.join("lab-fixtures");
    std::fs::create_dir_all(&conf_dir).expect("fixture dir");
    let conf = conf_dir.join(file);
    std::fs::write(
        &conf,
        seed.replace("user jvetter {", &format!("user {TENANT} {{")),
    )
    .expect("write fixture");
    (bin_dir, conf.to_str().expect("utf-8 path").to_string())
}

/// `tests/lab/run SCRIPT ARGS...` with the binaries of `bin_dir` on PATH inside; `script` is a
/// path or a name under tests/lab. Files the script leaves in `$LSYS_LAB_SCRATCH` come back in
/// `returned` when given. Prints the run's time and the script's `figure:` lines.
pub fn run(bin_dir: &Path, script: &str, args: &[&str], returned: Option<&Path>) -> Output {
    let root = repo_root();
    let mut cmd = Command::new(root.join("tests/lab/run"));
    cmd.arg(root.join("tests/lab").join(script))
        .args(args)
        .env("LSYS_LAB_BIN", bin_dir)
        .stdin(Stdio::null());
    if let Some(dir) = returned {
        cmd.env("LSYS_LAB_OUT", dir);
    }
    let start = Instant::now();
    let out = cmd.output().expect("tests/lab/run starts");
    let name = Path::new(script).file_name().unwrap_or_default();
    eprintln!(
        "lab {}: boot + run {:.1} s",
        name.to_string_lossy(),
        start.elapsed().as_secs_f64()
    );
    for line in String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("figure:"))
    {
        eprintln!("{line}");
    }
    out
}

/// A run's exit status and both streams, for assertion messages.
pub fn shown(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts that a lab script exited 0 and printed the line `marker`; returns its stdout.
pub fn passed(out: &Output, marker: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{}", shown(out));
    assert!(stdout.lines().any(|l| l == marker), "{}", shown(out));
    stdout
}
