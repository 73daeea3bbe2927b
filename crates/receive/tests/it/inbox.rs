//! The blocking receive call: 200 only for what is committed and handled.

use std::cell::Cell;
use std::time::Duration;

use clever_kyc_receive::*;
use clever_kyc_receive::{
    clever_kyc_core::AuthorizationValue, clever_kyc_core::Email,
    clever_kyc_core::callback::authorization_from_random_bytes,
    clever_kyc_core::callback::callback_request,
};

use crate::{at, event};

fn inbox() -> (CallbackInbox<MemoryStore>, IssuedSubmission) {
    let inbox = CallbackInbox::new(MemoryStore::new());
    let email = Email::parse("contact@example.com").unwrap();
    let issued = inbox
        .issue_submission(
            &email,
            at(0),
            clever_kyc_core::callback::Registration::DEFAULT_RETENTION,
        )
        .unwrap();
    (inbox, issued)
}

#[test]
fn a_failing_handler_answers_503_and_the_redelivery_runs_it_again() {
    let (inbox, issued) = inbox();
    let request = callback_request(
        "http://127.0.0.1/cb",
        &issued.authorization,
        &event("contact@example.com", &["approved"]),
    )
    .unwrap();
    let runs = Cell::new(0);
    let failing = inbox
        .receive(&request, at(1), |_| {
            runs.set(runs.get() + 1);
            Err(std::io::Error::other("the order service is down"))
        })
        .unwrap_err();
    assert_eq!(failing.http_status(), 503);
    assert!(matches!(failing, InboxError::Handler(_)));
    let receipt = inbox
        .receive(&request, at(2), |_| {
            runs.set(runs.get() + 1);
            Ok::<(), std::io::Error>(())
        })
        .unwrap();
    assert!(receipt.is_duplicate(), "committed by the first delivery");
    let after = inbox
        .receive(&request, at(3), |_| {
            runs.set(runs.get() + 1);
            Ok::<(), std::io::Error>(())
        })
        .unwrap();
    assert!(!after.needs_handling());
    assert_eq!(runs.get(), 2, "not run again once handled");
    assert_eq!(
        receipt.callback.submission_id(),
        Some(&issued.submission_id)
    );
    assert_eq!(receipt.email.as_deref(), Some("contact@example.com"));
}

#[test]
fn an_unregistered_or_removed_value_is_refused_with_401() {
    let (inbox, issued) = inbox();
    let stranger = authorization_from_random_bytes([42; 32]);
    let body = event("contact@example.com", &["approved"]);
    let request = callback_request("http://127.0.0.1/cb", &stranger, &body).unwrap();
    let refused = inbox.receive_and_commit(&request, at(1)).unwrap_err();
    assert_eq!(refused.http_status(), 401);

    assert!(inbox.unregister(&issued.authorization).unwrap());
    let request = callback_request("http://127.0.0.1/cb", &issued.authorization, &body).unwrap();
    assert_eq!(
        inbox
            .receive_and_commit(&request, at(1))
            .unwrap_err()
            .http_status(),
        401
    );
}

#[test]
fn a_registration_expires_after_its_retention() {
    let inbox = CallbackInbox::new(MemoryStore::new());
    let email = Email::parse("contact@example.com").unwrap();
    let issued = inbox
        .issue_submission(&email, at(0), Duration::from_secs(60))
        .unwrap();
    let request = callback_request(
        "http://127.0.0.1/cb",
        &issued.authorization,
        &event("contact@example.com", &["pending"]),
    )
    .unwrap();
    assert!(inbox.receive_and_commit(&request, at(59)).is_ok());
    assert_eq!(
        inbox
            .receive_and_commit(&request, at(60))
            .unwrap_err()
            .http_status(),
        401
    );
}

#[test]
fn static_values_are_accepted_and_name_no_submission() {
    let value = AuthorizationValue::new("Bearer shared").unwrap();
    let inbox = CallbackInbox::new(MemoryStore::new()).with_static_values([value.clone()]);
    let request = callback_request(
        "http://127.0.0.1/cb",
        &value,
        &event("contact@example.com", &["pending"]),
    )
    .unwrap();
    let receipt = inbox.receive_and_commit(&request, at(1)).unwrap();
    assert_eq!(receipt.callback.submission_id(), None);
    assert_eq!(receipt.recorded, Recorded::New);
}

#[test]
fn issued_values_are_fresh_and_long() {
    let (inbox, first) = inbox();
    let email = Email::parse("contact@example.com").unwrap();
    let second = inbox
        .issue_submission(
            &email,
            at(0),
            clever_kyc_core::callback::Registration::DEFAULT_RETENTION,
        )
        .unwrap();
    assert_ne!(first.authorization, second.authorization);
    assert_ne!(first.submission_id, second.submission_id);
    assert_eq!(first.authorization.expose_secret().len(), 50);
    assert!(!format!("{first:?}").contains(first.authorization.expose_secret()));
}

#[test]
fn the_memory_store_forgets_expired_registrations_as_new_ones_come() {
    let inbox = CallbackInbox::new(MemoryStore::new());
    let email = Email::parse("contact@example.com").unwrap();
    for _ in 0..2_000 {
        inbox
            .issue_submission(&email, at(0), Duration::from_secs(1))
            .unwrap();
    }
    // Registered at t=10 000 s: every earlier one has expired by then.
    for _ in 0..1_100 {
        inbox
            .issue_submission(&email, at(10_000), Duration::from_secs(1))
            .unwrap();
    }
    assert!(
        inbox.store().purge_expired(at(10_000)).unwrap() < 1_100,
        "the sweeps already forgot most of the 2,000 expired ones"
    );
}
