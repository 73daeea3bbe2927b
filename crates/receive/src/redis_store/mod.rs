//! The Redis store: shared by several receiver replicas.
//!
//! Layout, under a prefix (default `clever-kyc`):
//! - `{prefix}:reg:{digest hex}`: a hash per registration, expiring with it;
//! - `{prefix}:evt:{key hex}`: a hash per committed event (`deliveries`, `handled`), created
//!   by the same Lua script that appends the event to the stream `{prefix}:events`, so two
//!   replicas can never both record one delivery;
//! - `{prefix}:status:{email}`: a hash from submission id (empty for a shared value) to
//!   `status|updated_ms|final`;
//! - `{prefix}:by_email:{email}`: the stream ids of a contact's events, appended by the same
//!   script, so listing one contact reads its events rather than the whole stream;
//!   `{prefix}:by_email_complete` says every event in the stream is in those lists: the
//!   script sets it when it starts a stream, and a stream written before the lists existed
//!   is indexed once, on its first listing by email.

use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use clever_kyc_core::{
    Email, KycStatus, callback::AuthDigest, callback::IdempotencyKey, callback::Registration,
    callback::SubmissionId,
};
use redis::{Client, Connection, RedisError, Script};

use crate::codec::{millis, parse_submission_id, redact_url, system_time};
use crate::store::{
    CallbackStore, EventFilter, EventLog, EventRecord, Expiry, Outbox, OutboxClaim, PendingEvent,
    Recorded, Registrations, StoreError, StoredEvent, SubmissionStatus,
};

mod durability;
mod listing;

pub use durability::RedisDurability;

const BACKEND: &str = "redis";

/// Idle connections kept for reuse; more are opened under load and closed after. Sized for
/// a listener's concurrent store calls: with 16, half the calls at 32 concurrent callbacks
/// paid a connect and a close, and in a full benchmark run the listener's throughput fell to
/// 0.77 of a hand-written one's (0.92 with 64).
const POOLED_CONNECTIONS: usize = 64;

/// Entries read from the stream per round trip when listing.
const PAGE: usize = 1000;

/// Commits an event and its status atomically, or counts a redelivery. The status rule is
/// [`status_supersedes`](crate::status_supersedes): a final status of a submission is not
/// replaced by a non-final one; without a submission the latest arrival wins.
const RECORD: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'deliveries', 1)
  return {0, tonumber(redis.call('HGET', KEYS[1], 'handled') or '0')}
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[5], 1)
end
local id = redis.call('XADD', KEYS[2], '*', 'key', ARGV[1], 'submission_id', ARGV[2],
  'email', ARGV[3], 'json', ARGV[4], 'received_ms', ARGV[5])
if ARGV[3] ~= '' then
  redis.call('RPUSH', KEYS[4], id)
end
redis.call('HSET', KEYS[1], 'deliveries', 1, 'handled', ARGV[6], 'sid', id)
if ARGV[6] == '0' then
  local seq = redis.call('INCR', KEYS[6])
  redis.call('HSET', KEYS[1], 'order', ARGV[9], 'due_ms', ARGV[5], 'seq', seq)
  redis.call('ZADD', KEYS[7], seq, ARGV[1])
end
if ARGV[7] ~= '' and ARGV[3] ~= '' then
  local current = redis.call('HGET', KEYS[3], ARGV[2])
  local keep = current and ARGV[2] ~= '' and string.sub(current, -1) == '1' and ARGV[8] == '0'
  if not keep then
    redis.call('HSET', KEYS[3], ARGV[2], ARGV[7] .. '|' .. ARGV[5] .. '|' .. ARGV[8])
  end
end
return {1, tonumber(ARGV[6])}
";

/// Marks an existing event handled and takes it out of the outbox; with a time (ARGV[2]),
/// as delivered then. A missing key (never recorded) is left absent.
const MARK_HANDLED: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'handled', 1)
  if ARGV[2] ~= '' then
    if not redis.call('HGET', KEYS[1], 'fwd_ms') then
      redis.call('HSET', KEYS[1], 'fwd_ms', ARGV[2])
    end
    local tries = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0') + 1
    local counted = tonumber(redis.call('HGET', KEYS[1], 'fwd_attempts') or '0')
    if tries > counted then
      redis.call('HSET', KEYS[1], 'fwd_attempts', tries)
    end
  end
  redis.call('HDEL', KEYS[1], 'lease_ms')
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 0
";

/// Claims up to ARGV[4] events of the outbox (KEYS[1]) whose turn has come, scanning at most
/// ARGV[5] of the oldest: one per order key, the oldest waiting of each, due (ARGV[1]) and
/// not leased; each gets a lease until ARGV[2]. Events' hashes are `ARGV[3] .. member`.
const CLAIM: &str = r"
local members = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[5]) - 1)
local seen = {}
local claimed = {}
local now = tonumber(ARGV[1])
for _, member in ipairs(members) do
  if #claimed >= tonumber(ARGV[4]) then break end
  local evt = ARGV[3] .. member
  local fields = redis.call('HMGET', evt, 'order', 'due_ms', 'lease_ms')
  local order = fields[1] or member
  if not seen[order] then
    seen[order] = true
    if tonumber(fields[2] or '0') <= now and tonumber(fields[3] or '0') <= now then
      redis.call('HSET', evt, 'lease_ms', ARGV[2])
      table.insert(claimed, member)
    end
  end
end
return claimed
";

/// A failed delivery: due again at ARGV[2]; with ARGV[3] = '1', parked (out of the outbox,
/// kept in the store).
const FAILED: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HINCRBY', KEYS[1], 'fwd_attempts', 1)
redis.call('HSET', KEYS[1], 'due_ms', ARGV[2])
redis.call('HDEL', KEYS[1], 'lease_ms')
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'parked', 1)
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return 1
";

/// Outbox entries a claim scans at most: claims stay bounded whatever the backlog.
const CLAIM_SCAN: usize = 1000;

/// A store on a Redis server, for receivers on several hosts.
///
/// Durability is Redis's: configure `appendonly yes` (with `appendfsync everysec` or
/// `always`) where an acknowledged callback must survive a Redis restart.
pub struct RedisStore {
    client: Client,
    location: String,
    prefix: String,
    record: Script,
    mark_handled: Script,
    claim: Script,
    failed: Script,
    idle: Mutex<Vec<Connection>>,
    timeout: Duration,
    /// Set once `{prefix}:by_email_complete` has been seen or written.
    email_index_ready: AtomicBool,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("location", &self.location)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn unavailable(operation: &'static str) -> impl FnOnce(RedisError) -> StoreError {
    move |e| StoreError::Unavailable {
        backend: BACKEND,
        operation,
        source: Box::new(e),
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt {
        backend: BACKEND,
        what: what.to_owned(),
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://HOST:PORT[/DB]`) and checks that the server answers.
    ///
    /// # Errors
    /// [`StoreError::Open`] when the URL is invalid or the server does not answer `PING`
    /// within 2 s.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let location = redact_url(url);
        let fail = |e: RedisError| StoreError::Open {
            backend: BACKEND,
            location: location.clone(),
            source: Box::new(e),
        };
        let client = Client::open(url).map_err(fail)?;
        let store = Self {
            client,
            location: location.clone(),
            prefix: "clever-kyc".to_owned(),
            record: Script::new(RECORD),
            mark_handled: Script::new(MARK_HANDLED),
            claim: Script::new(CLAIM),
            failed: Script::new(FAILED),
            idle: Mutex::default(),
            timeout: Duration::from_secs(2),
            email_index_ready: AtomicBool::new(false),
        };
        let mut connection = store.connect().map_err(fail)?;
        redis::cmd("PING")
            .query::<String>(&mut connection)
            .map_err(fail)?;
        store.give_back(connection);
        Ok(store)
    }

    /// Uses `prefix` for every key instead of `clever-kyc` (several stores on one server).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self.email_index_ready = AtomicBool::new(false);
        self
    }

    fn connect(&self) -> Result<Connection, RedisError> {
        let connection = self.client.get_connection_with_timeout(self.timeout)?;
        connection.set_read_timeout(Some(self.timeout))?;
        connection.set_write_timeout(Some(self.timeout))?;
        Ok(connection)
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn give_back(&self, connection: Connection) {
        let mut idle = self.idle();
        if idle.len() < POOLED_CONNECTIONS {
            idle.push(connection);
        }
    }

    /// Runs `f` on a pooled connection; a connection that failed is dropped, not reused.
    /// A pooled connection may have gone stale (Redis restarted): when one fails on IO, `f`
    /// runs once more on a fresh connection. Every operation here is idempotent or, for
    /// `record`, answers "duplicate" the second time, which is correct either way.
    fn with_connection<T>(
        &self,
        operation: &'static str,
        mut f: impl FnMut(&mut Connection) -> Result<T, RedisError>,
    ) -> Result<T, StoreError> {
        let pooled = self.idle().pop();
        if let Some(mut connection) = pooled {
            match f(&mut connection) {
                Ok(value) => {
                    self.give_back(connection);
                    return Ok(value);
                }
                Err(e) if !(e.is_io_error() || e.is_connection_dropped()) => {
                    return Err(unavailable(operation)(e));
                }
                Err(_) => {} // stale: try a fresh one below
            }
        }
        let mut connection = self.connect().map_err(unavailable(operation))?;
        let value = f(&mut connection).map_err(unavailable(operation))?;
        self.give_back(connection);
        Ok(value)
    }

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}:{kind}:{id}", self.prefix)
    }

    fn outbox_key(&self) -> String {
        format!("{}:outbox", self.prefix)
    }

    /// Takes an event out of the outbox as handled; with `forwarded_at`, as delivered then.
    fn settle(
        &self,
        key: &IdempotencyKey,
        forwarded_at: Option<SystemTime>,
    ) -> Result<(), StoreError> {
        let hex = key.to_hex();
        let evt = self.key("evt", &hex);
        let outbox = self.outbox_key();
        let at = forwarded_at
            .map(|t| millis(t).to_string())
            .unwrap_or_default();
        self.with_connection("mark an event handled", |c| {
            self.mark_handled
                .key(&evt)
                .key(&outbox)
                .arg(&hex)
                .arg(&at)
                .invoke::<()>(c)
        })
    }
}

impl Outbox for RedisStore {
    fn claim(&self, claim: &OutboxClaim) -> Result<Vec<PendingEvent>, StoreError> {
        let members: Vec<String> = self.with_connection("claim events to deliver", |c| {
            self.claim
                .key(self.outbox_key())
                .arg(millis(claim.now))
                .arg(millis(claim.now + claim.lease))
                .arg(format!("{}:evt:", self.prefix))
                .arg(claim.limit)
                .arg(CLAIM_SCAN)
                .invoke(c)
        })?;
        self.pending_events(members)
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
        let hex = key.to_hex();
        self.with_connection("note a failed delivery", |c| {
            self.failed
                .key(self.key("evt", &hex))
                .key(self.outbox_key())
                .arg(&hex)
                .arg(millis(retry_at))
                .arg(u8::from(park))
                .invoke::<()>(c)
        })
    }

    fn backlog(&self) -> Result<u64, StoreError> {
        self.with_connection("count the outbox", |c| {
            redis::cmd("ZCARD").arg(self.outbox_key()).query(c)
        })
    }
}

impl Registrations for RedisStore {
    fn register(&self, digest: &AuthDigest, registration: &Registration) -> Result<(), StoreError> {
        let key = self.key("reg", &digest.to_hex());
        let expires = millis(registration.expires_at);
        self.with_connection("register a submission", |c| {
            redis::pipe()
                .atomic()
                .hset_multiple(
                    &key,
                    &[
                        ("submission_id", registration.submission_id.as_str()),
                        ("email", registration.email.as_str()),
                        ("created_ms", &millis(registration.created_at).to_string()),
                        ("expires_ms", &expires.to_string()),
                    ],
                )
                .ignore()
                .cmd("PEXPIREAT")
                .arg(&key)
                .arg(expires)
                .ignore()
                .query::<()>(c)
        })
    }

    fn unregister(&self, digest: &AuthDigest) -> Result<bool, StoreError> {
        let key = self.key("reg", &digest.to_hex());
        let removed: i64 = self.with_connection("remove a registration", |c| {
            redis::cmd("DEL").arg(&key).query(c)
        })?;
        Ok(removed > 0)
    }

    fn registration(
        &self,
        digest: &AuthDigest,
        now: SystemTime,
    ) -> Result<Option<Registration>, StoreError> {
        let key = self.key("reg", &digest.to_hex());
        let fields: Vec<Option<String>> = self.with_connection("look up a registration", |c| {
            redis::cmd("HMGET")
                .arg(&key)
                .arg(&["submission_id", "email", "created_ms", "expires_ms"])
                .query(c)
        })?;
        let [Some(id), Some(email), Some(created), Some(expires)] =
            <[Option<String>; 4]>::try_from(fields).map_err(|_| corrupt("registration"))?
        else {
            return Ok(None);
        };
        let parse_ms = |text: &str| {
            text.parse::<i64>()
                .map_err(|_| corrupt("registration time"))
        };
        let registration = Registration::from_parts(
            parse_submission_id(&id).ok_or_else(|| corrupt("submission_id"))?,
            Email::parse(&email).map_err(|_| corrupt("registration email"))?,
            system_time(parse_ms(&created)?),
            system_time(parse_ms(&expires)?),
        );
        Ok(registration.is_live_at(now).then_some(registration))
    }
}

impl EventLog for RedisStore {
    fn record(&self, record: &EventRecord<'_>) -> Result<Recorded, StoreError> {
        let callback = record.callback;
        let key_hex = callback.idempotency_key().to_hex();
        let email = record.email.unwrap_or("");
        let status = record
            .latest_status()
            .map(|s| s.as_str().to_ascii_lowercase())
            .unwrap_or_default();
        let is_final = record.latest_status().is_some_and(KycStatus::is_final);
        let mut invocation = self.record.prepare_invoke();
        invocation
            .key(self.key("evt", &key_hex))
            .key(format!("{}:events", self.prefix))
            .key(self.key("status", &email.to_ascii_lowercase()))
            .key(self.key("by_email", &email.to_ascii_lowercase()))
            .key(self.index_complete_key())
            .key(format!("{}:seq", self.prefix))
            .key(self.outbox_key())
            .arg(&key_hex)
            .arg(callback.submission_id().map_or("", SubmissionId::as_str))
            .arg(email)
            .arg(callback.canonical_json())
            .arg(millis(record.received_at))
            .arg(u8::from(record.handled))
            .arg(&status)
            .arg(u8::from(is_final))
            .arg(match callback.submission_id() {
                Some(id) => id.as_str().to_owned(),
                None => format!("email:{}", email.to_ascii_lowercase()),
            });
        let (new, handled): (i64, i64) =
            self.with_connection("record an event", |c| invocation.invoke(c))?;
        Ok(if new == 1 {
            Recorded::New
        } else {
            Recorded::Duplicate {
                handled: handled == 1,
            }
        })
    }

    fn mark_handled(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        self.settle(key, None)
    }

    fn events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        match &filter.email {
            Some(email) => self.list_contact(email, filter),
            None => self.list_stream(filter),
        }
    }

    fn statuses(&self, email: &Email) -> Result<Vec<SubmissionStatus>, StoreError> {
        let key = self.key("status", &email.as_str().to_ascii_lowercase());
        let entries: Vec<(String, String)> = self.with_connection("read statuses", |c| {
            redis::cmd("HGETALL").arg(&key).query(c)
        })?;
        let mut statuses = Vec::with_capacity(entries.len());
        for (submission, value) in entries {
            let mut parts = value.splitn(3, '|');
            let (Some(status), Some(updated)) = (parts.next(), parts.next()) else {
                return Err(corrupt("status"));
            };
            statuses.push(SubmissionStatus {
                submission_id: if submission.is_empty() {
                    None
                } else {
                    Some(parse_submission_id(&submission).ok_or_else(|| corrupt("submission_id"))?)
                },
                email: email.clone(),
                latest_status: KycStatus::from_word(status),
                updated_at: system_time(updated.parse().map_err(|_| corrupt("status time"))?),
            });
        }
        statuses.sort_by_key(|status| status.updated_at);
        Ok(statuses)
    }
}

impl Expiry for RedisStore {
    fn purge_expired(&self, _now: SystemTime) -> Result<u64, StoreError> {
        // Registrations carry PEXPIREAT: Redis removes them itself.
        Ok(0)
    }
}

impl CallbackStore for RedisStore {
    fn describe(&self) -> String {
        self.location.clone()
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.with_connection("answer a ping", |c| redis::cmd("PING").query::<String>(c))
            .map(drop)
    }
}
