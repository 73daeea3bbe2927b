//! Listener load: `clever-kyc listen` against the hand-written `bare_listener`, each started
//! as a process with the same store, loaded with callbacks at concurrency 32, in rounds
//! that alternate which goes first.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clever_kyc_receive::testing::RedisServer;

use crate::fixtures::AUTH;
use crate::loopback::{peak_rss_kib, throughput};

/// Where both listeners keep what they receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// Memory (the SDK's `--store memory`, the baseline's `HashSet`); every callback a new
    /// event.
    Memory,
    /// Memory, with one body repeated: after the first callback, both sides take their
    /// duplicate path. A case of its own, so that no other row is flattered by it.
    MemoryDuplicates,
    /// A fresh SQLite file per run; every callback a new event.
    Sqlite,
    /// A fresh `redis-server` per run; every callback a new event.
    Redis,
}

impl Backing {
    /// The row name's suffix.
    pub fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::MemoryDuplicates => "memory_duplicates",
            Self::Sqlite => "sqlite",
            Self::Redis => "redis",
        }
    }
}

/// One run's figures.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Callbacks answered per second.
    pub rps: f64,
    /// Peak resident memory, KiB.
    pub peak_rss_kib: u64,
    /// The listener's CPU time (user and system) per callback, µs: what it costs whatever
    /// the load generator beside it takes of the shared cores.
    pub cpu_us_per_request: f64,
    /// `fsync` and `fdatasync` calls per callback, counted by `strace` attached during the
    /// load, when asked for.
    pub fsyncs_per_request: Option<f64>,
}

/// `strace` attached to a running process (all its threads), writing the sync calls it
/// makes to a file.
struct SyncTrace {
    strace: Child,
    log: PathBuf,
}

impl SyncTrace {
    /// Attaches to `pid`; `None` when `strace` cannot (not installed, not permitted).
    fn attach(pid: u32, log: PathBuf) -> Option<Self> {
        let strace = Command::new("strace")
            .args(["-f", "-qq", "-e", "trace=fsync,fdatasync", "-o"])
            .arg(&log)
            .args(["-p", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        // Attaching to every thread takes a moment; calls made before it are not counted,
        // and none are made while the listener is idle.
        std::thread::sleep(Duration::from_millis(500));
        Some(Self { strace, log })
    }

    /// Detaches (on SIGTERM strace detaches and flushes) and counts the calls.
    fn finish(mut self) -> Option<u64> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.strace.id().to_string()])
            .status();
        let _ = self.strace.wait();
        let log = std::fs::read_to_string(&self.log).ok()?;
        let _ = std::fs::remove_file(&self.log);
        Some(count_sync_calls(&log))
    }
}

/// The sync calls in an strace log: each call's first line (a call interrupted by another
/// thread's shows again as `<... fsync resumed>`, which is not counted twice).
fn count_sync_calls(log: &str) -> u64 {
    log.lines()
        .filter(|line| line.contains("fsync(") || line.contains("fdatasync("))
        .count() as u64
}

/// A process's CPU time so far (user + system), from `/proc/PID/stat` (Linux).
fn cpu_seconds(pid: u32) -> Option<f64> {
    cpu_seconds_of_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// User + system time from the text of `/proc/PID/stat`, in seconds.
fn cpu_seconds_of_stat(stat: &str) -> Option<f64> {
    // Fields after the command name, which is parenthesised and may contain spaces and `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12th and 13th after the name.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(ticks / 100.0)
}

static RUNS: AtomicU64 = AtomicU64::new(0);

/// The documented callback; with `n`, a distinct event (its last message carries `n`).
pub fn callback_body(n: Option<u64>) -> Vec<u8> {
    let documented = clever_kyc_core::documented::KYC_STATUS_CHANGED;
    match n {
        None => documented.as_bytes().to_vec(),
        Some(n) => documented
            .replace("KYC is rejected.", &format!("KYC is rejected ({n})."))
            .into_bytes(),
    }
}

/// Starts one listener (`clever-kyc listen` when `is_cli`, else a program taking `ADDR
/// AUTHORIZATION [--sqlite PATH | --redis URL]`) on `backing`, sends `requests` callbacks,
/// and stops it; with `count_syncs`, under `strace`.
pub async fn run(
    bin: &str,
    is_cli: bool,
    backing: Backing,
    requests: usize,
    count_syncs: bool,
) -> Run {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("clever-kyc-listener-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite: PathBuf = dir.join(format!("run-{run}.db"));
    // Started before the listener and stopped after it, so each run has an empty server; with
    // the durability the SDK documents (an append-only file synced on every write), for both
    // sides: `listen` refuses a server that could lose acknowledged events.
    let redis = (backing == Backing::Redis).then(|| {
        RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
            .expect("redis-server")
    });
    let mut command = Command::new(bin);
    if is_cli {
        let store = match backing {
            Backing::Memory | Backing::MemoryDuplicates => "memory".to_owned(),
            Backing::Sqlite => format!("sqlite:{}", sqlite.display()),
            Backing::Redis => redis.as_ref().map(RedisServer::url).unwrap_or_default(),
        };
        command
            .args(["listen", "--bind", &addr.to_string(), "--store", &store])
            .args(["--auth", AUTH, "--json"]);
    } else {
        command.args([addr.to_string().as_str(), AUTH]);
        match backing {
            Backing::Memory | Backing::MemoryDuplicates => {}
            Backing::Sqlite => {
                command.arg("--sqlite").arg(&sqlite);
            }
            Backing::Redis => {
                command
                    .arg("--redis")
                    .arg(redis.as_ref().map(RedisServer::url).unwrap_or_default());
            }
        }
    }
    let mut child: Child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the receiver");
    while std::net::TcpStream::connect(addr).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let client = clever_kyc_async::safe_reqwest_builder(&Default::default())
        .expect("tls")
        .build()
        .expect("client");
    let url = format!("http://{addr}/kyc/callback");
    let sequence = Arc::new(AtomicU64::new(run << 32));
    let distinct = backing != Backing::MemoryDuplicates;
    let trace = count_syncs
        .then(|| SyncTrace::attach(child.id(), dir.join(format!("run-{run}.strace"))))
        .flatten();
    let rps = throughput(requests, 32, move || {
        let (client, url) = (client.clone(), url.clone());
        let body = callback_body(distinct.then(|| sequence.fetch_add(1, Ordering::Relaxed)));
        async move {
            client
                .post(url)
                .header("authorization", AUTH)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    let fsyncs_per_request = trace
        .and_then(SyncTrace::finish)
        .map(|calls| calls as f64 / requests as f64);
    let peak_rss_kib = peak_rss_kib(child.id()).unwrap_or(0);
    let cpu_us_per_request =
        cpu_seconds(child.id()).map_or(f64::NAN, |s| s * 1e6 / requests as f64);
    let _ = child.kill();
    let _ = child.wait();
    drop(redis);
    // The database and what WAL mode leaves beside it.
    for suffix in ["", "-wal", "-shm"] {
        let mut path = sqlite.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    let _ = std::fs::remove_dir(&dir);
    Run {
        rps,
        peak_rss_kib,
        cpu_us_per_request,
        fsyncs_per_request,
    }
}

/// `rounds` rounds of the SDK's listener (`clever-kyc` when `sdk_is_cli`, else a program
/// taking the hand-written one's arguments) and the hand-written one, alternating which
/// goes first: (SDK runs, baseline runs).
pub fn compare(
    runtime: &tokio::runtime::Runtime,
    (sdk_bin, sdk_is_cli): (&str, bool),
    bare: &str,
    backing: Backing,
    requests: usize,
    rounds: usize,
) -> (Vec<Run>, Vec<Run>) {
    let (mut sdk, mut hand) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let one = |is_sdk: bool| {
            runtime.block_on(if is_sdk {
                run(sdk_bin, sdk_is_cli, backing, requests, false)
            } else {
                run(bare, false, backing, requests, false)
            })
        };
        if round % 2 == 0 {
            sdk.push(one(true));
            hand.push(one(false));
        } else {
            hand.push(one(false));
            sdk.push(one(true));
        }
    }
    (sdk, hand)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_user_plus_system_after_an_awkward_command_name() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime ...
        let stat = "4242 (tokio) rt (x)) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0";
        assert_eq!(cpu_seconds_of_stat(stat), Some(3.25));
        assert_eq!(cpu_seconds_of_stat("4242 (short) S 1"), None);
        assert!(cpu_seconds(std::process::id()).is_some());
    }

    #[test]
    fn sync_calls_are_counted_once_each_even_when_interrupted() {
        let log = "\
101 fdatasync(5)                  = 0
102 fsync(7 <unfinished ...>
101 fdatasync(5)                  = 0
102 <... fsync resumed>)          = 0
";
        assert_eq!(count_sync_calls(log), 3);
        assert_eq!(count_sync_calls(""), 0);
    }

    #[test]
    fn numbered_bodies_are_distinct_callbacks() {
        let (a, b) = (callback_body(Some(1)), callback_body(Some(2)));
        assert_ne!(a, b);
        for body in [a, b, callback_body(None)] {
            let event = clever_kyc_core::callback::parse_kyc_status_changed(&body).unwrap();
            assert_eq!(event.email.as_deref(), Some("test@helloclever.co"));
        }
    }
}
