//! A request body that fails once its deadline passes: one slow sender cannot hold a
//! connection for hours.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::time::Sleep;

/// The error a body gives when its deadline passed, or when it arrived slower than the
/// minimum rate.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}, or slower than the minimum rate")]
pub struct BodyDeadlineExceeded(pub Duration);

/// The first second of a body is free of the rate check (a client's first packets).
const RATE_GRACE: Duration = Duration::from_secs(1);

/// Why reading a body failed.
pub(crate) type BodyError = Box<dyn std::error::Error + Send + Sync>;

pub(crate) struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
    limit: Duration,
    /// Bytes a second after [`RATE_GRACE`]; 0: no rate check.
    min_rate: u64,
    started: tokio::time::Instant,
    received: u64,
    /// When the rate is checked next.
    rate_check: Pin<Box<Sleep>>,
    /// Set when the deadline cut the body, so the answer can become a 408.
    expired: Arc<AtomicBool>,
}

impl DeadlineBody {
    pub(crate) fn new(
        inner: Incoming,
        limit: Duration,
        min_rate: u64,
        expired: Arc<AtomicBool>,
    ) -> Self {
        let started = tokio::time::Instant::now();
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep(limit)),
            limit,
            min_rate,
            started,
            received: 0,
            rate_check: Box::pin(tokio::time::sleep_until(started + RATE_GRACE + RATE_GRACE)),
            expired,
        }
    }

    /// Whether the body is behind the minimum rate now.
    fn too_slow(&self) -> bool {
        let counted = self.started.elapsed().saturating_sub(RATE_GRACE);
        self.min_rate > 0 && (self.received as f64) < self.min_rate as f64 * counted.as_secs_f64()
    }

    fn cut(&mut self) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        self.expired.store(true, Ordering::SeqCst);
        Poll::Ready(Some(Err(Box::new(BodyDeadlineExceeded(self.limit)))))
    }
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            if let Some(Ok(data)) = frame.as_ref().map(|f| f.as_ref().map(Frame::data_ref)) {
                self.received += data.map_or(0, |d| d.len() as u64);
            }
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return self.cut();
        }
        if self.min_rate > 0 && self.rate_check.as_mut().poll(cx).is_ready() {
            if self.too_slow() {
                return self.cut();
            }
            let next = tokio::time::Instant::now() + Duration::from_millis(500);
            self.rate_check.as_mut().reset(next);
            // Registers the waker for the new deadline.
            let _ = self.rate_check.as_mut().poll(cx);
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
