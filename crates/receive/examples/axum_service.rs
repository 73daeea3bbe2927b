//! An async service: registers a fresh callback value per submission, submits through the
//! async client, and receives the callbacks on an axum route that answers 200 only once each
//! event is committed to SQLite. Runs on loopback against the embedded simulator.
//!
//! Run: `cargo run -p clever-kyc-receive --features axum --example axum_service`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clever_kyc_async::Client;
use clever_kyc_mock::{
    DeliverySchedule, MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY, MockConfig, MockServer,
};
use clever_kyc_receive::*;
use clever_kyc_receive::{
    clever_kyc_core::Credentials, clever_kyc_core::Email, clever_kyc_core::Environment,
    clever_kyc_core::callback::ContactType, clever_kyc_core::config::BaseUrl,
    clever_kyc_core::contact::NewContact, clever_kyc_core::submission::WebhookNotification,
    clever_kyc_core::sumsub::ShareTokenRequest, clever_kyc_core::sumsub::SumsubConfig,
};
use tokio::sync::mpsc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::new("example-app", "example-secret")?;
    let mut config = MockConfig::new(credentials.clone());
    config.delivery = DeliverySchedule::fast();
    let mock = MockServer::start(config).await?;
    let base = BaseUrl::parse(&mock.base_url())?;

    // Receiving: every value is registered before its submission is sent.
    let db = std::env::temp_dir().join(format!("axum-service-{}.db", std::process::id()));
    let inbox = Arc::new(CallbackInbox::new(SqliteStore::open(&db)?));
    let (events, mut received) = mpsc::channel::<Receipt>(16);
    let app = callback_router(
        inbox.clone(),
        ReceiveLimits::default(),
        move |receipt: Receipt| {
            let events = events.clone();
            async move {
                // An error here answers 503, and Hello Clever delivers the event again.
                events
                    .send(receipt)
                    .await
                    .map_err(|_| "the service is stopping")
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let callback_url = format!("http://{}/kyc/callback", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app, ServerLimits::default(), async move {
        let _ = stopped.await;
    }));

    // Sending: the contact, a Sumsub share token, the submission with its own callback value.
    let client = Client::new(Environment::Custom(base.clone()), credentials)?;
    let sumsub = SumsubConfig::from_text(MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY)?
        .with_base_url(base)?;
    let email = Email::parse("ana@example.com")?;
    client
        .create_contact(
            &NewContact::builder()
                .email(email.as_str())
                .name("Ana", "Lee")
                .contact_type(ContactType::Individual)
                .build()?,
        )
        .await?;
    let issued = inbox.issue_submission(
        &email,
        SystemTime::now(),
        clever_kyc_core::callback::Registration::DEFAULT_RETENTION,
    )?;
    let webhook = WebhookNotification::new(&callback_url, issued.authorization.clone())?;
    let request = ShareTokenRequest::new("approved-applicant", "helloclever")?;
    let submitted = client
        .submit_with_sumsub(&sumsub, &request, email, Some(webhook))
        .await?;
    println!(
        "submitted {} in {} attempt(s)",
        issued.submission_id,
        submitted.attempts()
    );

    for _ in 0..2 {
        let receipt = tokio::time::timeout(Duration::from_secs(10), received.recv())
            .await?
            .ok_or("the route stopped")?;
        println!(
            "{:?} is {:?} (submission {:?})",
            receipt.email,
            receipt.callback.event().latest_status().map(|s| s.as_str()),
            receipt.callback.source()
        );
    }
    let _ = stop.send(());
    server.await?;
    let _ = std::fs::remove_file(&db);
    Ok(())
}
