//! The RIB (to be written).
