//! Transport failures, classified once here so that both IO crates make the same decisions.

use std::error::Error as StdError;
use std::fmt;

pub use crate::builder::{ClientBuilder, ClientParts, Transport};
pub use crate::settings::TransportSettings;

/// What went wrong below HTTP, classified by what it means for a single-use token: whether
/// the request can have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// DNS failure, connection refused, TLS handshake failure: the request never left.
    Connect,
    /// Connecting took longer than the connect timeout: the request never left.
    ConnectTimeout,
    /// The request timeout fired after the request may have been sent.
    Timeout,
    /// The connection failed after the request may have been written (reset, closed early).
    Io,
    /// The response body was larger than the configured limit; reading stopped there.
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The peer did not speak valid HTTP.
    Protocol,
    /// The HTTP client could not be set up or refused the request before sending it.
    Client,
    /// A caller-supplied HTTP client followed a redirect: the request (and its secret-key)
    /// went to the redirect target too. Never retried.
    RedirectFollowed,
}

impl TransportErrorKind {
    /// Whether the request provably never reached the server, so that retrying cannot
    /// spend the share token twice.
    pub fn request_never_sent(self) -> bool {
        matches!(self, Self::Connect | Self::ConnectTimeout | Self::Client)
    }

    fn describe(self) -> String {
        match self {
            Self::Connect => "could not connect to the host, or its TLS certificate was refused (the request was not sent)".into(),
            Self::ConnectTimeout => "timed out connecting to the host (the request was not sent)".into(),
            Self::Timeout => "timed out waiting for the answer after the request may have been sent, so it may have been processed".into(),
            Self::Io => "the connection failed mid-exchange, so the request may have been processed".into(),
            Self::BodyTooLarge { limit } => format!("the response body exceeded the {limit}-byte limit"),
            Self::Protocol => "the peer's answer was not valid HTTP".into(),
            Self::Client => "the HTTP client refused to send the request".into(),
            Self::RedirectFollowed => {
                "the HTTP client followed a redirect, sending the request elsewhere too; configure it never to follow redirects".into()
            }
        }
    }
}

/// A transport failure with its cause kept as `source()`.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl TransportError {
    /// Wraps an HTTP library's error under a kind.
    pub fn new(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            kind,
            source: Some(source.into()),
        }
    }

    /// A failure with no underlying error (e.g. a body limit enforced by the SDK).
    pub fn from_kind(kind: TransportErrorKind) -> Self {
        Self { kind, source: None }
    }

    /// The classification.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind.describe())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Joins an error and its `source()` chain with `": "`, for one-line logs.
///
/// ```
/// let err = std::io::Error::other("inner");
/// assert_eq!(clever_kyc_core::transport::error_chain(&err), "inner");
/// ```
pub fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let cause_text = cause.to_string();
        // Some libraries repeat their source's text in their own; do not print it twice.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        next = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_connection_failures_prove_the_request_was_not_sent() {
        assert!(TransportErrorKind::Connect.request_never_sent());
        assert!(TransportErrorKind::ConnectTimeout.request_never_sent());
        assert!(!TransportErrorKind::Timeout.request_never_sent());
        assert!(!TransportErrorKind::Io.request_never_sent());
        assert!(!TransportErrorKind::BodyTooLarge { limit: 1 }.request_never_sent());
    }

    #[test]
    fn the_chain_reads_as_one_line() {
        let err = TransportError::new(
            TransportErrorKind::Connect,
            std::io::Error::other("connection refused"),
        );
        assert_eq!(
            error_chain(&err),
            "could not connect to the host, or its TLS certificate was refused (the request was not sent): connection refused"
        );
    }
}
