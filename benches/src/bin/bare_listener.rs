//! The baseline for the listener benchmark: an axum server that answers every request 200
//! without looking at it. Usage: `bare_listener ADDR`.

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    let app = axum::Router::new().fallback(|| async { http::StatusCode::OK });
    axum::serve(listener, app).await.expect("serve");
}
