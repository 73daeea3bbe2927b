//! Loads the hostile-input corpus: `manifest.json` beside this file lists each case, its
//! body (a file under `bodies/` or a generator for the large ones), and the expected outcome
//! for the callback parser and for the listener over HTTP. Shared by the core's tests and
//! the command line's listener tests.

use std::path::Path;

use serde_json::Value;

/// One hostile input.
pub(crate) struct HostileCase {
    pub(crate) name: String,
    pub(crate) body: Vec<u8>,
    /// `ok`, `json`, `not_an_object`, `invalid_utf8` or `too_large` (read by the parser
    /// tests; the listener tests use `listener`).
    #[allow(dead_code)]
    pub(crate) callback: String,
    /// The status the listener must answer (read by the listener tests).
    #[allow(dead_code)]
    pub(crate) listener: u16,
    /// Too big to parse in memory pointlessly: only sent to the listener, streamed.
    pub(crate) listener_only: bool,
}

/// Loads every case from `dir` (the folder holding `manifest.json`).
pub(crate) fn load(dir: &Path) -> Vec<HostileCase> {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    manifest
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let size = case["size"].as_u64().unwrap_or(0) as usize;
            let body = match (case["file"].as_str(), case["generate"].as_str()) {
                (Some(file), _) => std::fs::read(dir.join("bodies").join(file)).unwrap(),
                (None, Some("nesting")) => {
                    let mut body = b"{\"email\": ".to_vec();
                    body.extend(std::iter::repeat_n(b'[', size));
                    body.extend(std::iter::repeat_n(b']', size));
                    body.push(b'}');
                    body
                }
                (None, Some("huge_email")) => {
                    let filler = "x".repeat(size - 64);
                    format!(r#"{{"email": "{filler}@example.com", "kyc_statuses": []}}"#)
                        .into_bytes()
                }
                (None, Some("spaces")) if case["listener_only"].as_bool() == Some(true) => {
                    Vec::new()
                }
                (None, Some("spaces")) => {
                    let mut body = vec![b' '; size];
                    body[0] = b'{';
                    body[size - 1] = b'}';
                    body
                }
                other => panic!("unknown body for {case}: {other:?}"),
            };
            HostileCase {
                name: case["name"].as_str().unwrap().to_owned(),
                body,
                callback: case["callback"].as_str().unwrap().to_owned(),
                listener: case["listener"].as_u64().unwrap() as u16,
                listener_only: case["listener_only"].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

/// The size of a generated listener-only body.
#[allow(dead_code)]
pub(crate) fn streamed_size(dir: &Path, name: &str) -> u64 {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    manifest
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["size"].as_u64())
        .unwrap()
}
