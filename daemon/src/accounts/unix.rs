//! The real [`System`]: /etc/passwd, /etc/shadow and /etc/group read directly (the name
//! service for names and uids not found there), changes made by the `passwd` package's tools
//! run as processes — useradd, usermod, userdel, groupadd, groupdel, and `chpasswd -e` for
//! the hash (on its standard input: a hash never appears on a command line) — each bounded by
//! a timeout. They run on the commit pipeline's thread, which is a blocking thread already.
//!
//! Key files: `KEYS_DIR/USER`, one key per line, root:root 0644, written to a temporary file
//! and renamed into place; the directory is made root:root 0755. sshd reads them with
//! `AuthorizedKeysFile /etc/lsys/keys/%u` (every directory up to `/` must be root's and not
//! group- or world-writable, or sshd's StrictModes refuses the file).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{is_managed, valid_name, Account, Found, Observed, System, GROUP, LOCKED};

/// How long one tool may run (useradd waits up to 15 s for the passwd lock).
const TIMEOUT: Duration = Duration::from_secs(30);
/// The most of a tool's error output kept for the message.
const STDERR_MAX: u64 = 4096;

pub struct Unix {
    keys_dir: PathBuf,
}

impl Unix {
    pub fn new(keys_dir: impl Into<PathBuf>) -> Unix {
        Unix {
            keys_dir: keys_dir.into(),
        }
    }

    fn key_file(&self, name: &str) -> Result<PathBuf, String> {
        // A name from /etc/passwd could be anything; only plain names become file names.
        if name.is_empty() || name.starts_with('.') || name.contains('/') {
            return Err(format!("'{name}' cannot name a key file"));
        }
        Ok(self.keys_dir.join(name))
    }

    fn read_keys(&self, name: &str) -> Result<Option<Vec<String>>, String> {
        let path = self.key_file(name)?;
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string)
                    .collect(),
            )),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("reading {}: {e}", path.display())),
        }
    }

    fn set_keys(&self, name: &str, keys: Option<&[String]>) -> Result<(), String> {
        let path = self.key_file(name)?;
        match keys {
            None => remove(&path),
            Some(keys) => write_keys(&self.keys_dir, &path, keys)
                .map_err(|e| format!("writing {}: {e}", path.display())),
        }
    }
}

/// A file that may be missing removed (gone already is success).
fn remove(path: &Path) -> Result<(), String> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("removing {}: {e}", path.display())),
    }
}

/// Makes `dir` a root:root 0755 directory (created when missing).
fn keys_dir(dir: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == ErrorKind::NotFound => fs::create_dir_all(dir)?,
        Err(e) => return Err(e),
        Ok(m) if !m.is_dir() => {
            return Err(std::io::Error::other(format!(
                "{} is not a directory",
                dir.display()
            )))
        }
        Ok(_) => {}
    }
    let m = fs::symlink_metadata(dir)?;
    if m.uid() != 0 || m.gid() != 0 {
        std::os::unix::fs::chown(dir, Some(0), Some(0))?;
    }
    if m.mode() & 0o7777 != 0o755 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// Writes a key file atomically: a temporary file, root:root 0644, synced, renamed.
fn write_keys(dir: &Path, path: &Path, keys: &[String]) -> std::io::Result<()> {
    keys_dir(dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp"));
    let text: String = keys.iter().map(|k| format!("{k}\n")).collect();
    let written = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        std::os::unix::fs::fchown(&f, Some(0), Some(0))?;
        f.set_permissions(fs::Permissions::from_mode(0o644))?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// The path of one of the `passwd` package's tools (sbin is not on every daemon's PATH).
fn tool(name: &str) -> PathBuf {
    ["/usr/sbin", "/sbin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| name.into())
}

/// Runs a tool to completion within [`TIMEOUT`]; `Err`: its exit code (`None`: it did not
/// run or finish) and what it said.
fn run(name: &str, args: &[&str], input: Option<&str>) -> Result<(), (Option<i32>, String)> {
    let mut child = Command::new(tool(name))
        .args(args)
        .env("LC_ALL", "C")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| (None, format!("cannot run {name}: {e}")))?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        // A tool that exits early closes the pipe: its status says why.
        let _ = stdin.write_all(text.as_bytes());
    }
    let stderr = child.stderr.take().map(|s| {
        std::thread::spawn(move || {
            let mut out = String::new();
            let _ = s.take(STDERR_MAX).read_to_string(&mut out);
            out
        })
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if start.elapsed() < TIMEOUT => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("{name} did not finish in {} s", TIMEOUT.as_secs()));
            }
            Err(e) => break Err(format!("waiting for {name}: {e}")),
        }
    };
    let said = stderr
        .and_then(|t| t.join().ok())
        .unwrap_or_default()
        .lines()
        .map(|l| {
            l.strip_prefix(&format!("{name}: "))
                .unwrap_or(l)
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("; ");
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err((s.code(), said)),
        Err(e) => Err((None, e)),
    }
}

/// [`run`], with the error as a message naming the tool and the account.
fn tool_run(name: &str, args: &[&str], input: Option<&str>, account: &str) -> Result<(), String> {
    run(name, args, input).map_err(|(code, said)| match code {
        Some(c) => format!("{name} {account}: {said} (exit {c})"),
        None => format!("{name} {account}: {said}"),
    })
}

/// The `-g` argument: a gid, or the lsys group by name.
fn group_arg(a: &Account) -> String {
    a.gid.map_or_else(|| GROUP.to_string(), |g| g.to_string())
}

fn set_password(name: &str, password: &str) -> Result<(), String> {
    tool_run(
        "chpasswd",
        &["-e"],
        Some(&format!("{name}:{password}\n")),
        name,
    )
}

/// usermod with every passwd field of `to` that differs from `from` (nothing: no run).
fn usermod(name: &str, from: &Account, to: &Account) -> Result<bool, String> {
    let mut args: Vec<String> = Vec::new();
    if to.uid.is_some() && to.uid != from.uid {
        args.extend(["-u".into(), to.uid.unwrap_or_default().to_string()]);
    }
    if to.gid.is_none() || to.gid != from.gid {
        args.extend(["-g".into(), group_arg(to)]);
    }
    for (flag, a, b) in [
        ("-c", &from.gecos, &to.gecos),
        ("-d", &from.home, &to.home),
        ("-s", &from.shell, &to.shell),
    ] {
        if a != b {
            args.extend([flag.into(), b.clone()]);
        }
    }
    if args.is_empty() {
        return Ok(false);
    }
    args.push(name.into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tool_run("usermod", &args, None, name).map(|()| true)
}

/// The fields of a passwd line: name, uid, gid, GECOS, home, shell.
fn passwd_line(line: &str) -> Option<(&str, u32, u32, &str, &str, &str)> {
    let f: Vec<&str> = line.splitn(7, ':').collect();
    if f.len() != 7 || f[0].is_empty() || f[0].starts_with(['+', '-']) {
        return None;
    }
    Some((
        f[0],
        f[2].parse().ok()?,
        f[3].parse().ok()?,
        f[4],
        f[5],
        f[6],
    ))
}

fn read(path: &str) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))
}

impl System for Unix {
    fn observe(&self, names: &BTreeSet<String>, uids: &BTreeSet<u32>) -> Result<Observed, String> {
        let mut out = Observed::default();
        for (name, uid, gid, gecos, home, shell) in
            read("/etc/passwd")?.lines().filter_map(passwd_line)
        {
            out.accounts.entry(name.to_string()).or_insert(Found {
                account: Account {
                    uid: Some(uid),
                    gid: Some(gid),
                    gecos: gecos.into(),
                    home: home.into(),
                    shell: shell.into(),
                    password: String::new(),
                    keys: None,
                },
                managed: is_managed(gecos),
            });
        }
        if out.accounts.values().any(|f| f.managed) {
            let shadow = read("/etc/shadow")?;
            let passwords: BTreeMap<&str, &str> = shadow
                .lines()
                .filter_map(|l| {
                    let mut f = l.splitn(3, ':');
                    Some((f.next()?, f.next()?))
                })
                .collect();
            for (name, f) in out.accounts.iter_mut().filter(|(_, f)| f.managed) {
                // No shadow entry: the account cannot log in with a password.
                f.account.password = passwords.get(name.as_str()).unwrap_or(&LOCKED).to_string();
                f.account.keys = self.read_keys(name)?;
            }
        }
        // Accounts of the name service (LDAP, say) that are not local: foreign.
        let foreign = |u: nix::unistd::User| Found {
            account: Account {
                uid: Some(u.uid.as_raw()),
                gid: Some(u.gid.as_raw()),
                gecos: u.gecos.to_string_lossy().into_owned(),
                ..Account::default()
            },
            managed: false,
        };
        for name in names.iter().filter(|n| valid_name(n)) {
            if !out.accounts.contains_key(name) {
                if let Ok(Some(u)) = nix::unistd::User::from_name(name) {
                    out.accounts.insert(name.clone(), foreign(u));
                }
            }
        }
        for &uid in uids {
            if !out.accounts.values().any(|f| f.account.uid == Some(uid)) {
                if let Ok(Some(u)) = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
                    out.accounts.insert(u.name.clone(), foreign(u));
                }
            }
        }
        out.group = read("/etc/group")?
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.splitn(4, ':').collect();
                (f.len() == 4 && f[0] == GROUP).then(|| f[2].parse().ok())?
            })
            .or_else(|| {
                nix::unistd::Group::from_name(GROUP)
                    .ok()
                    .flatten()
                    .map(|g| g.gid.as_raw())
            });
        Ok(out)
    }

    fn add_group(&mut self) -> Result<(), String> {
        match run("groupadd", &["-r", GROUP], None) {
            // 9: the group exists already.
            Ok(()) | Err((Some(9), _)) => Ok(()),
            Err((_, said)) => Err(format!("groupadd {GROUP}: {said}")),
        }
    }

    fn remove_group(&mut self) -> Result<(), String> {
        match run("groupdel", &[GROUP], None) {
            // 6: no such group.
            Ok(()) | Err((Some(6), _)) => Ok(()),
            Err((_, said)) => Err(format!("groupdel {GROUP}: {said}")),
        }
    }

    fn create(&mut self, name: &str, a: &Account) -> Result<(), String> {
        let group = group_arg(a);
        let uid = a.uid.map(|u| u.to_string());
        let mut args = vec![
            "-c",
            &a.gecos,
            "-d",
            &a.home,
            "-M",
            "-N",
            "-g",
            &group,
            "-s",
            &a.shell,
            "-l",
            // No subordinate uid/gid ranges: an lsys user runs no containers.
            "-K",
            "SUB_UID_COUNT=0",
            "-K",
            "SUB_GID_COUNT=0",
            "-p",
            LOCKED,
        ];
        if let Some(uid) = &uid {
            args.extend(["-u", uid]);
        }
        args.push(name);
        tool_run("useradd", &args, None, name)?;
        let rest = (|| {
            if a.password != LOCKED {
                set_password(name, &a.password)?;
            }
            if let Some(keys) = &a.keys {
                self.set_keys(name, Some(keys))?;
            }
            Ok(())
        })();
        if let Err(e) = rest {
            if let Err(u) = self.delete(name) {
                tracing::error!(account = name, error = %u, "undoing a half-made account failed");
            }
            return Err(e);
        }
        Ok(())
    }

    fn modify(&mut self, name: &str, from: &Account, to: &Account) -> Result<(), String> {
        let passwd = usermod(name, from, to)?;
        let password = from.password != to.password;
        let rest = (|| {
            if password {
                set_password(name, &to.password)?;
            }
            if from.keys != to.keys {
                self.set_keys(name, to.keys.as_deref())?;
            }
            Ok(())
        })();
        if let Err(e) = rest {
            // Put back what this step changed before the part that failed.
            let back = (|| {
                if password {
                    set_password(name, &from.password)?;
                }
                if passwd {
                    usermod(name, to, from)?;
                }
                Ok::<_, String>(())
            })();
            if let Err(u) = back {
                tracing::error!(account = name, error = %u, "undoing a half-made account change failed");
            }
            return Err(e);
        }
        Ok(())
    }

    fn delete(&mut self, name: &str) -> Result<(), String> {
        // -f: a user still logged in goes too (their lsys sessions end at the gate); the home
        // is /nonexistent, so -f removes no files of anyone's.
        match run("userdel", &["-f", name], None) {
            // 6: no such user.
            Ok(()) | Err((Some(6), _)) => {}
            Err((code, said)) => {
                return Err(match code {
                    Some(c) => format!("userdel {name}: {said} (exit {c})"),
                    None => format!("userdel {name}: {said}"),
                })
            }
        }
        self.set_keys(name, None)
    }

    fn tidy_keys(&mut self, keep: &BTreeSet<String>) -> Result<Vec<String>, String> {
        let entries = match fs::read_dir(&self.keys_dir) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("reading {}: {e}", self.keys_dir.display())),
        };
        let mut removed = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if keep.contains(&name) || is_dir {
                continue;
            }
            remove(&entry.path())?;
            removed.push(name);
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_lines_parse_and_compat_entries_do_not() {
        assert_eq!(
            passwd_line("alice:x:1001:990:lsys-managed:/nonexistent:/usr/bin/lsys"),
            Some((
                "alice",
                1001,
                990,
                "lsys-managed",
                "/nonexistent",
                "/usr/bin/lsys"
            ))
        );
        assert_eq!(passwd_line("+@netgroup::::::"), None);
        assert_eq!(passwd_line("broken:x:1"), None);
        assert_eq!(passwd_line("bad:x:uid:1::/:/bin/sh"), None);
    }

    #[test]
    fn key_files_are_named_after_plain_names_only() {
        let u = Unix::new("/etc/lsys/keys");
        assert_eq!(
            u.key_file("alice").unwrap(),
            Path::new("/etc/lsys/keys/alice")
        );
        assert!(u.key_file("../etc/passwd").is_err());
        assert!(u.key_file(".alice.tmp").is_err());
    }

    #[test]
    fn a_tool_that_fails_says_why_and_one_that_is_missing_too() {
        let Err((code, said)) = run("sh", &["-c", "echo 'sh: no such user' >&2; exit 6"], None)
        else {
            panic!("sh fails")
        };
        assert_eq!((code, said.as_str()), (Some(6), "no such user"));
        let Err((None, said)) = run("lsys-no-such-tool", &[], None) else {
            panic!("nothing runs")
        };
        assert!(said.starts_with("cannot run lsys-no-such-tool"), "{said}");
        assert!(run("sh", &["-c", "read l; test \"$l\" = a:b"], Some("a:b\n")).is_ok());
    }
}
