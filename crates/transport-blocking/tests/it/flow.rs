//! The whole merchant flow against the simulator: contact, Sumsub share token, submission,
//! read-back, reconciliation and the paged contact list.

use std::time::{Duration, SystemTime};

use clever_kyc_blocking::*;
use clever_kyc_blocking::{
    clever_kyc_core::Email, clever_kyc_core::Environment, clever_kyc_core::KycStatus,
    clever_kyc_core::ResponseError, clever_kyc_core::callback::ContactType,
    clever_kyc_core::config::BaseUrl, clever_kyc_core::contact::ContactListError,
    clever_kyc_core::contact::ContactListQuery, clever_kyc_core::contact::ContactPages,
    clever_kyc_core::contact::KycBaseline, clever_kyc_core::contact::NewContact,
    clever_kyc_core::contact::Reconciliation, clever_kyc_core::sumsub::ShareTokenRequest,
    clever_kyc_core::sumsub::SumsubConfig, clever_kyc_core::utc::UtcDateTime,
};
use clever_kyc_mock::conformance;
use clever_kyc_mock::{
    BlockingMockServer, DeliverySchedule, ListTotals, MOCK_SUMSUB_APP_TOKEN,
    MOCK_SUMSUB_SECRET_KEY, MockConfig,
};

fn mock(totals: ListTotals) -> BlockingMockServer {
    let mut config = MockConfig::new(conformance::credentials());
    config.delivery = DeliverySchedule::fast();
    config.list_totals = totals;
    BlockingMockServer::start(config).unwrap()
}

fn client(mock: &BlockingMockServer) -> Client {
    let environment = Environment::Custom(BaseUrl::parse(&mock.base_url()).unwrap());
    Client::new(environment, conformance::credentials()).unwrap()
}

fn sumsub(mock: &BlockingMockServer, secret: &str) -> SumsubConfig {
    SumsubConfig::from_text(MOCK_SUMSUB_APP_TOKEN, secret)
        .unwrap()
        .with_base_url(BaseUrl::parse(&mock.base_url()).unwrap())
        .unwrap()
}

fn contact(email: &str) -> NewContact {
    NewContact::builder()
        .email(email)
        .name("Luyx", "Tran")
        .contact_type(ContactType::Individual)
        .dob("1991-12-24")
        .country("au")
        .build()
        .unwrap()
}

#[test]
fn contact_token_submission_and_reconciliation_end_to_end() {
    let mock = mock(ListTotals::TotalPage);
    let client = client(&mock);
    let email = Email::parse("luyx+kyc@example.com").unwrap();

    assert_eq!(
        client.contact_details(&email).unwrap(),
        None,
        "not created yet"
    );
    let created = client.create_contact(&contact(email.as_str())).unwrap();
    assert_eq!(created.email.as_deref(), Some(email.as_str()));
    let again = client.create_contact(&contact(email.as_str())).unwrap_err();
    // A typed "already exists", never a refused submission (no token advice).
    assert_eq!(
        again.refusal(),
        Some(clever_kyc_blocking::clever_kyc_core::Refusal::AlreadyExists),
        "{again}"
    );
    assert!(!again.is_submission_refused(), "{again}");

    // The `+` survives the query string: the lookup finds the contact it just created.
    let before = client
        .contact_details(&email)
        .unwrap()
        .expect("the contact");
    assert_eq!(before.country.as_deref(), Some("AU"));
    let baseline = KycBaseline::of(Some(&before));

    let request = ShareTokenRequest::new("rejected-applicant-1", "helloclever")
        .unwrap()
        .with_ttl(Duration::from_secs(600))
        .unwrap();
    let submitted = client
        .submit_with_sumsub(
            &sumsub(&mock, MOCK_SUMSUB_SECRET_KEY),
            &request,
            email.clone(),
            None,
        )
        .unwrap();
    assert_eq!(
        (submitted.value().status.as_str(), submitted.attempts()),
        ("Ok", 1)
    );

    let reconciled = client.reconcile(&email, &baseline).unwrap();
    assert!(reconciled.took_effect(), "{reconciled:?}");
    // The simulator finishes the KYC on its schedule; the record then shows the outcome.
    let deadline = SystemTime::now() + Duration::from_secs(5);
    loop {
        let now = client.contact_details(&email).unwrap().unwrap();
        if now.latest_status() == Some(&KycStatus::Rejected) {
            break;
        }
        assert!(SystemTime::now() < deadline, "never rejected: {now:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let unchanged = client
        .reconcile(
            &email,
            &KycBaseline::of(client.contact_details(&email).unwrap().as_ref()),
        )
        .unwrap();
    assert!(!unchanged.took_effect());
    let stranger = Email::parse("nobody@example.com").unwrap();
    assert_eq!(
        client
            .reconcile(&stranger, &KycBaseline::unknown())
            .unwrap(),
        Reconciliation::NoSuchContact
    );
}

#[test]
fn a_share_token_signed_with_the_wrong_key_is_refused_by_name() {
    let mock = mock(ListTotals::TotalPage);
    let client = client(&mock);
    let request = ShareTokenRequest::new("applicant", "helloclever").unwrap();
    let err = client
        .share_token(&sumsub(&mock, "not-the-key"), &request)
        .unwrap_err();
    assert!(err.is_credentials_refused(), "{err}");
    assert_eq!(err.operation(), "Sumsub share token request");
    assert_eq!(
        err.response_error().unwrap().code(),
        Some("app-token-invalid-signature")
    );
    let missing = ShareTokenRequest::new("missing-applicant", "helloclever").unwrap();
    let err = client
        .share_token(&sumsub(&mock, MOCK_SUMSUB_SECRET_KEY), &missing)
        .unwrap_err();
    assert!(
        matches!(err.response_error(), Some(ResponseError::NotFound { .. })),
        "{err}"
    );
    // Nothing was submitted when the token step failed.
    assert!(mock.submissions().is_empty());
}

#[test]
fn the_contact_list_is_walked_whatever_totals_the_api_sends() {
    for totals in [
        ListTotals::TotalPage,
        ListTotals::Total,
        ListTotals::Both,
        ListTotals::Neither,
    ] {
        let mock = mock(totals);
        let client = client(&mock);
        let from = UtcDateTime::from_system_time(SystemTime::now() - Duration::from_secs(60));
        for i in 0..45 {
            client
                .create_contact(&contact(&format!("c{i}@example.com")))
                .unwrap();
        }
        let to = UtcDateTime::from_system_time(SystemTime::now() + Duration::from_secs(60));
        let pages = ContactPages::new(ContactListQuery::new(from, to).per_page(20));
        let emails: Vec<String> = client
            .contacts(pages)
            .map(|c| c.unwrap().email.unwrap())
            .collect();
        let expected: Vec<String> = (0..45).map(|i| format!("c{i}@example.com")).collect();
        assert_eq!(emails, expected, "{totals:?}");

        // A page limit below what the list needs ends the walk with a typed error.
        let pages =
            ContactPages::new(ContactListQuery::new(from, to).per_page(10)).with_max_pages(2);
        let items: Vec<_> = client.contacts(pages).collect();
        assert_eq!(items.len(), 21, "{totals:?}: 20 records, then the error");
        assert!(matches!(
            items.last(),
            Some(Err(ContactListError::PageLimit(_)))
        ));
    }
}
