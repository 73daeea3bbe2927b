//! Read-only inspection and test controls under the reserved `/__mock/` prefix.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::fault::{Fault, MAX_FAULT_TIMES};
use crate::server::Shared;
use crate::tokens::{MAX_TOKEN_TTL, TokenOutcome};

/// The records as a JSON array, with `X-Mock-Dropped` saying how many older ones the
/// bounded history let go. The copy is taken under the lock; serializing happens after.
fn inspection<T: serde::Serialize>(snapshot: (Vec<T>, u64)) -> Response {
    let (items, dropped) = snapshot;
    let mut response = Json(items).into_response();
    response
        .headers_mut()
        .insert(DROPPED_HEADER, http::HeaderValue::from(dropped));
    response
}

/// The header carrying how many records the bounded history dropped.
pub const DROPPED_HEADER: &str = "x-mock-dropped";

pub(crate) async fn requests(State(shared): State<Shared>) -> Response {
    let snapshot = {
        let state = shared.store.lock();
        (state.requests.snapshot(), state.requests.dropped())
    };
    inspection(snapshot)
}

pub(crate) async fn submissions(State(shared): State<Shared>) -> Response {
    let snapshot = {
        let state = shared.store.lock();
        (state.submissions.snapshot(), state.submissions.dropped())
    };
    inspection(snapshot)
}

pub(crate) async fn deliveries(State(shared): State<Shared>) -> Response {
    let snapshot = {
        let state = shared.store.lock();
        (state.deliveries.snapshot(), state.deliveries.dropped())
    };
    inspection(snapshot)
}

#[derive(Deserialize)]
pub(crate) struct FaultRequest {
    fault: Fault,
    /// How many of the next requests get it; absent: every request from now on.
    times: Option<u64>,
}

pub(crate) async fn add_fault(
    State(shared): State<Shared>,
    body: Result<Json<FaultRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => {
            return bad_request(&format!(
                "expected {{\"fault\": {{\"kind\": ...}}, \"times\": n}}: {}",
                clever_kyc_server::clip(&rejection.body_text())
            ));
        }
    };
    if let Err(why) = request.fault.validate() {
        return bad_request(&why);
    }
    match request.times {
        Some(times) if times == 0 || times > MAX_FAULT_TIMES => {
            return bad_request(&format!(
                "times is {times}; between 1 and {MAX_FAULT_TIMES} is accepted"
            ));
        }
        Some(times) => shared
            .server()
            .inject_fault(request.fault, usize::try_from(times).unwrap_or(usize::MAX)),
        None => shared.server().set_default_fault(Some(request.fault)),
    }
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn clear_faults(State(shared): State<Shared>) -> Response {
    shared.server().clear_faults();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
pub(crate) struct TokenRequest {
    outcome: TokenOutcome,
    ttl_secs: Option<u64>,
}

pub(crate) async fn issue_token(
    State(shared): State<Shared>,
    body: Result<Json<TokenRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return bad_request(
            "expected {\"outcome\": \"approved|rejected|failed|pending|expired\", \"ttl_secs\": n}",
        );
    };
    if let Some(secs) = request.ttl_secs.filter(|&s| s > MAX_TOKEN_TTL.as_secs()) {
        return bad_request(&format!(
            "ttl_secs is {secs}; at most {} (30 days) is accepted",
            MAX_TOKEN_TTL.as_secs()
        ));
    }
    let ttl = request.ttl_secs.map(std::time::Duration::from_secs);
    let token = shared.server().issue_token_with_ttl(request.outcome, ttl);
    (StatusCode::CREATED, Json(json!({"token": token}))).into_response()
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}
