//! The webhook receiver: core's verification and parsing behind an HTTP server, with
//! duplicate marking. `clever-kyc listen` prints its events; the demo consumes them.

use std::collections::{HashSet, VecDeque};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use clever_kyc_core::{
    AuthorizationValue, CallbackAuthenticator, CallbackReceiver, IdempotencyKey, KycStatus,
    KycStatusChanged,
};
use http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::args::ListenArgs;
use crate::exit::Failure;
use crate::secrets::read_secret_file;

/// Keys remembered for duplicate marking; the oldest are forgotten past this.
const REMEMBERED_KEYS: usize = 100_000;

/// An accepted callback.
#[derive(Debug, Clone)]
pub(crate) struct ReceivedEvent {
    pub(crate) event: KycStatusChanged,
    /// The event's canonical JSON, serialized once for both the key and the printed line.
    pub(crate) canonical: String,
    pub(crate) key: IdempotencyKey,
    pub(crate) duplicate: bool,
}

impl ReceivedEvent {
    /// The JSON line `listen --json` prints: the event with `kyc_statuses` lower-cased, plus
    /// `latest_status`, `idempotency_key` and `duplicate`.
    pub(crate) fn into_json_line(mut self) -> String {
        let needs_lowering = self
            .event
            .kyc_statuses
            .iter()
            .filter_map(|e| e.kyc_status.as_ref())
            .any(|s| s.as_str().chars().any(char::is_uppercase));
        if needs_lowering {
            for entry in &mut self.event.kyc_statuses {
                if let Some(status) = &entry.kyc_status {
                    entry.kyc_status = Some(KycStatus::from_word(&status.as_str().to_lowercase()));
                }
            }
            self.canonical = self.event.canonical_json();
        }
        // Splice the extra fields in before the closing brace of the JSON already made for
        // the idempotency key, rather than serializing again or building a serde_json::Value.
        let mut line = std::mem::take(&mut self.canonical);
        line.pop();
        if line.len() > 1 {
            line.push(',');
        }
        line.push_str("\"latest_status\":");
        match self.event.latest_status() {
            // A status word is JSON-escaped by serializing it as a string.
            Some(status) => line.push_str(
                &serde_json::to_string(status.as_str()).unwrap_or_else(|_| "null".into()),
            ),
            None => line.push_str("null"),
        }
        let _ = write!(
            line,
            ",\"idempotency_key\":\"{}\",\"duplicate\":{}}}",
            self.key, self.duplicate
        );
        line
    }

    /// The line `listen` prints without `--json`.
    pub(crate) fn to_text(&self) -> String {
        let email = self.event.email.as_deref().unwrap_or("(no email)");
        let latest = self.event.latest();
        let status = latest
            .and_then(|e| e.kyc_status.as_ref())
            .map_or("(no status)", |s| s.as_str());
        let message = latest
            .and_then(|e| e.message.as_deref())
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        let duplicate = if self.duplicate {
            " [duplicate delivery]"
        } else {
            ""
        };
        format!("KYCStatusChanged {email}: {status}{message}{duplicate}")
    }
}

#[derive(Clone)]
struct ListenState {
    receiver: Arc<CallbackReceiver>,
    seen: Arc<Mutex<(HashSet<IdempotencyKey>, VecDeque<IdempotencyKey>)>>,
    events: mpsc::UnboundedSender<ReceivedEvent>,
}

impl ListenState {
    /// Whether this key arrived before; remembers it.
    fn is_duplicate(&self, key: &IdempotencyKey) -> bool {
        let mut guard = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let (set, order) = &mut *guard;
        if !set.insert(*key) {
            return true;
        }
        order.push_back(*key);
        if order.len() > REMEMBERED_KEYS
            && let Some(old) = order.pop_front()
        {
            set.remove(&old);
        }
        false
    }
}

/// Serves callbacks on `listener` until the task is dropped; accepted events go to `events`.
pub(crate) async fn serve(
    listener: TcpListener,
    receiver: CallbackReceiver,
    events: mpsc::UnboundedSender<ReceivedEvent>,
) {
    let state = ListenState {
        receiver: Arc::new(receiver),
        seen: Arc::default(),
        events,
    };
    let app = Router::new().fallback(handle).with_state(state);
    if let Err(e) = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    {
        eprintln!("listen: the server stopped: {e}");
    }
}

async fn handle(
    State(state): State<ListenState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    let refuse = |status: StatusCode, why: &dyn std::fmt::Display| {
        // Never the header values: only what was wrong with them.
        eprintln!(
            "listen: refused {method} {} from {peer}: {} ({why})",
            uri.path(),
            status.as_u16()
        );
        status
    };
    if let Err(rejection) = state.receiver.check_head(&method, &headers) {
        return refuse(rejection.http_status(), &rejection);
    }
    let limit = state.receiver.body_limit();
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format_args!("body over {limit} bytes"),
            );
        }
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format_args!("could not read the body: {e}"),
            );
        }
    };
    match state.receiver.parse_body(&bytes) {
        Ok(event) => {
            let canonical = event.canonical_json();
            let key = IdempotencyKey::of_canonical_json(&canonical);
            let duplicate = state.is_duplicate(&key);
            let _ = state.events.send(ReceivedEvent {
                event,
                canonical,
                key,
                duplicate,
            });
            StatusCode::OK
        }
        Err(rejection) => refuse(rejection.http_status(), &rejection),
    }
}

/// The accepted values from `--auth` and `--auth-file`.
fn authenticator(args: &ListenArgs) -> Result<CallbackAuthenticator, Failure> {
    let mut values = args.auth.clone();
    if let Some(path) = &args.auth_file {
        let text = read_secret_file(path, "authorization values")?;
        values.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned),
        );
    }
    if values.is_empty() {
        return Err(Failure::usage(
            "give at least one accepted Authorization value with --auth or --auth-file",
        ));
    }
    let values = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            AuthorizationValue::new(v)
                .map_err(|e| Failure::usage(format!("authorization value #{}: {e}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CallbackAuthenticator::new(values))
}

/// Prints events as they come, one line each, flushing whenever the queue is empty: one
/// write per burst rather than per event.
async fn print_events(mut rx: mpsc::UnboundedReceiver<ReceivedEvent>, json: bool) {
    use std::io::Write;
    let mut batch = Vec::with_capacity(64);
    while rx.recv_many(&mut batch, 256).await > 0 {
        let mut out = String::new();
        for event in batch.drain(..) {
            out.push_str(&if json {
                event.into_json_line()
            } else {
                event.to_text()
            });
            out.push('\n');
        }
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return; // stdout closed: nothing left to print to
        }
    }
}

/// `clever-kyc listen`: runs until interrupted.
pub(crate) fn run(args: ListenArgs) -> Result<u8, Failure> {
    let receiver = CallbackReceiver::new(authenticator(&args)?).with_body_limit(args.max_body);
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let listener = TcpListener::bind(args.bind)
            .await
            .map_err(|e| Failure::failed(format!("could not listen on {}: {e}", args.bind)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::failed(e.to_string()))?;
        eprintln!("listen: receiving KYCStatusChanged callbacks on http://{addr} (any path)");
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(serve(listener, receiver, tx));
        tokio::spawn(print_events(rx, args.json));
        let _ = tokio::signal::ctrl_c().await;
        Ok(crate::exit::OK)
    })
}
