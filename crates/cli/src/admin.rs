//! `--admin-bind`: the address operators and their probes use, never the public callback
//! port. `GET /healthz` (200 while the process serves), `GET /readyz` (200 when the store
//! answers within 1 s and the forwarding backlog is under its bound, else 503 with the
//! reason) and `GET /metrics` (Prometheus, through prometheus-client).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

use crate::exit::Failure;

/// Why the process is not ready, or `Ok` when it is.
pub(crate) type Readiness =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// How long the store has to answer a readiness ping.
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Clone)]
struct Admin {
    registry: Arc<Registry>,
    readiness: Readiness,
}

/// Binds the admin address now (so a taken port fails the start), and serves it until
/// `shutdown` resolves.
pub(crate) async fn start(
    bind: SocketAddr,
    registry: Registry,
    readiness: Readiness,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), Failure> {
    let socket = TcpListener::bind(bind)
        .await
        .map_err(|e| Failure::failed(format!("could not listen on --admin-bind {bind}: {e}")))?;
    let addr = socket
        .local_addr()
        .map_err(|e| Failure::failed(e.to_string()))?;
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Admin {
            registry: Arc::new(registry),
            readiness,
        });
    let mut limits = clever_kyc_server::ServerLimits::default();
    limits.max_connections = 64;
    limits.grace = Duration::from_secs(1);
    let task = tokio::spawn(async move {
        clever_kyc_server::serve(socket, app, limits, shutdown).await;
    });
    Ok((addr, task))
}

async fn healthz() -> Response {
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({"alive": true})),
    )
        .into_response()
}

async fn readyz(State(admin): State<Admin>) -> Response {
    match (admin.readiness)().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"ready": true})),
        )
            .into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"ready": false, "reason": reason})),
        )
            .into_response(),
    }
}

async fn metrics(State(admin): State<Admin>) -> Response {
    let mut text = String::new();
    match prometheus_client::encoding::text::encode(&mut text, &admin.registry) {
        Ok(()) => (
            [(
                http::header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not encode: {e}"),
        )
            .into_response(),
    }
}
