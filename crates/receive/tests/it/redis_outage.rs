//! A store that is down answers 503, never 200; once it is back, the redelivery is recorded.

use clever_kyc_receive::testing::RedisServer;
use clever_kyc_receive::*;
use clever_kyc_receive::{clever_kyc_core::Email, clever_kyc_core::callback::callback_request};

use crate::{at, event};

const DURABLE: &[&str] = &[
    "--save",
    "",
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
];

#[test]
fn redis_down_answers_503_and_the_redelivery_is_recorded_once_it_is_back() {
    let mut redis = RedisServer::start_with(DURABLE).expect("this test needs redis-server");
    let inbox = CallbackInbox::new(RedisStore::open(&redis.url()).unwrap());
    let email = Email::parse("outage@example.com").unwrap();
    let issued = inbox
        .issue_submission(
            &email,
            at(0),
            clever_kyc_core::callback::Registration::DEFAULT_RETENTION,
        )
        .unwrap();
    let request = callback_request(
        "http://127.0.0.1/cb",
        &issued.authorization,
        &event("outage@example.com", &["approved"]),
    )
    .unwrap();

    redis.stop();
    for _ in 0..3 {
        let down = inbox.receive_and_commit(&request, at(1)).unwrap_err();
        assert_eq!(down.http_status(), 503);
        assert!(
            matches!(down, InboxError::Store(StoreError::Unavailable { .. })),
            "{down:?}"
        );
    }

    redis.restart(DURABLE).unwrap();
    let receipt = inbox.receive_and_commit(&request, at(2)).unwrap();
    assert_eq!(receipt.recorded, Recorded::New);
    assert_eq!(
        receipt.callback.submission_id(),
        Some(&issued.submission_id)
    );
    let again = inbox.receive_and_commit(&request, at(3)).unwrap();
    assert_eq!(again.recorded, Recorded::Duplicate { handled: true });
    assert_eq!(inbox.store().events(&EventFilter::all()).unwrap().len(), 1);
}
