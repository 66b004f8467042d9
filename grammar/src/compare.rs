//! `show | compare` (filled in).
