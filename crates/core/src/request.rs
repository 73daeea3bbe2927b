//! Building the Submit KYC With Token request as an `http::Request`.

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT as USER_AGENT_HEADER};
use http::{HeaderName, HeaderValue, Method, Request, Uri};
use serde::Serialize;

use crate::config::{ApiConfig, USER_AGENT};
use crate::submission::KycSubmission;

/// The request type every transport sends: the `http` crate's, with the body as bytes.
pub type HttpRequest = Request<Vec<u8>>;

/// The `app-id` header name.
pub const APP_ID_HEADER: HeaderName = HeaderName::from_static("app-id");
/// The `secret-key` header name.
pub const SECRET_KEY_HEADER: HeaderName = HeaderName::from_static("secret-key");

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The JSON body, with exactly the documented field names.
#[derive(Serialize)]
pub(crate) struct SubmitBody<'a> {
    pub(crate) email: &'a str,
    pub(crate) token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) webhook_notification: Option<WebhookBody<'a>>,
}

#[derive(Serialize)]
pub(crate) struct WebhookBody<'a> {
    pub(crate) endpoint_url: &'a str,
    pub(crate) authorization_header: &'a str,
}

impl<'a> SubmitBody<'a> {
    fn from_submission(submission: &'a KycSubmission) -> Self {
        Self {
            email: submission.email().as_str(),
            token: submission.token().expose_secret(),
            webhook_notification: submission.webhook().map(|hook| WebhookBody {
                endpoint_url: hook.endpoint_url_str(),
                authorization_header: hook.authorization().expose_secret(),
            }),
        }
    }
}

/// Builds `POST {base}/api/v2/contacts/share_token` with `Accept` and `Content-Type`
/// `application/json`, `app-id`, `secret-key` (marked sensitive), the SDK's `User-Agent`
/// and the JSON body.
///
/// Cannot fail: the configuration and the submission were validated when they were made.
///
/// ```
/// use clever_kyc_core::{build_submit_request, ApiConfig, Credentials, Environment, KycSubmission};
/// let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret")?)?;
/// let submission = KycSubmission::builder().email("a@example.com").token("tok").build()?;
/// let request = build_submit_request(&config, &submission);
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.body(), br#"{"email":"a@example.com","token":"tok"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build_submit_request(config: &ApiConfig, submission: &KycSubmission) -> HttpRequest {
    let body = SubmitBody::from_submission(submission);
    // Serializing borrowed strings into a Vec cannot fail: no maps with non-string keys, no
    // failing Serialize impls. The fallback keeps this function total all the same.
    let body = serde_json::to_vec(&body).unwrap_or_default();
    api_request(config, Method::POST, config.submit_uri.clone(), Some(body))
}

/// A request to the Hello Clever API: `Accept: application/json`, the SDK's `User-Agent`,
/// `app-id`, `secret-key` (marked sensitive), and for a body `Content-Type:
/// application/json`.
pub(crate) fn api_request(
    config: &ApiConfig,
    method: Method,
    uri: Uri,
    body: Option<Vec<u8>>,
) -> HttpRequest {
    let has_body = body.is_some();
    let mut request = Request::new(body.unwrap_or_default());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.reserve(6);
    headers.insert(ACCEPT, JSON);
    if has_body {
        headers.insert(CONTENT_TYPE, JSON);
    }
    headers.insert(USER_AGENT_HEADER, HeaderValue::from_static(USER_AGENT));
    headers.insert(APP_ID_HEADER, config.app_id_header.clone());
    headers.insert(SECRET_KEY_HEADER, config.secret_key_header.clone());
    request
}

/// Percent-encodes a query value: everything but RFC 3986's unreserved characters, so a
/// `+` in an email arrives as `+` rather than as a space.
pub(crate) fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push_str(&crate::hex::encode(&[byte]).to_ascii_uppercase());
        }
    }
    out
}

/// Copies a prepared request for another attempt (`http::Request` is not `Clone` because of
/// its extensions, which this SDK does not use).
pub(crate) fn copy_request(request: &HttpRequest) -> HttpRequest {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    copy
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Credentials, Environment};

    fn config() -> ApiConfig {
        ApiConfig::new(
            Environment::Sandbox,
            Credentials::new("app-abc", "sk-should-not-appear").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn secret_key_is_marked_sensitive_and_hidden_from_debug() {
        let sub = KycSubmission::builder()
            .email("a@example.com")
            .token("tok")
            .build()
            .unwrap();
        let request = build_submit_request(&config(), &sub);
        let value = &request.headers()[SECRET_KEY_HEADER];
        assert!(value.is_sensitive());
        assert_eq!(value, "sk-should-not-appear");
        assert!(!format!("{request:?}").contains("sk-should-not-appear"));
    }

    #[test]
    fn copies_are_identical() {
        let sub = KycSubmission::builder()
            .email("a@example.com")
            .token("tok")
            .webhook("https://m.example/cb?x=1", "auth")
            .build()
            .unwrap();
        let request = build_submit_request(&config(), &sub);
        let copy = copy_request(&request);
        assert_eq!(copy.uri(), request.uri());
        assert_eq!(copy.headers(), request.headers());
        assert_eq!(copy.body(), request.body());
        assert!(copy.headers()[SECRET_KEY_HEADER].is_sensitive());
    }
}
