//! The SQLite store: one file, WAL, every commit synced before it is acknowledged.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use clever_kyc_core::{
    Email, KycStatus, callback::AuthDigest, callback::IdempotencyKey, callback::Registration,
    callback::SubmissionId,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::codec::{from_hex_32, millis, parse_submission_id, system_time};
use crate::sqlite_group::{GroupCommit, Job, commit_batch};
use crate::store::{
    CallbackStore, EventFilter, EventLog, EventRecord, Expiry, Outbox, OutboxClaim, PendingEvent,
    Recorded, Registrations, StoreError, StoredEvent, SubmissionStatus,
};

const BACKEND: &str = "sqlite";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS registrations (
    auth_digest   TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL,
    email         TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS registrations_by_expiry ON registrations (expires_at_ms);
CREATE TABLE IF NOT EXISTS events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    submission_id   TEXT,
    email           TEXT,
    event_json      TEXT NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    deliveries      INTEGER NOT NULL,
    handled         INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_email ON events (email COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS statuses (
    email         TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    latest_status TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (email, submission_id)
) WITHOUT ROWID;
";

/// Versioned migrations after [`SCHEMA`], applied in order at open, each once (the file's
/// `user_version` says how many ran), inside one immediate transaction so that processes
/// opening one file together migrate it once.
const MIGRATIONS: &[&str] = &[
    // 1: the outbox. Events not yet handled when it arrives were answered 503 and wait for a
    // redelivery that may never come; they become its first entries.
    "ALTER TABLE events ADD COLUMN forwarded_at_ms INTEGER;
     ALTER TABLE events ADD COLUMN forward_attempts INTEGER NOT NULL DEFAULT 0;
     CREATE TABLE outbox (
         seq             INTEGER PRIMARY KEY,
         idempotency_key TEXT NOT NULL UNIQUE,
         order_key       TEXT NOT NULL,
         attempts        INTEGER NOT NULL DEFAULT 0,
         due_at_ms       INTEGER NOT NULL DEFAULT 0,
         lease_owner     TEXT,
         lease_until_ms  INTEGER NOT NULL DEFAULT 0,
         parked          INTEGER NOT NULL DEFAULT 0
     );
     CREATE INDEX outbox_by_order ON outbox (order_key, seq);
     INSERT INTO outbox (seq, idempotency_key, order_key)
         SELECT seq, idempotency_key, COALESCE(NULLIF(submission_id, ''), 'email:' || lower(COALESCE(email, '')))
         FROM events WHERE handled = 0;",
];

/// Runs the migrations the file has not seen yet.
fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let done: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let done = usize::try_from(done).unwrap_or(0);
    for (version, migration) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.execute_batch(migration)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(version + 1).unwrap_or(i64::MAX),
        )?;
    }
    tx.commit()
}

/// Which events must leave in order together: a submission's, or, for a value shared by
/// many submissions, an email's.
pub(crate) fn order_key(submission: Option<&str>, email: Option<&str>) -> String {
    match submission.filter(|s| !s.is_empty()) {
        Some(id) => id.to_owned(),
        None => format!("email:{}", email.unwrap_or("").to_ascii_lowercase()),
    }
}

/// A store in one SQLite file (rusqlite's bundled SQLite), readable with the `sqlite3` tool.
///
/// The file is in WAL mode with `synchronous = FULL`: a commit is on disk before
/// [`record`](crate::EventLog::record) returns, so an acknowledged callback survives a crash
/// of the process or the machine. Several processes on one host may share the file (each
/// write is an immediate transaction; a busy file is waited on for up to 5 s).
///
/// Events recorded at the same time commit together (group commit): the callbacks waiting
/// for the connection share one transaction and one fsync, each in a savepoint of its own,
/// and each is answered only after that commit returned. A lone callback commits at once.
///
/// ```
/// use clever_kyc_receive::{EventFilter, EventLog, SqliteStore};
/// let dir = std::env::temp_dir().join(format!("clever-kyc-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let store = SqliteStore::open(dir.join("callbacks.db"))?;
/// assert!(store.events(&EventFilter::all())?.is_empty());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), clever_kyc_receive::StoreError>(())
/// ```
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    connection: Mutex<Connection>,
    group: GroupCommit,
}

fn unavailable(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| StoreError::Unavailable {
        backend: BACKEND,
        operation,
        source: Box::new(e),
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file and its tables when absent.
    ///
    /// # Errors
    /// [`StoreError::Open`] when the file cannot be created, opened or written.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path.as_ref(), OpenFlags::default())
    }

    /// Opens a store that must already exist (for readers such as `clever-kyc events`, which
    /// should not leave an empty file behind a typo).
    ///
    /// # Errors
    /// [`StoreError::Open`] when there is no such file or it is not a store.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let flags = OpenFlags::default() - OpenFlags::SQLITE_OPEN_CREATE;
        Self::open_with(path.as_ref(), flags)
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Self, StoreError> {
        let fail = |e: rusqlite::Error| StoreError::Open {
            backend: BACKEND,
            location: path.display().to_string(),
            source: Box::new(e),
        };
        let connection = Connection::open_with_flags(path, flags).map_err(fail)?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(fail)?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        connection.execute_batch(SCHEMA).map_err(fail)?;
        let mut connection = connection;
        migrate(&mut connection).map_err(fail)?;
        Ok(Self {
            path: path.to_owned(),
            connection: Mutex::new(connection),
            group: GroupCommit::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // SQLite rolls back an unfinished transaction itself; the connection stays usable.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The listing query for a filter's shape. One statement per shape, because
/// `(?1 IS NULL OR email = ?1)` would keep SQLite from using the email index and every
/// filtered listing would scan the whole table.
fn events_query(filter: &EventFilter) -> &'static str {
    macro_rules! listing {
        ($condition:literal) => {
            concat!(
                "SELECT submission_id, email, idempotency_key, event_json, received_at_ms, deliveries, handled,
                        forwarded_at_ms, forward_attempts
                 FROM events WHERE ",
                $condition,
                " ORDER BY seq LIMIT ?3"
            )
        };
    }
    match (&filter.email, &filter.submission_id) {
        (Some(_), Some(_)) => listing!("email = ?1 COLLATE NOCASE AND submission_id = ?2"),
        (Some(_), None) => listing!("email = ?1 COLLATE NOCASE AND ?2 IS NULL"),
        (None, Some(_)) => listing!("?1 IS NULL AND submission_id = ?2"),
        (None, None) => listing!("?1 IS NULL AND ?2 IS NULL"),
    }
}

/// An event row as read back: not handled nor forwarded until the caller says otherwise.
fn stored_event(
    submission: Option<String>,
    email: Option<String>,
    key: &str,
    json: String,
    received: i64,
    deliveries: i64,
) -> Result<StoredEvent, StoreError> {
    Ok(StoredEvent {
        submission_id: match submission.filter(|s| !s.is_empty()) {
            Some(id) => Some(parse_submission_id(&id).ok_or_else(|| corrupt("submission_id"))?),
            None => None,
        },
        email,
        idempotency_key: IdempotencyKey::from_bytes(
            from_hex_32(key).ok_or_else(|| corrupt("idempotency_key"))?,
        ),
        event_json: json,
        received_at: system_time(received),
        deliveries: u64::try_from(deliveries).unwrap_or(0),
        handled: false,
        forwarded_at: None,
        forward_attempts: 0,
    })
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt {
        backend: BACKEND,
        what: what.to_owned(),
    }
}

impl Registrations for SqliteStore {
    fn register(&self, digest: &AuthDigest, registration: &Registration) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT OR REPLACE INTO registrations VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    digest.to_hex(),
                    registration.submission_id.as_str(),
                    registration.email.as_str(),
                    millis(registration.created_at),
                    millis(registration.expires_at),
                ],
            )
            .map_err(unavailable("register a submission"))?;
        Ok(())
    }

    fn unregister(&self, digest: &AuthDigest) -> Result<bool, StoreError> {
        let removed = self
            .lock()
            .execute(
                "DELETE FROM registrations WHERE auth_digest = ?1",
                params![digest.to_hex()],
            )
            .map_err(unavailable("remove a registration"))?;
        Ok(removed > 0)
    }

    fn registration(
        &self,
        digest: &AuthDigest,
        now: SystemTime,
    ) -> Result<Option<Registration>, StoreError> {
        let row = self
            .lock()
            .query_row(
                "SELECT submission_id, email, created_at_ms, expires_at_ms
                 FROM registrations WHERE auth_digest = ?1 AND expires_at_ms > ?2",
                params![digest.to_hex(), millis(now)],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, i64>(3)?,
                    ))
                },
            )
            .optional()
            .map_err(unavailable("look up a registration"))?;
        let Some((id, email, created, expires)) = row else {
            return Ok(None);
        };
        let submission_id = parse_submission_id(&id).ok_or_else(|| corrupt("submission_id"))?;
        let email = Email::parse(&email).map_err(|_| corrupt("registration email"))?;
        Ok(Some(Registration::from_parts(
            submission_id,
            email,
            system_time(created),
            system_time(expires),
        )))
    }
}

impl EventLog for SqliteStore {
    fn record(&self, record: &EventRecord<'_>) -> Result<Recorded, StoreError> {
        // Group commit: the event joins the queue; whoever holds the connection next commits
        // every queued event in one transaction (one fsync), and the others find their
        // result ready. A lone event commits at once: nothing waits to batch.
        let ticket = self.group.enqueue(Job::of(record));
        let mut connection = self.lock();
        if let Some(result) = self.group.take_result(ticket) {
            return result;
        }
        let jobs = self.group.drain();
        let results = commit_batch(&mut connection, &jobs);
        // Published before the connection is let go: a caller whose event this batch held
        // finds its result as soon as it holds the connection.
        let own = self
            .group
            .publish(jobs.iter().map(|(ticket, _)| *ticket).zip(results), ticket);
        drop(connection);
        own
    }

    fn mark_handled(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        self.settle(key, None)
    }

    fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        let connection = self.lock();
        let fail = unavailable("list events");
        let mut statement = connection
            .prepare_cached(events_query(filter))
            .map_err(fail)?;
        let limit = filter
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let rows = statement
            .query_map(
                params![
                    filter.email,
                    filter.submission_id.as_ref().map(SubmissionId::as_str),
                    limit
                ],
                |row| {
                    Ok((
                        row.get::<_, Option<String>>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, i64>(5)?,
                        row.get::<_, bool>(6)?,
                        row.get::<_, Option<i64>>(7)?,
                        row.get::<_, i64>(8)?,
                    ))
                },
            )
            .map_err(unavailable("list events"))?;
        let mut events = Vec::new();
        for row in rows {
            let (submission, email, key, json, received, deliveries, handled, forwarded, tries) =
                row.map_err(unavailable("list events"))?;
            let mut event = stored_event(submission, email, &key, json, received, deliveries)?;
            event.handled = handled;
            event.forwarded_at = forwarded.map(system_time);
            event.forward_attempts = u32::try_from(tries).unwrap_or(u32::MAX);
            events.push(event);
        }
        Ok(events)
    }

    fn statuses(&self, email: &Email) -> Result<Vec<SubmissionStatus>, StoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare_cached(
                "SELECT submission_id, email, latest_status, updated_at_ms FROM statuses
                 WHERE email = ?1 ORDER BY updated_at_ms",
            )
            .map_err(unavailable("read statuses"))?;
        let rows = statement
            .query_map(params![email.as_str().to_ascii_lowercase()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })
            .map_err(unavailable("read statuses"))?;
        let mut statuses = Vec::new();
        for row in rows {
            let (submission, email, status, updated) = row.map_err(unavailable("read statuses"))?;
            statuses.push(SubmissionStatus {
                submission_id: if submission.is_empty() {
                    None
                } else {
                    Some(parse_submission_id(&submission).ok_or_else(|| corrupt("submission_id"))?)
                },
                email: Email::parse(&email).map_err(|_| corrupt("status email"))?,
                latest_status: KycStatus::from_word(&status),
                updated_at: system_time(updated),
            });
        }
        Ok(statuses)
    }
}

impl SqliteStore {
    /// Takes an event out of the outbox as handled; with `forwarded_at`, as delivered then,
    /// counting the attempt.
    fn settle(
        &self,
        key: &IdempotencyKey,
        forwarded_at: Option<SystemTime>,
    ) -> Result<(), StoreError> {
        let key = key.to_hex();
        let mut connection = self.lock();
        let fail = unavailable("settle a delivered event");
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let attempts: Option<i64> = tx
            .query_row(
                "DELETE FROM outbox WHERE idempotency_key = ?1 RETURNING attempts",
                params![key],
                |row| row.get(0),
            )
            .optional()
            .map_err(unavailable("settle a delivered event"))?;
        match forwarded_at {
            Some(at) => tx.execute(
                "UPDATE events SET handled = 1,
                     forwarded_at_ms = COALESCE(forwarded_at_ms, ?2),
                     forward_attempts = MAX(forward_attempts, ?3)
                 WHERE idempotency_key = ?1",
                params![key, millis(at), attempts.unwrap_or(0) + 1],
            ),
            None => tx.execute(
                "UPDATE events SET handled = 1 WHERE idempotency_key = ?1",
                params![key],
            ),
        }
        .map_err(unavailable("settle a delivered event"))?;
        tx.commit().map_err(unavailable("settle a delivered event"))
    }
}

/// An outbox row joined with its event: seq, attempts, submission, email, key, JSON,
/// received, deliveries, forward attempts.
type ClaimRow = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
    i64,
    i64,
    i64,
);

impl Outbox for SqliteStore {
    fn claim(&self, claim: &OutboxClaim) -> Result<Vec<PendingEvent>, StoreError> {
        let now = millis(claim.now);
        let until = millis(claim.now + claim.lease);
        let limit = i64::try_from(claim.limit).unwrap_or(i64::MAX);
        let mut connection = self.lock();
        let fail = unavailable("claim events to deliver");
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let rows: Vec<ClaimRow> = {
            let mut select = tx
                .prepare_cached(
                    "SELECT o.seq, o.attempts, e.submission_id, e.email, e.idempotency_key,
                            e.event_json, e.received_at_ms, e.deliveries, e.forward_attempts
                     FROM outbox o JOIN events e ON e.seq = o.seq
                     WHERE o.parked = 0 AND o.due_at_ms <= ?1 AND o.lease_until_ms <= ?1
                       AND NOT EXISTS (SELECT 1 FROM outbox p
                                       WHERE p.order_key = o.order_key AND p.seq < o.seq
                                         AND p.parked = 0)
                     ORDER BY o.seq LIMIT ?2",
                )
                .map_err(unavailable("claim events to deliver"))?;
            let mapped = select
                .query_map(params![now, limit], |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                        row.get(5)?,
                        row.get(6)?,
                        row.get(7)?,
                        row.get(8)?,
                    ))
                })
                .map_err(unavailable("claim events to deliver"))?;
            mapped
                .collect::<Result<_, _>>()
                .map_err(unavailable("claim events to deliver"))?
        };
        let mut claimed = Vec::with_capacity(rows.len());
        for (seq, attempts, submission, email, key, json, received, deliveries, tries) in rows {
            tx.prepare_cached(
                "UPDATE outbox SET lease_owner = ?2, lease_until_ms = ?3 WHERE seq = ?1",
            )
            .and_then(|mut lease| lease.execute(params![seq, claim.owner, until]))
            .map_err(unavailable("claim events to deliver"))?;
            let mut event = stored_event(submission, email, &key, json, received, deliveries)?;
            event.forward_attempts = u32::try_from(tries).unwrap_or(u32::MAX);
            claimed.push(PendingEvent {
                event,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            });
        }
        tx.commit()
            .map_err(unavailable("claim events to deliver"))?;
        Ok(claimed)
    }

    fn delivered(&self, key: &IdempotencyKey, now: SystemTime) -> Result<(), StoreError> {
        self.settle(key, Some(now))
    }

    fn failed(
        &self,
        key: &IdempotencyKey,
        retry_at: SystemTime,
        park: bool,
    ) -> Result<(), StoreError> {
        let key = key.to_hex();
        let mut connection = self.lock();
        let fail = unavailable("note a failed delivery");
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        tx.execute(
            "UPDATE outbox SET attempts = attempts + 1, due_at_ms = ?2, lease_owner = NULL,
                 lease_until_ms = 0, parked = ?3
             WHERE idempotency_key = ?1",
            params![key, millis(retry_at), park],
        )
        .and_then(|_| {
            tx.execute(
                "UPDATE events SET forward_attempts = forward_attempts + 1 WHERE idempotency_key = ?1",
                params![key],
            )
        })
        .map_err(unavailable("note a failed delivery"))?;
        tx.commit().map_err(unavailable("note a failed delivery"))
    }

    fn backlog(&self) -> Result<u64, StoreError> {
        let waiting: i64 = self
            .lock()
            .query_row("SELECT COUNT(*) FROM outbox WHERE parked = 0", [], |row| {
                row.get(0)
            })
            .map_err(unavailable("count the outbox"))?;
        Ok(u64::try_from(waiting).unwrap_or(0))
    }
}

impl Expiry for SqliteStore {
    fn purge_expired(&self, now: SystemTime) -> Result<u64, StoreError> {
        let removed = self
            .lock()
            .execute(
                "DELETE FROM registrations WHERE expires_at_ms <= ?1",
                params![millis(now)],
            )
            .map_err(unavailable("purge registrations"))?;
        Ok(removed as u64)
    }
}

impl CallbackStore for SqliteStore {
    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.lock()
            .query_row("SELECT COUNT(*) FROM registrations WHERE 0", [], |_| Ok(()))
            .map_err(unavailable("answer a ping"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 32 threads recording at once: every event committed once, each caller told its own
    /// result, and fewer transactions than events (the batches' sizes are printed).
    #[test]
    fn concurrent_events_commit_in_groups_and_each_caller_gets_its_own_result() {
        use clever_kyc_core::callback::{CallbackSource, KycStatusEntry, ReceivedCallback};
        use clever_kyc_core::{KycStatus, KycStatusChanged};
        let dir = std::env::temp_dir().join(format!("clever-kyc-group-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = std::sync::Arc::new(SqliteStore::open(dir.join("g.db")).unwrap());
        let threads: Vec<_> = (0..32)
            .map(|t| {
                let store = std::sync::Arc::clone(&store);
                std::thread::spawn(move || {
                    let mut new = 0;
                    for i in 0..20 {
                        // Every event twice: the second is a duplicate, whoever commits it.
                        let event = KycStatusChanged::new(
                            format!("g{t}-{i}@example.com"),
                            vec![KycStatusEntry::new(KycStatus::Pending, None)],
                        );
                        let callback =
                            ReceivedCallback::for_tests(CallbackSource::StaticValue, event);
                        for _ in 0..2 {
                            let recorded = store
                                .record(&EventRecord {
                                    callback: &callback,
                                    email: callback.event().email.as_deref(),
                                    received_at: SystemTime::now(),
                                    handled: true,
                                })
                                .unwrap();
                            new += usize::from(recorded == Recorded::New);
                        }
                    }
                    new
                })
            })
            .collect();
        let new: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(
            new, 640,
            "each event recorded once, each redelivery a duplicate"
        );
        assert_eq!(store.events(&EventFilter::all()).unwrap().len(), 640);
        // How many batches form depends on the scheduler; what cannot happen is more
        // transactions than records (a record committed twice) or none at all.
        let commits = store.group.commits();
        assert!(
            (1..=1280).contains(&commits),
            "1280 records in {commits} transactions"
        );
    }

    /// What SQLite plans for the listing of `filter`, one line per step.
    fn plan(filter: &EventFilter) -> String {
        let mut connection = Connection::open_in_memory().unwrap();
        connection.execute_batch(SCHEMA).unwrap();
        migrate(&mut connection).unwrap();
        let mut explain = connection
            .prepare(&format!("EXPLAIN QUERY PLAN {}", events_query(filter)))
            .unwrap();
        let rows = explain
            .query_map(params!["a@example.com", "sub-1", 10], |row| {
                row.get::<_, String>(3)
            })
            .unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn a_listing_by_email_uses_the_email_index_not_a_scan() {
        for filter in [
            EventFilter::all().email("a@example.com"),
            EventFilter::all()
                .email("a@example.com")
                .submission(SubmissionId::new("sub-1").unwrap()),
        ] {
            let plan = plan(&filter);
            assert!(plan.contains("USING INDEX events_by_email"), "{plan}");
        }
    }
}
