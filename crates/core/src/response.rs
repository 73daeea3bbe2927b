//! Classifying the answer to Submit KYC With Token: every documented and undocumented outcome.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use http::{HeaderMap, Response, StatusCode};
use serde::Deserialize;

use crate::lenient::opt_string;
use crate::outcome::{Outcome, Refusal};
pub use crate::snippet::BodySnippet;

/// The submission was accepted (HTTP 200 with `{"status": "Ok"}` or `"OK"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The `status` word as the API sent it.
    pub status: String,
}

/// A `Retry-After` header: a number of seconds or an HTTP date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Wait this long.
    Delay(Duration),
    /// Wait until this time.
    At(SystemTime),
}

impl RetryAfter {
    /// Reads the header; `None` when it is absent or unreadable. A number of seconds too
    /// large to represent is the longest delay there is, not an absent header.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
            return Some(Self::Delay(Duration::from_secs(seconds)));
        }
        crate::utc::parse_http_date(value).map(Self::At)
    }

    /// How long to wait from `now` (the caller's clock: this crate reads none).
    pub fn delay_from(&self, now: SystemTime) -> Duration {
        match *self {
            Self::Delay(delay) => delay,
            Self::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

impl fmt::Display for RetryAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Delay(d) => write!(f, "{}s", d.as_secs()),
            Self::At(at) => f.write_str(&crate::utc::fmt_http_date(*at)),
        }
    }
}

fn retry_hint(retry_after: &Option<RetryAfter>) -> String {
    match retry_after {
        Some(after) => format!("the server asks to retry after {after}"),
        None => "no Retry-After was given".to_owned(),
    }
}

fn code_and_message(code: &Option<String>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => "no error details".to_owned(),
    }
}

/// Why a response was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnexpectedReason {
    /// The status code is not one this endpoint answers with.
    Status,
    /// The body is not the JSON this status should carry.
    Body {
        /// Where in the JSON it went wrong (`.` for the root).
        path: String,
        /// What the JSON parser said.
        detail: String,
    },
    /// A 200 whose `status` is not "Ok".
    StatusWord(String),
    /// A 400 or 404 without the API's error envelope: a proxy's page, an empty body, or a
    /// base URL whose path reaches something other than the API. Never read as "not found".
    NotTheApisAnswer,
}

impl fmt::Display for UnexpectedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status => f.write_str("this endpoint does not document that status"),
            Self::Body { path, detail } => {
                write!(f, "the body is not the expected JSON (at {path}: {detail})")
            }
            Self::StatusWord(word) => write!(f, "the status word {word:?} is not \"Ok\""),
            Self::NotTheApisAnswer => f.write_str(
                "the body is not the API's error envelope, so something other than the API answered (a proxy, or a base URL with a wrong path)",
            ),
        }
    }
}

/// The API, or something in front of it, did not answer with the operation's success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// 401: the app-id / secret-key pair was refused.
    #[error(
        "401 Unauthorized ({}): check the app-id and secret-key for this environment",
        code_and_message(.code, .message)
    )]
    Unauthorized {
        /// The error code, usually `REQUIRE_LOGIN`.
        code: Option<String>,
        /// The message, e.g. "Not Authorised".
        message: Option<String>,
        /// The start of the body: a proxy's page when the API's JSON is missing.
        body: BodySnippet,
    },
    /// 422: a field was refused, e.g. "Email can't be blank", or the token is invalid, expired
    /// or already used.
    #[error(
        "422 Unprocessable Entity ({}): fix the fields named",
        code_and_message(.code, .message)
    )]
    Unprocessable {
        /// The error code, when one was sent.
        code: Option<String>,
        /// The message.
        message: Option<String>,
        /// The start of the body.
        body: BodySnippet,
    },
    /// 422 to Create Contact for an email that is taken: the contact already exists.
    #[error(
        "422 Unprocessable Entity ({}): the contact already exists; look it up instead of creating it",
        code_and_message(.code, .message)
    )]
    AlreadyExists {
        /// The error code, when one was sent.
        code: Option<String>,
        /// The message, e.g. "Email has already been taken".
        message: Option<String>,
        /// The start of the body.
        body: BodySnippet,
    },
    /// 400: the request was refused as malformed.
    #[error(
        "400 Bad Request ({}): the request was refused as malformed",
        code_and_message(.code, .message)
    )]
    BadRequest {
        /// The error code, when the body had one.
        code: Option<String>,
        /// The message, when the body had one.
        message: Option<String>,
        /// The start of the body.
        body: BodySnippet,
    },
    /// 404: what the request names does not exist (an applicant at Sumsub; a contact, for
    /// the lookups that answer so).
    #[error(
        "404 Not Found ({}): check the identifier sent",
        code_and_message(.code, .message)
    )]
    NotFound {
        /// The error code, when one was sent.
        code: Option<String>,
        /// The message.
        message: Option<String>,
        /// The start of the body.
        body: BodySnippet,
    },
    /// 429: too many requests.
    #[error("429 Too Many Requests: {}", retry_hint(.retry_after))]
    RateLimited {
        /// When to try again, if the server said.
        retry_after: Option<RetryAfter>,
    },
    /// 5xx: the service or a proxy failed. The request may or may not have been processed.
    #[error(
        "the server failed with {status}, so the request may or may not have been processed ({})",
        retry_hint(.retry_after)
    )]
    ServerError {
        /// The status code.
        status: StatusCode,
        /// When to try again, if the server said.
        retry_after: Option<RetryAfter>,
        /// The start of the body (often a proxy's HTML page).
        body: BodySnippet,
    },
    /// 3xx: a redirect. Never followed, because it would carry the secret-key to another host.
    #[error(
        "{status} redirect to {}: not followed, because it would send the secret-key elsewhere; check the base URL",
        .location.as_deref().unwrap_or("(no Location)")
    )]
    Redirect {
        /// The status code.
        status: StatusCode,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// Anything else: an undocumented status, or a body that is not the expected JSON.
    #[error(
        "unexpected response {status} ({}): {reason}",
        .content_type.as_deref().unwrap_or("no content type")
    )]
    Unexpected {
        /// The status code.
        status: StatusCode,
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// What was wrong.
        reason: UnexpectedReason,
        /// The start of the body.
        body: BodySnippet,
    },
}

impl ResponseError {
    /// The HTTP status code.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Unprocessable { .. } | Self::AlreadyExists { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::ServerError { status, .. }
            | Self::Redirect { status, .. }
            | Self::Unexpected { status, .. } => *status,
        }
    }

    /// The API's error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::AlreadyExists { code, .. }
            | Self::BadRequest { code, .. }
            | Self::NotFound { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The API's error message, when it sent one.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { message, .. }
            | Self::Unprocessable { message, .. }
            | Self::AlreadyExists { message, .. }
            | Self::BadRequest { message, .. }
            | Self::NotFound { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// The start of the body, when the error kept one.
    pub fn body(&self) -> Option<&BodySnippet> {
        match self {
            Self::Unauthorized { body, .. }
            | Self::Unprocessable { body, .. }
            | Self::AlreadyExists { body, .. }
            | Self::BadRequest { body, .. }
            | Self::NotFound { body, .. }
            | Self::ServerError { body, .. }
            | Self::Unexpected { body, .. } => Some(body),
            Self::RateLimited { .. } | Self::Redirect { .. } => None,
        }
    }

    /// What this answer means for the request: the one classification
    /// ([`Outcome::of_response_error`]).
    pub fn outcome(&self) -> Outcome {
        Outcome::of_response_error(self)
    }

    /// 401: the merchant's app-id or secret-key was refused. Nothing about the contact or
    /// the token is wrong: do not ask the user for anything; fix the credentials.
    pub fn is_credentials_refused(&self) -> bool {
        self.outcome() == Outcome::Refused(Refusal::Credentials)
    }

    /// 400 or 422 in the API's words: the token or a field was refused (invalid, expired or
    /// used token; blank email). A refused token cannot be reused: ask for a new one.
    pub fn is_submission_refused(&self) -> bool {
        self.outcome() == Outcome::Refused(Refusal::Invalid)
    }

    /// The server's `Retry-After`, for 429 and 5xx.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        match self {
            Self::RateLimited { retry_after } | Self::ServerError { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct SuccessBody {
    #[serde(default, deserialize_with = "opt_string")]
    status: Option<String>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    errors: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default, deserialize_with = "opt_string")]
    code: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    message: Option<String>,
}

fn parse_json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, UnexpectedReason> {
    // The fast path tracks no path; only a failure pays for parsing again to locate it.
    serde_json::from_slice(body).map_err(|_| locate_error::<T>(body))
}

fn locate_error<'a, T: Deserialize<'a>>(body: &'a [u8]) -> UnexpectedReason {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => UnexpectedReason::Body {
            path: e.path().to_string(),
            detail: e.inner().to_string(),
        },
        Ok(_) => UnexpectedReason::Body {
            path: ".".into(),
            detail: de
                .end()
                .err()
                .map_or_else(|| "invalid JSON".to_owned(), |e| e.to_string()),
        },
    }
}

/// Whose error envelope a response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorStyle {
    /// Hello Clever: `{"errors": {"code": "...", "message": "..."}}`, `code` optional.
    HelloClever,
    /// Sumsub: `{"description", "code", "correlationId", "errorCode", "errorName"}`.
    Sumsub,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SumsubEnvelope {
    #[serde(default, deserialize_with = "opt_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    correlation_id: Option<String>,
    #[serde(default)]
    error_code: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "opt_string")]
    error_name: Option<String>,
}

/// The code and message of an error body; `None` when it is not the expected envelope.
fn error_details(body: &[u8], style: ErrorStyle) -> Option<(Option<String>, Option<String>)> {
    match style {
        ErrorStyle::HelloClever => match serde_json::from_slice::<ErrorEnvelope>(body) {
            Ok(ErrorEnvelope { errors }) => Some((errors.code, errors.message)),
            Err(_) => None,
        },
        ErrorStyle::Sumsub => match serde_json::from_slice::<SumsubEnvelope>(body) {
            // An object with none of Sumsub's fields is not its envelope.
            Ok(SumsubEnvelope {
                description: None,
                correlation_id: None,
                error_code: None,
                error_name: None,
            }) => None,
            Ok(envelope) => {
                // The name says more than the number; either is optional.
                let code = envelope.error_name.or_else(|| {
                    envelope.error_code.and_then(|c| match c {
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        serde_json::Value::String(s) if !s.is_empty() => Some(s),
                        _ => None,
                    })
                });
                let message = match (envelope.description, envelope.correlation_id) {
                    (Some(d), Some(id)) => Some(format!("{d} (correlation id {id})")),
                    (d, None) => d,
                    (None, Some(id)) => Some(format!("correlation id {id}")),
                };
                Some((code, message))
            }
            Err(_) => None,
        },
    }
}

/// Classifies any answer that is not the operation's success: the documented refusals, rate
/// limiting, server failures, redirects (never followed) and everything undocumented, each
/// with a bounded excerpt of the body.
pub(crate) fn classify_failure<B: AsRef<[u8]>>(
    response: &Response<B>,
    style: ErrorStyle,
) -> ResponseError {
    let status = response.status();
    let headers = response.headers();
    let body = response.body().as_ref();
    // The status alone says the API (or a proxy in front of it) refused the request: a body
    // that is not the API's envelope only loses the code and message.
    let details = || error_details(body, style);
    let refusal = || {
        let (code, message) = details().unwrap_or_default();
        (code, message, BodySnippet::new(body))
    };
    match status.as_u16() {
        // A 400 or 404 says "malformed" or "no such thing" only in the API's own envelope: a
        // proxy's page or a wrong base path must never read as "no such contact".
        400 | 404 if details().is_none() => {
            unexpected(response, UnexpectedReason::NotTheApisAnswer)
        }
        400 => {
            let (code, message, body) = refusal();
            ResponseError::BadRequest {
                code,
                message,
                body,
            }
        }
        401 => {
            let (code, message, body) = refusal();
            ResponseError::Unauthorized {
                code,
                message,
                body,
            }
        }
        404 => {
            let (code, message, body) = refusal();
            ResponseError::NotFound {
                code,
                message,
                body,
            }
        }
        422 => {
            let (code, message, body) = refusal();
            ResponseError::Unprocessable {
                code,
                message,
                body,
            }
        }
        429 => ResponseError::RateLimited {
            retry_after: RetryAfter::from_headers(headers),
        },
        500..=599 => ResponseError::ServerError {
            status,
            retry_after: RetryAfter::from_headers(headers),
            body: BodySnippet::new(body),
        },
        300..=399 => ResponseError::Redirect {
            status,
            location: headers
                .get(LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        },
        _ => unexpected(response, UnexpectedReason::Status),
    }
}

/// An [`ResponseError::Unexpected`] for `response`.
pub(crate) fn unexpected<B: AsRef<[u8]>>(
    response: &Response<B>,
    reason: UnexpectedReason,
) -> ResponseError {
    ResponseError::Unexpected {
        status: response.status(),
        content_type: response
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        reason,
        body: BodySnippet::new(response.body().as_ref()),
    }
}

/// Reads a 200's JSON body as `T`, or says where it is not.
pub(crate) fn success_json<'a, T: Deserialize<'a>, B: AsRef<[u8]>>(
    response: &'a Response<B>,
) -> Result<T, ResponseError> {
    parse_json(response.body().as_ref()).map_err(|reason| unexpected(response, reason))
}

/// Classifies a response to Submit KYC With Token.
///
/// # Errors
/// A [`ResponseError`] for every answer other than acceptance: 401, 422, 400, 429, 5xx,
/// 3xx (never followed), and anything undocumented or unreadable, with a bounded excerpt of
/// the body.
///
/// ```
/// use clever_kyc_core::{response::parse_submit_response, ResponseError};
/// let ok = http::Response::builder().status(200).body(r#"{"status":"OK"}"#)?;
/// assert_eq!(parse_submit_response(&ok).unwrap().status, "OK");
///
/// let denied = http::Response::builder()
///     .status(401)
///     .body(r#"{"errors":{"code":"REQUIRE_LOGIN","message":"Not Authorised"}}"#)?;
/// let err = parse_submit_response(&denied).unwrap_err();
/// assert_eq!(err.code(), Some("REQUIRE_LOGIN"));
/// # Ok::<(), http::Error>(())
/// ```
pub fn parse_submit_response<B: AsRef<[u8]>>(
    response: &Response<B>,
) -> Result<Accepted, ResponseError> {
    if response.status() != StatusCode::OK {
        // This endpoint documents no 404: keep it undocumented rather than "not found".
        return Err(match classify_failure(response, ErrorStyle::HelloClever) {
            ResponseError::NotFound { .. } => unexpected(response, UnexpectedReason::Status),
            other => other,
        });
    }
    let parsed: SuccessBody = success_json(response)?;
    match parsed.status {
        Some(word) if word.trim().eq_ignore_ascii_case("ok") => Ok(Accepted { status: word }),
        Some(word) => Err(unexpected(response, UnexpectedReason::StatusWord(word))),
        None => Err(unexpected(
            response,
            UnexpectedReason::Body {
                path: "status".into(),
                detail: "missing".into(),
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response<Vec<u8>> {
        let mut r = Response::new(body.as_bytes().to_vec());
        *r.status_mut() = StatusCode::from_u16(status).unwrap();
        r
    }

    #[test]
    fn both_spellings_of_ok_are_acceptance() {
        for word in ["Ok", "OK", "ok"] {
            let body = format!(r#"{{"status":"{word}"}}"#);
            assert_eq!(
                parse_submit_response(&response(200, &body)).unwrap().status,
                word
            );
        }
    }

    #[test]
    fn a_200_that_is_not_ok_is_unexpected() {
        let err = parse_submit_response(&response(200, r#"{"status":"Error"}"#)).unwrap_err();
        assert!(matches!(
            err,
            ResponseError::Unexpected {
                reason: UnexpectedReason::StatusWord(_),
                ..
            }
        ));
        let err = parse_submit_response(&response(200, "")).unwrap_err();
        assert!(matches!(err, ResponseError::Unexpected { .. }));
        let err = parse_submit_response(&response(200, r#"{"status":"Ok"} trailing"#)).unwrap_err();
        assert!(matches!(err, ResponseError::Unexpected { .. }), "{err}");
    }

    #[test]
    fn a_422_without_code_keeps_the_message() {
        let err = parse_submit_response(&response(
            422,
            r#"{"errors":{"message":"Email can't be blank"}}"#,
        ))
        .unwrap_err();
        assert_eq!(err.code(), None);
        assert_eq!(err.message(), Some("Email can't be blank"));
        assert_eq!(err.outcome(), Outcome::Refused(Refusal::Invalid));
    }

    #[test]
    fn a_401_with_a_malformed_envelope_is_still_unauthorized() {
        let err = parse_submit_response(&response(401, "{\"errors\": 5}")).unwrap_err();
        match err {
            ResponseError::Unauthorized {
                code: None,
                message: None,
                body,
            } => assert_eq!(body.as_str(), "{\"errors\": 5}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_400_is_the_apis_only_in_its_envelope() {
        let envelope = r#"{"errors":{"code":"BAD_REQUEST","message":"x"}}"#;
        let err = parse_submit_response(&response(400, envelope)).unwrap_err();
        assert!(matches!(err, ResponseError::BadRequest { .. }), "{err:?}");
        for body in ["", "<html>bad</html>"] {
            let err = parse_submit_response(&response(400, body)).unwrap_err();
            assert!(
                matches!(
                    err,
                    ResponseError::Unexpected {
                        reason: UnexpectedReason::NotTheApisAnswer,
                        ..
                    }
                ),
                "{body}"
            );
            assert!(!err.outcome().may_have_been_processed(), "{body}");
        }
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let mut r = response(429, "");
        r.headers_mut().insert(RETRY_AFTER, "7".parse().unwrap());
        let err = parse_submit_response(&r).unwrap_err();
        assert_eq!(
            err.retry_after(),
            Some(RetryAfter::Delay(Duration::from_secs(7)))
        );

        let mut r = response(503, "");
        r.headers_mut().insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        let after = parse_submit_response(&r)
            .unwrap_err()
            .retry_after()
            .unwrap();
        let now = crate::utc::parse_http_date("Wed, 21 Oct 2015 07:27:50 GMT").unwrap();
        assert_eq!(after.delay_from(now), Duration::from_secs(10));
        assert_eq!(
            after.delay_from(now + Duration::from_secs(60)),
            Duration::ZERO
        );

        let mut r = response(429, "");
        r.headers_mut().insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(parse_submit_response(&r).unwrap_err().retry_after(), None);
    }

    #[test]
    fn redirects_are_reported_with_their_location() {
        let mut r = response(302, "");
        r.headers_mut()
            .insert(LOCATION, "https://elsewhere.example/".parse().unwrap());
        let err = parse_submit_response(&r).unwrap_err();
        assert_eq!(
            err,
            ResponseError::Redirect {
                status: StatusCode::FOUND,
                location: Some("https://elsewhere.example/".into())
            }
        );
    }

    #[test]
    fn other_statuses_are_unexpected() {
        for status in [201, 204, 403, 404, 418] {
            let err = parse_submit_response(&response(status, "{}")).unwrap_err();
            let expected = if status == 404 {
                UnexpectedReason::NotTheApisAnswer
            } else {
                UnexpectedReason::Status
            };
            assert!(
                matches!(&err, ResponseError::Unexpected { reason, .. } if *reason == expected),
                "{status}: {err:?}"
            );
            assert_eq!(err.status().as_u16(), status);
        }
    }
}

#[cfg(test)]
mod retry_after_overflow {
    use super::*;

    #[test]
    fn an_overlong_retry_after_is_a_delay_not_an_absent_header() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "99999999999999999999".parse().unwrap());
        assert_eq!(
            RetryAfter::from_headers(&headers),
            Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
        );
        let policy = crate::RetryPolicy::default();
        let wait = RetryAfter::from_headers(&headers)
            .unwrap()
            .delay_from(SystemTime::UNIX_EPOCH);
        assert_eq!(
            policy.decide(
                crate::retry::RetryClass::ServerAskedToWait(wait),
                1,
                Duration::ZERO,
                0.5
            ),
            crate::retry::RetryAction::GiveUp(crate::retry::GiveUpReason::DeadlineExceeded)
        );
    }
}

#[cfg(test)]
mod refusals_without_the_api_body {
    use super::*;

    fn response(status: u16, body: &str) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn a_401_or_422_with_a_proxy_page_is_still_a_refusal_with_its_snippet() {
        for (status, page) in [(401, "<html>401 Authorization Required</html>"), (422, "")] {
            let err = parse_submit_response(&response(status, page)).unwrap_err();
            assert!(err.outcome().refusal().is_some(), "{status}: {err:?}");
            assert_eq!((err.code(), err.message()), (None, None));
            match err {
                ResponseError::Unauthorized { body, .. }
                | ResponseError::Unprocessable { body, .. } => {
                    assert_eq!(body.as_str(), page)
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
