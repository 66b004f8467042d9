//! lsysd: the daemon behind every lsys shell.
//!
//! ```text
//!  lsys ──unix socket──► server (task per connection, SO_PEERCRED → user → logical system)
//!                           │  Execute / Answer / Complete
//!                           ▼
//!                         exec (command schema → oper / config handlers)
//!                           │
//!                           ▼
//!                         Router (one mutex): running, shared candidate, datastore, locks,
//!                                 confirmed-commit deadlines (a 1 s timer rolls back)
//! ```
//! Sessions belong to their connection; a shell that vanishes loses only its private candidate.

pub mod dataplane;
pub mod exec;
pub mod realize;
pub mod router;
pub mod server;
pub mod session;
pub mod show;
