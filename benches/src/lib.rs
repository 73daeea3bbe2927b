//! Hand-written baselines: what a user would write with serde_json and http instead of the
//! SDK. Each benchmark runs one beside the SDK in the same process, so their ratio survives
//! a noisy machine.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

// The README's examples use core, both transports and the receive crate: they are compiled
// here, in the one crate that is never published and depends on all of them.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod ab;
pub mod alloc_counter;
pub mod bare;
pub mod baseline;
pub mod cases;
pub mod end_to_end;
pub mod fixtures;
pub mod listener;
pub mod report;
pub mod route;

pub mod loopback;
