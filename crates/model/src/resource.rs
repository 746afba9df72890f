//! Resources, methods, method responses, integrations and integration responses
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Resource.html)).
//!
//! A method is stored inside its resource (`resourceMethods`), and an integration inside its
//! method, exactly as `GetResources?embed=methods` nests them, so a deployment snapshot is the
//! resource list as it stands.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::{is_empty_list, is_empty_map, is_empty_params, ParamMap, StringMap};

/// A path segment of an API, with its methods.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// 10 characters for the root, 6 for children.
    pub id: String,
    /// Absent on the root resource.
    pub parent_id: Option<String>,
    /// Absent on the root resource.
    pub path_part: Option<String>,
    /// The full path, e.g. `/pets/{id}`.
    pub path: String,
    /// Methods by HTTP verb; omitted when there are none.
    #[serde(default, skip_serializing_if = "is_empty_map")]
    pub resource_methods: Option<BTreeMap<String, Method>>,
}

/// A method of a resource.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    /// `GET`, `POST`, …, or `ANY`.
    pub http_method: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `COGNITO_USER_POOLS`.
    pub authorization_type: String,
    /// The authorizer for CUSTOM and COGNITO_USER_POOLS.
    pub authorizer_id: Option<String>,
    /// Whether an API key is required.
    pub api_key_required: bool,
    /// A request validator's id.
    pub request_validator_id: Option<String>,
    /// A name for SDK generation.
    pub operation_name: Option<String>,
    /// `method.request.{querystring,header,path}.x` → required.
    #[serde(default, skip_serializing_if = "is_empty_params")]
    pub request_parameters: Option<ParamMap>,
    /// Content type → model name.
    #[serde(default, skip_serializing_if = "is_empty_map")]
    pub request_models: Option<StringMap>,
    /// Method responses by status code.
    #[serde(default, skip_serializing_if = "is_empty_map")]
    pub method_responses: Option<BTreeMap<String, MethodResponse>>,
    /// The integration, once put.
    pub method_integration: Option<Integration>,
    /// OAuth scopes for COGNITO_USER_POOLS.
    #[serde(default, skip_serializing_if = "is_empty_list")]
    pub authorization_scopes: Option<Vec<String>>,
}

/// A response a method declares.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponse {
    /// `[1-5]\d\d`.
    pub status_code: String,
    /// `method.response.header.X` → required. AWS answers `{}` when `{}` was put, and omits
    /// the map when it was never set or its last entry was patched away.
    pub response_parameters: Option<BTreeMap<String, bool>>,
    /// Content type → model name (empty map kept, as `response_parameters`).
    pub response_models: Option<StringMap>,
}

/// The backend a method calls.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    /// `HTTP`, `AWS`, `MOCK`, `HTTP_PROXY` or `AWS_PROXY`.
    #[serde(rename = "type")]
    pub integration_type: String,
    /// The method used to call the backend (`integrationHttpMethod` on input).
    pub http_method: Option<String>,
    /// The backend's URI (or the Lambda invocation ARN).
    pub uri: Option<String>,
    /// `INTERNET` or `VPC_LINK`.
    pub connection_type: Option<String>,
    /// The VPC link id.
    pub connection_id: Option<String>,
    /// The role ARN used for AWS integrations.
    pub credentials: Option<String>,
    /// `integration.request.*` → source expression.
    #[serde(default, skip_serializing_if = "is_empty_map")]
    pub request_parameters: Option<StringMap>,
    /// Content type → VTL template.
    #[serde(default, skip_serializing_if = "is_empty_map")]
    pub request_templates: Option<StringMap>,
    /// `WHEN_NO_MATCH` (default), `WHEN_NO_TEMPLATES` or `NEVER`.
    pub passthrough_behavior: Option<String>,
    /// `CONVERT_TO_BINARY` or `CONVERT_TO_TEXT`.
    pub content_handling: Option<String>,
    /// 50–29000, default 29000.
    pub timeout_in_millis: i64,
    /// Cache namespace; AWS defaults it to the resource id.
    pub cache_namespace: Option<String>,
    /// Parameters that form the cache key; AWS answers `[]` when none.
    pub cache_key_parameters: Option<Vec<String>>,
    /// Integration responses by status code.
    #[serde(default, skip_serializing_if = "is_empty_map")]
    pub integration_responses: Option<BTreeMap<String, IntegrationResponse>>,
    /// TLS settings for HTTP backends.
    pub tls_config: Option<serde_json::Value>,
    /// `BUFFERED` or `STREAM`.
    pub response_transfer_mode: Option<String>,
    /// A load balancer target for VPC links.
    pub integration_target: Option<String>,
}

impl Integration {
    /// Fill what AWS fills when an integration is put: MOCK keeps neither method nor URI
    /// (recordings test_put_integration_validation, test_integration_mock_with_path_param),
    /// HTTP backends are reached over the INTERNET, passthrough is WHEN_NO_MATCH, the cache
    /// namespace is the resource's id and the cache key parameters an empty list.
    pub fn fill_defaults(&mut self, resource_id: &str) {
        let t = self.integration_type.as_str();
        if t == "MOCK" {
            self.http_method = None;
            self.uri = None;
        }
        if self.connection_type.is_none() && (t == "HTTP" || t == "HTTP_PROXY") {
            self.connection_type = Some("INTERNET".into());
        }
        self.request_parameters = self.request_parameters.take().filter(|m| !m.is_empty());
        self.request_templates = self.request_templates.take().filter(|m| !m.is_empty());
        self.passthrough_behavior
            .get_or_insert_with(|| "WHEN_NO_MATCH".into());
        self.cache_namespace
            .get_or_insert_with(|| resource_id.to_string());
        self.cache_key_parameters.get_or_insert_with(Vec::new);
    }
}

/// How a backend status maps onto a method response.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponse {
    /// The method response status this maps to.
    pub status_code: String,
    /// Regex matched against the backend status (or Lambda error message).
    pub selection_pattern: Option<String>,
    /// `method.response.header.X` → source expression (an empty map put stays `{}`).
    pub response_parameters: Option<StringMap>,
    /// Content type → VTL template. An empty template is kept as `""` and goes on the wire as
    /// `null`, as AWS answers it (test_put_integration_response_templates); an empty map put
    /// stays `{}` (test_put_integration_responses).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "empty_templates_as_null",
        deserialize_with = "null_templates_as_empty"
    )]
    pub response_templates: Option<StringMap>,
    /// `CONVERT_TO_BINARY` or `CONVERT_TO_TEXT`.
    pub content_handling: Option<String>,
}

/// Write a template map with `""` values as JSON `null`.
fn empty_templates_as_null<S: serde::Serializer>(
    m: &Option<StringMap>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let m: Option<BTreeMap<&String, Option<&String>>> = m.as_ref().map(|m| {
        m.iter()
            .map(|(k, v)| (k, (!v.is_empty()).then_some(v)))
            .collect()
    });
    m.serialize(s)
}

/// Read a template map whose values may be `null` (kept as `""`).
fn null_templates_as_empty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<StringMap>, D::Error> {
    let m: Option<BTreeMap<String, Option<String>>> = Option::deserialize(d)?;
    Ok(m.map(|m| {
        m.into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_templates_round_trip_as_null() {
        let ir = IntegrationResponse {
            status_code: "200".into(),
            response_templates: Some([("application/json".to_string(), String::new())].into()),
            ..Default::default()
        };
        let v = serde_json::to_value(&ir).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"statusCode": "200", "responseTemplates": {"application/json": null}})
        );
        let back: IntegrationResponse = serde_json::from_value(v).unwrap();
        assert_eq!(back, ir);
    }
}
