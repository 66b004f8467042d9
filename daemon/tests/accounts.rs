//! `lsysd --manage-accounts`: `system login user` statements become Unix accounts, for real
//! (useradd and friends on this machine: run as root, as CI does; without root or useradd the
//! test says why and passes, except in CI, where it fails).
//!
//! Beware: an lsysd with --manage-accounts deletes every account marked `lsys-managed` that
//! its configuration does not name — here, any left on this machine by another lsysd.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Conn;
use lsys_protocol::Client;
use lsys_tests::ChildLog;

const USER: &str = "lsys-acct1";
const OTHER: &str = "lsys-acct2";
const FOREIGN: &str = "lsys-foreign1";
/// `openssl passwd -6 -salt lsysacct1 lsys-test`
const HASH: &str = "$6$lsysacct1$SMPcPNp8M27U.6raBFGKrxrZi8JCJ7MZRNu9PkEY1hsCs2ttrAH/sLPy79uJ6c0OIEC5BhYk0r2jPJ/pp1PQy1";
const ED25519: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test";
const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7lsysacct1 laptop";
/// The helper test below connects to this socket when the variable is set.
const HELPER_SOCKET: &str = "LSYS_ACCOUNTS_HELPER_SOCKET";

/// Whether this machine can run the test: root and useradd. In CI, it must.
fn usable() -> bool {
    let root = nix::unistd::geteuid().is_root();
    let useradd = ["/usr/sbin/useradd", "/sbin/useradd"]
        .iter()
        .any(|p| Path::new(p).exists());
    if root && useradd {
        return true;
    }
    let why = if root {
        "useradd is not installed"
    } else {
        "not running as root"
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must run the accounts test: {why}"
    );
    eprintln!("skipping the accounts test: {why}");
    false
}

fn sh(program: &str, args: &[&str]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"))
}

/// `getent DB KEY`, `None` when there is no such entry.
fn getent(db: &str, key: &str) -> Option<String> {
    let o = sh("getent", &[db, key]);
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn field(line: &str, n: usize) -> String {
    line.split(':').nth(n).unwrap_or_default().to_string()
}

/// Deletes the test's accounts (and the lsys group if the test made it) however it ends.
struct Cleanup {
    group_existed: bool,
}

impl Cleanup {
    fn now() {
        for u in [USER, OTHER, FOREIGN] {
            let _ = sh("userdel", &["-f", u]);
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        Cleanup::now();
        if !self.group_existed {
            let _ = sh("groupdel", &["lsys-users"]);
        }
    }
}

/// An lsysd process managing accounts. Its log goes to a file, printed only if the test fails
/// (the forced failure logs an ERROR on purpose).
struct Lsysd {
    child: Child,
    socket: PathBuf,
    /// Held for its drop, which prints the log when the test fails.
    _log: ChildLog,
}

impl Lsysd {
    fn start(dir: &Path, keys: &Path, shell: &Path) -> Lsysd {
        let socket = dir.join("lsysd.sock");
        let _ = std::fs::remove_file(&socket);
        let (log, stderr) = ChildLog::create(&dir.join("lsysd.log"), "lsysd");
        let child = Command::new(env!("CARGO_BIN_EXE_lsysd"))
            .arg("--state-dir")
            .arg(dir.join("state"))
            .arg("--socket")
            .arg(&socket)
            .arg("--no-dataplane")
            .arg("--manage-accounts")
            .arg("--keys-dir")
            .arg(keys)
            .arg("--login-shell")
            .arg(shell)
            .env("LSYSD_LOG", "warn")
            .stdin(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("lsysd starts");
        let start = Instant::now();
        // The socket answers once the start-up reconcile is done.
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "lsysd did not come up: {}",
                log.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Lsysd {
            child,
            socket,
            _log: log,
        }
    }

    fn connect(&self) -> Conn {
        Conn::open(&self.socket, Client::Cli)
    }
}

impl Drop for Lsysd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything about the account that a needless change would touch.
#[derive(Debug, PartialEq)]
struct State {
    passwd: Option<String>,
    /// The shadow hash (the whole line holds the day of the last change).
    shadow: Option<String>,
    /// The key file: content, inode, modification time (s, ns).
    keys: Option<(String, u64, i64, i64)>,
}

fn state(keys: &Path) -> State {
    let file = std::fs::metadata(keys.join(USER)).ok().map(|m| {
        let text = std::fs::read_to_string(keys.join(USER)).unwrap();
        (text, m.ino(), m.mtime(), m.mtime_nsec())
    });
    State {
        passwd: getent("passwd", USER),
        shadow: getent("shadow", USER).map(|l| field(&l, 1)),
        keys: file,
    }
}

/// Connects to the daemon as the Unix user `uid`, through this test binary's helper below;
/// returns the prompt it was welcomed with, or why it was refused.
fn connect_as(uid: u32, gid: u32, socket: &Path) -> String {
    use std::os::unix::process::CommandExt;
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "helper_connects",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER_SOCKET, socket)
        .uid(uid)
        .gid(gid)
        .stdin(Stdio::null())
        .output()
        .expect("the helper runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| Some(l.split_once("HELPER: ")?.1))
        .unwrap_or_else(|| {
            panic!(
                "helper said nothing: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .to_string()
}

/// Not a test of its own: [`connect_as`] runs it as another user.
#[test]
fn helper_connects() {
    let Some(socket) = std::env::var_os(HELPER_SOCKET) else {
        return;
    };
    let mut s = std::os::unix::net::UnixStream::connect(socket).expect("socket");
    match lsys_protocol::hello(&mut s, Client::Cli) {
        Ok(prompt) => println!("HELPER: welcome {}", prompt.head),
        Err(e) => println!("HELPER: {e}"),
    }
}

#[test]
fn system_login_users_become_unix_accounts() {
    if !usable() {
        return;
    }
    Cleanup::now();
    let _cleanup = Cleanup {
        group_existed: getent("group", "lsys-users").is_some(),
    };
    let st = sh(
        "useradd",
        &[
            "-M",
            "-N",
            "-s",
            "/usr/sbin/nologin",
            "-c",
            "someone",
            FOREIGN,
        ],
    );
    assert!(st.status.success(), "useradd {FOREIGN}: {st:?}");
    let foreign_line = getent("passwd", FOREIGN).unwrap();

    let dir = tempfile::tempdir().unwrap();
    // The helper, running as the account, must reach the socket.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let keys = dir.path().join("keys");
    let shell = Path::new(env!("CARGO_BIN_EXE_lsysd")).with_file_name("lsys");
    let shell_text = shell.display().to_string();
    let d = Lsysd::start(dir.path(), &keys, &shell);

    // A user with a key and a password: an account, a key file, a shadow hash.
    let mut c = d.connect();
    c.ok("configure");
    c.ok("set system login class super-user permissions all");
    c.ok("set system login class read-only permissions view");
    c.ok(&format!("set system login user {USER} class super-user"));
    c.ok(&format!(
        "set system login user {USER} authentication ssh-ed25519 \"{ED25519}\""
    ));
    c.ok(&format!(
        "set system login user {USER} authentication encrypted-password \"{HASH}\""
    ));
    c.ok("commit");
    let passwd = getent("passwd", USER).expect("the account exists");
    let group = getent("group", "lsys-users").expect("the lsys-users group exists");
    let (uid, gid): (u32, u32) = (
        field(&passwd, 2).parse().unwrap(),
        field(&passwd, 3).parse().unwrap(),
    );
    assert_eq!(
        field(&passwd, 3),
        field(&group, 2),
        "primary group lsys-users"
    );
    assert_eq!(field(&passwd, 4), "lsys-managed");
    assert_eq!(field(&passwd, 5), "/nonexistent");
    assert_eq!(field(&passwd, 6), shell_text);
    let shadow = getent("shadow", USER).expect("a shadow entry");
    assert_eq!(field(&shadow, 1), HASH);
    let file = keys.join(USER);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{ED25519}\n")
    );
    let m = std::fs::metadata(&file).unwrap();
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (0, 0, 0o644));
    let m = std::fs::metadata(&keys).unwrap();
    assert_eq!((m.uid(), m.mode() & 0o7777), (0, 0o755));

    // The account is the configured user to the gate, as any Unix user is.
    assert_eq!(lsysd::gate::Principal::user_name(uid).unwrap(), USER);
    let welcome = connect_as(uid, gid, &d.socket);
    assert!(
        welcome.starts_with(&format!("welcome {USER}@")),
        "{welcome}"
    );

    // A configured name that is someone else's account: the commit fails and nothing of it
    // is done (the other new user is not created, USER keeps its password).
    c.ok(&format!("set system login user {OTHER} class read-only"));
    c.ok(&format!(
        "set system login user {OTHER} authentication ssh-rsa \"{RSA}\""
    ));
    c.ok(&format!("set system login user {FOREIGN} class read-only"));
    c.ok(&format!(
        "delete system login user {USER} authentication encrypted-password"
    ));
    let before = state(&keys);
    let e = c.err("commit");
    assert_eq!(
        e,
        format!(
            "[edit system login]\n  'user {FOREIGN}'\n    account {FOREIGN} exists and is not \
             managed by lsys\nerror: configuration check-out failed"
        )
    );
    assert_eq!(getent("passwd", OTHER), None, "{OTHER} was not created");
    assert!(!keys.join(OTHER).exists());
    assert!(!keys.join(FOREIGN).exists());
    assert_eq!(getent("passwd", FOREIGN).as_deref(), Some(&*foreign_line));
    assert_eq!(state(&keys), before, "{USER} untouched");
    c.ok("rollback 0");
    drop(c);

    // A restart with the same configuration changes nothing.
    drop(d);
    let d = Lsysd::start(dir.path(), &keys, &shell);
    assert_eq!(
        state(&keys),
        before,
        "the start-up reconcile changed nothing"
    );

    // A step that fails in apply (USER's key file cannot be written: a directory stands where
    // its temporary file goes) undoes the steps before it: OTHER, created first, is deleted
    // again and USER's password, changed before its keys, is put back.
    let mut c = d.connect();
    c.ok("configure");
    c.ok(&format!("set system login user {OTHER} class read-only"));
    c.ok(&format!(
        "set system login user {USER} authentication ssh-rsa \"{RSA}\""
    ));
    c.ok(&format!(
        "delete system login user {USER} authentication encrypted-password"
    ));
    let blocker = keys.join(format!(".{USER}.tmp"));
    std::fs::create_dir(&blocker).unwrap();
    let e = c.err("commit");
    assert!(
        e.starts_with(&format!("error: accounts: writing {}: ", file.display()))
            && e.ends_with("\nerror: configuration check-out failed"),
        "{e}"
    );
    assert_eq!(getent("passwd", OTHER), None, "{OTHER} deleted again");
    assert_eq!(state(&keys), before, "{USER} as it was");
    std::fs::remove_dir(&blocker).unwrap();

    // The same change once it can be made: a second key (RSA keys first), no password
    // (locked), the same uid; OTHER, without keys, has no key file.
    c.ok("commit");
    assert_eq!(field(&getent("shadow", OTHER).unwrap(), 1), "*");
    assert!(!keys.join(OTHER).exists());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{RSA}\n{ED25519}\n")
    );
    assert_eq!(field(&getent("shadow", USER).unwrap(), 1), "*");
    assert_eq!(field(&getent("passwd", USER).unwrap(), 2), uid.to_string());

    // Deleting the users deletes the accounts and the key file; the foreign account stays.
    c.ok(&format!("delete system login user {USER}"));
    c.ok(&format!("delete system login user {OTHER}"));
    c.ok("commit");
    assert_eq!(getent("passwd", USER), None);
    assert_eq!(getent("passwd", OTHER), None);
    assert!(!file.exists());
    assert_eq!(getent("passwd", FOREIGN).as_deref(), Some(&*foreign_line));
}
