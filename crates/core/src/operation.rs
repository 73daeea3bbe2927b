//! What every API operation is to the call machine: how its request is built, how its answer
//! is read, and whether it may be sent again when its outcome is unknown.

use std::time::{Duration, Instant, SystemTime};

use http::Response;

use crate::request::HttpRequest;
use crate::response::ResponseError;

/// Whether an operation may be repeated when it is not known whether it took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrySafety {
    /// Repeating it changes nothing (a read), or a spare result is harmless (a Sumsub share
    /// token that is never used expires): retried on timeouts, dropped connections and 5xx.
    Idempotent,
    /// Repeating it may act twice (a submission spends a single-use token): resent only if it
    /// provably never left, or the server asked to be retried later.
    AtMostOnce,
}

/// The caller's clocks at one moment. The core reads no clock: the transport (or a test)
/// reads both and passes them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// The wall clock: for HTTP-date `Retry-After` and for signatures that carry a timestamp.
    pub wall: SystemTime,
    /// The monotonic clock: for the call's deadline, which a wall-clock step must not move.
    pub monotonic: Instant,
}

impl Now {
    /// The two clocks read at the same moment.
    pub fn new(wall: SystemTime, monotonic: Instant) -> Self {
        Self { wall, monotonic }
    }

    /// The monotonic time since `earlier`, zero if `earlier` is later.
    pub fn since(&self, earlier: Instant) -> Duration {
        self.monotonic.saturating_duration_since(earlier)
    }
}

/// One API operation, described for the call machine ([`Call`](crate::Call)).
///
/// An operation builds its request afresh for every attempt (a Sumsub signature covers the
/// time it is made) and reads the response into its output or a [`ResponseError`]; the
/// machine adds retries, the deadline, logging and the error it reports.
pub trait Operation {
    /// What a successful answer is read into.
    type Output;

    /// What the operation is, for logs and error messages ("KYC submission").
    const NAME: &'static str;

    /// Whether it may be repeated when its outcome is unknown.
    const SAFETY: RetrySafety;

    /// Whether the operation spends a single-use share token, so that its messages advise
    /// about the token (only a submission does).
    const SPENDS_SHARE_TOKEN: bool = false;

    /// The request for an attempt made at `now` (wall-clock time).
    fn request(&self, now: SystemTime) -> HttpRequest;

    /// Reads the answer.
    ///
    /// # Errors
    /// A [`ResponseError`] for every answer that is not the operation's success.
    fn parse<B: AsRef<[u8]>>(&self, response: &Response<B>) -> Result<Self::Output, ResponseError>;
}
