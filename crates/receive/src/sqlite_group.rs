//! Group commit for the SQLite store: callbacks that are waiting commit together, in one
//! transaction and one fsync, and each is answered only after the commit that holds it.
//!
//! The rule is "batch what is waiting; never wait to batch". A caller queues its event and
//! takes the connection; if an earlier holder already committed it, the result is there.
//! Otherwise it commits everything queued so far, its own event included, each event in a
//! savepoint of its own, so that one failing event fails alone.

use std::collections::HashMap;
use std::sync::Mutex;

use clever_kyc_core::KycStatus;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::codec::millis;
use crate::store::{EventRecord, Recorded, StoreError, status_supersedes};

/// An event to commit, owned so that another caller's thread can commit it.
#[derive(Debug)]
pub(crate) struct Job {
    key: String,
    submission: Option<String>,
    email: Option<String>,
    json: String,
    received_ms: i64,
    handled: bool,
    status: Option<KycStatus>,
}

impl Job {
    pub(crate) fn of(record: &EventRecord<'_>) -> Self {
        let callback = record.callback;
        Self {
            key: callback.idempotency_key().to_hex(),
            submission: callback.submission_id().map(|id| id.as_str().to_owned()),
            email: record.email.map(str::to_owned),
            json: callback.canonical_json().to_owned(),
            received_ms: millis(record.received_at),
            handled: record.handled,
            status: record.latest_status().cloned(),
        }
    }
}

type Outcome = Result<Recorded, StoreError>;

#[derive(Debug, Default)]
struct Queue {
    next_ticket: u64,
    waiting: Vec<(u64, Job)>,
    done: HashMap<u64, Outcome>,
}

/// The queue of events waiting for a commit, and the results of those committed for callers
/// that have not collected them yet.
#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    queue: Mutex<Queue>,
    /// Transactions committed, for measuring how many events a commit carries.
    commits: std::sync::atomic::AtomicU64,
}

impl GroupCommit {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `job`; the ticket collects its result.
    pub(crate) fn enqueue(&self, job: Job) -> u64 {
        let mut queue = self.lock();
        queue.next_ticket += 1;
        let ticket = queue.next_ticket;
        queue.waiting.push((ticket, job));
        ticket
    }

    /// The result of `ticket`, when an earlier connection holder committed it.
    pub(crate) fn take_result(&self, ticket: u64) -> Option<Outcome> {
        self.lock().done.remove(&ticket)
    }

    /// Everything queued, for the caller that now holds the connection to commit.
    pub(crate) fn drain(&self) -> Vec<(u64, Job)> {
        self.commits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::mem::take(&mut self.lock().waiting)
    }

    /// Batches committed so far.
    #[cfg(test)]
    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Hands each committed event's result to its caller; returns `mine`'s.
    pub(crate) fn publish(
        &self,
        results: impl Iterator<Item = (u64, Outcome)>,
        mine: u64,
    ) -> Outcome {
        let mut own = None;
        let mut queue = self.lock();
        for (ticket, result) in results {
            if ticket == mine {
                own = Some(result);
            } else {
                queue.done.insert(ticket, result);
            }
        }
        own.unwrap_or_else(|| {
            Err(StoreError::Unavailable {
                backend: "sqlite",
                operation: "record an event",
                source: "the event was not in the batch that committed it".into(),
            })
        })
    }
}

fn unavailable(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| StoreError::Unavailable {
        backend: "sqlite",
        operation,
        source: Box::new(e),
    }
}

/// Commits `jobs` in one transaction, each in a savepoint of its own. A failed commit fails
/// every event of the batch: none of them is acknowledged.
pub(crate) fn commit_batch(connection: &mut Connection, jobs: &[(u64, Job)]) -> Vec<Outcome> {
    let mut tx = match connection.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return failed_all(jobs.len(), &e),
    };
    let mut results = Vec::with_capacity(jobs.len());
    for (_, job) in jobs {
        let result = match tx.savepoint() {
            Ok(mut savepoint) => match record_one(&savepoint, job) {
                Ok(recorded) => savepoint
                    .commit()
                    .map(|()| recorded)
                    .map_err(unavailable("record an event")),
                Err(e) => {
                    let _ = savepoint.rollback();
                    Err(e)
                }
            },
            Err(e) => Err(unavailable("record an event")(e)),
        };
        results.push(result);
    }
    match tx.commit() {
        Ok(()) => results,
        Err(e) => failed_all(jobs.len(), &e),
    }
}

/// One error per event, each with the commit's error text (errors are not `Clone`).
fn failed_all(count: usize, error: &rusqlite::Error) -> Vec<Outcome> {
    (0..count)
        .map(|_| {
            Err(StoreError::Unavailable {
                backend: "sqlite",
                operation: "commit an event",
                source: error.to_string().into(),
            })
        })
        .collect()
}

/// Records one event inside the batch's transaction.
fn record_one(tx: &Connection, job: &Job) -> Result<Recorded, StoreError> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO events
                 (idempotency_key, submission_id, email, event_json, received_at_ms, deliveries, handled)
             VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .and_then(|mut insert| {
            insert.execute(params![
                job.key,
                job.submission,
                job.email,
                job.json,
                job.received_ms,
                job.handled,
            ])
        })
        .map_err(unavailable("record an event"))?;
    if inserted == 0 {
        let handled: bool = tx
            .query_row(
                "UPDATE events SET deliveries = deliveries + 1
                 WHERE idempotency_key = ?1 RETURNING handled",
                params![job.key],
                |row| row.get(0),
            )
            .map_err(unavailable("count a redelivery"))?;
        return Ok(Recorded::Duplicate { handled });
    }
    let seq = tx.last_insert_rowid();
    let submission = job.submission.as_deref().unwrap_or("");
    if let (Some(status), Some(email)) = (&job.status, &job.email) {
        let email = email.to_ascii_lowercase();
        let current: Option<String> = tx
            .prepare_cached(
                "SELECT latest_status FROM statuses WHERE email = ?1 AND submission_id = ?2",
            )
            .and_then(|mut select| select.query_row(params![email, submission], |row| row.get(0)))
            .optional()
            .map_err(unavailable("read a status"))?;
        let current = current.as_deref().map(KycStatus::from_word);
        if status_supersedes(current.as_ref(), status, !submission.is_empty()) {
            tx.prepare_cached("INSERT OR REPLACE INTO statuses VALUES (?1, ?2, ?3, ?4)")
                .and_then(|mut replace| {
                    replace.execute(params![
                        email,
                        submission,
                        status.as_str().to_ascii_lowercase(),
                        job.received_ms
                    ])
                })
                .map_err(unavailable("update a status"))?;
        }
    }
    if !job.handled {
        tx.prepare_cached(
            "INSERT INTO outbox (seq, idempotency_key, order_key, due_at_ms) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut insert| {
            insert.execute(params![
                seq,
                job.key,
                super::sqlite::order_key(job.submission.as_deref(), job.email.as_deref()),
                job.received_ms
            ])
        })
        .map_err(unavailable("queue an event for delivery"))?;
    }
    Ok(Recorded::New)
}
