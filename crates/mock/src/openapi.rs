//! The contract as OpenAPI 3.1 documents, served by the simulator and printed by the command.
//!
//! They are files, not generated: the tests hold them against the SDK's types (every example
//! parses with core into the values meant; what core writes validates against the schemas),
//! and Schemathesis holds the simulator to them.

use axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::CONTENT_TYPE;

/// Hello Clever: Submit KYC With Token, Create Contact, Get Contact Details, the contact
/// list, and the `KYCStatusChanged` callback (as a callback of the submit and a webhook).
pub const HELLO_CLEVER_OPENAPI: &str = include_str!("../openapi/hello-clever.openapi.json");

/// Sumsub's share-token operation with its signature headers.
pub const SUMSUB_OPENAPI: &str = include_str!("../openapi/sumsub.openapi.json");

fn json(text: &'static str) -> Response {
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// `GET /__mock/openapi.json`.
pub(crate) async fn hello_clever() -> Response {
    json(HELLO_CLEVER_OPENAPI)
}

/// `GET /__mock/sumsub-openapi.json`.
pub(crate) async fn sumsub() -> Response {
    json(SUMSUB_OPENAPI)
}
