//! Real components for tests: a `redis-server` of the test's own on a free loopback port.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` process started for one test, stopped (killed) on drop.
///
/// It fails, rather than skips, when `redis-server` is not installed: a test that needs
/// Redis must run against Redis.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

/// Why a test Redis could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisServerError {
    /// `redis-server` could not be run (not installed: `apt-get install -y redis-server`).
    #[error("could not run redis-server (install it with `apt-get install -y redis-server`)")]
    Spawn(#[source] std::io::Error),
    /// It did not answer PING in time.
    #[error("redis-server did not answer on {0} within 10 s")]
    NoAnswer(SocketAddr),
}

impl RedisServer {
    /// Starts one without persistence (`--save '' --appendonly no`).
    ///
    /// # Errors
    /// [`RedisServerError`].
    pub fn start() -> Result<Self, RedisServerError> {
        Self::start_with(&["--save", "", "--appendonly", "no"])
    }

    /// Starts one with extra arguments (e.g. `--appendonly yes` for restart durability),
    /// in a fresh working directory.
    ///
    /// # Errors
    /// [`RedisServerError`].
    pub fn start_with(args: &[&str]) -> Result<Self, RedisServerError> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(RedisServerError::Spawn)?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let dir =
            std::env::temp_dir().join(format!("clever-kyc-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(RedisServerError::Spawn)?;
        let child = spawn(addr, &dir, args)?;
        let server = Self { child, addr, dir };
        server.wait_until_it_answers()?;
        Ok(server)
    }

    fn wait_until_it_answers(&self) -> Result<(), RedisServerError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers_ping() {
            if Instant::now() > deadline {
                return Err(RedisServerError::NoAnswer(self.addr));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200))
        else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops it (SIGKILL), as an outage would.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port and directory (after [`stop`](Self::stop)).
    ///
    /// # Errors
    /// [`RedisServerError`].
    pub fn restart(&mut self, args: &[&str]) -> Result<(), RedisServerError> {
        self.stop();
        self.child = spawn(self.addr, &self.dir, args)?;
        self.wait_until_it_answers()
    }
}

fn spawn(
    addr: SocketAddr,
    dir: &std::path::Path,
    args: &[&str],
) -> Result<Child, RedisServerError> {
    Command::new("redis-server")
        .args([
            "--port",
            &addr.port().to_string(),
            "--bind",
            "127.0.0.1",
            "--dir",
        ])
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(RedisServerError::Spawn)
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
