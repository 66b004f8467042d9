//! Value encoding: `[format version: u8][crc32 of payload: u32 BE][payload: JSON]`.
//!
//! Every value the datastore writes goes through here, so every read verifies a checksum.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::keys::show;

/// Version of the value encoding and key layout.
pub const FORMAT_VERSION: u8 = 1;

const HEADER: usize = 5;

pub(crate) fn encode<T: Serialize + ?Sized>(key: &[u8], value: &T) -> Result<Vec<u8>> {
    let payload = serde_json::to_vec(value).map_err(|e| Error::Encode {
        key: show(key),
        reason: e.to_string(),
    })?;
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&crc32fast::hash(&payload).to_be_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

pub(crate) fn decode<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T> {
    let corrupt = |reason: String| Error::Corrupt {
        key: show(key),
        reason,
    };
    if bytes.len() < HEADER {
        return Err(corrupt(format!(
            "value of {} bytes is too short",
            bytes.len()
        )));
    }
    if bytes[0] != FORMAT_VERSION {
        return Err(Error::UnsupportedFormat {
            key: show(key),
            found: bytes[0],
            expected: FORMAT_VERSION,
        });
    }
    let stored = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    let payload = &bytes[HEADER..];
    let actual = crc32fast::hash(payload);
    if stored != actual {
        return Err(corrupt(format!(
            "checksum mismatch: stored {stored:#010x}, computed {actual:#010x}"
        )));
    }
    serde_json::from_slice(payload).map_err(|e| corrupt(format!("undecodable value: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_detection() {
        let v = encode(b"k", &"hello".to_string()).unwrap();
        assert_eq!(decode::<String>(b"k", &v).unwrap(), "hello");
        let mut bad = v.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(matches!(
            decode::<String>(b"k", &bad),
            Err(Error::Corrupt { .. })
        ));
        let mut old = v.clone();
        old[0] = 9;
        assert!(matches!(
            decode::<String>(b"k", &old),
            Err(Error::UnsupportedFormat { found: 9, .. })
        ));
        assert!(matches!(
            decode::<String>(b"k", &v[..3]),
            Err(Error::Corrupt { .. })
        ));
    }
}
