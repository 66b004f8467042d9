//! Views: the operator root and a tenant confined to its logical system (filled in).
