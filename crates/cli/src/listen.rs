//! `clever-kyc listen`: callbacks committed to a store before they are acknowledged, then
//! printed (and forwarded). The demo runs the same server with a channel as its sink.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use clever_kyc_core::AuthorizationValue;
use clever_kyc_receive::{
    AsyncStore, BoxError, CallbackHandler, CallbackInbox, CallbackStore, InboxError, Receipt,
    ReceiveLimits, ReceiveMetrics, StoreLocation, handle_receipt, receive_callback,
};
use clever_kyc_server::{ServerLimits, clip, serve_observed, shutdown_signal};
use http::{HeaderMap, Method, StatusCode, Uri};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tracing::Instrument;

use crate::admin::{READY_TIMEOUT, Readiness};
use crate::args::{ListenArgs, RedisDurabilityArg, ServerArgs};
use crate::exit::Failure;
use crate::forward::Forwarder;
use crate::line::{EventLine, Tail};
use crate::outbox::{OutboxMetrics, OutboxPolicy, OutboxWaker};
use crate::printer::{DEFAULT_QUEUE_BYTES, PrintError, Printer};
use crate::secrets::read_secret_file;

/// Each shutdown step's deadline after the grace period (the outbox, the runtime's blocking
/// tasks, the stdout writer, the log queue): together under the 2 s the contract allows.
const SHUTDOWN_STEP: Duration = Duration::from_millis(400);

/// The store every listener commits to.
pub(crate) type Inbox = CallbackInbox<Arc<dyn CallbackStore>>;

/// Where an event must be before the listener answers 200. Every sink but the store is a
/// [`CallbackHandler`], run through the receive crate's `handle_receipt` like any library
/// user's handler: once per event until it succeeds, then marked handled.
#[derive(Debug, Clone)]
pub(crate) enum Sink {
    /// The store is durable: committed is delivered; stdout is a view.
    Store,
    /// The store is memory: the printed, flushed line is what counts.
    Stdout(StdoutSink),
    /// The store is durable, and the outbox forwards what it commits to the merchant's
    /// service: committed is delivered, as far as Hello Clever is concerned.
    Outbox(OutboxWaker),
    /// A channel in this process (the demo).
    Channel(ChannelSink),
}

/// Standard output as the sink: the line must be written and flushed.
#[derive(Debug, Clone)]
pub(crate) struct StdoutSink {
    printer: Printer,
    json: bool,
}

impl CallbackHandler for StdoutSink {
    async fn handle(&self, receipt: Receipt) -> Result<(), BoxError> {
        let line = line_of(&receipt, self.json);
        self.printer
            .write_flushed(line)
            .await
            .map_err(|why| Box::new(StdoutUnavailable(why)).into())
    }
}

/// A channel in this process as the sink: the receiver must take the event.
#[derive(Debug, Clone)]
pub(crate) struct ChannelSink(pub(crate) mpsc::Sender<Receipt>);

impl CallbackHandler for ChannelSink {
    async fn handle(&self, receipt: Receipt) -> Result<(), BoxError> {
        self.0
            .send(receipt)
            .await
            .map_err(|_| "the receiving side of the channel stopped".into())
    }
}

/// The line printed for a delivery: JSON with `--json`, else one readable line.
fn line_of(receipt: &Receipt, json: bool) -> String {
    let line = EventLine::of_receipt(receipt);
    let tail = Tail::Duplicate(receipt.is_duplicate());
    if json {
        line.json(tail)
    } else {
        line.text(tail)
    }
}

#[derive(Clone)]
pub(crate) struct Listener {
    inbox: Arc<Inbox>,
    sink: Sink,
    printer: Option<Printer>,
    json: bool,
    limits: ReceiveLimits,
}

impl Listener {
    pub(crate) fn new(
        inbox: Inbox,
        sink: Sink,
        printer: Option<Printer>,
        json: bool,
        body_timeout: Duration,
    ) -> Self {
        Self {
            inbox: Arc::new(inbox),
            sink,
            printer,
            json,
            limits: ReceiveLimits::default().with_body_read_timeout(body_timeout),
        }
    }

    /// The router: every path, one handler.
    pub(crate) fn router(self) -> Router {
        Router::new().fallback(handle).with_state(self)
    }
}

async fn handle(
    State(listener): State<Listener>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    // The receive crate logs every refusal, failure and commit; this span says which
    // request it was. Never a header value; the path is the client's, so it is cut and escaped.
    let span = tracing::info_span!(
        "listen",
        %peer,
        method = %clip(method.as_str()),
        path = %clip(uri.path())
    );
    answer(listener, method, headers, body)
        .instrument(span)
        .await
}

async fn answer(listener: Listener, method: Method, headers: HeaderMap, body: Body) -> StatusCode {
    let refuse = |error: &InboxError| error.http_status();
    // With the outbox, committed events wait there (unhandled) until the target takes them.
    let handled_on_commit = matches!(listener.sink, Sink::Store);
    let receipt = match receive_callback(
        &listener.inbox,
        method.clone(),
        headers,
        body,
        &listener.limits,
        handled_on_commit,
    )
    .await
    {
        Ok(receipt) => receipt,
        Err(error) => return refuse(&error),
    };
    // Every delivery is shown, duplicates included; a line the sink itself must flush is
    // written by the sink instead.
    let flushed_by_sink = matches!(listener.sink, Sink::Stdout(_)) && receipt.needs_handling();
    if let (Some(printer), false) = (&listener.printer, flushed_by_sink) {
        printer.write_best_effort(line_of(&receipt, listener.json));
    }
    let inbox = &listener.inbox;
    let outcome = match &listener.sink {
        Sink::Store => Ok(()),
        Sink::Outbox(waker) => {
            waker.committed();
            Ok(())
        }
        Sink::Stdout(sink) => handle_receipt(inbox, sink, receipt).await,
        Sink::Channel(sink) => handle_receipt(inbox, sink, receipt).await,
    };
    match outcome {
        Ok(()) => StatusCode::OK,
        Err(error) => refuse(&error),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("standard output cannot take the event ({0:?})")]
struct StdoutUnavailable(PrintError);

/// The accepted values from `--auth` and `--auth-file`.
fn static_values(args: &ListenArgs) -> Result<Vec<AuthorizationValue>, Failure> {
    let mut values = args.auth.clone();
    if let Some(path) = &args.auth_file {
        let text = read_secret_file(path, "authorization values")?;
        values.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned),
        );
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            AuthorizationValue::new(v)
                .map_err(|e| Failure::usage(format!("authorization value #{}: {e}", i + 1)))
        })
        .collect()
}

/// Ready when the store answers within a second and, when forwarding, fewer than
/// `max_backlog` events wait.
fn readiness(
    store: AsyncStore<dyn CallbackStore>,
    forwarding: bool,
    max_backlog: u64,
) -> Readiness {
    Arc::new(move || {
        let store = store.clone();
        Box::pin(async move {
            match tokio::time::timeout(READY_TIMEOUT, store.ping()).await {
                Ok(Ok(())) => {}
                _ => return Err("store unreachable".to_owned()),
            }
            if forwarding {
                match tokio::time::timeout(READY_TIMEOUT, store.backlog()).await {
                    Ok(Ok(waiting)) if waiting >= max_backlog => {
                        return Err(format!(
                            "forwarding backlog of {waiting} events is at its bound of {max_backlog}"
                        ));
                    }
                    Ok(Ok(_)) => {}
                    _ => return Err("store unreachable".to_owned()),
                }
            }
            Ok(())
        })
    })
}

/// Opens the store named on the command line: exit 2 when it cannot be.
pub(crate) fn open_store(
    location: &StoreLocation,
    create: bool,
) -> Result<Box<dyn CallbackStore>, Failure> {
    let opened = if create {
        location.open()
    } else {
        location.open_existing()
    };
    opened.map_err(|e| {
        Failure::usage(format!(
            "--store {location}: {}",
            clever_kyc_core::transport::error_chain(&e)
        ))
    })
}

/// What the Redis server promises about an acknowledged event, held to `--redis-durability`:
/// a weaker server is refused (exit 2, with the fix); unreadable settings are a warning.
fn redis_durability(url: &str, accepted: RedisDurabilityArg) -> Result<String, Failure> {
    let store = clever_kyc_receive::RedisStore::open(url).map_err(|e| {
        Failure::usage(format!(
            "--store: {}",
            clever_kyc_core::transport::error_chain(&e)
        ))
    })?;
    let durability = store.durability();
    match durability.rank() {
        Some(rank) if rank > accepted.rank() => Err(Failure::usage(format!(
            "--store: the Redis server has {durability}. Fix: set `appendonly yes` and `appendfsync always` in redis.conf (or CONFIG SET them), or accept the loss window with --redis-durability everysec|none"
        ))),
        Some(_) => Ok(durability.to_string()),
        None => {
            clever_kyc_server::stderr_line(format!(
                "listen: warning: the Redis server's persistence settings could not be read ({durability}); managed services often disable CONFIG. Make sure it runs with an append-only file synced on every write, or acknowledged events can be lost if it stops"
            ));
            Ok(durability.to_string())
        }
    }
}

pub(crate) fn server_limits(args: &ServerArgs) -> ServerLimits {
    let mut limits = ServerLimits::default();
    limits.header_read_timeout = Duration::from_secs(args.header_timeout.max(1));
    // The receiver's own body deadline answers 408 first; the server's is the backstop.
    limits.body_read_timeout =
        Duration::from_secs(args.body_timeout.max(1)).saturating_add(Duration::from_secs(1));
    limits.idle_timeout = Duration::from_secs(args.idle_timeout.max(1));
    limits.max_connections = args.max_connections.max(1);
    limits.grace = Duration::from_secs(args.grace);
    limits.min_body_rate = args.min_body_rate;
    limits
}

/// `clever-kyc listen`: runs until SIGTERM or SIGINT, then finishes in-flight requests.
pub(crate) fn run(args: ListenArgs) -> Result<u8, Failure> {
    let values = static_values(&args)?;
    let forwarder = args
        .forward_to
        .as_deref()
        .map(|url| Forwarder::new(url, Duration::from_secs(args.forward_timeout.max(1))))
        .transpose()?;
    if forwarder.is_some() && matches!(args.store.store, StoreLocation::Memory) {
        return Err(Failure::usage(
            "--forward-to needs a durable store: once an event is acknowledged the listener owns its delivery, across restarts; name a sqlite: or redis:// store",
        ));
    }
    let store: Arc<dyn CallbackStore> = Arc::from(open_store(&args.store.store, true)?);
    let mut described = store.describe();
    if let StoreLocation::Redis(url) = &args.store.store {
        described.push_str(&format!(
            "; durability: {}",
            redis_durability(url, args.redis_durability)?
        ));
    }
    let async_store = AsyncStore::new(Arc::clone(&store));
    // Metrics under the names dashboards rely on, served on --admin-bind.
    let mut registry = prometheus_client::registry::Registry::default();
    let receive_metrics = ReceiveMetrics::default();
    receive_metrics.register(&mut registry);
    let connections = clever_kyc_server::ConnectionGauge::default();
    registry.register(
        "clever_kyc_http_connections",
        "Connections open on the callback port",
        connections.clone(),
    );
    let outbox_metrics = OutboxMetrics::default();
    outbox_metrics.register(&mut registry);
    let inbox = CallbackInbox::new(store)
        .with_metrics(receive_metrics)
        .with_static_values(values)
        .with_body_limit(args.max_body);
    // With the memory store and no forward target, stdout is the only place events go.
    let stdout_is_sink = forwarder.is_none() && matches!(args.store.store, StoreLocation::Memory);
    let what_survives = if stdout_is_sink {
        "with --store memory there is nowhere left to put events: answering 503 from now on"
    } else {
        "still committing events to the store (read them with `clever-kyc events`)"
    };
    let (printer, writer) = Printer::start(what_survives, DEFAULT_QUEUE_BYTES);
    let runtime = crate::runtime()?;
    let (stop_outbox, stopped) = watch::channel(false);
    let forwarding = forwarder.is_some();
    let outbox = forwarder.map(|forwarder| {
        let policy = OutboxPolicy {
            max_backoff: Duration::from_secs(args.forward_max_backoff),
            give_up_after: (args.forward_give_up_after > 0)
                .then(|| Duration::from_secs(args.forward_give_up_after)),
            // Past the attempt's timeout and a margin, a claim is taken as lost.
            lease: Duration::from_secs(args.forward_timeout.saturating_mul(2).saturating_add(30)),
            metrics: outbox_metrics.clone(),
        };
        let _entered = runtime.enter();
        crate::outbox::start(async_store.clone(), forwarder, policy, stopped.clone())
    });
    let sink = match &outbox {
        Some((waker, _)) => Sink::Outbox(waker.clone()),
        None if stdout_is_sink => Sink::Stdout(StdoutSink {
            printer: printer.clone(),
            json: args.json,
        }),
        None => Sink::Store,
    };
    let limits = server_limits(&args.server);
    let listener = Listener::new(
        inbox,
        sink,
        Some(printer.clone()),
        args.json,
        Duration::from_secs(args.server.body_timeout.max(1)),
    );
    let _ = clever_kyc_server::raise_open_file_limit();
    let summary = runtime.block_on(async {
        let socket = TcpListener::bind(args.bind)
            .await
            .map_err(|e| Failure::failed(format!("could not listen on {}: {e}", args.bind)))?;
        let addr = socket
            .local_addr()
            .map_err(|e| Failure::failed(e.to_string()))?;
        let admin = match args.admin_bind {
            Some(bind) => {
                let readiness = readiness(async_store.clone(), forwarding, args.ready_max_backlog);
                let mut stop = stopped.clone();
                let shutdown = async move {
                    let _ = stop.wait_for(|stopped| *stopped).await;
                };
                let (admin_addr, task) =
                    crate::admin::start(bind, registry, readiness, shutdown).await?;
                clever_kyc_server::stderr_line(format!(
                    "listen: health, readiness and metrics on http://{admin_addr} (/healthz, /readyz, /metrics)"
                ));
                Some(task)
            }
            None => None,
        };
        clever_kyc_server::stderr_line(format!(
            "listen: receiving KYCStatusChanged callbacks on http://{addr} (any path); store {described}"
        ));
        let summary =
            serve_observed(socket, listener.router(), limits, shutdown_signal(), connections).await;
        if let Some(task) = admin {
            let _ = stop_outbox.send(true);
            let _ = tokio::time::timeout(SHUTDOWN_STEP, task).await;
        }
        // Deliveries in flight get the grace period; an unfinished one keeps its place in
        // the outbox and goes out after the next start (or from another replica).
        let _ = stop_outbox.send(true);
        if let Some((_, task)) = outbox {
            let _ = tokio::time::timeout(SHUTDOWN_STEP, task).await;
        }
        Ok::<_, Failure>(summary)
    })?;
    // Whatever the pipes and the store do, the process ends within --grace plus 2 s: each
    // step below has its own deadline, and nothing here waits on a reader.
    runtime.shutdown_timeout(SHUTDOWN_STEP);
    let unwritten = writer.finish([printer], Instant::now() + SHUTDOWN_STEP);
    let mut summary_line = format!("listen: stopped after {} connections", summary.connections);
    if summary.cut_at_shutdown > 0 {
        summary_line.push_str(&format!(
            "; {} cut at the end of the grace period",
            summary.cut_at_shutdown
        ));
    }
    if unwritten.dropped > 0 {
        summary_line.push_str(&format!(
            "; {} lines not printed (standard output was too slow)",
            unwritten.dropped
        ));
    }
    if unwritten.lines > 0 {
        // Never acknowledged lines: with --store memory a line is flushed before its 200.
        summary_line.push_str(&format!(
            "; {} lines still queued for standard output were not written (its reader stopped reading; the events are in the store)",
            unwritten.lines
        ));
    }
    clever_kyc_server::stderr_line(summary_line);
    clever_kyc_server::flush_logs(SHUTDOWN_STEP);
    Ok(crate::exit::OK)
}
