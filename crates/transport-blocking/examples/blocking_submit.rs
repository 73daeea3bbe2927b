//! Submits a share token to a local simulator with the blocking client.
//! Run: `cargo run -p clever-kyc-blocking --example blocking_submit`.

use clever_kyc_blocking::{
    Client, clever_kyc_core::Credentials, clever_kyc_core::Environment,
    clever_kyc_core::KycSubmission, clever_kyc_core::config::BaseUrl,
};
use clever_kyc_mock::{BlockingMockServer, MockConfig, TokenOutcome};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::new("example-app", "example-secret")?;
    let mock = BlockingMockServer::start(MockConfig::new(credentials.clone()))?;

    let client = Client::new(
        Environment::Custom(BaseUrl::parse(&mock.base_url())?),
        credentials,
    )?;
    let token = mock.issue_token(TokenOutcome::Rejected);
    let submission = KycSubmission::builder()
        .email("contact@example.com")
        .token(token)
        .build()?;

    let submitted = client.submit(&submission)?;
    println!(
        "accepted: status {:?} after {} attempt(s)",
        submitted.value().status,
        submitted.attempts()
    );

    // The token is single use: a second submission is refused by the API.
    match client.submit(&submission) {
        Ok(_) => println!("unexpectedly accepted twice"),
        Err(e) => println!("second submission refused as expected: {e}"),
    }
    Ok(())
}
