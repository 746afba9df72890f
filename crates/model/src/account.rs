//! The account-level settings ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Account.html)).

use serde::{Deserialize, Serialize};

use crate::ThrottleSettings;

/// API Gateway's settings for one account in one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The IAM role API Gateway uses to write CloudWatch logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudwatch_role_arn: Option<String>,
    /// The account-wide throttle (10,000 rps, 5,000 burst by default).
    pub throttle_settings: ThrottleSettings,
    /// Account features, e.g. `UsagePlans`.
    #[serde(default)]
    pub features: Vec<String>,
    /// The API key version.
    pub api_key_version: String,
}

impl Default for Account {
    fn default() -> Self {
        Self {
            cloudwatch_role_arn: None,
            throttle_settings: ThrottleSettings {
                burst_limit: Some(5000),
                rate_limit: Some(10000.0),
            },
            features: vec!["UsagePlans".into()],
            api_key_version: "4".into(),
        }
    }
}
