//! Authorizers ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html)).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// A Lambda (TOKEN or REQUEST) or Cognito user-pool authorizer of a rest API.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorizer {
    /// 6 lower-case alphanumerics.
    pub id: String,
    /// The authorizer's name.
    pub name: String,
    /// `TOKEN`, `REQUEST` or `COGNITO_USER_POOLS`.
    #[serde(rename = "type")]
    pub authorizer_type: String,
    /// Cognito user pool ARNs (COGNITO_USER_POOLS). botocore spells the member `providerARNs`,
    /// which `camelCase` would not produce.
    #[serde(
        default,
        rename = "providerARNs",
        skip_serializing_if = "crate::is_empty_list"
    )]
    pub provider_arns: Option<Vec<String>>,
    /// Optional, e.g. `custom`.
    pub auth_type: Option<String>,
    /// The Lambda invocation URI (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`).
    pub authorizer_uri: Option<String>,
    /// The role API Gateway assumes to invoke the authorizer.
    pub authorizer_credentials: Option<String>,
    /// Where the identity comes from, e.g. `method.request.header.Authorization`
    /// (REQUEST: a comma-separated list).
    pub identity_source: Option<String>,
    /// TOKEN: a regex the token must match, else 401 without calling the authorizer.
    pub identity_validation_expression: Option<String>,
    /// How long a policy is cached per identity (0 disables; AWS's default is 300).
    pub authorizer_result_ttl_in_seconds: Option<i64>,
}
