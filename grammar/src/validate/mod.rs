//! Commit checks (filled in by the validation work).
