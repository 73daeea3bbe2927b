//! Logging that never blocks a request: lines go through a bounded queue to one writer
//! thread; when standard error is not read, lines are dropped and counted instead of
//! stalling the server. Refusal logs are rate-limited, and client-controlled text is cut and
//! escaped before it is logged.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Lines waiting for standard error before new ones are dropped.
pub const LOG_QUEUE_LINES: usize = 1024;

/// Client-controlled text is cut to this many bytes in log lines.
pub const MAX_LOGGED_TEXT: usize = 128;

/// Refusal lines allowed per second; the rest are counted and summarised.
pub const REFUSALS_PER_SECOND: u32 = 20;

/// A line to write, or a request to say when everything before it was written.
enum Item {
    Line(String),
    Flush(std::sync::mpsc::Sender<()>),
}

struct Log {
    tx: SyncSender<Item>,
    dropped: AtomicU64,
    refusals: Mutex<Window>,
}

struct Window {
    started: Instant,
    logged: u32,
    suppressed: u64,
}

fn log_handle() -> &'static Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    LOG.get_or_init(|| {
        let (tx, rx) = sync_channel::<Item>(LOG_QUEUE_LINES);
        // If the thread cannot start, the queue fills and every line is counted as dropped.
        let _ = std::thread::Builder::new()
            .name("stderr-writer".into())
            .spawn(move || {
                while let Ok(item) = rx.recv() {
                    let line = match item {
                        Item::Line(line) => line,
                        Item::Flush(done) => {
                            let _ = done.send(());
                            continue;
                        }
                    };
                    let mut stderr = std::io::stderr().lock();
                    let _ = writeln!(stderr, "{line}");
                    let dropped = log_handle().dropped.swap(0, Ordering::Relaxed);
                    if dropped > 0 {
                        let _ = writeln!(
                            stderr,
                            "({dropped} log lines were dropped: standard error was not being read)"
                        );
                    }
                }
            });
        Log {
            tx,
            dropped: AtomicU64::new(0),
            refusals: Mutex::new(Window {
                started: Instant::now(),
                logged: 0,
                suppressed: 0,
            }),
        }
    })
}

/// Logs `line` to standard error without ever waiting for it.
pub fn log(line: impl Into<String>) {
    let log = log_handle();
    if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
        log.tx.try_send(Item::Line(line.into()))
    {
        log.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// Waits up to `timeout` for the lines logged so far to reach standard error: call it
/// before the process exits, so that the last lines are not lost. Returns whether they did.
pub fn flush_logs(timeout: Duration) -> bool {
    let (done, flushed) = std::sync::mpsc::channel();
    let deadline = Instant::now() + timeout;
    let mut item = Item::Flush(done);
    // The queue may be full: retry until the deadline rather than block on a stuck stderr.
    loop {
        match log_handle().tx.try_send(item) {
            Ok(()) => break,
            Err(TrySendError::Full(back)) if Instant::now() < deadline => {
                item = back;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return false,
        }
    }
    flushed
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .is_ok()
}

/// Logs a refused request, at most [`REFUSALS_PER_SECOND`] a second; the number left out is
/// reported with the next line that is logged.
pub fn log_refusal(line: impl FnOnce() -> String) {
    let suppressed = {
        let mut window = log_handle()
            .refusals
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if window.started.elapsed() >= Duration::from_secs(1) {
            window.started = Instant::now();
            window.logged = 0;
        }
        if window.logged >= REFUSALS_PER_SECOND {
            window.suppressed += 1;
            return;
        }
        window.logged += 1;
        std::mem::take(&mut window.suppressed)
    };
    if suppressed > 0 {
        log(format!("({suppressed} refusals were not logged: too many)"));
    }
    log(line());
}

/// Client-controlled text made safe for one log line: at most [`MAX_LOGGED_TEXT`] bytes of
/// it, control characters and non-ASCII escaped, and a note of how much was cut.
///
/// ```
/// assert_eq!(clever_kyc_server::clip("/kyc\n"), "/kyc\\n");
/// assert!(clever_kyc_server::clip(&"a".repeat(1000)).ends_with("… (1000 bytes)"));
/// ```
pub fn clip(text: &str) -> String {
    let mut end = text.len().min(MAX_LOGGED_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out: String = text[..end].escape_default().collect();
    if end < text.len() {
        out.push_str(&format!("… ({} bytes)", text.len()));
    }
    out
}
