//! The receive steps from async code, and a ready axum [`Router`].

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use clever_kyc_core::{callback::CallbackParseError, callback::CallbackRejection};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::inbox::{CallbackInbox, InboxError, Receipt};
use crate::store::{BoxError, CallbackStore, StoreError};

/// Limits on reading a callback's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceiveLimits {
    /// The whole body must arrive within this (a slow sender answers 408).
    pub body_read_timeout: Duration,
}

impl Default for ReceiveLimits {
    fn default() -> Self {
        Self {
            body_read_timeout: Duration::from_secs(30),
        }
    }
}

impl ReceiveLimits {
    /// Limits with the given whole-body deadline.
    pub fn with_body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }
}

/// The merchant's work for each new event: update an order, notify someone. Return `Ok`
/// only when it is done; an `Err` answers 503 and Hello Clever delivers again.
///
/// Closures `Fn(Receipt) -> impl Future<Output = Result<(), E>>` are handlers.
pub trait CallbackHandler: Send + Sync + 'static {
    /// Handles one event (new, or a redelivery of one that was not handled yet).
    fn handle(&self, receipt: Receipt) -> impl Future<Output = Result<(), BoxError>> + Send;
}

impl<F, Fut, E> CallbackHandler for F
where
    F: Fn(Receipt) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Into<BoxError>,
{
    fn handle(&self, receipt: Receipt) -> impl Future<Output = Result<(), BoxError>> + Send {
        let future = self(receipt);
        async move { future.await.map_err(Into::into) }
    }
}

/// Runs a store call where it may block: inline for stores that never wait, else on tokio's
/// blocking pool.
async fn on_store<S, T>(
    inbox: &Arc<CallbackInbox<S>>,
    call: impl FnOnce(&CallbackInbox<S>) -> Result<T, InboxError> + Send + 'static,
) -> Result<T, InboxError>
where
    S: CallbackStore + 'static,
    T: Send + 'static,
{
    if !inbox.store().blocks() {
        return call(inbox);
    }
    let inbox = Arc::clone(inbox);
    tokio::task::spawn_blocking(move || call(&inbox))
        .await
        .map_err(|join| {
            InboxError::Store(StoreError::Unavailable {
                backend: "task",
                operation: "finish a store call",
                source: Box::new(join),
            })
        })?
}

/// Steps 1 and 2 from async code: authenticates (looking the value up in the store), then
/// reads the body under the inbox's limit and `limits`, then parses and commits. With
/// `handled`, the store is the only sink.
///
/// # Errors
/// [`InboxError`], whose [`http_status`](InboxError::http_status) is the answer.
pub async fn receive_callback<S: CallbackStore + 'static>(
    inbox: &Arc<CallbackInbox<S>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
    limits: &ReceiveLimits,
    handled: bool,
) -> Result<Receipt, InboxError> {
    let result = receive_unobserved(inbox, method, headers, body, limits, handled).await;
    inbox.observe(&result);
    result
}

async fn receive_unobserved<S: CallbackStore + 'static>(
    inbox: &Arc<CallbackInbox<S>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
    limits: &ReceiveLimits,
    handled: bool,
) -> Result<Receipt, InboxError> {
    // A value of the inbox's own needs no store: no trip to the blocking pool for it.
    let authenticated = match inbox.authenticate_inline(&method, &headers, SystemTime::now())? {
        Ok(authenticated) => authenticated,
        Err(head) => {
            on_store(inbox, move |i| {
                i.authenticate_head(&head, SystemTime::now())
            })
            .await?
        }
    };
    let limit = inbox.receiver().body_limit();
    let read = tokio::time::timeout(
        limits.body_read_timeout,
        Limited::new(body, limit).collect(),
    )
    .await
    .map_err(|_| InboxError::BodyTimeout)?;
    let bytes = match read {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(InboxError::Rejected(CallbackRejection::InvalidBody(
                CallbackParseError::TooLarge {
                    size: limit as u64 + 1,
                    limit: limit as u64,
                },
            )));
        }
        Err(e) => return Err(InboxError::BodyUnreadable(e)),
    };
    on_store(inbox, move |i| {
        i.record(authenticated, &bytes, SystemTime::now(), handled)
    })
    .await
}

/// Runs `handler` on a receipt that needs it and marks it handled.
///
/// # Errors
/// [`InboxError::Handler`] or [`InboxError::Store`]: answer 503.
pub async fn handle_receipt<S: CallbackStore + 'static, H: CallbackHandler>(
    inbox: &Arc<CallbackInbox<S>>,
    handler: &H,
    receipt: Receipt,
) -> Result<(), InboxError> {
    if !receipt.needs_handling() {
        return Ok(());
    }
    // The key is all marking needs: no copy of the event for it.
    let key = *receipt.callback.idempotency_key();
    let result = async {
        handler.handle(receipt).await.map_err(InboxError::Handler)?;
        on_store(inbox, move |i| Ok(i.store().mark_handled(&key)?)).await
    }
    .await;
    if let Err(error) = &result {
        crate::observe::failed(error);
    }
    result
}

impl IntoResponse for InboxError {
    fn into_response(self) -> Response {
        (self.http_status(), self.to_string()).into_response()
    }
}

struct Route<S, H> {
    inbox: Arc<CallbackInbox<S>>,
    handler: H,
    limits: ReceiveLimits,
}

/// A router that receives callbacks on every path: 200 only after the event is committed
/// and `handler` returned `Ok` (or, for a duplicate, was already handled); the
/// [`InboxError`] status otherwise (401, 405, 408, 413, 400; 503 for a store or handler
/// failure).
///
/// ```
/// use std::sync::Arc;
/// use clever_kyc_receive::*;
/// let inbox = Arc::new(CallbackInbox::new(MemoryStore::new()));
/// let app: axum::Router = callback_router(inbox, ReceiveLimits::default(), |receipt: Receipt| async move {
///     println!("{:?}", receipt.callback.event().latest_status());
///     Ok::<(), std::io::Error>(())
/// });
/// ```
pub fn callback_router<S, H>(
    inbox: Arc<CallbackInbox<S>>,
    limits: ReceiveLimits,
    handler: H,
) -> Router
where
    S: CallbackStore + 'static,
    H: CallbackHandler,
{
    let route = Arc::new(Route {
        inbox,
        handler,
        limits,
    });
    Router::new().fallback(serve::<S, H>).with_state(route)
}

async fn serve<S: CallbackStore + 'static, H: CallbackHandler>(
    State(route): State<Arc<Route<S, H>>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let receipt =
            receive_callback(&route.inbox, method, headers, body, &route.limits, false).await?;
        handle_receipt(&route.inbox, &route.handler, receipt).await
    }
    .await;
    match result {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}
