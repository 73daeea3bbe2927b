//! The hostile-input corpus against `clever-kyc listen` over HTTP.

// The corpus is core's (`tests/hostile` links to it, and packaging copies it in).
#[path = "../hostile/corpus.rs"]
mod corpus;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use crate::{proc_status_kib, raw_request, spawn_listener};

const AUTH: &str = "Bearer hostile-test";

/// A label, the headers sent, and the status expected.
type HeaderCase = (&'static str, &'static [(&'static str, &'static str)], u16);

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// Streams `size` bytes chunked (no Content-Length) and returns the status answered.
fn stream_chunked(addr: SocketAddr, size: u64) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST /kyc HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {AUTH}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0u64;
    while sent < size {
        let piece = format!("{:x}\r\n", chunk.len());
        // The listener stops reading at its limit and answers; writing then fails.
        if stream
            .write_all(piece.as_bytes())
            .and_then(|()| stream.write_all(&chunk))
            .and_then(|()| stream.write_all(b"\r\n"))
            .is_err()
        {
            break;
        }
        sent += chunk.len() as u64;
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn every_hostile_body_gets_its_status_and_the_listener_keeps_serving() {
    let dir = corpus_dir();
    let (mut child, addr) = spawn_listener(&["--auth", AUTH]);
    let mut wrong = Vec::new();
    for case in corpus::load(&dir) {
        let status = if case.listener_only {
            // Announced: refused from the head, before any of the body is read.
            let size = corpus::streamed_size(&dir, &case.name);
            let mut stream = TcpStream::connect(addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            let head = format!(
                "POST /kyc HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {AUTH}\r\nContent-Length: {size}\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).unwrap();
            let mut response = Vec::new();
            let _ = stream.read_to_end(&mut response);
            let by_length: u16 = String::from_utf8_lossy(&response)
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let by_stream = stream_chunked(addr, size);
            if by_length != by_stream {
                wrong.push(format!(
                    "{}: {by_length} with Content-Length, {by_stream} streamed",
                    case.name
                ));
            }
            by_stream
        } else {
            raw_request(
                addr,
                "POST",
                &[
                    ("Authorization", AUTH),
                    ("Content-Type", "application/json"),
                ],
                &case.body,
            )
        };
        if status != case.listener {
            wrong.push(format!(
                "{}: expected {}, got {status}",
                case.name, case.listener
            ));
        }
    }
    let event = clever_kyc_core::documented::KYC_STATUS_CHANGED.as_bytes();
    let headers: [HeaderCase; 4] = [
        ("odd header-name casing", &[("aUtHoRiZaTiOn", AUTH)], 200),
        (
            "repeated Authorization",
            &[("Authorization", AUTH), ("Authorization", AUTH)],
            401,
        ),
        (
            "repeated, one wrong",
            &[("Authorization", "nope"), ("Authorization", AUTH)],
            401,
        ),
        (
            "value with different case",
            &[("Authorization", "bearer hostile-test")],
            401,
        ),
    ];
    for (label, headers, expected) in headers {
        let status = raw_request(addr, "POST", headers, event);
        if status != expected {
            wrong.push(format!("{label}: expected {expected}, got {status}"));
        }
    }
    // Still serving, and the 100 MB bodies were never buffered.
    assert_eq!(
        raw_request(addr, "POST", &[("Authorization", AUTH)], event),
        200
    );
    let peak = proc_status_kib(child.id(), "VmHWM:");
    child.kill().unwrap();
    let _ = child.wait();
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(peak > 0 && peak < 64 * 1024, "listener peak RSS {peak} KiB");
    println!("listener peak RSS after the corpus: {peak} KiB");
}
