//! The Debian package (scripts/package), built from this test profile's binaries with
//! `--bin-dir` (the release package is scripts/test's own step): its control fields and file
//! list, the unpacked files against the repository's, `systemd-analyze verify` of lsysd.service
//! and lsys-web.service,
//! and the maintainer scripts run for real in a private mount namespace over a copy of /etc.
//! Never skips: without dpkg-deb, systemd-analyze or unshare it fails.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use lsys_tests::{bin, repo_root};

/// The package built once for every test here: the .deb, its unpacked files (`root`) and its
/// control files (`control`), under target/tmp/package.
struct Package {
    deb: PathBuf,
    root: PathBuf,
    control: PathBuf,
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start: {e}"));
    assert!(out.status.success(), "{cmd:?}\n{}", show(&out));
    out
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(run(cmd).stdout).expect("utf-8 output")
}

fn package() -> &'static Package {
    static PACKAGE: OnceLock<Package> = OnceLock::new();
    PACKAGE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("package");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("package directory");
        let bin_dir = bin("lsysd").parent().expect("bin dir").to_path_buf();
        assert!(
            bin_dir.join("lsys-web").exists(),
            "lsys-web is not built: run `cargo build -p lsys-web` (or cargo test --workspace)"
        );
        assert!(
            bin_dir.join("lsys-config").exists(),
            "lsys-config is not built: run `cargo build -p lsys-grammar --bin lsys-config` (or cargo test --workspace)"
        );
        let start = std::time::Instant::now();
        let out = run(Command::new(repo_root().join("scripts/package"))
            .args(["--fast", "--bin-dir"])
            .arg(&bin_dir)
            .arg("--out")
            .arg(&dir));
        eprintln!(
            "scripts/package --fast --bin-dir {}: {:.1} s\n{}",
            bin_dir.display(),
            start.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stdout)
        );
        let deb = dir.join(format!("lsys_{}_{}.deb", env!("CARGO_PKG_VERSION"), arch()));
        assert!(deb.is_file(), "{} was not written", deb.display());
        let (root, control) = (dir.join("unpacked"), dir.join("control"));
        run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
        run(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&control));
        Package { deb, root, control }
    })
}

fn arch() -> String {
    stdout(Command::new("dpkg").arg("--print-architecture"))
        .trim()
        .to_string()
}

/// The man pages in man/, as the package installs them (`man1/lsys.1.gz`, ...).
fn man_pages() -> Vec<(PathBuf, String)> {
    let mut pages: Vec<_> = std::fs::read_dir(repo_root().join("man"))
        .expect("man/")
        .map(|e| e.expect("man/ entry").path())
        .filter_map(|p| {
            let section = p.extension()?.to_str()?.to_string();
            let name = p.file_name()?.to_str()?.to_string();
            (section.len() == 1 && section.as_bytes()[0].is_ascii_digit())
                .then(|| (p.clone(), format!("usr/share/man/man{section}/{name}.gz")))
        })
        .collect();
    pages.sort();
    pages
}

#[test]
fn the_package_holds_the_binaries_man_pages_unit_and_sshd_drop_in() {
    let p = package();
    let listing = stdout(Command::new("dpkg-deb").arg("--contents").arg(&p.deb));
    eprintln!("dpkg-deb --contents:\n{listing}");
    // Every regular file with its mode; every entry owned by root.
    let mut files = BTreeMap::new();
    for line in listing.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert!(f.len() >= 6, "unexpected listing line: {line}");
        assert_eq!(f[1], "root/root", "not root's: {line}");
        let path = f[5].trim_start_matches("./").to_string();
        if f[0].starts_with('-') {
            files.insert(path, f[0].to_string());
        } else {
            assert_eq!(f[0], "drwxr-xr-x", "{line}");
        }
    }
    let mut want: BTreeMap<String, String> = [
        ("usr/bin/lsys", "-rwxr-xr-x"),
        ("usr/bin/lsys-config", "-rwxr-xr-x"),
        ("usr/sbin/lsysd", "-rwxr-xr-x"),
        ("usr/sbin/lsys-web", "-rwxr-xr-x"),
        ("lib/systemd/system/lsysd.service", "-rw-r--r--"),
        ("lib/systemd/system/lsys-web.service", "-rw-r--r--"),
        ("etc/ssh/sshd_config.d/lsys.conf", "-rw-r--r--"),
        ("usr/share/doc/lsys/copyright", "-rw-r--r--"),
    ]
    .into_iter()
    .map(|(p, m)| (p.to_string(), m.to_string()))
    .collect();
    for (_, installed) in man_pages() {
        want.insert(installed, "-rw-r--r--".into());
    }
    assert!(
        want.keys().any(|p| p.starts_with("usr/share/man/man1/"))
            && want.keys().any(|p| p.starts_with("usr/share/man/man5/"))
            && want.keys().any(|p| p.starts_with("usr/share/man/man8/")),
        "man/ should hold pages of sections 1, 5 and 8: {want:?}"
    );
    assert_eq!(files, want);

    // The files are the repository's.
    let same = |installed: &str, source: &Path| {
        let a = std::fs::read(p.root.join(installed)).expect("installed file");
        let b = std::fs::read(source).expect("source file");
        assert!(a == b, "{installed} differs from {}", source.display());
    };
    same(
        "lib/systemd/system/lsysd.service",
        &repo_root().join("packaging/lsysd.service"),
    );
    same(
        "lib/systemd/system/lsys-web.service",
        &repo_root().join("packaging/lsys-web.service"),
    );
    let dropin = repo_root().join("packaging/sshd/lsys.conf");
    if dropin.exists() {
        same("etc/ssh/sshd_config.d/lsys.conf", &dropin);
    }
    for (source, installed) in man_pages() {
        let text = stdout(Command::new("gzip").arg("-dc").arg(p.root.join(&installed)));
        assert!(
            text.as_bytes() == std::fs::read(&source).expect("man page"),
            "{installed} is not {}",
            source.display()
        );
    }
    // The packaged binaries run: lsys-config checks the seed configuration.
    run(Command::new(p.root.join("usr/bin/lsys-config"))
        .arg("check")
        .arg(repo_root().join("grammar/tests/fixtures/seed.conf")));
    // md5sums covers every file, and matches.
    let sums = std::fs::read_to_string(p.control.join("md5sums")).expect("md5sums");
    assert_eq!(sums.lines().count(), files.len(), "{sums}");
    run(Command::new("md5sum")
        .args(["--check", "--quiet"])
        .arg(p.control.join("md5sums"))
        .current_dir(&p.root));
}

#[test]
fn control_fields_conffiles_and_maintainer_scripts() {
    let p = package();
    let info = stdout(Command::new("dpkg-deb").arg("--info").arg(&p.deb));
    eprintln!("dpkg-deb --info:\n{info}");
    let field = |name: &str| {
        let prefix = format!(" {name}: ");
        info.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {name} field:\n{info}"))
            .to_string()
    };
    assert_eq!(field("Package"), "lsys");
    assert_eq!(field("Version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(field("Architecture"), arch());
    let depends = field("Depends");
    for dep in ["libc6 (>= 2.", "passwd", "libcrypt1"] {
        assert!(depends.contains(dep), "Depends lacks {dep}: {depends}");
    }
    assert_eq!(field("Recommends"), "openssh-server");
    assert!(!field("Description").is_empty());

    let mut members: Vec<String> = std::fs::read_dir(&p.control)
        .expect("control dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    members.sort();
    assert_eq!(
        members,
        [
            "conffiles",
            "control",
            "md5sums",
            "postinst",
            "postrm",
            "prerm"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(p.control.join("conffiles")).expect("conffiles"),
        "/etc/ssh/sshd_config.d/lsys.conf\n"
    );
    for script in ["postinst", "prerm", "postrm"] {
        let path = p.control.join(script);
        let mode = std::fs::metadata(&path)
            .expect("script")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755, "{script}");
        run(Command::new("sh").arg("-n").arg(&path));
    }
}

/// The unit as packaged, with ExecStart pointing into the unpacked tree (verify wants the
/// binary to exist) and MANPATH at the packaged man pages (verify runs `man` for each
/// Documentation= page): any message at all fails.
#[test]
fn lsysd_service_passes_systemd_analyze_verify() {
    let p = package();
    let unit = std::fs::read_to_string(p.root.join("lib/systemd/system/lsysd.service"))
        .expect("packaged unit");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart=");
    let args: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(args[0], "/usr/sbin/lsysd");
    assert!(unit.lines().any(|l| l == "Type=notify"), "{unit}");
    // The unit, postinst and the sshd drop-in agree on the login shell and the keys directory.
    let after = |flag: &str| {
        let i = args.iter().position(|a| *a == flag);
        i.map(|i| args[i + 1])
            .unwrap_or_else(|| panic!("ExecStart has no {flag}: {exec}"))
    };
    assert!(args.contains(&"--manage-accounts"), "{exec}");
    let shell = after("--login-shell");
    assert!(
        p.root.join(&shell[1..]).is_file(),
        "{shell} is not packaged"
    );
    let postinst = std::fs::read_to_string(p.control.join("postinst")).expect("postinst");
    assert!(
        postinst.contains(&format!("add-shell {shell}")),
        "{postinst}"
    );
    let keys = after("--keys-dir");
    let dropin =
        std::fs::read_to_string(p.root.join("etc/ssh/sshd_config.d/lsys.conf")).expect("drop-in");
    if let Some(file) = dropin
        .lines()
        .find_map(|l| l.trim().strip_prefix("AuthorizedKeysFile "))
    {
        assert_eq!(
            file.trim(),
            format!("{keys}/%u"),
            "the drop-in's AuthorizedKeysFile"
        );
    }

    verify(p, "lsysd.service", &unit, "usr/sbin/lsysd");
}

/// `systemd-analyze verify` of the packaged `name` (text `unit`) with ExecStart's `binary`
/// (its path in the package) pointing into the unpacked tree: any message at all fails.
fn verify(p: &Package, name: &str, unit: &str, binary: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join(name);
    let rewritten = unit.replace(
        &format!("ExecStart=/{binary} "),
        &format!("ExecStart={} ", p.root.join(binary).display()),
    );
    assert_ne!(rewritten, unit, "{name}: ExecStart is not /{binary}");
    std::fs::write(&copy, rewritten).expect("unit copy");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .env("MANPATH", p.root.join("usr/share/man"))
        .stdin(Stdio::null())
        .output()
        .expect("systemd-analyze starts (install systemd: .ci/run does)");
    eprintln!("systemd-analyze verify {name}:\n{}", show(&out));
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "systemd-analyze verify had something to say:\n{}",
        show(&out)
    );
}

/// lsys-web.service: a simple service restarted on failure, as root (it switches to each
/// session's user), on loopback port 8080 with the key /etc/lsys/web.key and the packaged lsys.
#[test]
fn lsys_web_service_passes_systemd_analyze_verify() {
    let p = package();
    let unit = std::fs::read_to_string(p.root.join("lib/systemd/system/lsys-web.service"))
        .expect("packaged unit");
    for line in ["Type=simple", "Restart=on-failure"] {
        assert!(unit.lines().any(|l| l == line), "no {line}: {unit}");
    }
    assert!(!unit.lines().any(|l| l.starts_with("User=")), "{unit}");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart=");
    let args: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(args[0], "/usr/sbin/lsys-web");
    let after = |flag: &str| {
        let i = args.iter().position(|a| *a == flag);
        i.map(|i| args[i + 1])
            .unwrap_or_else(|| panic!("ExecStart has no {flag}: {exec}"))
    };
    assert_eq!(after("--listen"), "127.0.0.1:8080");
    assert_eq!(after("--token-key"), "/etc/lsys/web.key");
    let lsys = after("--lsys");
    assert!(p.root.join(&lsys[1..]).is_file(), "{lsys} is not packaged");
    verify(p, "lsys-web.service", &unit, "usr/sbin/lsys-web");
}

/// postinst, prerm and postrm as dpkg runs them, in a mount namespace where /etc is a copy of
/// the host's, /var/lib an empty directory, systemd absent and `systemctl` a stand-in that
/// records its arguments: the host's own /etc/shells, groups and services are never touched.
const MAINTAINER: &str = r#"
set -eu
control=$1 work=$2
cp -a /etc "$work/etc"
rm -rf "$work/etc/lsys" "$work"/etc/*.lock
mkdir -p "$work/var-lib" "$work/bin" "$work/empty"
printf '#!/bin/sh\necho "systemctl $*" >>"%s/systemctl.log"\n' "$work" >"$work/bin/systemctl"
chmod 0755 "$work/bin/systemctl"
mount --bind "$work/etc" /etc
mount --bind "$work/var-lib" /var/lib
[ ! -d /run/systemd ] || mount --bind "$work/empty" /run/systemd
PATH=$work/bin:$PATH
state() {
    echo "shells: $(grep -cx /usr/bin/lsys /etc/shells || true)"
    echo "group: $(getent group lsys-users | cut -d: -f1)"
    for d in /var/lib/lsys /etc/lsys/keys; do
        if [ -d "$d" ]; then echo "$d: $(stat -c '%a %U:%G' "$d")"; else echo "$d: absent"; fi
    done
    k=/etc/lsys/web.key
    if [ -f $k ]; then echo "$k: $(stat -c '%a %U:%G %s' $k) bytes"; else echo "$k: absent"; fi
}
echo "== install"; sh "$control/postinst" configure ""; state
key=$(cat /etc/lsys/web.key)
echo "== upgrade"; sh "$control/postinst" configure 0.0.1; state
[ "$(cat /etc/lsys/web.key)" = "$key" ] || echo "the upgrade replaced the web key"
echo "== remove"; sh "$control/prerm" remove; sh "$control/postrm" remove; state
echo "== purge"; sh "$control/postrm" purge 2>/dev/null; state
echo "== systemctl"; cat "$work/systemctl.log"
"#;

#[test]
fn maintainer_scripts_list_the_shell_make_the_group_directories_and_web_key_and_undo() {
    let p = package();
    let work = tempfile::tempdir().expect("temp dir");
    let out = run(Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            MAINTAINER,
            "sh",
        ])
        .arg(&p.control)
        .arg(work.path()));
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("{report}");
    let installed = "shells: 1
group: lsys-users
/var/lib/lsys: 700 root:root
/etc/lsys/keys: 755 root:root
/etc/lsys/web.key: 600 root:root 45 bytes
";
    let removed = "shells: 0
group: lsys-users
/var/lib/lsys: 700 root:root
/etc/lsys/keys: 755 root:root
/etc/lsys/web.key: 600 root:root 45 bytes
";
    let purged = "shells: 0
group: lsys-users
/var/lib/lsys: 700 root:root
/etc/lsys/keys: absent
/etc/lsys/web.key: absent
";
    assert_eq!(
        report,
        format!(
            "== install\n{installed}== upgrade\n{installed}== remove\n{removed}== purge\n{purged}\
             == systemctl\nsystemctl enable lsysd.service\nsystemctl enable lsys-web.service\n\
             systemctl disable --quiet lsys-web.service lsysd.service\n"
        ),
        "{}",
        show(&out)
    );
}
