//! The hostile-input corpus against the callback and response parsers.

#[path = "../hostile/corpus.rs"]
mod corpus;

use std::path::Path;

use clever_kyc_core::*;
use clever_kyc_core::{
    callback::CallbackParseError, callback::parse_kyc_status_changed, response::BodySnippet,
    response::parse_submit_response,
};

fn kind(result: &Result<KycStatusChanged, CallbackParseError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(CallbackParseError::Json { .. }) => "json",
        Err(CallbackParseError::NotAnObject { .. }) => "not_an_object",
        Err(CallbackParseError::InvalidUtf8 { .. }) => "invalid_utf8",
        Err(CallbackParseError::TooLarge { .. }) => "too_large",
        Err(_) => "other",
    }
}

fn cases() -> Vec<corpus::HostileCase> {
    corpus::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile"))
}

#[test]
fn every_hostile_body_gets_its_expected_callback_outcome() {
    let mut wrong = Vec::new();
    for case in cases().iter().filter(|c| !c.listener_only) {
        let result = parse_kyc_status_changed(&case.body);
        if kind(&result) != case.callback {
            wrong.push(format!(
                "{}: expected {}, got {:?}",
                case.name,
                case.callback,
                result.as_ref().map(|_| "ok")
            ));
        }
        if let Err(e) = &result {
            assert!(
                e.to_string().len() < 2048,
                "{}: error text unbounded",
                case.name
            );
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_hostile_body_is_classified_by_its_status_with_a_bounded_excerpt() {
    for case in cases().iter().filter(|c| !c.listener_only) {
        for status in [200u16, 401, 422] {
            let response = http::Response::builder()
                .status(status)
                .body(&case.body[..])
                .unwrap();
            match parse_submit_response(&response) {
                Err(
                    ResponseError::Unexpected { body, .. }
                    | ResponseError::Unauthorized { body, .. }
                    | ResponseError::Unprocessable { body, .. },
                ) => {
                    assert!(body.as_str().len() <= BodySnippet::MAX_BYTES)
                }
                other => panic!("{} as {status}: {other:?}", case.name),
            }
        }
    }
}

#[test]
fn a_wrong_type_in_every_field_is_refused_naming_that_field() {
    let documented: serde_json::Value =
        serde_json::from_str(documented::KYC_STATUS_CHANGED).unwrap();
    let paths: Vec<Vec<serde_json::Value>> = {
        let mut paths = Vec::new();
        for (key, value) in documented.as_object().unwrap() {
            paths.push(vec![key.as_str().into()]);
            if let Some(inner) = value.as_object() {
                for inner_key in inner.keys() {
                    paths.push(vec![key.as_str().into(), inner_key.as_str().into()]);
                }
            }
            if key == "kyc_statuses" {
                for inner_key in ["kyc_status", "message"] {
                    paths.push(vec![key.as_str().into(), 0.into(), inner_key.into()]);
                }
            }
        }
        paths
    };
    assert!(paths.len() >= 20);
    for path in paths {
        let mut event = documented.clone();
        let mut slot = &mut event;
        for step in &path {
            slot = match step {
                serde_json::Value::String(k) => &mut slot[k.as_str()],
                serde_json::Value::Number(i) => &mut slot[i.as_u64().unwrap() as usize],
                _ => unreachable!(),
            };
        }
        *slot = serde_json::json!(12345);
        let body = serde_json::to_vec(&event).unwrap();
        match parse_kyc_status_changed(&body) {
            Err(CallbackParseError::Json { path: reported, .. }) => {
                let expected: Vec<String> = path
                    .iter()
                    .map(|s| s.as_str().map_or_else(|| format!("[{s}]"), str::to_owned))
                    .collect();
                let expected = expected.join(".").replace(".[", "[");
                assert_eq!(reported, expected);
            }
            other => panic!("{path:?}: {other:?}"),
        }
    }
}
