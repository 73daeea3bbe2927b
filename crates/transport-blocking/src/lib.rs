//! **clever-kyc-blocking**: submit Sumsub share tokens to Hello Clever's "Submit KYC With
//! Token" API from blocking Rust, over ureq. No async runtime is built.
//!
//! The client is this crate's; its vocabulary (configuration, the submission, outcomes,
//! contacts, Sumsub) is [`clever_kyc_core`]'s, re-exported here as a module.
//!
//! # The whole flow, against the simulator
//!
//! A merchant's KYC-with-token takes four calls: make sure the contact exists, get a share
//! token from Sumsub, submit it, and (only when the outcome was unknown) reconcile. This runs
//! against `clever-kyc-mock` on loopback; in production, use `Environment::Sandbox` or
//! `Environment::Production` and your own credentials.
//!
//! ```
//! use clever_kyc_blocking::Client;
//! use clever_kyc_core::{Credentials, Email, Environment, KycSubmission, Outcome, Refusal};
//! use clever_kyc_core::callback::ContactType;
//! use clever_kyc_core::config::BaseUrl;
//! use clever_kyc_core::contact::{KycBaseline, NewContact};
//! use clever_kyc_core::sumsub::{ShareTokenRequest, SumsubConfig};
//! # use clever_kyc_mock::{BlockingMockServer, MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY, MockConfig};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Hello Clever's app-id and secret-key, from the merchant dashboard.
//! let credentials = Credentials::new("app-id", "secret-key")?;
//! # let mock = BlockingMockServer::start(MockConfig::new(credentials.clone()))?;
//! // The simulator's address stands in for Environment::Sandbox here.
//! let base_url = BaseUrl::parse(&mock.base_url())?;
//! let client = Client::new(Environment::Custom(base_url.clone()), credentials)?;
//!
//! // 1. The contact must exist. Creating it twice is a typed refusal, not an error to parse.
//! let email = Email::parse("ana@example.com")?;
//! let contact = NewContact::builder()
//!     .email(email.as_str())
//!     .name("Ana", "Lee")
//!     .contact_type(ContactType::Individual)
//!     .build()?;
//! match client.create_contact(&contact) {
//!     Ok(_) => {}
//!     Err(e) if e.refusal() == Some(Refusal::AlreadyExists) => {} // a second run: fine
//!     Err(e) => return Err(e.into()),
//! }
//!
//! // 2. A share token from Sumsub: `for_client_id` is the client the applicant's verification
//! //    is shared with, Hello Clever's client id at Sumsub.
//! # let (app_token, sumsub_secret) = (MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY);
//! let sumsub = SumsubConfig::from_text(app_token, sumsub_secret)?.with_base_url(base_url)?;
//! let request = ShareTokenRequest::new("approved-applicant-1", "helloclever")?;
//! let token = client.share_token(&sumsub, &request)?.token;
//!
//! // 3. Submit it, with a callback URL and a value unique to this submission.
//! let baseline = KycBaseline::of(client.contact_details(&email)?.as_ref());
//! let submission = KycSubmission::builder()
//!     .email(email.as_str())
//!     .share_token(token)
//!     .webhook("https://merchant.example/kyc/callback", "Bearer unique-per-submission")
//!     .build()?;
//! match client.submit(&submission) {
//!     Ok(done) => println!("accepted after {} attempt(s)", done.attempts()),
//!     Err(e) => match e.outcome() {
//!         Outcome::Refused(Refusal::Invalid) => println!("ask for a new token: {e}"),
//!         Outcome::Refused(Refusal::Credentials) => println!("fix the credentials: {e}"),
//!         // 4. Unknown: the token may be spent. Read the contact back before asking again.
//!         Outcome::MayHaveBeenProcessed => {
//!             let verdict = client.reconcile(&email, &baseline)?;
//!             println!("reconciled: took effect = {}", verdict.took_effect());
//!         }
//!         _ => println!("not accepted: {e}"),
//!     },
//! }
//! # Ok(()) }
//! ```
//!
//! The callbacks that follow are received by `clever-kyc-receive` (or the `clever-kyc listen`
//! command): authenticated by their `Authorization` value, deduplicated, committed before
//! the 200.
//!
//! # Choosing a transport
//!
//! This crate for blocking code; `clever-kyc-async` (reqwest) for tokio services;
//! `clever-kyc-core` alone to bring your own HTTP client. All three make the same decisions,
//! because the decisions live in the core.
//!
//! # Security
//!
//! - TLS is rustls on ring with the Mozilla roots, as in the async crate.
//! - Redirects are never followed: ureq forwards `secret-key` across hosts. A 3xx is
//!   reported as `ResponseError::Redirect`.
//! - Error statuses are read as responses (`http_status_as_error` off), so the API's error
//!   bodies are parsed.
//! - Retries follow [`RetryPolicy`](clever_kyc_core::RetryPolicy): by default only when the request never left, or the
//!   server asked with `Retry-After`, because a share token is single-use.
//! - Tracing spans and events never carry a header value or body.
//!
//! # Feature flags
//!
//! None.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod client;
mod send;

/// The sans-IO core, as a module: its types are this crate's vocabulary.
pub use clever_kyc_core;
pub use client::{Client, ClientBuildError, ClientBuilder, ContactIter, safe_agent};

#[cfg(test)]
mod assertions {
    fn send_sync<T: Send + Sync>(_: &T) {}

    #[allow(dead_code)]
    fn client_is_send_and_sync(client: &super::Client) {
        send_sync(client);
    }
}
