//! The merchant flow over reqwest: the same operations as the blocking client, the list as a
//! stream.

use std::time::{Duration, SystemTime};

use clever_kyc_async::*;
use clever_kyc_async::{
    clever_kyc_core::Email, clever_kyc_core::Environment, clever_kyc_core::callback::ContactType,
    clever_kyc_core::config::BaseUrl, clever_kyc_core::contact::ContactListQuery,
    clever_kyc_core::contact::ContactPages, clever_kyc_core::contact::KycBaseline,
    clever_kyc_core::contact::NewContact, clever_kyc_core::sumsub::ShareTokenRequest,
    clever_kyc_core::sumsub::SumsubConfig, clever_kyc_core::utc::UtcDateTime,
};
use clever_kyc_mock::conformance;
use clever_kyc_mock::{
    DeliverySchedule, ListTotals, MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY, MockConfig,
    MockServer,
};
use futures_util::StreamExt;

#[tokio::test]
async fn contact_token_submission_and_the_list_as_a_stream() {
    let mut config = MockConfig::new(conformance::credentials());
    config.delivery = DeliverySchedule::fast();
    config.list_totals = ListTotals::Neither;
    let mock = MockServer::start(config).await.unwrap();
    let base = BaseUrl::parse(&mock.base_url()).unwrap();
    let client = Client::new(
        Environment::Custom(base.clone()),
        conformance::credentials(),
    )
    .unwrap();
    let sumsub = SumsubConfig::from_text(MOCK_SUMSUB_APP_TOKEN, MOCK_SUMSUB_SECRET_KEY)
        .unwrap()
        .with_base_url(base)
        .unwrap();

    let from = UtcDateTime::from_system_time(SystemTime::now() - Duration::from_secs(60));
    for i in 0..7 {
        let contact = NewContact::builder()
            .email(format!("s{i}@example.com"))
            .name("Ana", "Lee")
            .contact_type(ContactType::Individual)
            .build()
            .unwrap();
        client.create_contact(&contact).await.unwrap();
    }
    let email = Email::parse("s3@example.com").unwrap();
    let baseline = KycBaseline::of(client.contact_details(&email).await.unwrap().as_ref());
    let request = ShareTokenRequest::new("approved-applicant", "helloclever").unwrap();
    let submitted = client
        .submit_with_sumsub(&sumsub, &request, email.clone(), None)
        .await
        .unwrap();
    assert_eq!(submitted.attempts(), 1);
    assert!(
        client
            .reconcile(&email, &baseline)
            .await
            .unwrap()
            .took_effect()
    );

    let to = UtcDateTime::from_system_time(SystemTime::now() + Duration::from_secs(60));
    let pages = ContactPages::new(ContactListQuery::new(from, to).per_page(3));
    let emails: Vec<String> = client
        .contacts(pages)
        .map(|c| c.unwrap().email.unwrap())
        .collect()
        .await;
    assert_eq!(emails.len(), 7);
    assert_eq!(emails[3], "s3@example.com");
}
