//! Harness for end-to-end tests: a real `lsysd` on a private socket, real `lsys` shells run as
//! real Unix users (created here, dropped to with `setpriv`).
//!
//! The binaries come from the same target directory as the test (`cargo test --workspace`
//! builds them; `cargo build -p lsysd -p lsys` does too).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A built binary of this workspace (`lsys`, `lsysd`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build -p lsysd -p lsys` (or `cargo test --workspace`)",
        path.display()
    );
    path
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf()
}

/// A running lsysd with its own state and socket, stopped on drop.
pub struct Lab {
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    daemon: Child,
}

impl Lab {
    pub fn start() -> Lab {
        let dir = tempfile::Builder::new()
            .prefix("lsys-e2e")
            .tempdir()
            .expect("temp dir");
        // Unprivileged shells must reach the socket inside.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let socket = dir.path().join("lsysd.sock");
        let daemon = Command::new(bin("lsysd"))
            .arg("--state-dir")
            .arg(dir.path().join("state"))
            .arg("--socket")
            .arg(&socket)
            .arg("--no-dataplane")
            .env("LSYSD_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()
            .expect("lsysd starts");
        let start = Instant::now();
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "lsysd did not come up"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Lab {
            dir,
            socket,
            daemon,
        }
    }

    /// `lsys -c SCRIPT` as root (the operator).
    pub fn operator(&self, script: &str) -> Run {
        self.shell(Command::new(bin("lsys")), script)
    }

    /// `lsys -c SCRIPT` as Unix user `user`.
    pub fn user(&self, user: &str, script: &str) -> Run {
        let mut cmd = Command::new("setpriv");
        cmd.arg(format!("--reuid={user}"))
            .arg(format!("--regid={user}"))
            .arg("--init-groups")
            .arg(bin("lsys"));
        self.shell(cmd, script)
    }

    /// Runs `cmd` (lsys, or a wrapper ending in lsys) against this lab's socket.
    fn shell(&self, mut cmd: Command, script: &str) -> Run {
        let out = cmd
            .arg("--socket")
            .arg(&self.socket)
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .output()
            .expect("lsys runs");
        Run::from(out)
    }

    /// Commits `text` (curly configuration) as the operator, via a file and `load merge`.
    pub fn load(&self, text: &str) {
        let file = self.dir.path().join("load.conf");
        std::fs::write(&file, text).expect("write config");
        let r = self.operator(&format!(
            "configure; load merge {}; commit; exit",
            file.display()
        ));
        assert!(r.ok(), "loading the configuration failed: {}", r.stderr);
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// What a shell run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            status: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn ok(&self) -> bool {
        self.status == 0
    }
}

/// Creates Unix user `name` (no home, no login shell) unless it exists.
pub fn ensure_user(name: &str) {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let exists = Command::new("id")
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        let st = Command::new("useradd")
            .args([
                "--no-create-home",
                "--user-group",
                "--shell",
                "/usr/sbin/nologin",
                name,
            ])
            .status()
            .expect("useradd runs (tests create users: run them as root)");
        assert!(st.success(), "useradd {name} failed");
    }
}

/// The seed scenario (tenant l2 for user `l2_user`) plus a second tenant l3 for `l3_user`.
pub fn two_tenants(l2_user: &str, l3_user: &str) -> String {
    let seed = include_str!("../../grammar/tests/fixtures/seed.conf");
    let seed = seed.replace("user jvetter {", &format!("user {l2_user} {{"));
    format!(
        "{seed}
system {{
    login {{
        class l3-tenant {{ logical-system l3; permissions all; }}
        user {l3_user} {{ class l3-tenant; }}
    }}
}}
logical-systems {{
    l3 {{
        interfaces {{
            eth1 {{ unit 30 {{ encapsulation vlan-bridge; vlan-id 30; }} }}
            irb {{ unit 30 {{ family inet {{ address 10.3.0.1/30; }} }} }}
        }}
        routing-options {{ autonomous-system 65003; }}
        routing-instances {{
            secret-l3-instance {{
                instance-type vrf;
                interface irb.30;
                route-distinguisher 65003:1;
                vrf-target target:65003:1;
                protocols {{ bgp {{ group l3-peers {{ type external; peer-as 64999; neighbor 10.3.0.2; }} }} }}
            }}
        }}
        bridge-domains {{ bd-l3 {{ vlan-id 30; interface eth1.30; routing-interface irb.30; }} }}
    }}
}}
"
    )
}
