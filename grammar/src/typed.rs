//! Typed views of a validated configuration (filled in by the validation work).
