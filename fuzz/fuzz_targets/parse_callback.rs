//! Input: a callback body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match clever_kyc_core::callback::parse_kyc_status_changed(data) {
        Ok(event) => {
            // Whatever parses must serialize and parse back to the same event.
            let json = serde_json_bytes(&event);
            let again = clever_kyc_core::callback::parse_kyc_status_changed(&json).expect("re-parse");
            assert_eq!(again.idempotency_key(), event.idempotency_key());
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});

fn serde_json_bytes(event: &clever_kyc_core::KycStatusChanged) -> Vec<u8> {
    let request = clever_kyc_core::callback::callback_request(
        "http://127.0.0.1/cb",
        &clever_kyc_core::AuthorizationValue::new("x").expect("valid"),
        event,
    )
    .expect("valid url");
    request.into_body()
}
