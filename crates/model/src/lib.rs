//! Wire types of the API Gateway (REST APIs, `apigateway` 2015-07-09) resource model.
//!
//! Every struct serialises exactly as botocore's service model names its members
//! (camelCase, members omitted when absent), so what the store keeps is what the wire carries.
//! The AWS error enum ([`ApiError`]) and id generation ([`ids`]) live here too, because the
//! store, the control plane and the data plane all speak them.
#![warn(missing_docs)]

pub mod account;
pub mod api_key;
pub mod arn;
pub mod authorizer;
pub mod deployment;
pub mod documentation;
pub mod domain_name;
pub mod error;
pub mod gateway_response;
pub mod ids;
pub mod model;
pub mod resource;
pub mod rest_api;
pub mod scope;
pub mod stage;
pub mod test_invoke;
pub mod usage_plan;
pub mod vpc_link;

pub use account::Account;
pub use api_key::ApiKey;
pub use arn::Arn;
pub use authorizer::Authorizer;
pub use deployment::{ApiDocuments, ApiSnapshot, Deployment};
pub use documentation::{DocumentationPart, DocumentationPartLocation, DocumentationVersion};
pub use domain_name::{
    BasePathMapping, DomainName, DomainNameAccessAssociation, MutualTlsAuthentication, NO_BASE_PATH,
};
pub use error::{ApiError, ErrorKind};
pub use gateway_response::GatewayResponse;
pub use model::{Model, RequestValidator};
pub use resource::{Integration, IntegrationResponse, Method, MethodResponse, Resource};
pub use rest_api::{EndpointConfiguration, RestApi};
pub use scope::Scope;
pub use stage::{AccessLogSettings, CanarySettings, MethodSetting, Stage};
pub use test_invoke::{AuthorizerTestOutcome, AuthorizerTestRequest, TestOutcome, TestRequest};
pub use usage_plan::{
    ApiStage, QuotaPeriod, QuotaSettings, ThrottleSettings, UsagePlan, UsagePlanKey,
};
pub use vpc_link::{ClientCertificate, VpcLink};

/// A JSON object with ordered keys, as the wire maps (`tags`, `variables`, …) are.
pub type StringMap = std::collections::BTreeMap<String, String>;

/// A method's request parameters (`method.request.{querystring,header,path}.x` → required),
/// in the order they were declared: AWS lists them so in exports.
pub type ParamMap = indexmap::IndexMap<String, bool>;

/// `true` when an optional map is absent or empty: AWS omits empty maps from its answers.
pub fn is_empty_map<V>(m: &Option<std::collections::BTreeMap<String, V>>) -> bool {
    m.as_ref().is_none_or(|m| m.is_empty())
}

/// `true` when optional request parameters are absent or empty.
pub fn is_empty_params(m: &Option<ParamMap>) -> bool {
    m.as_ref().is_none_or(|m| m.is_empty())
}

/// `true` when an optional list is absent or empty.
pub fn is_empty_list<V>(m: &Option<Vec<V>>) -> bool {
    m.as_ref().is_none_or(|m| m.is_empty())
}
