//! Usage counters of API keys in usage plans: daily request counts (what GetUsage reports) and
//! the quota consumed in each key's current period.
//!
//! The data plane counts in memory; the server writes absolute values here in the background
//! and at shutdown ([`save`]) and reads them back at start ([`load_days_since`],
//! [`load_quotas`]). Days are `YYYY-MM-DD` text in UTC, so text order is date order.

use sqlx::{Row, SqliteConnection};

use apigw_model::Scope;

use crate::{scoped, StoreResult};

/// Requests of one key under one plan on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// Account and region.
    pub scope: Scope,
    /// The usage plan.
    pub plan_id: String,
    /// The API key's id.
    pub key_id: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Requests admitted that day.
    pub used: i64,
}

/// Quota consumed by one key under one plan in the period starting on `period`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaCount {
    /// Account and region.
    pub scope: Scope,
    /// The usage plan.
    pub plan_id: String,
    /// The API key's id.
    pub key_id: String,
    /// First day of the period, `YYYY-MM-DD`.
    pub period: String,
    /// Requests counted against the quota in that period.
    pub used: i64,
}

/// Write counters (absolute values, replacing what is stored) in the caller's transaction.
///
/// # Errors
/// SQLite failed.
pub async fn save(
    c: &mut SqliteConnection,
    days: &[DayCount],
    quotas: &[QuotaCount],
) -> StoreResult<()> {
    for d in days {
        put_count(
            c,
            "INSERT INTO usage_days (account, region, plan_id, key_id, day, used) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (account, region, plan_id, key_id, day) DO UPDATE SET used = excluded.used",
            (&d.scope, &d.plan_id, &d.key_id),
            (&d.day, d.used),
        )
        .await?;
    }
    for q in quotas {
        put_count(
            c,
            "INSERT INTO quota_used (account, region, plan_id, key_id, period, used) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (account, region, plan_id, key_id) DO UPDATE SET period = excluded.period, used = excluded.used",
            (&q.scope, &q.plan_id, &q.key_id),
            (&q.period, q.used),
        )
        .await?;
    }
    Ok(())
}

/// Write one counter: its key (scope, plan, key), its day or period, and the count.
async fn put_count(
    c: &mut SqliteConnection,
    sql: &str,
    (scope, plan_id, key_id): (&Scope, &str, &str),
    (when, used): (&str, i64),
) -> StoreResult<()> {
    scoped(sql, scope)
        .bind(plan_id)
        .bind(key_id)
        .bind(when)
        .bind(used)
        .execute(&mut *c)
        .await?;
    Ok(())
}

fn day_row(r: &sqlx::sqlite::SqliteRow) -> DayCount {
    DayCount {
        scope: Scope {
            account: r.get(0),
            region: r.get(1),
        },
        plan_id: r.get(2),
        key_id: r.get(3),
        day: r.get(4),
        used: r.get(5),
    }
}

/// Every day count on or after `day` (start-up: today's counts, to keep counting from).
///
/// # Errors
/// SQLite failed.
pub async fn load_days_since(c: &mut SqliteConnection, day: &str) -> StoreResult<Vec<DayCount>> {
    let rows = sqlx::query(
        "SELECT account, region, plan_id, key_id, day, used FROM usage_days WHERE day >= ?",
    )
    .bind(day)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(day_row).collect())
}

/// Day counts of a plan between `start` and `end` (inclusive), for one key or all,
/// ordered by key then day.
///
/// # Errors
/// SQLite failed.
pub async fn days(
    c: &mut SqliteConnection,
    scope: &Scope,
    plan_id: &str,
    key_id: Option<&str>,
    start: &str,
    end: &str,
) -> StoreResult<Vec<DayCount>> {
    let rows = scoped(
        "SELECT account, region, plan_id, key_id, day, used FROM usage_days
         WHERE account = ?1 AND region = ?2 AND plan_id = ?3 AND (?4 IS NULL OR key_id = ?4)
           AND day >= ?5 AND day <= ?6
         ORDER BY key_id, day",
        scope,
    )
    .bind(plan_id)
    .bind(key_id)
    .bind(start)
    .bind(end)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(day_row).collect())
}

/// Every stored quota counter (start-up).
///
/// # Errors
/// SQLite failed.
pub async fn load_quotas(c: &mut SqliteConnection) -> StoreResult<Vec<QuotaCount>> {
    let rows = sqlx::query("SELECT account, region, plan_id, key_id, period, used FROM quota_used")
        .fetch_all(&mut *c)
        .await?;
    Ok(rows
        .iter()
        .map(|r| QuotaCount {
            scope: Scope {
                account: r.get(0),
                region: r.get(1),
            },
            plan_id: r.get(2),
            key_id: r.get(3),
            period: r.get(4),
            used: r.get(5),
        })
        .collect())
}

/// One quota counter, if stored.
///
/// # Errors
/// SQLite failed.
pub async fn quota(
    c: &mut SqliteConnection,
    scope: &Scope,
    plan_id: &str,
    key_id: &str,
) -> StoreResult<Option<QuotaCount>> {
    let row = scoped(
        "SELECT period, used FROM quota_used WHERE account = ? AND region = ? AND plan_id = ? AND key_id = ?",
        scope,
    )
    .bind(plan_id)
    .bind(key_id)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.map(|r| QuotaCount {
        scope: scope.clone(),
        plan_id: plan_id.to_string(),
        key_id: key_id.to_string(),
        period: r.get(0),
        used: r.get(1),
    }))
}

/// Forget a plan's counters (DeleteUsagePlan), or only one key's (`key_id`).
///
/// # Errors
/// SQLite failed.
pub async fn delete_plan(
    c: &mut SqliteConnection,
    scope: &Scope,
    plan_id: &str,
    key_id: Option<&str>,
) -> StoreResult<()> {
    for table in ["usage_days", "quota_used"] {
        scoped(
            &format!(
                "DELETE FROM {table} WHERE account = ?1 AND region = ?2 AND plan_id = ?3 AND (?4 IS NULL OR key_id = ?4)"
            ),
            scope,
        )
        .bind(plan_id)
        .bind(key_id)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}
