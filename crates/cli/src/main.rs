//! The `clever-kyc` command (being written).
fn main() {}
