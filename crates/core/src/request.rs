//! Building the Submit KYC With Token request as an `http::Request`.

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT as USER_AGENT_HEADER};
use http::{HeaderName, HeaderValue, Method, Request, Uri};
#[cfg(test)]
use serde::Serialize;

use crate::config::{ApiConfig, USER_AGENT};
use crate::submission::KycSubmission;

/// The request type every transport sends: the `http` crate's, with the body as bytes.
pub type HttpRequest = Request<Vec<u8>>;

/// The `app-id` header name.
pub(crate) const APP_ID_HEADER: HeaderName = HeaderName::from_static("app-id");
/// The `secret-key` header name.
pub(crate) const SECRET_KEY_HEADER: HeaderName = HeaderName::from_static("secret-key");

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The JSON body, with exactly the documented field names. Written by [`Self::to_json`];
/// the derived `Serialize` is the reference the tests hold it to.
#[cfg_attr(test, derive(Serialize))]
pub(crate) struct SubmitBody<'a> {
    pub(crate) email: &'a str,
    pub(crate) token: &'a str,
    #[cfg_attr(test, serde(skip_serializing_if = "Option::is_none"))]
    pub(crate) webhook_notification: Option<WebhookBody<'a>>,
}

#[cfg_attr(test, derive(Serialize))]
pub(crate) struct WebhookBody<'a> {
    pub(crate) endpoint_url: &'a str,
    pub(crate) authorization_header: &'a str,
}

impl<'a> SubmitBody<'a> {
    /// The body as compact JSON, byte for byte what `serde_json::to_vec` writes, in one
    /// allocation: the strings rarely need escaping, so each is copied whole when it does
    /// not.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.unescaped_len());
        out.extend_from_slice(br#"{"email":"#);
        push_json_string(&mut out, self.email);
        out.extend_from_slice(br#","token":"#);
        push_json_string(&mut out, self.token);
        if let Some(hook) = &self.webhook_notification {
            out.extend_from_slice(br#","webhook_notification":{"endpoint_url":"#);
            push_json_string(&mut out, hook.endpoint_url);
            out.extend_from_slice(br#","authorization_header":"#);
            push_json_string(&mut out, hook.authorization_header);
            out.push(b'}');
        }
        out.push(b'}');
        out
    }

    /// The serialized length when no string needs escaping (the usual case).
    fn unescaped_len(&self) -> usize {
        const FIXED: usize = r#"{"email":"","token":""}"#.len();
        const WEBHOOK: usize =
            r#","webhook_notification":{"endpoint_url":"","authorization_header":""}"#.len();
        FIXED
            + self.email.len()
            + self.token.len()
            + self.webhook_notification.as_ref().map_or(0, |hook| {
                WEBHOOK + hook.endpoint_url.len() + hook.authorization_header.len()
            })
    }

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
/// use clever_kyc_core::{request::build_submit_request, ApiConfig, Credentials, Environment, KycSubmission};
/// let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret")?)?;
/// let submission = KycSubmission::builder().email("a@example.com").token("tok").build()?;
/// let request = build_submit_request(&config, &submission);
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.body(), br#"{"email":"a@example.com","token":"tok"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build_submit_request(config: &ApiConfig, submission: &KycSubmission) -> HttpRequest {
    let body = SubmitBody::from_submission(submission).to_json();
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

/// Appends `text` as a JSON string: quoted, with `"`, `\\` and control characters escaped
/// exactly as serde_json escapes them. Most strings need no escape and are copied whole.
fn push_json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    // A fold without early exit compiles to a vector loop: one pass to learn that the
    // string is clean, then one copy.
    let needs_escape = bytes.iter().fold(false, |acc, &b| {
        acc | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if !needs_escape {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut clean_from = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[clean_from..i]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.extend_from_slice(crate::hex::encode(&[byte]).as_bytes());
        } else {
            out.extend_from_slice(escape);
        }
        clean_from = i + 1;
    }
    out.extend_from_slice(&bytes[clean_from..]);
    out.push(b'"');
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

    /// The reference: what serde_json writes for the same body.
    fn serde_reference(body: &SubmitBody<'_>) -> Vec<u8> {
        serde_json::to_vec(body).unwrap()
    }

    #[test]
    fn every_ascii_byte_is_written_as_serde_json_writes_it() {
        for byte in 0u8..0x80 {
            let text = format!("a{}b", byte as char);
            let body = SubmitBody {
                email: &text,
                token: &text,
                webhook_notification: Some(WebhookBody {
                    endpoint_url: &text,
                    authorization_header: &text,
                }),
            };
            assert_eq!(body.to_json(), serde_reference(&body), "byte {byte:#04x}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_body_is_byte_for_byte_serde_jsons(
            email in "\\PC*",
            token in ".*",
            hook in proptest::option::of(("[ -~]*", "[\\x00-\\x7f\\u{e9}\\u{2028}]*")),
        ) {
            let body = SubmitBody {
                email: &email,
                token: &token,
                webhook_notification: hook.as_ref().map(|(url, auth)| WebhookBody {
                    endpoint_url: url,
                    authorization_header: auth,
                }),
            };
            proptest::prop_assert_eq!(body.to_json(), serde_reference(&body));
        }
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
