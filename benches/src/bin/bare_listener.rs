//! The baseline for the listener benchmarks: the callback receiver a competent engineer
//! writes by hand with axum, doing the same work as `clever-kyc listen`: compare the
//! `Authorization` header, parse the body into a derived struct, key it by the SHA-256 of
//! the body, remember the key (a `HashSet`; or an `INSERT … ON CONFLICT DO NOTHING` into
//! SQLite in WAL mode with `synchronous = FULL`; or `SET NX` and a stream append on Redis)
//! and write one JSON line per event. A store that fails answers 503.
//!
//! Usage: `bare_listener ADDR AUTHORIZATION [--sqlite PATH | --redis URL]`.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use clever_kyc_benches::baseline::Callback;
use http::{HeaderMap, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

/// Where keys are remembered.
enum Sink {
    Memory(Mutex<HashSet<[u8; 32]>>),
    Sqlite(Mutex<rusqlite::Connection>),
    /// A client and its idle connections.
    Redis(redis::Client, Mutex<Vec<redis::Connection>>),
}

impl Sink {
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
            Self::Redis(client, idle) => {
                let pooled = idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let mut connection = match pooled {
                    Some(connection) => connection,
                    None => client.get_connection().map_err(|e| e.to_string())?,
                };
                let set: Option<String> = redis::cmd("SET")
                    .arg(format!("bare:evt:{key}"))
                    .arg(1)
                    .arg("NX")
                    .query(&mut connection)
                    .map_err(|e| e.to_string())?;
                if set.is_some() {
                    redis::cmd("XADD")
                        .arg("bare:events")
                        .arg("*")
                        .arg("key")
                        .arg(key)
                        .arg("email")
                        .arg(email.unwrap_or(""))
                        .arg("json")
                        .arg(body)
                        .query::<String>(&mut connection)
                        .map_err(|e| e.to_string())?;
                }
                idle.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(connection);
                Ok(set.is_some())
            }
        }
    }
}

struct Receiver {
    authorization: HeaderValue,
    sink: Sink,
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
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, &line);
    let _ = out.write_all(b"\n");
    StatusCode::OK
}

fn open_sqlite(path: &str) -> rusqlite::Connection {
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
    let receiver = Arc::new(Receiver {
        authorization: HeaderValue::from_str(&authorization).expect("a header value"),
        sink,
    });
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    let app = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(receiver);
    axum::serve(listener, app).await.expect("serve");
}
