//! The stage table and the request pipeline.
//!
//! The table maps API ids to their deployed stages. It is replaced atomically (RCU through
//! `arc-swap`) whenever the control plane changes a deployment or stage, so a request reads it
//! without any lock and sees either the old or the new table, never a mix.
//!
//! A request runs through named phases over one per-request context: route → method →
//! integration → response. Each phase fails with a [`GatewayError`], rendered once at the end.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response};
use rand::Rng;

use apigw_model::{Integration, Method, Resource, Scope};

use crate::addressing::Target;
use crate::context::RequestInfo;
use crate::deployment::DeployedStage;
use crate::gateway_response::{ErrorScope, GatewayError, ResponseType};
use crate::integrations;

/// Everything deployed for one rest API in one scope.
#[derive(Debug)]
pub struct DeployedApi {
    /// Account and region the API lives in.
    pub scope: Scope,
    /// The API id as created.
    pub api_id: String,
    /// Stages by name.
    pub stages: HashMap<String, Arc<DeployedStage>>,
}

type Table = HashMap<String, Vec<Arc<DeployedApi>>>;

/// The data plane: the stage table and one pooled HTTP client for integrations.
pub struct Gateway {
    apis: ArcSwap<Table>,
    /// One keep-alive pool for every HTTP integration (never a client per request).
    pub(crate) client: reqwest::Client,
}

impl Default for Gateway {
    fn default() -> Self {
        Self::new()
    }
}

/// Everything learned about one execute-api call, filled in phase by phase.
pub struct Invocation<'a> {
    /// Account and region of the API.
    pub scope: &'a Scope,
    /// The API id as created.
    pub api_id: &'a str,
    /// `$context.requestId`, also sent as `x-amzn-RequestId`.
    pub request_id: String,
    /// `$context.extendedRequestId`, also sent as `x-amz-apigw-id`.
    pub extended_request_id: String,
    /// The stage served.
    pub stage: &'a DeployedStage,
    /// The matched resource.
    pub resource: &'a Resource,
    /// The selected method.
    pub method: &'a Method,
    /// Path parameters, decoded.
    pub path_params: Vec<(String, String)>,
}

impl Gateway {
    /// An empty data plane.
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            apis: ArcSwap::from_pointee(HashMap::new()),
            client,
        }
    }

    /// Publish (or replace) everything deployed for one API; an API with no stages is removed.
    pub fn publish(&self, api: DeployedApi) {
        let key = api.api_id.to_ascii_lowercase();
        let api = Arc::new(api);
        self.apis.rcu(|old| {
            let mut t: Table = (**old).clone();
            let list = t.entry(key.clone()).or_default();
            list.retain(|a| !(a.scope == api.scope && a.api_id == api.api_id));
            if !api.stages.is_empty() {
                list.push(api.clone());
            }
            if list.is_empty() {
                t.remove(&key);
            }
            t
        });
    }

    /// Drop every deployed stage (the emulator's reset).
    pub fn clear(&self) {
        self.apis.store(Arc::new(HashMap::new()));
    }

    /// The deployed API for an id (case-insensitive), preferring the region the host names.
    pub fn lookup(&self, api_id: &str, region_hint: Option<&str>) -> Option<Arc<DeployedApi>> {
        let table = self.apis.load();
        let list = table.get(&api_id.to_ascii_lowercase())?;
        region_hint
            .and_then(|r| list.iter().find(|a| a.scope.region == r))
            .or_else(|| list.first())
            .cloned()
    }

    /// Serve one execute-api request.
    pub async fn handle(
        &self,
        target: Target<'_>,
        region_hint: Option<&str>,
        req: Request<Body>,
    ) -> Response<Body> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let extended = extended_request_id();
        let mut scope = ErrorScope::new(&request_id, &extended);
        let result = self
            .execute(
                &target,
                region_hint,
                req,
                &request_id,
                &extended,
                &mut scope,
            )
            .await;
        let mut res = match result {
            Ok(r) => r,
            // Through the deployment's gateway responses once the stage is known.
            Err(e) => scope.render(&e),
        };
        let h = res.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            h.insert("x-amzn-requestid", v);
        }
        if let Ok(v) = HeaderValue::from_str(&extended) {
            h.insert("x-amz-apigw-id", v);
        }
        res
    }

    async fn execute(
        &self,
        target: &Target<'_>,
        region_hint: Option<&str>,
        req: Request<Body>,
        request_id: &str,
        extended: &str,
        scope: &mut ErrorScope,
    ) -> Result<Response<Body>, GatewayError> {
        // Phase 1: which API and stage.
        let api = self.lookup(target.api_id, region_hint).ok_or_else(|| {
            GatewayError::new(
                ResponseType::ResourceNotFound,
                format!("No deployed API with id '{}'", target.api_id),
            )
        })?;
        let stage = api
            .stages
            .get(target.stage)
            .ok_or_else(|| GatewayError::new(ResponseType::InvalidApiKey, "Forbidden"))?;
        if stage
            .deployment
            .snapshot
            .rest_api
            .disable_execute_api_endpoint
        {
            return Err(GatewayError::new(ResponseType::InvalidApiKey, "Forbidden"));
        }
        scope.stage = Some(stage.clone());
        if scope.wants_details() {
            scope.capture(&api.scope.account, &api.api_id, target.path, &req);
        }
        // Phase 2: route and method.
        let deployment = &stage.deployment;
        let m = deployment
            .routes
            .match_path(target.path)
            .ok_or_else(GatewayError::missing_token)?;
        let resource = &deployment.snapshot.resources[m.resource];
        if scope.wants_details() {
            scope.resource = Some((resource.path.clone(), resource.id.clone()));
            scope.path_params.clone_from(&m.params);
        }
        let method = crate::routing::select_method(resource, req.method().as_str())
            .ok_or_else(GatewayError::missing_token)?;
        let inv = Invocation {
            scope: &api.scope,
            api_id: &api.api_id,
            request_id: request_id.to_string(),
            extended_request_id: extended.to_string(),
            stage,
            resource,
            method,
            path_params: m.params,
        };
        // Phase 3: the integration.
        let integration: &Integration = method
            .method_integration
            .as_ref()
            .ok_or_else(|| GatewayError::config("method has no integration"))?;
        match integration.integration_type.as_str() {
            "HTTP_PROXY" => integrations::http_proxy::invoke(self, &inv, integration, req).await,
            "MOCK" => {
                let info = request_info(target.path, req).await?;
                integrations::mock::invoke(&inv, integration, &info)
            }
            "HTTP" => {
                let info = request_info(target.path, req).await?;
                integrations::http::invoke(self, &inv, integration, &info).await
            }
            other => Err(GatewayError::new(
                ResponseType::Default5xx,
                format!("apigw-local does not serve {other} integrations yet"),
            )),
        }
    }
}

/// Buffer a request into the form templates read (bodies over 10 MB answer 413).
async fn request_info(path: &str, req: Request<Body>) -> Result<RequestInfo, GatewayError> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, integrations::http_proxy::MAX_BODY as usize)
        .await
        .map_err(|_| GatewayError::new(ResponseType::RequestTooLarge, "Request Too Long"))?;
    let source_ip = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".to_string());
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let host = parts
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let query = parts.uri.query().map(percent_pairs).unwrap_or_default();
    Ok(RequestInfo {
        method: parts.method.to_string(),
        path: path.to_string(),
        query,
        headers,
        source_ip,
        host,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// Decode a query string into ordered pairs (`+` is a space, as browsers send it).
pub(crate) fn percent_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// An id of the form AWS sends in `x-amz-apigw-id` (14 characters and `=`).
fn extended_request_id() -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let mut s: String = (0..14)
        .map(|_| A[rng.gen_range(0..A.len())] as char)
        .collect();
    s.push('=');
    s
}
