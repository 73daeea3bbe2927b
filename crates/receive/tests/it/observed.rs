//! The receiver leaves a trace: refusals (status and reason, never the Authorization value),
//! failures (with the handler's own words) and commits are `tracing` events.

use std::io::Write;
use std::sync::{Arc, Mutex};

use clever_kyc_receive::clever_kyc_core::AuthorizationValue;
use clever_kyc_receive::clever_kyc_core::Email;
use clever_kyc_receive::clever_kyc_core::callback::callback_request;
use clever_kyc_receive::{CallbackInbox, MemoryStore};

use crate::{at, event};

/// Every line the subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[test]
fn refusals_failures_and_commits_are_logged_without_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let inbox = CallbackInbox::new(MemoryStore::new());
        let email = Email::parse("contact@example.com").unwrap();
        let issued = inbox
            .issue_submission(
                &email,
                at(0),
                clever_kyc_core::callback::Registration::DEFAULT_RETENTION,
            )
            .unwrap();
        let body = event("contact@example.com", &["approved"]);

        // A forged callback: 401, logged with its reason, never with the value it carried.
        let forged = AuthorizationValue::new("Bearer forged-value-7c1f").unwrap();
        let request = callback_request("http://127.0.0.1/cb", &forged, &body).unwrap();
        let refused = inbox.receive(&request, at(1), |_| Ok::<(), std::io::Error>(()));
        assert_eq!(refused.unwrap_err().http_status(), 401);

        // A handler that fails: 503, logged with the handler's own words.
        let request =
            callback_request("http://127.0.0.1/cb", &issued.authorization, &body).unwrap();
        let failed = inbox.receive(&request, at(2), |_| {
            Err(std::io::Error::other("the order service is down"))
        });
        assert_eq!(failed.unwrap_err().http_status(), 503);

        // The redelivery commits and is handled.
        inbox
            .receive(&request, at(3), |_| Ok::<(), std::io::Error>(()))
            .unwrap();
    });
    let logs = captured.text();
    assert!(
        logs.contains("callback refused") && logs.contains("status=401"),
        "{logs}"
    );
    assert!(
        logs.contains("callback failed") && logs.contains("the order service is down"),
        "{logs}"
    );
    assert!(logs.contains("callback committed"), "{logs}");
    assert!(
        !logs.contains("forged-value-7c1f"),
        "a header value was logged: {logs}"
    );
    assert!(
        !logs.contains("Bearer"),
        "a header value was logged: {logs}"
    );
}
