//! Receiving a callback end to end: method, authentication, size, parsing, in that order,
//! each refusal mapped to the HTTP status a receiver should answer.

use http::header::CONTENT_LENGTH;
use http::{HeaderMap, Method, Request, StatusCode};

use crate::callback::event::KycStatusChanged;
use crate::callback::parse::{
    CallbackParseError, DEFAULT_CALLBACK_BODY_LIMIT, parse_kyc_status_changed_with_limit,
};
use crate::callback::verify::{CallbackAuthError, CallbackAuthenticator};

/// Why a callback request was refused, with the status to answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackRejection {
    /// Callbacks are POSTed.
    #[error("callbacks are POSTed; {0} is not allowed")]
    MethodNotAllowed(Method),
    /// Not authenticated.
    #[error(transparent)]
    Unauthorized(CallbackAuthError),
    /// An authenticated request whose body is unusable.
    #[error(transparent)]
    InvalidBody(CallbackParseError),
}

impl CallbackRejection {
    /// The status a receiver should answer: 405, 401, 413 or 400.
    pub fn http_status(&self) -> StatusCode {
        match self {
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::InvalidBody(CallbackParseError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InvalidBody(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// Verifies and parses callback requests.
///
/// Use [`check_head`](Self::check_head) before reading the body (it refuses unauthenticated
/// or oversized requests without reading them), then [`receive`](Self::receive) on the whole
/// request.
///
/// ```
/// use clever_kyc_core::*;
/// let secret = AuthorizationValue::new("Bearer per-submission-secret")?;
/// let receiver = CallbackReceiver::new(CallbackAuthenticator::new([secret.clone()]));
///
/// let event = KycStatusChanged::new("a@example.com", vec![KycStatusEntry::new(KycStatus::Approved, None)]);
/// let request = callback_request("https://merchant.example/kyc", &secret, &event)?;
/// assert_eq!(receiver.receive(&request)?, event);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CallbackReceiver {
    authenticator: CallbackAuthenticator,
    body_limit: usize,
}

impl CallbackReceiver {
    /// A receiver with the default 1 MiB body limit.
    pub fn new(authenticator: CallbackAuthenticator) -> Self {
        Self {
            authenticator,
            body_limit: DEFAULT_CALLBACK_BODY_LIMIT,
        }
    }

    /// Changes the body limit in bytes.
    pub fn with_body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// The body limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// The authenticator, e.g. to add a value for a new submission.
    pub fn authenticator_mut(&mut self) -> &mut CallbackAuthenticator {
        &mut self.authenticator
    }

    /// Checks what can be checked before the body is read: method, `Authorization`, and a
    /// `Content-Length` over the limit.
    ///
    /// # Errors
    /// [`CallbackRejection`] with the status to answer.
    pub fn check_head(
        &self,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<(), CallbackRejection> {
        if method != Method::POST {
            return Err(CallbackRejection::MethodNotAllowed(method.clone()));
        }
        self.authenticator
            .verify(headers)
            .map_err(CallbackRejection::Unauthorized)?;
        let announced = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(size) = announced.filter(|&size| size > self.body_limit as u64) {
            return Err(CallbackRejection::InvalidBody(
                CallbackParseError::TooLarge {
                    size,
                    limit: self.body_limit as u64,
                },
            ));
        }
        Ok(())
    }

    /// Verifies and parses a whole callback request.
    ///
    /// # Errors
    /// [`CallbackRejection`] with the status to answer.
    pub fn receive<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
    ) -> Result<KycStatusChanged, CallbackRejection> {
        self.check_head(request.method(), request.headers())?;
        self.parse_body(request.body().as_ref())
    }

    /// Parses a body whose head already passed [`check_head`](Self::check_head).
    ///
    /// # Errors
    /// [`CallbackRejection::InvalidBody`].
    pub fn parse_body(&self, body: &[u8]) -> Result<KycStatusChanged, CallbackRejection> {
        parse_kyc_status_changed_with_limit(body, self.body_limit)
            .map_err(CallbackRejection::InvalidBody)
    }
}
