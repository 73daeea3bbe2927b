//! Parsing a callback body: strict about shape and size, tolerant about content.

use crate::callback::event::KycStatusChanged;
use crate::snippet::BodySnippet;

/// The default largest callback body accepted: 1 MiB.
pub(crate) const DEFAULT_CALLBACK_BODY_LIMIT: usize = 1024 * 1024;

/// Why a callback body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackParseError {
    /// Larger than the limit.
    #[error("the callback body is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Its size (or the size announced by Content-Length).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not UTF-8.
    #[error("the callback body is not valid UTF-8 (first bad byte at offset {valid_up_to})")]
    InvalidUtf8 {
        /// Bytes before the first invalid sequence.
        valid_up_to: usize,
    },
    /// Valid JSON, but not an object.
    #[error("the callback body must be a JSON object, but it is {found}")]
    NotAnObject {
        /// What it is instead: "an array", "a string", "a number", "a boolean", "null", or
        /// "empty".
        found: &'static str,
    },
    /// Not well-formed JSON, or a field of the wrong type.
    #[error(
        "the callback body is not a valid KYCStatusChanged record at {path}: {detail}; body {body}"
    )]
    Json {
        /// The JSON path of the failure (`.` for the root), e.g. `kyc_statuses[0].message`.
        path: String,
        /// What the parser said.
        detail: String,
        /// The start of the body.
        body: BodySnippet,
    },
}

/// Parses a `KYCStatusChanged` body under the default 1 MiB limit.
///
/// This does not authenticate anything: verify the `Authorization` header first, with
/// [`CallbackAuthenticator`](crate::callback::CallbackAuthenticator) or [`CallbackReceiver`](crate::callback::CallbackReceiver).
///
/// # Errors
/// [`CallbackParseError`] for an oversized body, invalid UTF-8, a body that is not a JSON
/// object, malformed JSON or a field of the wrong type (with its JSON path).
///
/// ```
/// use clever_kyc_core::{callback::parse_kyc_status_changed, KycStatus};
/// let event = parse_kyc_status_changed(br#"{"email":"a@example.com","kyc_statuses":[{"kyc_status":"Approved","message":"null"}]}"#)?;
/// assert_eq!(event.latest_status(), Some(&KycStatus::Approved));
/// assert_eq!(event.kyc_statuses[0].message, None);
/// # Ok::<(), clever_kyc_core::callback::CallbackParseError>(())
/// ```
pub fn parse_kyc_status_changed(body: &[u8]) -> Result<KycStatusChanged, CallbackParseError> {
    parse_kyc_status_changed_with_limit(body, DEFAULT_CALLBACK_BODY_LIMIT)
}

/// [`parse_kyc_status_changed`] with a chosen size limit in bytes.
///
/// # Errors
/// As [`parse_kyc_status_changed`].
pub fn parse_kyc_status_changed_with_limit(
    body: &[u8],
    limit: usize,
) -> Result<KycStatusChanged, CallbackParseError> {
    if body.len() > limit {
        return Err(CallbackParseError::TooLarge {
            size: body.len() as u64,
            limit: limit as u64,
        });
    }
    // The fast path: an object, read straight from the bytes (serde_json checks the UTF-8 of
    // what it reads). Anything else, and any failure, takes the diagnosing path below.
    let starts_as_object = body
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|&b| b == b'{');
    if starts_as_object
        && let Ok(text) = std::str::from_utf8(body)
        && let Ok(event) = serde_json::from_str(text)
    {
        return Ok(event);
    }
    diagnose(body)
}

/// Why `body` is not a callback record: invalid UTF-8, another JSON value, or the path where
/// the record went wrong.
#[cold]
fn diagnose(body: &[u8]) -> Result<KycStatusChanged, CallbackParseError> {
    let text = std::str::from_utf8(body).map_err(|e| CallbackParseError::InvalidUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    let first = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .bytes()
        .next();
    let found = match first {
        Some(b'{') => None,
        None => Some("empty"),
        Some(b'[') => Some("an array"),
        Some(b'"') => Some("a string"),
        Some(b'-' | b'0'..=b'9') => Some("a number"),
        Some(b't' | b'f') => Some("a boolean"),
        Some(b'n') => Some("null"),
        Some(_) => None, // not JSON at all: let the parser describe it with a position
    };
    if let Some(found) = found {
        // Only when it really is that JSON value; otherwise it is malformed.
        if found == "empty" || serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            return Err(CallbackParseError::NotAnObject { found });
        }
    }
    // The fast path tracks no path; on failure, parse again to find where it failed.
    serde_json::from_str(text).map_err(|_| locate_error(text))
}

fn locate_error(text: &str) -> CallbackParseError {
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<KycStatusChanged, _> = serde_path_to_error::deserialize(&mut de);
    let (path, detail) = match result {
        Err(e) => (e.path().to_string(), e.inner().to_string()),
        Ok(_) => match de.end() {
            Err(e) => (".".to_owned(), e.to_string()),
            // Both passes run the same deserializer; if the second succeeds the first did too.
            Ok(()) => (".".to_owned(), "inconsistent parse".to_owned()),
        },
    };
    CallbackParseError::Json {
        path,
        detail,
        body: BodySnippet::new(text.as_bytes()),
    }
}
