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

/// One page of records as a JSON array, with `X-Mock-Dropped` saying how many older ones
/// the bounded history let go and, when more remain, `X-Mock-Next` giving the `after` of the
/// next page. The copy is taken under the lock; serializing happens after.
fn inspection<T: serde::Serialize>(page: (Vec<T>, Option<u64>), dropped: u64) -> Response {
    let (items, next) = page;
    let mut response = Json(items).into_response();
    let headers = response.headers_mut();
    headers.insert(DROPPED_HEADER, http::HeaderValue::from(dropped));
    if let Some(next) = next {
        headers.insert(NEXT_HEADER, http::HeaderValue::from(next));
    }
    response
}

/// The header carrying how many records the bounded history dropped.
pub const DROPPED_HEADER: &str = "x-mock-dropped";
/// The header carrying the `after` of the next page, when there is one.
pub const NEXT_HEADER: &str = "x-mock-next";
/// Records in one inspection answer, at most (and by default): a bound on every response.
pub const MAX_PAGE: usize = 1000;

/// `?limit=&after=`: a page of records numbered from 1 in arrival order.
type PageParams = axum::extract::RawQuery;

/// The page a query asks for: `after` (0 when absent) and `limit` (at most [`MAX_PAGE`]).
fn page_of(query: PageParams) -> Result<(u64, usize), String> {
    let usage = || {
        format!("expected ?limit=1..={MAX_PAGE}&after=N (N: the number of the last record seen)")
    };
    let (mut after, mut limit) = (0u64, MAX_PAGE);
    for (name, value) in form_urlencoded::parse(query.0.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "after" => after = value.parse().map_err(|_| usage())?,
            "limit" => {
                limit = value.parse().map_err(|_| usage())?;
                if limit == 0 || limit > MAX_PAGE {
                    return Err(usage());
                }
            }
            _ => return Err(usage()),
        }
    }
    Ok((after, limit))
}

pub(crate) async fn requests(State(shared): State<Shared>, query: PageParams) -> Response {
    let (after, limit) = match page_of(query) {
        Ok(bounds) => bounds,
        Err(why) => return bad_request(&why),
    };
    let (page, dropped) = {
        let state = shared.store.lock();
        (state.requests.page(after, limit), state.requests.dropped())
    };
    inspection(page, dropped)
}

pub(crate) async fn submissions(State(shared): State<Shared>, query: PageParams) -> Response {
    let (after, limit) = match page_of(query) {
        Ok(bounds) => bounds,
        Err(why) => return bad_request(&why),
    };
    let (page, dropped) = {
        let state = shared.store.lock();
        (
            state.submissions.page(after, limit),
            state.submissions.dropped(),
        )
    };
    inspection(page, dropped)
}

pub(crate) async fn deliveries(State(shared): State<Shared>, query: PageParams) -> Response {
    let (after, limit) = match page_of(query) {
        Ok(bounds) => bounds,
        Err(why) => return bad_request(&why),
    };
    let (page, dropped) = {
        let state = shared.store.lock();
        (
            state.deliveries.page(after, limit),
            state.deliveries.dropped(),
        )
    };
    inspection(page, dropped)
}

#[derive(Deserialize)]
pub(crate) struct FaultRequest {
    fault: Fault,
    /// How many of the next requests get it; absent: every request from now on.
    times: Option<u64>,
}

/// Reads a control request's JSON body, after its credentials: an unauthenticated client
/// gets 401 without a byte of its body read, and cannot make the simulator grow.
async fn authorised_json<T: serde::de::DeserializeOwned>(
    shared: &Shared,
    headers: &http::HeaderMap,
    body: axum::body::Body,
    expected: &str,
) -> Result<T, Response> {
    if !crate::api::authorised(&shared.store, headers) {
        return Err(crate::api::not_authorised());
    }
    let bytes = axum::body::to_bytes(body, MAX_CONTROL_BODY)
        .await
        .map_err(|_| bad_request(&format!("the body is over {MAX_CONTROL_BODY} bytes")))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        bad_request(&format!(
            "expected {expected}: {}",
            clever_kyc_server::clip(&e.to_string())
        ))
    })
}

/// The largest body a control request may have.
const MAX_CONTROL_BODY: usize = 64 * 1024;

pub(crate) async fn add_fault(
    State(shared): State<Shared>,
    headers: http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    let request: FaultRequest = match authorised_json(
        &shared,
        &headers,
        body,
        "{\"fault\": {\"kind\": ...}, \"times\": n}",
    )
    .await
    {
        Ok(request) => request,
        Err(response) => return response,
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
        Some(times) => {
            if let Err(full) = shared
                .server()
                .inject_fault(request.fault, usize::try_from(times).unwrap_or(usize::MAX))
            {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(json!({"error": full.to_string()})),
                )
                    .into_response();
            }
        }
        None => shared.server().set_default_fault(Some(request.fault)),
    }
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn clear_faults(
    State(shared): State<Shared>,
    headers: http::HeaderMap,
) -> Response {
    if !crate::api::authorised(&shared.store, &headers) {
        return crate::api::not_authorised();
    }
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
    headers: http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    let request: TokenRequest = match authorised_json(
        &shared,
        &headers,
        body,
        "{\"outcome\": \"approved|rejected|failed|pending|expired\", \"ttl_secs\": n}",
    )
    .await
    {
        Ok(request) => request,
        Err(response) => return response,
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
