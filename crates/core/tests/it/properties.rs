//! Properties of the parsers and of validation, stated in each test's name.

use clever_kyc_core::*;
use clever_kyc_core::{
    callback::CallbackAuthenticator, callback::CallbackParseError,
    callback::parse_kyc_status_changed, request::build_submit_request,
    response::parse_submit_response, submission::ShareToken, submission::TokenError, url::UrlError,
};
use proptest::prelude::*;

use crate::sandbox_config;

/// Arbitrary JSON values, nested a few levels.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("approved"),
            Just("PENDING"),
            Just("null"),
            Just(""),
            Just("Passport")
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("email".to_owned()),
            Just("kyc_statuses".to_owned()),
            Just("kyc_status".to_owned()),
            Just("message".to_owned()),
            Just("identity".to_owned()),
            Just("type".to_owned()),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn local_part() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,10}(\\.[a-z0-9+_-]{1,8}){0,2}"
}

fn domain() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,10}(-[a-z0-9]{1,5})?(\\.[a-z0-9]{1,8}){0,2}\\.[a-z]{2,6}"
}

proptest! {
    #[test]
    fn the_response_parser_never_panics_on_arbitrary_bytes(status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..600)) {
        let response = http::Response::builder().status(status).body(body).unwrap();
        let _ = parse_submit_response(&response);
    }

    #[test]
    fn the_callback_parser_never_panics_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_kyc_status_changed(&body);
    }

    #[test]
    fn the_callback_parser_never_panics_on_arbitrary_json(value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap();
        match parse_kyc_status_changed(&body) {
            Ok(_) => prop_assert!(value.is_object()),
            Err(CallbackParseError::NotAnObject { .. }) => prop_assert!(!value.is_object()),
            Err(CallbackParseError::Json { path, .. }) => prop_assert!(!path.is_empty()),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn a_parsed_event_survives_serializing_and_parsing_again(value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap();
        if let Ok(event) = parse_kyc_status_changed(&body) {
            let again = parse_kyc_status_changed(&serde_json::to_vec(&event).unwrap()).unwrap();
            prop_assert_eq!(again.idempotency_key(), event.idempotency_key());
            prop_assert_eq!(again, event);
        }
    }

    #[test]
    fn the_request_body_round_trips_every_field(
        local in local_part(),
        domain in domain(),
        token in "[A-Za-z0-9._~+/=-]{1,300}",
        path in "(/[a-z0-9]{1,8}){0,3}",
        auth in "[!-~]([ -~]{0,40}[!-~])?",
    ) {
        let email = format!("{local}@{domain}");
        let url = format!("https://{domain}{path}");
        let submission = KycSubmission::builder()
            .email(email.clone())
            .token(token.clone())
            .webhook(url.clone(), auth.clone())
            .build()
            .unwrap();
        let request = build_submit_request(&sandbox_config(), &submission);
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        prop_assert_eq!(&body["email"], &serde_json::Value::from(email));
        prop_assert_eq!(&body["token"], &serde_json::Value::from(token));
        let sent_url = body["webhook_notification"]["endpoint_url"].as_str().unwrap();
        prop_assert!(sent_url == url || sent_url == format!("{url}/"), "{} vs {}", sent_url, url);
        prop_assert_eq!(&body["webhook_notification"]["authorization_header"], &serde_json::Value::from(auth));
    }

    #[test]
    fn validation_accepts_generated_valid_emails(local in local_part(), domain in domain()) {
        let email = format!("{local}@{domain}");
        prop_assert!(Email::parse(&email).is_ok(), "{}", email);
    }

    #[test]
    fn validation_rejects_emails_with_white_space_or_without_one_at(local in local_part(), domain in domain(), ws in "[ \t\r\n]") {
        let with_space = format!("{local}{ws}x@{domain}");
        prop_assert!(Email::parse(&with_space).is_err());
        let no_at = format!("{local}{domain}");
        let two_ats = format!("{local}@@{domain}");
        prop_assert!(Email::parse(&no_at).is_err());
        prop_assert!(Email::parse(&two_ats).is_err());
    }

    #[test]
    fn validation_rejects_tokens_with_white_space_or_control_characters(
        head in "[A-Za-z0-9]{0,20}", bad in "[ \t\r\n\u{0}-\u{1f}\u{7f}\u{a0}]", tail in "[A-Za-z0-9]{0,20}",
    ) {
        let token = format!("{head}{bad}{tail}");
        prop_assert_eq!(ShareToken::new(token), Err(TokenError::InvalidCharacter { position: head.len() }));
    }

    #[test]
    fn validation_rejects_http_callbacks_to_hosts_that_are_not_loopback(domain in domain()) {
        let result = KycSubmission::builder()
            .email("a@example.com").token("t")
            .webhook(format!("http://{domain}/cb"), "secret")
            .build();
        let refused = matches!(result, Err(ValidationError::EndpointUrl(UrlError::InsecureScheme { .. })));
        prop_assert!(refused);
    }

    #[test]
    fn authorization_matches_only_the_exact_value(a in "[!-~]{1,40}", b in "[!-~]{1,40}") {
        let auth = CallbackAuthenticator::new([AuthorizationValue::new(a.clone()).unwrap()]);
        let mut headers = http::HeaderMap::new();
        headers.insert("authorization", b.parse().unwrap());
        prop_assert_eq!(auth.verify(&headers).is_ok(), a == b);
    }
}
