//! The SDK's callback route and the hand-written one, driven in-process through tower (no
//! sockets), for allocations per request and for profiling the listener's own work.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use clever_kyc_receive::{
    CallbackInbox, MemoryStore, Receipt, ReceiveLimits, callback_router,
    clever_kyc_core::AuthorizationValue,
};
use http::Request;
use tower::ServiceExt;

use crate::fixtures::AUTH;

/// The SDK's route on a memory store with the fixture's value, its handler writing the
/// event's JSON line to a buffer it drops (as the hand-written one does when quiet).
pub fn sdk() -> axum::Router {
    sdk_router(AUTH, true)
}

/// The SDK's route on a memory store accepting `authorization`, as a merchant embeds it:
/// its handler writes one JSON line per event, to standard output or, when `quiet`, to a
/// buffer it drops; the same line the hand-written receiver writes.
pub fn sdk_router(authorization: &str, quiet: bool) -> axum::Router {
    let value = AuthorizationValue::new(authorization).expect("a header value");
    let inbox = Arc::new(CallbackInbox::new(MemoryStore::new()).with_static_values([value]));
    callback_router(
        inbox,
        ReceiveLimits::default(),
        move |receipt: Receipt| async move {
            let line = serde_json::json!({
                "email": receipt.email,
                "kyc_status": receipt.callback.event().latest_status().map(|s| s.as_str()),
                "key": receipt.callback.idempotency_key().to_hex(),
                "duplicate": receipt.is_duplicate(),
            });
            if quiet {
                let mut out = Vec::new();
                serde_json::to_writer(&mut out, &line)?;
                out.push(b'\n');
                std::hint::black_box(out);
            } else {
                let mut out = std::io::stdout().lock();
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")?;
            }
            Ok::<(), std::io::Error>(())
        },
    )
}

/// A listener program's arguments, `ADDR AUTHORIZATION [OPTION VALUE]`: the address (any
/// free loopback port when absent), the value (the fixture's when absent), and the rest.
pub fn listener_args() -> (String, String, Vec<String>) {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let authorization = args.next().unwrap_or_else(|| AUTH.to_owned());
    (addr, authorization, args.collect())
}

/// The hand-written route with its `HashSet`, quiet.
pub fn hand_written() -> axum::Router {
    crate::bare::router(AUTH, crate::bare::Sink::Memory(Mutex::default()), true)
}

/// One callback request with `body`.
pub fn request(body: &'static [u8]) -> Request<Body> {
    Request::post("/kyc/callback")
        .header("authorization", AUTH)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("valid")
}

/// Sends one request through `router`; whether it was answered 200.
pub async fn send(router: &axum::Router, body: &'static [u8]) -> bool {
    router
        .clone()
        .oneshot(request(body))
        .await
        .is_ok_and(|response| response.status() == 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn both_routes_accept_the_documented_callback_and_refuse_a_stranger() {
        let body = clever_kyc_core::documented::KYC_STATUS_CHANGED.as_bytes();
        for router in [sdk(), hand_written()] {
            assert!(send(&router, body).await);
            assert!(
                send(&router, body).await,
                "a redelivery is acknowledged too"
            );
            let stranger = Request::post("/kyc/callback")
                .header("authorization", "Bearer someone-else")
                .body(Body::from(body))
                .unwrap();
            let response = router.clone().oneshot(stranger).await.unwrap();
            assert_eq!(response.status(), 401);
        }
    }
}
