//! The hand-written code a user would otherwise write: what a competent engineer writes with
//! serde and http (derived structs with borrowed fields, header values prepared once, the
//! same JSON reader as the SDK), each checked to produce the SDK's exact output. The naive
//! versions (`json!`, `Value`) are kept as extra rows, labelled naive.

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request, Response, Uri};
use serde::{Deserialize, Serialize};

use crate::fixtures::{APP_ID, AUTH, SECRET, TOKEN};

/// The submit body with borrowed fields (every hand-written submitter here sends this).
#[derive(Serialize)]
pub struct SubmitBody<'a> {
    /// The contact's email.
    pub email: &'a str,
    /// The share token.
    pub token: &'a str,
    /// Where callbacks go, if anywhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_notification: Option<Webhook<'a>>,
}

/// The body's `webhook_notification`.
#[derive(Serialize)]
pub struct Webhook<'a> {
    /// The callback URL.
    pub endpoint_url: &'a str,
    /// The value callbacks carry as `Authorization`.
    pub authorization_header: &'a str,
}

/// What a careful client prepares once, as `ApiConfig` does for the SDK: the URI and the
/// header values.
pub struct Prepared {
    uri: Uri,
    app_id: HeaderValue,
    secret_key: HeaderValue,
    json: HeaderValue,
    user_agent: HeaderValue,
}

impl Prepared {
    /// Prepares the sandbox endpoint and the fixture credentials.
    pub fn new() -> Self {
        let mut secret_key = HeaderValue::from_static(SECRET);
        secret_key.set_sensitive(true);
        Self {
            uri: Uri::from_static("https://api.cleverhub.co/api/v2/contacts/share_token"),
            app_id: HeaderValue::from_static(APP_ID),
            secret_key,
            json: HeaderValue::from_static("application/json"),
            user_agent: HeaderValue::from_static(clever_kyc_core::config::ApiConfig::USER_AGENT),
        }
    }

    /// One request: a derived struct serialized with `to_vec`, the prepared headers.
    pub fn build(
        &self,
        email: &str,
        token: &str,
        endpoint_url: &str,
        auth: &str,
    ) -> Request<Vec<u8>> {
        let body = SubmitBody {
            email,
            token,
            webhook_notification: Some(Webhook {
                endpoint_url,
                authorization_header: auth,
            }),
        };
        let mut request = Request::new(serde_json::to_vec(&body).unwrap_or_default());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.uri.clone();
        let headers = request.headers_mut();
        headers.reserve(6);
        headers.insert(ACCEPT, self.json.clone());
        headers.insert(CONTENT_TYPE, self.json.clone());
        headers.insert(USER_AGENT, self.user_agent.clone());
        headers.insert("app-id", self.app_id.clone());
        headers.insert("secret-key", self.secret_key.clone());
        request
    }

    /// The fixture submission.
    pub fn build_fixture(&self) -> Request<Vec<u8>> {
        self.build(
            "contact@example.com",
            TOKEN,
            "https://merchant.example/kyc/callback",
            AUTH,
        )
    }
}

impl Default for Prepared {
    fn default() -> Self {
        Self::new()
    }
}

/// Naive: `serde_json::json!` plus `http::Request::builder()`, everything per request.
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

/// Parses with the reader the SDK uses for callbacks: the UTF-8 checked once, then
/// `from_str` (faster on this record than `from_slice`, which checks each string).
pub fn from_same_reader<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Option<T> {
    serde_json::from_str(std::str::from_utf8(body).ok()?).ok()
}

/// Verifies with `==` (not constant time) and parses with derived structs.
pub fn verify_and_parse(request: &Request<Vec<u8>>) -> Option<Callback> {
    let auth = request.headers().get("authorization")?;
    if auth.as_bytes() != AUTH.as_bytes() {
        return None;
    }
    serde_json::from_slice(request.body()).ok()
}

#[cfg(test)]
mod same_output {
    use super::*;
    use crate::fixtures;

    #[test]
    fn the_prepared_baseline_builds_the_sdks_exact_request() {
        let sdk = clever_kyc_core::request::build_submit_request(
            &fixtures::config(),
            &fixtures::submission(),
        );
        let hand = Prepared::new().build_fixture();
        assert_eq!(hand.method(), sdk.method());
        assert_eq!(hand.uri(), sdk.uri());
        assert_eq!(hand.headers(), sdk.headers());
        assert_eq!(hand.body(), sdk.body());
    }

    #[test]
    fn a_submission_on_a_prepared_endpoint_builds_the_same_request() {
        let endpoint = clever_kyc_core::submission::WebhookEndpoint::new(
            "https://merchant.example/kyc/callback",
        )
        .unwrap();
        let submission = clever_kyc_core::KycSubmission::builder()
            .email("contact@example.com")
            .token(fixtures::TOKEN)
            .webhook_endpoint(&endpoint, fixtures::AUTH)
            .build()
            .unwrap();
        let sdk = clever_kyc_core::request::build_submit_request(&fixtures::config(), &submission);
        let hand = Prepared::new().build_fixture();
        assert_eq!(hand.uri(), sdk.uri());
        assert_eq!(hand.headers(), sdk.headers());
        assert_eq!(hand.body(), sdk.body());
    }

    #[test]
    fn the_derived_baseline_reads_the_fields_the_sdk_reads() {
        let body = fixtures::documented_callback();
        let sdk = clever_kyc_core::callback::parse_kyc_status_changed(&body).unwrap();
        let hand: Callback = from_same_reader(&body).unwrap();
        assert_eq!(hand.email, sdk.email);
        assert_eq!(hand.city, sdk.city);
        assert_eq!(hand.kyc_statuses.len(), sdk.kyc_statuses.len());
        for (h, s) in hand.kyc_statuses.iter().zip(&sdk.kyc_statuses) {
            assert_eq!(
                h.kyc_status.as_deref(),
                s.kyc_status.as_ref().map(|k| k.as_str())
            );
        }
        // Where the SDK does more, it says so: "null" is no message, "Passport" a passport.
        assert_eq!(hand.kyc_statuses[0].message.as_deref(), Some("null"));
        assert_eq!(sdk.kyc_statuses[0].message, None);
    }
}
