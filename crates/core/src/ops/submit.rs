//! Submit KYC With Token as an operation: at most once, because the token is single use.

use std::time::SystemTime;

use http::Response;

use crate::config::ApiConfig;
use crate::operation::{Operation, RetrySafety};
use crate::request::{HttpRequest, build_submit_request, copy_request};
use crate::response::{Accepted, ResponseError, parse_submit_response};
use crate::submission::KycSubmission;

/// `POST /api/v2/contacts/share_token`. The request is built once: every attempt sends the
/// same bytes.
///
/// ```
/// use clever_kyc_core::*;
/// use clever_kyc_core::{config::ApiConfig};
/// let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret")?)?;
/// let submission = KycSubmission::builder().email("a@example.com").token("tok").build()?;
/// let op = SubmitKyc::new(&config, &submission);
/// assert_eq!(op.request(std::time::SystemTime::UNIX_EPOCH).uri().path(), ApiConfig::SUBMIT_PATH);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SubmitKyc {
    request: HttpRequest,
}

impl std::fmt::Debug for SubmitKyc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The request holds the secret-key, the token and the callback authorization value.
        f.debug_struct("SubmitKyc")
            .field("uri", self.request.uri())
            .finish_non_exhaustive()
    }
}

impl SubmitKyc {
    /// Prepares the submission's request.
    pub fn new(config: &ApiConfig, submission: &KycSubmission) -> Self {
        Self::from_request(build_submit_request(config, submission))
    }

    /// Drives an already-built request (for callers that add headers, e.g. tracing ids).
    pub fn from_request(request: HttpRequest) -> Self {
        Self { request }
    }
}

impl Operation for SubmitKyc {
    type Output = Accepted;
    const NAME: &'static str = "KYC submission";
    const SPENDS_SHARE_TOKEN: bool = true;
    const SAFETY: RetrySafety = RetrySafety::AtMostOnce;

    fn request(&self, _now: SystemTime) -> HttpRequest {
        copy_request(&self.request)
    }

    fn parse<B: AsRef<[u8]>>(&self, response: &Response<B>) -> Result<Accepted, ResponseError> {
        parse_submit_response(response)
    }
}
