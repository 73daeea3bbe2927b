//! A blocking service's whole hand-over, on the calling thread: the contact, its baseline,
//! a signed Sumsub share token, the submission, and, when the outcome is unknown,
//! reconciliation from the contact's record. Runs against the embedded simulator, which cuts
//! the first answer off to show the ambiguous case.
//!
//! Run: `cargo run -p clever-kyc-blocking --example blocking_service`.

use clever_kyc_blocking::*;
use clever_kyc_blocking::{
    clever_kyc_core::Credentials, clever_kyc_core::Email, clever_kyc_core::Environment,
    clever_kyc_core::callback::ContactType, clever_kyc_core::config::BaseUrl,
    clever_kyc_core::contact::KycBaseline, clever_kyc_core::contact::NewContact,
    clever_kyc_core::contact::Reconciliation, clever_kyc_core::sumsub::ShareTokenRequest,
    clever_kyc_core::sumsub::SumsubConfig,
};
use clever_kyc_mock::{
    BlockingMockServer, Fault, MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY, MockConfig,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::new("example-app", "example-secret")?;
    let mock = BlockingMockServer::start(MockConfig::new(credentials.clone()))?;
    let base = BaseUrl::parse(&mock.base_url())?;
    let client = Client::new(Environment::Custom(base.clone()), credentials)?;
    let sumsub = SumsubConfig::from_text(MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY)?
        .with_base_url(base)?;

    let email = Email::parse("ben+kyc@example.com")?;
    client.create_contact(
        &NewContact::builder()
            .email(email.as_str())
            .name("Ben", "Okafor")
            .contact_type(ContactType::Individual)
            .country("NG")
            .build()?,
    )?;
    let baseline = KycBaseline::of(client.contact_details(&email)?.as_ref());

    // The simulator processes the submission, then drops the connection before answering.
    mock.inject_fault(Fault::DropConnection, 1)?;
    let request = ShareTokenRequest::new("rejected-applicant", "helloclever")?;
    match client.submit_with_sumsub(&sumsub, &request, email.clone(), None) {
        Ok(done) => println!("accepted in {} attempt(s)", done.attempts()),
        Err(e) if e.may_have_been_processed() => {
            println!("outcome unknown: {e}");
            match client.reconcile(&email, &baseline)? {
                Reconciliation::TookEffect { latest } => {
                    println!("it took effect (latest entry {latest:?}): do not ask for a new token")
                }
                other => println!("not visible yet: {other:?}; check again later"),
            }
        }
        Err(e) if e.is_credentials_refused() => println!("fix the credentials: {e}"),
        Err(e) => println!("{} failed: {e}", e.operation()),
    }
    Ok(())
}
