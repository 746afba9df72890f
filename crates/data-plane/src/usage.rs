//! API keys and usage plans as the data plane enforces them: who may call a method that
//! requires a key, at what rate (usage-plan throttles) and how often (quotas).
//!
//! Keys, plans and plan membership are live state, not part of a deployment: the server
//! rebuilds one scope's [`ScopeKeys`] after every change and swaps the table atomically, so the
//! next request sees it. Buckets and counters outlive those rebuilds: they are kept in
//! registries (touched only when publishing and flushing) and shared into each new table.
//!
//! Counters are in memory on the hot path (atomics per key and plan, never a lock; a mutex
//! only for the days that ended since the last flush, touched once a day). The server flushes the dirty ones to SQLite about once a second and at shutdown, and
//! restores them at start, so a restart never resets a quota.

// Fx hashing: these maps are looked up on every request with short keys (ids, names) the
// emulator's own user chose; SipHash's flooding resistance buys nothing here and cost ~300
// instructions a lookup.
use rustc_hash::FxHashMap as HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use chrono::NaiveDate;

use apigw_model::{ApiKey, QuotaPeriod, Scope, UsagePlan};

use crate::throttle::{now_ns, Bucket, Limit, Throttle};

/// Why a request with a key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Missing, unknown, disabled, or not in a plan of this stage: 403 INVALID_API_KEY.
    InvalidKey,
    /// A usage-plan throttle tripped: 429 THROTTLED.
    Throttled,
    /// The key's quota is spent: 429 QUOTA_EXCEEDED.
    QuotaExceeded,
}

/// The key a request was admitted with (`$context.identity.apiKey` / `apiKeyId`).
#[derive(Debug, Clone)]
pub struct KeyIdentity {
    /// The key's value.
    pub value: Arc<str>,
    /// The key's id.
    pub id: Arc<str>,
}

/// A usage plan's quota.
#[derive(Debug, Clone, Copy)]
pub struct QuotaRule {
    /// Requests per period.
    pub limit: i64,
    /// Requests already counted in the quota's first period.
    pub offset: i64,
    /// The period.
    pub period: QuotaPeriod,
}

/// One key in one plan: the plan's stages and limits, the key's buckets and counter.
#[derive(Debug)]
pub struct PlanKey {
    /// The usage plan's id.
    pub plan_id: String,
    /// The plan's stages: (API id, stage name, per-method throttles by `"/path/METHOD"`).
    stages: Vec<(String, String, HashMap<String, Throttle>)>,
    /// The plan's throttle for this key, across all its stages.
    throttle: Option<Throttle>,
    /// The plan's quota.
    quota: Option<QuotaRule>,
    /// The key's requests under this plan.
    counter: Arc<Counter>,
}

/// An API key as the data plane knows it.
#[derive(Debug)]
pub struct KeyEntry {
    /// The key's id.
    pub id: Arc<str>,
    /// The key's value.
    pub value: Arc<str>,
    /// Disabled keys are refused.
    pub enabled: bool,
    /// The plans the key belongs to.
    pub plans: Vec<PlanKey>,
}

/// Every key of one account and region, by value.
#[derive(Debug, Default)]
pub struct ScopeKeys {
    by_value: HashMap<String, Arc<KeyEntry>>,
}

type Table = HashMap<Scope, Arc<ScopeKeys>>;

/// A key's counts under one plan, lock-free: each of the two counts is one atomic word
/// holding a day number and a count, advanced by compare-and-swap, so that requests on every
/// worker thread count exactly without waiting on each other.
#[derive(Debug, Default)]
pub struct Counter {
    /// The quota period's first day (day number, 0 = none yet) and the requests it used.
    period: AtomicU64,
    /// The current day (day number, 0 = none yet) and its requests.
    day: AtomicU64,
    /// Days that ended since the last flush, with their final counts (touched once a day).
    closed: Mutex<Vec<(NaiveDate, i64)>>,
    /// Changed since the last flush.
    dirty: AtomicBool,
}

/// Day numbers: 1 is 1970-01-01, 0 means none.
fn day_num(d: NaiveDate) -> u32 {
    let days = (d - NaiveDate::default()).num_days() + 1;
    u32::try_from(days).unwrap_or(0)
}

fn day_of(n: u32) -> Option<NaiveDate> {
    (n > 0).then(|| NaiveDate::default() + chrono::Duration::days(i64::from(n) - 1))
}

fn pack(day: u32, count: i32) -> u64 {
    (u64::from(day) << 32) | u64::from(count as u32)
}

fn unpack(v: u64) -> (u32, i32) {
    ((v >> 32) as u32, v as u32 as i32)
}

fn clamp_i32(v: i64) -> i32 {
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

impl Counter {
    /// Count one request at `today` if the quota allows it.
    fn admit(&self, today: NaiveDate, quota: Option<&QuotaRule>) -> bool {
        if let Some(q) = quota {
            let start = day_num(q.period.start(today));
            let limit = clamp_i32(q.limit);
            let mut cur = self.period.load(Ordering::Acquire);
            loop {
                let (period, used) = unpack(cur);
                let used = match period {
                    p if p == start => used,
                    // The quota's first period starts with its offset already used.
                    0 => clamp_i32(q.offset),
                    _ => 0,
                };
                if used >= limit {
                    return false;
                }
                match self.period.compare_exchange_weak(
                    cur,
                    pack(start, used + 1),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break,
                    Err(seen) => cur = seen,
                }
            }
        }
        let t = day_num(today);
        let mut cur = self.day.load(Ordering::Acquire);
        loop {
            let (d, n) = unpack(cur);
            let next = if d == t {
                pack(t, n.wrapping_add(1))
            } else {
                pack(t, 1)
            };
            match self
                .day
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if d != t {
                        if let Some(day) = day_of(d) {
                            self.closed
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push((day, i64::from(n)));
                        }
                    }
                    break;
                }
                Err(seen) => cur = seen,
            }
        }
        // Only write the flag when it changes: the cache line stays shared otherwise.
        if !self.dirty.load(Ordering::Relaxed) {
            self.dirty.store(true, Ordering::Release);
        }
        true
    }

    /// The quota period and its count, if any.
    fn period(&self) -> Option<(NaiveDate, i64)> {
        let (p, used) = unpack(self.period.load(Ordering::Acquire));
        day_of(p).map(|d| (d, i64::from(used)))
    }

    /// The current day and its count, if any.
    fn today(&self) -> Option<(NaiveDate, i64)> {
        let (d, n) = unpack(self.day.load(Ordering::Acquire));
        day_of(d).map(|day| (day, i64::from(n)))
    }
}

/// A counter's state to persist (absolute values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterRecord {
    /// Account and region.
    pub scope: Scope,
    /// The plan.
    pub plan_id: String,
    /// The key.
    pub key_id: String,
    /// Day counts (`YYYY-MM-DD`, requests).
    pub days: Vec<(NaiveDate, i64)>,
    /// The quota period's first day and what it used, when the plan has a quota.
    pub quota: Option<(NaiveDate, i64)>,
}

type CounterKey = (Scope, String, String);

/// API keys, plans, their buckets and counters.
#[derive(Default)]
pub struct Usage {
    table: ArcSwap<Table>,
    /// Buckets by a name of what they throttle; kept across republishing.
    buckets: Mutex<HashMap<String, Arc<Bucket>>>,
    /// Counters by (scope, plan, key); kept across republishing.
    counters: Mutex<HashMap<CounterKey, Arc<Counter>>>,
}

impl Usage {
    /// The bucket for `name`, made on first use.
    pub fn bucket(&self, name: String) -> Arc<Bucket> {
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name)
            .or_default()
            .clone()
    }

    fn counter(&self, key: CounterKey) -> Arc<Counter> {
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert_with(|| {
                // New counters flush at once, so that the quota's first period is on record.
                let c = Counter::default();
                c.dirty.store(true, Ordering::Relaxed);
                Arc::new(c)
            })
            .clone()
    }

    /// Replace one scope's keys and plans (after any change to them).
    ///
    /// `members` lists `(plan id, key id)` pairs. Counters of pairs that no longer exist are
    /// dropped, so a deleted plan's usage is not written back.
    pub fn publish_scope(
        &self,
        scope: &Scope,
        keys: Vec<ApiKey>,
        plans: &[UsagePlan],
        members: &[(String, String)],
    ) {
        let plans: HashMap<&str, &UsagePlan> = plans.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut by_value = HashMap::default();
        let mut live: Vec<CounterKey> = Vec::new();
        for key in keys {
            let Some(value) = key.value.clone() else {
                continue;
            };
            let mut entry = KeyEntry {
                id: Arc::from(key.id.as_str()),
                value: Arc::from(value.as_str()),
                enabled: key.enabled,
                plans: Vec::new(),
            };
            for (plan_id, _) in members.iter().filter(|(_, k)| *k == key.id) {
                let Some(plan) = plans.get(plan_id.as_str()) else {
                    continue;
                };
                let ck = (scope.clone(), plan.id.clone(), key.id.clone());
                live.push(ck.clone());
                entry.plans.push(self.plan_key(scope, plan, &key.id, ck));
            }
            by_value.insert(value, Arc::new(entry));
        }
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, _| k.0 != *scope || live.contains(k));
        let scoped = Arc::new(ScopeKeys { by_value });
        self.table.rcu(|old| {
            let mut t: Table = (**old).clone();
            t.insert(scope.clone(), scoped.clone());
            t
        });
    }

    fn plan_key(&self, scope: &Scope, plan: &UsagePlan, key_id: &str, ck: CounterKey) -> PlanKey {
        let prefix = format!(
            "plan|{}|{}|{}|{key_id}",
            scope.account, scope.region, plan.id
        );
        let mut stages: Vec<(String, String, HashMap<String, Throttle>)> = Vec::new();
        for s in &plan.api_stages {
            let (Some(api), Some(stage)) = (&s.api_id, &s.stage) else {
                continue;
            };
            stages.push((api.clone(), stage.clone(), HashMap::default()));
            let Some((_, _, methods)) = stages.last_mut() else {
                continue;
            };
            for (path, t) in s.throttle.iter().flatten() {
                if let Some(limit) = Limit::from_settings(t) {
                    let bucket = self.bucket(format!("{prefix}|{api}|{stage}|{path}"));
                    methods.insert(path.clone(), Throttle { limit, bucket });
                }
            }
        }
        let throttle = plan
            .throttle
            .as_ref()
            .and_then(Limit::from_settings)
            .map(|limit| Throttle {
                limit,
                bucket: self.bucket(prefix.clone()),
            });
        let quota = plan.quota.as_ref().and_then(|q| {
            Some(QuotaRule {
                limit: q.limit?,
                offset: q.offset.unwrap_or(0),
                period: q.period_kind()?,
            })
        });
        PlanKey {
            plan_id: plan.id.clone(),
            stages,
            throttle,
            quota,
            counter: self.counter(ck),
        }
    }

    /// Forget everything (the emulator's reset).
    pub fn clear(&self) {
        self.table.store(Arc::new(HashMap::default()));
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Check a request to a method that requires an API key, in AWS's order: the key, the
    /// plan's per-method throttle, the plan's throttle for the key, then `later` (the stage and
    /// account throttles), and last the quota, so that a throttled request uses none of it.
    /// `resource_path` and `http_method` name the method as usage plans key method throttles
    /// (`"/path/METHOD"`).
    ///
    /// # Errors
    /// Why the request is refused.
    #[allow(clippy::too_many_arguments)]
    pub fn admit(
        &self,
        scope: &Scope,
        api_id: &str,
        stage: &str,
        resource_path: &str,
        http_method: &str,
        key: Option<&str>,
        later: impl FnOnce(u64) -> bool,
    ) -> Result<KeyIdentity, Refusal> {
        let key = key.ok_or(Refusal::InvalidKey)?;
        let table = self.table.load();
        let entry = table
            .get(scope)
            .and_then(|s| s.by_value.get(key))
            .ok_or(Refusal::InvalidKey)?;
        if !entry.enabled {
            return Err(Refusal::InvalidKey);
        }
        let (plan, methods) = entry
            .plans
            .iter()
            .find_map(|p| {
                p.stages
                    .iter()
                    .find(|(a, s, _)| s == stage && a.eq_ignore_ascii_case(api_id))
                    .map(|(_, _, m)| (p, m))
            })
            .ok_or(Refusal::InvalidKey)?;
        let now = now_ns();
        let method_throttle = if methods.is_empty() {
            None
        } else {
            methods.get(&format!("{resource_path}/{http_method}"))
        };
        if let Some(t) = method_throttle {
            if !t.admit(now) {
                return Err(Refusal::Throttled);
            }
        }
        if let Some(t) = &plan.throttle {
            if !t.admit(now) {
                return Err(Refusal::Throttled);
            }
        }
        if !later(now) {
            return Err(Refusal::Throttled);
        }
        let today = chrono::Utc::now().date_naive();
        if !plan.counter.admit(today, plan.quota.as_ref()) {
            return Err(Refusal::QuotaExceeded);
        }
        Ok(KeyIdentity {
            value: entry.value.clone(),
            id: entry.id.clone(),
        })
    }

    /// Restore counters saved by an earlier run (start-up, before traffic): today's counts and
    /// each quota's current period.
    pub fn restore(&self, records: Vec<CounterRecord>) {
        for r in records {
            let c = self.counter((r.scope, r.plan_id, r.key_id));
            if let Some((day, used)) = r.days.into_iter().max_by_key(|d| d.0) {
                c.day
                    .store(pack(day_num(day), clamp_i32(used)), Ordering::Release);
            }
            if let Some((period, used)) = r.quota {
                c.period
                    .store(pack(day_num(period), clamp_i32(used)), Ordering::Release);
            }
            c.dirty.store(false, Ordering::Relaxed);
        }
    }

    /// UpdateUsage: the key has used `used` requests of the plan's quota in the current period.
    pub fn set_quota_used(
        &self,
        scope: &Scope,
        plan_id: &str,
        key_id: &str,
        period: QuotaPeriod,
        used: i64,
    ) {
        let c = self.counter((scope.clone(), plan_id.to_string(), key_id.to_string()));
        let start = day_num(period.start(chrono::Utc::now().date_naive()));
        c.period
            .store(pack(start, clamp_i32(used)), Ordering::Release);
        c.dirty.store(true, Ordering::Release);
    }

    /// Take the state of every counter changed since the last call (clearing their marks).
    /// Give it back with [`Usage::mark_unsaved`] if saving fails.
    pub fn take_dirty(&self) -> Vec<CounterRecord> {
        let counters: Vec<(CounterKey, Arc<Counter>)> = self
            .counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(_, c)| c.dirty.load(Ordering::Acquire))
            .map(|(k, c)| (k.clone(), c.clone()))
            .collect();
        counters
            .into_iter()
            .filter(|(_, c)| c.dirty.swap(false, Ordering::AcqRel))
            .map(|((scope, plan_id, key_id), c)| {
                let mut days =
                    std::mem::take(&mut *c.closed.lock().unwrap_or_else(|e| e.into_inner()));
                days.extend(c.today());
                CounterRecord {
                    scope,
                    plan_id,
                    key_id,
                    days,
                    quota: c.period(),
                }
            })
            .collect()
    }

    /// Mark counters unsaved again after a failed write (their closed days are restored).
    pub fn mark_unsaved(&self, records: Vec<CounterRecord>) {
        let counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        for r in records {
            if let Some(c) = counters.get(&(r.scope, r.plan_id, r.key_id)) {
                // The current day is saved again anyway; ended days must not be lost.
                let today = c.today().map(|t| t.0);
                let mut closed = c.closed.lock().unwrap_or_else(|e| e.into_inner());
                let mut back: Vec<_> = r.days.into_iter().filter(|d| Some(d.0) != today).collect();
                back.append(&mut closed);
                *closed = back;
                c.dirty.store(true, Ordering::Release);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apigw_model::{ApiStage, QuotaSettings, ThrottleSettings};

    fn scope() -> Scope {
        Scope {
            account: "000000000000".into(),
            region: "us-east-1".into(),
        }
    }

    fn key(id: &str, value: &str, enabled: bool) -> ApiKey {
        ApiKey {
            id: id.into(),
            value: Some(value.into()),
            enabled,
            ..Default::default()
        }
    }

    fn plan(quota: Option<i64>) -> UsagePlan {
        UsagePlan {
            id: "plan01".into(),
            name: "p".into(),
            api_stages: vec![ApiStage {
                api_id: Some("api1".into()),
                stage: Some("dev".into()),
                throttle: Some(
                    [(
                        "/pets/GET".to_string(),
                        ThrottleSettings {
                            burst_limit: Some(1),
                            rate_limit: Some(0.001),
                        },
                    )]
                    .into(),
                ),
            }],
            throttle: Some(ThrottleSettings {
                burst_limit: Some(100),
                rate_limit: Some(100.0),
            }),
            quota: quota.map(|l| QuotaSettings {
                limit: Some(l),
                offset: Some(0),
                period: Some("DAY".into()),
            }),
            ..Default::default()
        }
    }

    fn usage(enabled: bool, quota: Option<i64>) -> Usage {
        let u = Usage::default();
        u.publish_scope(
            &scope(),
            vec![key("k1", "secret-1", enabled), key("k2", "secret-2", true)],
            &[plan(quota)],
            &[("plan01".into(), "k1".into())],
        );
        u
    }

    /// Why `u` refuses a GET of api1's dev stage with k1's value.
    fn refusal_of_k1(u: &Usage) -> Refusal {
        u.admit(
            &scope(),
            "api1",
            "dev",
            "/x",
            "GET",
            Some("secret-1"),
            |_| true,
        )
        .unwrap_err()
    }

    #[test]
    fn key_checks() {
        let u = usage(true, None);
        let s = scope();
        let ok = u
            .admit(&s, "API1", "dev", "/x", "GET", Some("secret-1"), |_| true)
            .unwrap();
        assert_eq!(&*ok.id, "k1");
        let refuse =
            |k: Option<&str>, stage: &str| u.admit(&s, "api1", stage, "/x", "GET", k, |_| true);
        assert_eq!(refuse(None, "dev").unwrap_err(), Refusal::InvalidKey);
        assert_eq!(
            refuse(Some("nope"), "dev").unwrap_err(),
            Refusal::InvalidKey
        );
        // A key in no plan of this stage.
        assert_eq!(
            refuse(Some("secret-2"), "dev").unwrap_err(),
            Refusal::InvalidKey
        );
        assert_eq!(
            refuse(Some("secret-1"), "prod").unwrap_err(),
            Refusal::InvalidKey
        );
        let disabled = usage(false, None);
        assert_eq!(refusal_of_k1(&disabled), Refusal::InvalidKey);
    }

    #[test]
    fn method_override_and_quota() {
        let u = usage(true, Some(3));
        let s = scope();
        let call = |m: &str| u.admit(&s, "api1", "dev", m, "GET", Some("secret-1"), |_| true);
        assert!(call("/pets").is_ok());
        assert_eq!(call("/pets").unwrap_err(), Refusal::Throttled);
        assert!(call("/x").is_ok());
        assert!(call("/x").is_ok());
        assert_eq!(call("/x").unwrap_err(), Refusal::QuotaExceeded);
        // Counts survive republishing, and are what a flush takes.
        u.publish_scope(
            &s,
            vec![key("k1", "secret-1", true)],
            &[plan(Some(3))],
            &[("plan01".into(), "k1".into())],
        );
        assert_eq!(call("/x").unwrap_err(), Refusal::QuotaExceeded);
        let rec = u.take_dirty();
        assert_eq!(rec.len(), 1);
        assert_eq!(rec[0].quota.unwrap().1, 3);
        assert_eq!(rec[0].days[0].1, 3);
        assert!(u.take_dirty().is_empty());
        // UpdateUsage gives requests back.
        u.set_quota_used(&s, "plan01", "k1", QuotaPeriod::Day, 1);
        assert!(call("/x").is_ok());
        assert!(call("/x").is_ok());
        assert_eq!(call("/x").unwrap_err(), Refusal::QuotaExceeded);
    }

    #[test]
    fn restored_counts_continue() {
        let u = Usage::default();
        let today = chrono::Utc::now().date_naive();
        u.restore(vec![CounterRecord {
            scope: scope(),
            plan_id: "plan01".into(),
            key_id: "k1".into(),
            days: vec![(today, 3)],
            quota: Some((today, 3)),
        }]);
        u.publish_scope(
            &scope(),
            vec![key("k1", "secret-1", true)],
            &[plan(Some(3))],
            &[("plan01".into(), "k1".into())],
        );
        assert_eq!(refusal_of_k1(&u), Refusal::QuotaExceeded);
    }

    #[test]
    fn removed_membership_drops_the_counter() {
        let u = usage(true, Some(3));
        u.publish_scope(
            &scope(),
            vec![key("k1", "secret-1", true)],
            &[plan(Some(3))],
            &[],
        );
        assert!(u.take_dirty().is_empty());
        assert_eq!(refusal_of_k1(&u), Refusal::InvalidKey);
    }

    #[test]
    fn counters_are_exact_across_threads_and_days() {
        let c = Arc::new(Counter::default());
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let q = QuotaRule {
            limit: 1000,
            offset: 10,
            period: QuotaPeriod::Month,
        };
        let admitted: usize = (0..4)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || (0..500).filter(|_| c.admit(day, Some(&q))).count())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum();
        // The first period starts with the offset used.
        assert_eq!(admitted, 990);
        assert_eq!(
            c.period(),
            Some((NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(), 1000))
        );
        assert_eq!(c.today(), Some((day, 990)));
        // A new month: the quota starts over (no offset), the ended day is kept for the flush.
        let next = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert!(c.admit(next, Some(&q)));
        assert_eq!(c.period().unwrap().1, 1);
        assert_eq!(*c.closed.lock().unwrap(), vec![(day, 990)]);
        assert_eq!(c.today(), Some((next, 1)));
    }
}
