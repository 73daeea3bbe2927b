//! Receiving and recording, in steps any server can drive (blocking here; the `axum` module
//! drives the same steps from async code).

use std::error::Error as StdError;
use std::time::{Duration, SystemTime};

use clever_kyc_core::{
    AuthorizationValue, Email, callback::AuthDigest, callback::CallbackAuthenticator,
    callback::CallbackHead, callback::CallbackReceiver, callback::CallbackRejection,
    callback::CallbackSource, callback::ReceivedCallback, callback::Registration,
    callback::SubmissionId, callback::authorization_from_random_bytes,
};
use http::{HeaderMap, Method, Request, StatusCode};

use crate::store::{BoxError, CallbackStore, EventRecord, Recorded, Registrations, StoreError};

/// Why a callback was not acknowledged, with the status to answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InboxError {
    /// The request itself was refused (405, 401, 413 or 400): redelivering it will not help.
    #[error(transparent)]
    Rejected(#[from] CallbackRejection),
    /// The store could not commit or look up: answered 503 so that it is delivered again.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The body did not arrive within the read deadline (408).
    #[error("the callback body did not arrive in time")]
    BodyTimeout,
    /// The body could not be read (400): the connection broke or was malformed.
    #[error("the callback body could not be read")]
    BodyUnreadable(#[source] BoxError),
    /// The merchant's handler failed: answered 503 so that it is delivered again.
    #[error("the callback handler failed")]
    Handler(#[source] BoxError),
}

impl InboxError {
    /// The status to answer: the rejection's own, or 503 Service Unavailable.
    pub fn http_status(&self) -> StatusCode {
        match self {
            Self::Rejected(rejection) => rejection.http_status(),
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::BodyUnreadable(_) => StatusCode::BAD_REQUEST,
            Self::Store(_) | Self::Handler(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// Why a new submission could not be registered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// The operating system's random source failed; nothing was registered.
    #[error("the operating system's random source failed")]
    RandomSource(#[source] getrandom::Error),
    /// The store could not commit the registration.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A callback that passed the head checks and the registry: who sent it. Only
/// [`CallbackInbox::authenticate`] makes one, so recording a callback that was never
/// authenticated does not compile.
///
/// ```compile_fail,E0451
/// use clever_kyc_receive::{Authenticated, clever_kyc_core::callback::CallbackSource};
/// let forged = Authenticated { verdict: todo!(), registered_email: None }; // private fields
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an authenticated callback is only useful once recorded"]
pub struct Authenticated {
    verdict: clever_kyc_core::callback::Authenticated,
    registered_email: Option<Email>,
}

impl Authenticated {
    /// Who sent it: the submission, or one of the inbox's own values.
    pub fn source(&self) -> &CallbackSource {
        self.verdict.source()
    }

    /// The email registered with the submission.
    pub fn registered_email(&self) -> Option<&Email> {
        self.registered_email.as_ref()
    }
}

/// A recorded callback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Receipt {
    /// The authenticated, parsed callback.
    pub callback: ReceivedCallback,
    /// The submission's registered email, else the event's own.
    pub email: Option<String>,
    /// When it arrived.
    pub received_at: SystemTime,
    /// New, or a redelivery (and whether that was handled).
    pub recorded: Recorded,
}

impl Receipt {
    /// Whether the handler must (still) take it: new, or a duplicate of an unhandled event.
    pub fn needs_handling(&self) -> bool {
        !matches!(self.recorded, Recorded::Duplicate { handled: true })
    }

    /// Whether it is a redelivery of a committed event.
    pub fn is_duplicate(&self) -> bool {
        matches!(self.recorded, Recorded::Duplicate { .. })
    }
}

/// A new submission's identity: give `authorization` as the webhook's Authorization value.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssuedSubmission {
    /// The id callbacks will be traced to.
    pub submission_id: SubmissionId,
    /// The fresh value (`Bearer ` + 32 random bytes, base64url).
    pub authorization: AuthorizationValue,
    /// What was registered.
    pub registration: Registration,
}

impl IssuedSubmission {
    /// A fresh id and `Authorization` value from the operating system's random source;
    /// nothing is stored yet (see [`register_in`](Self::register_in)).
    ///
    /// # Errors
    /// [`RegistrationError::RandomSource`].
    pub fn generate(
        email: &Email,
        now: SystemTime,
        retention: Duration,
    ) -> Result<Self, RegistrationError> {
        let mut value = [0u8; 32];
        getrandom::fill(&mut value).map_err(RegistrationError::RandomSource)?;
        Self::for_value(
            authorization_from_random_bytes(value),
            email,
            now,
            retention,
        )
    }

    /// A fresh id for a value the merchant chose; nothing is stored yet.
    ///
    /// # Errors
    /// [`RegistrationError::RandomSource`].
    pub fn for_value(
        authorization: AuthorizationValue,
        email: &Email,
        now: SystemTime,
        retention: Duration,
    ) -> Result<Self, RegistrationError> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(RegistrationError::RandomSource)?;
        let submission_id = SubmissionId::from_random_bytes(id);
        let registration = Registration::new(submission_id.clone(), email.clone(), now, retention);
        Ok(Self {
            submission_id,
            authorization,
            registration,
        })
    }

    /// Commits the registration of the value's digest (never the value) to `store`.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be committed.
    pub fn register_in<S: Registrations + ?Sized>(&self, store: &S) -> Result<(), StoreError> {
        store.register(&AuthDigest::of(&self.authorization), &self.registration)
    }

    /// Removes the registration from `store` (the submission was refused or never sent).
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    pub fn unregister_from<S: Registrations + ?Sized>(
        &self,
        store: &S,
    ) -> Result<bool, StoreError> {
        store.unregister(&AuthDigest::of(&self.authorization))
    }
}

/// Receives callbacks into a [`CallbackStore`]: authenticates against the receiver's own
/// values and the store's registrations, parses, and commits before anything is
/// acknowledged.
///
/// For a blocking server, [`receive`](Self::receive) is the whole job; its steps
/// ([`authenticate`](Self::authenticate), [`record`](Self::record),
/// [`mark_handled`](Self::mark_handled)) let a server read the body only after
/// authentication.
///
/// ```
/// use std::time::SystemTime;
/// use clever_kyc_core::{Email, KycStatus, KycStatusChanged};
/// use clever_kyc_core::callback::{KycStatusEntry, Registration, callback_request};
/// use clever_kyc_receive::{CallbackInbox, MemoryStore};
///
/// let inbox = CallbackInbox::new(MemoryStore::new());
/// let email = Email::parse("a@example.com")?;
/// let issued = inbox.issue_submission(&email, SystemTime::now(), Registration::DEFAULT_RETENTION)?;
/// // ... submit with issued.authorization as the webhook's Authorization value ...
///
/// let event = KycStatusChanged::new("a@example.com", vec![KycStatusEntry::new(KycStatus::Approved, None)]);
/// let request = callback_request("https://merchant.example/kyc", &issued.authorization, &event)?;
/// let receipt = inbox.receive(&request, SystemTime::now(), |receipt| {
///     println!("{} is {:?}", receipt.callback.submission_id().unwrap(), receipt.callback.event().latest_status());
///     Ok::<(), std::io::Error>(()) // an Err here answers 503: Hello Clever delivers again
/// })?;
/// assert_eq!(receipt.callback.submission_id(), Some(&issued.submission_id));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CallbackInbox<S> {
    receiver: CallbackReceiver,
    store: S,
    #[cfg(feature = "metrics")]
    metrics: Option<crate::metrics::ReceiveMetrics>,
}

impl<S: CallbackStore> CallbackInbox<S> {
    /// An inbox accepting only values registered in `store`, with a 1 MiB body limit.
    pub fn new(store: S) -> Self {
        Self {
            receiver: CallbackReceiver::new(CallbackAuthenticator::default()),
            store,
            #[cfg(feature = "metrics")]
            metrics: None,
        }
    }

    /// Reports every callback into `metrics` (feature `metrics`): register them in the
    /// service's own Prometheus registry.
    #[cfg(feature = "metrics")]
    pub fn with_metrics(mut self, metrics: crate::metrics::ReceiveMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Reports a callback's outcome: logs and, when set, metrics.
    pub(crate) fn observe(&self, result: &Result<Receipt, InboxError>) {
        crate::observe::callback(result);
        #[cfg(feature = "metrics")]
        if let Some(metrics) = &self.metrics {
            metrics.callback(result);
        }
    }

    /// Also accepts `values` (for submissions made without a registration); their events
    /// name no submission.
    pub fn with_static_values(
        mut self,
        values: impl IntoIterator<Item = AuthorizationValue>,
    ) -> Self {
        for value in values {
            self.receiver.authenticator_mut().add(&value);
        }
        self
    }

    /// Changes the body limit in bytes.
    pub fn with_body_limit(mut self, limit: usize) -> Self {
        self.receiver = self.receiver.with_body_limit(limit);
        self
    }

    /// The core receiver (body limit, static values).
    pub fn receiver(&self) -> &CallbackReceiver {
        &self.receiver
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Registers a fresh submission for `email`: a new id and `Authorization` value from the
    /// operating system's random source, committed before this returns, so register
    /// **before** submitting.
    ///
    /// # Errors
    /// [`RegistrationError`]; nothing is registered then.
    pub fn issue_submission(
        &self,
        email: &Email,
        now: SystemTime,
        retention: Duration,
    ) -> Result<IssuedSubmission, RegistrationError> {
        let mut id = [0u8; 16];
        let mut value = [0u8; 32];
        getrandom::fill(&mut id).map_err(RegistrationError::RandomSource)?;
        getrandom::fill(&mut value).map_err(RegistrationError::RandomSource)?;
        let submission_id = SubmissionId::from_random_bytes(id);
        let authorization = authorization_from_random_bytes(value);
        let registration =
            self.register(&authorization, submission_id.clone(), email, now, retention)?;
        Ok(IssuedSubmission {
            submission_id,
            authorization,
            registration,
        })
    }

    /// Registers a value the merchant chose for `submission_id`.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be committed.
    pub fn register(
        &self,
        value: &AuthorizationValue,
        submission_id: SubmissionId,
        email: &Email,
        now: SystemTime,
        retention: Duration,
    ) -> Result<Registration, StoreError> {
        let registration = Registration::new(submission_id, email.clone(), now, retention);
        self.store.register(&AuthDigest::of(value), &registration)?;
        Ok(registration)
    }

    /// Stops accepting `value` (a submission refused or never sent); whether it was
    /// registered.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    pub fn unregister(&self, value: &AuthorizationValue) -> Result<bool, StoreError> {
        self.store.unregister(&AuthDigest::of(value))
    }

    /// Step 1, before the body is read: method, `Authorization`, `Content-Length`, and the
    /// registration lookup when the value is not one of the inbox's own.
    ///
    /// # Errors
    /// [`InboxError::Rejected`] (401, 405, 413) or [`InboxError::Store`] (503).
    pub fn authenticate(
        &self,
        method: &Method,
        headers: &HeaderMap,
        now: SystemTime,
    ) -> Result<Authenticated, InboxError> {
        let head = self.receiver.check_head(method, headers)?;
        self.authenticate_head(&head, now)
    }

    /// Step 1 without the store when it needs none (the value is one of the inbox's own);
    /// otherwise the checked head, for [`Self::authenticate_head`] where the store may block.
    pub(crate) fn authenticate_inline(
        &self,
        method: &Method,
        headers: &HeaderMap,
        now: SystemTime,
    ) -> Result<Result<Authenticated, CallbackHead>, InboxError> {
        let head = self.receiver.check_head(method, headers)?;
        if head.needs_lookup() {
            return Ok(Err(head));
        }
        self.authenticate_head(&head, now).map(Ok)
    }

    /// Step 1 after the head checks: the registration lookup, then the verdict.
    pub(crate) fn authenticate_head(
        &self,
        head: &CallbackHead,
        now: SystemTime,
    ) -> Result<Authenticated, InboxError> {
        let registration = if head.needs_lookup() {
            self.store.registration(head.digest(), now)?
        } else {
            None
        };
        let verdict = self.receiver.resolve(head, registration.as_ref(), now)?;
        Ok(Authenticated {
            verdict,
            registered_email: registration.map(|r| r.email),
        })
    }

    /// Step 2: parses the body and commits the event (or counts a redelivery). With
    /// `handled`, the store is the only sink and the event needs no handler.
    ///
    /// # Errors
    /// [`InboxError::Rejected`] (400, 413) or [`InboxError::Store`] (503).
    pub fn record(
        &self,
        authenticated: Authenticated,
        body: &[u8],
        now: SystemTime,
        handled: bool,
    ) -> Result<Receipt, InboxError> {
        let callback = self.receiver.accept(authenticated.verdict, body)?;
        #[cfg(feature = "metrics")]
        let started = std::time::Instant::now();
        let email = authenticated
            .registered_email
            .map(|e| e.as_str().to_owned())
            .or_else(|| callback.event().email.clone());
        let recorded = self.store.record(&EventRecord {
            callback: &callback,
            email: email.as_deref(),
            received_at: now,
            handled,
        })?;
        #[cfg(feature = "metrics")]
        if let Some(metrics) = &self.metrics {
            metrics.committed_in(started.elapsed());
        }
        let receipt = Receipt {
            callback,
            email,
            received_at: now,
            recorded,
        };
        crate::observe::committed(&receipt);
        Ok(receipt)
    }

    /// Step 3, after the handler succeeded: later duplicates are acknowledged without it.
    ///
    /// # Errors
    /// [`InboxError::Store`] (503): the handler ran, but a redelivery will run it again.
    pub fn mark_handled(&self, receipt: &Receipt) -> Result<(), InboxError> {
        Ok(self
            .store
            .mark_handled(receipt.callback.idempotency_key())?)
    }

    /// Receives a whole request: authenticates, records, runs `handler` unless a duplicate
    /// was handled already, and marks it handled. Answer 200 on `Ok`, and
    /// [`InboxError::http_status`] otherwise.
    ///
    /// # Errors
    /// [`InboxError`]; a handler's error is [`InboxError::Handler`].
    pub fn receive<B, E>(
        &self,
        request: &Request<B>,
        now: SystemTime,
        handler: impl FnOnce(&Receipt) -> Result<(), E>,
    ) -> Result<Receipt, InboxError>
    where
        B: AsRef<[u8]>,
        E: Into<Box<dyn StdError + Send + Sync>>,
    {
        let result = (|| {
            let authenticated = self.authenticate(request.method(), request.headers(), now)?;
            let receipt = self.record(authenticated, request.body().as_ref(), now, false)?;
            if receipt.needs_handling() {
                handler(&receipt).map_err(|e| InboxError::Handler(e.into()))?;
                self.mark_handled(&receipt)?;
            }
            Ok(receipt)
        })();
        self.observe(&result);
        result
    }

    /// Receives a whole request with the store as the only sink: committed means handled.
    ///
    /// # Errors
    /// [`InboxError`].
    pub fn receive_and_commit<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
        now: SystemTime,
    ) -> Result<Receipt, InboxError> {
        let result = self
            .authenticate(request.method(), request.headers(), now)
            .and_then(|authenticated| {
                self.record(authenticated, request.body().as_ref(), now, true)
            });
        self.observe(&result);
        result
    }
}
