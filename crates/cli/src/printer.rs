//! Standard output as a sink: one writer thread behind a bounded queue, so that a slow or
//! stuck reader never blocks a request task and never grows memory.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

/// Lines waiting for the writer; past this, an acknowledged write is refused (503) and a
/// best-effort one is dropped and counted.
pub(crate) const QUEUE_LINES: usize = 4096;

type Item = (String, Option<oneshot::Sender<bool>>);

/// The handle request tasks write through.
#[derive(Debug, Clone)]
pub(crate) struct Printer {
    tx: SyncSender<Item>,
    closed: Arc<AtomicBool>,
    dropped: Arc<AtomicU64>,
    warned_slow: Arc<AtomicBool>,
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
pub(crate) const FLUSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl Printer {
    /// Starts the writer thread; `what_survives` ends the one notice printed when stdout
    /// closes (what still holds the events).
    pub(crate) fn start(what_survives: &'static str) -> (Self, JoinHandle<()>) {
        let (tx, rx) = sync_channel(QUEUE_LINES);
        let closed = Arc::new(AtomicBool::new(false));
        let writer_closed = Arc::clone(&closed);
        let handle = std::thread::Builder::new()
            .name("stdout-writer".into())
            .spawn(move || write_lines(&rx, &writer_closed, what_survives))
            .unwrap_or_else(|e| {
                // No thread: every write reports Closed instead of blocking.
                eprintln!("listen: could not start the stdout writer: {e}");
                closed.store(true, Ordering::SeqCst);
                std::thread::spawn(|| {})
            });
        let printer = Self {
            tx,
            closed,
            dropped: Arc::default(),
            warned_slow: Arc::default(),
        };
        (printer, handle)
    }

    /// Writes `line` and waits until it is flushed: for stdout as the only sink.
    pub(crate) async fn write_flushed(&self, line: String) -> Result<(), PrintError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(PrintError::Closed);
        }
        let (ack, done) = oneshot::channel();
        match self.tx.try_send((line, Some(ack))) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(PrintError::Full),
            Err(TrySendError::Disconnected(_)) => return Err(PrintError::Closed),
        }
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
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        if let Err(TrySendError::Full(_)) = self.tx.try_send((line, None)) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            if !self.warned_slow.swap(true, Ordering::Relaxed) {
                // Through the non-blocking log writer: a stuck stderr must not block this task.
                tracing::warn!(
                    "standard output is not keeping up; lines are being dropped (events stay in the store)"
                );
            }
        }
    }

    /// Lines dropped because the reader was too slow.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

fn write_lines(rx: &Receiver<Item>, closed: &AtomicBool, what_survives: &str) {
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
        let ok = !closed.load(Ordering::SeqCst) && {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .is_ok()
        };
        if !ok && !closed.swap(true, Ordering::SeqCst) {
            tracing::warn!("standard output was closed by its reader; {what_survives}");
        }
        for (_, ack) in batch.drain(..) {
            if let Some(ack) = ack {
                let _ = ack.send(ok);
            }
        }
    }
}
