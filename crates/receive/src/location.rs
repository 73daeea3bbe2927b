//! `--store` values: `sqlite:PATH`, `redis://HOST:PORT[/DB]` or `memory`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::codec::redact_url;
use crate::memory::MemoryStore;
use crate::store::{CallbackStore, StoreError};

/// Where a store is, as a command line or configuration names it.
///
/// ```
/// use clever_kyc_receive::StoreLocation;
/// assert_eq!("memory".parse::<StoreLocation>()?, StoreLocation::Memory);
/// assert!(matches!("sqlite:kyc.db".parse::<StoreLocation>()?, StoreLocation::Sqlite(_)));
/// assert!("postgres://db".parse::<StoreLocation>().is_err());
/// # Ok::<(), clever_kyc_receive::StoreLocationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreLocation {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A Redis server, by URL (`redis://` or `rediss://`).
    Redis(String),
    /// This process's memory.
    Memory,
}

/// Why a store location was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreLocationError {
    /// Not one of the known forms.
    #[error("unknown store {given:?}: use sqlite:PATH, redis://HOST:PORT[/DB] or memory")]
    UnknownScheme {
        /// The value, cut to 64 bytes.
        given: String,
    },
    /// `sqlite:` with nothing after it.
    #[error("the sqlite store needs a path: sqlite:PATH")]
    EmptyPath,
    /// The backend was left out of this build.
    #[error("this build has no {backend} store (enable the crate's `{backend}` feature)")]
    NotBuilt {
        /// `sqlite` or `redis`.
        backend: &'static str,
    },
}

impl FromStr for StoreLocation {
    type Err = StoreLocationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "memory" {
            Ok(Self::Memory)
        } else if let Some(path) = text.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(StoreLocationError::EmptyPath);
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else if text.starts_with("redis://") || text.starts_with("rediss://") {
            Ok(Self::Redis(text.to_owned()))
        } else {
            let mut end = text.len().min(64);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            Err(StoreLocationError::UnknownScheme {
                given: text[..end].to_owned(),
            })
        }
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Self::Redis(url) => f.write_str(&redact_url(url)),
            Self::Memory => f.write_str("memory"),
        }
    }
}

impl StoreLocation {
    /// Opens (creating a SQLite file when absent) the store.
    ///
    /// # Errors
    /// [`StoreError::Open`] when it cannot be opened or reached; with a backend left out of
    /// this build, [`StoreError::Open`] saying so.
    pub fn open(&self) -> Result<Box<dyn CallbackStore>, StoreError> {
        self.open_with(true)
    }

    /// Opens a store that must exist already (a SQLite file is not created).
    ///
    /// # Errors
    /// As [`open`](Self::open), and when the SQLite file does not exist.
    pub fn open_existing(&self) -> Result<Box<dyn CallbackStore>, StoreError> {
        self.open_with(false)
    }

    fn open_with(&self, create: bool) -> Result<Box<dyn CallbackStore>, StoreError> {
        match self {
            Self::Memory => Ok(Box::new(MemoryStore::new())),
            #[cfg(feature = "sqlite")]
            Self::Sqlite(path) => Ok(Box::new(if create {
                crate::sqlite::SqliteStore::open(path)?
            } else {
                crate::sqlite::SqliteStore::open_existing(path)?
            })),
            #[cfg(feature = "redis")]
            Self::Redis(url) => Ok(Box::new(crate::redis_store::RedisStore::open(url)?)),
            #[allow(unreachable_patterns)]
            other => {
                let _ = create;
                let backend = if matches!(other, Self::Redis(_)) {
                    "redis"
                } else {
                    "sqlite"
                };
                Err(StoreError::Open {
                    backend,
                    location: other.to_string(),
                    source: Box::new(StoreLocationError::NotBuilt { backend }),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_parses_and_displays_without_a_password() {
        let redis: StoreLocation = "redis://:pw@127.0.0.1:6379/2".parse().unwrap();
        assert_eq!(redis.to_string(), "redis://***@127.0.0.1:6379/2");
        assert_eq!(
            "sqlite:".parse::<StoreLocation>(),
            Err(StoreLocationError::EmptyPath)
        );
        let unknown = "ftp://x".parse::<StoreLocation>().unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "unknown store \"ftp://x\": use sqlite:PATH, redis://HOST:PORT[/DB] or memory"
        );
    }
}
