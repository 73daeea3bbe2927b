//! The one interface every backend implements: a handful of atomic methods.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clever_kyc_core::{
    Email, KycStatus, callback::AuthDigest, callback::IdempotencyKey, callback::ReceivedCallback,
    callback::Registration, callback::SubmissionId,
};

/// A boxed error from a backend, kept as the `source()` of a [`StoreError`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a store could not do what was asked. A receiver answers 503 for every one of these,
/// so that Hello Clever delivers again later.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be opened or created.
    #[error("could not open the {backend} store at {location}")]
    Open {
        /// `sqlite`, `redis` or `memory`.
        backend: &'static str,
        /// Where it was looked for (a path or a URL without credentials).
        location: String,
        /// What the backend said.
        #[source]
        source: BoxError,
    },
    /// The store did not answer or refused the operation.
    #[error("the {backend} store could not {operation}")]
    Unavailable {
        /// `sqlite`, `redis` or `memory`.
        backend: &'static str,
        /// What was being done, e.g. "record an event".
        operation: &'static str,
        /// What the backend said.
        #[source]
        source: BoxError,
    },
    /// A stored record could not be read back.
    #[error("the {backend} store holds an unreadable {what}")]
    Corrupt {
        /// `sqlite`, `redis` or `memory`.
        backend: &'static str,
        /// Which record, e.g. "event received_at".
        what: String,
    },
}

/// Whether an event was new or a redelivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Recorded {
    /// First delivery: committed now.
    New,
    /// Already committed by an earlier delivery; its delivery count went up.
    Duplicate {
        /// Whether a handler (or forward target) already took it. A duplicate that was not
        /// handled must be handled again: the earlier attempt was answered 503.
        handled: bool,
    },
}

/// An event to commit: the callback and what the receiver knows around it.
#[derive(Debug, Clone, Copy)]
pub struct EventRecord<'a> {
    /// The authenticated, parsed callback.
    pub callback: &'a ReceivedCallback,
    /// The submission's email when registered, else the event's own.
    pub email: Option<&'a str>,
    /// When it arrived.
    pub received_at: SystemTime,
    /// Commit it as handled already (the store is the only sink), or wait for
    /// [`EventLog::mark_handled`].
    pub handled: bool,
}

impl EventRecord<'_> {
    /// The latest status, if the event has one.
    pub fn latest_status(&self) -> Option<&KycStatus> {
        self.callback.event().latest_status()
    }
}

/// A committed event, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredEvent {
    /// The submission, or `None` for a value configured on the receiver.
    pub submission_id: Option<SubmissionId>,
    /// The contact's email.
    pub email: Option<String>,
    /// The key it was deduplicated on.
    pub idempotency_key: IdempotencyKey,
    /// The event's canonical JSON.
    pub event_json: String,
    /// When it first arrived.
    pub received_at: SystemTime,
    /// How many times it arrived.
    pub deliveries: u64,
    /// Whether a handler (or the forward target) took it.
    pub handled: bool,
    /// When the forward target took it (answered 2xx); `None` until then.
    pub forwarded_at: Option<SystemTime>,
    /// How many times it was forwarded, the successful attempt included.
    pub forward_attempts: u32,
}

/// The latest status of one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubmissionStatus {
    /// The submission, or `None` for events under a value configured on the receiver.
    pub submission_id: Option<SubmissionId>,
    /// The contact's email, lower-cased.
    pub email: Email,
    /// The latest status.
    pub latest_status: KycStatus,
    /// When it last changed.
    pub updated_at: SystemTime,
}

/// Which events to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventFilter {
    /// Only this email (compared without regard to ASCII case).
    pub email: Option<String>,
    /// Only this submission.
    pub submission_id: Option<SubmissionId>,
    /// At most this many, oldest first (`None`: all).
    pub limit: Option<usize>,
}

impl EventFilter {
    /// Every event.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only events of `email`.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Only events of `submission_id`.
    pub fn submission(mut self, submission_id: SubmissionId) -> Self {
        self.submission_id = Some(submission_id);
        self
    }

    /// At most `limit` events.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Whether `event` passes.
    pub fn matches(&self, event: &StoredEvent) -> bool {
        let email_ok = self.email.as_ref().is_none_or(|wanted| {
            event
                .email
                .as_ref()
                .is_some_and(|email| email.eq_ignore_ascii_case(wanted))
        });
        let submission_ok = self
            .submission_id
            .as_ref()
            .is_none_or(|wanted| event.submission_id.as_ref() == Some(wanted));
        email_ok && submission_ok
    }
}

/// Whether `new` replaces `current` as a submission's latest status. Within one submission a
/// final word (approved, rejected, failed) is not replaced by a non-final one: a late
/// redelivery of `pending` must not undo a decision. Without a submission (a value shared by
/// many submissions) the cycles cannot be told apart, so the latest arrival wins.
pub fn status_supersedes(
    current: Option<&KycStatus>,
    new: &KycStatus,
    has_submission: bool,
) -> bool {
    match current {
        Some(current) if has_submission => !current.is_final() || new.is_final(),
        _ => true,
    }
}

/// The registrations of callback `Authorization` values: one job of a store. A value is
/// registered **before** its submission is sent, and looked up when a callback arrives.
///
/// Every method is one atomic step, so several receivers may share a store. Methods block:
/// async code reads through [`AsyncStore`](crate::AsyncStore) (feature `axum`).
pub trait Registrations: Send + Sync {
    /// Registers (or replaces) the registration of an `Authorization` digest.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be committed.
    fn register(&self, digest: &AuthDigest, registration: &Registration) -> Result<(), StoreError>;

    /// Removes a registration; whether there was one.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    fn unregister(&self, digest: &AuthDigest) -> Result<bool, StoreError>;

    /// The registration of `digest` if it is live at `now`.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    fn registration(
        &self,
        digest: &AuthDigest,
        now: SystemTime,
    ) -> Result<Option<Registration>, StoreError>;
}

/// The event log: committed callbacks, deduplicated on their key, and the latest status of
/// each submission, committed in the same atomic step.
pub trait EventLog: Send + Sync {
    /// Commits an event unless its key is committed already, in one atomic step with the
    /// submission's latest status; counts the delivery either way.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be committed: the caller must not acknowledge.
    fn record(&self, event: &EventRecord<'_>) -> Result<Recorded, StoreError>;

    /// Notes that the event with `key` was handled, so later duplicates need no handling; it
    /// leaves the outbox.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be committed.
    fn mark_handled(&self, key: &IdempotencyKey) -> Result<(), StoreError>;

    /// Committed events passing `filter`, oldest first.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be read.
    fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError>;

    /// The latest status of every submission of `email`, oldest change first.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be read.
    fn statuses(&self, email: &Email) -> Result<Vec<SubmissionStatus>, StoreError>;
}

/// A claim on the outbox: who claims, at what time, for how long, and how many events.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboxClaim {
    /// Who claims: unique per process (replicas must differ).
    pub owner: String,
    /// The caller's clock.
    pub now: SystemTime,
    /// How long the claim holds: past it, another owner may claim the event.
    pub lease: Duration,
    /// The most events to claim.
    pub limit: usize,
}

impl OutboxClaim {
    /// A claim by `owner` at `now`, for `lease`, of at most `limit` events.
    pub fn new(owner: impl Into<String>, now: SystemTime, lease: Duration, limit: usize) -> Self {
        Self {
            owner: owner.into(),
            now,
            lease,
            limit,
        }
    }
}

/// A committed event whose delivery the claimer owns until its lease ends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingEvent {
    /// The event as stored.
    pub event: StoredEvent,
    /// Delivery attempts already made.
    pub attempts: u32,
}

/// The outbox: committed events that no handler or forward target has taken yet. Once a
/// callback is committed (and answered 200), delivering it is the receiver's job, not Hello
/// Clever's: a forwarder claims events from here until the target takes them.
///
/// Events of one submission leave in commit order: an event is not claimed while an earlier
/// one of its submission (or, for a value shared by many submissions, of its email) is still
/// waiting. Claims are leases, taken in one atomic step, so that replicas on one store never
/// deliver one event at the same time; an owner that dies loses its lease when it ends.
pub trait Outbox: Send + Sync {
    /// Claims up to `claim.limit` events whose turn has come: due at `claim.now`, not under
    /// another live lease, and with no earlier waiting event of the same submission. Oldest
    /// first.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    fn claim(&self, claim: &OutboxClaim) -> Result<Vec<PendingEvent>, StoreError>;

    /// The target took the event at `now`: it leaves the outbox, `forwarded_at` is set, and
    /// later events of its submission may go. Idempotent.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be committed: the event is then delivered again.
    fn delivered(&self, key: &IdempotencyKey, now: SystemTime) -> Result<(), StoreError>;

    /// An attempt failed: the event is due again at `retry_at`. With `park`, it is not tried
    /// again automatically; it stays committed and visible, and later events of its
    /// submission may go.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be committed.
    fn failed(
        &self,
        key: &IdempotencyKey,
        retry_at: SystemTime,
        park: bool,
    ) -> Result<(), StoreError>;

    /// How many events are waiting (parked ones excluded).
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    fn backlog(&self) -> Result<u64, StoreError>;
}

/// Forgetting what has expired: registrations past their retention.
pub trait Expiry: Send + Sync {
    /// Forgets registrations expired at `now`; how many went.
    ///
    /// # Errors
    /// [`StoreError`] when the store could not be reached.
    fn purge_expired(&self, now: SystemTime) -> Result<u64, StoreError>;
}

/// A whole backend: the four jobs, and what a receiver needs to know about where they run.
pub trait CallbackStore: Registrations + EventLog + Expiry + Outbox {
    /// Names the backend and where it is (no credentials), for the log line at start.
    fn describe(&self) -> String;

    /// Whether calls may wait on IO (true for every durable backend): async code then runs
    /// them on a blocking pool.
    fn blocks(&self) -> bool {
        true
    }

    /// Whether the backend answers now: for readiness probes.
    ///
    /// # Errors
    /// [`StoreError`] when it does not.
    fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

macro_rules! forward_store {
    ($($ty:ty),*) => {$(
        impl<S: Registrations + ?Sized> Registrations for $ty {
            fn register(&self, d: &AuthDigest, r: &Registration) -> Result<(), StoreError> { (**self).register(d, r) }
            fn unregister(&self, d: &AuthDigest) -> Result<bool, StoreError> { (**self).unregister(d) }
            fn registration(&self, d: &AuthDigest, now: SystemTime) -> Result<Option<Registration>, StoreError> { (**self).registration(d, now) }
        }
        impl<S: EventLog + ?Sized> EventLog for $ty {
            fn record(&self, e: &EventRecord<'_>) -> Result<Recorded, StoreError> { (**self).record(e) }
            fn mark_handled(&self, k: &IdempotencyKey) -> Result<(), StoreError> { (**self).mark_handled(k) }
            fn events(&self, f: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> { (**self).events(f) }
            fn statuses(&self, e: &Email) -> Result<Vec<SubmissionStatus>, StoreError> { (**self).statuses(e) }
        }
        impl<S: Outbox + ?Sized> Outbox for $ty {
            fn claim(&self, c: &OutboxClaim) -> Result<Vec<PendingEvent>, StoreError> { (**self).claim(c) }
            fn delivered(&self, k: &IdempotencyKey, now: SystemTime) -> Result<(), StoreError> { (**self).delivered(k, now) }
            fn failed(&self, k: &IdempotencyKey, at: SystemTime, park: bool) -> Result<(), StoreError> { (**self).failed(k, at, park) }
            fn backlog(&self) -> Result<u64, StoreError> { (**self).backlog() }
        }
        impl<S: Expiry + ?Sized> Expiry for $ty {
            fn purge_expired(&self, now: SystemTime) -> Result<u64, StoreError> { (**self).purge_expired(now) }
        }
        impl<S: CallbackStore + ?Sized> CallbackStore for $ty {
            fn describe(&self) -> String { (**self).describe() }
            fn blocks(&self) -> bool { (**self).blocks() }
            fn ping(&self) -> Result<(), StoreError> { (**self).ping() }
        }
    )*};
}

forward_store!(Box<S>, Arc<S>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_final_status_is_not_undone_by_a_late_pending_of_the_same_submission() {
        let word = KycStatus::from_word;
        assert!(!status_supersedes(
            Some(&word("approved")),
            &word("pending"),
            true
        ));
        assert!(status_supersedes(
            Some(&word("pending")),
            &word("approved"),
            true
        ));
        assert!(status_supersedes(
            Some(&word("rejected")),
            &word("approved"),
            true
        ));
        assert!(status_supersedes(None, &word("pending"), true));
        assert!(status_supersedes(
            Some(&word("Approved")),
            &word("under_review"),
            false
        ));
    }
}
