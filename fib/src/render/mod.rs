//! `show route` renderings (to be written).
