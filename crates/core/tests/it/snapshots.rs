//! Whole requests, outcomes and error texts, so a reviewer sees any change.

use std::fmt::Write;

use clever_kyc_core::*;
use clever_kyc_core::{
    callback::CallbackAuthError, callback::parse_kyc_status_changed, request::build_submit_request,
    response::Accepted, response::parse_submit_response, transport::TransportErrorKind,
    transport::error_chain,
};
use http::Response;

use crate::{AUTH_VALUE, SECRET_KEY, sandbox_config};

/// Renders a request as text with its secrets replaced, for a snapshot.
fn render(request: &HttpRequest) -> String {
    let mut out = format!("{} {}\n", request.method(), request.uri());
    for (name, value) in request.headers() {
        let shown = if value.is_sensitive() {
            "<redacted: sensitive>".to_owned()
        } else {
            value.to_str().unwrap().to_owned()
        };
        writeln!(out, "{name}: {shown}").unwrap();
    }
    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    out.push('\n');
    out.push_str(&serde_json::to_string_pretty(&body).unwrap());
    out.replace(AUTH_VALUE, "<redacted: authorization_header>")
}

#[test]
fn the_built_request_with_a_webhook() {
    let submission = KycSubmission::builder()
        .email("contact@example.com")
        .token("_act-sbx-jwt-eyJhbGciOiJub25lIn0.e30.")
        .webhook("https://merchant.example/kyc/callback", AUTH_VALUE)
        .build()
        .unwrap();
    let request = build_submit_request(&sandbox_config(), &submission);
    let text = render(&request);
    assert!(!text.contains(SECRET_KEY) && !text.contains("AUTH_LEAK_CANARY"));
    insta::assert_snapshot!(text);
}

#[test]
fn the_built_request_without_a_webhook() {
    let submission = KycSubmission::builder()
        .email("contact@example.com")
        .token("tok")
        .build()
        .unwrap();
    insta::assert_snapshot!(render(&build_submit_request(
        &sandbox_config(),
        &submission
    )));
}

#[test]
fn the_body_has_exactly_the_documented_field_names() {
    let submission = KycSubmission::builder()
        .email("string@example.com")
        .token("string")
        .webhook("https://example.org", "SECRET")
        .build()
        .unwrap();
    let built: serde_json::Value =
        serde_json::from_slice(build_submit_request(&sandbox_config(), &submission).body())
            .unwrap();
    let documented: serde_json::Value = serde_json::from_str(documented::SUBMIT_REQUEST).unwrap();
    fn shape(v: &serde_json::Value) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(map) = v.as_object() {
            for (k, inner) in map {
                keys.push(k.clone());
                keys.extend(shape(inner).into_iter().map(|s| format!("{k}.{s}")));
            }
        }
        keys.sort();
        keys
    }
    assert_eq!(shape(&built), shape(&documented));
}

#[test]
fn every_documented_response_example() {
    for (status, name, body) in documented::SUBMIT_RESPONSES {
        let response = Response::builder()
            .status(*status)
            .header("content-type", "application/json")
            .body(body.as_bytes())
            .unwrap();
        insta::assert_debug_snapshot!(*name, parse_submit_response(&response));
    }
}

fn with_status(
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Accepted, ResponseError> {
    let mut builder = Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    parse_submit_response(&builder.body(body.to_owned()).unwrap())
}

#[test]
fn error_display_texts() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let mut lines = vec![];
    let mut show = |label: &str, text: String| lines.push(format!("{label}:\n  {text}"));
    let errors = [
        (
            "401",
            with_status(401, &[], documented::SUBMIT_401_NOT_AUTHORISED),
        ),
        (
            "422",
            with_status(422, &[], documented::SUBMIT_422_EMAIL_BLANK),
        ),
        ("400 empty", with_status(400, &[], "")),
        ("429", with_status(429, &[("retry-after", "3")], "")),
        ("503", with_status(503, &[], "")),
        (
            "502 html",
            with_status(502, &[("content-type", "text/html")], html),
        ),
        (
            "302",
            with_status(302, &[("location", "https://elsewhere.example/")], ""),
        ),
        (
            "200 html",
            with_status(200, &[("content-type", "text/html")], html),
        ),
        ("200 truncated", with_status(200, &[], "{\"status\": \"O")),
        ("404", with_status(404, &[], "not found")),
    ];
    for (label, result) in errors {
        show(label, result.unwrap_err().to_string());
    }
    let validation = [
        (
            "email",
            KycSubmission::builder().email("a@@b").token("t").build(),
        ),
        (
            "token",
            KycSubmission::builder()
                .email("a@b.co")
                .token("a b")
                .build(),
        ),
        (
            "endpoint_url",
            KycSubmission::builder()
                .email("a@b.co")
                .token("t")
                .webhook("http://merchant.example/cb", "x")
                .build(),
        ),
        (
            "authorization_header",
            KycSubmission::builder()
                .email("a@b.co")
                .token("t")
                .webhook_url("https://m.example/cb")
                .build(),
        ),
    ];
    for (label, result) in validation {
        show(label, result.unwrap_err().to_string());
    }
    show(
        "callback json",
        parse_kyc_status_changed(br#"{"kyc_statuses":[{"kyc_status":7}]}"#)
            .unwrap_err()
            .to_string(),
    );
    show(
        "callback array",
        parse_kyc_status_changed(b"[]").unwrap_err().to_string(),
    );
    show("callback auth", CallbackAuthError::Mismatch.to_string());
    show(
        "transport",
        error_chain(&TransportError::new(
            TransportErrorKind::Connect,
            std::io::Error::other("Connection refused (os error 111)"),
        )),
    );
    let text = lines.join("\n");
    assert!(!text.contains(SECRET_KEY));
    insta::assert_snapshot!(text);
}

#[test]
fn the_documented_callback_record() {
    let event = parse_kyc_status_changed(documented::KYC_STATUS_CHANGED.as_bytes()).unwrap();
    insta::assert_debug_snapshot!(event);
}
