use super::*;
use crate::documented;

#[test]
fn the_documented_record_parses_with_every_field() {
    let event = parse_kyc_status_changed(documented::KYC_STATUS_CHANGED.as_bytes()).unwrap();
    assert_eq!(event.email.as_deref(), Some("test@helloclever.co"));
    assert_eq!(event.contact_type, Some(ContactType::Individual));
    assert_eq!(event.gender, Some(Gender::Male));
    let identity = event.identity.as_ref().unwrap();
    assert_eq!(identity.id_doc_type, Some(IdDocType::Passport));
    assert_eq!(event.kyc_statuses.len(), 2);
    assert_eq!(event.kyc_statuses[0].message, None, "\"null\" is absent");
    assert_eq!(
        event.kyc_statuses[1].message.as_deref(),
        Some("KYC is rejected.")
    );
    assert_eq!(event.latest_status(), Some(&KycStatus::Rejected));
}

#[test]
fn unknown_words_are_kept_and_known_words_match_in_any_casing() {
    let body = br#"{"type":"ORGANIZATION","gender":"Other","kyc_statuses":[{"kyc_status":"Under_Review"},{"kyc_status":"APPROVED"}],"identity":{"id_doc_type":"Residence_Permit"}}"#;
    let event = parse_kyc_status_changed(body).unwrap();
    assert_eq!(event.contact_type, Some(ContactType::Organization));
    assert_eq!(event.gender, Some(Gender::Other("Other".into())));
    assert_eq!(
        event.kyc_statuses[0].kyc_status,
        Some(KycStatus::Other("Under_Review".into()))
    );
    assert_eq!(event.latest_status(), Some(&KycStatus::Approved));
    assert_eq!(
        event.identity.unwrap().id_doc_type,
        Some(IdDocType::Other("Residence_Permit".into()))
    );
}

#[test]
fn null_empty_and_the_string_null_are_all_absent() {
    let body = br#"{"email":null,"first_name":"","last_name":"NULL","gender":"null","kyc_statuses":null,"identity":null}"#;
    let event = parse_kyc_status_changed(body).unwrap();
    assert_eq!(event, KycStatusChanged::default());
}

#[test]
fn unknown_fields_are_ignored() {
    let body = br#"{"email":"a@b.co","risk_score":7,"nested":{"deep":[1,2,3]},"kyc_statuses":[{"kyc_status":"pending","reviewer":"x"}]}"#;
    let event = parse_kyc_status_changed(body).unwrap();
    assert_eq!(event.latest_status(), Some(&KycStatus::Pending));
}

#[test]
fn a_wrong_type_names_its_json_path() {
    let body = br#"{"email":"a@b.co","kyc_statuses":[{"kyc_status":"approved"},{"message":42}]}"#;
    match parse_kyc_status_changed(body).unwrap_err() {
        CallbackParseError::Json { path, .. } => assert_eq!(path, "kyc_statuses[1].message"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_wrong_json_kind_in_a_text_field_is_refused_with_its_path() {
    for (value, kind) in [
        ("5", "integer `5`"),
        ("-1.5", "floating point `-1.5`"),
        ("true", "boolean `true`"),
        ("{}", "map"),
        ("[]", "sequence"),
    ] {
        let body = format!(r#"{{"city":{value}}}"#);
        match parse_kyc_status_changed(body.as_bytes()).unwrap_err() {
            CallbackParseError::Json { path, detail, .. } => {
                assert_eq!(path, "city");
                assert!(
                    detail.starts_with(&format!("invalid type: {kind}, expected a string or null")),
                    "{detail}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn the_body_must_be_a_json_object() {
    let cases: [(&[u8], &str); 6] = [
        (b"[1,2]", "an array"),
        (b"\"x\"", "a string"),
        (b" 12", "a number"),
        (b"true", "a boolean"),
        (b"null", "null"),
        (b"  ", "empty"),
    ];
    for (body, found) in cases {
        assert_eq!(
            parse_kyc_status_changed(body),
            Err(CallbackParseError::NotAnObject { found }),
            "{body:?}"
        );
    }
    assert!(matches!(
        parse_kyc_status_changed(b"<html>"),
        Err(CallbackParseError::Json { .. })
    ));
    assert!(matches!(
        parse_kyc_status_changed(b"[1,"),
        Err(CallbackParseError::Json { .. })
    ));
}

#[test]
fn invalid_utf8_and_oversized_bodies_are_refused() {
    assert_eq!(
        parse_kyc_status_changed(b"{\"email\":\"\xff\"}"),
        Err(CallbackParseError::InvalidUtf8 { valid_up_to: 10 })
    );
    assert_eq!(
        parse_kyc_status_changed_with_limit(b"{}", 1),
        Err(CallbackParseError::TooLarge { size: 2, limit: 1 })
    );
}

#[test]
fn the_idempotency_key_ignores_noise_and_tracks_changes() {
    let a = parse_kyc_status_changed(
        br#"{"email":"a@b.co","kyc_statuses":[{"kyc_status":"pending"}]}"#,
    )
    .unwrap();
    let b = parse_kyc_status_changed(br#"{ "kyc_statuses":[{"kyc_status":"PENDING","message":"null"}], "email":"a@b.co", "x":1 }"#).unwrap();
    let c = parse_kyc_status_changed(
        br#"{"email":"a@b.co","kyc_statuses":[{"kyc_status":"approved"}]}"#,
    )
    .unwrap();
    assert_eq!(a.idempotency_key(), b.idempotency_key());
    assert_ne!(a.idempotency_key(), c.idempotency_key());
    let hex = a.idempotency_key().to_hex();
    assert_eq!(hex.len(), 64);
    assert_eq!(hex, a.idempotency_key().to_string());
}

#[test]
fn an_event_round_trips_through_its_serialized_form() {
    let event = parse_kyc_status_changed(documented::KYC_STATUS_CHANGED.as_bytes()).unwrap();
    let json = serde_json::to_vec(&event).unwrap();
    assert_eq!(parse_kyc_status_changed(&json).unwrap(), event);
}

mod identity {
    use std::time::{Duration, SystemTime};

    use crate::callback::*;
    use crate::email::Email;
    use crate::secret::AuthorizationValue;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn pending() -> KycStatusChanged {
        KycStatusChanged::new(
            "a@example.com",
            vec![KycStatusEntry::new(KycStatus::Pending, None)],
        )
    }

    type Registry = std::collections::HashMap<AuthDigest, Registration>;

    fn registered(registry: &mut Registry, id: &str, seed: u8) -> AuthorizationValue {
        let value = authorization_from_random_bytes([seed; 32]);
        registry.insert(
            AuthDigest::of(&value),
            Registration::new(
                SubmissionId::new(id).unwrap(),
                Email::parse("a@example.com").unwrap(),
                at(0),
                Duration::from_secs(100),
            ),
        );
        value
    }

    #[test]
    fn the_same_body_for_two_submissions_is_two_events() {
        let mut registry = Registry::new();
        let first = registered(&mut registry, "first", 1);
        let second = registered(&mut registry, "second", 2);
        let receiver = CallbackReceiver::new(CallbackAuthenticator::default());
        let receive = |value: &AuthorizationValue| {
            let request = callback_request("http://127.0.0.1/cb", value, &pending()).unwrap();
            receiver
                .receive_registered(&request, at(1), |d| registry.get(d).cloned())
                .unwrap()
        };
        let (a, a_again, b) = (receive(&first), receive(&first), receive(&second));
        assert_eq!(a.idempotency_key(), a_again.idempotency_key());
        assert_ne!(a.idempotency_key(), b.idempotency_key());
        assert_eq!(a.submission_id().unwrap().as_str(), "first");
        assert_eq!(b.submission_id().unwrap().as_str(), "second");
    }

    #[test]
    fn a_static_value_keeps_the_body_only_key_and_names_no_submission() {
        let value = AuthorizationValue::new("Bearer static").unwrap();
        let receiver = CallbackReceiver::new(CallbackAuthenticator::new([value.clone()]));
        let request = callback_request("http://127.0.0.1/cb", &value, &pending()).unwrap();
        let received = receiver
            .receive_registered(&request, at(1), |_| {
                panic!("no lookup for a value of its own")
            })
            .unwrap();
        assert_eq!(received.source(), &CallbackSource::StaticValue);
        assert_eq!(received.idempotency_key(), &pending().idempotency_key());
    }

    #[test]
    fn an_expired_or_unknown_registration_is_refused_as_a_mismatch() {
        let mut registry = Registry::new();
        let value = registered(&mut registry, "s", 3);
        let receiver = CallbackReceiver::new(CallbackAuthenticator::default());
        let request = callback_request("http://127.0.0.1/cb", &value, &pending()).unwrap();
        let refused = receiver.receive_registered(&request, at(100), |d| registry.get(d).cloned());
        assert_eq!(
            refused,
            Err(CallbackRejection::Unauthorized(CallbackAuthError::Mismatch))
        );
        assert_eq!(
            receiver.receive(&request),
            Err(CallbackRejection::Unauthorized(CallbackAuthError::Mismatch))
        );
    }

    #[test]
    fn the_head_is_checked_before_any_lookup() {
        let receiver = CallbackReceiver::new(CallbackAuthenticator::default());
        let headers = http::HeaderMap::new();
        assert_eq!(
            receiver.check_head(&http::Method::POST, &headers),
            Err(CallbackRejection::Unauthorized(CallbackAuthError::Missing))
        );
    }
}
