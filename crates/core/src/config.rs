//! Where requests go and who sends them: the environment and the merchant's credentials.

use std::fmt;

use http::{HeaderValue, Uri};

use crate::secret::{SecretKey, SecretValueError, check_header_value};
use crate::url::{UrlError, parse_checked};

/// The path of Submit KYC With Token, below the base URL.
pub(crate) const SUBMIT_PATH: &str = "/api/v2/contacts/share_token";

/// The path of Create Contact (`POST`) and, with a query, of the contact list (`GET`, with
/// a trailing `/`).
pub(crate) const CONTACTS_PATH: &str = "/api/v2/contacts";

/// The path of Get Contact Details (`GET`, `?email=`).
pub(crate) const CONTACT_DETAIL_PATH: &str = "/api/v2/contacts/detail";

/// The sandbox base URL.
pub(crate) const SANDBOX_BASE_URL: &str = "https://api.cleverhub.co";

/// The production base URL.
pub(crate) const PRODUCTION_BASE_URL: &str = "https://api-merchant.helloclever.co";

/// The `User-Agent` every request carries: this crate's name and version.
pub(crate) const USER_AGENT: &str = concat!("clever-kyc/", env!("CARGO_PKG_VERSION"));

/// Which Hello Clever deployment to talk to. Credentials are issued per environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// `https://api.cleverhub.co`.
    Sandbox,
    /// `https://api-merchant.helloclever.co`.
    Production,
    /// Any other base URL: the local simulator, a proxy, a recording gateway.
    Custom(BaseUrl),
}

impl Environment {
    /// The base URL of this environment.
    pub fn base_url(&self) -> BaseUrl {
        match self {
            Self::Sandbox => BaseUrl::known(SANDBOX_BASE_URL),
            Self::Production => BaseUrl::known(PRODUCTION_BASE_URL),
            Self::Custom(url) => url.clone(),
        }
    }
}

/// A checked base URL: absolute, `https` (or `http` for loopback hosts), no user info, no
/// query; a trailing `/` is dropped so paths can be appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(Box<str>);

impl BaseUrl {
    /// Checks a base URL such as `https://api.cleverhub.co` or `http://127.0.0.1:4010`.
    ///
    /// # Errors
    /// [`ConfigError::BaseUrl`] naming the rule that failed.
    ///
    /// ```
    /// use clever_kyc_core::config::BaseUrl;
    /// assert!(BaseUrl::parse("http://127.0.0.1:4010/").is_ok());
    /// assert!(BaseUrl::parse("http://api.example.com").is_err()); // not loopback
    /// ```
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        parse_checked(raw, false).map_err(ConfigError::BaseUrl)?;
        Ok(Self(raw.trim_end_matches('/').into()))
    }

    pub(crate) fn known(raw: &'static str) -> Self {
        Self(raw.into())
    }

    /// The base URL without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The full URL of an API path below this base.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The merchant application's `app-id`: not secret, but it must be a valid header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppId(Box<str>);

impl AppId {
    /// Checks an app-id.
    ///
    /// # Errors
    /// [`ConfigError::AppId`] when it is empty or cannot be sent verbatim as a header.
    pub fn new(value: impl Into<String>) -> Result<Self, ConfigError> {
        let value = value.into();
        check_header_value(&value, "app-id").map_err(ConfigError::AppId)?;
        Ok(Self(value.into_boxed_str()))
    }

    /// The app-id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The `app-id` and `secret-key` pair from the merchant portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Identifies the merchant application.
    pub app_id: AppId,
    /// The application's secret; redacted in `Debug`.
    pub secret_key: SecretKey,
}

impl Credentials {
    /// Checks and pairs an app-id and a secret-key.
    ///
    /// # Errors
    /// [`ConfigError`] naming which of the two is unusable (never its value).
    pub fn new(app_id: &str, secret_key: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            app_id: AppId::new(app_id)?,
            secret_key: SecretKey::new(secret_key).map_err(ConfigError::SecretKey)?,
        })
    }
}

/// Everything needed to build requests: the environment and the credentials, with the
/// header values prepared once so that building a request cannot fail.
#[derive(Clone)]
pub struct ApiConfig {
    environment: Environment,
    credentials: Credentials,
    base: BaseUrl,
    pub(crate) submit_uri: Uri,
    pub(crate) contacts_uri: Uri,
    pub(crate) app_id_header: HeaderValue,
    pub(crate) secret_key_header: HeaderValue,
}

impl fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiConfig")
            .field("environment", &self.environment)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl ApiConfig {
    /// Prepares a configuration.
    ///
    /// # Errors
    /// [`ConfigError`] if the base URL and path do not form a valid URI (only possible for
    /// exotic custom base URLs).
    ///
    /// ```
    /// use clever_kyc_core::{ApiConfig, Credentials, Environment};
    /// let config = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret")?)?;
    /// assert_eq!(config.submit_url(), "https://api.cleverhub.co/api/v2/contacts/share_token");
    /// # Ok::<(), clever_kyc_core::ConfigError>(())
    /// ```
    pub fn new(environment: Environment, credentials: Credentials) -> Result<Self, ConfigError> {
        let base = environment.base_url();
        let submit_uri = join_uri(&base, SUBMIT_PATH)?;
        let contacts_uri = join_uri(&base, CONTACTS_PATH)?;
        let app_id_header = HeaderValue::from_str(credentials.app_id.as_str()).map_err(|_| {
            ConfigError::AppId(SecretValueError::InvalidCharacter {
                value: "app-id",
                position: 0,
            })
        })?;
        let mut secret_key_header = HeaderValue::from_str(credentials.secret_key.expose_secret())
            .map_err(|_| {
            ConfigError::SecretKey(SecretValueError::InvalidCharacter {
                value: "secret-key",
                position: 0,
            })
        })?;
        // Tells HTTP/2 encoders not to index it and debuggers of `http` types to hide it.
        secret_key_header.set_sensitive(true);
        Ok(Self {
            environment,
            credentials,
            base,
            submit_uri,
            contacts_uri,
            app_id_header,
            secret_key_header,
        })
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The base URL of this environment.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// The full URI of an API path (with its query) below the base URL.
    pub(crate) fn uri(&self, path_and_query: &str) -> Uri {
        // The base was checked and the SDK's own paths and encoded queries are valid URI
        // text, so this only falls back for a base URL `http` itself cannot hold, which
        // `new` has already refused.
        join_uri(&self.base, path_and_query).unwrap_or_else(|_| self.contacts_uri.clone())
    }

    /// The full URL of Submit KYC With Token in this environment.
    pub fn submit_url(&self) -> String {
        self.submit_uri.to_string()
    }
}

/// Parses `base` + `path` as a URI.
fn join_uri(base: &BaseUrl, path: &str) -> Result<Uri, ConfigError> {
    base.join(path).parse().map_err(|e: http::uri::InvalidUri| {
        ConfigError::BaseUrl(UrlError::Invalid {
            reason: e.to_string(),
        })
    })
}

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL broke a rule.
    #[error("the API base URL {0}")]
    BaseUrl(#[source] UrlError),
    /// The app-id is unusable.
    #[error("{0}; copy the app-id again from the merchant portal")]
    AppId(#[source] SecretValueError),
    /// The secret-key is unusable (its value is never shown).
    #[error("{0}; copy the secret-key again from the merchant portal")]
    SecretKey(#[source] SecretValueError),
}

/// Constants that belong to [`ApiConfig`].
impl ApiConfig {
    /// The path of Submit KYC With Token, below the base URL.
    pub const SUBMIT_PATH: &str = SUBMIT_PATH;
    /// The path of Create Contact (`POST`) and, with a query, of the contact list (`GET`, with
    /// a trailing `/`).
    pub const CONTACTS_PATH: &str = CONTACTS_PATH;
    /// The path of Get Contact Details (`GET`, `?email=`).
    pub const CONTACT_DETAIL_PATH: &str = CONTACT_DETAIL_PATH;
    /// The `User-Agent` every request carries: this crate's name and version.
    pub const USER_AGENT: &str = USER_AGENT;
}

/// Constants that belong to [`Environment`].
impl Environment {
    /// The sandbox base URL.
    pub const SANDBOX_BASE_URL: &str = SANDBOX_BASE_URL;
    /// The production base URL.
    pub const PRODUCTION_BASE_URL: &str = PRODUCTION_BASE_URL;
}

/// Constants that belong to [`Credentials`].
impl Credentials {
    /// The `app-id` header name.
    pub const APP_ID_HEADER: http::HeaderName = crate::request::APP_ID_HEADER;
    /// The `secret-key` header name.
    pub const SECRET_KEY_HEADER: http::HeaderName = crate::request::SECRET_KEY_HEADER;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new("app-123", "sk-456").unwrap()
    }

    #[test]
    fn environments_point_at_the_documented_hosts() {
        let sandbox = ApiConfig::new(Environment::Sandbox, creds()).unwrap();
        assert_eq!(
            sandbox.submit_url(),
            "https://api.cleverhub.co/api/v2/contacts/share_token"
        );
        let prod = ApiConfig::new(Environment::Production, creds()).unwrap();
        assert_eq!(
            prod.submit_url(),
            "https://api-merchant.helloclever.co/api/v2/contacts/share_token"
        );
    }

    #[test]
    fn a_custom_base_url_keeps_its_path_prefix_and_drops_a_trailing_slash() {
        let base = BaseUrl::parse("http://127.0.0.1:4010/proxy/").unwrap();
        let config = ApiConfig::new(Environment::Custom(base), creds()).unwrap();
        assert_eq!(
            config.submit_url(),
            "http://127.0.0.1:4010/proxy/api/v2/contacts/share_token"
        );
    }

    #[test]
    fn refuses_plain_http_to_a_remote_host() {
        let err = BaseUrl::parse("http://api.cleverhub.co").unwrap_err();
        assert!(err.to_string().contains("not a loopback host"), "{err}");
    }

    #[test]
    fn debug_of_the_config_hides_the_secret() {
        let config = ApiConfig::new(Environment::Sandbox, creds()).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("sk-456"), "{shown}");
        assert!(shown.contains("app-123"));
    }

    #[test]
    fn credential_errors_name_the_field_but_not_the_value() {
        let err = Credentials::new("app", "bad\u{1}secret").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("the secret-key"), "{text}");
        assert!(!text.contains("secret\u{1}"));
        assert!(matches!(
            Credentials::new("", "x"),
            Err(ConfigError::AppId(_))
        ));
    }
}
