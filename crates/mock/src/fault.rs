//! Faults the simulator can inject in place of (or around) a normal answer.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use http::{HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};

/// One injected fault. Serialized as `{"kind": "...", ...}` for the control endpoint.
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

impl Fault {
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
