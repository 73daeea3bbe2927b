//! The hand-written callback receiver the listener benchmarks compare with: what a
//! competent engineer writes with axum, doing the same work as `clever-kyc listen`: compare
//! the `Authorization` header, parse the body into a derived struct, key it by the SHA-256
//! of the body, remember the key (a `HashSet`; or an `INSERT … ON CONFLICT DO NOTHING` into
//! SQLite in WAL mode with `synchronous = FULL`; or, on Redis, `SET NX` and a stream append
//! in one script, atomic and one round trip) and write one JSON line per event. A store that
//! fails answers 503.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::baseline::Callback;
use axum::body::Bytes;
use axum::extract::State;
use http::{HeaderMap, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

/// Where keys are remembered.
pub enum Sink {
    /// A `HashSet` of keys.
    Memory(Mutex<HashSet<[u8; 32]>>),
    /// An SQLite connection.
    Sqlite(Mutex<rusqlite::Connection>),
    /// A client, its idle connections and the script that records an event.
    Redis(redis::Client, Mutex<Vec<redis::Connection>>, redis::Script),
}

/// Remembers the key and appends the event to a stream in one atomic step: two commands
/// sent separately could lose the event for good if the append failed after the `SET NX`.
const RECORD_ON_REDIS: &str = r"
if redis.call('SET', KEYS[1], 1, 'NX') then
  redis.call('XADD', KEYS[2], '*', 'key', ARGV[1], 'email', ARGV[2], 'json', ARGV[3])
  return 1
end
return 0
";

impl Sink {
    /// The Redis sink for the server at `url`.
    pub fn redis(url: &str) -> Result<Self, redis::RedisError> {
        Ok(Self::Redis(
            redis::Client::open(url)?,
            Mutex::default(),
            redis::Script::new(RECORD_ON_REDIS),
        ))
    }

    /// Records the event; whether it was new.
    fn record(
        &self,
        digest: [u8; 32],
        key: &str,
        email: Option<&str>,
        body: &[u8],
    ) -> Result<bool, String> {
        match self {
            Self::Memory(seen) => Ok(seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(digest)),
            Self::Sqlite(connection) => {
                let connection = connection.lock().unwrap_or_else(|p| p.into_inner());
                let body = std::str::from_utf8(body).map_err(|e| e.to_string())?;
                let inserted = connection
                    .prepare_cached(
                        "INSERT INTO events (key, email, body) VALUES (?1, ?2, ?3)
                         ON CONFLICT (key) DO NOTHING",
                    )
                    .and_then(|mut insert| insert.execute(rusqlite::params![key, email, body]))
                    .map_err(|e| e.to_string())?;
                Ok(inserted == 1)
            }
            Self::Redis(client, idle, script) => {
                let pooled = idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let mut connection = match pooled {
                    Some(connection) => connection,
                    None => client.get_connection().map_err(|e| e.to_string())?,
                };
                let inserted: i64 = script
                    .key(format!("bare:evt:{key}"))
                    .key("bare:events")
                    .arg(key)
                    .arg(email.unwrap_or(""))
                    .arg(body)
                    .invoke(&mut connection)
                    .map_err(|e| e.to_string())?;
                idle.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(connection);
                Ok(inserted == 1)
            }
        }
    }
}

/// The receiver's state.
pub struct Receiver {
    authorization: HeaderValue,
    sink: Sink,
    /// Writes each line to a buffer it drops instead of stdout (for in-process counts).
    quiet: bool,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if headers.get(http::header::AUTHORIZATION) != Some(&receiver.authorization) {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(event) = serde_json::from_slice::<Callback>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let digest: [u8; 32] = Sha256::digest(&body).into();
    let key = digest.iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    });
    let recorded = if matches!(receiver.sink, Sink::Memory(_)) {
        receiver
            .sink
            .record(digest, &key, event.email.as_deref(), &body)
    } else {
        // Store calls block: off the async workers, as a careful engineer does.
        let (receiver, key, email, body) = (
            receiver.clone(),
            key.clone(),
            event.email.clone(),
            body.clone(),
        );
        tokio::task::spawn_blocking(move || {
            receiver.sink.record(digest, &key, email.as_deref(), &body)
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
    };
    let Ok(new) = recorded else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let status = event.kyc_statuses.last().and_then(|s| s.kyc_status.clone());
    let line = serde_json::json!({
        "email": event.email,
        "kyc_status": status,
        "key": key,
        "duplicate": !new,
    });
    if receiver.quiet {
        let mut out = Vec::new();
        let _ = serde_json::to_writer(&mut out, &line);
        out.push(b'\n');
        std::hint::black_box(out);
    } else {
        let mut out = std::io::stdout().lock();
        let _ = serde_json::to_writer(&mut out, &line);
        let _ = out.write_all(b"\n");
    }
    StatusCode::OK
}

/// Opens (creating) the SQLite file the way a careful engineer does: WAL, `synchronous =
/// FULL`, one table keyed by the body's hash.
pub fn open_sqlite(path: &str) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open(path).expect("open the SQLite file");
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    connection
        .pragma_update(None, "synchronous", "FULL")
        .expect("synchronous");
    connection
        .execute_batch(
            "CREATE TABLE IF NOT EXISTS events (key TEXT PRIMARY KEY, email TEXT, body TEXT NOT NULL)",
        )
        .expect("schema");
    connection
}

/// The receiver as an axum router on every path.
pub fn router(authorization: &str, sink: Sink, quiet: bool) -> axum::Router {
    let receiver = Arc::new(Receiver {
        authorization: HeaderValue::from_str(authorization).expect("a header value"),
        sink,
        quiet,
    });
    axum::Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(receiver)
}
