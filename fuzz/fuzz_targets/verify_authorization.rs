//! Input: header values separated by NUL; the first is the expected value, the rest are
//! the Authorization headers received.
#![no_main]

use clever_kyc_core::{AuthorizationValue, callback::CallbackAuthError, callback::CallbackAuthenticator};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0);
    let Some(expected) = parts.next() else { return };
    let Ok(expected) = std::str::from_utf8(expected) else { return };
    let Ok(expected) = AuthorizationValue::new(expected) else { return };
    let auth = CallbackAuthenticator::new([expected.clone()]);
    let mut headers = http::HeaderMap::new();
    for part in parts {
        if let Ok(value) = http::HeaderValue::from_bytes(part) {
            headers.append(http::header::AUTHORIZATION, value);
        }
    }
    let result = auth.verify(&headers);
    let received: Vec<&[u8]> = headers.get_all(http::header::AUTHORIZATION).iter().map(|v| v.as_bytes()).collect();
    match received.as_slice() {
        [] => assert_eq!(result, Err(CallbackAuthError::Missing)),
        [one] if *one == expected.expose_secret().as_bytes() => assert_eq!(result, Ok(())),
        [_] => assert!(result.is_err()),
        many => assert_eq!(result, Err(CallbackAuthError::Repeated { count: many.len() })),
    }
});
