//! Standard output as a sink: one writer thread behind a queue bounded in bytes, so that a
//! slow or stuck reader never blocks a request task and never grows memory, and shutdown
//! never waits on a reader past its deadline.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

/// Bytes of lines waiting for the writer, by default; past this, an acknowledged write is
/// refused (503) and a best-effort one is dropped and counted.
pub(crate) const DEFAULT_QUEUE_BYTES: usize = 16 * 1024 * 1024;

type Item = (String, Option<oneshot::Sender<bool>>);

/// What the request tasks and the writer share.
#[derive(Debug, Default)]
struct Shared {
    closed: AtomicBool,
    /// Bytes queued and not yet written (each line counts its newline).
    queued_bytes: AtomicUsize,
    /// Lines queued and not yet written.
    queued_lines: AtomicU64,
    dropped: AtomicU64,
    warned_slow: AtomicBool,
}

/// The handle request tasks write through.
#[derive(Debug, Clone)]
pub(crate) struct Printer {
    tx: Sender<Item>,
    shared: Arc<Shared>,
    limit: usize,
}

/// The writer thread, for [`Writer::finish`].
#[derive(Debug)]
pub(crate) struct Writer {
    thread: JoinHandle<()>,
    shared: Arc<Shared>,
}

/// Why a line that had to be written was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrintError {
    /// The queue is full: the reader is not keeping up.
    Full,
    /// Standard output was closed by its reader.
    Closed,
    /// The line was not flushed within [`FLUSH_TIMEOUT`]: the reader is stuck.
    Stuck,
}

/// How long an acknowledged write may wait for standard output.
pub(crate) const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// What the writer could not write by the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unwritten {
    /// Lines still queued when the deadline came (never acknowledged: an acknowledged line is
    /// flushed first).
    pub(crate) lines: u64,
    /// Lines dropped along the way because the reader was too slow.
    pub(crate) dropped: u64,
}

impl Printer {
    /// Starts the writer thread with a queue of at most `limit` bytes; `what_survives` ends
    /// the one notice logged when stdout closes (what still holds the events).
    pub(crate) fn start(what_survives: &'static str, limit: usize) -> (Self, Writer) {
        let (tx, rx) = channel();
        let shared = Arc::new(Shared::default());
        let writer_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("stdout-writer".into())
            .spawn(move || write_lines(&rx, &writer_shared, what_survives))
            .unwrap_or_else(|e| {
                // No thread: every write reports Closed instead of blocking.
                tracing::error!("could not start the stdout writer: {e}");
                shared.closed.store(true, Ordering::SeqCst);
                std::thread::spawn(|| {})
            });
        let printer = Self {
            tx,
            shared: Arc::clone(&shared),
            limit,
        };
        (printer, Writer { thread, shared })
    }

    /// Queues a line if its bytes fit under the limit.
    fn enqueue(&self, line: String, ack: Option<oneshot::Sender<bool>>) -> Result<(), PrintError> {
        let size = line.len() + 1;
        let before = self.shared.queued_bytes.fetch_add(size, Ordering::SeqCst);
        if before.saturating_add(size) > self.limit {
            self.shared.queued_bytes.fetch_sub(size, Ordering::SeqCst);
            return Err(PrintError::Full);
        }
        self.shared.queued_lines.fetch_add(1, Ordering::SeqCst);
        self.tx.send((line, ack)).map_err(|_| {
            self.shared.queued_bytes.fetch_sub(size, Ordering::SeqCst);
            self.shared.queued_lines.fetch_sub(1, Ordering::SeqCst);
            PrintError::Closed
        })
    }

    /// Writes `line` and waits until it is flushed: for stdout as the only sink.
    pub(crate) async fn write_flushed(&self, line: String) -> Result<(), PrintError> {
        if self.shared.closed.load(Ordering::SeqCst) {
            return Err(PrintError::Closed);
        }
        let (ack, done) = oneshot::channel();
        self.enqueue(line, Some(ack))?;
        // A reader that stopped reading (but did not close) must not hold requests forever.
        match tokio::time::timeout(FLUSH_TIMEOUT, done).await {
            Ok(Ok(true)) => Ok(()),
            Ok(_) => Err(PrintError::Closed),
            Err(_) => Err(PrintError::Stuck),
        }
    }

    /// Queues `line` without waiting: for stdout as a view of a durable store. A full queue
    /// drops it and says so once.
    pub(crate) fn write_best_effort(&self, line: String) {
        if self.shared.closed.load(Ordering::SeqCst) {
            return;
        }
        if self.enqueue(line, None) == Err(PrintError::Full) {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            if !self.shared.warned_slow.swap(true, Ordering::Relaxed) {
                // Through the non-blocking log writer: a stuck stderr must not block this task.
                tracing::warn!(
                    "standard output is not keeping up; lines are being dropped (events stay in the store)"
                );
            }
        }
    }
}

impl Writer {
    /// Lets the writer finish what is queued until `deadline`, then leaves it: a reader that
    /// never reads must not hold the process. Says what was not written.
    pub(crate) fn finish(
        self,
        printers: impl IntoIterator<Item = Printer>,
        deadline: Instant,
    ) -> Unwritten {
        // Every sender gone: the writer ends once the queue is empty.
        drop(printers.into_iter().collect::<Vec<_>>());
        while !self.thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if self.thread.is_finished() {
            let _ = self.thread.join();
        }
        Unwritten {
            lines: self.shared.queued_lines.load(Ordering::SeqCst),
            dropped: self.shared.dropped.load(Ordering::Relaxed),
        }
    }
}

fn write_lines(rx: &Receiver<Item>, shared: &Shared, what_survives: &str) {
    let mut batch = Vec::with_capacity(256);
    let mut text = String::new();
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < 256 {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        text.clear();
        for (line, _) in &batch {
            text.push_str(line);
            text.push('\n');
        }
        let ok = !shared.closed.load(Ordering::SeqCst) && {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .is_ok()
        };
        if !ok && !shared.closed.swap(true, Ordering::SeqCst) {
            tracing::warn!("standard output was closed by its reader; {what_survives}");
        }
        shared.queued_bytes.fetch_sub(text.len(), Ordering::SeqCst);
        shared
            .queued_lines
            .fetch_sub(batch.len() as u64, Ordering::SeqCst);
        for (_, ack) in batch.drain(..) {
            if let Some(ack) = ack {
                let _ = ack.send(ok);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_is_bounded_in_bytes() {
        let (printer, writer) = Printer::start("test", 1000);
        // The writer may take lines as they come; a line over the limit never fits.
        assert_eq!(
            printer.enqueue("x".repeat(1000), None),
            Err(PrintError::Full)
        );
        assert_eq!(printer.enqueue("{}".to_owned(), None), Ok(()));
        let unwritten = writer.finish([printer], Instant::now() + Duration::from_secs(5));
        assert_eq!(unwritten.lines, 0);
    }
}
