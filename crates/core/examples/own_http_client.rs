//! Embedding only the sans-IO core, with an HTTP client of your own: here, twenty lines of
//! HTTP/1.1 over a `std::net::TcpStream` (plain http, so loopback only).
//!
//! Run a simulator, then this:
//! ```sh
//! HELLO_CLEVER_APP_ID=app HELLO_CLEVER_SECRET_KEY=secret cargo run -p clever-kyc-cli -- mock --bind 127.0.0.1:4010 &
//! HELLO_CLEVER_APP_ID=app HELLO_CLEVER_SECRET_KEY=secret cargo run -p clever-kyc-core --example own_http_client
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime};

use clever_kyc_core::*;
use clever_kyc_core::{
    config::BaseUrl, transport::TransportErrorKind, transport::TransportSettings,
};

/// One HTTP/1.1 exchange: the request as the core built it, the response for the core to
/// classify. Failures are classified by whether the request can have left.
fn send(request: HttpRequest) -> Result<HttpResponse, TransportError> {
    let uri = request.uri();
    let host = uri.host().unwrap_or("127.0.0.1");
    let port = uri.port_u16().unwrap_or(80);
    let connect = |e: std::io::Error| TransportError::new(TransportErrorKind::Connect, e);
    let io = |e: std::io::Error| TransportError::new(TransportErrorKind::Io, e);
    let mut stream = TcpStream::connect((host, port)).map_err(connect)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(connect)?;

    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        request.method(),
        uri.path_and_query().map_or("/", |p| p.as_str()),
        request.body().len()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!(
            "{name}: {}\r\n",
            value.to_str().unwrap_or_default()
        ));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(request.body());
    stream.write_all(&bytes).map_err(io)?;

    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).map_err(io)?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| TransportError::from_kind(TransportErrorKind::Protocol))?;
    let mut response = http::Response::builder().status(status);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(io)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            response = response.header(name.trim(), value.trim());
        }
    }
    // Connection: close, so the body is the rest of the stream (bounded, as the SDK's are).
    let mut body = Vec::new();
    reader
        .take(TransportSettings::DEFAULT_RESPONSE_BODY_LIMIT)
        .read_to_end(&mut body)
        .map_err(io)?;
    response
        .body(body)
        .map_err(|e| TransportError::new(TransportErrorKind::Protocol, e))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base =
        std::env::var("HELLO_CLEVER_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:4010".into());
    let config = ApiConfig::new(
        Environment::Custom(BaseUrl::parse(&base)?),
        Credentials::new(
            &std::env::var("HELLO_CLEVER_APP_ID")?,
            &std::env::var("HELLO_CLEVER_SECRET_KEY")?,
        )?,
    )?;
    let submission = KycSubmission::builder()
        .email("contact@example.com")
        .token("approved-own-client")
        .build()?;

    // The same machine the SDK's transports drive: it decides, this loop does the IO.
    let now = || Now::new(SystemTime::now(), Instant::now());
    // Each step takes the call by value: it cannot be started twice or stepped after `Done`.
    let mut call = Call::new(SubmitKyc::new(&config, &submission), RetryPolicy::default());
    let outcome = loop {
        let (attempt, request) = call.start(now());
        match attempt.finish(send(request), now()) {
            Step::Sleep { delay, call: next } => {
                std::thread::sleep(delay);
                call = next;
            }
            Step::Done(outcome) => break outcome,
        }
    };
    match outcome {
        Ok(done) => println!(
            "accepted ({}) after {} attempt(s)",
            done.value().status,
            done.attempts()
        ),
        // One classification decides every branch.
        Err(e) => match e.outcome() {
            Outcome::Refused(Refusal::Credentials) => println!("fix the credentials: {e}"),
            Outcome::Refused(Refusal::Invalid) => println!("ask for a new token: {e}"),
            Outcome::MayHaveBeenProcessed => println!("reconcile before retrying: {e}"),
            _ => println!("not accepted: {e}"),
        },
    }
    Ok(())
}
