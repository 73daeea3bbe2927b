//! The contact record a callback carries, shaped like the documented example.

use clever_kyc_core::{
    KycStatus, KycStatusChanged, callback::ContactType, callback::Gender, callback::IdDocType,
    callback::Identity, callback::KycStatusEntry,
};

/// The event announcing `status` for the contact `email`: the documented example's details
/// with the submitted email, and one status entry whose message follows the examples
/// (`"null"` as a string when there is nothing to say).
pub(crate) fn status_changed(email: &str, status: KycStatus) -> KycStatusChanged {
    let message = match status {
        KycStatus::Rejected => "KYC is rejected.",
        KycStatus::Failed => "KYC has failed.",
        _ => "null",
    };
    let mut identity = Identity::default();
    identity.issue_country = Some("AU".into());
    identity.id_doc_type = Some(IdDocType::Passport);
    identity.document_number = Some("12345678".into());
    identity.issue_date = Some("2024-04-16".into());
    identity.expiry_date = Some("2034-04-16".into());

    let mut event = KycStatusChanged::new(
        email,
        vec![KycStatusEntry::new(status, Some(message.into()))],
    );
    event.first_name = Some("Luyx".into());
    event.last_name = Some("Tran".into());
    event.contact_type = Some(ContactType::Individual);
    event.dob = Some("1991-12-24".into());
    event.phone = Some("+6123224242".into());
    event.reg_no = Some("123456789".into());
    event.gender = Some(Gender::Male);
    event.street = Some("338 George Street".into());
    event.city = Some("Sydney".into());
    event.postal_code = Some("2000".into());
    event.state = Some("New South Wales".into());
    event.country = Some("AU".into());
    event.identity = Some(identity);
    event
}
