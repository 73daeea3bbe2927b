//! The sans-IO core of **clever-kyc**, the SDK for Hello Clever's "Submit KYC With Token"
//! API and its `KYCStatusChanged` callback.
//!
//! It builds [`http::Request`] values and classifies [`http::Response`]s; it verifies and
//! parses callbacks. It opens no socket, starts no runtime and reads no clock: time,
//! randomness and IO come from the caller. Use it directly to embed the API in another
//! library, or through `clever-kyc-async` (reqwest) or `clever-kyc-blocking` (ureq), which
//! re-export everything here.
//!
//! # Submitting a share token
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use clever_kyc_core::*;
//!
//! let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app-id", "secret-key")?)?;
//! let submission = KycSubmission::builder()
//!     .email("contact@example.com")
//!     .token("_act-sbx-share-token")
//!     .webhook("https://merchant.example/kyc/callback", "Bearer unique-per-submission")
//!     .build()?; // every field is validated here; nothing has been sent
//!
//! let request: HttpRequest = build_submit_request(&config, &submission);
//! assert_eq!(request.uri(), "https://api.cleverhub.co/api/v2/contacts/share_token");
//!
//! // ... send it with any HTTP client, then classify the answer:
//! let response = http::Response::builder().status(200).body(r#"{"status":"Ok"}"#)?;
//! let accepted = parse_submit_response(&response)?;
//! assert_eq!(accepted.status, "Ok");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Call`] wraps the two steps, for every [`Operation`], with the [`RetryPolicy`] in a loop any transport can
//! drive; a closure from request to response is a complete transport.
//!
//! # Receiving callbacks
//!
//! ```
//! use clever_kyc_core::*;
//!
//! let receiver = CallbackReceiver::new(CallbackAuthenticator::new([
//!     AuthorizationValue::new("Bearer unique-per-submission")?,
//! ]));
//! # let request = callback_request("https://merchant.example/kyc/callback",
//! #     &AuthorizationValue::new("Bearer unique-per-submission")?,
//! #     &parse_kyc_status_changed(documented::KYC_STATUS_CHANGED.as_bytes())?)?;
//! match receiver.receive(&request) {
//!     Ok(event) => {
//!         let key = event.idempotency_key(); // drop duplicates: deliveries are retried
//!         println!("{:?} is now {:?} ({key})", event.email, event.latest_status());
//!     }
//!     Err(rejection) => {
//!         let status = rejection.http_status(); // 401, 405, 413 or 400
//!         # let _ = status;
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Choosing a transport
//!
//! - `clever-kyc-async`: reqwest on tokio, for async services.
//! - `clever-kyc-blocking`: ureq, no async runtime, for blocking services.
//! - this crate alone: bring your own client; drive [`Call`].
//!
//! # Security
//!
//! - **Secrets**: [`SecretKey`], [`AuthorizationValue`] and [`ShareToken`] have redacted
//!   `Debug`, no `Display`, and an explicit `expose_secret`. Errors never contain them.
//! - **Redirects** are never followed (a redirect would carry `secret-key` to another host):
//!   they come back as [`ResponseError::Redirect`].
//! - **Plain HTTP** is refused except to loopback hosts, for the API and for callbacks.
//! - **Callbacks** are authenticated by the `Authorization` echo alone (v2 documents no body
//!   signature): use a unique value per submission. Comparison is constant-time.
//! - **Duplicates**: Hello Clever retries callback deliveries; deduplicate with
//!   [`KycStatusChanged::idempotency_key`].
//! - **Single-use tokens**: the default [`RetryPolicy`] retries only requests that provably
//!   never reached the server, or that the server asked to retry later.
//!
//! # Feature flags
//!
//! - `tracing` (default): attempts, retries and outcomes are logged through `tracing` (never
//!   a header value or a body). Without it, the core's dependency tree is serde, serde_json,
//!   http, thiserror and serde_path_to_error, and their own.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

/// Forwards to `tracing` at `$level` when the `tracing` feature is on (the default); without
/// it, nothing is logged and nothing of `tracing` is compiled in.
macro_rules! log {
    ($level:ident, $($arg:tt)*) => {
        #[cfg(feature = "tracing")]
        tracing::$level!($($arg)*);
    };
}

mod builder;
mod call;
mod callback;
mod config;
pub mod documented;
mod email;
mod hex;
mod lenient;
mod operation;
mod outcome;
mod ops;
mod request;
mod response;
mod retry;
mod secret;
mod settings;
mod sha256;
mod snippet;
mod submission;
mod sumsub;
mod transport;
mod url;
mod utc;

/// The `http` crate this one builds requests with, so an embedder needs no matching
/// dependency of its own.
pub use http;

pub use builder::{ClientBuilder, ClientParts, Transport};
pub use call::{
    Attempt, Call, CallError, CallFailure, Completed, DEFAULT_RESPONSE_BODY_LIMIT, Jitter, Step,
    Submitted,
};
pub use outcome::{Outcome, Refusal};
pub use callback::event::{
    ContactType, Gender, IdDocType, IdempotencyKey, Identity, KycStatus, KycStatusChanged,
    KycStatusEntry,
};
pub use callback::identity::{
    AuthDigest, DEFAULT_REGISTRATION_RETENTION, Registration, SubmissionId, SubmissionIdError,
    SubmissionRegistry, authorization_from_random_bytes,
};
pub use callback::parse::{
    CallbackParseError, DEFAULT_CALLBACK_BODY_LIMIT, parse_kyc_status_changed,
    parse_kyc_status_changed_with_limit,
};
pub use callback::receive::{
    Authenticated, CallbackHead, CallbackReceiver, CallbackRejection, CallbackSource, ReceivedCallback,
};
pub use callback::testing::callback_request;
pub use callback::verify::{CallbackAuthError, CallbackAuthenticator};
pub use config::{
    ApiConfig, AppId, BaseUrl, CONTACT_DETAIL_PATH, CONTACTS_PATH, ConfigError, Credentials,
    Environment, PRODUCTION_BASE_URL, SANDBOX_BASE_URL, SUBMIT_PATH, USER_AGENT,
};
pub use email::{Email, EmailError};
pub use operation::{Now, Operation, RetrySafety};
pub use ops::{
    Contact, ContactDetails, ContactError, ContactListError, ContactListQuery, ContactPage,
    ContactPages, ContactWalk, CreateContact, CreatedContact, DEFAULT_MAX_PAGES, DEFAULT_PER_PAGE,
    KycBaseline, ListContacts, MAX_PER_PAGE, NewContact, NewContactBuilder, PageLimitReached,
    Reconciliation, SubmitKyc, WalkStep,
};
pub use request::{APP_ID_HEADER, HttpRequest, SECRET_KEY_HEADER, build_submit_request};
pub use response::{Accepted, ResponseError, RetryAfter, UnexpectedReason, parse_submit_response};
pub use retry::{GiveUpReason, RetryAction, RetryClass, RetryPolicy};
pub use secret::{
    AuthorizationValue, SecretKey, SecretValueError, SumsubAppToken, SumsubSecretKey, secrets_match,
};
pub use settings::TransportSettings;
pub use snippet::{BodySnippet, MAX_SNIPPET_BYTES};
pub use submission::{
    AuthorizationInput, KycSubmission, KycSubmissionBuilder, MAX_TOKEN_BYTES, ShareToken,
    TokenError, ValidationError, WebhookEndpoint, WebhookNotification,
};
pub use sumsub::{
    GenerateShareToken, IssuedShareToken, MAX_SHARE_TOKEN_TTL, SUMSUB_APP_TOKEN_HEADER,
    SUMSUB_BASE_URL, SUMSUB_SHARE_TOKEN_PATH, SUMSUB_SIGNATURE_HEADER, SUMSUB_SIGNATURE_WINDOW,
    SUMSUB_TIMESTAMP_HEADER, ShareTokenRequest, ShareTokenRequestError, SumsubAuthError,
    SumsubConfig, sumsub_signature, verify_sumsub_request,
};
pub use transport::{TransportError, TransportErrorKind, error_chain};
pub use url::{UrlError, check_endpoint_url, is_loopback_host};
pub use utc::{UtcDateTime, UtcDateTimeError};

/// The response type transports hand back: the `http` crate's, with the body as bytes.
pub type HttpResponse = http::Response<Vec<u8>>;
