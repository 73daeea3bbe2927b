//! Hand-written baselines: what a user would write with serde_json and http instead of the
//! SDK. Each benchmark runs one beside the SDK in the same process, so their ratio survives
//! a noisy machine.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod alloc_counter;
pub mod baseline;
pub mod fixtures;

pub mod loopback;
