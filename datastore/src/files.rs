//! Who may read the store: only the user lsysd runs as.
//!
//! The store holds every tenant's configuration, BGP MD5 keys included, so its directory is
//! 0700 and its file 0600 whatever the umask says. A directory or file found wider (an older
//! build created them 0755/0644, or someone ran chmod) is narrowed and the old mode logged;
//! one owned by another user is refused, because that user could read or swap it whatever
//! its mode (and chmod would hand the root daemon's decision to them).

use std::fs::{self, DirBuilder, Permissions};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Mode of the store's directory (and of any directory [`private_dir`] creates).
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of the database file.
pub(crate) const FILE_MODE: u32 = 0o600;

fn fs_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Fs {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Makes `path` a directory only the current effective user can enter: creates it 0700 when
/// missing (its missing parents get the usual umask-derived modes), narrows a wider mode to
/// 0700 with a warning, and refuses a directory owned by another user
/// ([`Error::ForeignOwner`]). lsysd applies the same rule to its state and socket
/// directories.
pub fn private_dir(path: &Path) -> Result<()> {
    if !path.exists() {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(fs_error("create", parent))?;
        }
        match DirBuilder::new().mode(DIR_MODE).create(path) {
            // Exact mode: the umask may have taken bits away (even the owner's).
            Ok(()) => return set_mode(path, DIR_MODE),
            // Created concurrently: check it like any existing one.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(fs_error("create", path)(e)),
        }
    }
    check_existing(path, true, DIR_MODE)
}

/// Makes an existing `path` a regular file only the current effective user can read, by the
/// same rules as [`private_dir`]. A missing file is left missing: the storage creates it
/// whole, 0600, under another name and renames it into place — creating it empty here would
/// let a kill during the storage's first write leave a file that can never be opened.
pub(crate) fn private_file(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(_) => check_existing(path, false, FILE_MODE),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(fs_error("stat", path)(e)),
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    fs::set_permissions(path, Permissions::from_mode(mode)).map_err(fs_error("chmod", path))
}

fn check_existing(path: &Path, dir: bool, private: u32) -> Result<()> {
    let meta = fs::metadata(path).map_err(fs_error("stat", path))?;
    if meta.is_dir() != dir || (!dir && !meta.is_file()) {
        return Err(Error::WrongFileType {
            path: path.to_path_buf(),
            expected: if dir { "directory" } else { "regular file" },
        });
    }
    let euid = nix::unistd::geteuid().as_raw();
    if meta.uid() != euid {
        return Err(Error::ForeignOwner {
            path: path.to_path_buf(),
            owner: meta.uid(),
            euid,
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            old_mode = format_args!("{mode:04o}"),
            new_mode = format_args!("{private:04o}"),
            "datastore path readable by other users: narrowing its mode"
        );
        set_mode(path, private)?;
    }
    Ok(())
}
