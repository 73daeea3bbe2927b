//! The blocking transport against the simulator: the shared conformance table, with a leak
//! audit of everything it logs and prints.

use clever_kyc_blocking::{BaseUrl, Client, Environment, KycSubmission};
use clever_kyc_mock::conformance::{self, Run};
use clever_kyc_mock::{BlockingMockServer, DeliverySchedule, MockConfig};

mod flow;

fn mock() -> BlockingMockServer {
    let mut config = MockConfig::new(conformance::credentials());
    config.delivery = DeliverySchedule::fast();
    config.stall = std::time::Duration::from_secs(5);
    BlockingMockServer::start(config).unwrap()
}

#[test]
fn every_conformance_case_with_no_secret_in_logs_or_debug_output() {
    let mut run = Run::start();
    for case in conformance::cases() {
        let (mock, elsewhere) = (mock(), mock());
        let prepared = case.prepare(&mock, &elsewhere).unwrap();
        let client = Client::builder(prepared.environment.clone(), prepared.credentials.clone())
            .retry_policy(conformance::policy())
            .transport_settings(conformance::settings())
            .build()
            .unwrap();
        let outcome = client.submit(&prepared.submission);
        run.record(&case, &outcome, &prepared, &mock, &elsewhere, &client);
    }
    let table = run.finish().unwrap_or_else(|failures| panic!("{failures}"));
    println!("{table}");
}

#[test]
fn a_rejected_token_reports_the_api_message() {
    let mock = mock();
    let environment = Environment::Custom(BaseUrl::parse(&mock.base_url()).unwrap());
    let client = Client::builder(environment, conformance::credentials())
        .build()
        .unwrap();
    let submission = KycSubmission::builder()
        .email("a@example.com")
        .token("expired-123")
        .build()
        .unwrap();
    let err = client.submit(&submission).unwrap_err();
    assert_eq!(
        err.response_error().unwrap().message(),
        Some("Token is invalid or expired")
    );
}
