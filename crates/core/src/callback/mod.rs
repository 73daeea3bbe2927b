//! The `KYCStatusChanged` callback: authenticate, then parse, then deduplicate.

pub(crate) mod event;
pub(crate) mod identity;
pub(crate) mod parse;
pub(crate) mod receive;
pub(crate) mod testing;
pub(crate) mod verify;

#[cfg(test)]
mod tests;
