//! The SDK's callback route as a merchant embeds it: `clever_kyc_receive::callback_router`
//! on a memory store, served by `clever_kyc_receive::serve` (header, body and idle
//! deadlines, a connection cap), its handler writing one JSON line per event to stdout as
//! the hand-written `bare_listener` does. The listener benchmarks run it beside
//! `clever-kyc listen`, which carries the whole command.
//!
//! Usage: `sdk_listener ADDR AUTHORIZATION`.

use std::io::Write;
use std::sync::Arc;

use clever_kyc_receive::{
    AuthorizationValue, CallbackInbox, MemoryStore, Receipt, ReceiveLimits, ServerLimits,
    callback_router, serve,
};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let authorization = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| clever_kyc_benches::fixtures::AUTH.to_owned());
    let value = AuthorizationValue::new(authorization).expect("a header value");
    let inbox = Arc::new(CallbackInbox::new(MemoryStore::new()).with_static_values([value]));
    let app = callback_router(
        inbox,
        ReceiveLimits::default(),
        |receipt: Receipt| async move {
            let line = serde_json::json!({
                "email": receipt.email,
                "kyc_status": receipt.callback.event.latest_status().map(|s| s.as_str()),
                "key": receipt.callback.idempotency_key.to_hex(),
                "duplicate": receipt.is_duplicate(),
            });
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
            Ok::<(), std::io::Error>(())
        },
    );
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    serve(
        listener,
        app,
        ServerLimits::default(),
        std::future::pending(),
    )
    .await;
}
