//! The stages of a commit, and failure injection at each (tests inject errors and panics
//! through [`Faults`] at construction; lsysd runs with [`NoFaults`]).

use std::fmt;

/// A stage of the commit pipeline, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Validate,
    Prepare,
    Apply,
    Persist,
    Publish,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Validate,
        Stage::Prepare,
        Stage::Apply,
        Stage::Persist,
        Stage::Publish,
    ];
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Validate => "validate",
            Stage::Prepare => "prepare",
            Stage::Apply => "apply",
            Stage::Persist => "persist",
            Stage::Publish => "publish",
        })
    }
}

/// Asked at the start of every stage of a real commit (not of `commit check`).
pub trait Faults: Send + Sync {
    /// `Err(message)` fails the stage; a panic is caught at the pipeline's boundary.
    fn at(&self, stage: Stage) -> Result<(), String>;
}

/// Production: no injected failures.
pub struct NoFaults;

impl Faults for NoFaults {
    fn at(&self, _stage: Stage) -> Result<(), String> {
        Ok(())
    }
}

/// Failure injection for tests and the lab: fails (or panics at) one stage while set.
#[derive(Default)]
pub struct Injected(std::sync::Mutex<Option<(Stage, bool)>>);

impl Injected {
    /// From now on, `stage` fails (`panic`: panics).
    pub fn set(&self, stage: Stage, panic: bool) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((stage, panic));
    }

    pub fn clear(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Faults for Injected {
    fn at(&self, stage: Stage) -> Result<(), String> {
        let planned = *self.0.lock().unwrap_or_else(|e| e.into_inner());
        match planned {
            Some((s, true)) if s == stage => panic!("injected panic at {stage}"),
            Some((s, false)) if s == stage => Err(format!("injected failure at {stage}")),
            _ => Ok(()),
        }
    }
}
