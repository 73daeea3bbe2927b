//! No public type's Debug and no error's Display carries a secret, in any form.

use clever_kyc_core::*;
use clever_kyc_core::{
    callback::CallbackAuthenticator, callback::CallbackReceiver, request::build_submit_request,
    secret::SecretKey, sumsub::GenerateShareToken, sumsub::ShareTokenRequest, sumsub::SumsubConfig,
};

use crate::{AUTH_VALUE, SECRET_KEY, sandbox_config};

const TOKEN: &str = "tok_TOKEN_CANARY_123";

/// Text forms a secret could take in output: itself, and its bytes as Debug prints a Vec<u8>.
fn forms(secret: &str) -> Vec<String> {
    let bytes: Vec<String> = secret.bytes().map(|b| b.to_string()).collect();
    vec![secret.to_owned(), bytes.join(", ")]
}

fn assert_clean(label: &str, text: &str) {
    for secret in [SECRET_KEY, AUTH_VALUE, TOKEN] {
        for form in forms(secret) {
            assert!(!text.contains(&form), "{label} shows a secret: {text}");
        }
    }
}

#[test]
fn debug_output_of_every_public_type_holding_a_secret_is_redacted() {
    let config = sandbox_config();
    let builder = KycSubmission::builder()
        .email("a@example.com")
        .token(TOKEN)
        .webhook("https://m.example/cb", AUTH_VALUE);
    let submission = builder.clone().build().unwrap();
    let auth = AuthorizationValue::new(AUTH_VALUE).unwrap();
    let authenticator = CallbackAuthenticator::new([auth.clone()]);
    let receiver = CallbackReceiver::new(authenticator.clone());
    let call = Call::new(SubmitKyc::new(&config, &submission), RetryPolicy::default());
    let sumsub = SumsubConfig::from_text(SECRET_KEY, AUTH_VALUE).unwrap();
    let share = GenerateShareToken::new(&sumsub, &ShareTokenRequest::new("app", "hc").unwrap());
    let share_request = share.request(std::time::SystemTime::now());
    let request = build_submit_request(&config, &submission);
    let texts = [
        ("ApiConfig", format!("{config:?} {config:#?}")),
        ("Credentials", format!("{:?}", config.credentials())),
        (
            "SecretKey",
            format!("{:?}", SecretKey::new(SECRET_KEY).unwrap()),
        ),
        ("AuthorizationValue", format!("{auth:?}")),
        ("ShareToken", format!("{:?}", submission.token())),
        ("KycSubmissionBuilder", format!("{builder:?}")),
        ("KycSubmission", format!("{submission:?} {submission:#?}")),
        ("WebhookNotification", format!("{:?}", submission.webhook())),
        ("CallbackAuthenticator", format!("{authenticator:?}")),
        ("CallbackReceiver", format!("{receiver:?}")),
        ("Call", format!("{call:?}")),
        ("SumsubConfig", format!("{sumsub:?} {sumsub:#?}")),
        ("GenerateShareToken", format!("{share:?}")),
        (
            "Sumsub request headers",
            format!("{:?}", share_request.headers()),
        ),
        (
            "IssuedShareToken",
            format!(
                "{:?}",
                share
                    .parse(&http::Response::new(format!(r#"{{"token":"{TOKEN}"}}"#)))
                    .unwrap()
            ),
        ),
        ("request headers", format!("{:?}", request.headers())),
    ];
    for (label, text) in &texts {
        assert_clean(label, text);
    }
}

#[test]
fn no_error_display_carries_a_secret() {
    let bad_secret = format!("{SECRET_KEY}\u{1}");
    let bad_auth = format!("{AUTH_VALUE}\u{7f}");
    let mut texts: Vec<String> = vec![
        Credentials::new("app", &bad_secret)
            .unwrap_err()
            .to_string(),
        AuthorizationValue::new(bad_auth.clone())
            .unwrap_err()
            .to_string(),
        KycSubmission::builder()
            .email("a@example.com")
            .token(format!("{TOKEN} x"))
            .build()
            .unwrap_err()
            .to_string(),
        KycSubmission::builder()
            .email("a@example.com")
            .token(TOKEN)
            .webhook("https://m.example", bad_auth)
            .build()
            .unwrap_err()
            .to_string(),
        KycSubmission::builder()
            .email("a@example.com")
            .token("x".repeat(2000))
            .build()
            .unwrap_err()
            .to_string(),
    ];
    let mut headers = http::HeaderMap::new();
    headers.insert("authorization", "Bearer wrong".parse().unwrap());
    let auth = CallbackAuthenticator::new([AuthorizationValue::new(AUTH_VALUE).unwrap()]);
    texts.push(auth.verify(&headers).unwrap_err().to_string());
    headers.append("authorization", AUTH_VALUE.parse().unwrap());
    texts.push(auth.verify(&headers).unwrap_err().to_string());
    for text in texts {
        assert_clean("error", &text);
    }
}
