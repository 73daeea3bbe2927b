//! **clever-kyc-blocking**: submit Sumsub share tokens to Hello Clever's "Submit KYC With
//! Token" API from blocking Rust, over ureq. No async runtime is built.
//!
//! Everything from [`clever_kyc_core`] is re-exported here, so this is the only dependency
//! a blocking service needs.
//!
//! # Example
//!
//! ```no_run
//! use clever_kyc_blocking::{Client, clever_kyc_core::Credentials, clever_kyc_core::Environment, clever_kyc_core::KycSubmission};
//!
//! let client = Client::new(Environment::Sandbox, Credentials::new("app-id", "secret-key")?)?;
//! let submission = KycSubmission::builder()
//!     .email("contact@example.com")
//!     .token("_act-sbx-share-token")
//!     .webhook("https://merchant.example/kyc/callback", "Bearer unique-per-submission")
//!     .build()?;
//! match client.submit(&submission) {
//!     Ok(done) => println!("accepted ({} attempt(s))", done.attempts()),
//!     Err(e) if e.is_submission_refused() => println!("ask the user for a new token: {e}"),
//!     Err(e) if e.is_credentials_refused() => println!("fix the app-id / secret-key: {e}"),
//!     Err(e) if e.may_have_been_processed() => println!("unknown outcome; reconcile first: {e}"),
//!     Err(e) => println!("not accepted: {e}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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
//! - Retries follow [`RetryPolicy`]: by default only when the request never left, or the
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
