//! Where Sumsub is and the app credentials that sign every request.

use std::fmt;

use http::{HeaderValue, Uri};

use crate::config::{BaseUrl, ConfigError};
use crate::secret::{SecretValueError, SumsubAppToken, SumsubSecretKey};
use crate::url::UrlError;

/// Sumsub's API host; sandbox and production share it (the app token decides).
pub(crate) const SUMSUB_BASE_URL: &str = "https://api.sumsub.com";

/// The path of "generate a share token".
pub(crate) const SUMSUB_SHARE_TOKEN_PATH: &str = "/resources/accessTokens/shareToken";

/// A Sumsub app's token and secret key, and the host to call, with the header value
/// prepared once.
///
/// ```
/// use clever_kyc_core::{secret::SumsubAppToken, sumsub::SumsubConfig, secret::SumsubSecretKey};
/// let config = SumsubConfig::new(SumsubAppToken::new("sbx:app")?, SumsubSecretKey::new("key")?);
/// assert!(config.is_sandbox());
/// assert_eq!(format!("{config:?}").contains("key"), false);
/// # Ok::<(), clever_kyc_core::secret::SecretValueError>(())
/// ```
#[derive(Clone)]
pub struct SumsubConfig {
    base: BaseUrl,
    app_token: SumsubAppToken,
    pub(crate) secret_key: SumsubSecretKey,
    pub(crate) app_token_header: HeaderValue,
    pub(crate) share_token_uri: Uri,
}

impl fmt::Debug for SumsubConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SumsubConfig")
            .field("base", &self.base)
            .field("sandbox", &self.is_sandbox())
            .finish_non_exhaustive()
    }
}

impl SumsubConfig {
    /// Credentials for `https://api.sumsub.com`.
    pub fn new(app_token: SumsubAppToken, secret_key: SumsubSecretKey) -> Self {
        let base = BaseUrl::known(SUMSUB_BASE_URL);
        // Both values were checked as header text when they were made.
        let mut app_token_header = HeaderValue::from_str(app_token.expose_secret())
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        app_token_header.set_sensitive(true);
        let share_token_uri =
            Uri::from_static("https://api.sumsub.com/resources/accessTokens/shareToken");
        Self {
            base,
            app_token,
            secret_key,
            app_token_header,
            share_token_uri,
        }
    }

    /// Sends to another base URL (a simulator on loopback, a proxy).
    ///
    /// # Errors
    /// [`ConfigError::BaseUrl`] if the base and the path do not form a URI.
    pub fn with_base_url(mut self, base: BaseUrl) -> Result<Self, ConfigError> {
        self.share_token_uri =
            base.join(SUMSUB_SHARE_TOKEN_PATH)
                .parse()
                .map_err(|e: http::uri::InvalidUri| {
                    ConfigError::BaseUrl(UrlError::Invalid {
                        reason: e.to_string(),
                    })
                })?;
        self.base = base;
        Ok(self)
    }

    /// Reads the two credentials from text.
    ///
    /// # Errors
    /// [`SecretValueError`] when either is not header-safe text; it never holds the value.
    pub fn from_text(app_token: &str, secret_key: &str) -> Result<Self, SecretValueError> {
        Ok(Self::new(
            SumsubAppToken::new(app_token)?,
            SumsubSecretKey::new(secret_key)?,
        ))
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// The app token.
    pub fn app_token(&self) -> &SumsubAppToken {
        &self.app_token
    }

    /// Whether the app token is a sandbox one (`sbx:`).
    pub fn is_sandbox(&self) -> bool {
        self.app_token.expose_secret().starts_with("sbx:")
    }
}

/// Constants that belong to [`SumsubConfig`].
impl SumsubConfig {
    /// Sumsub's API host; sandbox and production share it (the app token decides).
    pub const BASE_URL: &str = SUMSUB_BASE_URL;
    /// The path of "generate a share token".
    pub const SHARE_TOKEN_PATH: &str = SUMSUB_SHARE_TOKEN_PATH;
    /// `X-App-Token`: the app token.
    pub const APP_TOKEN_HEADER: http::HeaderName =
        crate::sumsub::signature::SUMSUB_APP_TOKEN_HEADER;
    /// `X-App-Access-Ts`: the signing time, Unix seconds in decimal.
    pub const TIMESTAMP_HEADER: http::HeaderName =
        crate::sumsub::signature::SUMSUB_TIMESTAMP_HEADER;
    /// `X-App-Access-Sig`: the signature, lowercase hex.
    pub const SIGNATURE_HEADER: http::HeaderName =
        crate::sumsub::signature::SUMSUB_SIGNATURE_HEADER;
    /// How far a request's timestamp may be from the verifier's clock.
    pub const SIGNATURE_WINDOW: std::time::Duration =
        crate::sumsub::signature::SUMSUB_SIGNATURE_WINDOW;
}
