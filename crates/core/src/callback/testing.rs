//! Building callback requests exactly as Hello Clever sends them, for tests and simulators.

use http::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT as USER_AGENT_HEADER};
use http::{HeaderValue, Method, Request};

use crate::callback::event::KycStatusChanged;
use crate::config::USER_AGENT;
use crate::request::HttpRequest;
use crate::secret::AuthorizationValue;
use crate::submission::ValidationError;
use crate::url::parse_checked;

/// Builds the `KYCStatusChanged` POST that Hello Clever would send to `endpoint_url`:
/// `Authorization` set to the submission's value, `Content-Type: application/json`, and the
/// event as the JSON body. Use it to test your receiver; the simulator delivers with it.
///
/// # Errors
/// [`ValidationError::EndpointUrl`] when the URL is not absolute `https` (or loopback
/// `http`).
///
/// ```
/// use clever_kyc_core::*;
/// use clever_kyc_core::{callback::KycStatusEntry, callback::callback_request};
/// let secret = AuthorizationValue::new("s3cret")?;
/// let event = KycStatusChanged::new("a@example.com", vec![KycStatusEntry::new(KycStatus::Pending, None)]);
/// let request = callback_request("http://127.0.0.1:9/kyc", &secret, &event)?;
/// assert_eq!(request.headers()["authorization"], "s3cret");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn callback_request(
    endpoint_url: &str,
    authorization: &AuthorizationValue,
    event: &KycStatusChanged,
) -> Result<HttpRequest, ValidationError> {
    let uri = parse_checked(endpoint_url, true).map_err(ValidationError::EndpointUrl)?;
    let body = serde_json::to_vec(event).unwrap_or_default();
    let mut request = Request::new(body);
    *request.method_mut() = Method::POST;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT_HEADER, HeaderValue::from_static(USER_AGENT));
    // AuthorizationValue guarantees a valid header value; an unreachable failure leaves the
    // header out, which any receiver then refuses as missing.
    if let Ok(mut value) = HeaderValue::from_str(authorization.expose_secret()) {
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    Ok(request)
}
