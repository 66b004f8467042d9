//! The PTY and the child on it: `lsys` run as the authenticated Unix user.
//!
//! ```text
//! posix_openpt(O_CLOEXEC) + open(ptsname, O_CLOEXEC) -> (master, slave)
//! fork ── child: setsid, TIOCSCTTY(slave), setgroups(initgroups list), setgid, setuid, exec lsys
//!    └─── parent: keeps master (non-blocking, in an AsyncFd); slave closed after spawn
//! ```
//!
//! This is the one module of lsys-web with unsafe code: the code between fork and exec
//! (`pre_exec`), taking ownership of the master's descriptor, the two ioctls (TIOCSCTTY, TIOCSWINSZ) and registering the master with tokio
//! (`AsyncFd::register`) have no safe form. The pre-exec
//! closure only makes async-signal-safe calls; the C strings it needs are built before the fork.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::Stdio;

use anyhow::{Context, Result};
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt, Winsize};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::{Pid, User};
use tokio::io::unix::AsyncFd;
use tokio::process::{Child, Command};

/// What to run and for whom.
pub struct Spawn<'a> {
    pub lsys: &'a Path,
    pub user: &'a User,
    /// Passed to the child as `LSYS_SOCKET`.
    pub socket: Option<&'a Path>,
    pub cols: u16,
    pub rows: u16,
}

/// A running child on a PTY; the master side is non-blocking.
pub struct Pty {
    pub master: AsyncFd<OwnedFd>,
    pub child: Child,
    pub pid: Pid,
}

fn winsize(cols: u16, rows: u16) -> Winsize {
    Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

/// Starts `lsys` on a new PTY as `spec.user`.
pub fn spawn(spec: &Spawn<'_>) -> Result<Pty> {
    let (master, slave) = open_pty()?;
    // initgroups reads /etc/group (NSS, malloc): not safe after fork in a threaded process. The
    // list is resolved here, and the child only calls setgroups(2).
    let name = CString::new(spec.user.name.as_bytes()).context("user name")?;
    let (uid, gid) = (spec.user.uid, spec.user.gid);
    let groups = nix::unistd::getgrouplist(&name, gid).context("getgrouplist")?;
    let mut cmd = Command::new(spec.lsys);
    cmd.env_clear()
        .env("TERM", "xterm-256color")
        .env("LSYS_CLIENT", "web")
        .env("HOME", &spec.user.dir)
        .env("USER", &spec.user.name)
        .env("LOGNAME", &spec.user.name)
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .stdin(Stdio::from(slave.try_clone()?))
        .stdout(Stdio::from(slave.try_clone()?))
        .stderr(Stdio::from(slave.try_clone()?))
        .kill_on_drop(false);
    if let Some(s) = spec.socket {
        cmd.env("LSYS_SOCKET", s);
    }
    let master_raw = master.as_raw_fd();
    set_size(&master, spec.cols, spec.rows)?;
    // SAFETY: between fork and exec only async-signal-safe calls (setsid, ioctl,
    // setgroups on a list resolved before the fork, setgid, setuid); no allocation.
    unsafe {
        cmd.pre_exec(move || {
            nix::unistd::setsid()?;
            if libc::ioctl(0, libc::TIOCSCTTY, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            nix::unistd::setgroups(&groups)?;
            nix::unistd::setgid(gid)?;
            nix::unistd::setuid(uid)?;
            Ok(())
        });
    }
    let child = cmd
        .spawn()
        .with_context(|| format!("starting {}", spec.lsys.display()))?;
    drop(slave);
    let pid = Pid::from_raw(child.id().context("child pid")? as i32);
    let flags = OFlag::from_bits_truncate(fcntl(master_raw, FcntlArg::F_GETFL)?);
    fcntl(master_raw, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    // SAFETY: the OwnedFd is a valid descriptor, moved into the AsyncFd, which alone closes it.
    let master = unsafe { AsyncFd::register(master) }.context("registering the PTY")?;
    Ok(Pty { master, child, pid })
}

/// A new PTY pair, both ends close-on-exec from the start: a shell started meanwhile for another
/// session must not inherit them (openpty(3) leaves both inheritable until an fcntl).
fn open_pty() -> Result<(OwnedFd, OwnedFd)> {
    let m =
        posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).context("posix_openpt")?;
    grantpt(&m).context("grantpt")?;
    unlockpt(&m).context("unlockpt")?;
    let name = ptsname_r(&m).context("ptsname")?;
    // std opens with O_CLOEXEC.
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(&name)
        .with_context(|| format!("opening {name}"))?;
    // SAFETY: into_raw_fd hands over the only owner of a valid descriptor.
    let master = unsafe { OwnedFd::from_raw_fd(m.into_raw_fd()) };
    Ok((master, slave.into()))
}

fn set_size(master: &impl AsFd, cols: u16, rows: u16) -> Result<()> {
    let ws = winsize(cols, rows);
    // SAFETY: TIOCSWINSZ reads one `struct winsize` from a valid pointer.
    let r = unsafe { libc::ioctl(master.as_fd().as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    if r != 0 {
        return Err(std::io::Error::last_os_error()).context("TIOCSWINSZ");
    }
    Ok(())
}

/// Sets the terminal size and tells the child's process group (SIGWINCH).
pub fn resize(master: &impl AsFd, pid: Pid, cols: u16, rows: u16) -> Result<()> {
    set_size(master, cols, rows)?;
    let _ = killpg(pid, Signal::SIGWINCH);
    Ok(())
}

/// SIGHUP to the child's process group (it leads it: setsid).
pub fn hangup(pid: Pid) {
    let _ = killpg(pid, Signal::SIGHUP);
}
