//! The async transport against the simulator: the shared conformance table, with a leak
//! audit of everything it logs and prints.

use clever_kyc_async::{
    Client, clever_kyc_core::Environment, clever_kyc_core::KycSubmission,
    clever_kyc_core::config::BaseUrl,
};
use clever_kyc_mock::conformance::{self, Run};
use clever_kyc_mock::{DeliverySchedule, MockConfig, MockServer, TokenOutcome};

mod flow;

async fn mock() -> MockServer {
    let mut config = MockConfig::new(conformance::credentials());
    config.delivery = DeliverySchedule::fast();
    config.stall = std::time::Duration::from_secs(5);
    MockServer::start(config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_conformance_case_with_no_secret_in_logs_or_debug_output() {
    let mut run = Run::start();
    for case in conformance::cases() {
        let (mock, elsewhere) = (mock().await, mock().await);
        let prepared = case.prepare(&mock, &elsewhere).unwrap();
        let client = Client::builder(prepared.environment.clone(), prepared.credentials.clone())
            .retry_policy(conformance::policy())
            .transport_settings(conformance::settings())
            .build()
            .unwrap();
        let outcome = client.submit(&prepared.submission).await;
        run.record(&case, &outcome, &prepared, &mock, &elsewhere, &client);
    }
    let table = run.finish().unwrap_or_else(|failures| panic!("{failures}"));
    println!("{table}");
}

#[tokio::test]
async fn submitting_the_same_token_twice_is_refused_the_second_time() {
    let mock = mock().await;
    let token = mock.issue_token(TokenOutcome::Approved);
    let environment = Environment::Custom(BaseUrl::parse(&mock.base_url()).unwrap());
    let client = Client::builder(environment, conformance::credentials())
        .build()
        .unwrap();
    let submission = KycSubmission::builder()
        .email("a@example.com")
        .token(token)
        .build()
        .unwrap();
    assert_eq!(client.submit(&submission).await.unwrap().attempts(), 1);
    let second = client.submit(&submission).await.unwrap_err();
    assert!(second.is_submission_refused());
    assert_eq!(
        second.response_error().unwrap().message(),
        Some("Token has already been used")
    );
}

#[tokio::test]
async fn a_caller_supplied_client_that_follows_redirects_is_caught() {
    let (mock, elsewhere) = (mock().await, mock().await);
    mock.inject_fault(
        clever_kyc_mock::Fault::Redirect {
            location: format!("{}/anywhere", elsewhere.base_url()),
        },
        1,
    )
    .expect("the fault queue has room");
    let environment = Environment::Custom(BaseUrl::parse(&mock.base_url()).unwrap());
    let client = Client::builder(environment, conformance::credentials())
        // A user's own client with reqwest's default redirect policy (follow up to 10).
        .http_client(
            reqwest::Client::builder()
                .tls_backend_preconfigured(clever_kyc_async::rustls_config().unwrap())
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let submission = KycSubmission::builder()
        .email("a@example.com")
        .token("tok")
        .build()
        .unwrap();
    let err = client.submit(&submission).await.unwrap_err();
    assert_eq!(err.attempts(), 1, "a followed redirect must not be retried");
    assert_eq!(
        err.transport_error().map(|t| t.kind()),
        Some(clever_kyc_async::clever_kyc_core::transport::TransportErrorKind::RedirectFollowed),
        "{err}"
    );
}

#[tokio::test]
async fn a_caller_supplied_client_that_hits_its_redirect_limit_is_not_retried() {
    let mock = mock().await;
    // 307 keeps the POST and its body, so the client follows hop after hop to distinct URLs
    // until its limit (1) stops it.
    for hop in 1..=3 {
        let location = format!(
            "{}{}?hop={hop}",
            mock.base_url(),
            clever_kyc_async::clever_kyc_core::config::ApiConfig::SUBMIT_PATH
        );
        mock.inject_fault(clever_kyc_mock::Fault::TemporaryRedirect { location }, 1)
            .expect("the fault queue has room");
    }
    let environment = Environment::Custom(BaseUrl::parse(&mock.base_url()).unwrap());
    let client = Client::builder(environment, conformance::credentials())
        .http_client(
            reqwest::Client::builder()
                .tls_backend_preconfigured(clever_kyc_async::rustls_config().unwrap())
                .redirect(reqwest::redirect::Policy::limited(1))
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let submission = KycSubmission::builder()
        .email("a@example.com")
        .token("tok")
        .build()
        .unwrap();
    let err = client.submit(&submission).await.unwrap_err();
    assert_eq!(
        mock.requests().len(),
        2,
        "the first request and one followed hop"
    );
    assert_eq!(
        err.transport_error().map(|t| t.kind()),
        Some(clever_kyc_async::clever_kyc_core::transport::TransportErrorKind::RedirectFollowed),
        "{err}"
    );
    assert_eq!(
        err.attempts(),
        1,
        "a request that followed redirects must not be retried"
    );
    assert!(err.may_have_been_processed());
}

/// A certificate no one trusts is refused during the handshake, before the request is
/// written: "not sent", retried like a refused connection, as the blocking client does.
#[tokio::test]
async fn an_untrusted_certificate_is_not_sent_and_is_retried() {
    use clever_kyc_async::{
        Client, clever_kyc_core::Environment, clever_kyc_core::KycSubmission,
        clever_kyc_core::config::BaseUrl,
    };
    use clever_kyc_mock::conformance;
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
    let err = client.submit(&submission).await.unwrap_err();
    assert_eq!(
        err.outcome(),
        clever_kyc_async::clever_kyc_core::Outcome::NotSent,
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
