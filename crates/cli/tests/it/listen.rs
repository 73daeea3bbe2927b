//! `clever-kyc listen`: status codes, JSON lines, duplicate marking.

use std::io::{BufRead, BufReader};

use clever_kyc_core::documented;
use serde_json::Value;

use crate::{clever_kyc, raw_request, spawn_listener};

#[test]
fn listen_answers_each_kind_of_request_and_marks_duplicates() {
    let (mut child, addr) = spawn_listener(&[
        "--auth",
        "Bearer one",
        "--auth",
        "second-value",
        "--max-body",
        "4096",
    ]);
    let event = documented::KYC_STATUS_CHANGED.as_bytes();
    let json = ("Content-Type", "application/json");

    assert_eq!(
        raw_request(
            addr,
            "POST",
            &[("Authorization", "Bearer one"), json],
            event
        ),
        200
    );
    assert_eq!(
        raw_request(
            addr,
            "POST",
            &[("authorization", "second-value"), json],
            event
        ),
        200
    );
    assert_eq!(raw_request(addr, "POST", &[json], event), 401, "missing");
    assert_eq!(
        raw_request(
            addr,
            "POST",
            &[("Authorization", "Bearer two"), json],
            event
        ),
        401,
        "other value"
    );
    assert_eq!(
        raw_request(
            addr,
            "POST",
            &[("Authorization", "bearer one"), json],
            event
        ),
        401,
        "not verbatim"
    );
    assert_eq!(
        raw_request(
            addr,
            "POST",
            &[
                ("Authorization", "Bearer one"),
                ("Authorization", "Bearer one"),
                json
            ],
            event
        ),
        401,
        "repeated"
    );
    assert_eq!(
        raw_request(addr, "POST", &[("Authorization", "Bearer one")], b"[1,2]"),
        400,
        "not an object"
    );
    assert_eq!(
        raw_request(
            addr,
            "POST",
            &[("Authorization", "Bearer one")],
            b"{\"email\":\"\xff\"}"
        ),
        400,
        "not UTF-8"
    );
    assert_eq!(
        raw_request(
            addr,
            "POST",
            &[("Authorization", "Bearer one")],
            &vec![b' '; 5000]
        ),
        413,
        "over --max-body"
    );
    assert_eq!(
        raw_request(addr, "GET", &[("Authorization", "Bearer one")], b""),
        405
    );
    // Still serving after all of that.
    let changed = documented::KYC_STATUS_CHANGED.replace("\"approved\"", "\"Under_Review\"");
    assert_eq!(
        raw_request(
            addr,
            "POST",
            &[("Authorization", "Bearer one")],
            changed.as_bytes()
        ),
        200
    );

    // Events are printed just after the 200 goes out: read them as they come.
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let lines: Vec<Value> = (0..3)
        .map(|i| {
            rx.recv_timeout(std::time::Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("event line {i} never came"))
        })
        .map(|l| serde_json::from_str(&l).unwrap())
        .collect();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        rx.recv_timeout(std::time::Duration::from_millis(200))
            .is_err(),
        "more events than accepted requests"
    );
    assert_eq!(lines[0]["email"], "test@helloclever.co");
    assert_eq!(lines[0]["duplicate"], false);
    assert_eq!(
        lines[1]["duplicate"], true,
        "the same event delivered twice"
    );
    assert_eq!(lines[2]["duplicate"], false);
    assert_eq!(
        lines[0]["kyc_statuses"],
        serde_json::json!([{"kyc_status": "approved", "message": null}, {"kyc_status": "rejected", "message": "KYC is rejected."}])
    );
    assert_eq!(
        lines[2]["kyc_statuses"][0]["kyc_status"], "under_review",
        "unknown words kept, lower-cased"
    );

    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("401"), "{stderr}");
    assert!(
        !stderr.contains("Bearer one")
            && !stderr.contains("second-value")
            && !stderr.contains("Bearer two"),
        "{stderr}"
    );
}

#[test]
fn bad_store_options_exit_2_before_anything_is_served() {
    let cases: [(&[&str], &str); 5] = [
        (&["--store", "postgres://db"], "unknown store"),
        (
            &["--store", "sqlite:/proc/no-such-dir/x.db"],
            "could not open the sqlite store",
        ),
        (
            &["--store", "redis://127.0.0.1:1"],
            "could not open the redis store",
        ),
        (
            &["--store", "memory", "--forward-to", "ftp://merchant"],
            "--forward-to",
        ),
        (
            &[
                "--store",
                "memory",
                "--forward-to",
                "http://127.0.0.1:9/events",
            ],
            "--forward-to needs a durable store",
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = crate::run(
            clever_kyc()
                .args(["listen", "--bind", "127.0.0.1:0"])
                .args(args),
        );
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(
            !stderr.contains("receiving"),
            "{args:?} started serving: {stderr}"
        );
    }
}

/// F11: a Redis without an append-only file loses acknowledged events when it stops; the
/// listener refuses it unless the loss window is accepted, and says which window applies.
#[test]
fn a_redis_without_persistence_is_refused_unless_its_window_is_accepted() {
    let redis =
        clever_kyc_receive::testing::RedisServer::start().expect("this test needs redis-server");
    let (code, stdout, stderr) =
        crate::run(clever_kyc().args(["listen", "--bind", "127.0.0.1:0", "--store", &redis.url()]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("appendonly yes") && stderr.contains("--redis-durability"),
        "the message must say how to fix it: {stderr}"
    );
    assert!(!stderr.contains("receiving"), "{stderr}");

    let (mut child, _) =
        crate::spawn_listener(&["--store", &redis.url(), "--redis-durability", "none"]);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let mut stderr = String::new();
    use std::io::Read;
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    assert!(
        stderr.contains("no append-only file"),
        "the window is printed: {stderr}"
    );

    let durable = clever_kyc_receive::testing::RedisServer::start_with(&[
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
    ])
    .expect("this test needs redis-server");
    let (mut child, _) = crate::spawn_listener(&["--store", &durable.url()]);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    assert!(stderr.contains("appendfsync always"), "{stderr}");
}
