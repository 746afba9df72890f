//! Deployments ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Deployment.html))
//! and the frozen snapshot each one holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::{Authorizer, GatewayResponse, Model, RequestValidator, Resource, RestApi};

/// A deployment as the control plane answers it.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// 6 lower-case alphanumerics.
    pub id: String,
    /// Optional description.
    pub description: Option<String>,
    /// Epoch seconds.
    pub created_date: i64,
    /// Path → method → `{authorizationType, apiKeyRequired}`; only with `embed=apisummary`.
    pub api_summary: Option<BTreeMap<String, BTreeMap<String, MethodSnapshot>>>,
}

/// One method as summarised in `apiSummary`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSnapshot {
    /// The method's authorization type.
    pub authorization_type: String,
    /// Whether the method requires an API key.
    pub api_key_required: bool,
}

/// The whole API as it stood when the deployment was made: what a stage serves.
///
/// Editing the API afterwards changes nothing here; that is how AWS deployments behave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiSnapshot {
    /// The rest API's own settings (binary media types, key source, …).
    pub rest_api: RestApi,
    /// Every resource with its methods, integrations and responses.
    pub resources: Vec<Resource>,
    /// The API's other documents, frozen with it. Stored under `extras`, where earlier
    /// versions kept them as string-keyed JSON in the same shapes, so stored snapshots read
    /// unchanged.
    #[serde(default, rename = "extras")]
    pub documents: ApiDocuments,
}

/// The per-API documents a deployment freezes besides its resources, typed: a snapshot that
/// does not parse fails loudly instead of serving without them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiDocuments {
    /// The API's customised gateway responses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateway_responses: Vec<GatewayResponse>,
    /// The API's authorizers (CUSTOM methods run them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorizers: Vec<Authorizer>,
    /// The API's models (request validation reads their schemas).
    #[serde(default)]
    pub models: Vec<Model>,
    /// The API's request validators.
    #[serde(default)]
    pub request_validators: Vec<RequestValidator>,
    /// VPC link id → the local backend its `apigw-local:target` tag names, for every link of
    /// the account and region when the deployment was made: where `VPC_LINK` integrations
    /// connect.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vpc_link_targets: BTreeMap<String, String>,
}

impl ApiSnapshot {
    /// `apiSummary` as GetDeployment `embed=apisummary` shows it.
    pub fn summary(&self) -> BTreeMap<String, BTreeMap<String, MethodSnapshot>> {
        let mut out = BTreeMap::new();
        for r in &self.resources {
            let Some(methods) = &r.resource_methods else {
                continue;
            };
            if methods.is_empty() {
                continue;
            }
            let entry: &mut BTreeMap<String, MethodSnapshot> =
                out.entry(r.path.clone()).or_default();
            for (verb, m) in methods {
                entry.insert(
                    verb.clone(),
                    MethodSnapshot {
                        authorization_type: m.authorization_type.clone(),
                        api_key_required: m.api_key_required,
                    },
                );
            }
        }
        out
    }
}
