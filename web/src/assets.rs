//! The page and the files it loads, embedded at build time (no CDN, nothing read at run time).
//!
//! ```text
//! GET /             index.html          (this crate: assets/index.html)
//! GET /term.js      the page's script   (assets/term.js: token → WebSocket, resize, fit)
//! GET /xterm.js, /xterm.css, /addon-fit.js   npm @xterm/xterm, @xterm/addon-fit via build.rs
//! ```

pub const INDEX_HTML: &str = include_str!("../assets/index.html");
pub const TERM_JS: &str = include_str!("../assets/term.js");
pub const XTERM_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/xterm.js"));
pub const XTERM_CSS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/xterm.css"));
pub const FIT_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/addon-fit.js"));
