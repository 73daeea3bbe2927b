//! Input: two bytes of status code (big-endian, folded into 100..=599), then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((status, body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = 100 + u16::from_be_bytes(*status) % 500;
    let Ok(response) = http::Response::builder().status(status).body(body) else {
        return;
    };
    if let Err(error) = clever_kyc_core::response::parse_submit_response(&response) {
        // Display must be total and the excerpt bounded.
        let text = error.to_string();
        assert!(text.len() < 8 * 1024, "error text grew to {} bytes", text.len());
    }
});
