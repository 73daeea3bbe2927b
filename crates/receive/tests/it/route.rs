//! The axum route over real loopback HTTP.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clever_kyc_receive::clever_kyc_core::Email;
use clever_kyc_receive::*;

/// POSTs `body` with `authorization` and returns the status code.
fn post(addr: SocketAddr, authorization: &str, body: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /kyc HTTP/1.1\r\nHost: x\r\nAuthorization: {authorization}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer[9..12].parse().unwrap()
}

#[test]
fn the_router_answers_200_only_after_the_handler_succeeded() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store_path = crate::sqlite_path("route");
    let inbox = Arc::new(CallbackInbox::new(SqliteStore::open(&store_path).unwrap()));
    let email = Email::parse("route@example.com").unwrap();
    let issued = inbox
        .issue_submission(
            &email,
            std::time::SystemTime::now(),
            clever_kyc_core::callback::Registration::DEFAULT_RETENTION,
        )
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let app = callback_router(
        Arc::clone(&inbox),
        ReceiveLimits::default(),
        move |_receipt: Receipt| {
            let calls = Arc::clone(&counted);
            async move {
                // The first attempt fails, as a merchant's database might.
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(std::io::Error::other("not yet"))
                } else {
                    Ok(())
                }
            }
        },
    );
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app).await });

    let body = serde_json::to_vec(&crate::event("route@example.com", &["approved"])).unwrap();
    let value = issued.authorization.expose_secret();
    assert_eq!(post(addr, value, &body), 503);
    assert_eq!(post(addr, value, &body), 200);
    assert_eq!(post(addr, value, &body), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(post(addr, "Bearer wrong", &body), 401);
    assert_eq!(post(addr, value, b"{not json"), 400);
    let events = inbox.store().events(&EventFilter::all()).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].deliveries, 3);
    assert!(events[0].handled);
}
