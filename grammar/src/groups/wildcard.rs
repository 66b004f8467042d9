//! Wildcard names in configuration groups: `<ge-*>`, `<*>`, `"<eth[0-3]>"`.
//!
//! Junos matches the pattern between the angle brackets as a UNIX shell does: `*` any run of
//! characters, `?` one character, `[...]` a character class (`a-z` ranges, `!` first to
//! complement, `]` first or `-` first or last to include them; a `[` without its `]` is itself).

/// True when `word` is a wildcard name: `<pattern>`.
pub fn is_wildcard(word: &str) -> bool {
    word.len() >= 3 && word.starts_with('<') && word.ends_with('>')
}

/// Whether the key `key` of a target entry is named by the key `pattern` of a group entry:
/// equal, or equal word by word where the group's word is a wildcard matching the target's
/// (a key of more than one word: `route-filter <10.*> exact`).
pub fn key_matches(pattern: &str, key: &str) -> bool {
    if pattern == key {
        return true;
    }
    let (mut p, mut k) = (pattern.split(' '), key.split(' '));
    loop {
        match (p.next(), k.next()) {
            (None, None) => return true,
            (Some(pw), Some(kw)) => {
                let ok = pw == kw || (is_wildcard(pw) && glob(&pw[1..pw.len() - 1], kw));
                if !ok {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// True when the key `key` holds a wildcard word (the entry never creates one of its own).
pub fn has_wildcard(key: &str) -> bool {
    key.split(' ').any(is_wildcard)
}

/// Shell-style match of the whole of `text` against `pattern`.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative with one backtrack point for the last `*`: linear for patterns without
    // classes, and never exponential.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => match class(&p, pi, t[ti]) {
                Some((true, next)) => Some(next),
                Some((false, _)) => None,
                // No closing bracket: `[` is an ordinary character.
                None => (t[ti] == '[').then_some(pi + 1),
            },
            Some(&c) => (c == t[ti]).then_some(pi + 1),
            None => None,
        };
        match step {
            Some(next) => {
                pi = next;
                ti += 1;
            }
            None => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches `c` against the class opening at `p[at] == '['`: whether it matched and where the
/// pattern continues, or `None` when the class is not closed.
fn class(p: &[char], at: usize, c: char) -> Option<(bool, usize)> {
    let mut i = at + 1;
    let negate = p.get(i) == Some(&'!');
    if negate {
        i += 1;
    }
    let first = i;
    let mut hit = false;
    loop {
        let &x = p.get(i)?;
        if x == ']' && i > first {
            return Some((hit != negate, i + 1));
        }
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&y| y != ']') {
            let y = p[i + 2];
            hit |= x <= c && c <= y;
            i += 3;
        } else {
            hit |= x == c;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_patterns() {
        assert!(glob("*", "ge-0/0/0"));
        assert!(glob("*", ""));
        assert!(glob("ge-*", "ge-0/0/0"));
        assert!(!glob("ge-*", "xe-0/0/0"));
        assert!(glob("*-0/0/*", "xe-0/0/7"));
        assert!(glob("eth?", "eth1"));
        assert!(!glob("eth?", "eth10"));
        assert!(glob("eth[0-3]", "eth2"));
        assert!(!glob("eth[0-3]", "eth4"));
        assert!(glob("eth[!0-3]", "eth4"));
        assert!(glob("a[]]b", "a]b"));
        assert!(glob("a[-x]b", "a-b"));
        assert!(glob("a[x-]b", "a-b"));
        assert!(glob("a[b", "a[b"), "an unclosed class is a plain [");
        assert!(glob("*a*", "cab"));
        assert!(!glob("*a*", "cbd"));
        assert!(glob("*a*b*c", "xaybzc"));
        assert!(!glob("a*b", "a"));
    }

    #[test]
    fn keys_and_wildcard_words() {
        assert!(is_wildcard("<*>"));
        assert!(!is_wildcard("<>"));
        assert!(!is_wildcard("ge-0/0/0"));
        assert!(key_matches("<*>", "eth1"));
        assert!(key_matches("eth1", "eth1"));
        assert!(!key_matches("eth1", "eth2"));
        assert!(key_matches("<10.*> exact", "10.0.0.0/8 exact"));
        assert!(!key_matches("<10.*> exact", "10.0.0.0/8 longer"));
        assert!(!key_matches("<*>", "10.0.0.0/8 exact"));
        assert!(has_wildcard("<*> exact"));
    }
}
