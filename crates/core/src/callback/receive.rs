//! Receiving a callback end to end: method, authentication, size, identity, parsing, in that
//! order, each refusal mapped to the HTTP status a receiver should answer.

use std::time::SystemTime;

use http::header::CONTENT_LENGTH;
use http::{HeaderMap, Method, Request, StatusCode};

use crate::callback::event::{IdempotencyKey, KycStatusChanged};
use crate::callback::identity::{AuthDigest, Registration, SubmissionId};
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

/// Who sent a callback, as its `Authorization` value says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackSource {
    /// A value configured on the receiver (e.g. `--auth`): it names no submission.
    StaticValue,
    /// A value registered for one submission.
    Submission(SubmissionId),
}

impl CallbackSource {
    /// The submission, when the value was registered for one.
    pub fn submission_id(&self) -> Option<&SubmissionId> {
        match self {
            Self::StaticValue => None,
            Self::Submission(id) => Some(id),
        }
    }
}

/// What [`CallbackReceiver::check_head`] learned before the body is read: the digest of the
/// `Authorization` value, and whether it is one of the receiver's own values or must be
/// looked up among registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a head that needs a lookup is not authenticated yet"]
pub struct CallbackHead {
    digest: AuthDigest,
    is_static: bool,
}

impl CallbackHead {
    /// The digest to look up in a registry or store.
    pub fn digest(&self) -> &AuthDigest {
        &self.digest
    }

    /// Whether the value is not one of the receiver's own, so the caller must look its
    /// digest up and hand the answer to [`CallbackReceiver::resolve`].
    pub fn needs_lookup(&self) -> bool {
        !self.is_static
    }
}

/// A callback whose sender was authenticated, by one of the receiver's own values or by a
/// registration live at the time: only [`CallbackReceiver::resolve`] makes one, so nothing
/// can be parsed, recorded or forwarded as authenticated without passing there.
///
/// ```compile_fail,E0451
/// use clever_kyc_core::{callback::Authenticated, callback::CallbackSource};
/// let forged = Authenticated { source: CallbackSource::StaticValue }; // private field
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an authenticated callback is only useful once its body is accepted"]
pub struct Authenticated {
    source: CallbackSource,
}

impl Authenticated {
    /// Who sent it.
    pub fn source(&self) -> &CallbackSource {
        &self.source
    }

    /// The submission, when the value was registered for one.
    pub fn submission_id(&self) -> Option<&SubmissionId> {
        self.source.submission_id()
    }
}

/// An authenticated, parsed callback: the event, the submission it belongs to, and the
/// key that identifies it among that submission's events.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedCallback {
    source: CallbackSource,
    event: KycStatusChanged,
    /// Made once, for both the key and whatever the receiver stores or prints.
    canonical_json: String,
    idempotency_key: IdempotencyKey,
}

impl ReceivedCallback {
    /// The event as received for `source`, with its key scoped to the submission. Only
    /// [`CallbackReceiver::accept`] (and, for tests, the `testing` feature) makes one.
    pub(crate) fn new(source: CallbackSource, event: KycStatusChanged) -> Self {
        let canonical_json = event.canonical_json();
        let idempotency_key = IdempotencyKey::scoped(source.submission_id(), &canonical_json);
        Self {
            source,
            event,
            canonical_json,
            idempotency_key,
        }
    }

    /// An event recorded without authentication, for store tests only.
    #[cfg(feature = "testing")]
    pub fn for_tests(source: CallbackSource, event: KycStatusChanged) -> Self {
        Self::new(source, event)
    }

    /// Who sent it.
    pub fn source(&self) -> &CallbackSource {
        &self.source
    }

    /// The event.
    pub fn event(&self) -> &KycStatusChanged {
        &self.event
    }

    /// Takes the event out.
    pub fn into_event(self) -> KycStatusChanged {
        self.event
    }

    /// The event's canonical JSON (see [`KycStatusChanged::canonical_json`]).
    pub fn canonical_json(&self) -> &str {
        &self.canonical_json
    }

    /// Equal for two deliveries of the same event to the same submission; different for the
    /// same body sent for two submissions.
    pub fn idempotency_key(&self) -> &IdempotencyKey {
        &self.idempotency_key
    }

    /// The submission, when the value was registered for one.
    pub fn submission_id(&self) -> Option<&SubmissionId> {
        self.source.submission_id()
    }
}

/// Verifies and parses callback requests, in steps a receiver of any kind can drive:
///
/// 1. [`check_head`](Self::check_head) before reading the body: method, the shape of the one
///    `Authorization` header, and a `Content-Length` over the limit;
/// 2. when [`CallbackHead::needs_lookup`], look the digest up in your store (blocking or
///    async, that is your IO) and call [`resolve`](Self::resolve): the only way to an
///    [`Authenticated`];
/// 3. read the body under [`body_limit`](Self::body_limit) and [`accept`](Self::accept) it.
///
/// [`receive_registered`](Self::receive_registered) does all three for a request already in
/// memory, with a lookup you pass in; [`receive`](Self::receive) for the receiver's own
/// values alone.
///
/// ```
/// use std::time::SystemTime;
/// use clever_kyc_core::*;
/// use clever_kyc_core::{callback::AuthDigest, callback::CallbackAuthenticator, callback::CallbackReceiver, callback::KycStatusEntry, callback::Registration, callback::SubmissionId, callback::authorization_from_random_bytes, callback::callback_request};
/// let secret = authorization_from_random_bytes([9; 32]);
/// // Your store: here a map from the value's digest to its registration.
/// let mut registry = std::collections::HashMap::new();
/// registry.insert(AuthDigest::of(&secret), Registration::new(
///     SubmissionId::new("order-1")?, Email::parse("a@example.com")?,
///     SystemTime::now(), Registration::DEFAULT_RETENTION,
/// ));
/// let receiver = CallbackReceiver::new(CallbackAuthenticator::default());
///
/// let event = KycStatusChanged::new("a@example.com", vec![KycStatusEntry::new(KycStatus::Approved, None)]);
/// let request = callback_request("https://merchant.example/kyc", &secret, &event)?;
/// let lookup = |digest: &AuthDigest| registry.get(digest).cloned();
/// let received = receiver.receive_registered(&request, SystemTime::now(), lookup)?;
/// assert_eq!(received.submission_id().map(|id| id.as_str()), Some("order-1"));
/// assert_eq!(received.event(), &event);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CallbackReceiver {
    authenticator: CallbackAuthenticator,
    body_limit: usize,
}

impl CallbackReceiver {
    /// A receiver accepting the authenticator's values (and, through
    /// [`resolve`](Self::resolve), registered ones), with the default 1 MiB body limit.
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

    /// The authenticator, e.g. to add a rotated value.
    pub fn authenticator_mut(&mut self) -> &mut CallbackAuthenticator {
        &mut self.authenticator
    }

    /// Step 1: checks what can be checked before the body is read: method, the one
    /// `Authorization` header, and a `Content-Length` over the limit.
    ///
    /// # Errors
    /// [`CallbackRejection`] with the status to answer.
    pub fn check_head(
        &self,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<CallbackHead, CallbackRejection> {
        if method != Method::POST {
            return Err(CallbackRejection::MethodNotAllowed(method.clone()));
        }
        let digest = AuthDigest::from_headers(headers).map_err(CallbackRejection::Unauthorized)?;
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
        Ok(CallbackHead {
            is_static: self.authenticator.accepts(&digest),
            digest,
        })
    }

    /// Step 2: who sent it, given what the caller's lookup of
    /// [`CallbackHead::digest`] found (ignored for the receiver's own values).
    ///
    /// # Errors
    /// [`CallbackRejection::Unauthorized`] with [`CallbackAuthError::Mismatch`] when the value
    /// is neither the receiver's own nor registered and live at `now`.
    pub fn resolve(
        &self,
        head: &CallbackHead,
        registration: Option<&Registration>,
        now: SystemTime,
    ) -> Result<Authenticated, CallbackRejection> {
        if head.is_static {
            return Ok(Authenticated {
                source: CallbackSource::StaticValue,
            });
        }
        match registration {
            Some(registration) if registration.is_live_at(now) => Ok(Authenticated {
                source: CallbackSource::Submission(registration.submission_id.clone()),
            }),
            _ => Err(CallbackRejection::Unauthorized(CallbackAuthError::Mismatch)),
        }
    }

    /// Step 3: parses the body of an authenticated callback.
    ///
    /// # Errors
    /// [`CallbackRejection::InvalidBody`].
    pub fn accept(
        &self,
        authenticated: Authenticated,
        body: &[u8],
    ) -> Result<ReceivedCallback, CallbackRejection> {
        let event = self.parse_body(body)?;
        Ok(ReceivedCallback::new(authenticated.source, event))
    }

    /// Verifies and parses a whole callback request against the receiver's own values.
    ///
    /// # Errors
    /// [`CallbackRejection`] with the status to answer.
    pub fn receive<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
    ) -> Result<KycStatusChanged, CallbackRejection> {
        let head = self.check_head(request.method(), request.headers())?;
        if head.needs_lookup() {
            return Err(CallbackRejection::Unauthorized(CallbackAuthError::Mismatch));
        }
        self.parse_body(request.body().as_ref())
    }

    /// Verifies and parses a whole callback request against the receiver's own values and
    /// the registration `lookup` finds for the value's digest (only called when the value is
    /// not one of the receiver's own), live at `now`.
    ///
    /// # Errors
    /// [`CallbackRejection`] with the status to answer.
    pub fn receive_registered<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
        now: SystemTime,
        lookup: impl FnOnce(&AuthDigest) -> Option<Registration>,
    ) -> Result<ReceivedCallback, CallbackRejection> {
        let head = self.check_head(request.method(), request.headers())?;
        let registration = if head.needs_lookup() {
            lookup(head.digest())
        } else {
            None
        };
        let authenticated = self.resolve(&head, registration.as_ref(), now)?;
        self.accept(authenticated, request.body().as_ref())
    }

    /// Parses a body whose head already passed `check_head`.
    ///
    /// # Errors
    /// [`CallbackRejection::InvalidBody`].
    pub(crate) fn parse_body(&self, body: &[u8]) -> Result<KycStatusChanged, CallbackRejection> {
        parse_kyc_status_changed_with_limit(body, self.body_limit)
            .map_err(CallbackRejection::InvalidBody)
    }
}

/// Constants that belong to [`CallbackReceiver`].
impl CallbackReceiver {
    /// The default largest callback body accepted: 1 MiB.
    pub const DEFAULT_BODY_LIMIT: usize = crate::callback::parse::DEFAULT_CALLBACK_BODY_LIMIT;
}
