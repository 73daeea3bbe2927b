//! Hardened HTTP/1 serving for the `clever-kyc` listener and simulator, and for any axum
//! [`Router`](axum::Router) that meets hostile clients.
//!
//! - **Deadlines**: request headers within 10 s (hyper's header timeout, which needs the
//!   timer this sets), a whole body within 30 s of its headers, and an idle keep-alive
//!   connection closed after 30 s.
//! - **A connection cap** (512): past it, the server stops accepting, so the kernel's
//!   backlog holds new clients instead of the process running out of file descriptors.
//!   [`raise_open_file_limit`] lifts the soft limit to the hard one at start.
//! - **Accept errors** (such as running out of descriptors) are logged at most once a
//!   second and never end the server.
//! - **Logs never block**: events go through `tracing` to [`NonBlockingStderr`], a bounded queue; a
//!   stuck standard error drops and counts lines. [`clip`] cuts and escapes client text.
//! - **Graceful shutdown**: [`serve`] stops accepting when its shutdown future resolves, then
//!   gives in-flight requests a grace period (10 s). [`shutdown_signal`] is SIGTERM or SIGINT.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use clever_kyc_server::*;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8787").await?;
//! let app = axum::Router::new().fallback(|| async { "ok" });
//! let summary = serve(listener, app, ServerLimits::default(), shutdown_signal()).await;
//! println!("served {} connections", summary.connections);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod body;
mod log;
mod serve;
mod signal;

pub use body::BodyDeadlineExceeded;
pub use log::{
    LOG_QUEUE_LINES, MAX_LOGGED_TEXT, NonBlockingStderr, QueuedLine, REFUSALS_PER_SECOND, clip,
    flush_logs, log_refusal, stderr_line,
};
pub use serve::{ConnectionGauge, ServeSummary, ServerLimits, serve, serve_observed};
pub use signal::{raise_open_file_limit, shutdown_signal};
