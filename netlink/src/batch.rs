//! Batched netlink requests (being written).
