//! Every operation's response reader, and the dates read from the wire.
//! Input: one byte choosing the operation, two bytes of status code (big-endian, folded into
//! 100..=599), then the body, which is also tried as a `Retry-After` header and as a date.
#![no_main]

use std::time::SystemTime;

use clever_kyc_core::*;
use clever_kyc_core::{contact::ContactDetails, contact::ContactListQuery, contact::ContactPages, contact::ListContacts, response::parse_submit_response, retry::RetryClass, sumsub::GenerateShareToken, sumsub::ShareTokenRequest, sumsub::SumsubConfig, utc::UtcDateTime};
use libfuzzer_sys::fuzz_target;

fn check<T>(result: Result<T, ResponseError>) {
    if let Err(error) = result {
        // Display must be total and bounded; the retry decision must not panic.
        let text = error.to_string();
        assert!(text.len() < 8 * 1024, "error text grew to {} bytes", text.len());
        let _ = RetryClass::of_response_error(&error, SystemTime::UNIX_EPOCH);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&[op, hi, lo], body)) = data.split_first_chunk::<3>() else {
        return;
    };
    let status = 100 + u16::from_be_bytes([hi, lo]) % 500;
    let mut builder = http::Response::builder().status(status);
    if let Ok(value) = http::HeaderValue::from_bytes(body) {
        builder = builder.header(http::header::RETRY_AFTER, value);
    }
    let Ok(response) = builder.body(body) else {
        return;
    };
    let Ok(config) = ApiConfig::new(Environment::Sandbox, Credentials::new("app", "secret").unwrap()) else {
        return;
    };
    let email = Email::parse("fuzz@example.com").unwrap();
    match op % 4 {
        0 => check(ContactDetails::new(&config, &email).parse(&response)),
        1 => {
            let query = ContactListQuery::new(UtcDateTime::from_system_time(SystemTime::UNIX_EPOCH), UtcDateTime::from_system_time(SystemTime::UNIX_EPOCH));
            let page = ListContacts::new(&config, &query, 1).parse(&response);
            if let Ok(page) = &page {
                // Whatever the totals say, the cursor ends.
                let mut pages = ContactPages::new(query).with_max_pages(3);
                for _ in 0..5 {
                    if pages.next_operation(&config).is_none() || pages.advance(page).is_err() {
                        break;
                    }
                }
                assert!(pages.next_operation(&config).is_none(), "the cursor did not end");
            }
            check(page);
        }
        2 => {
            let sumsub = SumsubConfig::from_text("sbx:t", "k").unwrap();
            let op = GenerateShareToken::new(&sumsub, &ShareTokenRequest::new("a", "b").unwrap());
            check(op.parse(&response));
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(body) {
                let _ = text.parse::<UtcDateTime>().map(|t| t.to_string());
            }
            check(parse_submit_response(&response));
        }
    }
});
