//! Sumsub's `POST /resources/accessTokens/shareToken`, with its signature checked as Sumsub
//! checks it: app token, timestamp within 60 s, HMAC over `ts + method + path + body`.

use std::time::{Duration, SystemTime};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use clever_kyc_core::{sumsub::SumsubAuthError, sumsub::verify_sumsub_request};
use http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{Value, json};

use crate::server::Shared;
use crate::tokens::{MAX_TOKEN_TTL, TokenOutcome};

/// Sumsub's error envelope.
fn sumsub_error(status: StatusCode, description: &str, error: Option<(u32, &str)>) -> Response {
    let mut body = json!({
        "description": description,
        "code": status.as_u16(),
        "correlationId": format!("req-mock-{:016x}", fastrand::u64(..)),
    });
    if let Some((code, name)) = error {
        body["errorCode"] = json!(code);
        body["errorName"] = json!(name);
    }
    (status, Json(body)).into_response()
}

pub(crate) async fn share_token(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let config = &shared.store.config;
    let mut request = http::Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    if let Err(refusal) = verify_sumsub_request(
        &request,
        &config.sumsub_app_token,
        &config.sumsub_secret_key,
        SystemTime::now(),
    ) {
        let (description, name) = match refusal {
            SumsubAuthError::UnknownAppToken => ("App token is invalid", "app-token-invalid-value"),
            SumsubAuthError::Stale { .. } => (
                "Request timestamp is too far from the server time",
                "app-token-invalid-ts",
            ),
            _ => ("Request signature mismatch", "app-token-invalid-signature"),
        };
        return sumsub_error(StatusCode::UNAUTHORIZED, description, Some((4003, name)));
    }
    let Some(Value::Object(fields)) = serde_json::from_slice::<Value>(request.body()).ok() else {
        return sumsub_error(StatusCode::BAD_REQUEST, "Invalid request body", None);
    };
    let text = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 256)
    };
    let Some(applicant) = text("applicantId") else {
        return sumsub_error(StatusCode::BAD_REQUEST, "applicantId is required", None);
    };
    let Some(client) = text("forClientId") else {
        return sumsub_error(StatusCode::BAD_REQUEST, "forClientId is required", None);
    };
    // An integer, though some examples send it as a string.
    let ttl = match fields.get("ttlInSecs") {
        None | Some(Value::Null) => Ok(config.token_ttl),
        Some(Value::Number(n)) => n.as_u64().ok_or(()).map(Duration::from_secs),
        Some(Value::String(s)) => s.trim().parse().map(Duration::from_secs).map_err(|_| ()),
        Some(_) => Err(()),
    };
    let ttl = match ttl {
        Ok(ttl) if !ttl.is_zero() && ttl <= MAX_TOKEN_TTL => ttl,
        _ => return sumsub_error(StatusCode::BAD_REQUEST, "ttlInSecs is invalid", None),
    };
    if applicant.starts_with("missing") {
        return sumsub_error(StatusCode::NOT_FOUND, "Applicant not found", None);
    }
    // The applicant id's prefix scripts the KYC outcome, as token prefixes do.
    let outcome = TokenOutcome::from_token_prefix(applicant);
    let token = shared.store.lock().tokens.issue(outcome, ttl);
    Json(json!({"token": token, "forClientId": client})).into_response()
}
