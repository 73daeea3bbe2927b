//! The Submit KYC With Token request, validated before anything is built.

use std::fmt;
use std::sync::Arc;

use http::Uri;

use crate::email::{Email, EmailError};
use crate::secret::{AuthorizationValue, SecretValueError};
use crate::url::{UrlError, parse_checked};

pub use crate::call::Submitted;
pub use crate::ops::SubmitKyc;

/// The longest share token accepted: the API documents "at most 1 KB".
pub(crate) const MAX_TOKEN_BYTES: usize = 1024;

/// A Sumsub share token: opaque, single use, short-lived.
///
/// It is never parsed. Its `Debug` shows only its length, because whoever holds it can spend
/// it once.
#[derive(Clone, PartialEq, Eq)]
pub struct ShareToken(Box<str>);

impl ShareToken {
    /// Checks a token: non-empty, at most [`crate::submission::ShareToken::MAX_BYTES`], no white space or control
    /// characters.
    ///
    /// # Errors
    /// [`TokenError`] naming the rule that failed.
    pub fn new(value: impl Into<String>) -> Result<Self, TokenError> {
        let value = value.into();
        if value.is_empty() {
            return Err(TokenError::Empty);
        }
        if value.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong { len: value.len() });
        }
        // Real tokens are printable ASCII: one vectorisable pass says so. Otherwise walk
        // characters from the first byte that is not.
        if value
            .bytes()
            .fold(true, |acc, b| acc & b.is_ascii_graphic())
        {
            return Ok(Self(value.into_boxed_str()));
        }
        let ascii_prefix = value
            .bytes()
            .position(|b| !b.is_ascii_graphic())
            .unwrap_or(value.len());
        if let Some(position) = value[ascii_prefix..]
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || c.is_control())
            .map(|(i, _)| ascii_prefix + i)
        {
            return Err(TokenError::InvalidCharacter { position });
        }
        Ok(Self(value.into_boxed_str()))
    }

    /// The token, for the request body.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ShareToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShareToken(<{} bytes>)", self.0.len())
    }
}

/// Why a share token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Empty.
    #[error("is empty; obtain a share token from Sumsub first")]
    Empty,
    /// Longer than documented.
    #[error("is {len} bytes long; share tokens are at most {MAX_TOKEN_BYTES} bytes")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Contains white space or a control character, which a real token never has; usually a
    /// copy-and-paste accident.
    #[error(
        "has white space or a control character at byte {position}; tokens are opaque single words"
    )]
    InvalidCharacter {
        /// Byte offset of the first offending character.
        position: usize,
    },
}

/// A checked callback URL, prepared once and shared by every submission that uses it.
///
/// Merchants have one callback URL and a fresh authorization value per submission; checking
/// and writing the URL once keeps that work out of every request. Cloning is a reference
/// count.
///
/// ```
/// use clever_kyc_core::{KycSubmission, submission::WebhookEndpoint};
/// let endpoint = WebhookEndpoint::new("https://merchant.example/kyc/callback")?;
/// let submission = KycSubmission::builder()
///     .email("contact@example.com")
///     .token("_act-sbx-jwt-eyJhbGciOiJub25lIn0")
///     .webhook_endpoint(&endpoint, "Bearer per-request-secret")
///     .build()?;
/// assert_eq!(submission.webhook().unwrap().endpoint_url_str(), endpoint.as_str());
/// # Ok::<(), clever_kyc_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint(Arc<CheckedUrl>);

#[derive(Debug, PartialEq, Eq)]
struct CheckedUrl {
    uri: Uri,
    /// The URL as it is sent, written once here rather than for every request.
    text: Box<str>,
}

impl WebhookEndpoint {
    /// Checks an endpoint URL: absolute `https`, `http` only for loopback hosts, no user
    /// information or fragment.
    ///
    /// # Errors
    /// [`ValidationError::EndpointUrl`] for an unusable URL.
    pub fn new(endpoint_url: &str) -> Result<Self, ValidationError> {
        let uri = parse_checked(endpoint_url, true).map_err(ValidationError::EndpointUrl)?;
        // `Uri`'s own text is the input unless parsing normalised it (an empty path gains a
        // `/`, the scheme is lowercased); comparing is cheaper than formatting.
        let after_scheme = ["https://", "http://"]
            .iter()
            .find_map(|scheme| endpoint_url.strip_prefix(scheme));
        let authority = uri.authority().map_or(0, |a| a.as_str().len());
        let as_parsed = after_scheme
            .and_then(|rest| rest.get(authority..))
            .is_some_and(|path| path.starts_with('/'))
            && uri == *endpoint_url;
        let text = if as_parsed {
            endpoint_url.into()
        } else {
            uri.to_string().into_boxed_str()
        };
        Ok(Self(Arc::new(CheckedUrl { uri, text })))
    }

    /// The URL.
    pub fn uri(&self) -> &Uri {
        &self.0.uri
    }

    /// The URL as it is sent in `webhook_notification.endpoint_url`.
    pub fn as_str(&self) -> &str {
        &self.0.text
    }
}

/// Where and how Hello Clever should deliver `KYCStatusChanged` callbacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookNotification {
    endpoint: WebhookEndpoint,
    authorization: AuthorizationValue,
}

impl WebhookNotification {
    /// Checks an endpoint URL (absolute `https`, `http` only for loopback hosts) and pairs it
    /// with the value the callbacks will carry as `Authorization`.
    ///
    /// # Errors
    /// [`ValidationError::EndpointUrl`] for an unusable URL.
    pub fn new(
        endpoint_url: &str,
        authorization: AuthorizationValue,
    ) -> Result<Self, ValidationError> {
        Ok(Self::at(WebhookEndpoint::new(endpoint_url)?, authorization))
    }

    /// Pairs a checked endpoint with the value the callbacks will carry as `Authorization`.
    pub fn at(endpoint: WebhookEndpoint, authorization: AuthorizationValue) -> Self {
        Self {
            endpoint,
            authorization,
        }
    }

    /// The callback URL.
    pub fn endpoint_url(&self) -> &Uri {
        self.endpoint.uri()
    }

    /// The callback URL as it is sent in `webhook_notification.endpoint_url`.
    pub fn endpoint_url_str(&self) -> &str {
        self.endpoint.as_str()
    }

    /// The checked endpoint, to reuse for further submissions.
    pub fn endpoint(&self) -> &WebhookEndpoint {
        &self.endpoint
    }

    /// The value echoed as `Authorization` on every callback.
    pub fn authorization(&self) -> &AuthorizationValue {
        &self.authorization
    }
}

/// A validated Submit KYC With Token request: the contact's email, the Sumsub share token,
/// and optionally where to send status callbacks.
///
/// ```
/// use clever_kyc_core::KycSubmission;
/// let submission = KycSubmission::builder()
///     .email("contact@example.com")
///     .token("_act-sbx-jwt-eyJhbGciOiJub25lIn0")
///     .webhook("https://merchant.example/kyc/callback", "Bearer per-request-secret")
///     .build()?;
/// assert_eq!(submission.email().as_str(), "contact@example.com");
/// # Ok::<(), clever_kyc_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KycSubmission {
    email: Email,
    token: ShareToken,
    webhook: Option<WebhookNotification>,
}

impl KycSubmission {
    /// Pairs already-checked parts.
    pub fn new(email: Email, token: ShareToken, webhook: Option<WebhookNotification>) -> Self {
        Self {
            email,
            token,
            webhook,
        }
    }

    /// Starts a builder that takes raw strings and validates them all in `build`.
    pub fn builder() -> KycSubmissionBuilder {
        KycSubmissionBuilder::default()
    }

    /// The contact's email.
    pub fn email(&self) -> &Email {
        &self.email
    }

    /// The share token.
    pub fn token(&self) -> &ShareToken {
        &self.token
    }

    /// The callback settings, if any.
    pub fn webhook(&self) -> Option<&WebhookNotification> {
        self.webhook.as_ref()
    }
}

/// A callback `Authorization` value handed to the builder: an [`AuthorizationValue`] already
/// checked (pass the secret type on, never its exposed text), or text checked at `build`.
#[derive(Clone)]
pub enum AuthorizationInput {
    /// Text to check.
    Text(String),
    /// A checked value.
    Value(AuthorizationValue),
}

impl fmt::Debug for AuthorizationInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorizationInput(<redacted>)")
    }
}

impl From<&str> for AuthorizationInput {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for AuthorizationInput {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<AuthorizationValue> for AuthorizationInput {
    fn from(value: AuthorizationValue) -> Self {
        Self::Value(value)
    }
}

impl From<&AuthorizationValue> for AuthorizationInput {
    fn from(value: &AuthorizationValue) -> Self {
        Self::Value(value.clone())
    }
}

/// A share token handed to the builder: one Sumsub issued ([`ShareToken`]), or text.
#[derive(Clone)]
enum TokenInput {
    Text(String),
    Value(ShareToken),
}

/// A callback URL handed to the builder: one checked in advance, or text.
#[derive(Clone, Debug)]
enum EndpointInput {
    Text(String),
    Checked(WebhookEndpoint),
}

/// Collects the fields of a [`KycSubmission`]; nothing is checked until [`build`](Self::build).
#[derive(Default, Clone)]
pub struct KycSubmissionBuilder {
    email: Option<String>,
    token: Option<TokenInput>,
    endpoint_url: Option<EndpointInput>,
    authorization: Option<AuthorizationInput>,
}

impl fmt::Debug for KycSubmissionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KycSubmissionBuilder")
            .field("email", &self.email)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("endpoint_url", &self.endpoint_url)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl KycSubmissionBuilder {
    /// The contact's email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The Sumsub share token, as text.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(TokenInput::Text(token.into()));
        self
    }

    /// The Sumsub share token as Sumsub issued it (`IssuedShareToken::token`).
    pub fn share_token(mut self, token: ShareToken) -> Self {
        self.token = Some(TokenInput::Value(token));
        self
    }

    /// The callback URL and its `Authorization` value together; the value may be an
    /// [`AuthorizationValue`] (e.g. one a receiving store issued) or text.
    pub fn webhook(
        self,
        endpoint_url: impl Into<String>,
        authorization: impl Into<AuthorizationInput>,
    ) -> Self {
        self.webhook_url(endpoint_url)
            .webhook_authorization(authorization)
    }

    /// A callback URL checked in advance and its `Authorization` value for this submission.
    pub fn webhook_endpoint(
        mut self,
        endpoint: &WebhookEndpoint,
        authorization: impl Into<AuthorizationInput>,
    ) -> Self {
        self.endpoint_url = Some(EndpointInput::Checked(endpoint.clone()));
        self.webhook_authorization(authorization)
    }

    /// The callback URL alone (an authorization value is then required too).
    pub fn webhook_url(mut self, endpoint_url: impl Into<String>) -> Self {
        self.endpoint_url = Some(EndpointInput::Text(endpoint_url.into()));
        self
    }

    /// The callback `Authorization` value alone (a URL is then required too).
    pub fn webhook_authorization(mut self, authorization: impl Into<AuthorizationInput>) -> Self {
        self.authorization = Some(authorization.into());
        self
    }

    /// Validates every field, in the order email, token, webhook.
    ///
    /// # Errors
    /// The first [`ValidationError`] found; [`ValidationError::field`] names the JSON field.
    pub fn build(self) -> Result<KycSubmission, ValidationError> {
        let email = self.email.ok_or(ValidationError::MissingEmail)?;
        let email = Email::parse_owned(email).map_err(ValidationError::Email)?;
        let token = match self.token.ok_or(ValidationError::MissingToken)? {
            TokenInput::Text(text) => ShareToken::new(text).map_err(ValidationError::Token)?,
            TokenInput::Value(token) => token,
        };
        let webhook = match (self.endpoint_url, self.authorization) {
            (None, None) => None,
            (Some(_), None) => return Err(ValidationError::MissingAuthorizationHeader),
            (None, Some(_)) => return Err(ValidationError::MissingEndpointUrl),
            (Some(url), Some(auth)) => {
                let auth = match auth {
                    AuthorizationInput::Text(text) => AuthorizationValue::new(text)
                        .map_err(ValidationError::AuthorizationHeader)?,
                    AuthorizationInput::Value(value) => value,
                };
                let endpoint = match url {
                    EndpointInput::Text(text) => WebhookEndpoint::new(&text)?,
                    EndpointInput::Checked(endpoint) => endpoint,
                };
                Some(WebhookNotification::at(endpoint, auth))
            }
        };
        Ok(KycSubmission::new(email, token, webhook))
    }
}

/// A submission field that cannot be sent. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// No email was given.
    #[error("email is missing; the contact's email is required")]
    MissingEmail,
    /// The email is not an address.
    #[error(transparent)]
    Email(EmailError),
    /// No token was given.
    #[error("token is missing; pass the Sumsub share token")]
    MissingToken,
    /// The token is unusable.
    #[error("token {0}")]
    Token(#[source] TokenError),
    /// The callback URL is unusable.
    #[error("webhook_notification.endpoint_url {0}")]
    EndpointUrl(#[source] UrlError),
    /// The callback authorization value is unusable (its value is never shown).
    #[error("webhook_notification.authorization_header {0}")]
    AuthorizationHeader(#[source] SecretValueError),
    /// A URL without an authorization value would let anyone post fake callbacks.
    #[error(
        "webhook_notification.authorization_header is required with an endpoint_url; choose a unique secret value per submission"
    )]
    MissingAuthorizationHeader,
    /// An authorization value without a URL is meaningless.
    #[error("webhook_notification.endpoint_url is required with an authorization_header")]
    MissingEndpointUrl,
}

impl ValidationError {
    /// The JSON field at fault, as the API names it.
    pub fn field(&self) -> &'static str {
        match self {
            Self::MissingEmail | Self::Email(_) => "email",
            Self::MissingToken | Self::Token(_) => "token",
            Self::EndpointUrl(_) | Self::MissingEndpointUrl => "webhook_notification.endpoint_url",
            Self::AuthorizationHeader(_) | Self::MissingAuthorizationHeader => {
                "webhook_notification.authorization_header"
            }
        }
    }
}

/// Constants that belong to [`ShareToken`].
impl ShareToken {
    /// The longest share token accepted: the API documents "at most 1 KB".
    pub const MAX_BYTES: usize = MAX_TOKEN_BYTES;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> KycSubmissionBuilder {
        KycSubmission::builder()
            .email("a@example.com")
            .token("tok_123")
    }

    #[test]
    fn a_minimal_submission_needs_only_email_and_token() {
        let sub = base().build().unwrap();
        assert!(sub.webhook().is_none());
        assert_eq!(sub.token().expose_secret(), "tok_123");
    }

    #[test]
    fn each_failure_names_its_field() {
        let cases = [
            (KycSubmission::builder().token("t").build(), "email"),
            (KycSubmission::builder().email("x@y.zz").build(), "token"),
            (base().email("nope").build(), "email"),
            (base().token("").build(), "token"),
            (base().token("has space").build(), "token"),
            (base().token("x".repeat(1025)).build(), "token"),
            (
                base().webhook_url("https://m.example/cb").build(),
                "webhook_notification.authorization_header",
            ),
            (
                base().webhook_authorization("secret").build(),
                "webhook_notification.endpoint_url",
            ),
            (
                base().webhook("http://m.example/cb", "secret").build(),
                "webhook_notification.endpoint_url",
            ),
            (
                base().webhook("https://m.example/cb", "").build(),
                "webhook_notification.authorization_header",
            ),
            (
                base()
                    .webhook("https://m.example/cb", "bad\r\nInjected: 1")
                    .build(),
                "webhook_notification.authorization_header",
            ),
        ];
        for (result, field) in cases {
            let err = result.unwrap_err();
            assert_eq!(err.field(), field, "{err}");
            assert!(
                err.to_string()
                    .starts_with(field.split('.').next().unwrap_or(field)),
                "{err}"
            );
        }
    }

    #[test]
    fn the_first_bad_character_is_found_past_ascii_and_non_ascii_text() {
        for (token, position) in [
            ("ab cd", 2),
            ("\u{e9} x", 2),
            ("abc\u{a0}", 3),
            ("\u{e9}\u{e9}\u{85}", 4),
            ("tab\tx", 3),
        ] {
            assert_eq!(
                ShareToken::new(token),
                Err(TokenError::InvalidCharacter { position }),
                "{token:?}"
            );
        }
        assert!(ShareToken::new("caf\u{e9}-\u{65e5}\u{672c}").is_ok());
    }

    #[test]
    fn a_token_of_exactly_one_kilobyte_is_accepted() {
        assert!(base().token("x".repeat(MAX_TOKEN_BYTES)).build().is_ok());
    }

    #[test]
    fn debug_hides_token_and_authorization() {
        let builder = base().webhook("https://m.example/cb", "Bearer zz-top-secret");
        assert!(!format!("{builder:?}").contains("tok_123"));
        assert!(!format!("{builder:?}").contains("zz-top-secret"));
        let sub = builder.build().unwrap();
        let shown = format!("{sub:?}");
        assert!(!shown.contains("tok_123"), "{shown}");
        assert!(!shown.contains("zz-top-secret"), "{shown}");
    }

    #[test]
    fn an_endpoint_checked_once_builds_what_the_text_builds() {
        let endpoint = WebhookEndpoint::new("https://m.example/cb?tenant=7").unwrap();
        let from_text = base()
            .webhook("https://m.example/cb?tenant=7", "Bearer a")
            .build()
            .unwrap();
        let from_endpoint = base()
            .webhook_endpoint(&endpoint, "Bearer a")
            .build()
            .unwrap();
        assert_eq!(from_text, from_endpoint);
        assert!(matches!(
            base().webhook_endpoint(&endpoint, "bad\nvalue").build(),
            Err(ValidationError::AuthorizationHeader(_))
        ));
    }

    #[test]
    fn the_sent_url_is_the_parsed_one_when_parsing_normalises_it() {
        for (given, sent) in [
            ("https://m.example", "https://m.example/"),
            ("https://m.example?a=/b", "https://m.example/?a=/b"),
            ("HTTPS://m.example/cb", "https://m.example/cb"),
            (
                "https://M.example:8443/cb?a=1",
                "https://M.example:8443/cb?a=1",
            ),
        ] {
            let endpoint = WebhookEndpoint::new(given).unwrap();
            assert_eq!(endpoint.as_str(), sent);
            assert_eq!(endpoint.as_str(), endpoint.uri().to_string());
        }
        assert!(matches!(
            WebhookEndpoint::new("http://m.example/cb"),
            Err(ValidationError::EndpointUrl(
                UrlError::InsecureScheme { .. }
            ))
        ));
    }
}
