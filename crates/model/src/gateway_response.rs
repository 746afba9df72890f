//! Gateway responses ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_GatewayResponse.html)):
//! what the data plane answers when a request fails before or around the integration.
//!
//! The control plane stores only the types a user customised (PutGatewayResponse); every other
//! type shows AWS's default. Deployments freeze the customised ones (in
//! [`crate::ApiDocuments::gateway_responses`]), and the data plane renders its errors through
//! them.

use serde::{Deserialize, Serialize};

use crate::StringMap;

/// AWS's default body template of every type (recorded in test_apigateway_api.snapshot.json,
/// test_gateway_response_crud).
pub const DEFAULT_TEMPLATE: &str = "{\"message\":$context.error.messageString}";

/// Every type with its default status, in the (alphabetical) order GetGatewayResponses lists
/// them. DEFAULT_4XX and DEFAULT_5XX have no status of their own. Recorded in
/// test_apigateway_api.snapshot.json, test_gateway_response_crud.
pub const TYPES: [(&str, Option<&str>); 21] = [
    ("ACCESS_DENIED", Some("403")),
    ("API_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_FAILURE", Some("500")),
    ("BAD_REQUEST_BODY", Some("400")),
    ("BAD_REQUEST_PARAMETERS", Some("400")),
    ("DEFAULT_4XX", None),
    ("DEFAULT_5XX", None),
    ("EXPIRED_TOKEN", Some("403")),
    ("INTEGRATION_FAILURE", Some("504")),
    ("INTEGRATION_TIMEOUT", Some("504")),
    ("INVALID_API_KEY", Some("403")),
    ("INVALID_SIGNATURE", Some("403")),
    ("MISSING_AUTHENTICATION_TOKEN", Some("403")),
    ("QUOTA_EXCEEDED", Some("429")),
    ("REQUEST_TOO_LARGE", Some("413")),
    ("RESOURCE_NOT_FOUND", Some("404")),
    ("THROTTLED", Some("429")),
    ("UNAUTHORIZED", Some("401")),
    ("UNSUPPORTED_MEDIA_TYPE", Some("415")),
    ("WAF_FILTERED", Some("403")),
];

/// The types in the order AWS's ValidationException lists them (recorded in
/// test_gateway_response_validation; it is neither botocore's nor alphabetical order).
pub const VALIDATION_ORDER: [&str; 21] = [
    "REQUEST_TOO_LARGE",
    "RESOURCE_NOT_FOUND",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "MISSING_AUTHENTICATION_TOKEN",
    "BAD_REQUEST_BODY",
    "INVALID_SIGNATURE",
    "INVALID_API_KEY",
    "BAD_REQUEST_PARAMETERS",
    "AUTHORIZER_FAILURE",
    "UNAUTHORIZED",
    "INTEGRATION_TIMEOUT",
    "ACCESS_DENIED",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "WAF_FILTERED",
    "QUOTA_EXCEEDED",
    "THROTTLED",
    "API_CONFIGURATION_ERROR",
    "UNSUPPORTED_MEDIA_TYPE",
    "INTEGRATION_FAILURE",
    "EXPIRED_TOKEN",
];

/// One gateway response as the wire carries it (and as the store keeps a customised one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponse {
    /// The type (`MISSING_AUTHENTICATION_TOKEN`, …).
    pub response_type: String,
    /// The status sent instead of the type's default; absent for an uncustomised
    /// DEFAULT_4XX/DEFAULT_5XX.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    /// `gatewayresponse.header.{name}` → source expression. AWS always shows it, `{}` when empty.
    #[serde(default)]
    pub response_parameters: StringMap,
    /// Content type → body template. AWS always shows it.
    #[serde(default)]
    pub response_templates: StringMap,
    /// `true` for AWS's own defaults (what an uncustomised type shows).
    #[serde(default)]
    pub default_response: bool,
}

impl GatewayResponse {
    /// AWS's default entry for a type (`None` for a name that is not a type).
    pub fn aws_default(response_type: &str) -> Option<Self> {
        let (name, status) = TYPES.iter().find(|(n, _)| *n == response_type)?;
        Some(Self {
            response_type: (*name).to_string(),
            status_code: status.map(str::to_string),
            response_parameters: StringMap::new(),
            response_templates: [("application/json".to_string(), DEFAULT_TEMPLATE.to_string())]
                .into_iter()
                .collect(),
            default_response: true,
        })
    }

    /// The type's default status (`None` for DEFAULT_4XX/5XX and unknown names).
    pub fn default_status(response_type: &str) -> Option<&'static str> {
        TYPES
            .iter()
            .find(|(n, _)| *n == response_type)
            .and_then(|(_, s)| *s)
    }

    /// The fallback type a type inherits from when it is not customised: DEFAULT_4XX for 4xx
    /// types, DEFAULT_5XX for 5xx ones (by the type's default status).
    pub fn fallback_of(response_type: &str) -> Option<&'static str> {
        match Self::default_status(response_type)?.as_bytes().first()? {
            b'4' => Some("DEFAULT_4XX"),
            b'5' => Some("DEFAULT_5XX"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_agree() {
        let mut a: Vec<&str> = TYPES.iter().map(|(n, _)| *n).collect();
        let mut b = VALIDATION_ORDER.to_vec();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        assert_eq!(
            GatewayResponse::fallback_of("MISSING_AUTHENTICATION_TOKEN"),
            Some("DEFAULT_4XX")
        );
        assert_eq!(
            GatewayResponse::fallback_of("INTEGRATION_TIMEOUT"),
            Some("DEFAULT_5XX")
        );
        assert_eq!(GatewayResponse::fallback_of("DEFAULT_4XX"), None);
    }
}
