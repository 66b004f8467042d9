//! The forwarding values in /proc/sys/net, the one place lsys reads and writes kernel settings
//! as files (there is no netlink write for them: see the module above). Device names are
//! checked before they become paths, and `all`/`default` are only written by
//! [`Sysctl::enable_ipv6_forwarding`].

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;

use super::Family;

/// A read or write of /proc/sys that the kernel (or the file system) refused.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {}", describe(source))]
pub struct SysctlError {
    pub path: String,
    #[source]
    pub source: io::Error,
}

impl SysctlError {
    /// The file is not there: the device (or its IPv6 configuration) is gone.
    pub fn not_found(&self) -> bool {
        self.source.kind() == io::ErrorKind::NotFound
    }
}

/// The kernel's words ("Read-only file system"), without Rust's "(os error 30)".
fn describe(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => nix::errno::Errno::from_raw(n).desc().to_string(),
        None => e.to_string(),
    }
}

/// What [`Sysctl::enable_ipv6_forwarding`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ipv6Global {
    /// The switch was off and is now on.
    pub changed: bool,
    /// Files written.
    pub writes: usize,
    /// Devices whose value was 0 and was put back to 0 after the switch set it to 1.
    pub restored: Vec<String>,
}

/// The /proc/sys/net tree of the current network namespace, or a directory standing for it in
/// tests.
#[derive(Debug, Clone)]
pub struct Sysctl {
    root: PathBuf,
}

impl Default for Sysctl {
    fn default() -> Sysctl {
        Sysctl::proc()
    }
}

/// Entries of `conf/` that are not devices.
const NOT_DEVICES: [&str; 2] = ["all", "default"];

impl Sysctl {
    /// The real one: `/proc/sys/net` (per network namespace: the opener's).
    pub fn proc() -> Sysctl {
        Sysctl::at("/proc/sys/net")
    }

    pub fn at(root: impl Into<PathBuf>) -> Sysctl {
        Sysctl { root: root.into() }
    }

    /// `<root>/<family>/conf/<entry>/forwarding`.
    fn path(&self, family: Family, entry: &str) -> PathBuf {
        self.root
            .join(family.dir())
            .join("conf")
            .join(entry)
            .join("forwarding")
    }

    /// The file of device `dev`; refuses what is not an interface name (as the kernel's
    /// `dev_valid_name`: no `/`, not `.` or `..`) and the `all`/`default` entries.
    pub fn device_path(&self, family: Family, dev: &str) -> Result<PathBuf, SysctlError> {
        let valid = !dev.is_empty()
            && dev.len() <= crate::desired::IFNAME_MAX
            && dev != "."
            && dev != ".."
            && !dev.contains(['/', ':'])
            && !dev.contains(char::is_whitespace)
            && !NOT_DEVICES.contains(&dev);
        if !valid {
            return Err(SysctlError {
                path: format!("{}/conf/{dev}/forwarding", family.dir()),
                source: io::Error::new(io::ErrorKind::InvalidInput, "not an interface name"),
            });
        }
        Ok(self.path(family, dev))
    }

    /// Device `dev`'s forwarding value.
    pub fn forwarding(&self, family: Family, dev: &str) -> Result<bool, SysctlError> {
        read(&self.device_path(family, dev)?)
    }

    /// Sets device `dev`'s forwarding value.
    pub fn set_forwarding(&self, family: Family, dev: &str, on: bool) -> Result<(), SysctlError> {
        write(&self.device_path(family, dev)?, on)
    }

    /// Whether the kernel has `family` at all (IPv6 can be disabled at boot).
    pub fn has(&self, family: Family) -> bool {
        self.path(family, "all").exists()
    }

    /// Whether the global IPv6 switch is on (false without IPv6).
    pub fn ipv6_forwarding(&self) -> Result<bool, SysctlError> {
        if !self.has(Family::V6) {
            return Ok(false);
        }
        read(&self.path(Family::V6, "all"))
    }

    /// Turns on `net.ipv6.conf.all.forwarding`, which IPv6 forwarding needs on this kernel
    /// whatever the devices' own values. The kernel also writes the new value into `default`
    /// and into every device: the previous values of both are written back right after, so
    /// devices lsys does not own keep behaving as hosts (and lsys's own get theirs from the
    /// plan). Nothing is written when the switch is already on or the kernel has no IPv6.
    pub fn enable_ipv6_forwarding(&self) -> Result<Ipv6Global, SysctlError> {
        let mut done = Ipv6Global::default();
        if self.ipv6_forwarding()? || !self.has(Family::V6) {
            return Ok(done);
        }
        let default = self.path(Family::V6, "default");
        let default_was = read(&default)?;
        let conf = self.root.join(Family::V6.dir()).join("conf");
        let entries = fs::read_dir(&conf).map_err(|source| SysctlError {
            path: conf.display().to_string(),
            source,
        })?;
        let mut off = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if NOT_DEVICES.contains(&name.as_str()) {
                continue;
            }
            // A device that vanishes meanwhile has nothing to put back.
            if let Ok(false) = self.forwarding(Family::V6, &name) {
                off.push(name);
            }
        }
        off.sort();
        write(&self.path(Family::V6, "all"), true)?;
        done.changed = true;
        done.writes += 1;
        if !default_was {
            write(&default, false)?;
            done.writes += 1;
        }
        for name in off {
            match self.set_forwarding(Family::V6, &name, false) {
                Ok(()) => {
                    done.writes += 1;
                    done.restored.push(name);
                }
                Err(e) if e.not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

fn read(path: &std::path::Path) -> Result<bool, SysctlError> {
    let fail = |source| SysctlError {
        path: path.display().to_string(),
        source,
    };
    let text = fs::read_to_string(path).map_err(fail)?;
    let value: i64 = text.trim().parse().map_err(|_| {
        fail(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a number: {:?}", text.trim()),
        ))
    })?;
    Ok(value != 0)
}

/// Never creates the file: a missing one is a device that is gone.
fn write(path: &std::path::Path, on: bool) -> Result<(), SysctlError> {
    fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .and_then(|mut f| f.write_all(if on { b"1\n" } else { b"0\n" }))
        .map_err(|source| SysctlError {
            path: path.display().to_string(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake /proc/sys/net with `(family, entry, value)` files.
    fn tree(values: &[(Family, &str, bool)]) -> (tempfile::TempDir, Sysctl) {
        let dir = tempfile::tempdir().unwrap();
        for (family, entry, on) in values {
            let d = dir.path().join(family.dir()).join("conf").join(entry);
            fs::create_dir_all(&d).unwrap();
            fs::write(d.join("forwarding"), if *on { "1\n" } else { "0\n" }).unwrap();
        }
        let s = Sysctl::at(dir.path());
        (dir, s)
    }

    #[test]
    fn device_values_are_read_and_written() {
        use Family::*;
        let (_d, s) = tree(&[(V4, "all", false), (V4, "irb.4", false)]);
        assert!(!s.forwarding(V4, "irb.4").unwrap());
        s.set_forwarding(V4, "irb.4", true).unwrap();
        assert!(s.forwarding(V4, "irb.4").unwrap());
        // A device that is gone: an error saying so, and no file made for it.
        let e = s.set_forwarding(V4, "irb.9", true).unwrap_err();
        assert!(e.not_found(), "{e}");
        assert!(e
            .to_string()
            .ends_with("ipv4/conf/irb.9/forwarding: No such file or directory"));
        assert!(!s.device_path(V4, "irb.9").unwrap().exists());
    }

    #[test]
    fn only_interface_names_become_paths() {
        let (_d, s) = tree(&[(Family::V4, "all", false)]);
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "all",
            "default",
            "a b",
            "x:1",
            "waytoolongname16",
        ] {
            let e = s.set_forwarding(Family::V4, bad, true).unwrap_err();
            assert!(
                e.to_string().ends_with("not an interface name"),
                "{bad}: {e}"
            );
        }
        assert!(s.forwarding(Family::V4, "all").is_err());
    }

    #[test]
    fn the_ipv6_switch_goes_on_and_the_other_devices_keep_their_values() {
        use Family::*;
        let (_d, s) = tree(&[
            (V6, "all", false),
            (V6, "default", false),
            (V6, "eth0", false),
            (V6, "lo", false),
            (V6, "uplink", true),
        ]);
        let done = s.enable_ipv6_forwarding().unwrap();
        assert_eq!(
            done,
            Ipv6Global {
                changed: true,
                writes: 4,
                restored: vec!["eth0".into(), "lo".into()],
            }
        );
        assert!(s.ipv6_forwarding().unwrap());
        assert!(!read(&s.path(V6, "default")).unwrap());
        assert!(!s.forwarding(V6, "eth0").unwrap());
        assert!(s.forwarding(V6, "uplink").unwrap());
        // Already on: nothing written.
        assert_eq!(s.enable_ipv6_forwarding().unwrap(), Ipv6Global::default());
    }

    #[test]
    fn without_ipv6_there_is_no_switch_to_turn() {
        let (_d, s) = tree(&[(Family::V4, "all", false)]);
        assert!(!s.has(Family::V6));
        assert!(!s.ipv6_forwarding().unwrap());
        assert_eq!(s.enable_ipv6_forwarding().unwrap(), Ipv6Global::default());
    }
}
