//! The KYCStatusChanged callbacks the simulator delivers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use clever_kyc_core::{KycStatus, callback::parse_kyc_status_changed, documented};
use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::{SECRET, start};

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    /// How many requests to fail with 500 before answering 200.
    fail_first: usize,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut seen = receiver.seen.lock().unwrap();
    seen.push((headers, body));
    if seen.len() <= receiver.fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

async fn serve(receiver: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/kyc/callback", post(receive))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/kyc/callback")
}

fn keys(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = format!("{prefix}{k}");
                out.push(path.clone());
                keys(v, &format!("{path}."), out);
            }
        }
        Value::Array(items) => {
            for item in items.iter().take(1) {
                keys(item, &format!("{prefix}[]."), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn callbacks_carry_the_documented_record_pending_then_final() {
    let mock = start().await;
    let receiver = Receiver::default();
    let url = serve(receiver.clone()).await;
    let body = serde_json::json!({
        "email": "luyx@example.com",
        "token": mock.issue_token(clever_kyc_mock::TokenOutcome::Rejected),
        "webhook_notification": {"endpoint_url": url, "authorization_header": "Bearer per-request-value"}
    });
    assert_eq!(crate::post(&mock, body.to_string(), SECRET).await.0, 200);
    let (done, _) = mock
        .wait_for_deliveries(Duration::from_secs(5), |a| {
            a.iter().filter(|d| d.delivered).count() == 2
        })
        .await;
    assert!(done);

    let seen = receiver.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    for (headers, _) in &seen {
        assert_eq!(headers["authorization"], "Bearer per-request-value");
        assert_eq!(headers["content-type"], "application/json");
    }
    let statuses: Vec<_> = seen
        .iter()
        .map(|(_, body)| {
            parse_kyc_status_changed(body)
                .unwrap()
                .latest_status()
                .cloned()
        })
        .collect();
    assert_eq!(
        statuses,
        [Some(KycStatus::Pending), Some(KycStatus::Rejected)]
    );

    // Field for field the shape of the documented example record.
    let documented: Value = serde_json::from_str(documented::KYC_STATUS_CHANGED).unwrap();
    let (mut want, mut got) = (Vec::new(), Vec::new());
    keys(&documented, "", &mut want);
    let sent: Value = serde_json::from_slice(&seen[1].1).unwrap();
    keys(&sent, "", &mut got);
    want.sort();
    got.sort();
    assert_eq!(got, want);
    insta::assert_snapshot!(
        "final_callback_body",
        serde_json::to_string_pretty(&sent).unwrap()
    );
    insta::assert_snapshot!("pending_callback_body", String::from_utf8_lossy(&seen[0].1));
}

#[tokio::test]
async fn a_receiver_that_fails_first_sees_the_same_payload_again() {
    let mock = start().await;
    let receiver = Receiver {
        fail_first: 1,
        ..Receiver::default()
    };
    let url = serve(receiver.clone()).await;
    let body = serde_json::json!({
        "email": "retry@example.com",
        "token": mock.issue_token(clever_kyc_mock::TokenOutcome::Pending),
        "webhook_notification": {"endpoint_url": url, "authorization_header": "secret"}
    });
    assert_eq!(crate::post(&mock, body.to_string(), SECRET).await.0, 200);
    let (done, attempts) = mock
        .wait_for_deliveries(Duration::from_secs(5), |a| a.iter().any(|d| d.delivered))
        .await;
    assert!(done, "{attempts:?}");
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        (attempts[0].http_status, attempts[0].delivered),
        (Some(500), false)
    );
    assert_eq!(
        (attempts[1].http_status, attempts[1].attempt),
        (Some(200), 2)
    );
    let seen = receiver.seen.lock().unwrap();
    assert_eq!(seen[0].1, seen[1].1, "a retry must carry the same bytes");
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_on_schedule_then_given_up() {
    let mock = start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cb", closed.local_addr().unwrap());
    drop(closed);
    let body = serde_json::json!({
        "email": "gone@example.com",
        "token": "pending-unreachable",
        "webhook_notification": {"endpoint_url": url, "authorization_header": "secret"}
    });
    assert_eq!(crate::post(&mock, body.to_string(), SECRET).await.0, 200);
    // The fast schedule: first attempt plus three retries.
    let (done, attempts) = mock
        .wait_for_deliveries(Duration::from_secs(5), |a| a.len() == 4)
        .await;
    assert!(done, "{attempts:?}");
    assert!(attempts.iter().all(|a| a.error.is_some() && !a.delivered));
}
