//! **clever-kyc-mock**: a local Hello Clever sandbox. It answers Submit KYC With Token as
//! the API documents, spends scripted share tokens once, delivers real `KYCStatusChanged`
//! callbacks with retries, records everything, and injects faults on demand.
//!
//! # Example
//!
//! ```no_run
//! use clever_kyc_mock::{MockConfig, MockServer, TokenOutcome, DeliverySchedule};
//! use clever_kyc_core::Credentials;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut config = MockConfig::new(Credentials::new("app-id", "secret-key")?);
//! config.delivery = DeliverySchedule::fast();
//! let mock = MockServer::start(config).await?; // 127.0.0.1, a free port
//! let token = mock.issue_token(TokenOutcome::Approved);
//! // Point a client at mock.base_url(), submit `token` with a webhook, then:
//! let (done, attempts) = mock
//!     .wait_for_deliveries(std::time::Duration::from_secs(5), |a| a.iter().filter(|d| d.delivered).count() == 2)
//!     .await;
//! # let _ = (done, attempts, token);
//! # Ok(()) }
//! ```
//!
//! # Behaviour
//!
//! - `POST /api/v2/contacts/share_token`: 401 `REQUIRE_LOGIN` "Not Authorised" for missing
//!   or wrong `app-id`/`secret-key`; 400 for a body that is not a JSON object; 422 with
//!   "Email can't be blank" and messages in the same style for a missing or invalid email,
//!   token or webhook; 422 "Token has already been used" and "Token is invalid or expired";
//!   200 `{"status":"Ok"}` otherwise; 413 above the body limit.
//! - Tokens: issued with [`MockServer::issue_token`] or `POST /__mock/tokens`, or named by
//!   prefix (`approved-…`, `rejected-…`, `failed-…`, `pending-…`, `expired-…`; anything else
//!   ends approved). Every token is single use.
//! - Callbacks: `pending`, then the final status, POSTed to `endpoint_url` with
//!   `Authorization` equal to `authorization_header`; anything but 200 is retried on the
//!   [`DeliverySchedule`], the same bytes each time. The real API needs a public HTTPS URL;
//!   the simulator also accepts loopback `http`, and it delivers only to loopback hosts: any
//!   other URL is recorded as not delivered and never contacted.
//! - Inspection: [`MockServer::requests`], [`MockServer::submissions`],
//!   [`MockServer::deliveries`], and `GET /__mock/requests`, `/__mock/submissions`,
//!   `/__mock/deliveries`. Faults: [`MockServer::inject_fault`] or `POST /__mock/faults`
//!   with `{"fault": {"kind": "rate_limited", "retry_after_secs": 1}, "times": 1}`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod api;
pub mod audit;
mod config;
pub mod conformance;
mod contact;
mod contacts;
mod contacts_api;
mod control;
mod delivery;
mod fault;
mod history;
mod metrics;
mod openapi;
mod records;
mod server;
mod store;
mod sumsub_api;
mod tokens;
mod untrusted_tls;

pub use config::{
    DeliverySchedule, ListTotals, MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY, MockConfig,
};
pub use contacts::MAX_CONTACTS;
pub use control::{DROPPED_HEADER, MAX_PAGE, NEXT_HEADER};
pub use fault::{
    FAULT_KINDS, Fault, MAX_CANNED_BYTES, MAX_FAULT_TIMES, MAX_LATENCY_MILLIS, MAX_OVERSIZED_BYTES,
    MAX_RETRY_AFTER_SECS,
};
pub use history::{HISTORY_CAPACITY, MAX_RECORDED_TEXT};
pub use metrics::MockMetrics;
pub use openapi::{HELLO_CLEVER_OPENAPI, SUMSUB_OPENAPI};
pub use records::{DeliveryAttempt, RequestRecord, SubmissionRecord};
pub use server::{
    BlockingMockServer, FaultQueueFull, MAX_QUEUED_FAULT_BYTES, MAX_QUEUED_FAULTS, MockError,
    MockServer,
};
pub use tokens::{MAX_REMEMBERED_TOKENS, MAX_TOKEN_TTL, TokenOutcome};
pub use untrusted_tls::UntrustedTlsServer;
