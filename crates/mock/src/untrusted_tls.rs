//! A TLS listener whose certificate no client trusts: for testing that a transport reports a
//! certificate failure as "not sent" (the request is only written after the handshake).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A self-signed certificate for `localhost` and 127.0.0.1, and its key. Test material only:
/// no client trusts it, which is the point.
const CERT_PEM: &[u8] = include_bytes!("../tls/untrusted-cert.pem");
const KEY_PEM: &[u8] = include_bytes!("../tls/untrusted-key.pem");

/// A loopback TLS server with an untrusted, self-signed certificate. It completes handshakes
/// that a client accepts (answering `200` with an empty JSON object) and counts the HTTP
/// requests that reached it, so a test can assert that a refused certificate sent nothing.
#[derive(Debug)]
pub struct UntrustedTlsServer {
    addr: SocketAddr,
    requests: Arc<AtomicU64>,
}

impl UntrustedTlsServer {
    /// Starts the server on a free loopback port, on a thread of its own that lives as long
    /// as the process (tests only).
    ///
    /// # Errors
    /// When the port cannot be bound or the embedded certificate cannot be read.
    pub fn start() -> io::Result<Self> {
        let cert = CertificateDer::from_pem_slice(CERT_PEM).map_err(io::Error::other)?;
        let key = PrivateKeyDer::from_pem_slice(KEY_PEM).map_err(io::Error::other)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .map_err(io::Error::other)?;
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let config = Arc::clone(&config);
                let counted = Arc::clone(&counted);
                std::thread::spawn(move || {
                    // A refused handshake ends here with an error: nothing to do about it.
                    let _ = serve_one(stream, config, &counted);
                });
            }
        });
        Ok(Self { addr, requests })
    }

    /// `https://localhost:PORT`, for a base URL.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    /// How many HTTP requests arrived over a completed handshake.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve_one(
    mut tcp: std::net::TcpStream,
    config: Arc<rustls::ServerConfig>,
    requests: &AtomicU64,
) -> io::Result<()> {
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    let conn = rustls::ServerConnection::new(config).map_err(io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, &mut tcp);
    let mut buf = [0u8; 4096];
    let n = tls.read(&mut buf)?;
    if n > 0 {
        requests.fetch_add(1, Ordering::SeqCst);
        tls.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
        )?;
        tls.flush()?;
    }
    Ok(())
}
