//! The `KYCStatusChanged` callback body: the contact record, read tolerantly.

use serde::{Deserialize, Serialize};

use crate::callback::identity::SubmissionId;
use crate::lenient::{open_enum, opt_string, opt_word};

open_enum!(
    /// A KYC status word. The docs list pending, approved and failed; the examples also use
    /// rejected; no closed list is published.
    KycStatus {
        /// Under review.
        Pending => "pending",
        /// Verified.
        Approved => "approved",
        /// Refused.
        Rejected => "rejected",
        /// Could not be completed.
        Failed => "failed",
    }
);

impl KycStatus {
    /// Whether no further change is expected (approved, rejected or failed).
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Approved | Self::Rejected | Self::Failed)
    }
}

open_enum!(
    /// The kind of contact.
    ContactType {
        /// A person.
        Individual => "individual",
        /// A company or other body.
        Organization => "organization",
    }
);

open_enum!(
    /// The contact's gender as recorded.
    Gender {
        /// Male.
        Male => "male",
        /// Female.
        Female => "female",
    }
);

open_enum!(
    /// The kind of identity document (the schema says `passport`, the example `Passport`).
    IdDocType {
        /// Passport.
        Passport => "passport",
        /// National identity card.
        IdCard => "id_card",
        /// Driving licence.
        DrivingLicense => "driving_license",
    }
);

/// The latest KYC submission's identity document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Identity {
    /// ISO 3166-1 alpha-2 country of issue.
    #[serde(default, deserialize_with = "opt_string")]
    pub issue_country: Option<String>,
    /// The kind of document.
    #[serde(default, deserialize_with = "opt_word")]
    pub id_doc_type: Option<IdDocType>,
    /// The document number.
    #[serde(default, deserialize_with = "opt_string")]
    pub document_number: Option<String>,
    /// Issue date, `yyyy-mm-dd` as sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub issue_date: Option<String>,
    /// Expiry date, `yyyy-mm-dd` as sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub expiry_date: Option<String>,
}

/// One KYC instance's status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KycStatusEntry {
    /// The status word; `None` when absent, empty or `"null"`.
    #[serde(default, deserialize_with = "opt_word")]
    pub kyc_status: Option<KycStatus>,
    /// The message; `None` when absent, empty or the string `"null"`.
    #[serde(default, deserialize_with = "opt_string")]
    pub message: Option<String>,
}

impl KycStatusEntry {
    /// An entry with a status and an optional message.
    pub fn new(kyc_status: KycStatus, message: Option<String>) -> Self {
        Self {
            kyc_status: Some(kyc_status),
            message,
        }
    }
}

/// A `KYCStatusChanged` callback: the contact record with its KYC statuses.
///
/// Every field is optional because the API's pages disagree on which are present; unknown
/// fields are ignored; enum words match in any casing and unknown words are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KycStatusChanged {
    /// The contact's email: the key to match the event with a submission.
    #[serde(default, deserialize_with = "opt_string")]
    pub email: Option<String>,
    /// First name.
    #[serde(default, deserialize_with = "opt_string")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "opt_string")]
    pub last_name: Option<String>,
    /// Individual or organization (`type` on the wire).
    #[serde(rename = "type", default, deserialize_with = "opt_word")]
    pub contact_type: Option<ContactType>,
    /// Date of birth, `yyyy-mm-dd` as sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub dob: Option<String>,
    /// Phone number as sent (`+61-412345678` or `+6123224242`).
    #[serde(default, deserialize_with = "opt_string")]
    pub phone: Option<String>,
    /// Registration number (organizations).
    #[serde(default, deserialize_with = "opt_string")]
    pub reg_no: Option<String>,
    /// Gender.
    #[serde(default, deserialize_with = "opt_word")]
    pub gender: Option<Gender>,
    /// Street.
    #[serde(default, deserialize_with = "opt_string")]
    pub street: Option<String>,
    /// City or town.
    #[serde(default, deserialize_with = "opt_string")]
    pub city: Option<String>,
    /// Postcode.
    #[serde(default, deserialize_with = "opt_string")]
    pub postal_code: Option<String>,
    /// State, province or county.
    #[serde(default, deserialize_with = "opt_string")]
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default, deserialize_with = "opt_string")]
    pub country: Option<String>,
    /// The latest KYC submission's document.
    #[serde(default)]
    pub identity: Option<Identity>,
    /// One entry per KYC instance, in the order sent.
    #[serde(default, deserialize_with = "statuses")]
    pub kyc_statuses: Vec<KycStatusEntry>,
}

fn statuses<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<KycStatusEntry>, D::Error> {
    Ok(Option::<Vec<KycStatusEntry>>::deserialize(d)?.unwrap_or_default())
}

impl KycStatusChanged {
    /// An event for `email` with the given statuses; other fields empty.
    pub fn new(email: impl Into<String>, kyc_statuses: Vec<KycStatusEntry>) -> Self {
        Self {
            email: Some(email.into()),
            kyc_statuses,
            ..Self::default()
        }
    }

    /// The latest status: the last entry that has one, in the order the API sent them.
    ///
    /// ```
    /// use clever_kyc_core::{callback::parse_kyc_status_changed, documented, KycStatus};
    /// let event = parse_kyc_status_changed(documented::KYC_STATUS_CHANGED.as_bytes())?;
    /// assert_eq!(event.latest_status(), Some(&KycStatus::Rejected));
    /// # Ok::<(), clever_kyc_core::callback::CallbackParseError>(())
    /// ```
    pub fn latest_status(&self) -> Option<&KycStatus> {
        self.kyc_statuses
            .iter()
            .rev()
            .find_map(|entry| entry.kyc_status.as_ref())
    }

    /// The latest entry with a status, with its message.
    pub fn latest(&self) -> Option<&KycStatusEntry> {
        self.kyc_statuses
            .iter()
            .rev()
            .find(|entry| entry.kyc_status.is_some())
    }

    /// A key that is equal for duplicate deliveries of the same event and differs when the
    /// contact or any status changes: SHA-256 (hex) over the event's canonical JSON.
    ///
    /// This key knows only the body. Two submissions for one email can carry identical
    /// bodies (a second cycle's `pending` after a first cycle's), so a receiver that knows
    /// the submission should use [`ReceivedCallback::idempotency_key`], which is scoped to
    /// it. Unknown fields and casing of known words do not affect either key; the order of
    /// `kyc_statuses` does.
    ///
    /// [`ReceivedCallback::idempotency_key`]: crate::callback::ReceivedCallback::idempotency_key
    pub fn idempotency_key(&self) -> IdempotencyKey {
        IdempotencyKey::of_canonical_json(&self.canonical_json())
    }

    /// The event's canonical JSON: field order fixed by this struct, absent values as
    /// `null`, known words in their documented spelling, unknown fields dropped. Receivers
    /// that print or store the event can serialize once and derive the key from this with
    /// [`IdempotencyKey::of_canonical_json`].
    pub fn canonical_json(&self) -> String {
        // Every field is a string, an option, a list or an open enum: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// See [`KycStatusChanged::idempotency_key`]: a SHA-256 digest, shown (and serialized) as
/// 64 lower-case hex digits. It is `Copy` and compared as bytes, so keeping a set of them in
/// memory costs no allocation per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey([u8; 32]);

impl IdempotencyKey {
    /// The key of an event whose [`canonical_json`](KycStatusChanged::canonical_json) is
    /// `json`.
    pub fn of_canonical_json(json: &str) -> Self {
        Self(crate::sha256::sha256(json.as_bytes()))
    }

    /// The key of an event with canonical JSON `json` received for `submission`: the same
    /// as [`of_canonical_json`](Self::of_canonical_json) without one, and distinct for each
    /// submission with one.
    pub fn scoped(submission: Option<&SubmissionId>, json: &str) -> Self {
        match submission {
            None => Self::of_canonical_json(json),
            Some(id) => {
                // Ids have no newline, so "submission:<id>\n<json>" is unambiguous.
                let mut hasher = crate::sha256::Sha256::new();
                hasher.update(b"submission:");
                hasher.update(id.as_str().as_bytes());
                hasher.update(b"\n");
                hasher.update(json.as_bytes());
                Self(hasher.finalize())
            }
        }
    }

    /// The key from its 32 bytes (as stored).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 64 hex digits, for storage.
    pub fn to_hex(&self) -> String {
        crate::hex::encode(&self.0)
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex = crate::hex::encode_32(&self.0);
        // Hex digits are ASCII.
        f.write_str(std::str::from_utf8(&hex).map_err(|_| std::fmt::Error)?)
    }
}

impl Serialize for IdempotencyKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}
