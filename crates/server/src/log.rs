//! Logging that never blocks a request, through the one logging system, `tracing`.
//!
//! [`NonBlockingStderr`] is the writer a command gives its `tracing` subscriber: formatted
//! lines go through a bounded queue to one writer thread; when standard error is not read,
//! lines are dropped and counted instead of stalling the server. Refusals are rate-limited
//! ([`log_refusal`]), and client-controlled text is cut and escaped ([`clip`]) before it is
//! logged.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use clever_kyc_core::budget::LogBudget;

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
    refusals: Mutex<LogBudget>,
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
            refusals: Mutex::new(LogBudget::new(REFUSALS_PER_SECOND)),
        }
    })
}

/// Writes `line` to standard error through the same queue, without ever waiting for it and
/// without a panic when standard error is closed or full: for a server's own lines (what it
/// listens on, how it stopped). Call [`flush_logs`] before the process exits.
pub fn stderr_line(line: impl Into<String>) {
    enqueue(line.into());
}

/// Queues `line` for standard error without ever waiting for it.
fn enqueue(line: String) {
    let log = log_handle();
    if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
        log.tx.try_send(Item::Line(line))
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

/// Logs a refused request as a `tracing` warning (target `clever_kyc::refused`), at most
/// [`REFUSALS_PER_SECOND`] a second; the number left out is reported with the next one.
pub fn log_refusal(line: impl FnOnce() -> String) {
    let admitted = log_handle()
        .refusals
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .admit(Instant::now());
    let Some(suppressed) = admitted else {
        return;
    };
    if suppressed > 0 {
        tracing::warn!(
            target: "clever_kyc::refused",
            suppressed,
            "refusals were not logged: too many"
        );
    }
    tracing::warn!(target: "clever_kyc::refused", "{}", line());
}

/// A `tracing` writer to standard error that never blocks: each event's line is queued for
/// one writer thread, and dropped (then counted, and the count reported) when the queue is
/// full because nobody reads standard error. Give it to the command's subscriber:
/// `tracing_subscriber::fmt().with_writer(NonBlockingStderr)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NonBlockingStderr;

/// One event's bytes, queued as a line when the formatter is done with it.
#[derive(Debug, Default)]
pub struct QueuedLine(Vec<u8>);

impl Write for QueuedLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for QueuedLine {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0);
        while bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        if !bytes.is_empty() {
            enqueue(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for NonBlockingStderr {
    type Writer = QueuedLine;

    fn make_writer(&'a self) -> Self::Writer {
        QueuedLine::default()
    }
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
