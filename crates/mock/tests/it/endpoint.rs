//! `POST /api/v2/contacts/share_token`.

use clever_kyc_core::documented;
use serde_json::{Value, json};

use crate::{SECRET, post, start};

fn same_json(a: &str, b: &str) -> bool {
    serde_json::from_str::<Value>(a).unwrap() == serde_json::from_str::<Value>(b).unwrap()
}

#[tokio::test]
async fn the_seed_request_as_shown_is_accepted() {
    let mock = start().await;
    // The seed's headers and body shape exactly; its "string" placeholders stand for a real
    // email and token, and example.org for a callback the simulator will not leave loopback for.
    let mut body: Value = serde_json::from_str(documented::SUBMIT_REQUEST).unwrap();
    body["email"] = json!("seed@example.com");
    let (status, text) = post(&mock, body.to_string(), SECRET).await;
    assert_eq!(status, 200, "{text}");
    assert!(same_json(&text, documented::SUBMIT_200_OK));
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_the_documented_401() {
    let mock = start().await;
    let (status, text) = post(&mock, r#"{"email":"a@example.com","token":"t"}"#, "wrong").await;
    assert_eq!(status, 401);
    assert!(
        same_json(&text, documented::SUBMIT_401_NOT_AUTHORISED),
        "{text}"
    );
    let response = crate::http()
        .post(format!(
            "{}{}",
            mock.base_url(),
            clever_kyc_core::config::ApiConfig::SUBMIT_PATH
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_blank_email_gets_the_documented_422() {
    let mock = start().await;
    for body in [
        r#"{"token":"t"}"#,
        r#"{"email":"  ","token":"t"}"#,
        r#"{"email":null,"token":"t"}"#,
    ] {
        let (status, text) = post(&mock, body, SECRET).await;
        assert_eq!(status, 422);
        assert!(
            same_json(&text, documented::SUBMIT_422_EMAIL_BLANK),
            "{text}"
        );
    }
}

#[tokio::test]
async fn other_field_problems_get_422s_in_the_same_style() {
    let mock = start().await;
    let cases = [
        (json!({"email": "a@example.com"}), "Token can't be blank"),
        (
            json!({"email": "not-an-email", "token": "t"}),
            "Email is invalid",
        ),
        (
            json!({"email": "a@example.com", "token": "t", "webhook_notification": {"endpoint_url": "http://merchant.example/cb", "authorization_header": "x"}}),
            "Webhook notification endpoint url is invalid",
        ),
        (
            json!({"email": "a@example.com", "token": "t", "webhook_notification": {"endpoint_url": "https://merchant.example/cb"}}),
            "Webhook notification authorization header can't be blank",
        ),
        (
            json!({"email": "a@example.com", "token": "expired-1"}),
            "Token is invalid or expired",
        ),
    ];
    for (body, message) in cases {
        let (status, text) = post(&mock, body.to_string(), SECRET).await;
        assert_eq!(status, 422, "{text}");
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            json!({"errors": {"message": message}})
        );
    }
}

#[tokio::test]
async fn a_token_is_spent_once() {
    let mock = start().await;
    let body = r#"{"email":"a@example.com","token":"approved-once"}"#;
    assert_eq!(post(&mock, body, SECRET).await.0, 200);
    let (status, text) = post(&mock, body, SECRET).await;
    assert_eq!(
        (status, text.contains("Token has already been used")),
        (422, true),
        "{text}"
    );
    assert_eq!(mock.submissions().len(), 1);
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_a_400_envelope() {
    let mock = start().await;
    for body in ["", "[1]", "<html>", "\"x\""] {
        let (status, text) = post(&mock, body, SECRET).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap()["errors"]["code"],
            "BAD_REQUEST"
        );
    }
}

#[tokio::test]
async fn an_oversized_request_body_is_a_413() {
    let mock = start().await;
    let (status, _) = post(&mock, vec![b' '; 100 * 1024], SECRET).await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn faults_and_tokens_can_be_scripted_over_http() {
    let mock = start().await;
    let http = crate::http();
    let response = http
        .post(format!("{}/__mock/faults", mock.base_url()))
        .body(
            json!({"fault": {"kind": "rate_limited", "retry_after_secs": 7}, "times": 1})
                .to_string(),
        )
        .header("content-type", "application/json")
        .header("app-id", crate::APP_ID)
        .header("secret-key", SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let token: Value = http
        .post(format!("{}/__mock/tokens", mock.base_url()))
        .body(json!({"outcome": "rejected"}).to_string())
        .header("content-type", "application/json")
        .header("app-id", crate::APP_ID)
        .header("secret-key", SECRET)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    let body = json!({"email": "a@example.com", "token": token["token"]}).to_string();
    let (status, _) = post(&mock, body.clone(), SECRET).await;
    assert_eq!(status, 429);
    assert_eq!(post(&mock, body, SECRET).await.0, 200);
    let requests: Value = http
        .get(format!("{}/__mock/requests", mock.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(requests[0]["fault"], "rate_limited");
    assert_eq!(requests[0]["processed"], false);
    assert_eq!(requests[1]["processed"], true);
    let submissions: Value = http
        .get(format!("{}/__mock/submissions", mock.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(submissions[0]["outcome"], "rejected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_keeps_serving_under_concurrent_load() {
    let mock = start().await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let url = mock.base_url();
        tasks.push(tokio::spawn(async move {
            let body = format!(r#"{{"email":"c{i}@example.com","token":"approved-load-{i}"}}"#);
            crate::http()
                .post(format!(
                    "{url}{}",
                    clever_kyc_core::config::ApiConfig::SUBMIT_PATH
                ))
                .header("app-id", crate::APP_ID)
                .header("secret-key", SECRET)
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
    assert_eq!(mock.submissions().len(), 200);
}

#[tokio::test]
async fn a_latency_fault_delays_but_still_processes_the_submission() {
    let mock = start().await;
    mock.inject_fault(clever_kyc_mock::Fault::Latency { millis: 50 }, 1)
        .expect("the fault queue has room");
    let (status, _) = post(
        &mock,
        r#"{"email":"a@example.com","token":"approved-slow"}"#,
        SECRET,
    )
    .await;
    assert_eq!(status, 200);
    let record = &mock.requests()[0];
    assert_eq!(
        (record.fault.as_deref(), record.processed),
        (Some("latency"), true)
    );
    assert_eq!(mock.submissions().len(), 1);
}

#[tokio::test]
async fn a_default_fault_applies_until_cleared() {
    let mock = start().await;
    mock.set_default_fault(Some(clever_kyc_mock::Fault::InternalError));
    assert_eq!(
        post(&mock, r#"{"email":"a@example.com","token":"t1"}"#, SECRET)
            .await
            .0,
        500
    );
    assert_eq!(
        post(&mock, r#"{"email":"a@example.com","token":"t2"}"#, SECRET)
            .await
            .0,
        500
    );
    mock.clear_faults();
    assert_eq!(
        post(&mock, r#"{"email":"a@example.com","token":"t3"}"#, SECRET)
            .await
            .0,
        200
    );
}
