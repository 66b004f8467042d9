//! Junos `$9$` secrets: the reversible obfuscation Junos uses to keep keys out of plain sight.
//!
//! It is not encryption; it only keeps a secret from being read over a shoulder. lsys stores
//! every `@secret` value in this form and never prints the clear text. The salt is derived
//! from the secret itself (Junos picks it at random) so that the same key always gives the same
//! text and golden files stay stable.

const FAMILY: [&str; 4] = [
    "QzF3n6/9CAtpu0O",
    "B1IREhcSyrleKvMW8LXx",
    "7N-dVbwsY2g4oaJZGUDj",
    "iHkq.mPf5T",
];
const ENCODING: [&[u32]; 7] = [
    &[1, 4, 32],
    &[1, 16, 32],
    &[1, 8, 32],
    &[1, 64],
    &[1, 32],
    &[1, 4, 16, 128],
    &[1, 32, 64],
];

fn alphabet() -> Vec<char> {
    FAMILY.iter().flat_map(|f| f.chars()).collect()
}

fn index_of(alpha: &[char], c: char) -> Option<usize> {
    alpha.iter().position(|&a| a == c)
}

/// How many random characters follow the salt character.
fn extra(c: char) -> Option<usize> {
    FAMILY.iter().position(|f| f.contains(c)).map(|i| 3 - i)
}

/// Encodes clear text as `$9$...`.
pub fn encode(plain: &str) -> String {
    let alpha = alphabet();
    let n = alpha.len();
    // FNV-1a of the text chooses salt and padding deterministically.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in plain.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    let salt = alpha[(h % n as u64) as usize];
    let mut out = String::from("$9$");
    out.push(salt);
    for i in 0..extra(salt).unwrap_or(0) {
        out.push(alpha[((h >> (8 * (i + 1))) % n as u64) as usize]);
    }
    let mut prev = salt;
    for (pos, ch) in plain.chars().enumerate() {
        let enc = ENCODING[pos % ENCODING.len()];
        let mut value = ch as u32;
        let mut gaps = vec![0u32; enc.len()];
        for (i, m) in enc.iter().enumerate().rev() {
            gaps[i] = value / m;
            value %= m;
        }
        for gap in gaps {
            let idx = (gap as usize + index_of(&alpha, prev).unwrap_or(0) + 1) % n;
            prev = alpha[idx];
            out.push(prev);
        }
    }
    out
}

/// Decodes `$9$...` text.
pub fn decode(crypt: &str) -> Result<String, &'static str> {
    let alpha = alphabet();
    let n = alpha.len() as i64;
    let body = crypt.strip_prefix("$9$").ok_or("missing $9$ prefix")?;
    let mut chars = body.chars();
    let salt = chars.next().ok_or("too short")?;
    let toss = extra(salt).ok_or("bad salt character")?;
    for _ in 0..toss {
        chars.next().ok_or("too short")?;
    }
    let rest: Vec<char> = chars.collect();
    let mut prev = salt;
    let mut out = String::new();
    let mut i = 0;
    let mut pos = 0;
    while i < rest.len() {
        let enc = ENCODING[pos % ENCODING.len()];
        if i + enc.len() > rest.len() {
            return Err("truncated");
        }
        let mut value: u32 = 0;
        for (k, m) in enc.iter().enumerate() {
            let c = rest[i + k];
            let cur = index_of(&alpha, c).ok_or("bad character")? as i64;
            let p = index_of(&alpha, prev).ok_or("bad character")? as i64;
            let gap = (cur - p).rem_euclid(n) - 1;
            if gap < 0 {
                return Err("bad gap");
            }
            value = value.checked_add(gap as u32 * m).ok_or("overflow")?;
            prev = c;
        }
        out.push(char::from_u32(value).ok_or("bad character value")?);
        i += enc.len();
        pos += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for key in [
            "abcdefgh",
            "abcdefg",
            "s3cret",
            "a",
            "with space and ünïcode",
        ] {
            let c = encode(key);
            assert!(c.starts_with("$9$"));
            assert!(!c.contains(key) || key.len() < 2);
            assert_eq!(decode(&c).unwrap(), key, "{c}");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            "$9$",
            "$9$Q",
            "$9$@@@",
            "abc",
            "$9$zzzzzzzzzzzzzzzzzzzzzzzz",
        ] {
            let _ = decode(bad);
        }
        assert!(decode("$9$").is_err());
    }
}
