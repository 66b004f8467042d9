//! `lsysd --help` prints the full usage and `lsysd --version` the name and version, both on
//! standard output with status 0, before anything starts.

use std::process::Command;

fn lsysd(arg: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lsysd"))
        .arg(arg)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_prints_full_usage_on_stdout() {
    for arg in ["--help", "-h"] {
        let (code, out, err) = lsysd(arg);
        assert_eq!((code, err.as_str()), (0, ""), "{arg}");
        assert!(out.starts_with("usage: lsysd "), "{out}");
        for option in [
            "--state-dir",
            "--socket",
            "--no-dataplane",
            "--help",
            "--version",
        ] {
            assert!(out.contains(option), "{arg}: {option} missing from\n{out}");
        }
    }
}

#[test]
fn version_prints_name_and_version() {
    for arg in ["--version", "-V"] {
        let (code, out, err) = lsysd(arg);
        assert_eq!((code, err.as_str()), (0, ""), "{arg}");
        assert_eq!(out, format!("lsysd {}\n", env!("CARGO_PKG_VERSION")));
    }
}
