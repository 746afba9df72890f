//! Usage plans and their keys ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_UsagePlan.html)).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::StringMap;

/// A usage plan: throttle and quota for the keys attached to it, on the stages it lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlan {
    /// 6 lower-case alphanumerics.
    pub id: String,
    /// The plan's name.
    pub name: String,
    /// Optional description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The API stages the plan covers. Always sent, `[]` when empty, as AWS does
    /// (test_apigateway_extended.snapshot.json, create-usage-plan).
    #[serde(default)]
    pub api_stages: Vec<ApiStage>,
    /// Per-key throttle, aggregated over all stages of the plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle: Option<ThrottleSettings>,
    /// Per-key quota.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaSettings>,
    /// AWS Marketplace product code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub tags: Option<StringMap>,
}

/// One API stage of a usage plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStage {
    /// The rest API id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_id: Option<String>,
    /// The stage name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// `"/path/METHOD"` → throttle override.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub throttle: Option<BTreeMap<String, ThrottleSettings>>,
}

/// A token bucket: `burstLimit` tokens, refilled at `rateLimit` per second.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleSettings {
    /// Bucket size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burst_limit: Option<i64>,
    /// Steady-state requests per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
}

/// A request quota per period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaSettings {
    /// Requests allowed per period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Requests subtracted from the limit in the first period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// `DAY`, `WEEK` or `MONTH`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

/// An API key attached to a usage plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlanKey {
    /// The API key's id.
    pub id: String,
    /// Always `API_KEY`.
    #[serde(rename = "type")]
    pub key_type: String,
    /// The key's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The key's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}
