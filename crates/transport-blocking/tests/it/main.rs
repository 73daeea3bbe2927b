//! The blocking transport against the simulator: the shared conformance table, with a leak
//! audit of everything it logs and prints.

use clever_kyc_blocking::{
    Client, clever_kyc_core::Environment, clever_kyc_core::KycSubmission,
    clever_kyc_core::config::BaseUrl,
};
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

/// A caller's own agent, configured with no timeout, redirects followed and error statuses
/// as errors, still gets the SDK's attempt timeout and reads the API's error bodies, as a
/// caller's reqwest client does.
#[test]
fn a_caller_supplied_agent_keeps_the_sdks_per_attempt_rules() {
    use std::time::{Duration, Instant};

    use clever_kyc_blocking::{
        clever_kyc_core::transport::TransportErrorKind,
        clever_kyc_core::transport::TransportSettings,
    };
    use clever_kyc_mock::Fault;

    let mock = mock();
    let careless: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(true)
        .max_redirects(10)
        .build()
        .into();
    let environment = Environment::Custom(BaseUrl::parse(&mock.base_url()).unwrap());
    let client = Client::builder(environment, conformance::credentials())
        .http_client(careless)
        .transport_settings(TransportSettings {
            request_timeout: Duration::from_millis(500),
            ..TransportSettings::default()
        })
        .build()
        .unwrap();
    let submission = |token: &str| {
        KycSubmission::builder()
            .email("a@example.com")
            .token(token)
            .build()
            .unwrap()
    };

    mock.inject_fault(Fault::Stall, 1)
        .expect("the fault queue has room");
    let started = Instant::now();
    let err = client.submit(&submission("approved-stalled")).unwrap_err();
    assert_eq!(
        err.transport_error().unwrap().kind(),
        TransportErrorKind::Timeout
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    // The 422's body is read (status errors off) and the message kept.
    let err = client.submit(&submission("expired-1")).unwrap_err();
    assert!(err.is_submission_refused(), "{err}");
    assert_eq!(
        err.response_error().unwrap().message(),
        Some("Token is invalid or expired")
    );

    // A redirect is reported, not followed (it would carry the secret-key).
    mock.inject_fault(
        Fault::Redirect {
            location: format!("{}/elsewhere", mock.base_url()),
        },
        1,
    )
    .expect("the fault queue has room");
    let err = client
        .submit(&submission("approved-redirected"))
        .unwrap_err();
    assert!(
        matches!(
            err.response_error(),
            Some(clever_kyc_blocking::clever_kyc_core::ResponseError::Redirect { .. })
        ),
        "{err}"
    );
}

/// A certificate no one trusts is refused during the handshake, before the request is
/// written: "not sent", retried like a refused connection, never "may have been processed".
#[test]
fn an_untrusted_certificate_is_not_sent_and_is_retried() {
    let server = clever_kyc_mock::UntrustedTlsServer::start().unwrap();
    let environment = Environment::Custom(BaseUrl::parse(&server.url()).unwrap());
    let client = Client::builder(environment, conformance::credentials())
        .retry_policy(conformance::policy())
        .build()
        .unwrap();
    let submission = KycSubmission::builder()
        .email("a@example.com")
        .token("tok")
        .build()
        .unwrap();
    let err = client.submit(&submission).unwrap_err();
    assert_eq!(
        err.outcome(),
        clever_kyc_blocking::clever_kyc_core::Outcome::NotSent,
        "{err}"
    );
    assert!(!err.may_have_been_processed(), "{err}");
    assert_eq!(
        err.attempts(),
        conformance::policy().max_attempts(),
        "{err}"
    );
    assert_eq!(server.requests(), 0);
}
