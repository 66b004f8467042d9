//! Helpers shared by the integration tests (`mod common;`).
//!
//! Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

pub mod gen;
pub mod shrink;
