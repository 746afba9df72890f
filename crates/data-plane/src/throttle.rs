//! Token buckets for API Gateway's throttles (usage-plan keys, per-method overrides, stage
//! method settings, the account limit).
//!
//! Each bucket is the generic cell rate algorithm (GCRA): one atomic "theoretical arrival
//! time", advanced by a compare-and-swap per admitted request. It admits exactly what a token
//! bucket of `burst` tokens refilled at `rate` per second admits — at most `burst + rate·T`
//! requests over any `T` seconds — with no lock and no timer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use apigw_model::ThrottleSettings;

/// A throttle's parameters, precomputed for the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Nanoseconds one request "costs" (1 s / rate); `u64::MAX` when the rate is 0.
    interval_ns: u64,
    /// How far ahead of now the bucket may run: `burst × interval`.
    tolerance_ns: u64,
}

impl Limit {
    /// A bucket of `burst` requests refilled at `rate` per second. A rate or burst of 0 blocks
    /// every request, as on AWS.
    pub fn new(rate: f64, burst: i64) -> Self {
        if rate.is_nan() || rate <= 0.0 || burst <= 0 {
            return Self {
                interval_ns: u64::MAX,
                tolerance_ns: 0,
            };
        }
        let interval = (1e9 / rate).round().clamp(1.0, 1e18) as u64;
        let tolerance = interval.saturating_mul(u64::try_from(burst).unwrap_or(u64::MAX));
        Self {
            interval_ns: interval,
            tolerance_ns: tolerance,
        }
    }

    /// The limit a `ThrottleSettings` describes, or `None` when it sets no rate (no throttle at
    /// that level). A rate without a burst gets a bucket of one second's worth of requests.
    pub fn from_settings(t: &ThrottleSettings) -> Option<Self> {
        let rate = t.rate_limit?;
        let burst = t.burst_limit.unwrap_or_else(|| (rate.ceil() as i64).max(1));
        Some(Self::new(rate, burst))
    }

    /// Whether every request is refused.
    pub fn blocks_all(&self) -> bool {
        self.interval_ns > self.tolerance_ns
    }
}

/// One token bucket's state.
#[derive(Debug, Default)]
pub struct Bucket {
    /// Theoretical arrival time of the next request, in [`now_ns`] units.
    tat: AtomicU64,
}

impl Bucket {
    /// Take one token at time `now` (from [`now_ns`]); `false` when the bucket is empty.
    pub fn admit(&self, limit: &Limit, now: u64) -> bool {
        if limit.blocks_all() {
            return false;
        }
        let mut tat = self.tat.load(Ordering::Relaxed);
        loop {
            let next = tat.max(now).saturating_add(limit.interval_ns);
            if next - now > limit.tolerance_ns {
                return false;
            }
            match self
                .tat
                .compare_exchange_weak(tat, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(seen) => tat = seen,
            }
        }
    }
}

/// A throttle's limit and its (shared) bucket.
#[derive(Debug, Clone)]
pub struct Throttle {
    /// The rate and burst.
    pub limit: Limit,
    /// The state, shared by every table that throttles the same thing.
    pub bucket: std::sync::Arc<Bucket>,
}

impl Throttle {
    /// Take one token now.
    pub fn admit(&self, now: u64) -> bool {
        self.bucket.admit(&self.limit, now)
    }
}

/// Monotonic nanoseconds since the first call (the clock every bucket is read against).
pub fn now_ns() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    // Offset by one second so that a fresh bucket (time 0) starts full.
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX) + 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    fn admitted(limit: &Limit, times: impl IntoIterator<Item = u64>) -> usize {
        let b = Bucket::default();
        times.into_iter().filter(|t| b.admit(limit, *t)).count()
    }

    #[test]
    fn burst_then_rate() {
        let l = Limit::new(2.0, 5);
        // 100 requests at once: the burst.
        assert_eq!(admitted(&l, std::iter::repeat_n(10 * S, 100)), 5);
        // A request every millisecond for 3 s: burst + 3 s × 2/s.
        let n = admitted(&l, (0..3000).map(|ms| 10 * S + ms * 1_000_000));
        assert!((10..=11).contains(&n), "{n}");
    }

    #[test]
    fn zero_blocks_everything() {
        assert_eq!(
            admitted(&Limit::new(0.0, 10), (0..100).map(|i| S + i * S)),
            0
        );
        assert_eq!(
            admitted(&Limit::new(10.0, 0), (0..100).map(|i| S + i * S)),
            0
        );
        assert!(Limit::new(0.0, 10).blocks_all());
    }

    #[test]
    fn fractional_rates() {
        // One request every two seconds, bucket of one.
        let l = Limit::new(0.5, 1);
        let n = admitted(&l, (0..10).map(|i| S + i * S));
        assert_eq!(n, 5);
    }

    #[test]
    fn settings_without_a_rate_do_not_throttle() {
        assert_eq!(
            Limit::from_settings(&ThrottleSettings {
                burst_limit: Some(5),
                rate_limit: None
            }),
            None
        );
        assert_eq!(
            Limit::from_settings(&ThrottleSettings {
                burst_limit: None,
                rate_limit: Some(2.5)
            }),
            Some(Limit::new(2.5, 3))
        );
    }

    #[test]
    fn concurrent_admission_is_exact() {
        let l = Limit::new(1.0, 1000);
        let b = std::sync::Arc::new(Bucket::default());
        let now = now_ns();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let b = b.clone();
                std::thread::spawn(move || (0..1000).filter(|_| b.admit(&l, now)).count())
            })
            .collect();
        let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(total, 1000);
    }
}
