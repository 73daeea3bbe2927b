//! Process-level setup for a server: the shutdown signal and the open-file limit.

/// Resolves on SIGTERM or SIGINT (Ctrl-C). If a handler cannot be installed, that signal
/// is simply not awaited (the other still is).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = async {
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    term.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Raises the soft open-file limit to the hard limit, so that the connection cap, not the
/// default 1024 descriptors, is what bounds a server. Returns the limit now in force.
///
/// # Errors
/// The operating system's error when the limit cannot be read or set.
#[cfg(unix)]
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if let Some(hard) = limit.maximum
        && limit.current != Some(hard)
    {
        limit.current = Some(hard);
        setrlimit(Resource::Nofile, limit).map_err(std::io::Error::from)?;
    }
    Ok(getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX))
}

/// Not available off Unix: reports the limit as unknown.
///
/// # Errors
/// Never.
#[cfg(not(unix))]
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    Ok(u64::MAX)
}
