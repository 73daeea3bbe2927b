//! **clever-kyc-async**: submit Sumsub share tokens to Hello Clever's "Submit KYC With
//! Token" API from async Rust, over reqwest.
//!
//! Everything from [`clever_kyc_core`] is re-exported here, so this is the only dependency
//! an async service needs.
//!
//! # Example
//!
//! ```no_run
//! use clever_kyc_async::{Client, clever_kyc_core::Credentials, clever_kyc_core::Environment, clever_kyc_core::KycSubmission, clever_kyc_core::CallError};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Environment::Sandbox, Credentials::new("app-id", "secret-key")?)?;
//! let submission = KycSubmission::builder()
//!     .email("contact@example.com")
//!     .token("_act-sbx-share-token")
//!     .webhook("https://merchant.example/kyc/callback", "Bearer unique-per-submission")
//!     .build()?;
//! match client.submit(&submission).await {
//!     Ok(done) => println!("accepted ({} attempt(s))", done.attempts()),
//!     Err(e) if e.is_submission_refused() => println!("ask the user for a new token: {e}"),
//!     Err(e) if e.is_credentials_refused() => println!("fix the app-id / secret-key: {e}"),
//!     Err(e) if e.may_have_been_processed() => println!("unknown outcome; reconcile first: {e}"),
//!     Err(e) => println!("not sent: {e}"),
//! }
//! # Ok(()) }
//! ```
//!
//! # Choosing a transport
//!
//! This crate for tokio services; `clever-kyc-blocking` (ureq, no runtime) for blocking
//! code; `clever-kyc-core` alone to bring your own HTTP client. All three make the same
//! decisions, because the decisions live in the core.
//!
//! # Security
//!
//! - TLS is rustls on ring with the Mozilla roots; no other crypto library is built.
//! - Redirects are never followed: reqwest forwards `secret-key` across hosts. A 3xx is
//!   reported as `ResponseError::Redirect`.
//! - Proxies are not taken from the environment; pass your own client to use one.
//! - Retries follow [`RetryPolicy`]: by default only when the request never left, or the
//!   server asked with `Retry-After`, because a share token is single-use.
//! - Tracing spans and events carry the method, path, status, attempt and elapsed time,
//!   never a header value or body.
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
mod tls;

/// The sans-IO core, as a module: its types are this crate's vocabulary.
pub use clever_kyc_core;
pub use client::{Client, ClientBuildError, ClientBuilder};
pub use tls::{rustls_config, safe_reqwest_builder};

/// The client is shared across tasks; its futures run on multi-threaded runtimes.
#[cfg(test)]
mod assertions {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}

    #[allow(dead_code)]
    fn client_and_future_are_send(
        client: &super::Client,
        submission: &clever_kyc_core::KycSubmission,
    ) {
        send_sync(client);
        send(&client.submit(submission));
    }
}
