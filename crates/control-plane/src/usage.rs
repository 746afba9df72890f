//! Usage of API keys in usage plans: GetUsage, UpdateUsage
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html),
//! [maintaining a usage plan](https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-usage-plan-manage-usage.html)).
//!
//! The data plane counts admitted requests per plan, key and UTC day in memory; GetUsage asks
//! the [`UsageMeter`](crate::UsageMeter) to flush them, then reads `apigw_store::usage`. Each
//! day is reported as `[used, remaining]`, where `remaining` is the key's quota left at the end
//! of that day ([`daily_usage`]). UpdateUsage sets how much quota the key has left in the
//! current period (a "temporary extension") through the meter, which owns the counters.
//!
//! On the wire the per-key map is `values` (botocore's `locationName` of `Usage.items`), as in
//! AWS's API reference and a live answer quoted in floci-io/floci#3561.

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::{get, patch};
use axum::Router;
use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use apigw_model::{ApiError, QuotaPeriod, Scope, UsagePlan, UsagePlanKey};
use apigw_store::typed;
use apigw_store::SqliteConnection;

use crate::error::Result;
use crate::extract::{AwsJson, Call};
use crate::paging::{paginate, PageQuery};
use crate::patch::{self, Op, PatchInput, PatchOp};
use crate::{reply, usage_plans, AppState};

/// GetUsage spans at most this many days after `startDate` ("The usage date range can't
/// exceed 90 days", AWS knowledge center "api-gateway-usage-key").
const MAX_RANGE_DAYS: i64 = 90;

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/usageplans/{usageplan_id}/usage", get(get_usage))
        .route(
            "/usageplans/{usageplan_id}/keys/{key_id}/usage",
            patch(update_usage),
        )
}

/// The `Usage` answer of GetUsage and UpdateUsage.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// The plan.
    pub usage_plan_id: String,
    /// First day reported, `YYYY-MM-DD`.
    pub start_date: String,
    /// Last day reported, `YYYY-MM-DD`.
    pub end_date: String,
    /// Token of the next page of keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Key id → one `[used, remaining]` per day from `start_date` to `end_date`.
    pub values: BTreeMap<String, Vec<[i64; 2]>>,
}

/// AWS's 404 for a key GetUsage does not know in the plan. The text is what AWS answered a
/// get-usage with a wrong `--key-id` (aws/aws-cli#5344); UpdateUsage is assumed to share it.
fn key_not_found() -> crate::error::Error {
    ApiError::not_found("Invalid Key identifier specified").into()
}

/// A plan's quota in the form the arithmetic needs: the limit and its period.
pub fn quota_of(plan: &UsagePlan) -> Option<(i64, QuotaPeriod)> {
    let q = plan.quota.as_ref()?;
    Some((q.limit?, q.period_kind()?))
}

/// Sum of the counts of the days `from..=to` (0 for an empty range).
fn sum(counts: &BTreeMap<NaiveDate, i64>, from: NaiveDate, to: NaiveDate) -> i64 {
    if from > to {
        return 0;
    }
    counts.range(from..=to).map(|(_, n)| n).sum()
}

/// One key's `[used, remaining]` for every day of `start..=end` (pure, so it is unit-tested).
///
/// - `counts`: requests admitted per day; must cover the earliest period start that any
///   reported day, or today, falls in, through `max(end, today)` ([`count_window`]).
/// - `quota`: the plan's limit and period, if it has a quota.
/// - `stored`: the key's quota counter (`period` start, `used`), if one is stored.
///
/// With a quota of limit `L`, `remaining` is what was left at the end of the day:
/// - today, and later days of the current period (the one containing `today`): `L − P`,
///   where `P` is the stored counter when it belongs to the current period (it carries any
///   UpdateUsage extension), else the sum of the period's daily counts;
/// - a day of a later period: `L` (nothing can have been used yet);
/// - an earlier day: `L` minus the requests from its period's start through that day.
///
/// So an extension shows from today on and earlier days keep what they showed: the AWS
/// guide's export example ("maintain a usage plan") has `[0, 5000], [0, 5000], [0, 10]` for
/// a quota the owner reduced to 10 on the third day. Counting an extension back into earlier
/// days (`L − (P − later days)`) would have shown 10 on all three.
///
/// Without a quota AWS documents nothing for `remaining`; this answers `0`, i.e. "no quota
/// left to count down", as the member is a plain number in botocore's model (`ListOfLong`) and
/// there is no null to send. A client reading `remaining` of an unlimited plan has no limit
/// to compare with anyway.
pub fn daily_usage(
    start: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
    counts: &BTreeMap<NaiveDate, i64>,
    quota: Option<(i64, QuotaPeriod)>,
    stored: Option<(NaiveDate, i64)>,
) -> Vec<[i64; 2]> {
    let mut out = Vec::new();
    let mut d = start;
    while d <= end {
        let used = counts.get(&d).copied().unwrap_or(0);
        let remaining = match quota {
            None => 0,
            Some((limit, period)) => {
                let current = period.start(today);
                let p = match stored {
                    Some((at, n)) if at == current => n,
                    _ => sum(counts, current, today),
                };
                if period.start(d) > current {
                    limit
                } else if d >= today {
                    limit - p
                } else {
                    limit - sum(counts, period.start(d), d)
                }
            }
        };
        out.push([used, remaining]);
        d += Duration::days(1);
    }
    out
}

/// The days whose counts [`daily_usage`] reads for `start..=end`.
pub fn count_window(
    start: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
    period: Option<QuotaPeriod>,
) -> (NaiveDate, NaiveDate) {
    let from = match period {
        Some(p) => p.start(start).min(p.start(today)),
        None => start,
    };
    (from, end.max(today))
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// One key's usage of `plan` over `start..=end`, from the store.
async fn key_usage(
    c: &mut SqliteConnection,
    scope: &Scope,
    plan: &UsagePlan,
    key_id: &str,
    (start, end): (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> Result<Vec<[i64; 2]>> {
    let quota = quota_of(plan);
    let (from, to) = count_window(start, end, today, quota.map(|(_, p)| p));
    let rows = apigw_store::usage::days(
        c,
        scope,
        &plan.id,
        Some(key_id),
        &day_text(from),
        &day_text(to),
    )
    .await?;
    let counts: BTreeMap<NaiveDate, i64> = rows
        .iter()
        .filter_map(|r| Some((parse_day(&r.day)?, r.used)))
        .collect();
    let stored = match quota {
        Some(_) => apigw_store::usage::quota(c, scope, &plan.id, key_id)
            .await?
            .and_then(|q| Some((parse_day(&q.period)?, q.used))),
        None => None,
    };
    Ok(daily_usage(start, end, today, &counts, quota, stored))
}

/// A strict `YYYY-MM-DD` (AWS's documented form, e.g. `2016-01-01`).
fn parse_day(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Check GetUsage's dates. AWS documents no messages for these; the texts are ours, worded
/// like AWS's other "Invalid … specified" answers.
///
/// # Errors
/// `BadRequestException` for a missing or ill-formed date, an end before the start, or a
/// range over [`MAX_RANGE_DAYS`].
pub fn check_dates(start: Option<&str>, end: Option<&str>) -> Result<(NaiveDate, NaiveDate)> {
    let date = |v: Option<&str>, which: &str| -> Result<NaiveDate> {
        let v = v.filter(|v| !v.is_empty());
        v.and_then(parse_day).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid {which} date specified: {}. Dates must be given as YYYY-MM-DD",
                v.unwrap_or("null")
            ))
            .into()
        })
    };
    let (s, e) = (date(start, "start")?, date(end, "end")?);
    if e < s {
        return Err(ApiError::bad_request(format!(
            "Invalid date range specified: the end date {} is before the start date {}",
            day_text(e),
            day_text(s)
        ))
        .into());
    }
    if (e - s).num_days() > MAX_RANGE_DAYS {
        return Err(ApiError::bad_request(format!(
            "Invalid date range specified: the range can't exceed {MAX_RANGE_DAYS} days"
        ))
        .into());
    }
    Ok((s, e))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetUsageQuery {
    start_date: Option<String>,
    end_date: Option<String>,
    key_id: Option<String>,
    /// `position` and `limit`.
    #[serde(flatten)]
    page: PageQuery,
}

async fn get_usage(
    Call { st, scope }: Call,
    Path(plan_id): Path<String>,
    Query(q): Query<GetUsageQuery>,
) -> Result<Response> {
    let range = check_dates(q.start_date.as_deref(), q.end_date.as_deref())?;
    // Counters live in memory on the hot path: write them out before reading.
    st.usage.flush().await;
    let mut c = st.store.read().await?;
    let plan = usage_plans::load(&mut c, &scope, &plan_id).await?;
    let attached: Vec<UsagePlanKey> = typed::list(&mut c, &scope, &plan_id).await?;
    let mut keys: Vec<String> = attached.into_iter().map(|k| k.id).collect();
    if let Some(key) = q.key_id.as_deref().filter(|k| !k.is_empty()) {
        if !keys.iter().any(|k| k == key) {
            return Err(key_not_found());
        }
        keys = vec![key.to_string()];
    }
    // Pages run over keys, each with every day of the range.
    let page = paginate(keys, &q.page)?;
    let today = Utc::now().date_naive();
    let mut values = BTreeMap::new();
    for key in &page.item {
        let days = key_usage(&mut c, &scope, &plan, key, range, today).await?;
        values.insert(key.clone(), days);
    }
    reply::ok(&Usage {
        usage_plan_id: plan.id,
        start_date: day_text(range.0),
        end_date: day_text(range.1),
        position: page.position,
        values,
    })
}

/// Read UpdateUsage's operations: the remaining quota they set, if any (the last one wins).
/// The one documented operation is `replace` on `/remaining`.
///
/// # Errors
/// `BadRequestException` for another path or op, or a value that is not a count. For ops
/// other than `replace` AWS lists no allowed path at all ("Must be one of: []"; the service
/// team's explanation in boto/boto3#2504).
pub fn remaining_of(ops: &[PatchOp]) -> Result<Option<i64>> {
    let mut remaining = None;
    patch::each(ops, |op, segs| {
        match (op.op, segs) {
            (Op::Replace, ["remaining"]) => {
                let n = op.int_value()?;
                if n < 0 {
                    // Ours: a negative count of requests left has no meaning.
                    return Err(ApiError::bad_request(format!(
                        "Invalid remaining quota specified: {n}. It must be 0 or more"
                    ))
                    .into());
                }
                remaining = Some(n);
            }
            (Op::Replace, _) => return Err(op.invalid_path(&["/remaining"])),
            _ => return Err(op.invalid_path(&[])),
        }
        Ok(())
    })?;
    Ok(remaining)
}

async fn update_usage(
    Call { st, scope }: Call,
    Path((plan_id, key_id)): Path<(String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateUsageInput")?;
    let remaining = remaining_of(&ops)?;
    let plan = {
        let mut c = st.store.read().await?;
        let plan = usage_plans::load(&mut c, &scope, &plan_id).await?;
        if !typed::exists::<UsagePlanKey>(&mut c, &scope, &plan_id, &key_id).await? {
            return Err(key_not_found());
        }
        plan
    };
    if let Some(remaining) = remaining {
        let Some((limit, _)) = quota_of(&plan) else {
            // Ours: AWS documents no answer for a plan without a quota to extend.
            return Err(ApiError::bad_request(format!(
                "Usage plan {plan_id} has no quota: there is no remaining quota to update"
            ))
            .into());
        };
        let used = limit.checked_sub(remaining).ok_or_else(|| {
            ApiError::bad_request(format!("Invalid remaining quota specified: {remaining}"))
        })?;
        st.usage.set_quota_used(&scope, &plan, &key_id, used).await;
    }
    // The answer is the key's usage today: AWS documents only the `Usage` shape.
    st.usage.flush().await;
    let today = Utc::now().date_naive();
    let mut c = st.store.read().await?;
    let days = key_usage(&mut c, &scope, &plan, &key_id, (today, today), today).await?;
    reply::ok(&Usage {
        usage_plan_id: plan.id,
        start_date: day_text(today),
        end_date: day_text(today),
        position: None,
        values: BTreeMap::from([(key_id, days)]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ops;

    fn d(s: &str) -> NaiveDate {
        parse_day(s).unwrap()
    }

    fn counts(list: &[(&str, i64)]) -> BTreeMap<NaiveDate, i64> {
        list.iter().map(|(day, n)| (d(day), *n)).collect()
    }

    /// `daily_usage` from `start` to `end` seen on `today`, every date written as AWS's text.
    fn usage(
        [start, end, today]: [&str; 3],
        traffic: &[(&str, i64)],
        quota: Option<(i64, QuotaPeriod)>,
        stored: Option<(&str, i64)>,
    ) -> Vec<[i64; 2]> {
        let stored = stored.map(|(day, n)| (d(day), n));
        daily_usage(d(start), d(end), d(today), &counts(traffic), quota, stored)
    }

    #[test]
    fn no_traffic_shows_the_whole_limit() {
        let days = ["2026-03-01", "2026-03-03", "2026-03-02"];
        let u = usage(days, &[], Some((100, QuotaPeriod::Month)), None);
        assert_eq!(u, vec![[0, 100], [0, 100], [0, 100]]);
    }

    #[test]
    fn remaining_counts_down_through_the_current_period() {
        // The shape of the live answer in floci-io/floci#3561: a monthly quota of 1,000,000,
        // 137, 123 and 84 requests on the first three days of the month.
        let traffic = [("2026-09-01", 137), ("2026-09-02", 123), ("2026-09-03", 84)];
        let quota = Some((1_000_000, QuotaPeriod::Month));
        assert_eq!(
            usage(
                ["2026-09-01", "2026-09-04", "2026-09-03"],
                &traffic,
                quota,
                None
            ),
            vec![[137, 999_863], [123, 999_740], [84, 999_656], [0, 999_656]]
        );
    }

    #[test]
    fn an_extension_shows_on_today_and_later() {
        // 30 of 100 used on the 1st, 20 today (the 2nd); then UpdateUsage set remaining to 90,
        // i.e. used = 10, and 5 more requests were admitted (the stored counter is 15).
        let traffic = [("2026-03-01", 30), ("2026-03-02", 25)];
        let quota = Some((100, QuotaPeriod::Month));
        let days = ["2026-03-01", "2026-03-03", "2026-03-02"];
        let u = usage(days, &traffic, quota, Some(("2026-03-01", 15)));
        assert_eq!(u, vec![[30, 70], [25, 85], [0, 85]]);
        // The AWS guide's export example: no traffic, remaining reduced to 10 on the third day.
        let quota = Some((5000, QuotaPeriod::Month));
        let days = ["2016-08-01", "2016-08-03", "2016-08-03"];
        let u = usage(days, &[], quota, Some(("2016-08-01", 4990)));
        assert_eq!(u, vec![[0, 5000], [0, 5000], [0, 10]]);
    }

    #[test]
    fn a_stored_counter_of_an_old_period_is_ignored() {
        let today = "2026-03-02";
        let quota = Some((10, QuotaPeriod::Day));
        let u = usage([today; 3], &[(today, 7)], quota, Some(("2026-03-01", 9)));
        assert_eq!(u, vec![[7, 3]]);
    }

    #[test]
    fn earlier_periods_count_from_their_own_start() {
        // Weekly quota of 50; weeks start on Sunday (2026-02-22 and 2026-03-01).
        let traffic = [
            ("2026-02-26", 10),
            ("2026-02-28", 5),
            ("2026-03-01", 4),
            ("2026-03-02", 6),
        ];
        let days = ["2026-02-27", "2026-03-02", "2026-03-02"];
        let u = usage(days, &traffic, Some((50, QuotaPeriod::Week)), None);
        assert_eq!(u, vec![[0, 40], [5, 35], [4, 46], [6, 40]]);
        let [start, end, today] = days.map(d);
        let window = count_window(start, end, today, Some(QuotaPeriod::Week));
        assert_eq!(window, (d("2026-02-22"), d("2026-03-02")));
    }

    #[test]
    fn future_periods_start_full() {
        let days = ["2026-03-31", "2026-04-01", "2026-03-31"];
        let u = usage(days, &[(days[0], 3)], Some((10, QuotaPeriod::Month)), None);
        assert_eq!(u, vec![[3, 7], [0, 10]]);
    }

    #[test]
    fn without_a_quota_remaining_is_zero() {
        let days = ["2026-03-01", "2026-03-02", "2026-03-02"];
        assert_eq!(
            usage(days, &[(days[0], 4)], None, None),
            vec![[4, 0], [0, 0]]
        );
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(
            check_dates(Some("2026-01-01"), Some("2026-03-31")).unwrap(),
            (d("2026-01-01"), d("2026-03-31"))
        );
        for (s, e) in [
            (None, Some("2026-01-01")),
            (Some("2026-01-01"), None),
            (Some("2026-1-01"), Some("2026-01-02")),
            (Some("2026-02-30"), Some("2026-03-01")),
            (Some("2026-01-02"), Some("2026-01-01")),
            (Some("2026-01-01"), Some("2026-04-02")),
        ] {
            let e = check_dates(s, e).unwrap_err().0;
            assert_eq!(e.kind, apigw_model::ErrorKind::BadRequest, "{s:?}");
        }
        assert_eq!(
            check_dates(Some("x"), Some("2026-01-01"))
                .unwrap_err()
                .0
                .message,
            "Invalid start date specified: x. Dates must be given as YYYY-MM-DD"
        );
    }

    #[test]
    fn update_usage_ops() {
        assert_eq!(
            remaining_of(&ops(&[("replace", "/remaining", Some("50"))])).unwrap(),
            Some(50)
        );
        assert_eq!(remaining_of(&[]).unwrap(), None);
        let e = remaining_of(&ops(&[("replace", "/quota", Some("5"))]))
            .unwrap_err()
            .0;
        assert_eq!(
            e.message,
            "Invalid patch path  '/quota' specified for op 'replace'. Must be one of: [/remaining]"
        );
        let e = remaining_of(&ops(&[("add", "/remaining", Some("5"))]))
            .unwrap_err()
            .0;
        assert_eq!(
            e.message,
            "Invalid patch path  '/remaining' specified for op 'add'. Must be one of: []"
        );
        for v in [Some("ten"), None, Some("-1")] {
            let e = remaining_of(&ops(&[("replace", "/remaining", v)]))
                .unwrap_err()
                .0;
            assert_eq!(e.kind, apigw_model::ErrorKind::BadRequest, "{v:?}");
        }
    }
}
