//! The hand-written code a user would otherwise write: thirty lines of serde_json and http.

use http::{Request, Response};
use serde::Deserialize;

use crate::fixtures::{APP_ID, AUTH, SECRET, TOKEN};

/// `serde_json::json!` plus `http::Request::builder()`.
pub fn build_request() -> Request<Vec<u8>> {
    let body = serde_json::json!({
        "email": "contact@example.com",
        "token": TOKEN,
        "webhook_notification": {
            "endpoint_url": "https://merchant.example/kyc/callback",
            "authorization_header": AUTH,
        }
    });
    Request::builder()
        .method("POST")
        .uri("https://api.cleverhub.co/api/v2/contacts/share_token")
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .header("app-id", APP_ID)
        .header("secret-key", SECRET)
        .body(serde_json::to_vec(&body).unwrap_or_default())
        .unwrap_or_default()
}

/// The success body.
#[derive(Debug, Deserialize)]
pub struct Status {
    /// "Ok".
    pub status: String,
}

/// The error envelope.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    /// The errors object.
    pub errors: Errors,
}

/// The errors object.
#[derive(Debug, Deserialize)]
pub struct Errors {
    /// The code.
    pub code: Option<String>,
    /// The message.
    pub message: Option<String>,
}

/// What a hand-written client does with a response.
#[derive(Debug)]
pub enum Outcome {
    /// 200.
    Ok(Status),
    /// Anything else with the envelope.
    Err(u16, Envelope),
    /// Unreadable.
    Unreadable(u16),
}

/// Parses a response with derived structs.
pub fn parse_response(response: &Response<&[u8]>) -> Outcome {
    let status = response.status().as_u16();
    if status == 200 {
        serde_json::from_slice(response.body()).map_or(Outcome::Unreadable(status), Outcome::Ok)
    } else {
        serde_json::from_slice(response.body())
            .map_or(Outcome::Unreadable(status), |e| Outcome::Err(status, e))
    }
}

/// The callback record with derived structs: strict, no tolerance for the API's variants.
#[derive(Debug, Deserialize)]
pub struct Callback {
    /// Email.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Type.
    #[serde(rename = "type")]
    pub contact_type: Option<String>,
    /// Date of birth.
    pub dob: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Registration number.
    pub reg_no: Option<String>,
    /// Gender.
    pub gender: Option<String>,
    /// Street.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postcode.
    pub postal_code: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Identity.
    pub identity: Option<IdentityRecord>,
    /// Statuses.
    #[serde(default)]
    pub kyc_statuses: Vec<StatusRecord>,
}

/// Identity.
#[derive(Debug, Deserialize)]
pub struct IdentityRecord {
    /// Country of issue.
    pub issue_country: Option<String>,
    /// Document type.
    pub id_doc_type: Option<String>,
    /// Number.
    pub document_number: Option<String>,
    /// Issue date.
    pub issue_date: Option<String>,
    /// Expiry date.
    pub expiry_date: Option<String>,
}

/// One status.
#[derive(Debug, Deserialize)]
pub struct StatusRecord {
    /// Status.
    pub kyc_status: Option<String>,
    /// Message.
    pub message: Option<String>,
}

/// Verifies with `==` (not constant time) and parses with derived structs.
pub fn verify_and_parse(request: &Request<Vec<u8>>) -> Option<Callback> {
    let auth = request.headers().get("authorization")?;
    if auth.as_bytes() != AUTH.as_bytes() {
        return None;
    }
    serde_json::from_slice(request.body()).ok()
}
