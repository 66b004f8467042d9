//! Password check against /etc/shadow with the system's libcrypt (libxcrypt) `crypt_rn`.
//!
//! ```text
//! /etc/shadow  user:HASH:...   HASH empty, or starting with `!` or `*` → never matches
//! crypt_rn(password, HASH) == HASH   (compared in constant time)
//! ```
//!
//! Why FFI rather than a crate: Debian's default hash is yescrypt (`$y$`), besides SHA-crypt
//! (`$6$`, `$5$`), bcrypt and the older ones. `pwhash` and `sha-crypt` have no yescrypt, and no
//! maintained crate covers all of them; libxcrypt is the code that checks the same password at
//! the console and over ssh (PAM), and it is always installed (libcrypt1 is essential). This is
//! the second module with unsafe code (`#![allow(unsafe_code)]`): one foreign call with a
//! buffer we own, its result copied out before the buffer is dropped.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void, CStr, CString};

/// `sizeof(struct crypt_data)` in libxcrypt (crypt.h: CRYPT_DATA_INTERNAL_SIZE and friends).
const CRYPT_DATA_SIZE: usize = 32768;

#[link(name = "crypt")]
extern "C" {
    fn crypt_rn(
        phrase: *const c_char,
        setting: *const c_char,
        data: *mut c_void,
        size: c_int,
    ) -> *mut c_char;
}

/// `password` hashed with the setting (algorithm, salt) of `hash`; None on any error.
fn crypt(password: &str, hash: &str) -> Option<Vec<u8>> {
    let phrase = CString::new(password).ok()?;
    let setting = CString::new(hash).ok()?;
    let mut data = vec![0u8; CRYPT_DATA_SIZE];
    // SAFETY: both strings are NUL-terminated and outlive the call; `data` is a zeroed buffer of
    // the size passed; the result points into `data` (or is NULL) and is copied before `data`
    // is dropped.
    unsafe {
        let r = crypt_rn(
            phrase.as_ptr(),
            setting.as_ptr(),
            data.as_mut_ptr().cast(),
            CRYPT_DATA_SIZE as c_int,
        );
        if r.is_null() {
            return None;
        }
        Some(CStr::from_ptr(r).to_bytes().to_vec())
    }
}

/// Whether `password` matches the stored `hash`. Locked (`!…`), disabled (`*…`) and empty hashes
/// never match.
pub fn verify(password: &str, hash: &str) -> bool {
    if hash.is_empty() || hash.starts_with('!') || hash.starts_with('*') {
        return false;
    }
    let Some(got) = crypt(password, hash) else {
        return false;
    };
    let want = hash.as_bytes();
    got.len() == want.len() && got.iter().zip(want).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The password hash of `user` in a shadow file's text.
pub fn shadow_hash<'a>(shadow: &'a str, user: &str) -> Option<&'a str> {
    shadow.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next() == Some(user)).then(|| f.next()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha512_yescrypt_and_locked() {
        // `openssl passwd -6 -salt saltsalt secret`
        let sha = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";
        assert!(verify("secret", sha));
        assert!(!verify("secreT", sha));
        let y = crypt("secret", "$y$j9T$saltsaltsaltsalt$").expect("libcrypt has yescrypt");
        let y = String::from_utf8(y).unwrap();
        assert!(y.starts_with("$y$"), "{y}");
        assert!(verify("secret", &y) && !verify("other", &y));
        assert!(!verify("secret", &format!("!{sha}")));
        assert!(!verify("", "") && !verify("", "*") && !verify("x", "!"));
        let shadow = "root:*:1::::::\nalice:$6$x$y:1::::::\n";
        assert_eq!(shadow_hash(shadow, "alice"), Some("$6$x$y"));
        assert_eq!(shadow_hash(shadow, "ali"), None);
    }
}
