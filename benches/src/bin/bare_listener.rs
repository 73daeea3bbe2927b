//! The baseline for the listener benchmark: the callback receiver a competent engineer
//! writes by hand with axum, doing the same work as `clever-kyc listen --store memory`:
//! compare the `Authorization` header, parse the body into a derived struct, keep a
//! `HashSet` of SHA-256 keys to recognise redeliveries, and write one JSON line per event.
//! Usage: `bare_listener ADDR AUTHORIZATION`.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use clever_kyc_benches::baseline::Callback;
use http::{HeaderMap, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

struct Receiver {
    authorization: HeaderValue,
    seen: Mutex<HashSet<[u8; 32]>>,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if headers.get(http::header::AUTHORIZATION) != Some(&receiver.authorization) {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(event) = serde_json::from_slice::<Callback>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let key: [u8; 32] = Sha256::digest(&body).into();
    let new = receiver
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key);
    let status = event.kyc_statuses.last().and_then(|s| s.kyc_status.clone());
    let line = serde_json::json!({
        "email": event.email,
        "kyc_status": status,
        "key": key.iter().fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        }),
        "duplicate": !new,
    });
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, &line);
    let _ = out.write_all(b"\n");
    StatusCode::OK
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let authorization = args
        .next()
        .unwrap_or_else(|| clever_kyc_benches::fixtures::AUTH.to_owned());
    let receiver = Arc::new(Receiver {
        authorization: HeaderValue::from_str(&authorization).expect("a header value"),
        seen: Mutex::new(HashSet::new()),
    });
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    let app = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(receiver);
    axum::serve(listener, app).await.expect("serve");
}
