//! The in-memory store: for tests and `listen --store memory`, where stdout is the sink.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use clever_kyc_core::Email;
use clever_kyc_core::callback::{AuthDigest, IdempotencyKey, Registration, SubmissionId};

use crate::store::{
    CallbackStore, EventFilter, EventLog, EventRecord, Expiry, Outbox, OutboxClaim, PendingEvent,
    Recorded, Registrations, StoreError, StoredEvent, SubmissionStatus, status_supersedes,
};

/// How many events [`MemoryStore::new`] keeps before forgetting the oldest.
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// A store in this process's memory. Nothing survives a restart, and past its capacity the
/// oldest event is forgotten (with its key: a redelivery of it would count as new), so that
/// memory stays bounded.
///
/// ```
/// use clever_kyc_receive::{EventFilter, EventLog, MemoryStore};
/// let store = MemoryStore::new();
/// assert!(store.events(&EventFilter::all())?.is_empty());
/// # Ok::<(), clever_kyc_receive::StoreError>(())
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// The registrations, by digest; expired ones until swept.
    registry: HashMap<AuthDigest, Registration>,
    /// Oldest first; `index` maps a key to its position counted from `evicted`.
    log: VecDeque<StoredEvent>,
    index: HashMap<IdempotencyKey, u64>,
    evicted: u64,
    statuses: HashMap<(Email, Option<SubmissionId>), SubmissionStatus>,
    /// Events not yet handled, by absolute position (commit order).
    outbox: BTreeMap<u64, Waiting>,
}

/// An event in the outbox.
#[derive(Debug)]
struct Waiting {
    key: IdempotencyKey,
    order_key: String,
    attempts: u32,
    due_at: SystemTime,
    lease_until: SystemTime,
    parked: bool,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// A store keeping [`DEFAULT_MEMORY_CAPACITY`] events.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }

    /// A store keeping at most `capacity` events (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data: every update
        // below is completed before the guard drops.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    fn position(&self, key: &IdempotencyKey) -> Option<usize> {
        let absolute = *self.index.get(key)?;
        usize::try_from(absolute.checked_sub(self.evicted)?).ok()
    }

    /// Takes an event out of the outbox as handled; with `forwarded_at`, as delivered.
    fn settle(&mut self, key: &IdempotencyKey, forwarded_at: Option<SystemTime>) {
        let Some(&absolute) = self.index.get(key) else {
            return;
        };
        let waiting = self.outbox.remove(&absolute);
        if let Some(position) = self.position(key) {
            let event = &mut self.log[position];
            event.handled = true;
            if let Some(at) = forwarded_at {
                event.forwarded_at.get_or_insert(at);
                let attempts = waiting.map_or(0, |w| w.attempts) + 1;
                event.forward_attempts = event.forward_attempts.max(attempts);
            }
        }
    }
}

impl Registrations for MemoryStore {
    fn register(&self, digest: &AuthDigest, registration: &Registration) -> Result<(), StoreError> {
        let mut inner = self.lock();
        // Expired registrations are forgotten as new ones come: every 1,024th registration
        // sweeps, so the map holds live ones plus at most that many more.
        if inner.registry.len() % 1024 == 1023 {
            let now = registration.created_at;
            inner.registry.retain(|_, r| r.is_live_at(now));
        }
        inner.registry.insert(*digest, registration.clone());
        Ok(())
    }

    fn unregister(&self, digest: &AuthDigest) -> Result<bool, StoreError> {
        Ok(self.lock().registry.remove(digest).is_some())
    }

    fn registration(
        &self,
        digest: &AuthDigest,
        now: SystemTime,
    ) -> Result<Option<Registration>, StoreError> {
        Ok(self
            .lock()
            .registry
            .get(digest)
            .filter(|registration| registration.is_live_at(now))
            .cloned())
    }
}

impl EventLog for MemoryStore {
    fn record(&self, record: &EventRecord<'_>) -> Result<Recorded, StoreError> {
        let callback = record.callback;
        let mut inner = self.lock();
        if let Some(position) = inner.position(callback.idempotency_key()) {
            let stored = &mut inner.log[position];
            stored.deliveries = stored.deliveries.saturating_add(1);
            return Ok(Recorded::Duplicate {
                handled: stored.handled,
            });
        }
        if inner.log.len() >= self.capacity
            && let Some(oldest) = inner.log.pop_front()
        {
            inner.index.remove(&oldest.idempotency_key);
            let position = inner.evicted;
            inner.outbox.remove(&position);
            inner.evicted += 1;
        }
        let absolute = inner.evicted + inner.log.len() as u64;
        inner.index.insert(*callback.idempotency_key(), absolute);
        let email = record.email.map(str::to_owned);
        inner.log.push_back(StoredEvent {
            submission_id: callback.submission_id().cloned(),
            email: email.clone(),
            idempotency_key: *callback.idempotency_key(),
            event_json: callback.canonical_json().to_owned(),
            received_at: record.received_at,
            deliveries: 1,
            handled: record.handled,
            forwarded_at: None,
            forward_attempts: 0,
        });
        if !record.handled {
            let order_key = match callback.submission_id() {
                Some(id) => id.as_str().to_owned(),
                None => format!("email:{}", record.email.unwrap_or("").to_ascii_lowercase()),
            };
            inner.outbox.insert(
                absolute,
                Waiting {
                    key: *callback.idempotency_key(),
                    order_key,
                    attempts: 0,
                    due_at: record.received_at,
                    lease_until: SystemTime::UNIX_EPOCH,
                    parked: false,
                },
            );
        }
        // Statuses are kept by email as the API knows it; an event whose email is not one
        // is in the log, but has no status to read back by email.
        let email = email.and_then(|e| Email::parse(&e.to_ascii_lowercase()).ok());
        if let (Some(status), Some(email)) = (record.latest_status(), email) {
            let key = (email, callback.submission_id().cloned());
            let current = inner.statuses.get(&key).map(|s| &s.latest_status);
            if status_supersedes(current, status, key.1.is_some()) {
                let status = status.clone();
                inner.statuses.insert(
                    key.clone(),
                    SubmissionStatus {
                        submission_id: key.1,
                        email: key.0,
                        latest_status: status,
                        updated_at: record.received_at,
                    },
                );
            }
        }
        Ok(Recorded::New)
    }

    fn mark_handled(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        self.lock().settle(key, None);
        Ok(())
    }

    fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .log
            .iter()
            .filter(|event| filter.matches(event))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }

    fn statuses(&self, email: &Email) -> Result<Vec<SubmissionStatus>, StoreError> {
        let mut found: Vec<_> = self
            .lock()
            .statuses
            .values()
            .filter(|status| status.email.as_str().eq_ignore_ascii_case(email.as_str()))
            .cloned()
            .collect();
        found.sort_by_key(|status| status.updated_at);
        Ok(found)
    }
}

impl Outbox for MemoryStore {
    fn claim(&self, claim: &OutboxClaim) -> Result<Vec<PendingEvent>, StoreError> {
        let mut inner = self.lock();
        let mut blocked = HashSet::new();
        let mut chosen = Vec::new();
        for (&absolute, waiting) in &inner.outbox {
            if chosen.len() >= claim.limit {
                break;
            }
            if waiting.parked || !blocked.insert(waiting.order_key.clone()) {
                continue;
            }
            if waiting.due_at <= claim.now && waiting.lease_until <= claim.now {
                chosen.push(absolute);
            }
        }
        let mut claimed = Vec::with_capacity(chosen.len());
        for absolute in chosen {
            let Some(waiting) = inner.outbox.get_mut(&absolute) else {
                continue;
            };
            waiting.lease_until = claim.now + claim.lease;
            let attempts = waiting.attempts;
            let key = waiting.key;
            if let Some(position) = inner.position(&key) {
                claimed.push(PendingEvent {
                    event: inner.log[position].clone(),
                    attempts,
                });
            }
        }
        Ok(claimed)
    }

    fn delivered(&self, key: &IdempotencyKey, now: SystemTime) -> Result<(), StoreError> {
        self.lock().settle(key, Some(now));
        Ok(())
    }

    fn failed(
        &self,
        key: &IdempotencyKey,
        retry_at: SystemTime,
        park: bool,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let Some(&absolute) = inner.index.get(key) else {
            return Ok(());
        };
        if let Some(waiting) = inner.outbox.get_mut(&absolute) {
            waiting.attempts = waiting.attempts.saturating_add(1);
            waiting.due_at = retry_at;
            waiting.lease_until = SystemTime::UNIX_EPOCH;
            waiting.parked = park;
        }
        if let Some(position) = inner.position(key) {
            let event = &mut inner.log[position];
            event.forward_attempts = event.forward_attempts.saturating_add(1);
        }
        Ok(())
    }

    fn backlog(&self) -> Result<u64, StoreError> {
        Ok(self.lock().outbox.values().filter(|w| !w.parked).count() as u64)
    }
}

impl Expiry for MemoryStore {
    fn purge_expired(&self, now: SystemTime) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let before = inner.registry.len();
        inner.registry.retain(|_, r| r.is_live_at(now));
        Ok((before - inner.registry.len()) as u64)
    }
}

impl CallbackStore for MemoryStore {
    fn describe(&self) -> String {
        format!("memory (at most {} events, lost at exit)", self.capacity)
    }

    fn blocks(&self) -> bool {
        false
    }
}
