//! API keys ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_ApiKey.html)).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::StringMap;

/// An API key. `value` is stored always and shown only when asked for.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// 10 lower-case alphanumerics.
    pub id: String,
    /// The secret; omitted unless `includeValue(s)=true`.
    pub value: Option<String>,
    /// Name (≤ 1024 characters).
    pub name: Option<String>,
    /// An AWS Marketplace customer id.
    pub customer_id: Option<String>,
    /// Optional description.
    pub description: Option<String>,
    /// Disabled keys are refused on the data plane.
    pub enabled: bool,
    /// Epoch seconds.
    pub created_date: i64,
    /// Epoch seconds.
    pub last_updated_date: i64,
    /// Legacy `{restApiId}/{stageName}` bindings.
    #[serde(default)]
    pub stage_keys: Vec<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub tags: Option<StringMap>,
}
