//! Login tokens minted by the operator's portal, and their one-time use.
//!
//! ```text
//! payload = user ":" expiry_unix ":" nonce
//! token   = base64url(payload) "." base64url(HMAC-SHA256(key, base64url(payload)))
//! ```
//!
//! [`Verifier::verify`] checks the signature (constant time, through `hmac`'s `verify_slice`),
//! the expiry, and that the nonce was not seen before. Seen nonces are kept with their expiry
//! and dropped once expired (a token past its expiry fails anyway); the set is bounded: when it
//! is full, new tokens are refused rather than old nonces forgotten.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a token was refused (the text is what the 401 says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadSignature,
    Expired,
    Replayed,
    TooMany,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenError::Malformed => "malformed token",
            TokenError::BadSignature => "bad token signature",
            TokenError::Expired => "token expired",
            TokenError::Replayed => "token already used",
            TokenError::TooMany => "too many outstanding tokens; try again later",
        })
    }
}

/// Seconds since the epoch.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length.
    HmacSha256::new_from_slice(key).expect("HMAC takes any key length")
}

/// A token for `user` valid until `expiry` (unix seconds), with a random `nonce`.
pub fn mint(key: &[u8], user: &str, expiry: u64, nonce: &str) -> String {
    let payload = B64.encode(format!("{user}:{expiry}:{nonce}"));
    let mut m = mac(key);
    m.update(payload.as_bytes());
    let sig = B64.encode(m.finalize().into_bytes());
    format!("{payload}.{sig}")
}

/// A fresh random nonce (16 bytes from /dev/urandom, hex).
pub fn random_nonce() -> std::io::Result<String> {
    use std::io::Read;
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut b)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Checks tokens and remembers their nonces.
pub struct Verifier {
    key: Vec<u8>,
    seen: Mutex<HashMap<String, u64>>,
    max_seen: usize,
}

impl Verifier {
    pub fn new(key: Vec<u8>, max_seen: usize) -> Verifier {
        Verifier {
            key,
            seen: Mutex::new(HashMap::new()),
            max_seen,
        }
    }

    /// The user a valid, unused token names; the token is used up.
    pub fn verify(&self, token: &str, now: u64) -> Result<String, TokenError> {
        let (payload, sig) = token.split_once('.').ok_or(TokenError::Malformed)?;
        let sig = B64.decode(sig).map_err(|_| TokenError::Malformed)?;
        let mut m = mac(&self.key);
        m.update(payload.as_bytes());
        m.verify_slice(&sig).map_err(|_| TokenError::BadSignature)?;
        let text = B64.decode(payload).map_err(|_| TokenError::Malformed)?;
        let text = String::from_utf8(text).map_err(|_| TokenError::Malformed)?;
        let mut parts = text.splitn(3, ':');
        let (user, expiry, nonce) = match (parts.next(), parts.next(), parts.next()) {
            (Some(u), Some(e), Some(n)) if !u.is_empty() && !n.is_empty() => (u, e, n),
            _ => return Err(TokenError::Malformed),
        };
        let expiry: u64 = expiry.parse().map_err(|_| TokenError::Malformed)?;
        if expiry <= now {
            return Err(TokenError::Expired);
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, exp| *exp > now);
        if seen.contains_key(nonce) {
            return Err(TokenError::Replayed);
        }
        if seen.len() >= self.max_seen {
            return Err(TokenError::TooMany);
        }
        seen.insert(nonce.to_string(), expiry);
        Ok(user.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_expiry_replay_tamper_and_bound() {
        let v = Verifier::new(b"k".to_vec(), 2);
        let t = mint(b"k", "alice", 200, "n1");
        assert_eq!(v.verify(&t, 100), Ok("alice".into()));
        assert_eq!(v.verify(&t, 100), Err(TokenError::Replayed));
        assert_eq!(
            v.verify(&mint(b"k", "alice", 50, "n2"), 100),
            Err(TokenError::Expired)
        );
        assert_eq!(
            v.verify(&mint(b"other", "alice", 200, "n3"), 100),
            Err(TokenError::BadSignature)
        );
        let forged = format!(
            "{}{}",
            B64.encode("root:200:n4"),
            &t[t.find('.').unwrap()..]
        );
        assert_eq!(v.verify(&forged, 100), Err(TokenError::BadSignature));
        assert_eq!(v.verify("nodot", 100), Err(TokenError::Malformed));
        assert!(v.verify(&mint(b"k", "bob", 150, "n5"), 100).is_ok());
        assert_eq!(
            v.verify(&mint(b"k", "bob", 150, "n6"), 100),
            Err(TokenError::TooMany)
        );
        // n5 expired at 150 and n1 at 200: both pruned, room again.
        assert!(v.verify(&mint(b"k", "bob", 300, "n6"), 250).is_ok());
    }
}
