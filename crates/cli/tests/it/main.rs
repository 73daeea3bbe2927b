//! The real `clever-kyc` binary against the simulator.

mod contract;
mod durability;
mod flow;
mod forwarding;
mod hostile;
mod hostile_clients;
mod listen;
mod load;
mod mock_and_demo;
mod operations;
mod outcomes;
mod shutdown;
mod store;
mod submit;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The app-id the test simulators accept.
pub const APP_ID: &str = "cli-app";
/// The secret-key; searched for in every output.
pub const SECRET: &str = "cli-SECRET_CANARY-key";

/// The binary with credentials in its environment and no inherited log settings.
pub fn clever_kyc() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clever-kyc"));
    // A working directory of the tests' own, so the default store never lands in the repo.
    let dir = std::env::temp_dir().join(format!("clever-kyc-cli-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    command
        .current_dir(dir)
        .env("HELLO_CLEVER_APP_ID", APP_ID)
        .env("HELLO_CLEVER_SECRET_KEY", SECRET)
        .env_remove("RUST_LOG")
        .env_remove("CLEVER_KYC_STORE");
    command
}

/// Runs to completion; asserts the secret appears in neither stream.
pub fn run(command: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.stdin(Stdio::null()).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    );
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "the secret was printed:\n{stdout}\n{stderr}"
    );
    (status.code().unwrap_or(-1), stdout, stderr)
}

/// A free loopback port (bound and released).
pub fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// Waits until something accepts connections at `addr`.
pub fn wait_for_port(addr: SocketAddr, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the process exited early with {status}");
        }
        assert!(Instant::now() < deadline, "nothing listened on {addr}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `clever-kyc listen --json` on a free port with `args` added, stdout piped.
pub fn spawn_listener(args: &[&str]) -> (Child, SocketAddr) {
    let addr = free_addr();
    let mut child = clever_kyc()
        .args(["listen", "--bind", &addr.to_string(), "--json"])
        .args(if args.contains(&"--store") {
            Vec::new()
        } else {
            vec![
                "--store".to_owned(),
                format!("sqlite:listen-{}.db", addr.port()),
            ]
        })
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_port(addr, &mut child);
    (child, addr)
}

/// A `/proc/PID/status` figure in KiB, e.g. `VmRSS:` or `VmHWM:` (0 if unreadable).
pub fn proc_status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Sends a raw HTTP/1.1 request and returns the status code.
pub fn raw_request(addr: SocketAddr, method: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!(
        "{method} /kyc/callback HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // A server may answer before reading a refused body; a failed write is then expected.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
