//! Completion and help (filled in).
