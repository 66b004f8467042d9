//! lsys-bench: benchmarks that print figures, and the configuration generator they share.
//!
//! ```text
//!  gen::config(n) ──► curly text of n logical systems (deterministic)
//!        │
//!        ├─► bin/config-bench: parse, print, validate, incremental commit; prints a table
//!        └─► (other benchmarks reuse gen)
//!  packed: a minimal batched netlink route writer, the floor bin/fib-bench compares with
//!  measure: medians of repeated runs, peak resident memory from /proc/self/status
//!  client: a real lsysd on a private socket and protocol connections to it
//!        (bin/shell-bench, bin/commit-bench)
//! ```

pub mod client;
pub mod gen;
pub mod measure;
pub mod packed;
