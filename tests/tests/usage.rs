//! `--help` prints the full usage and `--version` the name and version, both on standard
//! output with status 0, for each of lsys (without needing lsysd), lsysd (before anything
//! starts) and lsys-config; lsys-config without arguments is a usage error.

use std::process::Command;

use lsys_tests::bin;

/// Each binary, the words its usage must name.
const BINARIES: &[(&str, &[&str])] = &[
    (
        "lsys",
        &[
            "--socket",
            "--command",
            "--file",
            "--echo",
            "--help",
            "--version",
        ],
    ),
    (
        "lsysd",
        &[
            "--state-dir",
            "--socket",
            "--no-dataplane",
            "--help",
            "--version",
        ],
    ),
    (
        "lsys-config",
        &[
            "check FILE",
            "show FILE",
            "compare OLD NEW",
            "--help",
            "--version",
        ],
    ),
];

/// `name args...`: exit status, stdout, stderr. No lsysd is reachable.
fn run(name: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin(name))
        .args(args)
        .env("LSYS_SOCKET", "/nonexistent/lsysd.sock")
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
    for (name, words) in BINARIES {
        for arg in ["--help", "-h"] {
            let (code, out, err) = run(name, &[arg]);
            assert_eq!((code, err.as_str()), (0, ""), "{name} {arg}");
            assert!(out.starts_with(&format!("usage: {name} ")), "{out}");
            for word in *words {
                assert!(
                    out.contains(word),
                    "{name} {arg}: {word} missing from\n{out}"
                );
            }
        }
    }
}

#[test]
fn version_prints_name_and_version() {
    for (name, _) in BINARIES {
        for arg in ["--version", "-V"] {
            let (code, out, err) = run(name, &[arg]);
            assert_eq!((code, err.as_str()), (0, ""), "{name} {arg}");
            assert_eq!(out, format!("{name} {}\n", env!("CARGO_PKG_VERSION")));
        }
    }
}

#[test]
fn lsys_config_without_arguments_is_a_usage_error() {
    let (code, out, err) = run("lsys-config", &[]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.starts_with("usage: lsys-config "), "{err}");
}
