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
//! use clever_kyc_core::{request::build_submit_request, response::parse_submit_response};
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
//! use clever_kyc_core::{callback::CallbackAuthenticator, callback::CallbackReceiver, callback::callback_request, callback::parse_kyc_status_changed};
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
//! - **Secrets**: [`SecretKey`](secret::SecretKey), [`AuthorizationValue`] and
//!   [`ShareToken`](submission::ShareToken) have redacted
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

pub mod budget;
mod builder;
pub mod call;
pub mod callback;
pub mod config;
pub mod documented;
pub mod email;
mod hex;
mod lenient;
pub mod operation;
mod ops;
pub mod outcome;
pub mod request;
pub mod response;
pub mod retry;
pub mod secret;
mod settings;
mod sha256;
mod snippet;
pub mod submission;
pub mod sumsub;
pub mod transport;
pub mod url;
pub mod utc;

/// Contacts: creating one, looking one up, walking the list, and reconciling a submission
/// whose outcome was unknown with what the contact's record shows.
pub mod contact {
    pub use crate::ops::{
        Contact, ContactDetails, ContactError, ContactListError, ContactListQuery, ContactPage,
        ContactPages, ContactWalk, CreateContact, CreatedContact, KycBaseline, ListContacts,
        NewContact, NewContactBuilder, PageLimitReached, Reconciliation, WalkStep,
    };
}

/// The `http` crate this one builds requests with, so an embedder needs no matching
/// dependency of its own.
pub use http;

// The root holds what a first program needs; everything else is in the modules above.
pub use call::{Call, CallError, Completed, Step};
pub use callback::{KycStatus, KycStatusChanged};
pub use config::{ApiConfig, ConfigError, Credentials, Environment};
pub use email::Email;
pub use operation::{Now, Operation};
pub use ops::SubmitKyc;
pub use outcome::{Outcome, Refusal};
pub use request::HttpRequest;
pub use response::ResponseError;
pub use retry::RetryPolicy;
pub use secret::AuthorizationValue;
pub use submission::{KycSubmission, ValidationError};
pub use transport::TransportError;

/// The response type transports hand back: the `http` crate's, with the body as bytes.
pub type HttpResponse = http::Response<Vec<u8>>;
