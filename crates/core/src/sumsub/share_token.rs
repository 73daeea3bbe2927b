//! "Generate a share token": what to ask Sumsub for, the signed request, and its answer.

use std::time::{Duration, SystemTime};

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT as USER_AGENT_HEADER};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};

use crate::config::USER_AGENT;
use crate::lenient::opt_string;
use crate::operation::{Operation, RetrySafety};
use crate::request::HttpRequest;
use crate::response::{
    ErrorStyle, ResponseError, UnexpectedReason, classify_failure, success_json, unexpected,
};
use crate::submission::ShareToken;
use crate::sumsub::config::SumsubConfig;
use crate::sumsub::signature::{
    SUMSUB_APP_TOKEN_HEADER, SUMSUB_SIGNATURE_HEADER, SUMSUB_TIMESTAMP_HEADER, sumsub_signature,
    unix_seconds,
};

/// The longest share-token lifetime asked for: 20 minutes, the most partners document.
pub(crate) const MAX_SHARE_TOKEN_TTL: Duration = Duration::from_secs(20 * 60);

/// The longest applicant or client id accepted.
const MAX_ID_BYTES: usize = 256;

/// Why a share-token request cannot be made as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShareTokenRequestError {
    /// An id is blank, too long or has white space or a control character.
    #[error("{field} must be 1 to {MAX_ID_BYTES} bytes without white space or control characters")]
    Id {
        /// `applicantId` or `forClientId`.
        field: &'static str,
    },
    /// The lifetime is zero or longer than [`crate::sumsub::ShareTokenRequest::MAX_TTL`].
    #[error("ttlInSecs must be 1 to {} seconds", MAX_SHARE_TOKEN_TTL.as_secs())]
    Ttl,
}

/// What to ask Sumsub for: a share token for `applicant_id`, usable by `for_client_id`
/// (Hello Clever's client id at Sumsub), living `ttl` (Sumsub's default when `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareTokenRequest {
    applicant_id: String,
    for_client_id: String,
    #[serde(rename = "ttlInSecs", skip_serializing_if = "Option::is_none")]
    ttl_in_secs: Option<u64>,
}

impl ShareTokenRequest {
    /// A request with Sumsub's default lifetime.
    ///
    /// # Errors
    /// [`ShareTokenRequestError::Id`] naming the id that is blank, too long or not one word.
    pub fn new(
        applicant_id: impl Into<String>,
        for_client_id: impl Into<String>,
    ) -> Result<Self, ShareTokenRequestError> {
        let id = |value: String, field| {
            let ok = !value.is_empty()
                && value.len() <= MAX_ID_BYTES
                && !value.chars().any(|c| c.is_whitespace() || c.is_control());
            if ok {
                Ok(value)
            } else {
                Err(ShareTokenRequestError::Id { field })
            }
        };
        Ok(Self {
            applicant_id: id(applicant_id.into(), "applicantId")?,
            for_client_id: id(for_client_id.into(), "forClientId")?,
            ttl_in_secs: None,
        })
    }

    /// The token's lifetime, in whole seconds.
    ///
    /// # Errors
    /// [`ShareTokenRequestError::Ttl`] unless it is 1 s to [`crate::sumsub::ShareTokenRequest::MAX_TTL`].
    pub fn with_ttl(mut self, ttl: Duration) -> Result<Self, ShareTokenRequestError> {
        let secs = ttl.as_secs();
        if secs == 0 || ttl > MAX_SHARE_TOKEN_TTL {
            return Err(ShareTokenRequestError::Ttl);
        }
        self.ttl_in_secs = Some(secs);
        Ok(self)
    }

    /// The applicant the token shares.
    pub fn applicant_id(&self) -> &str {
        &self.applicant_id
    }
}

/// Sumsub's answer: a single-use share token and the client it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuedShareToken {
    /// The token (opaque, single use, short-lived).
    pub token: ShareToken,
    /// The client id, as Sumsub echoed it.
    pub for_client_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenBody {
    #[serde(default, deserialize_with = "opt_string")]
    token: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    for_client_id: Option<String>,
}

/// `POST https://api.sumsub.com/resources/accessTokens/shareToken`, signed afresh for every
/// attempt. Safe to repeat: a token that is never used expires.
pub struct GenerateShareToken {
    config: SumsubConfig,
    body: Vec<u8>,
}

impl std::fmt::Debug for GenerateShareToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerateShareToken")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl GenerateShareToken {
    /// Prepares the request body.
    pub fn new(config: &SumsubConfig, request: &ShareTokenRequest) -> Self {
        Self {
            config: config.clone(),
            // Serializing checked strings and a number cannot fail; the fallback keeps this total.
            body: serde_json::to_vec(request).unwrap_or_default(),
        }
    }
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");

impl Operation for GenerateShareToken {
    type Output = IssuedShareToken;
    const NAME: &'static str = "Sumsub share token request";
    const SAFETY: RetrySafety = RetrySafety::Idempotent;

    fn request(&self, now: SystemTime) -> HttpRequest {
        let ts = unix_seconds(now);
        let uri = self.config.share_token_uri.clone();
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let signature =
            sumsub_signature(&self.config.secret_key, ts, &Method::POST, path, &self.body);
        let mut request = Request::new(self.body.clone());
        *request.method_mut() = Method::POST;
        let headers = request.headers_mut();
        headers.reserve(6);
        headers.insert(ACCEPT, JSON);
        headers.insert(CONTENT_TYPE, JSON);
        headers.insert(USER_AGENT_HEADER, HeaderValue::from_static(USER_AGENT));
        headers.insert(
            SUMSUB_APP_TOKEN_HEADER,
            self.config.app_token_header.clone(),
        );
        headers.insert(SUMSUB_TIMESTAMP_HEADER, HeaderValue::from(ts));
        // Hex digits are always a valid header value.
        if let Ok(mut value) = HeaderValue::from_str(&signature) {
            value.set_sensitive(true);
            headers.insert(SUMSUB_SIGNATURE_HEADER, value);
        }
        *request.uri_mut() = uri;
        request
    }

    fn parse<B: AsRef<[u8]>>(
        &self,
        response: &Response<B>,
    ) -> Result<IssuedShareToken, ResponseError> {
        if response.status() != StatusCode::OK {
            return Err(classify_failure(response, ErrorStyle::Sumsub));
        }
        let body: TokenBody = success_json(response)?;
        let bad_token = |detail: String| {
            unexpected(
                response,
                UnexpectedReason::Body {
                    path: "token".into(),
                    detail,
                },
            )
        };
        let token = body.token.ok_or_else(|| bad_token("missing".into()))?;
        let token = ShareToken::new(token).map_err(|e| bad_token(format!("the token {e}")))?;
        Ok(IssuedShareToken {
            token,
            for_client_id: body.for_client_id,
        })
    }
}

/// Constants that belong to [`ShareTokenRequest`].
impl ShareTokenRequest {
    /// The longest share-token lifetime asked for: 20 minutes, the most partners document.
    pub const MAX_TTL: Duration = MAX_SHARE_TOKEN_TTL;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{SumsubAppToken, SumsubSecretKey};
    use crate::sumsub::signature::verify_sumsub_request;

    fn config() -> SumsubConfig {
        SumsubConfig::new(
            SumsubAppToken::new("sbx:t").unwrap(),
            SumsubSecretKey::new("k").unwrap(),
        )
    }

    #[test]
    fn each_attempt_is_signed_at_its_own_time() {
        let op = GenerateShareToken::new(
            &config(),
            &ShareTokenRequest::new("app1", "helloclever")
                .unwrap()
                .with_ttl(Duration::from_secs(600))
                .unwrap(),
        );
        let t1 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let a = op.request(t1);
        let b = op.request(t1 + Duration::from_secs(5));
        assert_eq!(
            a.body(),
            br#"{"applicantId":"app1","forClientId":"helloclever","ttlInSecs":600}"#
        );
        assert_ne!(
            a.headers()[&SUMSUB_SIGNATURE_HEADER],
            b.headers()[&SUMSUB_SIGNATURE_HEADER]
        );
        assert_eq!(a.headers()[&SUMSUB_TIMESTAMP_HEADER], "1700000000");
        let c = config();
        assert_eq!(
            verify_sumsub_request(&b, c.app_token(), &c.secret_key, t1),
            Ok(())
        );
        let debug = format!("{:?}", a.headers());
        assert!(!debug.contains("sbx:t"), "{debug}");
    }

    #[test]
    fn answers_and_errors_are_read() {
        let op = GenerateShareToken::new(&config(), &ShareTokenRequest::new("a", "b").unwrap());
        let ok = Response::builder()
            .status(200)
            .body(r#"{"token":"_act-sbx-jwt","forClientId":"b"}"#)
            .unwrap();
        assert_eq!(op.parse(&ok).unwrap().token.expose_secret(), "_act-sbx-jwt");
        let empty = Response::builder()
            .status(200)
            .body(r#"{"token":""}"#)
            .unwrap();
        assert!(matches!(
            op.parse(&empty),
            Err(ResponseError::Unexpected { .. })
        ));
        let refused = Response::builder()
            .status(401)
            .body(r#"{"description":"Invalid signature","code":401,"correlationId":"req-1","errorCode":4003,"errorName":"app-token-invalid-signature"}"#)
            .unwrap();
        let err = op.parse(&refused).unwrap_err();
        assert_eq!(err.code(), Some("app-token-invalid-signature"));
        assert_eq!(
            err.message(),
            Some("Invalid signature (correlation id req-1)")
        );
        let not_found = Response::builder()
            .status(404)
            .body(r#"{"description":"Applicant not found","code":404}"#)
            .unwrap();
        assert!(matches!(
            op.parse(&not_found),
            Err(ResponseError::NotFound { .. })
        ));
    }

    #[test]
    fn bad_requests_are_refused_before_sending() {
        assert!(ShareTokenRequest::new("", "b").is_err());
        assert!(ShareTokenRequest::new("a b", "b").is_err());
        let r = ShareTokenRequest::new("a", "b").unwrap();
        assert_eq!(
            r.clone().with_ttl(Duration::ZERO),
            Err(ShareTokenRequestError::Ttl)
        );
        assert_eq!(
            r.with_ttl(Duration::from_secs(1201)),
            Err(ShareTokenRequestError::Ttl)
        );
    }
}
