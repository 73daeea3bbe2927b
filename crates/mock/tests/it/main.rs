//! The simulator over real HTTP: every documented answer, the exact callbacks it sends,
//! retries, faults, inspection and concurrency.

mod callbacks;
mod contacts;
mod endpoint;
mod hostile_control;
mod openapi;

use std::time::Duration;

use clever_kyc_core::{Credentials, config::ApiConfig};
use clever_kyc_mock::{DeliverySchedule, MockConfig, MockServer};

/// The app-id the test simulator accepts.
pub const APP_ID: &str = "mock-app";
/// The secret-key the test simulator accepts.
pub const SECRET: &str = "mock-secret";

/// A simulator with the fast delivery schedule.
pub async fn start() -> MockServer {
    let mut config = MockConfig::new(Credentials::new(APP_ID, SECRET).unwrap());
    config.delivery = DeliverySchedule::fast();
    MockServer::start(config).await.unwrap()
}

/// An HTTP client built here, apart from the SDK's transports: rustls on ring with the
/// Mozilla roots, no redirects, no proxy, a 5 s timeout.
pub fn http() -> reqwest::Client {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// POSTs `body` to the submit endpoint with the documented headers.
pub async fn post(
    mock: &MockServer,
    body: impl Into<reqwest::Body>,
    secret: &str,
) -> (u16, String) {
    let response = http()
        .post(format!("{}{}", mock.base_url(), ApiConfig::SUBMIT_PATH))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .header("app-id", APP_ID)
        .header("secret-key", secret)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}
