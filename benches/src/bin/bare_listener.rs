//! The hand-written receiver of `clever_kyc_benches::bare` as a process, for the listener
//! benchmarks.
//!
//! Usage: `bare_listener ADDR AUTHORIZATION [--sqlite PATH | --redis URL]`.

use std::sync::Mutex;

use clever_kyc_benches::bare::{Sink, open_sqlite, router};

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
    let sink = match (args.get(2).map(String::as_str), args.get(3)) {
        (Some("--sqlite"), Some(path)) => Sink::Sqlite(Mutex::new(open_sqlite(path))),
        (Some("--redis"), Some(url)) => Sink::Redis(
            redis::Client::open(url.as_str()).expect("a Redis URL"),
            Mutex::default(),
        ),
        _ => Sink::Memory(Mutex::default()),
    };
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, router(&authorization, sink, false))
        .await
        .expect("serve");
}
