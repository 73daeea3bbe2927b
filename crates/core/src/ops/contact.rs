//! Create Contact and Get Contact Details.

use std::time::SystemTime;

use http::{Method, Response, StatusCode};
use serde::{Deserialize, Serialize};

use crate::callback::event::{ContactType, Gender, KycStatusChanged};
use crate::config::{ApiConfig, CONTACT_DETAIL_PATH};
use crate::email::{Email, EmailError};
use crate::lenient::opt_string;
use crate::operation::{Operation, RetrySafety};
use crate::request::{HttpRequest, api_request, copy_request, encode_query_value};
use crate::response::{ErrorStyle, ResponseError, classify_failure, success_json};
use crate::utc::is_calendar_date;

/// A contact record as Get Contact Details and the contact list return it: the same shape as
/// the `KYCStatusChanged` callback, read as tolerantly.
pub type Contact = KycStatusChanged;

/// The longest free-text field accepted (names, street, city...).
const MAX_FIELD_BYTES: usize = 255;

/// Why a contact cannot be created as given. Names the field; never echoes more than it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContactError {
    /// A required field was not given.
    #[error("{0} is missing; Create Contact requires it")]
    Missing(&'static str),
    /// The email is not usable.
    #[error(transparent)]
    Email(#[from] EmailError),
    /// A field is blank, too long, or has a control character.
    #[error("{field} must be 1 to {MAX_FIELD_BYTES} bytes of text without control characters")]
    Text {
        /// The field.
        field: &'static str,
    },
    /// `dob` is not a calendar date written `yyyy-mm-dd`.
    #[error("dob must be a calendar date written yyyy-mm-dd")]
    Dob,
    /// `country` is not two ASCII letters (ISO 3166-1 alpha-2).
    #[error("country must be an ISO 3166-1 alpha-2 code such as AU")]
    Country,
    /// An organization needs its registration number.
    #[error("reg_no is required when type is organization")]
    RegNoRequired,
}

/// The body of Create Contact, validated. Build it with [`NewContact::builder`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewContact {
    email: Email,
    first_name: String,
    last_name: String,
    #[serde(rename = "type")]
    contact_type: ContactType,
    #[serde(skip_serializing_if = "Option::is_none")]
    dob: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reg_no: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gender: Option<Gender>,
    #[serde(skip_serializing_if = "Option::is_none")]
    street: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<String>,
}

impl NewContact {
    /// Starts a contact; `email`, `first_name`, `last_name` and `type` are required.
    ///
    /// ```
    /// use clever_kyc_core::{callback::ContactType, contact::NewContact};
    /// let contact = NewContact::builder()
    ///     .email("luyx@example.com")
    ///     .name("Luyx", "Tran")
    ///     .contact_type(ContactType::Individual)
    ///     .dob("1991-12-24")
    ///     .country("au")
    ///     .build()?;
    /// assert_eq!(contact.email().as_str(), "luyx@example.com");
    /// # Ok::<(), clever_kyc_core::contact::ContactError>(())
    /// ```
    pub fn builder() -> NewContactBuilder {
        NewContactBuilder::default()
    }

    /// The contact's email, the key of every other contact operation.
    pub fn email(&self) -> &Email {
        &self.email
    }
}

/// Builds a [`NewContact`]; every check runs in [`build`](Self::build).
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct NewContactBuilder {
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    contact_type: Option<ContactType>,
    dob: Option<String>,
    reg_no: Option<String>,
    phone: Option<String>,
    gender: Option<Gender>,
    street: Option<String>,
    city: Option<String>,
    postal_code: Option<String>,
    state: Option<String>,
    country: Option<String>,
}

macro_rules! text_setters {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.$name = Some(value.into());
                self
            }
        )+
    };
}

impl NewContactBuilder {
    text_setters!(
        /// The contact's email (required).
        email,
        /// First name (required).
        first_name,
        /// Last name (required).
        last_name,
        /// Date of birth, `yyyy-mm-dd`.
        dob,
        /// Registration number (required for an organization).
        reg_no,
        /// Phone number, e.g. `+61-412345678`.
        phone,
        /// Street.
        street,
        /// City or town.
        city,
        /// Postal code.
        postal_code,
        /// State or region.
        state,
        /// ISO 3166-1 alpha-2 country code (any casing; sent upper-case).
        country,
    );

    /// First and last name at once.
    pub fn name(self, first: impl Into<String>, last: impl Into<String>) -> Self {
        self.first_name(first).last_name(last)
    }

    /// Individual or organization (required).
    pub fn contact_type(mut self, contact_type: ContactType) -> Self {
        self.contact_type = Some(contact_type);
        self
    }

    /// Gender.
    pub fn gender(mut self, gender: Gender) -> Self {
        self.gender = Some(gender);
        self
    }

    /// Checks every field.
    ///
    /// # Errors
    /// [`ContactError`] naming the first field that is missing or malformed.
    pub fn build(self) -> Result<NewContact, ContactError> {
        let email = Email::parse(
            self.email
                .as_deref()
                .ok_or(ContactError::Missing("email"))?,
        )?;
        let required =
            |value: Option<String>, field| text(value, field)?.ok_or(ContactError::Missing(field));
        let first_name = required(self.first_name, "first_name")?;
        let last_name = required(self.last_name, "last_name")?;
        let contact_type = self.contact_type.ok_or(ContactError::Missing("type"))?;
        let dob = text(self.dob, "dob")?;
        if dob.as_deref().is_some_and(|d| !is_calendar_date(d)) {
            return Err(ContactError::Dob);
        }
        let reg_no = text(self.reg_no, "reg_no")?;
        if contact_type == ContactType::Organization && reg_no.is_none() {
            return Err(ContactError::RegNoRequired);
        }
        let country = match text(self.country, "country")? {
            Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
                Some(c.to_ascii_uppercase())
            }
            Some(_) => return Err(ContactError::Country),
            None => None,
        };
        Ok(NewContact {
            email,
            first_name,
            last_name,
            contact_type,
            dob,
            reg_no,
            phone: text(self.phone, "phone")?,
            gender: self.gender,
            street: text(self.street, "street")?,
            city: text(self.city, "city")?,
            postal_code: text(self.postal_code, "postal_code")?,
            state: text(self.state, "state")?,
            country,
        })
    }
}

/// An optional text field, trimmed; blank means absent.
fn text(value: Option<String>, field: &'static str) -> Result<Option<String>, ContactError> {
    let Some(value) = value else { return Ok(None) };
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.len() > MAX_FIELD_BYTES || trimmed.chars().any(char::is_control) {
        return Err(ContactError::Text { field });
    }
    Ok(Some(trimmed.to_owned()))
}

/// Create Contact's answer: the email of the contact created.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CreatedContact {
    /// The email, as the API echoed it.
    #[serde(default, deserialize_with = "opt_string")]
    pub email: Option<String>,
}

/// `POST /api/v2/contacts`. At most once: a repeated create after an unknown outcome could
/// answer with a duplicate-contact refusal that hides the first success.
pub struct CreateContact {
    request: HttpRequest,
}

impl std::fmt::Debug for CreateContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateContact").finish_non_exhaustive()
    }
}

impl CreateContact {
    /// Prepares the request.
    pub fn new(config: &ApiConfig, contact: &NewContact) -> Self {
        // Serializing validated strings cannot fail; the fallback keeps this total.
        let body = serde_json::to_vec(contact).unwrap_or_default();
        Self {
            request: api_request(
                config,
                Method::POST,
                config.contacts_uri.clone(),
                Some(body),
            ),
        }
    }
}

impl Operation for CreateContact {
    type Output = CreatedContact;
    const NAME: &'static str = "contact creation";
    const SAFETY: RetrySafety = RetrySafety::AtMostOnce;

    fn request(&self, _now: SystemTime) -> HttpRequest {
        copy_request(&self.request)
    }

    fn parse<B: AsRef<[u8]>>(
        &self,
        response: &Response<B>,
    ) -> Result<CreatedContact, ResponseError> {
        if response.status() != StatusCode::OK {
            return Err(match classify_failure(response, ErrorStyle::HelloClever) {
                ResponseError::Unprocessable {
                    code,
                    message,
                    body,
                } if message.as_deref().is_some_and(says_already_exists) => {
                    ResponseError::AlreadyExists {
                        code,
                        message,
                        body,
                    }
                }
                other => other,
            });
        }
        success_json(response)
    }
}

/// `GET /api/v2/contacts/detail?email=...`: the contact's record, or `None` when there is no
/// such contact. The API documents no answer for that; a 404 or a 400 in the API's error
/// envelope is read as "none", and any other (a proxy's page, an empty body, a wrong base
/// path) is an unexpected response, never "none".
///
/// ```
/// use clever_kyc_core::*;
/// use clever_kyc_core::{contact::ContactDetails};
/// let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret")?)?;
/// let op = ContactDetails::new(&config, &Email::parse("a+b@example.com")?);
/// let request = op.request(std::time::SystemTime::UNIX_EPOCH);
/// assert_eq!(request.uri().query(), Some("email=a%2Bb%40example.com"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ContactDetails {
    request: HttpRequest,
}

impl std::fmt::Debug for ContactDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactDetails").finish_non_exhaustive()
    }
}

impl ContactDetails {
    /// Prepares the lookup.
    pub fn new(config: &ApiConfig, email: &Email) -> Self {
        let uri = config.uri(&format!(
            "{CONTACT_DETAIL_PATH}?email={}",
            encode_query_value(email.as_str())
        ));
        Self {
            request: api_request(config, Method::GET, uri, None),
        }
    }
}

impl Operation for ContactDetails {
    type Output = Option<Contact>;
    const NAME: &'static str = "contact lookup";
    const SAFETY: RetrySafety = RetrySafety::Idempotent;

    fn request(&self, _now: SystemTime) -> HttpRequest {
        copy_request(&self.request)
    }

    fn parse<B: AsRef<[u8]>>(
        &self,
        response: &Response<B>,
    ) -> Result<Option<Contact>, ResponseError> {
        if response.status() == StatusCode::OK {
            return success_json(response).map(Some);
        }
        match classify_failure(response, ErrorStyle::HelloClever) {
            ResponseError::NotFound { .. } | ResponseError::BadRequest { .. } => Ok(None),
            other => Err(other),
        }
    }
}

/// Whether a 422's message says the email is taken. The API documents no wording, so this
/// reads the usual ones ("has already been taken", "already exists", "duplicate").
fn says_already_exists(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    ["already", "taken", "exists", "duplicate"]
        .iter()
        .any(|word| message.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Credentials, Environment};

    fn config() -> ApiConfig {
        ApiConfig::new(Environment::Sandbox, Credentials::new("app", "sk").unwrap()).unwrap()
    }

    fn full() -> NewContactBuilder {
        NewContact::builder()
            .email("luyx@example.com")
            .name("Luyx", "Tran")
            .contact_type(ContactType::Individual)
    }

    #[test]
    fn the_body_has_the_documented_names_and_only_what_was_given() {
        let contact = full()
            .dob("1991-12-24")
            .country("au")
            .gender(Gender::Male)
            .build()
            .unwrap();
        let op = CreateContact::new(&config(), &contact);
        let request = op.request(SystemTime::UNIX_EPOCH);
        assert_eq!(request.uri(), "https://api.cleverhub.co/api/v2/contacts");
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            r#"{"email":"luyx@example.com","first_name":"Luyx","last_name":"Tran","type":"individual","dob":"1991-12-24","gender":"male","country":"AU"}"#
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(NewContactBuilder, ContactError)> = vec![
            (
                NewContact::builder()
                    .name("a", "b")
                    .contact_type(ContactType::Individual),
                ContactError::Missing("email"),
            ),
            (full().first_name("  "), ContactError::Missing("first_name")),
            (full().dob("1991-02-30"), ContactError::Dob),
            (full().dob("24/12/1991"), ContactError::Dob),
            (full().country("AUS"), ContactError::Country),
            (
                full().contact_type(ContactType::Organization),
                ContactError::RegNoRequired,
            ),
            (full().city("a\nb"), ContactError::Text { field: "city" }),
            (
                full().street("x".repeat(256)),
                ContactError::Text { field: "street" },
            ),
        ];
        for (builder, expected) in cases {
            assert_eq!(builder.build().unwrap_err(), expected);
        }
    }

    #[test]
    fn creating_a_taken_email_is_already_exists_and_other_422s_are_invalid() {
        let contact = full().build().unwrap();
        let op = CreateContact::new(&config(), &contact);
        let r = Response::builder()
            .status(422)
            .body(r#"{"errors":{"message":"Email has already been taken"}}"#)
            .unwrap();
        let err = op.parse(&r).unwrap_err();
        assert!(
            matches!(err, ResponseError::AlreadyExists { .. }),
            "{err:?}"
        );
        assert!(!err.is_submission_refused());
        assert!(!err.to_string().contains("token"), "{err}");
        let r = Response::builder()
            .status(422)
            .body(r#"{"errors":{"message":"Email can't be blank"}}"#)
            .unwrap();
        assert!(op.parse(&r).unwrap_err().is_submission_refused());
    }

    #[test]
    fn a_missing_contact_is_none_and_a_server_error_is_an_error() {
        let op = ContactDetails::new(&config(), &Email::parse("a@example.com").unwrap());
        let envelope = r#"{"errors":{"code":"BAD_REQUEST","message":"Contact not found"}}"#;
        for status in [400, 404] {
            let r = Response::builder().status(status).body(envelope).unwrap();
            assert_eq!(op.parse(&r).unwrap(), None);
            // A proxy's page, or a base URL with a wrong path: never "no such contact".
            for page in ["{}", "", "<html><body>404 Not Found</body></html>"] {
                let r = Response::builder().status(status).body(page).unwrap();
                let err = op.parse(&r).unwrap_err();
                assert_eq!(
                    err.outcome(),
                    crate::Outcome::Refused(crate::Refusal::Unrecognized),
                    "{status} {page:?}"
                );
            }
        }
        let r = Response::builder().status(401).body("").unwrap();
        assert!(op.parse(&r).unwrap_err().is_credentials_refused());
        let r = Response::builder()
            .status(200)
            .body(crate::documented::KYC_STATUS_CHANGED)
            .unwrap();
        let contact = op.parse(&r).unwrap().unwrap();
        assert_eq!(contact.email.as_deref(), Some("test@helloclever.co"));
    }
}
