//! The blocking transport against the simulator: the shared conformance table, and a leak
//! audit of everything it logs and prints.

use clever_kyc_blocking::{Client, SubmitError, Submitted};
use clever_kyc_mock::audit::{LogCapture, find_leak};
use clever_kyc_mock::conformance::{self, TEST_AUTHORIZATION, TEST_SECRET_KEY};
use clever_kyc_mock::{BlockingMockServer, DeliverySchedule, MockConfig};

fn mock() -> BlockingMockServer {
    let mut config = MockConfig::new(conformance::credentials());
    config.delivery = DeliverySchedule::fast();
    config.stall = std::time::Duration::from_secs(5);
    BlockingMockServer::start(config).unwrap()
}

#[test]
fn every_conformance_case_with_no_secret_in_logs_or_debug_output() {
    let logs = LogCapture::install();
    let mut failures = Vec::new();
    let mut printed = String::new();
    println!("{:<32} | {:<45} | attempts", "case", "outcome");
    for case in conformance::cases() {
        let (mock, elsewhere) = (mock(), mock());
        let prepared = case.prepare(&mock, &elsewhere).unwrap();
        let client = Client::builder(prepared.environment.clone(), prepared.credentials.clone())
            .retry_policy(conformance::policy())
            .transport_settings(conformance::settings())
            .build()
            .unwrap();
        let outcome: Result<Submitted, SubmitError> = client.submit(&prepared.submission);
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
            printed.push_str(&clever_kyc_blocking::error_chain(e));
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
