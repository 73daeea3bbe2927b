//! The simulator over real HTTP: every documented answer, the exact callbacks it sends,
//! retries, faults, inspection and concurrency.

mod callbacks;
mod contacts;
mod endpoint;
mod hostile_control;
mod openapi;

use std::time::Duration;

use clever_kyc_core::{Credentials, SUBMIT_PATH, TransportSettings};
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

/// An HTTP client with the SDK's safe settings.
pub fn http() -> reqwest::Client {
    clever_kyc_async::safe_reqwest_builder(&TransportSettings {
        request_timeout: Duration::from_secs(5),
        ..TransportSettings::default()
    })
    .unwrap()
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
        .post(format!("{}{SUBMIT_PATH}", mock.base_url()))
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
