//! Faults the simulator can inject in place of (or around) a normal answer.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use http::{HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};

/// Every fault kind with an example, as `--fault` and `POST /__mock/faults` take it: one
/// text for the rustdoc, `clever-kyc mock --help` and the README.
macro_rules! fault_kinds {
    () => {
        "Fault kinds, as --fault and POST /__mock/faults take them (faults apply to the submit endpoint):
  {\"kind\":\"latency\",\"millis\":1500}                                             wait, then answer normally
  {\"kind\":\"stall\"}                                                             process, then never answer (until the stall time, 300 s)
  {\"kind\":\"rate_limited\",\"retry_after_secs\":2}                                 429 with Retry-After (omit it for none); not processed
  {\"kind\":\"internal_error\"}                                                    500 with a JSON error; not processed
  {\"kind\":\"bad_gateway_html\"}                                                  502 with a proxy's HTML page; not processed
  {\"kind\":\"service_unavailable\",\"retry_after_secs\":5}                          503, Retry-After optional; not processed
  {\"kind\":\"drop_connection\"}                                                   process, then cut the response mid-way
  {\"kind\":\"redirect\",\"location\":\"https://elsewhere.example/\"}                  302; not processed
  {\"kind\":\"temporary_redirect\",\"location\":\"https://elsewhere.example/\"}        307; not processed
  {\"kind\":\"respond\",\"status\":418,\"body\":\"teapot\",\"content_type\":\"text/plain\"}  a canned answer; not processed
  {\"kind\":\"oversized_body\",\"bytes\":5242880}                                    200 streaming that many bytes; not processed"
    };
}

/// The list of fault kinds with an example each, as `clever-kyc mock --help` shows it.
pub const FAULT_KINDS: &str = fault_kinds!();

/// One injected fault. Serialized as `{"kind": "...", ...}` for the control endpoint.
///
/// ```text
#[doc = fault_kinds!()]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Waits, then answers normally.
    Latency {
        /// The added delay in milliseconds.
        millis: u64,
    },
    /// Processes the submission, then never answers (until the configured stall time).
    Stall,
    /// 429 with an optional `Retry-After`; the submission is not processed.
    RateLimited {
        /// `Retry-After` in seconds.
        retry_after_secs: Option<u64>,
    },
    /// 500 with a JSON error; not processed.
    InternalError,
    /// 502 with a proxy's HTML page; not processed.
    BadGatewayHtml,
    /// 503 with an optional `Retry-After`; not processed.
    ServiceUnavailable {
        /// `Retry-After` in seconds.
        retry_after_secs: Option<u64>,
    },
    /// Processes the submission, then drops the connection in the middle of the response.
    DropConnection,
    /// 302 to another URL; not processed.
    Redirect {
        /// The `Location`.
        location: String,
    },
    /// 307 to another URL (method and body kept); not processed.
    TemporaryRedirect {
        /// The `Location`.
        location: String,
    },
    /// A canned answer; not processed.
    Respond {
        /// The status code.
        status: u16,
        /// The body.
        body: String,
        /// The `Content-Type`, if any.
        content_type: Option<String>,
    },
    /// 200 with a body of this many bytes, streamed; not processed.
    OversizedBody {
        /// The body size in bytes.
        bytes: u64,
    },
}

/// The largest `times` the control API takes for one fault.
pub const MAX_FAULT_TIMES: u64 = 1_000_000;
/// The longest added latency: 10 minutes.
pub const MAX_LATENCY_MILLIS: u64 = 600_000;
/// The largest `Retry-After` a fault sends: one day.
pub const MAX_RETRY_AFTER_SECS: u64 = 86_400;
/// The largest streamed body: 1 GiB.
pub const MAX_OVERSIZED_BYTES: u64 = 1 << 30;
/// The longest canned body or `Location`: 64 KiB.
pub const MAX_CANNED_BYTES: usize = 64 * 1024;

impl Fault {
    /// Checks every count and duration against its cap.
    ///
    /// # Errors
    /// A sentence naming the field and its cap, for a 400.
    pub fn validate(&self) -> Result<(), String> {
        let over = |field: &str, value: u64, cap: u64| {
            (value > cap).then(|| format!("{field} is {value}; at most {cap} is accepted"))
        };
        let problem = match self {
            Self::Latency { millis } => over("millis", *millis, MAX_LATENCY_MILLIS),
            Self::RateLimited { retry_after_secs }
            | Self::ServiceUnavailable { retry_after_secs } => {
                retry_after_secs.and_then(|s| over("retry_after_secs", s, MAX_RETRY_AFTER_SECS))
            }
            Self::OversizedBody { bytes } => over("bytes", *bytes, MAX_OVERSIZED_BYTES),
            Self::Redirect { location } | Self::TemporaryRedirect { location } => {
                if location.len() > MAX_CANNED_BYTES {
                    Some(format!(
                        "location has {} bytes; at most {MAX_CANNED_BYTES}",
                        location.len()
                    ))
                } else if http::HeaderValue::from_str(location).is_err() {
                    Some("location cannot be sent as a header value".to_owned())
                } else {
                    None
                }
            }
            Self::Respond {
                status,
                body,
                content_type,
            } => {
                if StatusCode::from_u16(*status).is_err() {
                    Some(format!(
                        "status {status} is not an HTTP status code (100 to 999)"
                    ))
                } else if body.len() > MAX_CANNED_BYTES {
                    Some(format!(
                        "body has {} bytes; at most {MAX_CANNED_BYTES}",
                        body.len()
                    ))
                } else if content_type
                    .as_deref()
                    .is_some_and(|c| http::HeaderValue::from_str(c).is_err())
                {
                    Some("content_type cannot be sent as a header value".to_owned())
                } else {
                    None
                }
            }
            Self::Stall | Self::InternalError | Self::BadGatewayHtml | Self::DropConnection => None,
        };
        problem.map_or(Ok(()), Err)
    }

    /// Whether the submission is processed (token spent, callbacks scheduled) before the
    /// fault shows: the ambiguous cases a client must not retry blindly.
    pub fn processes_submission(&self) -> bool {
        matches!(
            self,
            Self::Latency { .. } | Self::Stall | Self::DropConnection
        )
    }

    /// A short name for records.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Latency { .. } => "latency",
            Self::Stall => "stall",
            Self::RateLimited { .. } => "rate_limited",
            Self::InternalError => "internal_error",
            Self::BadGatewayHtml => "bad_gateway_html",
            Self::ServiceUnavailable { .. } => "service_unavailable",
            Self::DropConnection => "drop_connection",
            Self::Redirect { .. } => "redirect",
            Self::TemporaryRedirect { .. } => "temporary_redirect",
            Self::Respond { .. } => "respond",
            Self::OversizedBody { .. } => "oversized_body",
        }
    }

    /// The answer for a fault that replaces processing, or `None` for those that wrap it.
    pub(crate) fn replacement(&self) -> Option<Response> {
        let response = match self {
            Self::Latency { .. } | Self::Stall | Self::DropConnection => return None,
            Self::RateLimited { retry_after_secs } => with_retry_after(
                error_json(StatusCode::TOO_MANY_REQUESTS, "TOO_MANY_REQUESTS", "Too many requests"),
                *retry_after_secs,
            ),
            Self::InternalError => error_json(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_SERVER_ERROR", "Internal server error"),
            Self::BadGatewayHtml => (
                StatusCode::BAD_GATEWAY,
                [(CONTENT_TYPE, "text/html")],
                "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
            )
                .into_response(),
            Self::ServiceUnavailable { retry_after_secs } => with_retry_after(
                error_json(StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", "Service unavailable"),
                *retry_after_secs,
            ),
            Self::Redirect { location } => redirect(StatusCode::FOUND, location),
            Self::TemporaryRedirect { location } => redirect(StatusCode::TEMPORARY_REDIRECT, location),
            Self::Respond { status, body, content_type } => {
                let mut response = (StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), body.clone()).into_response();
                response.headers_mut().remove(CONTENT_TYPE);
                if let Some(value) = content_type.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
                    response.headers_mut().insert(CONTENT_TYPE, value);
                }
                response
            }
            Self::OversizedBody { bytes } => oversized(*bytes),
        };
        Some(response)
    }

    /// Wraps a normal answer for the faults that need one.
    pub(crate) async fn wrap(&self, normal: Response, stall: Duration) -> Response {
        match self {
            Self::Stall => {
                tokio::time::sleep(stall).await;
                normal
            }
            Self::DropConnection => dropped_mid_body(),
            _ => normal,
        }
    }
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

pub(crate) fn error_json(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"errors": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

fn with_retry_after(mut response: Response, seconds: Option<u64>) -> Response {
    if let Some(seconds) = seconds {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A JSON-looking body of `bytes` bytes, generated chunk by chunk so the simulator holds
/// at most 64 KiB of it.
fn oversized(bytes: u64) -> Response {
    const CHUNK: usize = 64 * 1024;
    let chunk = Bytes::from(vec![b' '; CHUNK]);
    let stream = futures_util::stream::unfold(bytes, move |left| {
        let chunk = chunk.clone();
        async move {
            if left == 0 {
                return None;
            }
            let n = left.min(CHUNK as u64);
            Some((Ok::<_, Infallible>(chunk.slice(..n as usize)), left - n))
        }
    });
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(bytes));
    response
}

/// Announces a body, sends part of it, then fails the stream so the connection is cut.
fn dropped_mid_body() -> Response {
    let parts: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"{\"status\":")),
        Err(std::io::Error::other("simulated connection drop")),
    ];
    let mut response = Response::new(Body::from_stream(futures_util::stream::iter(parts)));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(64u64));
    response
}

#[cfg(test)]
mod kinds {
    use super::*;

    /// Every example in the list parses as the kind it names, and every kind is listed.
    #[test]
    fn the_list_names_every_kind_with_an_example_that_parses() {
        let mut listed = Vec::new();
        for line in FAULT_KINDS.lines().skip(1) {
            let line = line.trim();
            let end = line.rfind('}').expect("an example");
            let fault: Fault =
                serde_json::from_str(&line[..=end]).unwrap_or_else(|e| panic!("{line}: {e}"));
            fault.validate().unwrap();
            listed.push(fault.name());
        }
        let all = [
            "latency",
            "stall",
            "rate_limited",
            "internal_error",
            "bad_gateway_html",
            "service_unavailable",
            "drop_connection",
            "redirect",
            "temporary_redirect",
            "respond",
            "oversized_body",
        ];
        assert_eq!(listed, all);
    }
}
