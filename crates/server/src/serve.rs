//! The accept loop: a connection cap with back-pressure, per-connection deadlines, accept
//! errors that never end the server, and graceful shutdown with a grace period.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tower_service::Service;

use crate::body::DeadlineBody;

/// Limits a server applies to every client. Every one is a flag of the `clever-kyc`
/// command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerLimits {
    /// A client must send its request headers within this (hyper's header timeout).
    pub header_read_timeout: Duration,
    /// A client must send a whole request body within this, counted from its headers.
    pub body_read_timeout: Duration,
    /// A connection with no request in flight is closed after this.
    pub idle_timeout: Duration,
    /// Connections served at once; further ones wait in the kernel's accept queue.
    pub max_connections: usize,
    /// After the shutdown signal, in-flight requests get this long to finish.
    pub grace: Duration,
    /// Bytes a second a request body must keep up after its first second; slower is cut
    /// with 408, so that slow senders free their connection long before
    /// [`body_read_timeout`](Self::body_read_timeout). 0 turns the check off.
    pub min_body_rate: u64,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_connections: 512,
            grace: Duration::from_secs(10),
            min_body_rate: 1024,
        }
    }
}

/// What happened over a server's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeSummary {
    /// Connections accepted.
    pub connections: u64,
    /// Connections still open when the grace period ended (their requests were cut).
    pub cut_at_shutdown: usize,
}

/// When the last request of a connection ended, how many are in flight, and a way to ask
/// it to close.
struct Activity {
    in_flight: AtomicUsize,
    last: Mutex<Instant>,
    evict: tokio::sync::Notify,
}

/// The open connections in accept order, so that at the cap the oldest idle one (reading
/// headers slowly, or kept alive with nothing to do) can make room for a new client.
#[derive(Default)]
struct Connections {
    open: Mutex<BTreeMap<u64, Arc<Activity>>>,
}

impl Connections {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Activity>>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks the oldest connection with no request in flight to close; whether there was one.
    /// Idle and evicted are decided in one atomic step, so a connection whose request just
    /// started is never picked.
    fn evict_oldest_idle(&self) -> bool {
        let open = self.lock();
        let evicted = open.values().find(|a| {
            a.in_flight
                .compare_exchange(0, EVICTED, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        });
        if let Some(activity) = evicted {
            activity.evict.notify_one();
        }
        evicted.is_some()
    }
}

impl Activity {
    fn idle_since(&self) -> Option<Instant> {
        (self.in_flight.load(Ordering::SeqCst) == 0)
            .then(|| *self.last.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn touch(&self) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }
}

/// `in_flight` of a connection chosen for eviction: no longer 0, so it is neither idle nor
/// chosen twice. A request that arrives after the choice is dropped with the connection,
/// unanswered, so the client retries it; nothing is acknowledged that was not handled.
const EVICTED: usize = usize::MAX / 2;

/// Resolves once the connection has had no request in flight for `idle`.
async fn idle_expired(activity: &Activity, idle: Duration) {
    loop {
        match activity.idle_since() {
            Some(since) if since.elapsed() >= idle => return,
            Some(since) => tokio::time::sleep_until(since + idle).await,
            None => tokio::time::sleep(idle).await,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting, lets
/// in-flight requests finish within [`ServerLimits::grace`], and returns.
///
/// Requests carry [`ConnectInfo<SocketAddr>`] for handlers that log the peer.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> ServeSummary {
    serve_observed(listener, app, limits, shutdown, ConnectionGauge::default()).await
}

/// The number of open connections, kept by [`serve_observed`]: register it in a Prometheus
/// registry (`clever_kyc_http_connections` in `clever-kyc listen`).
pub type ConnectionGauge = prometheus_client::metrics::gauge::Gauge;

/// [`serve`], keeping `connections` at the number of connections open.
pub async fn serve_observed(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send,
    connections_open: ConnectionGauge,
) -> ServeSummary {
    // At most u32::MAX: draining at shutdown takes every permit back in one call.
    let max_permits =
        u32::try_from(limits.max_connections.clamp(1, Semaphore::MAX_PERMITS)).unwrap_or(u32::MAX);
    let max = max_permits as usize;
    let slots = Arc::new(Semaphore::new(max));
    let (stop_tx, stop_rx) = watch::channel(false);
    let accepted = AtomicU64::new(0);
    let connections = Arc::new(Connections::default());
    let mut accept_errors = AcceptErrors::default();
    let mut next_id = 0u64;
    tokio::pin!(shutdown);
    loop {
        if slots.available_permits() == 0 {
            // At the cap: make room by closing the oldest idle connection rather than letting
            // slow clients starve the ones with a whole request to send.
            connections.evict_oldest_idle();
        }
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // the semaphore is never closed; stop if it ever is
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // EMFILE and friends: wait a little and keep serving.
                    accept_errors.report(&e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        accepted.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let stop = stop_rx.clone();
        next_id += 1;
        let id = next_id;
        let activity = Arc::new(Activity {
            in_flight: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
            evict: tokio::sync::Notify::new(),
        });
        connections.lock().insert(id, Arc::clone(&activity));
        let registry = Arc::clone(&connections);
        let open = connections_open.clone();
        open.inc();
        tokio::spawn(async move {
            let _permit = permit;
            serve_connection(stream, peer, app, limits, stop, activity).await;
            registry.lock().remove(&id);
            open.dec();
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(limits.grace, slots.acquire_many(max_permits)).await;
    ServeSummary {
        connections: accepted.load(Ordering::Relaxed),
        cut_at_shutdown: if drained.is_ok() {
            0
        } else {
            max - slots.available_permits()
        },
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: ServerLimits,
    mut stop: watch::Receiver<bool>,
    activity: Arc<Activity>,
) {
    let service_activity = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
        let activity = Arc::clone(&service_activity);
        activity.in_flight.fetch_add(1, Ordering::SeqCst);
        let expired = Arc::new(AtomicBool::new(false));
        let cut = Arc::clone(&expired);
        let mut request = request.map(|body| {
            Body::new(DeadlineBody::new(
                body,
                limits.body_read_timeout,
                limits.min_body_rate,
                cut,
            ))
        });
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut app = app.clone();
        async move {
            let mut response = app
                .call(request)
                .await
                .map_err(|never: Infallible| match never {})?;
            if expired.load(Ordering::SeqCst) {
                // Whatever the handler made of a body cut short, the client was too slow.
                *response.status_mut() = http::StatusCode::REQUEST_TIMEOUT;
                response.headers_mut().insert(
                    http::header::CONNECTION,
                    http::HeaderValue::from_static("close"),
                );
            }
            activity.touch();
            activity.in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, Infallible>(response)
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    // Once asked to close, a connection gets a deadline: an idle one 1 s, one draining at
    // shutdown the grace period. Past it, it is dropped.
    let mut closing: Option<Instant> = None;
    loop {
        let deadline = closing.unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400));
        tokio::select! {
            _ = connection.as_mut() => return,
            () = idle_expired(&activity, limits.idle_timeout), if closing.is_none() => {
                closing = Some(Instant::now() + Duration::from_secs(1));
                connection.as_mut().graceful_shutdown();
            }
            // Evicted with nothing in flight (typically a client still dribbling its headers):
            // dropped at once, since a graceful close would wait for those headers.
            () = activity.evict.notified(), if closing.is_none() => return,
            changed = stop.changed(), if closing.is_none() => {
                if changed.is_err() || *stop.borrow() {
                    closing = Some(Instant::now() + limits.grace);
                    connection.as_mut().graceful_shutdown();
                }
            }
            () = tokio::time::sleep_until(deadline), if closing.is_some() => return,
        }
    }
}

/// Accept errors, logged at most once a second with a count of the rest.
#[derive(Default)]
struct AcceptErrors {
    last_logged: Option<Instant>,
    unlogged: u64,
}

impl AcceptErrors {
    fn report(&mut self, error: &std::io::Error) {
        let due = self
            .last_logged
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        if due {
            let also = std::mem::take(&mut self.unlogged);
            let more = if also > 0 {
                format!(" ({also} more since the last report)")
            } else {
                String::new()
            };
            tracing::warn!("could not accept a connection: {error}{more}; still serving");
            self.last_logged = Some(Instant::now());
        } else {
            self.unlogged += 1;
        }
    }
}
