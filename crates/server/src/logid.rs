//! Every response carries a log id, in the `x-tt-logid` header and in the body's
//! `detail.logid`; the id is set for the request's task so any response can read it.

use axum::http::HeaderValue;
use axum::response::Response;
use rand::Rng;
use std::io::Write;

/// Unix seconds then 20 random hex digits: sortable by time, unguessable. Kept
/// in place (it is `Copy`): every request makes one and reads it two or three
/// times, so it costs no allocation.
#[derive(Clone, Copy)]
pub struct LogId {
    bytes: [u8; LogId::CAPACITY],
    len: u8,
}

impl LogId {
    /// 20 decimal digits of seconds at most, then 20 hex digits.
    const CAPACITY: usize = 40;

    pub fn new() -> LogId {
        let now = buckle_core::now_unix();
        let mut rng = rand::rng();
        let mut bytes = [0u8; LogId::CAPACITY];
        let mut rest = &mut bytes[..];
        // Cannot fail: an i64 has at most 20 characters, the hex digits 20.
        let _ = write!(
            rest,
            "{now}{:016X}{:04X}",
            rng.random::<u64>(),
            rng.random::<u16>()
        );
        let len = LogId::CAPACITY - rest.len();
        LogId {
            bytes,
            len: len as u8,
        }
    }

    /// No id: outside a request.
    const fn empty() -> LogId {
        LogId {
            bytes: [0u8; LogId::CAPACITY],
            len: 0,
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and letters are ever written.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl Default for LogId {
    fn default() -> LogId {
        LogId::empty()
    }
}

impl std::fmt::Display for LogId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for LogId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

tokio::task_local! {
    static LOGID: LogId;
}

/// The current request's log id (empty outside a request).
pub fn current() -> LogId {
    LOGID.try_with(|id| *id).unwrap_or_default()
}

/// `f`, run with `id` as the current log id.
pub fn scoped<F: std::future::Future>(
    id: LogId,
    f: F,
) -> tokio::task::futures::TaskLocalFuture<LogId, F> {
    LOGID.scope(id, f)
}

/// Runs `f` now with `id` as the current log id.
pub fn sync_scoped<R>(id: LogId, f: impl FnOnce() -> R) -> R {
    LOGID.sync_scope(id, f)
}

/// Puts the log id in the response's `x-tt-logid` header.
pub fn stamp(resp: &mut Response, id: &LogId) {
    if let Ok(v) = HeaderValue::from_str(id.as_str()) {
        resp.headers_mut().insert("x-tt-logid", v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ids_are_seconds_then_twenty_hex_digits_and_differ() {
        let a = LogId::new();
        let b = LogId::new();
        let now = buckle_core::now_unix().to_string();
        for id in [a.as_str(), b.as_str()] {
            let (secs, random) = id.split_at(id.len() - 20);
            assert!(
                secs.parse::<i64>().unwrap() >= now.parse::<i64>().unwrap() - 1,
                "{id}"
            );
            assert!(
                random
                    .bytes()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()),
                "{id}"
            );
        }
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(LogId::default().as_str(), "");
        assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
    }
}
