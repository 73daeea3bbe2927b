//! One suite, every backend: the store trait's promises.

use std::sync::Arc;
use std::time::Duration;

use clever_kyc_receive::testing::RedisServer;
use clever_kyc_receive::*;
use clever_kyc_receive::{
    clever_kyc_core::Email, clever_kyc_core::KycStatus, clever_kyc_core::KycStatusChanged,
    clever_kyc_core::callback::AuthDigest, clever_kyc_core::callback::CallbackSource,
    clever_kyc_core::callback::ReceivedCallback, clever_kyc_core::callback::Registration,
    clever_kyc_core::callback::SubmissionId,
    clever_kyc_core::callback::authorization_from_random_bytes,
};

use crate::{at, event, sqlite_path};

fn registration(id: &str, email: &str, retention_secs: u64) -> Registration {
    Registration::new(
        SubmissionId::new(id).unwrap(),
        Email::parse(email).unwrap(),
        at(0),
        Duration::from_secs(retention_secs),
    )
}

fn received(submission: Option<&str>, event: KycStatusChanged) -> ReceivedCallback {
    let source = match submission {
        Some(id) => CallbackSource::Submission(SubmissionId::new(id).unwrap()),
        None => CallbackSource::StaticValue,
    };
    ReceivedCallback::for_tests(source, event)
}

fn record(store: &dyn CallbackStore, callback: &ReceivedCallback, secs: u64) -> Recorded {
    store
        .record(&EventRecord {
            callback,
            email: callback.event().email.as_deref(),
            received_at: at(secs),
            handled: true,
        })
        .unwrap()
}

fn registrations_expire_and_can_be_removed(store: &dyn CallbackStore) {
    let value = authorization_from_random_bytes([1; 32]);
    let digest = AuthDigest::of(&value);
    assert_eq!(store.registration(&digest, at(1)).unwrap(), None);
    store
        .register(&digest, &registration("sub-1", "a@example.com", 10))
        .unwrap();
    let found = store.registration(&digest, at(9)).unwrap().unwrap();
    assert_eq!(found.submission_id.as_str(), "sub-1");
    assert_eq!(found.email.as_str(), "a@example.com");
    assert_eq!(found.expires_at, at(10));
    assert_eq!(
        store.registration(&digest, at(10)).unwrap(),
        None,
        "expired"
    );
    assert!(store.unregister(&digest).unwrap());
    assert!(!store.unregister(&digest).unwrap());
}

fn the_same_body_twice_for_one_submission_is_one_event(store: &dyn CallbackStore) {
    let callback = received(Some("sub-dup"), event("dup@example.com", &["pending"]));
    assert_eq!(record(store, &callback, 1), Recorded::New);
    assert_eq!(
        record(store, &callback, 2),
        Recorded::Duplicate { handled: true }
    );
    assert_eq!(
        record(store, &callback, 3),
        Recorded::Duplicate { handled: true }
    );
    let events = store
        .events(&EventFilter::all().email("DUP@example.com"))
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].deliveries, 3);
    assert_eq!(events[0].received_at, at(1));
    assert_eq!(events[0].event_json, callback.canonical_json());
    assert_eq!(events[0].idempotency_key, *callback.idempotency_key());
}

fn a_resubmission_keeps_both_cycles_and_ends_approved(store: &dyn CallbackStore) {
    let email = "again@example.com";
    // The first token was rejected; the second approved. Each cycle's pending has the same
    // body, but they belong to different submissions.
    let cycle = [
        (Some("sub-first"), vec!["pending"], 1),
        (Some("sub-first"), vec!["pending", "rejected"], 2),
        (Some("sub-second"), vec!["pending"], 3),
        (Some("sub-second"), vec!["pending", "approved"], 4),
    ];
    for (submission, words, secs) in cycle {
        let callback = received(submission, event(email, &words));
        assert_eq!(record(store, &callback, secs), Recorded::New);
    }
    let events = store.events(&EventFilter::all().email(email)).unwrap();
    assert_eq!(events.len(), 4, "both cycles' pending events are stored");
    let statuses = store.statuses(&Email::parse(email).unwrap()).unwrap();
    let summary: Vec<_> = statuses
        .iter()
        .map(|s| {
            (
                s.submission_id.as_ref().unwrap().as_str(),
                s.latest_status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [("sub-first", "rejected"), ("sub-second", "approved")]
    );
    assert_eq!(statuses.last().unwrap().updated_at, at(4));
    let second = store
        .events(&EventFilter::all().submission(SubmissionId::new("sub-second").unwrap()))
        .unwrap();
    assert_eq!(second.len(), 2);
}

fn a_late_pending_does_not_undo_a_decision(store: &dyn CallbackStore) {
    let email = "late@example.com";
    let _ = record(
        store,
        &received(Some("sub-late"), event(email, &["pending", "approved"])),
        1,
    );
    let _ = record(
        store,
        &received(Some("sub-late"), event(email, &["pending"])),
        2,
    );
    let statuses = store.statuses(&Email::parse(email).unwrap()).unwrap();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].latest_status, KycStatus::Approved);
    assert_eq!(statuses[0].updated_at, at(1));
}

fn an_unhandled_event_stays_unhandled_until_marked(store: &dyn CallbackStore) {
    let callback = received(Some("sub-handler"), event("h@example.com", &["approved"]));
    let first = store
        .record(&EventRecord {
            callback: &callback,
            email: Some("h@example.com"),
            received_at: at(1),
            handled: false,
        })
        .unwrap();
    assert_eq!(first, Recorded::New);
    assert_eq!(
        record(store, &callback, 2),
        Recorded::Duplicate { handled: false }
    );
    store.mark_handled(callback.idempotency_key()).unwrap();
    assert_eq!(
        record(store, &callback, 3),
        Recorded::Duplicate { handled: true }
    );
    let stored = store
        .events(&EventFilter::all().email("h@example.com"))
        .unwrap();
    assert!(stored[0].handled);
    assert_eq!(stored[0].deliveries, 3);
}

fn static_values_name_no_submission(store: &dyn CallbackStore) {
    let callback = received(None, event("static@example.com", &["pending"]));
    assert_eq!(record(store, &callback, 1), Recorded::New);
    let events = store
        .events(&EventFilter::all().email("static@example.com"))
        .unwrap();
    assert_eq!(events[0].submission_id, None);
    let statuses = store
        .statuses(&Email::parse("static@example.com").unwrap())
        .unwrap();
    assert_eq!(statuses[0].submission_id, None);
    assert_eq!(statuses[0].latest_status, KycStatus::Pending);
}

fn listing_is_oldest_first_and_limited(store: &dyn CallbackStore) {
    for i in 0..5u64 {
        let words = ["pending"; 5][..=i as usize].to_vec();
        let _ = record(
            store,
            &received(Some("sub-list"), event("list@example.com", &words)),
            10 + i,
        );
    }
    let filter = EventFilter::all().email("list@example.com").limit(3);
    let events = store.events(&filter).unwrap();
    let times: Vec<_> = events.iter().map(|e| e.received_at).collect();
    assert_eq!(times, [at(10), at(11), at(12)]);
}

fn every_filter_shape_selects_exactly_its_events(store: &dyn CallbackStore) {
    let _ = record(
        store,
        &received(Some("sub-a"), event("A@example.com", &["pending"])),
        1,
    );
    let _ = record(
        store,
        &received(Some("sub-b"), event("a@example.com", &["approved"])),
        2,
    );
    let _ = record(
        store,
        &received(Some("sub-a"), event("b@example.com", &["pending"])),
        3,
    );
    let _ = record(
        store,
        &received(None, event("a@example.com", &["failed"])),
        4,
    );
    let times = |filter: EventFilter| -> Vec<_> {
        store
            .events(&filter)
            .unwrap()
            .iter()
            .map(|e| e.received_at)
            .collect()
    };
    assert_eq!(times(EventFilter::all()), [at(1), at(2), at(3), at(4)]);
    assert_eq!(
        times(EventFilter::all().email("a@EXAMPLE.com")),
        [at(1), at(2), at(4)]
    );
    let sub_a = || SubmissionId::new("sub-a").unwrap();
    assert_eq!(
        times(EventFilter::all().submission(sub_a())),
        [at(1), at(3)]
    );
    assert_eq!(
        times(
            EventFilter::all()
                .email("b@example.com")
                .submission(sub_a())
        ),
        [at(3)]
    );
}

type Case = fn(&dyn CallbackStore);

/// Every promise, on a fresh store.
fn record_unhandled(store: &dyn CallbackStore, callback: &ReceivedCallback, secs: u64) {
    let recorded = store
        .record(&EventRecord {
            callback,
            email: callback.event().email.as_deref(),
            received_at: at(secs),
            handled: false,
        })
        .unwrap();
    assert_eq!(recorded, Recorded::New);
}

fn claim(store: &dyn CallbackStore, owner: &str, secs: u64) -> Vec<PendingEvent> {
    store
        .claim(&OutboxClaim::new(
            owner,
            at(secs),
            Duration::from_secs(30),
            10,
        ))
        .unwrap()
}

fn statuses_of(pending: &[PendingEvent]) -> Vec<String> {
    pending
        .iter()
        .map(|p| {
            let event: serde_json::Value = serde_json::from_str(&p.event.event_json).unwrap();
            event["kyc_statuses"][0]["kyc_status"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// One submission's events leave in commit order, whatever becomes due first; other
/// submissions are not held back.
fn the_outbox_delivers_each_submission_in_commit_order(store: &dyn CallbackStore) {
    let pending_a = received(Some("sub-a"), event("a@example.com", &["pending"]));
    let approved_a = received(Some("sub-a"), event("a@example.com", &["approved"]));
    let pending_b = received(Some("sub-b"), event("b@example.com", &["pending"]));
    record_unhandled(store, &pending_a, 1);
    record_unhandled(store, &approved_a, 2);
    record_unhandled(store, &pending_b, 3);
    assert_eq!(store.backlog().unwrap(), 3);
    // The first of each submission; `approved` waits behind `pending`.
    let first = claim(store, "one", 10);
    assert_eq!(statuses_of(&first), ["pending", "pending"]);
    // Claimed events are leased: nothing more for anyone while `pending` is out.
    assert!(claim(store, "two", 11).is_empty());
    // `pending` of sub-a fails: due again later, and `approved` still waits for it.
    store
        .failed(pending_a.idempotency_key(), at(60), false)
        .unwrap();
    store
        .delivered(pending_b.idempotency_key(), at(12))
        .unwrap();
    assert!(
        claim(store, "two", 13).is_empty(),
        "approved must not pass pending"
    );
    let again = claim(store, "two", 61);
    assert_eq!(statuses_of(&again), ["pending"]);
    assert_eq!(again[0].attempts, 1);
    store
        .delivered(pending_a.idempotency_key(), at(62))
        .unwrap();
    let last = claim(store, "two", 63);
    assert_eq!(statuses_of(&last), ["approved"]);
    store
        .delivered(approved_a.idempotency_key(), at(64))
        .unwrap();
    assert_eq!(store.backlog().unwrap(), 0);
    let events = store.events(&EventFilter::all()).unwrap();
    let forwarded: Vec<_> = events
        .iter()
        .map(|e| (e.handled, e.forwarded_at, e.forward_attempts))
        .collect();
    assert_eq!(
        forwarded,
        [
            (true, Some(at(62)), 2),
            (true, Some(at(64)), 1),
            (true, Some(at(12)), 1)
        ]
    );
}

/// A lease that ends frees the event for another owner (a replica that died mid-forward).
fn an_expired_lease_is_claimed_again(store: &dyn CallbackStore) {
    let callback = received(Some("sub-l"), event("l@example.com", &["pending"]));
    record_unhandled(store, &callback, 1);
    assert_eq!(claim(store, "dies", 2).len(), 1);
    assert!(claim(store, "other", 31).is_empty(), "leased until 32");
    assert_eq!(claim(store, "other", 32).len(), 1);
}

/// A parked event stays in the store and stops holding its submission back.
fn a_parked_event_is_kept_and_lets_the_next_go(store: &dyn CallbackStore) {
    let first = received(Some("sub-p"), event("p@example.com", &["pending"]));
    let second = received(Some("sub-p"), event("p@example.com", &["approved"]));
    record_unhandled(store, &first, 1);
    record_unhandled(store, &second, 2);
    assert_eq!(statuses_of(&claim(store, "o", 3)), ["pending"]);
    store.failed(first.idempotency_key(), at(3), true).unwrap();
    assert_eq!(store.backlog().unwrap(), 1);
    assert_eq!(statuses_of(&claim(store, "o", 4)), ["approved"]);
    let kept = store.events(&EventFilter::all()).unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!((kept[0].handled, kept[0].forwarded_at), (false, None));
    assert_eq!(kept[0].forward_attempts, 1);
}

/// Handled events (a handler took them) never enter the outbox, and marking one handled
/// takes it out.
fn handled_events_leave_the_outbox(store: &dyn CallbackStore) {
    let taken = received(Some("sub-h"), event("h@example.com", &["pending"]));
    assert_eq!(record(store, &taken, 1), Recorded::New);
    assert_eq!(store.backlog().unwrap(), 0);
    let waiting = received(Some("sub-w"), event("w@example.com", &["pending"]));
    record_unhandled(store, &waiting, 2);
    store.mark_handled(waiting.idempotency_key()).unwrap();
    assert_eq!(store.backlog().unwrap(), 0);
    assert!(claim(store, "o", 3).is_empty());
}

fn run_suite(fresh: &dyn Fn() -> Box<dyn CallbackStore>) {
    let cases: [(&str, Case); 12] = [
        (
            "outbox order",
            the_outbox_delivers_each_submission_in_commit_order,
        ),
        ("outbox lease", an_expired_lease_is_claimed_again),
        ("outbox park", a_parked_event_is_kept_and_lets_the_next_go),
        ("outbox handled", handled_events_leave_the_outbox),
        ("registrations", registrations_expire_and_can_be_removed),
        (
            "duplicates",
            the_same_body_twice_for_one_submission_is_one_event,
        ),
        (
            "resubmission",
            a_resubmission_keeps_both_cycles_and_ends_approved,
        ),
        ("late pending", a_late_pending_does_not_undo_a_decision),
        ("handled", an_unhandled_event_stays_unhandled_until_marked),
        ("static", static_values_name_no_submission),
        ("listing", listing_is_oldest_first_and_limited),
        ("filters", every_filter_shape_selects_exactly_its_events),
    ];
    for (name, case) in cases {
        eprintln!("case: {name}");
        case(fresh().as_ref());
    }
}

#[test]
fn the_memory_store_keeps_every_promise() {
    run_suite(&|| Box::new(MemoryStore::new()));
}

#[test]
fn the_sqlite_store_keeps_every_promise() {
    let counter = std::sync::atomic::AtomicUsize::new(0);
    run_suite(&|| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Box::new(SqliteStore::open(sqlite_path(&format!("suite-{n}"))).unwrap())
    });
}

/// The Redis store lists by reading its stream a page (1,000 entries) at a time: a page
/// without one match must be passed over, not sent as an empty pipeline.
#[test]
fn a_redis_listing_passes_over_pages_without_a_match() {
    let redis = RedisServer::start().expect("this test needs redis-server");
    let store = RedisStore::open(&redis.url()).unwrap();
    for i in 0..1_200u64 {
        let email = if i < 1_100 {
            format!("other{i}@example.com")
        } else {
            "late@example.com".to_owned()
        };
        let _ = record(
            &store,
            &received(Some(&format!("sub-{i}")), event(&email, &["pending"])),
            i,
        );
    }
    let late = store
        .events(&EventFilter::all().email("late@example.com"))
        .unwrap();
    assert_eq!(late.len(), 100);
    let none = store
        .events(&EventFilter::all().email("nobody@example.com"))
        .unwrap();
    assert!(none.is_empty());
}

/// A stream written before contacts had lists of stream ids is indexed on its first listing
/// by email, and what is recorded afterwards is listed too.
#[test]
fn a_redis_stream_without_contact_lists_is_indexed_once() {
    let redis = RedisServer::start().expect("this test needs redis-server");
    let store = RedisStore::open(&redis.url()).unwrap();
    for i in 0..5u64 {
        let email = if i % 2 == 0 {
            "Old@example.com"
        } else {
            "other@example.com"
        };
        let _ = record(
            &store,
            &received(Some(&format!("sub-{i}")), event(email, &["pending"])),
            i,
        );
    }
    // What an older version left: the stream and the events, no lists, no completion mark.
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_connection().unwrap();
    let lists: Vec<String> = redis::cmd("KEYS")
        .arg("clever-kyc:by_email*")
        .query(&mut connection)
        .unwrap();
    assert!(!lists.is_empty(), "the record script writes contact lists");
    redis::cmd("DEL")
        .arg(&lists)
        .query::<()>(&mut connection)
        .unwrap();
    let fresh = RedisStore::open(&redis.url()).unwrap();
    let times = |store: &RedisStore| -> Vec<_> {
        store
            .events(&EventFilter::all().email("old@EXAMPLE.com"))
            .unwrap()
            .iter()
            .map(|e| e.received_at)
            .collect()
    };
    assert_eq!(times(&fresh), [at(0), at(2), at(4)]);
    let _ = record(
        &fresh,
        &received(Some("sub-new"), event("old@example.com", &["approved"])),
        9,
    );
    assert_eq!(times(&fresh), [at(0), at(2), at(4), at(9)]);
    // Another handle, which finds the index complete, lists the same.
    assert_eq!(
        times(&RedisStore::open(&redis.url()).unwrap()),
        times(&fresh)
    );
}

#[test]
fn the_redis_store_keeps_every_promise() {
    let redis = RedisServer::start().expect("this test needs redis-server");
    let counter = std::sync::atomic::AtomicUsize::new(0);
    run_suite(&|| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Box::new(
            RedisStore::open(&redis.url())
                .unwrap()
                .with_prefix(format!("suite-{n}")),
        )
    });
}

#[test]
fn a_sqlite_store_survives_reopening() {
    let path = sqlite_path("reopen");
    let callback = received(Some("sub-durable"), event("d@example.com", &["approved"]));
    {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(record(&store, &callback, 1), Recorded::New);
    }
    let store = SqliteStore::open_existing(&path).unwrap();
    assert_eq!(
        record(&store, &callback, 2),
        Recorded::Duplicate { handled: true }
    );
    assert_eq!(
        store
            .statuses(&Email::parse("d@example.com").unwrap())
            .unwrap()[0]
            .latest_status,
        KycStatus::Approved
    );
}

#[test]
fn opening_a_missing_sqlite_store_for_reading_creates_nothing() {
    let path = sqlite_path("missing");
    let err = SqliteStore::open_existing(&path).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("could not open the sqlite store at"),
        "{err}"
    );
    assert!(!path.exists());
}

/// Many threads on two "replicas" (two stores on one server) race on each event: exactly
/// one of them records it.
#[test]
fn replicas_sharing_redis_never_both_record_one_delivery() {
    let redis = RedisServer::start().expect("this test needs redis-server");
    let replicas = [
        Arc::new(RedisStore::open(&redis.url()).unwrap()),
        Arc::new(RedisStore::open(&redis.url()).unwrap()),
    ];
    let callbacks: Arc<Vec<_>> = Arc::new(
        (0..200)
            .map(|i| {
                received(
                    Some(&format!("sub-{i}")),
                    event("race@example.com", &["pending"]),
                )
            })
            .collect(),
    );
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = Arc::clone(&replicas[t % 2]);
            let callbacks = Arc::clone(&callbacks);
            std::thread::spawn(move || {
                callbacks
                    .iter()
                    .filter(|c| record(store.as_ref(), c, 1) == Recorded::New)
                    .count()
            })
        })
        .collect();
    let new: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(new, 200);
    let events = replicas[0].events(&EventFilter::all()).unwrap();
    assert_eq!(events.len(), 200);
    assert!(events.iter().all(|e| e.deliveries == 8));
}

/// Two SQLite stores on one file (two processes on one host) also agree.
#[test]
fn two_sqlite_handles_on_one_file_never_both_record_one_delivery() {
    let path = sqlite_path("shared");
    let stores = [
        Arc::new(SqliteStore::open(&path).unwrap()),
        Arc::new(SqliteStore::open(&path).unwrap()),
    ];
    let callback = Arc::new(received(
        Some("sub-shared"),
        event("s@example.com", &["pending"]),
    ));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&stores[t % 2]);
            let callback = Arc::clone(&callback);
            std::thread::spawn(move || {
                (0..20)
                    .filter(|_| record(store.as_ref(), &callback, 1) == Recorded::New)
                    .count()
            })
        })
        .collect();
    let new: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(new, 1);
    assert_eq!(
        stores[1].events(&EventFilter::all()).unwrap()[0].deliveries,
        80
    );
}

/// Replicas claiming from one outbox at once: every event is claimed by exactly one of them.
fn replicas_claim_each_event_once(stores: [Arc<dyn CallbackStore>; 2]) {
    let callbacks: Vec<_> = (0..200)
        .map(|i| {
            received(
                Some(&format!("sub-{i}")),
                event("r@example.com", &["pending"]),
            )
        })
        .collect();
    for callback in &callbacks {
        record_unhandled(stores[0].as_ref(), callback, 1);
    }
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = Arc::clone(&stores[t % 2]);
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                loop {
                    let claimed = store
                        .claim(&OutboxClaim::new(
                            format!("owner-{t}"),
                            at(2),
                            Duration::from_secs(600),
                            7,
                        ))
                        .unwrap();
                    if claimed.is_empty() {
                        break;
                    }
                    for pending in claimed {
                        store
                            .delivered(&pending.event.idempotency_key, at(3))
                            .unwrap();
                        mine.push(pending.event.idempotency_key);
                    }
                }
                mine
            })
        })
        .collect();
    let mut all: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let claimed = all.len();
    all.sort_unstable_by_key(|k| k.to_hex());
    all.dedup();
    assert_eq!(
        (claimed, all.len()),
        (200, 200),
        "an event was claimed twice"
    );
    assert_eq!(stores[1].backlog().unwrap(), 0);
}

#[test]
fn replicas_on_sqlite_claim_each_event_once() {
    let path = sqlite_path("outbox-replicas");
    replicas_claim_each_event_once([
        Arc::new(SqliteStore::open(&path).unwrap()),
        Arc::new(SqliteStore::open(&path).unwrap()),
    ]);
}

#[test]
fn replicas_on_redis_claim_each_event_once() {
    let redis = RedisServer::start().expect("this test needs redis-server");
    replicas_claim_each_event_once([
        Arc::new(RedisStore::open(&redis.url()).unwrap()),
        Arc::new(RedisStore::open(&redis.url()).unwrap()),
    ]);
}
