//! Command lines (filled in).
