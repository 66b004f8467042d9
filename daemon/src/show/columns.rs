//! The Junos column layout every table-shaped show shares: each column padded to its width
//! and always followed by at least one blank (a long value pushes the rest right, as Junos
//! does), the last column as it is, trailing blanks trimmed.

/// Appends one row: `cols` are (text, width) pairs; the last width is ignored.
pub fn row(out: &mut String, cols: &[(&str, usize)]) {
    let start = out.len();
    let last = cols.len().saturating_sub(1);
    for (i, (text, width)) in cols.iter().enumerate() {
        out.push_str(text);
        if i < last {
            let n = width.saturating_sub(text.chars().count()).max(1);
            out.extend(std::iter::repeat_n(' ', n));
        }
    }
    let trimmed = out[start..].trim_end().len();
    out.truncate(start + trimmed);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::row;

    #[test]
    fn pads_pushes_and_trims() {
        let mut out = String::new();
        row(&mut out, &[("irb.4", 8), ("up", 4), ("", 4), ("", 0)]);
        row(&mut out, &[("averyverylongname", 8), ("up", 4), ("x", 0)]);
        assert_eq!(out, "irb.4   up\naveryverylongname up  x\n");
    }
}
