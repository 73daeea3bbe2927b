//! The hand-written receiver of `clever_kyc_benches::bare` as a process, for the listener
//! benchmarks.
//!
//! Usage: `bare_listener ADDR AUTHORIZATION [--sqlite PATH | --redis URL]`.

use std::sync::Mutex;

use clever_kyc_benches::bare::{Sink, open_sqlite, router};
use clever_kyc_benches::route::listener_args;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (addr, authorization, options) = listener_args();
    let sink = match (options.first().map(String::as_str), options.get(1)) {
        (Some("--sqlite"), Some(path)) => Sink::Sqlite(Mutex::new(open_sqlite(path))),
        (Some("--redis"), Some(url)) => Sink::redis(url).expect("a Redis URL"),
        _ => Sink::Memory(Mutex::default()),
    };
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, router(&authorization, sink, false))
        .await
        .expect("serve");
}
