//! The server against slow, idle and crowding clients, over real loopback sockets.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use clever_kyc_server::{ServerLimits, serve};
use http::StatusCode;
use http_body_util::BodyExt;

fn limits() -> ServerLimits {
    let mut limits = ServerLimits::default();
    limits.header_read_timeout = Duration::from_secs(1);
    limits.body_read_timeout = Duration::from_secs(1);
    limits.idle_timeout = Duration::from_secs(1);
    limits.grace = Duration::from_secs(5);
    limits
}

/// Echoes the body length; 408 when the body does not arrive in time.
fn app() -> Router {
    Router::new().fallback(|body: Body| async move {
        match body.collect().await {
            Ok(collected) => (StatusCode::OK, collected.to_bytes().len().to_string()),
            Err(_) => (StatusCode::REQUEST_TIMEOUT, String::new()),
        }
    })
}

struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<std::thread::JoinHandle<clever_kyc_server::ServeSummary>>,
}

impl Server {
    fn start(limits: ServerLimits, app: Router) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                serve(listener, app, limits, async move {
                    let _ = stopped.await;
                })
                .await
            })
        });
        Self {
            addr,
            stop: Some(stop),
            done: Some(done),
        }
    }

    fn stop(&mut self) -> clever_kyc_server::ServeSummary {
        let _ = self.stop.take().unwrap().send(());
        self.done.take().unwrap().join().unwrap()
    }
}

/// Seconds until the peer closes `stream` (reads return 0 or fail), up to `limit`.
fn closed_after(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => continue, // an error response before the close
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return None;
            }
            Err(_) => return Some(started.elapsed()),
        }
    }
}

fn get(addr: SocketAddr) -> (u16, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
        )
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    (
        answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0),
        started.elapsed(),
    )
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_at_the_header_timeout() {
    let mut server = Server::start(limits(), app());
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.write_all(b"POST / HTTP/1.1\r\nHo").unwrap();
    let closed = closed_after(&mut slow, Duration::from_secs(5)).expect("still open after 5 s");
    assert!(closed < Duration::from_secs(3), "closed after {closed:?}");
    server.stop();
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let mut server = Server::start(limits(), app());
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    let closed = closed_after(&mut stream, Duration::from_secs(5)).expect("still open after 5 s");
    assert!(
        closed >= Duration::from_millis(500) && closed < Duration::from_secs(4),
        "closed after {closed:?}"
    );
    server.stop();
}

#[test]
fn at_the_connection_cap_slow_clients_make_room_for_a_whole_request() {
    let mut limits = limits();
    limits.max_connections = 8;
    limits.header_read_timeout = Duration::from_secs(30);
    limits.idle_timeout = Duration::from_secs(30);
    let mut server = Server::start(limits, app());
    let slow: Vec<TcpStream> = (0..40)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(b"P").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let (status, took) = get(server.addr);
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
    drop(slow);
    server.stop();
}

#[test]
fn shutdown_lets_the_request_in_flight_finish_and_stops_accepting() {
    let slow_app = Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        "done"
    });
    let mut server = Server::start(limits(), slow_app);
    let addr = server.addr;
    let in_flight = std::thread::spawn(move || get(addr));
    std::thread::sleep(Duration::from_millis(100));
    let summary = server.stop();
    let (status, _) = in_flight.join().unwrap();
    assert_eq!(status, 200, "the in-flight request finished");
    assert_eq!(summary.cut_at_shutdown, 0);
    assert!(TcpStream::connect(addr).is_err(), "no longer accepting");
}

#[test]
fn a_body_cut_at_its_deadline_is_answered_408_whatever_the_handler_made_of_it() {
    // A handler that calls every body error a 400, as axum's extractors do.
    let app = Router::new().fallback(|body: Body| async move {
        match body.collect().await {
            Ok(_) => StatusCode::OK,
            Err(_) => StatusCode::BAD_REQUEST,
        }
    });
    let mut server = Server::start(limits(), app);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut answer = [0u8; 12];
    stream.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 408");
    server.stop();
}

/// A body dribbled slower than the minimum rate is cut with 408 long before the body
/// deadline, freeing its connection for real clients; one at the rate is read whole.
#[test]
fn a_body_slower_than_the_minimum_rate_is_cut_early() {
    let mut limits = limits();
    limits.body_read_timeout = Duration::from_secs(60);
    limits.min_body_rate = 100;
    let mut server = Server::start(limits, app());
    let post = |bytes_per_tick: usize, ticks: usize| {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        let length = bytes_per_tick * ticks;
        stream
            .write_all(
                format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n")
                    .as_bytes(),
            )
            .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let started = Instant::now();
        for _ in 0..ticks {
            if stream.write_all(&vec![b'a'; bytes_per_tick]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let mut answer = [0u8; 12];
        let _ = stream.read_exact(&mut answer);
        (
            String::from_utf8_lossy(&answer).into_owned(),
            started.elapsed(),
        )
    };
    // 4 bytes a second against 100: cut within a few seconds, not at 60.
    let (answer, took) = post(1, 40);
    assert_eq!(answer, "HTTP/1.1 408", "took {took:?}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    // 200 bytes a second keeps up.
    let (answer, _) = post(50, 8);
    assert_eq!(answer, "HTTP/1.1 200");
    server.stop();
}
