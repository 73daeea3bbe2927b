//! Durable receiving of Hello Clever's `KYCStatusChanged` callbacks.
//!
//! Hello Clever advises one `Authorization` value per submission and retries a delivery
//! until it is answered 200. This crate makes the 200 a promise: a callback is acknowledged
//! only once it is committed where you asked, a redelivery is recognised per submission,
//! and several replicas can share one store.
//!
//! - **Registrations**: [`CallbackInbox::issue_submission`] draws a fresh value, registers
//!   its SHA-256 digest (never the value) with the submission's id and email, and gives you
//!   the value to submit. Registrations expire (30 days by default).
//! - **Receiving**: [`CallbackInbox::receive`] authenticates (one hash and one lookup, however
//!   many values are registered), parses, commits the event with its per-submission
//!   idempotency key and the submission's latest status, runs your handler, and tells you
//!   what to answer. A failing store or handler answers 503 so the delivery is retried.
//! - **Stores**, behind one small trait ([`CallbackStore`]): `SqliteStore` (default
//!   feature `sqlite`), `RedisStore` (feature `redis`), and [`MemoryStore`].
//!
//! The core crate is re-exported, so this is the one dependency a receiver needs.
//!
//! # A blocking receiver
//!
//! Any blocking HTTP server will do (no tokio in this crate's tree without the `axum`
//! feature); see [`CallbackInbox`] for a complete example.
//!
//! # An async service (feature `axum`)
//!
//! ```no_run
//! # #[cfg(all(feature = "axum", feature = "sqlite"))]
//! # async fn service() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use clever_kyc_receive::*;
//! # async fn update_order(_: &Receipt) -> Result<(), std::io::Error> { Ok(()) }
//!
//! let inbox = Arc::new(CallbackInbox::new(SqliteStore::open("callbacks.db")?));
//! let app = callback_router(inbox, ReceiveLimits::default(), |receipt: Receipt| async move {
//!     update_order(&receipt).await // an Err answers 503: Hello Clever delivers again
//! });
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8787").await?;
//! serve(listener, app, ServerLimits::default(), shutdown_signal()).await; // deadlines, cap, SIGTERM
//! # Ok(())
//! # }
//! ```
//!
//! # Security
//!
//! - Stores keep SHA-256 digests of `Authorization` values, never the values.
//! - A callback is authenticated before its body is read; `Content-Length` over the limit is
//!   refused (413) unread.
//! - Duplicates are recognised per submission: the same body for two submissions is two
//!   events.
//!
//! # Feature flags
//!
//! - `sqlite` (default): `SqliteStore`, on rusqlite's bundled SQLite.
//! - `redis`: `RedisStore`.
//! - `axum`: `callback_router` and the async receive step.
//! - `testing`: `testing::RedisServer`, a `redis-server` of a test's own.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(feature = "axum")]
mod async_store;
#[cfg(feature = "axum")]
mod axum_route;
mod codec;
mod inbox;
mod location;
mod memory;
#[cfg(feature = "metrics")]
mod metrics;
mod observe;
#[cfg(feature = "redis")]
mod redis_store;
mod registered;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
mod sqlite_group;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

/// Glob-importing a transport and this crate together is not ambiguous: each re-exports
/// core as a module and adds only its own names.
///
/// ```
/// #![deny(warnings)]
/// use clever_kyc_async::*;
/// use clever_kyc_receive::*;
/// fn _names_resolve(_: ClientBuilder, _: Client, _: CallbackInbox<MemoryStore>, _: StoreError) {}
/// let _core: Option<clever_kyc_core::Outcome> = None;
/// ```
#[cfg(doctest)]
pub struct GlobImportsDoctest;

/// The sans-IO core, as a module: its types are this crate's vocabulary.
pub use clever_kyc_core;

#[cfg(feature = "axum")]
pub use async_store::AsyncStore;
#[cfg(feature = "axum")]
pub use axum_route::{
    CallbackHandler, ReceiveLimits, callback_router, handle_receipt, receive_callback,
};
/// Serving the router: the hardened setup `clever-kyc listen` uses (header, body and idle
/// deadlines, a connection cap, graceful shutdown).
#[cfg(feature = "axum")]
pub use clever_kyc_server::{ServeSummary, ServerLimits, serve, shutdown_signal};
pub use codec::rfc3339;
pub use inbox::{
    Authenticated, CallbackInbox, InboxError, IssuedSubmission, Receipt, RegistrationError,
};
pub use location::{StoreLocation, StoreLocationError};
pub use memory::{DEFAULT_MEMORY_CAPACITY, MemoryStore};
#[cfg(feature = "metrics")]
pub use metrics::ReceiveMetrics;
pub use observe::REFUSALS_PER_SECOND;
#[cfg(feature = "redis")]
pub use redis_store::{RedisDurability, RedisStore};
pub use registered::{RegisteredOutcome, RegistrationAfter};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use store::{
    BoxError, CallbackStore, EventFilter, EventLog, EventRecord, Expiry, Outbox, OutboxClaim,
    PendingEvent, Recorded, Registrations, StoreError, StoredEvent, SubmissionStatus,
    status_supersedes,
};
