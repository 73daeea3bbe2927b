//! The SDK's callback route as a merchant embeds it: `clever_kyc_receive::callback_router`
//! on a memory store, served by `clever_kyc_receive::serve` (header, body and idle
//! deadlines, a connection cap), its handler writing one JSON line per event to stdout as
//! the hand-written `bare_listener` does. The listener benchmarks run it beside
//! `clever-kyc listen`, which carries the whole command.
//!
//! Usage: `sdk_listener ADDR AUTHORIZATION`.

use clever_kyc_benches::route::{listener_args, sdk_router};
use clever_kyc_receive::{ServerLimits, serve};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (addr, authorization, _) = listener_args();
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    let app = sdk_router(&authorization, false);
    serve(
        listener,
        app,
        ServerLimits::default(),
        std::future::pending(),
    )
    .await;
}
