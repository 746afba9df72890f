//! OpenAPI 3.0 and Swagger 2.0 documents read into API Gateway resources, as ImportRestApi
//! and PutRestApi take them.
//!
//! Three steps, each a pure function so that it is tested without a server:
//! 1. [`read`]: the body (JSON or YAML) as a JSON value;
//! 2. [`plan`]: the document as a [`Plan`]: the API's settings, its models, authorizers,
//!    validators, gateway responses and paths with their methods, each named rather than
//!    numbered, plus the warnings AWS would give;
//! 3. [`Plan::build`]: the plan with ids given, as the stored types of `apigw-model`.
//!
//! The control plane checks the built API with the rules of the single-resource operations
//! and writes it in one transaction, so a failed import changes nothing.

mod build;
mod document;
pub mod export;
mod extensions;
mod operations;
mod plan;
mod security;
mod source;
mod template;

use std::collections::BTreeMap;

use apigw_model::{
    Authorizer, EndpointConfiguration, GatewayResponse, Method, Model, RequestValidator,
};

pub use build::Built;
pub use document::Dialect;
pub use export::{export, ExportOptions, Extensions, Format};
pub use plan::plan;
pub use source::read;
pub use template::model_template;

/// Why a document could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Not JSON or YAML, not a mapping, or neither `swagger: 2.0` nor `openapi: 3.x`.
    #[error("Invalid OpenAPI input.")]
    Invalid,
    /// The document is readable but describes something API Gateway cannot build.
    #[error("Errors found during import:\n\t{}", .0.join("\n\t"))]
    Errors(Vec<String>),
    /// `failonwarnings=true` and there were warnings.
    #[error("Warnings found during import:\n\t{}", .0.join("\n\t"))]
    Warnings(Vec<String>),
}

/// How the document's base path (Swagger `basePath`, OpenAPI `servers[0].url`) shapes the
/// resource paths (the `basepath` query parameter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BasePath {
    /// Leave it out (the default).
    #[default]
    Ignore,
    /// Put the whole base path in front of every path.
    Prepend,
    /// Drop its first segment (which names a stage) and put the rest in front.
    Split,
}

impl BasePath {
    /// The query parameter's value; `None` for a value AWS does not know.
    pub fn parse(v: &str) -> Option<Self> {
        match v {
            "ignore" => Some(Self::Ignore),
            "prepend" => Some(Self::Prepend),
            "split" => Some(Self::Split),
            _ => None,
        }
    }
}

/// The import's query parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `basepath`.
    pub base_path: BasePath,
    /// `failonwarnings=true`: a warning fails the import.
    pub fail_on_warnings: bool,
}

/// The API-level settings a document carries (`info` and the `x-amazon-apigateway-*`
/// extensions at its root). `None` means the document does not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiSettings {
    /// `info.title`.
    pub name: Option<String>,
    /// `info.description`.
    pub description: Option<String>,
    /// `info.version`.
    pub version: Option<String>,
    /// `x-amazon-apigateway-binary-media-types`.
    pub binary_media_types: Vec<String>,
    /// `x-amazon-apigateway-minimum-compression-size`.
    pub minimum_compression_size: Option<i64>,
    /// `x-amazon-apigateway-api-key-source`.
    pub api_key_source: Option<String>,
    /// `x-amazon-apigateway-policy`, as JSON text.
    pub policy: Option<String>,
    /// `x-amazon-apigateway-endpoint-configuration` (`types`, `vpcEndpointIds`).
    pub endpoint_configuration: Option<EndpointConfiguration>,
    /// `x-amazon-apigateway-endpoint-configuration.disableExecuteApiEndpoint`.
    pub disable_execute_api_endpoint: Option<bool>,
}

/// A method as the document describes it, with its authorizer and validator by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlannedMethod {
    /// The method, its responses and integration (no authorizer or validator id yet).
    pub method: Method,
    /// The security scheme naming its authorizer.
    pub authorizer: Option<String>,
    /// `x-amazon-apigateway-request-validator` (the operation's, else the document's).
    pub validator: Option<String>,
}

/// Everything a document asks for, named rather than numbered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// API-level settings.
    pub api: ApiSettings,
    /// Models (`definitions` or `components.schemas`), ids empty, schemas as written.
    pub models: Vec<(Model, serde_json::Value)>,
    /// Authorizers from security schemes, ids empty.
    pub authorizers: Vec<Authorizer>,
    /// `x-amazon-apigateway-request-validators`, ids empty.
    pub validators: Vec<RequestValidator>,
    /// `x-amazon-apigateway-gateway-responses`.
    pub gateway_responses: Vec<GatewayResponse>,
    /// Full resource path → verb → method, in path order.
    pub paths: BTreeMap<String, BTreeMap<String, PlannedMethod>>,
    /// What AWS would warn about, in its words.
    pub warnings: Vec<String>,
}
