//! Exit statuses, part of the command's contract.

use std::process::ExitCode;

/// 0: accepted / finished normally.
pub(crate) const OK: u8 = 0;
/// 1: the demo or a server failed.
pub(crate) const FAILED: u8 = 1;
/// 2: usage or validation error; nothing was sent.
pub(crate) const USAGE: u8 = 2;
/// 3: the API refused the submission (4xx).
pub(crate) const REJECTED: u8 = 3;
/// 4: transport failure, timeout, redirect, 5xx or unexpected response.
pub(crate) const TRANSPORT: u8 = 4;

/// A reason to stop, with its exit status.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: u8,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self {
            status: USAGE,
            message: message.into(),
        }
    }

    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Self {
            status: FAILED,
            message: message.into(),
        }
    }

    pub(crate) fn code(&self) -> ExitCode {
        ExitCode::from(self.status)
    }
}
