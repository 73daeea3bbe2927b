//! Captures all tracing output of a test process, to prove no secret reaches a log.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Everything logged at any level since [`LogCapture::install`], as text.
#[derive(Debug, Clone)]
pub struct LogCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
}

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// Installs a global TRACE-level subscriber writing into memory (once per process;
    /// later calls return the same capture).
    pub fn install() -> Self {
        static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
        CAPTURE
            .get_or_init(|| {
                let buffer = Arc::new(Mutex::new(Vec::new()));
                let writer = buffer.clone();
                let subscriber = tracing_subscriber::fmt()
                    .with_max_level(tracing::Level::TRACE)
                    .with_ansi(false)
                    .with_writer(move || CaptureWriter(writer.clone()))
                    .finish();
                // Another subscriber may already be set; then this capture stays empty and
                // `contents` says so.
                let _ = tracing::subscriber::set_global_default(subscriber);
                Self { buffer }
            })
            .clone()
    }

    /// The captured text.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// The first of `secrets` found in any of `texts`, with where.
pub fn find_leak<'a>(texts: &[(&str, &str)], secrets: &[&'a str]) -> Option<(String, &'a str)> {
    for (label, text) in texts {
        for secret in secrets {
            if text.contains(secret) {
                return Some(((*label).to_owned(), secret));
            }
        }
    }
    None
}
