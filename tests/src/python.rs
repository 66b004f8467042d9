//! One Python venv under the target directory (`target/python-venv`) for the tests that read or
//! drive lsys from Python: ntc-templates (tests/ntc_templates.rs) and netmiko (tests/netmiko.rs).
//! Made with `python3 -m venv` the first time, filled with `pip install` from PyPI, and reused:
//! a test asks for the packages it needs and only missing ones are installed. A lock directory
//! beside the venv keeps two test binaries from building it at once.
//!
//! Without python3, its venv module or a network the test is skipped with a message, except in
//! CI (`$CI` set), where it fails: .ci/run installs python3-venv.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::bin;

/// How long `pip install` may take (a first install downloads a few MB).
const PIP_TIMEOUT: Duration = Duration::from_secs(600);
/// How long making the venv or importing the packages may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(120);
/// A lock older than this is taken to be left by a killed test.
const STALE_LOCK: Duration = Duration::from_secs(900);

/// The venv's directory.
pub fn venv_dir() -> PathBuf {
    bin("lsys")
        .parent()
        .and_then(Path::parent)
        .expect("target directory")
        .join("python-venv")
}

/// Skips (outside CI) or fails (in CI) `test` for `why`.
fn unavailable(test: &str, why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {why} (CI must have python3-venv and network access to PyPI)"
    );
    eprintln!("{test}: skipped: {why}");
}

/// Runs `cmd` for at most `limit`; its output, or why not.
fn run(cmd: &mut Command, limit: Duration) -> Result<Output, String> {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{what}: {e}"))?;
    // Drained on threads: pip's output can fill a pipe.
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|s| Box::new(s) as _));
    let err = drain(child.stderr.take().map(|s| Box::new(s) as _));
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{what} ran longer than {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// The lock directory, removed on drop.
struct Lock(PathBuf);

impl Lock {
    fn take(venv: &Path) -> Result<Lock, String> {
        let path = venv.with_extension("lock");
        let start = Instant::now();
        loop {
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Lock(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let age = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok());
                    if age.is_some_and(|a| a > STALE_LOCK) {
                        let _ = std::fs::remove_dir(&path);
                        continue;
                    }
                    if start.elapsed() > PIP_TIMEOUT + STEP_TIMEOUT {
                        return Err(format!("{} is held by another test", path.display()));
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(format!("cannot make {}: {e}", path.display())),
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Whether `python` imports every one of `modules`.
fn imports(python: &Path, modules: &[&str]) -> bool {
    let code = format!("import {}", modules.join(", "));
    run(Command::new(python).args(["-c", &code]), STEP_TIMEOUT).is_ok_and(|o| o.status.success())
}

/// The venv's python with `packages` installed (checked by importing `modules`), made or
/// completed as needed; `None` when that cannot be done here (skipped, outside CI).
pub fn venv(test: &str, packages: &[&str], modules: &[&str]) -> Option<PathBuf> {
    let dir = venv_dir();
    let python = dir.join("bin/python");
    if imports(&python, modules) {
        return Some(python);
    }
    let _lock = match Lock::take(&dir) {
        Ok(l) => l,
        Err(e) => {
            unavailable(test, &e);
            return None;
        }
    };
    // Another test may have finished the job while this one waited.
    if imports(&python, modules) {
        return Some(python);
    }
    let works = run(Command::new(&python).args(["-c", "pass"]), STEP_TIMEOUT)
        .is_ok_and(|o| o.status.success());
    if !works {
        match run(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&dir),
            STEP_TIMEOUT,
        ) {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                unavailable(
                    test,
                    &format!(
                        "python3 -m venv failed: {}",
                        String::from_utf8_lossy(&o.stderr).trim()
                    ),
                );
                return None;
            }
            Err(e) => {
                unavailable(test, &format!("no python3: {e}"));
                return None;
            }
        }
    }
    let pip = run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(["--timeout", "30"])
            .args(packages),
        PIP_TIMEOUT,
    );
    match pip {
        Ok(o) if o.status.success() && imports(&python, modules) => Some(python),
        Ok(o) => {
            unavailable(
                test,
                &format!(
                    "pip install {} failed (no network?): {}",
                    packages.join(" "),
                    String::from_utf8_lossy(&o.stderr).trim()
                ),
            );
            None
        }
        Err(e) => {
            unavailable(test, &format!("pip: {e}"));
            None
        }
    }
}
