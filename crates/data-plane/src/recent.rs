//! The last requests the emulator served, for its inspector page (`/_apigw/ui`).
//!
//! Every data-plane request (and every control-plane call, which the server adds) is kept as
//! a [`Seen`] in one of several shards, each a small ring behind its own `Mutex`. A thread
//! always writes to the same shard (picked round-robin the first time it records), so the
//! workers never share a lock or a cache line on the hot path: the only contention is the
//! inspector reading a shard while its worker writes, a few times a second at most.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

/// How many requests the inspector shows (each shard keeps as many, so one busy worker still
/// fills the page).
pub const CAPACITY: usize = 300;

/// Which plane served a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Plane {
    /// A deployed stage (execute-api).
    Data,
    /// The apigateway API, its companions (Logs, IAM, STS) or `/_apigw/*`.
    Control,
}

/// One request as the inspector shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seen {
    /// When it arrived, in milliseconds since the Unix epoch (shown).
    pub time_ms: i64,
    /// When it arrived, to order entries: monotonic and finer than a millisecond, in which
    /// two workers may well serve two requests.
    #[serde(skip)]
    pub arrived: Instant,
    /// Data or control plane.
    pub plane: Plane,
    /// The HTTP method.
    pub method: Box<str>,
    /// The URL path as requested.
    pub path: Box<str>,
    /// The control-plane operation (`CreateRestApi`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<Box<str>>,
    /// The API called, once found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_id: Option<Box<str>>,
    /// The stage served, once found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Box<str>>,
    /// The matched resource's path (`/pets/{id}`), once routed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<Box<str>>,
    /// The status answered.
    pub status: u16,
    /// Time to the response head.
    #[serde(serialize_with = "millis")]
    pub latency: Duration,
    /// What the integration answered, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_status: Option<u16>,
    /// How long the integration took, when it ran.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "millis_opt")]
    pub integration_latency: Option<Duration>,
    /// `x-amzn-RequestId`.
    pub request_id: Box<str>,
    /// The gateway response type and message the request failed with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Box<str>>,
    /// Why it failed, when the caller is not told (a backend's connection error, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Box<str>>,
}

/// A duration in milliseconds, to the microsecond (what the log line shows too).
pub fn ms(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(ms(*d))
}

fn millis_opt<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => millis(d, s),
        None => s.serialize_none(),
    }
}

/// The sharded ring of recent requests.
pub struct Recent {
    shards: Box<[Mutex<VecDeque<Seen>>]>,
}

impl Default for Recent {
    fn default() -> Self {
        // Twice the cores: worker threads, the server's thread and a test's own threads
        // rarely land on one shard.
        let n = std::thread::available_parallelism().map_or(4, |n| n.get() * 2);
        Self::with_shards(n.clamp(4, 64))
    }
}

/// Gives each thread its shard, round-robin in the order threads first record.
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SHARD: usize = NEXT_SHARD.fetch_add(1, Ordering::Relaxed);
}

impl Recent {
    /// A buffer of `n` shards.
    pub fn with_shards(n: usize) -> Self {
        Self {
            shards: (0..n.max(1))
                .map(|_| Mutex::new(VecDeque::with_capacity(CAPACITY)))
                .collect(),
        }
    }

    /// Keep `seen`, dropping this shard's oldest entry when full.
    pub fn push(&self, seen: Seen) {
        let shard = &self.shards[SHARD.with(|s| *s) % self.shards.len()];
        // A poisoned shard (a panic while pushing) still holds whole entries.
        let mut ring = shard.lock().unwrap_or_else(|p| p.into_inner());
        if ring.len() == CAPACITY {
            ring.pop_front();
        }
        ring.push_back(seen);
    }

    /// The last [`CAPACITY`] requests, oldest first.
    pub fn snapshot(&self) -> Vec<Seen> {
        let mut all: Vec<Seen> = Vec::new();
        for shard in self.shards.iter() {
            let ring = shard.lock().unwrap_or_else(|p| p.into_inner());
            all.extend(ring.iter().cloned());
        }
        all.sort_by_key(|s| s.arrived);
        let skip = all.len().saturating_sub(CAPACITY);
        all.drain(..skip);
        all
    }

    /// Forget everything (the emulator's reset).
    pub fn clear(&self) {
        for shard in self.shards.iter() {
            shard.lock().unwrap_or_else(|p| p.into_inner()).clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry that arrived `n` microseconds after `base`, its path `/n`.
    fn seen(base: Instant, n: u64) -> Seen {
        Seen {
            time_ms: 0,
            arrived: base + Duration::from_micros(n),
            plane: Plane::Data,
            method: "GET".into(),
            path: format!("/{n}").into(),
            operation: None,
            api_id: None,
            stage: None,
            resource: None,
            status: 200,
            latency: Duration::from_micros(1500),
            integration_status: None,
            integration_latency: None,
            request_id: "r".into(),
            error: None,
            cause: None,
        }
    }

    fn paths(recent: &Recent) -> Vec<String> {
        recent
            .snapshot()
            .iter()
            .map(|s| s.path.to_string())
            .collect()
    }

    #[test]
    fn keeps_the_last_entries_oldest_first() {
        let recent = Recent::with_shards(4);
        let base = Instant::now();
        for n in 0..3 {
            recent.push(seen(base, n));
        }
        assert_eq!(paths(&recent), ["/0", "/1", "/2"]);
        for n in 3..(CAPACITY as u64 + 50) {
            recent.push(seen(base, n));
        }
        let got = paths(&recent);
        assert_eq!(got.len(), CAPACITY);
        assert_eq!(got[0], "/50");
        assert_eq!(got[CAPACITY - 1], format!("/{}", CAPACITY + 49));
    }

    #[test]
    fn merges_the_shards_of_several_threads_in_arrival_order() {
        let recent = std::sync::Arc::new(Recent::with_shards(2));
        let base = Instant::now();
        // Three threads interleave arrivals (thread t has t, t+3, t+6, …), two sharing a shard.
        let threads: Vec<_> = (0..3u64)
            .map(|t| {
                let recent = recent.clone();
                std::thread::spawn(move || {
                    for i in 0..CAPACITY as u64 {
                        recent.push(seen(base, i * 3 + t));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let got = recent.snapshot();
        assert_eq!(got.len(), CAPACITY);
        assert!(got.windows(2).all(|w| w[0].arrived < w[1].arrived));
        // The newest of all is there.
        let newest = (CAPACITY as u64 - 1) * 3 + 2;
        assert_eq!(&*got.last().unwrap().path, format!("/{newest}"));
        recent.clear();
        assert!(recent.snapshot().is_empty());
    }

    #[test]
    fn serialises_latencies_in_milliseconds() {
        let json = serde_json::to_value(seen(Instant::now(), 7)).unwrap();
        assert_eq!(json["latency"], 1.5);
        assert_eq!(json["plane"], "data");
        assert_eq!(json["requestId"], "r");
        assert!(json.get("integrationLatency").is_none());
        assert!(json.get("arrived").is_none());
    }
}
