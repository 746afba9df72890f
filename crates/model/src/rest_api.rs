//! The RestApi resource ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_RestApi.html)).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::{is_empty_list, StringMap};

/// A REST API as GetRestApi answers it.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApi {
    /// 10 lower-case alphanumerics, or the `_custom_id_` tag's value.
    pub id: String,
    /// The API's name.
    pub name: String,
    /// Optional description; AWS refuses an empty one.
    pub description: Option<String>,
    /// Epoch seconds.
    pub created_date: i64,
    /// Optional version label.
    pub version: Option<String>,
    /// Import warnings; absent for APIs built by hand.
    #[serde(default, skip_serializing_if = "is_empty_list")]
    pub warnings: Option<Vec<String>>,
    /// Media types served as binary; omitted when empty.
    #[serde(default, skip_serializing_if = "is_empty_list")]
    pub binary_media_types: Option<Vec<String>>,
    /// Compression threshold in bytes (0–10485760); absent means compression is off.
    pub minimum_compression_size: Option<i64>,
    /// `HEADER` (default) or `AUTHORIZER`.
    pub api_key_source: String,
    /// Endpoint type and IP address type.
    pub endpoint_configuration: EndpointConfiguration,
    /// A resource policy document (JSON text).
    pub policy: Option<String>,
    /// Tags; AWS shows `{}` after an update even when none were set.
    pub tags: Option<StringMap>,
    /// When true, the default execute-api endpoint answers 403.
    pub disable_execute_api_endpoint: bool,
    /// The id of the `/` resource.
    pub root_resource_id: String,
    /// TLS policy; only echoed.
    pub security_policy: Option<String>,
    /// Endpoint access mode; only echoed.
    pub endpoint_access_mode: Option<String>,
}

/// Where and how the API is reachable.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    /// One of `EDGE`, `REGIONAL`, `PRIVATE`.
    pub types: Option<Vec<String>>,
    /// `ipv4` or `dualstack` (default `dualstack` for PRIVATE, else `ipv4`).
    pub ip_address_type: Option<String>,
    /// VPC endpoints of a private API.
    #[serde(default, skip_serializing_if = "is_empty_list")]
    pub vpc_endpoint_ids: Option<Vec<String>>,
}
