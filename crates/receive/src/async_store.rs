//! Reading and writing a store from async code, without `spawn_blocking` at the call site.

use std::sync::Arc;
use std::time::SystemTime;

use clever_kyc_core::Email;
use clever_kyc_core::callback::{AuthDigest, IdempotencyKey, Registration};

use crate::store::{
    CallbackStore, EventFilter, OutboxClaim, PendingEvent, StoreError, StoredEvent,
    SubmissionStatus,
};

/// A store for async code: calls that may wait on IO run on tokio's blocking pool, calls
/// that never wait (the memory store) run inline. Share the store with the inbox through an
/// `Arc`, which is itself a store.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use clever_kyc_core::Email;
/// use clever_kyc_receive::{AsyncStore, CallbackInbox, MemoryStore};
///
/// let store = Arc::new(MemoryStore::new());
/// let inbox = CallbackInbox::new(Arc::clone(&store)); // what the router receives into
/// let reader = AsyncStore::new(store);                 // what a handler reads from
/// let statuses = reader.statuses(&Email::parse("ana@example.com")?).await?;
/// assert!(statuses.is_empty());
/// # drop(inbox);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AsyncStore<S: ?Sized> {
    store: Arc<S>,
}

impl<S: ?Sized> Clone for AsyncStore<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
        }
    }
}

impl<S: CallbackStore + ?Sized + 'static> AsyncStore<S> {
    /// Wraps a shared store.
    pub fn new(store: Arc<S>) -> Self {
        Self { store }
    }

    /// The store itself, for blocking code.
    pub fn blocking(&self) -> &Arc<S> {
        &self.store
    }

    async fn run<T: Send + 'static>(
        &self,
        operation: &'static str,
        call: impl FnOnce(&S) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        if !self.store.blocks() {
            return call(&self.store);
        }
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || call(&store))
            .await
            .map_err(|join| StoreError::Unavailable {
                backend: "task",
                operation,
                source: Box::new(join),
            })?
    }

    /// The latest status of every submission of `email`, oldest change first.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be read.
    pub async fn statuses(&self, email: &Email) -> Result<Vec<SubmissionStatus>, StoreError> {
        let email = email.clone();
        self.run("read statuses", move |s| s.statuses(&email)).await
    }

    /// Committed events passing `filter`, oldest first.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be read.
    pub async fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        let filter = filter.clone();
        self.run("list events", move |s| s.events(&filter)).await
    }

    /// Registers (or replaces) the registration of an `Authorization` digest.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be committed.
    pub async fn register(
        &self,
        digest: &AuthDigest,
        registration: &Registration,
    ) -> Result<(), StoreError> {
        let (digest, registration) = (*digest, registration.clone());
        self.run("register a value", move |s| {
            s.register(&digest, &registration)
        })
        .await
    }

    /// Removes a registration; whether there was one.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    pub async fn unregister(&self, digest: &AuthDigest) -> Result<bool, StoreError> {
        let digest = *digest;
        self.run("unregister a value", move |s| s.unregister(&digest))
            .await
    }

    /// Claims events of the outbox (see [`Outbox::claim`](crate::Outbox::claim)).
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    pub async fn claim(&self, claim: &OutboxClaim) -> Result<Vec<PendingEvent>, StoreError> {
        let claim = claim.clone();
        self.run("claim events to deliver", move |s| s.claim(&claim))
            .await
    }

    /// The target took an event (see [`Outbox::delivered`](crate::Outbox::delivered)).
    ///
    /// # Errors
    /// [`StoreError`] when it could not be committed.
    pub async fn delivered(&self, key: &IdempotencyKey, now: SystemTime) -> Result<(), StoreError> {
        let key = *key;
        self.run("settle a delivered event", move |s| s.delivered(&key, now))
            .await
    }

    /// An attempt failed (see [`Outbox::failed`](crate::Outbox::failed)).
    ///
    /// # Errors
    /// [`StoreError`] when it could not be committed.
    pub async fn failed(
        &self,
        key: &IdempotencyKey,
        retry_at: SystemTime,
        park: bool,
    ) -> Result<(), StoreError> {
        let key = *key;
        self.run("note a failed delivery", move |s| {
            s.failed(&key, retry_at, park)
        })
        .await
    }

    /// Whether the store answers (see [`CallbackStore::ping`]).
    ///
    /// # Errors
    /// [`StoreError`] when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run("answer a ping", |s| s.ping()).await
    }

    /// Events waiting in the outbox.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    pub async fn backlog(&self) -> Result<u64, StoreError> {
        self.run("count the outbox", |s| s.backlog()).await
    }

    /// Forgets registrations expired at `now`; how many went.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    pub async fn purge_expired(&self, now: SystemTime) -> Result<u64, StoreError> {
        self.run("purge expired registrations", move |s| s.purge_expired(now))
            .await
    }
}
