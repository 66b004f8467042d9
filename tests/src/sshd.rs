//! A real OpenSSH sshd on 127.0.0.1 for tests of lsys as a login shell (tests/ssh.rs).
//!
//! [`Sshd::start`] writes a host key, a client ed25519 key and an sshd_config into a temporary
//! directory: a free port on 127.0.0.1, `UsePAM no` unless asked, `SetEnv LSYS_SOCKET=` the
//! test's lsysd (sshd gives the shell a clean environment), and an `Include` of
//! packaging/sshd/lsys.conf by absolute path, the drop-in under test. [`LoginAccount`] is a
//! Unix account as that drop-in expects one: group `lsys-users`, lsys as its login shell, its
//! key in the directory the drop-in's `AuthorizedKeysFile` names. Both clean up on drop: sshd
//! killed, the account's processes killed by id, the account and its key file removed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{bin, repo_root, Run};

/// The group the drop-in's `Match Group` names.
pub const GROUP: &str = "lsys-users";
/// How long one ssh, sftp or helper command may run.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The drop-in under test.
pub fn drop_in() -> PathBuf {
    repo_root().join("packaging/sshd/lsys.conf")
}

/// The directory of authorized keys files, read from the drop-in's `AuthorizedKeysFile DIR/%u`.
pub fn keys_dir() -> PathBuf {
    let text = std::fs::read_to_string(drop_in()).expect("packaging/sshd/lsys.conf");
    let file = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("AuthorizedKeysFile"))
        .expect("the drop-in sets AuthorizedKeysFile")
        .trim();
    let dir = file
        .strip_suffix("/%u")
        .expect("AuthorizedKeysFile is DIR/%u");
    PathBuf::from(dir)
}

/// Whether sshd, ssh and sftp are installed. Outside CI a missing one skips the test (with a
/// message); in CI (`$CI` set) it fails it.
pub fn available(test: &str) -> bool {
    let missing: Vec<&str> = ["/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/sftp"]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {} missing in CI (apt-get install openssh-server openssh-client)",
        missing.join(", ")
    );
    eprintln!(
        "{test}: skipped: {} not installed (apt-get install openssh-server openssh-client)",
        missing.join(", ")
    );
    false
}

/// Runs `cmd` (standard input empty) for at most `limit`; kills it and fails the test after.
pub fn run_for(cmd: &mut Command, limit: Duration) -> Run {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start: {e}"));
    wait_for_output(child, limit, &format!("{cmd:?}"))
}

/// Waits for `child`'s exit and output, for at most `limit`.
pub fn wait_for_output(mut child: Child, limit: Duration, what: &str) -> Run {
    use std::io::Read;
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(child.stdout.take().map(|s| Box::new(s) as _));
    let err = drain(child.stderr.take().map(|s| Box::new(s) as _));
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} ran longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        status: status.code().unwrap_or(-1),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// Waits for sshd's `Server listening on 127.0.0.1 port N.`; false when it exits first.
fn listening(child: &mut Child, log: &Path, port: u16) -> bool {
    let start = Instant::now();
    let line = format!("Server listening on 127.0.0.1 port {port}.");
    while start.elapsed() < Duration::from_secs(10) {
        if std::fs::read_to_string(log).is_ok_and(|l| l.contains(&line)) {
            return true;
        }
        if !matches!(child.try_wait(), Ok(None)) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A running sshd with its own configuration and keys, stopped on drop.
pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    /// The client's private key.
    pub key: PathBuf,
    log: PathBuf,
    child: Child,
}

impl Sshd {
    /// Starts sshd; the login shell finds lsysd at `socket`. `use_pam`: Debian's default (a
    /// locked password, `!`, keeps an account out only without PAM).
    pub fn start(socket: &Path, use_pam: bool) -> Sshd {
        let dir = tempfile::Builder::new()
            .prefix("lsys-sshd")
            .tempdir()
            .expect("temp dir");
        let keygen = |file: &Path| {
            let r = run_for(
                Command::new("ssh-keygen")
                    .args(["-q", "-t", "ed25519", "-N", "", "-C", "lsys-test", "-f"])
                    .arg(file),
                COMMAND_TIMEOUT,
            );
            assert!(r.ok(), "ssh-keygen: {r:?}");
        };
        let host_key = dir.path().join("host_ed25519");
        let key = dir.path().join("client_ed25519");
        keygen(&host_key);
        keygen(&key);
        // Privilege separation needs its empty directory.
        std::fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd");
        let log = dir.path().join("sshd.log");
        // A port that was free a moment ago; taken in between, sshd fails and we try another.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let config = dir.path().join("sshd_config");
            std::fs::write(
                &config,
                Sshd::config(dir.path(), port, &host_key, socket, use_pam),
            )
            .expect("write sshd_config");
            let mut child = Command::new("/usr/sbin/sshd")
                .args(["-D", "-e", "-f"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).expect("sshd log"))
                .spawn()
                .expect("sshd starts");
            if listening(&mut child, &log, port) {
                return Sshd {
                    dir,
                    port,
                    key,
                    log,
                    child,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "sshd did not start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    fn config(dir: &Path, port: u16, host_key: &Path, socket: &Path, use_pam: bool) -> String {
        format!(
            "# lsys tests: a private sshd on 127.0.0.1 (tests/src/sshd.rs).
Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {pid}
UsePAM {pam}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AuthorizedKeysFile none
PrintMotd no
PrintLastLog no
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel VERBOSE
SetEnv LSYS_SOCKET={socket}
Include {drop_in}
",
            host_key = host_key.display(),
            pid = dir.join("sshd.pid").display(),
            pam = if use_pam { "yes" } else { "no" },
            socket = socket.display(),
            drop_in = drop_in().display(),
        )
    }

    /// sshd's log so far (LogLevel VERBOSE).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The client's public key line.
    pub fn public_key(&self) -> String {
        std::fs::read_to_string(self.key.with_extension("pub"))
            .expect("client public key")
            .trim()
            .to_string()
    }

    /// Options shared by ssh and sftp: this sshd's port is added by the caller (`-p` / `-P`).
    fn client_options(&self) -> Vec<String> {
        let mut v: Vec<String> = ["-F", "/dev/null", "-i"]
            .map(String::from)
            .into_iter()
            .collect();
        v.push(self.key.display().to_string());
        for o in [
            "StrictHostKeyChecking=no",
            "UserKnownHostsFile=/dev/null",
            "BatchMode=yes",
            "IdentitiesOnly=yes",
            "LogLevel=ERROR",
            "ConnectTimeout=10",
        ] {
            v.push("-o".into());
            v.push(o.into());
        }
        v
    }

    /// `ssh -p PORT -i KEY ... [EXTRA] USER@127.0.0.1` (the remote command is the caller's).
    pub fn ssh(&self, user: &str, extra: &[&str]) -> Command {
        let mut c = Command::new("ssh");
        c.args(self.client_options())
            .arg("-p")
            .arg(self.port.to_string())
            .args(extra)
            .arg(format!("{user}@127.0.0.1"));
        c
    }

    /// The same as a string for a shell (`exec ssh ...`), for tmux.
    pub fn ssh_line(&self, user: &str, extra: &[&str]) -> String {
        let c = self.ssh(user, extra);
        let mut line = String::from("exec ssh");
        for a in c.get_args() {
            line.push(' ');
            line.push_str(&a.to_string_lossy());
        }
        line
    }

    /// `sftp -P PORT -i KEY ... USER@127.0.0.1`.
    pub fn sftp(&self, user: &str) -> Command {
        let mut c = Command::new("sftp");
        c.args(self.client_options())
            .arg("-P")
            .arg(self.port.to_string())
            .arg(format!("{user}@127.0.0.1"));
        c
    }

    /// `scp FILE USER@127.0.0.1:/tmp/`: over SFTP, or with `legacy` (`-O`) the old protocol,
    /// which runs `scp -t` through the login shell.
    pub fn scp(&self, user: &str, file: &Path, legacy: bool) -> Command {
        let mut c = Command::new("scp");
        if legacy {
            c.arg("-O");
        }
        c.args(self.client_options())
            .arg("-P")
            .arg(self.port.to_string())
            .arg(file)
            .arg(format!("{user}@127.0.0.1:/tmp/"));
        c
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Unix account in [`GROUP`] with lsys as its login shell and one authorized key in
/// [`keys_dir`], created for a test (replacing a leftover of an earlier run) and removed on
/// drop. Its password field is `*`: no password, yet not locked (sshd without PAM refuses
/// locked accounts, `!`, even with a key).
pub struct LoginAccount {
    pub name: String,
    key_file: PathBuf,
    _dir: KeysDir,
    _group: Group,
}

/// [`GROUP`] as a test found it: made when asked and missing, and then removed on drop.
pub struct Group {
    made: bool,
}

impl Group {
    /// Notes whether the group exists; with `make`, makes it (a system group) when it does not.
    pub fn note(make: bool) -> Group {
        let exists = run_for(
            Command::new("getent").args(["group", GROUP]),
            COMMAND_TIMEOUT,
        )
        .ok();
        if !exists && make {
            let r = run_for(
                Command::new("groupadd").args(["--system", GROUP]),
                COMMAND_TIMEOUT,
            );
            assert!(r.ok(), "groupadd {GROUP}: {r:?}");
        }
        Group { made: !exists }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.made {
            let _ = run_for(Command::new("groupdel").arg(GROUP), COMMAND_TIMEOUT);
        }
    }
}

/// [`keys_dir`], made (root, 0755) with whichever of its parents are missing; those are removed
/// again on drop, when empty.
pub struct KeysDir {
    made: Vec<PathBuf>,
}

impl KeysDir {
    pub fn make() -> KeysDir {
        let dir = keys_dir();
        let mut made: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|d| !d.exists())
            .map(Path::to_path_buf)
            .collect();
        made.reverse();
        for d in &made {
            std::fs::create_dir(d).expect("make the keys directory");
            set_mode(d, 0o755);
        }
        KeysDir { made }
    }
}

impl Drop for KeysDir {
    fn drop(&mut self) {
        for d in self.made.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

impl LoginAccount {
    pub fn create(name: &str, public_key: &str) -> LoginAccount {
        remove_account(name);
        let group = Group::note(true);
        // Home `/`: sshd changes into it; a missing home costs every session a warning.
        let r = run_for(
            Command::new("useradd")
                .args(["--no-create-home", "--home-dir", "/", "--groups", GROUP])
                .args(["--password", "*", "--comment", "lsys test", "--shell"])
                .arg(bin("lsys"))
                .arg(name),
            COMMAND_TIMEOUT,
        );
        assert!(r.ok(), "useradd {name}: {r:?}");
        let dir = KeysDir::make();
        let key_file = keys_dir().join(name);
        std::fs::write(&key_file, format!("{public_key}\n")).expect("write key file");
        set_mode(&key_file, 0o644);
        LoginAccount {
            name: name.to_string(),
            key_file,
            _dir: dir,
            _group: group,
        }
    }
}

impl Drop for LoginAccount {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.key_file);
        remove_account(&self.name);
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The uid of account `name`, if it exists.
pub fn uid_of(name: &str) -> Option<u32> {
    let out = Command::new("id").args(["-u", name]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Running processes whose real uid is `uid` (not zombies: a shell whose sshd went away is
/// reparented to init, which may take a while to reap it).
pub fn processes_of(uid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
                return false;
            };
            let field = |name: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .and_then(|v| v.split_whitespace().next().map(str::to_string))
            };
            field("Uid:").and_then(|u| u.parse::<u32>().ok()) == Some(uid)
                && field("State:").as_deref() != Some("Z")
        })
        .collect()
}

/// Removes account `name` (and its user group), first killing its processes by id: they are
/// the sessions a test started through sshd (a test account owns nothing else).
pub fn remove_account(name: &str) {
    let Some(uid) = uid_of(name) else {
        return;
    };
    assert_ne!(uid, 0, "never remove root");
    for pid in processes_of(uid) {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    // userdel refuses while a process of the user is still exiting: retry briefly.
    let start = Instant::now();
    loop {
        let r = run_for(Command::new("userdel").arg(name), COMMAND_TIMEOUT);
        if r.ok() || uid_of(name).is_none() || start.elapsed() > Duration::from_secs(10) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
