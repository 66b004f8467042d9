//! `lsys-config --help` prints the full usage and `lsys-config --version` the name and
//! version, both on standard output with status 0; no arguments is a usage error.

use std::process::Command;

fn lsys_config(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lsys-config"))
        .args(args)
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
        let (code, out, err) = lsys_config(&[arg]);
        assert_eq!((code, err.as_str()), (0, ""), "{arg}");
        assert!(out.starts_with("usage: lsys-config "), "{out}");
        for word in [
            "check FILE",
            "show FILE",
            "compare OLD NEW",
            "--help",
            "--version",
        ] {
            assert!(out.contains(word), "{arg}: {word} missing from\n{out}");
        }
    }
}

#[test]
fn version_prints_name_and_version() {
    for arg in ["--version", "-V"] {
        let (code, out, err) = lsys_config(&[arg]);
        assert_eq!((code, err.as_str()), (0, ""), "{arg}");
        assert_eq!(out, format!("lsys-config {}\n", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn no_arguments_is_a_usage_error() {
    let (code, out, err) = lsys_config(&[]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.starts_with("usage: lsys-config "), "{err}");
}
