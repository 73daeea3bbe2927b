//! Limits every transport applies, defined once so both behave the same.

use std::time::Duration;

use crate::call::DEFAULT_RESPONSE_BODY_LIMIT;

/// Timeouts and the response size limit a transport enforces on each attempt.
///
/// The defaults: 10 s to connect, 30 s for a whole attempt, 1 MiB of response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportSettings {
    /// Longest wait to connect (TCP and TLS); a failure here proves nothing was sent.
    pub connect_timeout: Duration,
    /// Longest wait for a whole attempt, from connecting to the last body byte.
    pub request_timeout: Duration,
    /// Largest response body read; larger bodies fail with
    /// [`TransportErrorKind::BodyTooLarge`](crate::transport::TransportErrorKind::BodyTooLarge)
    /// without being buffered.
    pub response_body_limit: u64,
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            response_body_limit: DEFAULT_RESPONSE_BODY_LIMIT,
        }
    }
}

impl TransportSettings {
    /// Checks a body's announced `Content-Length` before reading it.
    ///
    /// # Errors
    /// [`TransportErrorKind::BodyTooLarge`](crate::transport::TransportErrorKind::BodyTooLarge) when
    /// the announced length is over the limit.
    pub fn check_announced_length(&self, length: Option<u64>) -> Result<(), crate::TransportError> {
        match length {
            Some(len) if len > self.response_body_limit => Err(self.too_large()),
            _ => Ok(()),
        }
    }

    /// The error for a body found to be over the limit while reading.
    pub fn too_large(&self) -> crate::TransportError {
        crate::TransportError::from_kind(crate::transport::TransportErrorKind::BodyTooLarge {
            limit: self.response_body_limit,
        })
    }
}

/// Constants that belong to [`TransportSettings`].
impl TransportSettings {
    /// The response bodies transports read at most, by default: 1 MiB.
    pub const DEFAULT_RESPONSE_BODY_LIMIT: u64 = crate::call::DEFAULT_RESPONSE_BODY_LIMIT;
}
