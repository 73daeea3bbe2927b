//! The async transport against the simulator: the shared conformance table, and a leak
//! audit of everything it logs and prints.

use clever_kyc_async::{Client, SubmitError, Submitted};
use clever_kyc_mock::audit::{LogCapture, find_leak};
use clever_kyc_mock::conformance::{self, TEST_AUTHORIZATION, TEST_SECRET_KEY};
use clever_kyc_mock::{DeliverySchedule, MockConfig, MockServer};

async fn mock() -> MockServer {
    let mut config = MockConfig::new(conformance::credentials());
    config.delivery = DeliverySchedule::fast();
    config.stall = std::time::Duration::from_secs(5);
    MockServer::start(config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_conformance_case_with_no_secret_in_logs_or_debug_output() {
    let logs = LogCapture::install();
    let mut failures = Vec::new();
    let mut printed = String::new();
    println!("{:<32} | {:<45} | attempts", "case", "outcome");
    for case in conformance::cases() {
        let (mock, elsewhere) = (mock().await, mock().await);
        let prepared = case.prepare(&mock, &elsewhere).unwrap();
        let client = Client::builder(prepared.environment.clone(), prepared.credentials.clone())
            .retry_policy(conformance::policy())
            .transport_settings(conformance::settings())
            .build()
            .unwrap();
        let outcome: Result<Submitted, SubmitError> = client.submit(&prepared.submission).await;
        let summary = match &outcome {
            Ok(done) => format!("accepted ({})", done.status),
            Err(e) => e.to_string().chars().take(45).collect(),
        };
        let attempts = outcome
            .as_ref()
            .map(|d| d.attempts)
            .unwrap_or_else(|e| e.attempts());
        println!("{:<32} | {:<45} | {attempts}", case.name, summary);
        printed.push_str(&format!("{outcome:?}\n{client:?}\n{prepared:?}\n"));
        if let Err(e) = &outcome {
            printed.push_str(&clever_kyc_async::error_chain(e));
        }
        if let Err(problem) = case.check(&outcome, &prepared, &mock, &elsewhere) {
            failures.push(problem);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let logged = logs.contents();
    assert!(
        logged.contains("sending KYC submission"),
        "the capture saw no tracing output"
    );
    let leak = find_leak(
        &[
            ("tracing output", &logged),
            ("Debug and Display output", &printed),
        ],
        &[TEST_SECRET_KEY, TEST_AUTHORIZATION],
    );
    assert_eq!(leak, None, "a secret leaked");
}

#[tokio::test]
async fn submitting_the_same_token_twice_is_refused_the_second_time() {
    let mock = mock().await;
    let token = mock.issue_token(clever_kyc_mock::TokenOutcome::Approved);
    let client = Client::builder(
        clever_kyc_async::Environment::Custom(
            clever_kyc_async::BaseUrl::parse(&mock.base_url()).unwrap(),
        ),
        conformance::credentials(),
    )
    .build()
    .unwrap();
    let submission = clever_kyc_async::KycSubmission::builder()
        .email("a@example.com")
        .token(token)
        .build()
        .unwrap();
    assert_eq!(client.submit(&submission).await.unwrap().attempts, 1);
    let second = client.submit(&submission).await.unwrap_err();
    assert!(second.is_rejection());
    assert_eq!(
        second.response_error().unwrap().message(),
        Some("Token has already been used")
    );
}
