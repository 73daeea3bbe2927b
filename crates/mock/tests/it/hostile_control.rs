//! The control API under hostile input: every count and duration capped with a 400, no
//! input that panics a task or aborts the process, and a history that stays bounded.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::{http, post, start};

async fn control(mock: &clever_kyc_mock::MockServer, path: &str, body: &Value) -> (u16, String) {
    let response = http()
        .post(format!("{}{path}", mock.base_url()))
        .header("Content-Type", "application/json")
        .header("app-id", crate::APP_ID)
        .header("secret-key", crate::SECRET)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn every_out_of_range_control_input_is_answered_400_and_the_simulator_stays_up() {
    let mock = start().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/__mock/faults",
            json!({"fault": {"kind": "internal_error"}, "times": 72_057_594_037_927_936u64}),
            "times",
        ),
        (
            "/__mock/faults",
            json!({"fault": {"kind": "internal_error"}, "times": u64::MAX}),
            "times",
        ),
        (
            "/__mock/faults",
            json!({"fault": {"kind": "internal_error"}, "times": 0}),
            "times",
        ),
        (
            "/__mock/faults",
            json!({"fault": {"kind": "latency", "millis": u64::MAX}}),
            "millis",
        ),
        (
            "/__mock/faults",
            json!({"fault": {"kind": "rate_limited", "retry_after_secs": u64::MAX}}),
            "retry_after_secs",
        ),
        (
            "/__mock/faults",
            json!({"fault": {"kind": "oversized_body", "bytes": u64::MAX}}),
            "bytes",
        ),
        (
            "/__mock/faults",
            json!({"fault": {"kind": "respond", "status": 1000, "body": ""}}),
            "status",
        ),
        (
            "/__mock/faults",
            json!({"fault": {"kind": "redirect", "location": "a\nb"}}),
            "location",
        ),
        (
            "/__mock/faults",
            json!({"fault": {"kind": "no_such_fault"}}),
            "expected",
        ),
        ("/__mock/faults", json!({"times": -1}), "expected"),
        (
            "/__mock/tokens",
            json!({"outcome": "approved", "ttl_secs": u64::MAX}),
            "ttl_secs",
        ),
        (
            "/__mock/tokens",
            json!({"outcome": "approved", "ttl_secs": -5}),
            "expected",
        ),
    ];
    for (path, body, names) in cases {
        let (status, text) = control(&mock, path, &body).await;
        assert_eq!(status, 400, "{body}: {text}");
        assert!(text.contains(names), "{body}: {text}");
    }
    // A large but allowed count is one entry with a counter, not a million copies.
    let (status, _) = control(
        &mock,
        "/__mock/faults",
        &json!({"fault": {"kind": "internal_error"}, "times": 1_000_000}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = post(
        &mock,
        r#"{"email":"a@example.com","token":"approved-1"}"#,
        crate::SECRET,
    )
    .await;
    assert_eq!(
        status, 500,
        "the fault applies and the simulator is still up"
    );
}

#[tokio::test]
async fn unauthenticated_requests_are_recorded_without_their_bodies_and_history_is_bounded() {
    let mock = start().await;
    let token = "t".repeat(60 * 1024 - 100);
    let body = format!(r#"{{"email":"a@example.com","token":"{token}"}}"#);
    let (status, _) = post(&mock, body.clone(), "wrong-secret").await;
    assert_eq!(status, 401);
    let (status, _) = post(
        &mock,
        format!(r#"{{"email":"b@example.com","token":"expired-{token}"}}"#),
        crate::SECRET,
    )
    .await;
    assert_eq!(status, 422);
    let requests = mock.requests();
    assert_eq!(
        requests[0].token, None,
        "an unauthenticated body is not kept"
    );
    assert_eq!(requests[0].email, None);
    assert_eq!(
        requests[1].token.as_ref().map(String::len),
        Some(clever_kyc_mock::MAX_RECORDED_TEXT),
        "stored tokens are cut"
    );
    let response = http()
        .get(format!("{}/__mock/requests", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[clever_kyc_mock::DROPPED_HEADER], "0");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Property: no JSON body to a control route is answered with a 5xx or brings the
    /// simulator down.
    #[test]
    fn no_control_body_crashes_the_simulator(
        kind in prop::sample::select(vec!["latency", "rate_limited", "service_unavailable", "oversized_body", "respond", "redirect", "stall", "nonsense"]),
        number in any::<u64>(),
        signed in any::<i64>(),
        text in ".{0,64}",
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let mock = start().await;
            let bodies = [
                json!({"fault": {"kind": kind, "millis": number, "retry_after_secs": number, "bytes": number, "status": number, "body": text, "location": text}, "times": number}),
                json!({"fault": {"kind": kind, "millis": signed}, "times": signed}),
                json!({"outcome": text, "ttl_secs": number}),
                json!({"outcome": "approved", "ttl_secs": signed}),
                json!(text),
            ];
            for body in &bodies {
                for path in ["/__mock/faults", "/__mock/tokens"] {
                    let (status, text) = control(&mock, path, body).await;
                    prop_assert!(status < 500, "{path} {body}: {status} {text}");
                }
            }
            // Still up: the inspection route answers (a fault set above may apply to submits).
            let inspection = http()
                .get(format!("{}/__mock/requests", mock.base_url()))
                .send()
                .await
                .map(|r| r.status().as_u16());
            prop_assert_eq!(inspection.ok(), Some(200));
            mock.shutdown();
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn callback_urls_with_an_invalid_port_or_a_dns_localhost_are_refused_at_submit() {
    let mock = start().await;
    for url in [
        "http://127.0.0.1:9999999/cb",
        "http://127.0.0.1:0/cb",
        "http://localhost./cb",
    ] {
        let body = json!({
            "email": "a@example.com", "token": "approved-url",
            "webhook_notification": {"endpoint_url": url, "authorization_header": "secret"}
        });
        let (status, text) = post(&mock, body.to_string(), crate::SECRET).await;
        assert_eq!(status, 422, "{url}: {text}");
    }
    assert!(mock.deliveries().is_empty());
}

#[tokio::test]
async fn a_localhost_callback_is_resolved_once_and_delivered_to_loopback() {
    let mock = start().await;
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = receiver.local_addr().unwrap().port();
    let app = axum::Router::new().fallback(|| async { "" });
    tokio::spawn(async move { axum::serve(receiver, app).await });
    let body = json!({
        "email": "a@example.com", "token": "approved-localhost",
        "webhook_notification": {"endpoint_url": format!("http://localhost:{port}/cb"), "authorization_header": "secret"}
    });
    let (status, _) = post(&mock, body.to_string(), crate::SECRET).await;
    assert_eq!(status, 200);
    let (done, attempts) = mock
        .wait_for_deliveries(std::time::Duration::from_secs(5), |d| {
            d.iter().filter(|a| a.delivered).count() >= 2
        })
        .await;
    assert!(done, "{attempts:?}");
}

/// An unauthenticated client cannot make the simulator grow: control requests need the
/// merchant's credentials and are answered 401 unread; the fault queue is bounded.
#[tokio::test]
async fn control_requests_need_credentials_and_the_fault_queue_is_bounded() {
    let mock = start().await;
    for path in ["/__mock/faults", "/__mock/tokens"] {
        let response = http()
            .post(format!("{}{path}", mock.base_url()))
            .header("Content-Type", "application/json")
            .body(
                json!({"fault": {"kind": "internal_error"}, "times": 1, "outcome": "approved"})
                    .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401, "{path}");
    }
    assert!(mock.requests().is_empty());
    let mut last = 0;
    for _ in 0..=clever_kyc_mock::MAX_QUEUED_FAULTS {
        last = control(
            &mock,
            "/__mock/faults",
            &json!({"fault": {"kind": "internal_error"}, "times": 1}),
        )
        .await
        .0;
    }
    assert_eq!(last, 429, "the queue is full at its cap");
    assert!(
        mock.inject_fault(clever_kyc_mock::Fault::InternalError, 1)
            .is_err()
    );
}

/// Inspection answers are pages: `?limit=&after=`, with the next page's `after` in a header.
#[tokio::test]
async fn inspection_is_paginated() {
    let mock = start().await;
    for _ in 0..5 {
        let _ = post(
            &mock,
            r#"{"email":"a@example.com","token":"approved-page"}"#,
            "wrong",
        )
        .await;
    }
    let page = |query: &'static str| {
        let url = format!("{}/__mock/requests{query}", mock.base_url());
        async move {
            let response = http().get(url).send().await.unwrap();
            let next = response
                .headers()
                .get(clever_kyc_mock::NEXT_HEADER)
                .map(|v| v.to_str().unwrap().to_owned());
            let status = response.status().as_u16();
            let items: Value =
                serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
            (status, items, next)
        }
    };
    let (status, items, next) = page("?limit=2").await;
    assert_eq!(
        (status, items.as_array().map(Vec::len), next.as_deref()),
        (200, Some(2), Some("2"))
    );
    let (_, items, next) = page("?limit=2&after=4").await;
    assert_eq!((items[0]["id"].as_u64(), next), (Some(5), None));
    assert_eq!(page("?limit=0").await.0, 400);
    assert_eq!(page("?limit=1001").await.0, 400);
    assert_eq!(page("?after=x").await.0, 400);
}
