//! Text layouts the shell prints itself: the `Possible completions:` listing, the caret line
//! under a failing column, the prompt with its `[edit ...]` banner, and what `set cli` asks of
//! output: lines wrapped at `screen-width`, the `timestamp` line.

use lsys_protocol::{Prompt, Row};

/// The `?` listing (junos-cli.md §6): `{marker} {name:<21}{help}`, names of 21 characters or
/// more followed by two blanks, trailing blanks trimmed. Ends with a newline.
pub fn completions(rows: &[Row]) -> String {
    let mut out = String::from("Possible completions:\n");
    for r in rows {
        out.push_str(&lsys_grammar::complete::format_row(
            r.marker, &r.name, &r.help,
        ));
        out.push('\n');
    }
    out
}

/// Display width of the first `col` bytes of `line` (columns are byte offsets; the terminal
/// counts characters).
pub fn width_to(line: &str, col: usize) -> usize {
    let mut col = col.min(line.len());
    while !line.is_char_boundary(col) {
        col -= 1;
    }
    line[..col].chars().count()
}

/// The caret line: blanks up to `indent + width of line[..col]`, then `^`.
pub fn caret(indent: usize, line: &str, col: usize) -> String {
    let pad = indent + width_to(line, col) + col.saturating_sub(line.len());
    format!("{}^", " ".repeat(pad))
}

/// A failed command's report: the caret line (if any) then the message, each ending in a
/// newline. `indent` is the width of what precedes the command on its line (the prompt).
pub fn failure(indent: usize, line: &str, caret_col: Option<usize>, error: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(col) = caret_col {
        out.push_str(&caret(indent, line, col));
        out.push('\n');
    }
    if let Some(e) = error {
        out.push_str(e.trim_end_matches('\n'));
        out.push('\n');
    }
    out
}

/// What goes before the cursor: in configuration mode a blank line and the banner first.
/// Returns (lines to print before the prompt, the prompt itself).
pub fn prompt(p: &Prompt) -> (String, String) {
    let before = match &p.banner {
        Some(b) => format!("\n{b}\n"),
        None => String::new(),
    };
    (before, p.line())
}

/// `line` cut into pieces of at most `width` characters (`set cli screen-width`; `None` or 0:
/// never cut, the terminal wraps).
pub fn wrap(line: &str, width: Option<u32>) -> Vec<&str> {
    let width = match width {
        Some(w) if w > 0 => w as usize,
        _ => return vec![line],
    };
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        match rest.char_indices().nth(width) {
            Some((cut, _)) => {
                out.push(&rest[..cut]);
                rest = &rest[cut..];
            }
            None => {
                out.push(rest);
                return out;
            }
        }
    }
}

/// The `set cli timestamp` line for now (`Mar 28 23:05:38`, UTC as everything lsys shows).
pub fn timestamp_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    lsys_protocol::timestamp(now)
}

/// What a space completes with `set cli complete-on-space on`: the rest of the only keyword
/// that fits (TAB's text), never a configured name or a value (where a placeholder row says a
/// new one may be typed, the word is left as typed).
pub fn space_completion(rows: &[Row], tab: Option<&str>) -> Option<String> {
    let words = rows
        .iter()
        .filter(|r| !r.name.starts_with('<') && r.name != "|")
        .count();
    let values = rows
        .iter()
        .any(|r| r.name.starts_with('<') && r.name != "<[Enter]>");
    match tab {
        Some(t) if words == 1 && !values && t.ends_with(' ') => Some(t.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(marker: char, name: &str, help: &str) -> Row {
        Row {
            marker,
            name: name.into(),
            help: help.into(),
        }
    }

    #[test]
    fn completions_match_the_junos_layout() {
        let rows = [
            row(' ', "<[Enter]>", "Execute this command"),
            row(
                '+',
                "apply-groups",
                "Groups from which to inherit configuration data",
            ),
            row('>', "interface", "Interface options for MLD"),
            row(
                ' ',
                "query-last-member-interval",
                "When to send group query messages (seconds)",
            ),
            row(' ', "|", "Pipe through a command"),
            row(' ', "no-help", ""),
        ];
        let want = "Possible completions:
  <[Enter]>            Execute this command
+ apply-groups         Groups from which to inherit configuration data
> interface            Interface options for MLD
  query-last-member-interval  When to send group query messages (seconds)
  |                    Pipe through a command
  no-help
";
        assert_eq!(completions(&rows), want);
        // A name of exactly 21 characters takes the two-blank layout.
        let r = [row(' ', "abcdefghijklmnopqrstu", "help")];
        assert_eq!(
            completions(&r),
            "Possible completions:\n  abcdefghijklmnopqrstu  help\n"
        );
    }

    #[test]
    fn carets_count_the_prompt_and_characters() {
        assert_eq!(caret(23, "show rute", 5), format!("{}^", " ".repeat(28)));
        assert_eq!(caret(0, "set x \"é\" y", 10), format!("{}^", " ".repeat(9)));
        assert_eq!(caret(2, "show", 6), "        ^");
        assert_eq!(
            failure(0, "show rute", Some(5), Some("syntax error.")),
            "     ^\nsyntax error.\n"
        );
        assert_eq!(failure(0, "x", None, Some("error: no\n")), "error: no\n");
    }

    #[test]
    fn prompts_carry_banners_in_configuration_mode() {
        let p = Prompt {
            head: "u@h:ls".into(),
            banner: None,
        };
        assert_eq!(prompt(&p), (String::new(), "u@h:ls> ".to_string()));
        let p = Prompt {
            banner: Some("[edit protocols bgp]".into()),
            ..p
        };
        assert_eq!(
            prompt(&p),
            (
                "\n[edit protocols bgp]\n".to_string(),
                "u@h:ls# ".to_string()
            )
        );
    }

    #[test]
    fn lines_wrap_at_the_screen_width() {
        assert_eq!(wrap("abcdefg", None), ["abcdefg"]);
        assert_eq!(wrap("abcdefg", Some(0)), ["abcdefg"]);
        assert_eq!(wrap("abcdefg", Some(3)), ["abc", "def", "g"]);
        assert_eq!(wrap("abcdef", Some(3)), ["abc", "def"]);
        assert_eq!(wrap("éé", Some(1)), ["é", "é"]);
        assert_eq!(wrap("", Some(3)), [""]);
    }

    #[test]
    fn space_completes_keywords_only() {
        let show = [row(' ', "show", "Show system information")];
        assert_eq!(space_completion(&show, Some("ow ")), Some("ow ".into()));
        // Several keywords, or only a common prefix: as typed.
        let two = [row(' ', "set", "a"), row(' ', "show", "b")];
        assert_eq!(space_completion(&two, Some("")), None);
        // A configured name where a new one may be typed: as typed.
        let names = [
            row(' ', "<name>", "Set default logical system"),
            row(' ', "l2", ""),
        ];
        assert_eq!(space_completion(&names, Some("2 ")), None);
    }
}
