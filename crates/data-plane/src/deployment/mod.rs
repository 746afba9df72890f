//! A deployment compiled for serving: its frozen snapshot, and what is built from it once at
//! deployment time (routing tree, templates, gateway responses, authorizers, validators) and
//! for a stage (throttles, access log format). Nothing here imports the request phases
//! ([`crate::pipeline`]).

pub mod access_log;
pub mod authorizers;
pub mod gateway_responses;
pub mod methods;
pub mod routing;
pub mod templates;
pub mod validators;

// Fx hashing: these maps are looked up on every request with short keys (ids, names) the
// emulator's own user chose; SipHash's flooding resistance buys nothing here and cost ~300
// instructions a lookup.
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use apigw_model::{ApiSnapshot, Scope, Stage};

use crate::deployment::authorizers::Authorizers;
use crate::deployment::gateway_responses::GatewayResponses;
use crate::deployment::methods::MethodTable;
use crate::deployment::routing::RouteTable;
use crate::deployment::templates::Templates;
use crate::throttle::Throttle;

/// One deployment, ready to serve.
#[derive(Debug)]
pub struct CompiledDeployment {
    /// The deployment id.
    pub id: String,
    /// The API as it was when deployed.
    pub snapshot: ApiSnapshot,
    /// The routing tree over `snapshot.resources`.
    pub routes: RouteTable,
    /// The methods of each resource, kinds parsed.
    pub methods: MethodTable,
    /// Whether API keys come from the authorizer (`apiKeySource: AUTHORIZER`), not the
    /// `x-api-key` header.
    pub key_from_authorizer: bool,
    /// Every mapping template of the deployment, parsed once.
    pub templates: Templates,
    /// The gateway responses the deployment customises, templates parsed once.
    pub gateway_responses: GatewayResponses,
    /// The API's authorizers as deployed, with their policy caches.
    pub authorizers: Authorizers,
    /// The API's request validators and models, schemas compiled.
    pub validators: crate::deployment::validators::Validators,
}

impl CompiledDeployment {
    /// Compile a snapshot (done at deployment time, never per request).
    pub fn compile(id: impl Into<String>, snapshot: ApiSnapshot) -> Arc<Self> {
        let routes = RouteTable::compile(&snapshot.resources);
        let methods = MethodTable::compile(&snapshot.resources);
        let key_from_authorizer = snapshot.rest_api.api_key_source == "AUTHORIZER";
        let templates = Templates::compile(&snapshot.resources, []);
        let gateway_responses = GatewayResponses::compile(&snapshot);
        let authorizers = Authorizers::compile(&snapshot);
        let validators = crate::deployment::validators::Validators::compile(&snapshot);
        Arc::new(Self {
            id: id.into(),
            snapshot,
            routes,
            methods,
            key_from_authorizer,
            templates,
            gateway_responses,
            authorizers,
            validators,
        })
    }
}

/// Everything deployed for one rest API in one scope.
#[derive(Debug)]
pub struct DeployedApi {
    /// Account and region the API lives in.
    pub scope: Scope,
    /// The API id as created.
    pub api_id: String,
    /// Stages by name.
    pub stages: HashMap<String, Arc<DeployedStage>>,
    /// The account's throttle (set by [`crate::Gateway::publish`]).
    pub account: Option<Throttle>,
}

/// A stage as served: its live settings and the deployment it points at.
#[derive(Debug)]
pub struct DeployedStage {
    /// The stage's settings (variables, method settings, access logs…).
    pub stage: Stage,
    /// The deployment it serves.
    pub deployment: Arc<CompiledDeployment>,
    /// Method throttles from the stage's `methodSettings`: resource id → (HTTP method,
    /// throttle). Built by [`crate::Gateway::deployed_stage`].
    pub throttles: HashMap<String, Vec<(String, Throttle)>>,
    /// The stage's access logging, when its settings name a format and a log group.
    pub access_log: Option<crate::deployment::access_log::StageAccessLog>,
    /// The canary release, when `canarySettings` name a deployment.
    pub canary: Option<Canary>,
    /// Whether this is a canary's view of its stage (`$context.isCanaryRequest`).
    pub is_canary: bool,
    /// The client certificate the stage presents to HTTP backends, set by the server when the
    /// stage names one (`clientCertificateId`).
    pub client_tls: Option<std::sync::Arc<crate::tls::ClientTls>>,
}

/// A stage's canary: the canary deployment with the stage's variables overridden, and the
/// share of requests it takes.
#[derive(Debug)]
pub struct Canary {
    /// The stage as canary requests see it.
    pub stage: Arc<DeployedStage>,
    /// `percentTraffic` (0–100).
    percent: f64,
    /// Requests the stage has taken since it was published.
    served: std::sync::atomic::AtomicU64,
}

impl Canary {
    /// A canary taking `percent` of the stage's requests.
    pub fn new(stage: Arc<DeployedStage>, percent: f64) -> Self {
        Self {
            stage,
            percent: percent.clamp(0.0, 100.0),
            served: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Whether the next request goes to the canary. The n-th request does when
    /// `floor(n·p/100)` grows, so every run of requests sends the canary its share to within
    /// one request (AWS picks at random; a count keeps tests exact and costs one atomic add).
    pub fn pick(&self) -> bool {
        let n = self
            .served
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed) as f64;
        ((n + 1.0) * self.percent / 100.0).floor() > (n * self.percent / 100.0).floor()
    }
}

impl DeployedStage {
    /// The stage's throttle for a method, if its method settings set one.
    pub fn throttle(&self, resource_id: &str, http_method: &str) -> Option<&Throttle> {
        self.throttles
            .get(resource_id)?
            .iter()
            .find(|(m, _)| m == http_method)
            .map(|(_, t)| t)
    }
}
