//! What the simulator saw and did, kept for inspection by tests and the control endpoints.

use serde::Serialize;

use crate::tokens::TokenOutcome;

/// A share token as inspection shows it: its first 4 characters and its length, never
/// enough to spend it.
pub(crate) fn redact_token(token: &str) -> String {
    let shown: String = token.chars().take(4).collect();
    format!("{shown}… ({} bytes, redacted)", token.len())
}

fn redacted<S: serde::Serializer>(token: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&redact_token(token))
}

fn redacted_option<S: serde::Serializer>(
    token: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match token {
        Some(token) => redacted(token, serializer),
        None => serializer.serialize_none(),
    }
}

/// One request to the submit endpoint, whatever became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// Sequence number, from 1.
    pub id: u64,
    /// Milliseconds since the simulator started.
    pub at_ms: u64,
    /// The token in the body, when there was one. Inspection over HTTP shows it redacted
    /// (single use: whoever reads it could spend it).
    #[serde(serialize_with = "redacted_option")]
    pub token: Option<String>,
    /// The email in the body, when there was one.
    pub email: Option<String>,
    /// The injected fault, if any.
    pub fault: Option<String>,
    /// Whether the request reached the API's processing (no fault replaced it): its token was
    /// presented, and spent if it was accepted.
    pub processed: bool,
    /// The status answered (for faults that cut the answer, the one that would have been).
    pub status: u16,
}

/// One accepted submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionRecord {
    /// Sequence number, from 1.
    pub id: u64,
    /// Milliseconds since the simulator started.
    pub at_ms: u64,
    /// The contact's email.
    pub email: String,
    /// The share token spent. Inspection over HTTP shows it redacted.
    #[serde(serialize_with = "redacted")]
    pub token: String,
    /// How its KYC ends.
    pub outcome: TokenOutcome,
    /// Where callbacks go, if anywhere. (The authorization value is never recorded.)
    pub endpoint_url: Option<String>,
}

/// One attempt to deliver a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    /// The submission it belongs to.
    pub submission_id: u64,
    /// The contact's email.
    pub email: String,
    /// The status the callback announced.
    pub kyc_status: String,
    /// 1 for the first attempt of this callback.
    pub attempt: u32,
    /// Milliseconds since the simulator started.
    pub at_ms: u64,
    /// The receiver's status, if it answered.
    pub http_status: Option<u16>,
    /// The failure, if it did not.
    pub error: Option<String>,
    /// Whether this attempt counts as delivered (a 200).
    pub delivered: bool,
    /// Whether this was a deliberate repeat of an already delivered callback.
    pub repeat: bool,
}
