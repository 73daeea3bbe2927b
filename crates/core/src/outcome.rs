//! What became of an operation, decided once.
//!
//! Every predicate on [`CallError`](crate::CallError), every exit status and JSON `outcome`
//! word of the `clever-kyc` command, and every message about whether a request took effect
//! derives from [`Outcome`]. Nothing else classifies.

use std::fmt;

use crate::response::{ResponseError, UnexpectedReason};
use crate::transport::TransportError;

/// What became of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The API answered with the operation's success.
    Done,
    /// The request was answered and refused; it was not processed.
    Refused(Refusal),
    /// The request provably never left (DNS, connect, TLS handshake or certificate failure,
    /// or the client refused to send it): repeating it cannot act twice.
    NotSent,
    /// No usable answer arrived after the request may have reached the API (a timeout after
    /// sending, a dropped connection, a 5xx, an unreadable success). For a submission the
    /// share token may be spent: reconcile before asking for a new one.
    MayHaveBeenProcessed,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// 401: the merchant's credentials (app-id and secret-key, or Sumsub's app token and
    /// secret) were refused. Nothing about the input is wrong: fix the configuration.
    Credentials,
    /// 400 or 422 in the API's own words: a field, or a share token, was refused. A refused
    /// share token cannot be reused.
    Invalid,
    /// Creating a contact whose email is already taken.
    AlreadyExists,
    /// What the request names does not exist, in the API's own words.
    NotFound,
    /// 429: too many requests; try again later.
    RateLimited,
    /// Something other than the API in its documented words refused it: a proxy's 4xx page,
    /// a redirect (never followed), a wrong base URL. The request was not processed.
    Unrecognized,
}

impl Outcome {
    /// Every outcome, for tables and tests.
    pub const ALL: [Outcome; 9] = [
        Outcome::Done,
        Outcome::Refused(Refusal::Credentials),
        Outcome::Refused(Refusal::Invalid),
        Outcome::Refused(Refusal::AlreadyExists),
        Outcome::Refused(Refusal::NotFound),
        Outcome::Refused(Refusal::RateLimited),
        Outcome::Refused(Refusal::Unrecognized),
        Outcome::NotSent,
        Outcome::MayHaveBeenProcessed,
    ];

    /// The outcome of an answer that was not the operation's success.
    pub fn of_response_error(error: &ResponseError) -> Self {
        match error {
            ResponseError::Unauthorized { .. } => Self::Refused(Refusal::Credentials),
            ResponseError::Unprocessable { .. } | ResponseError::BadRequest { .. } => {
                Self::Refused(Refusal::Invalid)
            }
            ResponseError::AlreadyExists { .. } => Self::Refused(Refusal::AlreadyExists),
            ResponseError::NotFound { .. } => Self::Refused(Refusal::NotFound),
            ResponseError::RateLimited { .. } => Self::Refused(Refusal::RateLimited),
            ResponseError::ServerError { .. } => Self::MayHaveBeenProcessed,
            ResponseError::Redirect { .. } => Self::Refused(Refusal::Unrecognized),
            // A 4xx, whoever sent it, refused the request before processing it. Anything else
            // unreadable (a 200 that is not the success, a 2xx or 1xx nobody documents) may
            // have come after the API acted.
            ResponseError::Unexpected { status, reason, .. } => {
                if status.is_client_error() && !matches!(reason, UnexpectedReason::StatusWord(_)) {
                    Self::Refused(Refusal::Unrecognized)
                } else {
                    Self::MayHaveBeenProcessed
                }
            }
        }
    }

    /// The outcome of a transport failure.
    pub fn of_transport_error(error: &TransportError) -> Self {
        if error.kind().request_never_sent() {
            Self::NotSent
        } else {
            Self::MayHaveBeenProcessed
        }
    }

    /// Whether the request may have taken effect although no success arrived.
    pub fn may_have_been_processed(self) -> bool {
        matches!(self, Self::Done | Self::MayHaveBeenProcessed)
    }

    /// The refusal, when the request was refused.
    pub fn refusal(self) -> Option<Refusal> {
        match self {
            Self::Refused(refusal) => Some(refusal),
            _ => None,
        }
    }

    /// The one word for this outcome, as the command's JSON `outcome` gives it.
    pub fn word(self) -> &'static str {
        match self {
            Self::Done => "accepted",
            Self::Refused(refusal) => refusal.word(),
            Self::NotSent => "not_sent",
            Self::MayHaveBeenProcessed => "may_have_been_processed",
        }
    }
}

impl Refusal {
    /// Whether the API refused the input itself (invalid, already exists, not found): a
    /// definite answer about what was sent. Never true for refused credentials, rate
    /// limiting or an answer that is not the API's, which say nothing about the input.
    pub fn is_about_input(self) -> bool {
        matches!(self, Self::Invalid | Self::AlreadyExists | Self::NotFound)
    }

    /// Whether the API answered the refusal in its own documented words (everything but
    /// [`Refusal::Unrecognized`]).
    pub fn is_by_the_api(self) -> bool {
        !matches!(self, Self::Unrecognized)
    }

    /// The JSON `outcome` word.
    pub fn word(self) -> &'static str {
        match self {
            Self::Credentials => "credentials_refused",
            Self::Invalid => "rejected",
            Self::AlreadyExists => "already_exists",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::Unrecognized => "unexpected_response",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TransportErrorKind;
    use http::Response;

    fn classify(status: u16, body: &str) -> Outcome {
        let response = Response::builder().status(status).body(body).unwrap();
        let error =
            crate::response::classify_failure(&response, crate::response::ErrorStyle::HelloClever);
        Outcome::of_response_error(&error)
    }

    #[test]
    fn each_word_names_one_outcome() {
        let mut words: Vec<_> = Outcome::ALL.iter().map(|o| o.word()).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), Outcome::ALL.len());
    }

    #[test]
    fn credentials_are_never_a_refusal_of_the_input() {
        assert_eq!(
            classify(401, r#"{"errors":{"code":"REQUIRE_LOGIN"}}"#),
            Outcome::Refused(Refusal::Credentials)
        );
        assert!(!Refusal::Credentials.is_about_input());
        assert!(!Refusal::RateLimited.is_about_input());
    }

    #[test]
    fn not_found_needs_the_apis_envelope() {
        let envelope = r#"{"errors":{"code":"BAD_REQUEST","message":"not found"}}"#;
        assert_eq!(classify(404, envelope), Outcome::Refused(Refusal::NotFound));
        for body in ["", "<html>404 Not Found</html>", "{}", r#"{"errors":"x"}"#] {
            assert_eq!(
                classify(404, body),
                Outcome::Refused(Refusal::Unrecognized),
                "{body:?}"
            );
        }
    }

    #[test]
    fn only_unsent_requests_are_not_sent() {
        for (kind, sent) in [
            (TransportErrorKind::Connect, false),
            (TransportErrorKind::ConnectTimeout, false),
            (TransportErrorKind::Timeout, true),
            (TransportErrorKind::Io, true),
        ] {
            let outcome = Outcome::of_transport_error(&TransportError::from_kind(kind));
            assert_eq!(outcome.may_have_been_processed(), sent, "{kind:?}");
        }
    }

    #[test]
    fn server_failures_and_bad_successes_may_have_been_processed() {
        assert_eq!(classify(503, "busy"), Outcome::MayHaveBeenProcessed);
        assert_eq!(classify(201, ""), Outcome::MayHaveBeenProcessed);
        assert_eq!(
            classify(413, "<html>"),
            Outcome::Refused(Refusal::Unrecognized)
        );
        assert_eq!(classify(429, ""), Outcome::Refused(Refusal::RateLimited));
    }
}
