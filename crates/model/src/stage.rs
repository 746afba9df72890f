//! Stages ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html)).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::StringMap;

/// A named reference to a deployment, with its settings.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    /// The deployment this stage serves.
    pub deployment_id: String,
    /// A client certificate for backends.
    pub client_certificate_id: Option<String>,
    /// The stage's name, the first path segment of its invoke URL.
    pub stage_name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Whether a cache cluster is on (only recorded: apigw-local has no cache).
    pub cache_cluster_enabled: bool,
    /// Cache size in GB, as a string enum.
    pub cache_cluster_size: Option<String>,
    /// `NOT_AVAILABLE` unless a cache is enabled.
    pub cache_cluster_status: String,
    /// `{resourcePath}/{httpMethod}` (or `*/*`) → settings; AWS always shows the map.
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
    /// Stage variables.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub variables: Option<StringMap>,
    /// Documentation snapshot version.
    pub documentation_version: Option<String>,
    /// Where access logs go and in what format.
    pub access_log_settings: Option<AccessLogSettings>,
    /// Canary release settings.
    pub canary_settings: Option<CanarySettings>,
    /// X-Ray tracing flag.
    pub tracing_enabled: bool,
    /// A WAF web ACL.
    pub web_acl_arn: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub tags: Option<StringMap>,
    /// Epoch seconds.
    pub created_date: i64,
    /// Epoch seconds.
    pub last_updated_date: i64,
}

/// Per-method settings of a stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSetting {
    /// CloudWatch metrics on.
    pub metrics_enabled: bool,
    /// `OFF`, `ERROR` or `INFO`; AWS omits it until `logging/loglevel` is patched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    /// Full request/response logging.
    pub data_trace_enabled: bool,
    /// Bucket size of the stage/method throttle.
    pub throttling_burst_limit: i64,
    /// Refill rate (requests per second) of the stage/method throttle.
    pub throttling_rate_limit: f64,
    /// Response caching on.
    pub caching_enabled: bool,
    /// Cache TTL.
    pub cache_ttl_in_seconds: i64,
    /// Cache encryption.
    pub cache_data_encrypted: bool,
    /// Whether `Cache-Control: max-age=0` needs authorization.
    pub require_authorization_for_cache_control: bool,
    /// What to do with unauthorized cache-control headers.
    pub unauthorized_cache_control_header_strategy: String,
}

impl Default for MethodSetting {
    /// AWS's values for a method setting created by a patch when no `*/*` setting exists
    /// (recorded in test_apigateway_common.snapshot.json, test_update_stage_remove_wildcard:
    /// the account's default throttle, 5000 burst / 10000 rps, and no `loggingLevel`).
    fn default() -> Self {
        Self {
            metrics_enabled: false,
            logging_level: None,
            data_trace_enabled: false,
            throttling_burst_limit: 5000,
            throttling_rate_limit: 10000.0,
            caching_enabled: false,
            cache_ttl_in_seconds: 300,
            cache_data_encrypted: false,
            require_authorization_for_cache_control: true,
            unauthorized_cache_control_header_strategy: "SUCCEED_WITH_RESPONSE_HEADER".into(),
        }
    }
}

/// Access log destination and format.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogSettings {
    /// A `$context` format string.
    pub format: Option<String>,
    /// A CloudWatch Logs log group ARN (or Firehose).
    pub destination_arn: Option<String>,
}

/// Canary release settings of a stage.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanarySettings {
    /// Share of traffic (0–100) sent to the canary.
    pub percent_traffic: Option<f64>,
    /// The canary's deployment.
    pub deployment_id: Option<String>,
    /// Variables that override the stage's for canary requests.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub stage_variable_overrides: Option<StringMap>,
    /// Whether the canary uses the stage cache.
    pub use_stage_cache: Option<bool>,
}
