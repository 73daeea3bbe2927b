//! `POST /api/v2/contacts/share_token`, answered as the API documents.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use clever_kyc_core::{
    AuthorizationValue, Credentials, Email, secret::secrets_match, submission::ShareToken,
};
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::fault::error_json;
use crate::history::cut;
use crate::records::{RequestRecord, SubmissionRecord};
use crate::server::Shared;
use crate::tokens::TokenRefusal;

/// What processing decided, before any fault wraps it.
enum Decision {
    Answer(Response),
    Accepted {
        submission: SubmissionRecord,
        webhook: Option<(String, AuthorizationValue)>,
    },
}

pub(crate) async fn submit(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let store = &shared.store;
    let fault = store.next_fault();
    // Credentials first: a client without them gets its 401 before the simulator reads (or
    // waits for) a byte of its body, so slow bodies cannot hold the simulator for others.
    if fault.is_none() && !authorised(store, &headers) {
        push_request(
            &shared,
            RequestRecord {
                id: 0,
                at_ms: store.now_ms(),
                token: None,
                email: None,
                fault: None,
                processed: true,
                status: StatusCode::UNAUTHORIZED.as_u16(),
            },
        );
        return not_authorised();
    }
    let limit = store.config.max_body_bytes;
    let body: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error_json(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BAD_REQUEST",
                "The request body is too large or did not arrive",
            );
        }
    };
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut record = RequestRecord {
        id: 0,
        at_ms: store.now_ms(),
        token: field("token"),
        email: field("email"),
        fault: fault.as_ref().map(|f| f.name().to_owned()),
        processed: false,
        status: 0,
    };

    if let Some(fault) = &fault {
        if let crate::Fault::Latency { millis } = fault {
            tokio::time::sleep(std::time::Duration::from_millis(*millis)).await;
        }
        if let Some(replacement) = fault.replacement() {
            record.status = replacement.status().as_u16();
            push_request(&shared, record);
            return replacement;
        }
    }

    record.processed = true;
    let decision = decide(&shared, &headers, parsed.as_ref());
    let response = match decision {
        Decision::Answer(response) => response,
        Decision::Accepted {
            submission,
            webhook,
        } => {
            if let Some((url, authorization)) = webhook {
                shared.spawn_delivery(submission.clone(), url, authorization);
            }
            (StatusCode::OK, axum::Json(json!({"status": "Ok"}))).into_response()
        }
    };
    record.status = response.status().as_u16();
    if response.status().is_success() || response.status().is_client_error() {
        store
            .config
            .metrics
            .submission(response.status().is_success());
    }
    push_request(&shared, record);
    match fault {
        Some(fault) => fault.wrap(response, store.config.stall).await,
        None => response,
    }
}

fn push_request(shared: &Shared, mut record: RequestRecord) {
    // An unauthenticated request's body is the client's, not the merchant's: keep none of it.
    if record.status == 401 {
        record.token = None;
        record.email = None;
    }
    record.token = record.token.map(cut);
    record.email = record.email.map(cut);
    let mut state = shared.store.lock();
    record.id = state.requests.total() + 1;
    state.requests.push(record);
}

fn unprocessable(message: &str) -> Decision {
    Decision::Answer(
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"errors": {"message": message}})),
        )
            .into_response(),
    )
}

/// Whether the request carries the accepted `app-id` and `secret-key` (constant-time).
pub(crate) fn authorised(store: &crate::store::Store, headers: &HeaderMap) -> bool {
    let credentials = &store.config.credentials;
    let presented = |name| headers.get(name).map(|v: &http::HeaderValue| v.as_bytes());
    matches!(
        (presented(Credentials::APP_ID_HEADER), presented(Credentials::SECRET_KEY_HEADER)),
        (Some(app), Some(secret))
            if secrets_match(app, credentials.app_id.as_str().as_bytes())
                && secrets_match(secret, credentials.secret_key.expose_secret().as_bytes())
    )
}

/// The API's 401.
pub(crate) fn not_authorised() -> Response {
    error_json(StatusCode::UNAUTHORIZED, "REQUIRE_LOGIN", "Not Authorised")
}

fn decide(shared: &Shared, headers: &HeaderMap, body: Option<&Value>) -> Decision {
    let store = &shared.store;
    if !authorised(store, headers) {
        return Decision::Answer(not_authorised());
    }
    let Some(body) = body.and_then(Value::as_object) else {
        return Decision::Answer(error_json(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The request body must be a JSON object",
        ));
    };
    let text = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };

    let Some(email) = text("email") else {
        return unprocessable("Email can't be blank");
    };
    if Email::parse(email).is_err() {
        return unprocessable("Email is invalid");
    }
    let Some(token) = text("token") else {
        return unprocessable("Token can't be blank");
    };
    if token.len() > ShareToken::MAX_BYTES {
        return unprocessable("Token is too long (maximum is 1024 characters)");
    }
    let webhook = match body.get("webhook_notification") {
        None | Some(Value::Null) => None,
        Some(Value::Object(hook)) => {
            let hook_text = |name: &str| {
                hook.get(name)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            let Some(url) = hook_text("endpoint_url") else {
                return unprocessable("Webhook notification endpoint url can't be blank");
            };
            // The real API requires a public HTTPS URL; the simulator also takes loopback http.
            if clever_kyc_core::url::check_endpoint_url(url).is_err() {
                return unprocessable("Webhook notification endpoint url is invalid");
            }
            let Some(auth) = hook
                .get("authorization_header")
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
            else {
                return unprocessable("Webhook notification authorization header can't be blank");
            };
            let Ok(auth) = AuthorizationValue::new(auth) else {
                return unprocessable("Webhook notification authorization header is invalid");
            };
            Some((url.to_owned(), auth))
        }
        Some(_) => return unprocessable("Webhook notification is invalid"),
    };

    let mut state = store.lock();
    let outcome = match state.tokens.spend(token, Instant::now()) {
        Ok(outcome) => outcome,
        Err(TokenRefusal::AlreadyUsed) => return unprocessable("Token has already been used"),
        Err(TokenRefusal::Expired) => return unprocessable("Token is invalid or expired"),
    };
    // The contact gains a KYC instance, pending until the outcome arrives.
    let instance = state
        .contacts
        .start_instance(email, std::time::SystemTime::now());
    let submission = SubmissionRecord {
        id: state.submissions.total() + 1,
        at_ms: store.now_ms(),
        email: email.to_owned(),
        token: token.to_owned(),
        outcome,
        endpoint_url: webhook.as_ref().map(|(url, _)| url.clone()),
    };
    state.submissions.push(submission.clone());
    drop(state);
    if let (Some(index), Some(status)) = (instance, outcome.final_status()) {
        shared.spawn_outcome(email.to_owned(), index, status);
    }
    Decision::Accepted {
        submission,
        webhook,
    }
}
