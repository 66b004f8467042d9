//! Live kernel state: dumps and link/address events (being written).
