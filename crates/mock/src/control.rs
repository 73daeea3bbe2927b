//! Read-only inspection and test controls under the reserved `/__mock/` prefix.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::fault::Fault;
use crate::server::Shared;
use crate::tokens::TokenOutcome;

pub(crate) async fn requests(State(shared): State<Shared>) -> Response {
    Json(shared.store.lock().requests.clone()).into_response()
}

pub(crate) async fn submissions(State(shared): State<Shared>) -> Response {
    Json(shared.store.lock().submissions.clone()).into_response()
}

pub(crate) async fn deliveries(State(shared): State<Shared>) -> Response {
    Json(shared.store.lock().deliveries.clone()).into_response()
}

#[derive(Deserialize)]
pub(crate) struct FaultRequest {
    fault: Fault,
    /// How many of the next requests get it; absent: every request from now on.
    times: Option<usize>,
}

pub(crate) async fn add_fault(
    State(shared): State<Shared>,
    body: Result<Json<FaultRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return bad_request("expected {\"fault\": {\"kind\": ...}, \"times\": n}");
    };
    match request.times {
        Some(times) => shared.server().inject_fault(request.fault, times),
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
    let ttl = request.ttl_secs.map(std::time::Duration::from_secs);
    let token = shared.server().issue_token_with_ttl(request.outcome, ttl);
    (StatusCode::CREATED, Json(json!({"token": token}))).into_response()
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}
