//! What a Redis server's persistence settings promise about an acknowledged event.

use std::fmt;

use super::RedisStore;

/// How much an acknowledged event can be lost if the Redis server stops, as its persistence
/// settings say (`CONFIG GET appendonly appendfsync`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisDurability {
    /// `appendonly yes` with `appendfsync always`: every write is on disk before Redis
    /// answers, so before the listener does.
    Always,
    /// `appendonly yes` with `appendfsync everysec`: up to about a second of acknowledged
    /// events.
    EverySecond,
    /// No append-only file, or `appendfsync no`: everything since the last snapshot.
    None,
    /// The settings could not be read (`CONFIG` is disabled on managed Redis services): what
    /// the server promises is unknown.
    Unknown(String),
}

impl RedisDurability {
    /// The window, from none (0) to the widest (2); `None` when unknown.
    pub fn rank(&self) -> Option<u8> {
        match self {
            Self::Always => Some(0),
            Self::EverySecond => Some(1),
            Self::None => Some(2),
            Self::Unknown(_) => None,
        }
    }

    /// What it is read from: appendonly's and appendfsync's values.
    fn of_settings(appendonly: &str, appendfsync: &str) -> Self {
        match (
            appendonly.eq_ignore_ascii_case("yes"),
            appendfsync.to_ascii_lowercase().as_str(),
        ) {
            (true, "always") => Self::Always,
            (true, "everysec") => Self::EverySecond,
            _ => Self::None,
        }
    }
}

impl fmt::Display for RedisDurability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Always => f.write_str("appendonly yes, appendfsync always: no acknowledged event lost"),
            Self::EverySecond => f.write_str(
                "appendonly yes, appendfsync everysec: about 1 s of acknowledged events can be lost if Redis stops",
            ),
            Self::None => f.write_str(
                "no append-only file: every event since the last snapshot can be lost if Redis stops",
            ),
            Self::Unknown(why) => write!(f, "unknown (the settings could not be read: {why})"),
        }
    }
}

impl RedisStore {
    /// Reads the server's persistence settings.
    pub fn durability(&self) -> RedisDurability {
        let read = |setting: &'static str| {
            self.with_connection("read the persistence settings", |c| {
                redis::cmd("CONFIG")
                    .arg("GET")
                    .arg(setting)
                    .query::<Vec<String>>(c)
            })
        };
        match (read("appendonly"), read("appendfsync")) {
            (Ok(only), Ok(fsync)) => match (only.get(1), fsync.get(1)) {
                (Some(only), Some(fsync)) => RedisDurability::of_settings(only, fsync),
                _ => RedisDurability::Unknown("CONFIG GET answered without the settings".into()),
            },
            (Err(e), _) | (_, Err(e)) => {
                RedisDurability::Unknown(clever_kyc_core::transport::error_chain(&e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_fsync_on_every_write_loses_nothing() {
        assert_eq!(
            RedisDurability::of_settings("yes", "always"),
            RedisDurability::Always
        );
        assert_eq!(
            RedisDurability::of_settings("YES", "everysec"),
            RedisDurability::EverySecond
        );
        assert_eq!(
            RedisDurability::of_settings("yes", "no"),
            RedisDurability::None
        );
        assert_eq!(
            RedisDurability::of_settings("no", "always"),
            RedisDurability::None
        );
    }
}
