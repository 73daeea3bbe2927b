//! Shutdown within the grace period whatever the pipes do (F1, F2): stdout or stderr
//! unread, closed or full never hangs or panics the command.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::durability::{Sender, burst_event};
use crate::{clever_kyc, free_addr, wait_for_port};

/// The bound the contract gives: --grace plus 2 s. Measured from SIGTERM to exit; a hang
/// (the defect) never ends at all, so the margin only absorbs a loaded machine.
const GRACE_SECS: u64 = 1;
const BOUND: Duration = Duration::from_secs(GRACE_SECS + 2 + 3);

fn spawn(args: &[&str], stdout: Stdio, stderr: Stdio) -> (Child, std::net::SocketAddr) {
    let addr = free_addr();
    let mut child = clever_kyc()
        .args(["listen", "--bind", &addr.to_string(), "--json"])
        .args(["--grace", &GRACE_SECS.to_string()])
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap();
    wait_for_port(addr, &mut child);
    (child, addr)
}

/// Sends `count` distinct callbacks of about 1 KB: enough to fill a pipe's 64 KiB.
fn flood(addr: std::net::SocketAddr, auth: &str, count: usize) {
    let mut sender = Sender::new(addr);
    for i in 0..count {
        let mut event = burst_event(50_000 + i);
        event.street = Some("x".repeat(900));
        let body = serde_json::to_vec(&event).unwrap();
        assert_eq!(sender.post(auth, &body), Some(200), "callback {i}");
    }
}

/// SIGTERM; the exit status and how long the process took to end.
fn terminate(mut child: Child) -> (Option<i32>, Duration) {
    let started = Instant::now();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return (None, started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn temp_store(name: &str) -> String {
    let dir =
        std::env::temp_dir().join(format!("clever-kyc-shutdown-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite:{}", dir.join("kyc.db").display())
}

/// F1: stdout is a pipe nobody reads. The listener used to wait for it for ever.
#[test]
fn sigterm_with_an_unread_stdout_ends_within_the_grace_period() {
    let auth = "Bearer unread-stdout";
    let store = temp_store("stdout");
    let (child, addr) = spawn(
        &["--store", &store, "--auth", auth],
        Stdio::piped(),
        Stdio::null(),
    );
    flood(addr, auth, 400);
    // The pipe is full and the writer blocked in it; nobody will ever read.
    let (code, took) = terminate(child);
    assert_eq!(code, Some(0), "took {took:?}");
    assert!(took < BOUND, "SIGTERM took {took:?} with stdout unread");
}

/// F2: stderr is a full pipe nobody reads: no hang and no panic (exit 101).
#[test]
fn sigterm_with_a_full_stderr_ends_cleanly() {
    let auth = "Bearer full-stderr";
    let store = temp_store("stderr");
    let addr = free_addr();
    let mut child = clever_kyc()
        .args(["listen", "--bind", &addr.to_string(), "--json"])
        .args([
            "--grace",
            &GRACE_SECS.to_string(),
            "--store",
            &store,
            "--auth",
            auth,
        ])
        // Every commit is an info line: thousands of them fill stderr's pipe.
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_port(addr, &mut child);
    flood(addr, auth, 400);
    let (code, took) = terminate(child);
    assert_eq!(code, Some(0), "took {took:?}");
    assert!(took < BOUND, "SIGTERM took {took:?} with stderr full");
}

/// `listen 2>&-` (stderr closed at start) and `mock | true` (stdout closed by its reader)
/// used to exit 101 at once: a panic in `eprintln!`/`println!`.
#[test]
fn closed_stdout_or_stderr_at_start_is_no_panic() {
    let addr = free_addr();
    let store = temp_store("closed");
    let binary = env!("CARGO_BIN_EXE_clever-kyc");
    let mut listen = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec '{binary}' listen --bind {addr} --grace 1 --store '{store}' --auth 'Bearer closed' 2>&-"
        ))
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(addr, &mut listen);
    flood(addr, "Bearer closed", 5);
    let (code, _) = terminate(listen);
    assert_eq!(code, Some(0), "listen 2>&- must not panic");

    let mock_addr = free_addr();
    let mut mock = clever_kyc()
        .args(["mock", "--bind", &mock_addr.to_string(), "--grace", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the simulator prints its address.
    drop(mock.stdout.take());
    wait_for_port(mock_addr, &mut mock);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        mock.try_wait().unwrap().is_none(),
        "the simulator died with its stdout"
    );
    let mut stderr = mock.stderr.take().unwrap();
    let (code, _) = terminate(mock);
    let mut text = String::new();
    let _ = stderr.read_to_string(&mut text);
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains("panicked"), "{text}");
}

/// F13: a duration or size outside its range exits 2 naming the range, before anything is
/// served; `--header-timeout` at u64::MAX used to make every connection panic.
#[test]
fn every_duration_and_size_flag_is_bounded() {
    let max = u64::MAX.to_string();
    let cases: [(&[&str], &str, &str); 8] = [
        (&["listen"], "--header-timeout", "1..=300"),
        (&["listen"], "--grace", "0..=3600"),
        (&["listen"], "--body-timeout", "1..=3600"),
        (&["listen"], "--max-body", "1024..=16777216"),
        (&["listen"], "--max-connections", "1..=65536"),
        (&["listen"], "--forward-timeout", "1..=300"),
        (&["mock"], "--token-ttl", "1..=2592000"),
        (
            &["submit", "--email", "a@example.com", "--token", "t"],
            "--timeout",
            "1..=600",
        ),
    ];
    for (command, flag, range) in cases {
        let (code, stdout, stderr) = crate::run(clever_kyc().args(command).args([flag, &max]));
        assert_eq!(code, 2, "{flag}: {stdout}{stderr}");
        assert!(stderr.contains(range), "{flag}: {stderr}");
    }
}
