//! How listing a contact's events, reading its statuses and looking up a callback's
//! registration grow with the store: one contact with 10 events, among 1,000, 100,000 and
//! 1,000,000 stored events (each with its submission's registration), on SQLite and Redis.
//! The large store is compared with the 1,000-event one in alternating batches, as the CPU
//! cases are. JSON rows on stdout; `--quick` stops at 100,000.
//!
//! The stores are filled in bulk with the layout the SDK writes (one transaction, or one
//! pipeline), since recording a million callbacks one durable commit at a time would take
//! hours; every measured read goes through the SDK's store.

use std::path::Path;
use std::time::Duration;

use clever_kyc_benches::ab::{Plan, compare};
use clever_kyc_benches::cases::Target;
use clever_kyc_benches::report::row;
use clever_kyc_receive::testing::RedisServer;
use clever_kyc_receive::{
    CallbackStore, EventFilter, RedisStore, SqliteStore, clever_kyc_core::callback::AuthDigest,
};

/// Events per contact: the contact measured has this many at every store size.
const PER_CONTACT: u64 = 10;
const QUERIED: &str = "c0@example.com";

/// When the filled registrations expire: far beyond the measurement.
const EXPIRES_MS: i64 = 4_000_000_000_000;

/// The digest registered for submission `i` (as if of its authorization value).
fn digest(i: u64) -> AuthDigest {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&i.to_le_bytes());
    bytes[31] = 0xa5;
    AuthDigest::from_bytes(bytes)
}

fn event_json(i: u64) -> String {
    format!(
        r#"{{"email":"c{}@example.com","kyc_statuses":[{{"kyc_status":"approved","message":"event {i}"}}]}}"#,
        i / PER_CONTACT
    )
}

fn fill_sqlite(path: &Path, events: u64) {
    drop(SqliteStore::open(path).expect("create the store"));
    let mut connection = rusqlite::Connection::open(path).expect("open");
    connection
        .pragma_update(None, "synchronous", "OFF")
        .expect("pragma");
    let tx = connection.transaction().expect("transaction");
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO events (idempotency_key, submission_id, email, event_json, received_at_ms, deliveries, handled)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, 1)",
            )
            .expect("prepare");
        let mut status = tx
            .prepare("INSERT OR REPLACE INTO statuses VALUES (?1, ?2, ?3, ?4)")
            .expect("prepare");
        let mut register = tx
            .prepare("INSERT INTO registrations VALUES (?1, ?2, ?3, ?4, ?5)")
            .expect("prepare");
        for i in 0..events {
            let email = format!("c{}@example.com", i / PER_CONTACT);
            let submission = format!("sub-{i}");
            let ms = 1_800_000_000_000 + i as i64;
            insert
                .execute(rusqlite::params![
                    format!("{i:064x}"),
                    submission,
                    email,
                    event_json(i),
                    ms
                ])
                .expect("insert");
            status
                .execute(rusqlite::params![email, submission, "approved", ms])
                .expect("insert");
            register
                .execute(rusqlite::params![
                    digest(i).to_hex(),
                    submission,
                    email,
                    ms,
                    EXPIRES_MS
                ])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
}

/// Fills the store under `prefix` (`RedisStore::with_prefix`) with `events` events.
fn fill_redis(url: &str, prefix: &str, events: u64) {
    let client = redis::Client::open(url).expect("client");
    let mut connection = client.get_connection().expect("connect");
    for start in (0..events).step_by(2_000) {
        let mut pipe = redis::pipe();
        for i in start..(start + 2_000).min(events) {
            let email = format!("c{}@example.com", i / PER_CONTACT);
            let (key, ms) = (format!("{i:064x}"), 1_800_000_000_000 + i);
            let id = format!("{ms}-0");
            pipe.cmd("XADD")
                .arg(format!("{prefix}:events"))
                .arg(&id)
                .arg(&[
                    ("key", key.as_str()),
                    ("submission_id", &format!("sub-{i}")),
                    ("email", &email),
                    ("json", &event_json(i)),
                    ("received_ms", &ms.to_string()),
                ])
                .ignore();
            pipe.cmd("HSET")
                .arg(format!("{prefix}:evt:{key}"))
                .arg(&[("deliveries", "1"), ("handled", "1")])
                .ignore();
            pipe.cmd("RPUSH")
                .arg(format!("{prefix}:by_email:{email}"))
                .arg(&id)
                .ignore();
            pipe.cmd("HSET")
                .arg(format!("{prefix}:reg:{}", digest(i).to_hex()))
                .arg(&[
                    ("submission_id", format!("sub-{i}")),
                    ("email", email.clone()),
                    ("created_ms", ms.to_string()),
                    ("expires_ms", EXPIRES_MS.to_string()),
                ])
                .ignore();
            pipe.cmd("HSET")
                .arg(format!("{prefix}:status:{email}"))
                .arg(format!("sub-{i}"))
                .arg(format!("approved|{ms}|1"))
                .ignore();
        }
        pipe.query::<()>(&mut connection).expect("fill");
    }
    redis::cmd("SET")
        .arg(format!("{prefix}:by_email_complete"))
        .arg(1)
        .query::<()>(&mut connection)
        .expect("mark the index complete");
}

/// Reads from `large` against `small`: (events by email, statuses) as JSON rows.
fn measure(
    backend: &str,
    size: u64,
    large: &dyn CallbackStore,
    small: &dyn CallbackStore,
) -> [serde_json::Value; 3] {
    let plan = Plan {
        rounds: 7,
        batches: 2,
        batch: Duration::from_millis(20),
    };
    let filter = EventFilter::all().email(QUERIED);
    let queried = clever_kyc_core::Email::parse(QUERIED).expect("valid");
    for store in [large, small] {
        let found = store.events(&filter).expect("list");
        assert_eq!(
            found.len() as u64,
            PER_CONTACT,
            "{backend}: the contact's events"
        );
        assert_eq!(
            store.statuses(&queried).expect("statuses").len() as u64,
            PER_CONTACT
        );
    }
    let target = (size >= 1_000_000).then_some(Target::AtMost(2.0));
    let events = compare(
        plan,
        &mut || drop(large.events(&filter).expect("list")),
        &mut || drop(small.events(&filter).expect("list")),
    );
    let statuses = compare(
        plan,
        &mut || drop(large.statuses(&queried).expect("statuses")),
        &mut || drop(small.statuses(&queried).expect("statuses")),
    );
    // The receive path's lookup: one submission's registration among `size`.
    let now = std::time::SystemTime::now();
    for store in [large, small] {
        assert!(
            store
                .registration(&digest(7), now)
                .expect("lookup")
                .is_some(),
            "{backend}: a registered value"
        );
    }
    let lookups = compare(
        plan,
        &mut || drop(large.registration(&digest(7), now).expect("lookup")),
        &mut || drop(small.registration(&digest(7), now).expect("lookup")),
    );
    let baseline = "the same store with 1,000 events (and registrations)";
    [
        row(
            &format!("events_by_email_{backend}_{size}"),
            events.sdk_ns / 1e3,
            events.baseline_ns / 1e3,
            baseline,
            "µs",
            &events.ratios,
            target,
        ),
        row(
            &format!("statuses_{backend}_{size}"),
            statuses.sdk_ns / 1e3,
            statuses.baseline_ns / 1e3,
            baseline,
            "µs",
            &statuses.ratios,
            target,
        ),
        row(
            &format!("registration_lookup_{backend}_{size}"),
            lookups.sdk_ns / 1e3,
            lookups.baseline_ns / 1e3,
            baseline,
            "µs",
            &lookups.ratios,
            (size >= 1_000_000).then_some(Target::AtMost(1.5)),
        ),
    ]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let dir = std::env::temp_dir().join(format!("clever-kyc-growth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut rows = Vec::new();

    let sizes: &[u64] = if quick {
        &[100_000]
    } else {
        &[100_000, 1_000_000]
    };
    let small_path = dir.join("small.db");
    fill_sqlite(&small_path, 1_000);
    let small = SqliteStore::open(&small_path).expect("open");
    for &size in sizes {
        eprintln!("growth: sqlite with {size} events");
        let path = dir.join(format!("events-{size}.db"));
        fill_sqlite(&path, size);
        let large = SqliteStore::open(&path).expect("open");
        rows.extend(measure("sqlite", size, &large, &small));
    }

    // One Redis server for every size, each store under its own prefix: stores on two
    // servers would compare the servers' loopback latencies (they differed by 3x), not the
    // stores.
    let server = RedisServer::start().expect("redis-server");
    fill_redis(&server.url(), "small", 1_000);
    let small = RedisStore::open(&server.url())
        .expect("open")
        .with_prefix("small");
    for &size in sizes {
        eprintln!("growth: redis with {size} events");
        let prefix = format!("large-{size}");
        fill_redis(&server.url(), &prefix, size);
        let large = RedisStore::open(&server.url())
            .expect("open")
            .with_prefix(prefix);
        rows.extend(measure("redis", size, &large, &small));
    }

    let _ = std::fs::remove_dir_all(&dir);
    println!("{}", serde_json::Value::from(rows));
}
