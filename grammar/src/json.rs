//! JSON display and parsing (filled in).
