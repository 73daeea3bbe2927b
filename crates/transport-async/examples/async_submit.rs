//! Submits three share tokens concurrently to a local simulator with the async client: one
//! accepted, one expired, one reused. Run:
//! `cargo run -p clever-kyc-async --example async_submit`.

use clever_kyc_async::{
    Client, clever_kyc_core::Credentials, clever_kyc_core::Environment,
    clever_kyc_core::KycSubmission, clever_kyc_core::config::BaseUrl,
};
use clever_kyc_mock::{MockConfig, MockServer, TokenOutcome};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::new("example-app", "example-secret")?;
    let mock = MockServer::start(MockConfig::new(credentials.clone())).await?;
    let client = Client::new(
        Environment::Custom(BaseUrl::parse(&mock.base_url())?),
        credentials,
    )?;

    let used = mock.issue_token(TokenOutcome::Approved);
    client
        .submit(
            &KycSubmission::builder()
                .email("first@example.com")
                .token(used.clone())
                .build()?,
        )
        .await?;

    let tokens = [
        ("fresh", mock.issue_token(TokenOutcome::Approved)),
        ("expired", mock.issue_token(TokenOutcome::Expired)),
        ("reused", used),
    ];
    let mut tasks = Vec::new();
    for (label, token) in tokens {
        let client = client.clone(); // clones share one connection pool
        let submission = KycSubmission::builder()
            .email(format!("{label}@example.com"))
            .token(token)
            .build()?;
        tasks.push(tokio::spawn(async move {
            (label, client.submit(&submission).await)
        }));
    }
    for task in tasks {
        match task.await? {
            (label, Ok(done)) => println!("{label}: accepted after {} attempt(s)", done.attempts()),
            (label, Err(e)) => println!("{label}: {e}"),
        }
    }
    Ok(())
}
