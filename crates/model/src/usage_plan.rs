//! Usage plans and their keys ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_UsagePlan.html)).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::StringMap;

/// A usage plan: throttle and quota for the keys attached to it, on the stages it lists.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlan {
    /// 6 lower-case alphanumerics.
    pub id: String,
    /// The plan's name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// The API stages the plan covers. Always sent, `[]` when empty, as AWS does
    /// (test_apigateway_extended.snapshot.json, create-usage-plan).
    #[serde(default)]
    pub api_stages: Vec<ApiStage>,
    /// Per-key throttle, aggregated over all stages of the plan.
    pub throttle: Option<ThrottleSettings>,
    /// Per-key quota.
    pub quota: Option<QuotaSettings>,
    /// AWS Marketplace product code.
    pub product_code: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub tags: Option<StringMap>,
}

/// One API stage of a usage plan.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStage {
    /// The rest API id.
    pub api_id: Option<String>,
    /// The stage name.
    pub stage: Option<String>,
    /// `"/path/METHOD"` → throttle override.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub throttle: Option<BTreeMap<String, ThrottleSettings>>,
}

/// A token bucket: `burstLimit` tokens, refilled at `rateLimit` per second.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleSettings {
    /// Bucket size.
    pub burst_limit: Option<i64>,
    /// Steady-state requests per second.
    pub rate_limit: Option<f64>,
}

/// A request quota per period.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaSettings {
    /// Requests allowed per period.
    pub limit: Option<i64>,
    /// Requests subtracted from the limit in the first period.
    pub offset: Option<i64>,
    /// `DAY`, `WEEK` or `MONTH`.
    pub period: Option<String>,
}

/// An API key attached to a usage plan.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlanKey {
    /// The API key's id.
    pub id: String,
    /// Always `API_KEY`.
    #[serde(rename = "type")]
    pub key_type: String,
    /// The key's value.
    pub value: Option<String>,
    /// The key's name.
    pub name: Option<String>,
}

/// The period a quota counts over. Periods are aligned in UTC: a day starts at midnight, a
/// week on Sunday (the old API reference numbers week days from `0 = Sunday`), a month on
/// its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPeriod {
    /// One UTC day.
    Day,
    /// Sunday to Saturday, UTC.
    Week,
    /// A calendar month, UTC.
    Month,
}

impl QuotaPeriod {
    /// `DAY`, `WEEK` or `MONTH`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "DAY" => Some(Self::Day),
            "WEEK" => Some(Self::Week),
            "MONTH" => Some(Self::Month),
            _ => None,
        }
    }

    /// The first day of the period that contains `day`.
    pub fn start(self, day: chrono::NaiveDate) -> chrono::NaiveDate {
        use chrono::Datelike;
        match self {
            Self::Day => day,
            Self::Week => {
                day - chrono::Duration::days(i64::from(day.weekday().num_days_from_sunday()))
            }
            Self::Month => day.with_day(1).unwrap_or(day),
        }
    }
}

impl QuotaSettings {
    /// The quota's period, when it names a known one.
    pub fn period_kind(&self) -> Option<QuotaPeriod> {
        self.period.as_deref().and_then(QuotaPeriod::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_align_in_utc() {
        // 2026-11-28 is a Saturday.
        assert_eq!(QuotaPeriod::Day.start(d("2026-11-28")), d("2026-11-28"));
        assert_eq!(QuotaPeriod::Week.start(d("2026-11-28")), d("2026-11-22"));
        assert_eq!(QuotaPeriod::Week.start(d("2026-11-22")), d("2026-11-22"));
        assert_eq!(QuotaPeriod::Month.start(d("2026-11-28")), d("2026-11-01"));
        assert_eq!(QuotaPeriod::parse("YEAR"), None);
    }
}
