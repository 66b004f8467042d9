//! Operational show commands that read the live kernel (being written).
