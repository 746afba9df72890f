//! The stage table and the request pipeline.
//!
//! The table maps API ids to their deployed stages. It is replaced atomically (RCU through
//! `arc-swap`) whenever the control plane changes a deployment or stage, so a request reads it
//! without any lock and sees either the old or the new table, never a mix.
//!
//! A request runs through named phases over one per-request context: route → method →
//! integration → response. Each phase fails with a [`GatewayError`], rendered once at the end.

// Fx hashing: these maps are looked up on every request with short keys (ids, names) the
// emulator's own user chose; SipHash's flooding resistance buys nothing here and cost ~300
// instructions a lookup.
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response};

use apigw_model::{Integration, Method, Resource, Scope, Stage};

use crate::addressing::Target;
use crate::deployment::access_log::{Entry, Record, Sink, StageAccessLog};
use crate::deployment::authorizers::Authorized;
use crate::deployment::methods::{Authorization, IntegrationKind};
use crate::deployment::{Canary, CompiledDeployment, DeployedApi, DeployedStage};
use crate::domains::Domains;
use crate::error::{GatewayError, ResponseType};
use crate::pipeline::authorize::authorize;
use crate::pipeline::context::RequestContext;
use crate::pipeline::integrations;
use crate::pipeline::integrations::backends::{Backends, LambdaConfig};
use crate::pipeline::invocation::Invocation;
use crate::pipeline::record;
use crate::pipeline::sigv4;
use crate::recent::Recent;
use crate::request::{buffer_request, read_body, request_head, request_info, Client};
use crate::throttle::{now_ns, Limit, Throttle};
use crate::usage::{KeyIdentity, Refusal, Usage};

/// The account-level throttle: AWS's default for the region, lifted, or set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AccountThrottle {
    /// 10,000 requests per second with a burst of 5,000 (2,500 / 1,250 in af-south-1 and
    /// eu-south-1), per account and region, as AWS's default quota.
    Aws,
    /// No account-level throttle (load tests through the emulator).
    Off,
    /// A chosen rate and burst.
    Set {
        /// Requests per second.
        rate: f64,
        /// Bucket size.
        burst: i64,
    },
}

impl AccountThrottle {
    /// The `(rate, burst)` applied in `region`, or `None` when lifted.
    pub fn for_region(self, region: &str) -> Option<(f64, i64)> {
        match self {
            Self::Aws if matches!(region, "af-south-1" | "eu-south-1") => Some((2500.0, 1250)),
            Self::Aws => Some((10_000.0, 5000)),
            Self::Off => None,
            Self::Set { rate, burst } => Some((rate, burst)),
        }
    }
}

type Table = HashMap<String, Vec<Arc<DeployedApi>>>;

/// The data plane: the stage table, the usage state, and the backends integrations call.
pub struct Gateway {
    apis: ArcSwap<Table>,
    /// What integrations call out through (HTTP client pools, Lambda endpoints).
    pub(crate) backends: Backends,
    /// API keys, usage plans, their buckets and counters.
    pub usage: Usage,
    account_throttle: AccountThrottle,
    access_logs: Option<Sink>,
    /// Custom domain names' base path mappings (live, republished on each change).
    pub domains: Domains,
    /// The last requests served, for the inspector page (sharded: no lock shared by workers).
    pub recent: Recent,
}

/// How the data plane is set up.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// The account-level throttle.
    pub account_throttle: AccountThrottle,
    /// Where AWS_PROXY integrations invoke Lambda functions.
    pub lambda: LambdaConfig,
    /// Where `AWS` integrations with other services (SQS, DynamoDB…) send their requests.
    pub aws: integrations::aws_service::AwsEndpoints,
    /// Where access log lines go (the server's log writer); `None` drops them.
    pub access_log_sink: Option<Sink>,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        Self {
            account_throttle: AccountThrottle::Aws,
            lambda: LambdaConfig::default(),
            aws: integrations::aws_service::AwsEndpoints::default(),
            access_log_sink: None,
        }
    }
}

impl Default for Gateway {
    fn default() -> Self {
        Self::new()
    }
}

impl Gateway {
    /// An empty data plane with AWS's account throttle and no Lambda endpoint.
    pub fn new() -> Self {
        Self::with_options(GatewayOptions::default())
    }

    /// An empty data plane set up as `options` say.
    pub fn with_options(options: GatewayOptions) -> Self {
        Self {
            apis: ArcSwap::from_pointee(HashMap::default()),
            backends: Backends::new(options.lambda, options.aws),
            usage: Usage::default(),
            account_throttle: options.account_throttle,
            access_logs: options.access_log_sink,
            domains: Domains::default(),
            recent: Recent::default(),
        }
    }

    /// Where Lambda functions are invoked.
    pub fn lambda(&self) -> &LambdaConfig {
        &self.backends.lambda
    }

    /// A stage ready to serve, with the method throttles its `methodSettings` set: a specific
    /// `{resourcePath}/{httpMethod}` entry, else `*/*`, each method with its own bucket.
    /// Buckets outlive republishing (a stage update does not refill them).
    ///
    /// `canary` is the compiled deployment `canarySettings.deploymentId` names: canary
    /// requests see it with the stage's variables overridden by `stageVariableOverrides`.
    pub fn deployed_stage(
        &self,
        scope: &Scope,
        api_id: &str,
        stage: Stage,
        deployment: Arc<CompiledDeployment>,
        canary: Option<Arc<CompiledDeployment>>,
    ) -> Arc<DeployedStage> {
        let canary = canary.and_then(|d| {
            let settings = stage.canary_settings.as_ref()?;
            let mut view = stage.clone();
            view.canary_settings = None;
            if let Some(overrides) = &settings.stage_variable_overrides {
                let vars = view.variables.get_or_insert_with(Default::default);
                vars.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            let mut canary_stage =
                Arc::into_inner(self.deployed_stage(scope, api_id, view, d, None))?;
            canary_stage.is_canary = true;
            Some(Canary::new(
                Arc::new(canary_stage),
                settings.percent_traffic.unwrap_or(0.0),
            ))
        });
        let mut throttles: HashMap<String, Vec<(String, Throttle)>> = HashMap::default();
        let settings = &stage.method_settings;
        if !settings.is_empty() {
            for r in &deployment.snapshot.resources {
                for m in r.resource_methods.iter().flat_map(|m| m.keys()) {
                    // AWS keys `/pets` as `~1pets`; the unescaped form is accepted too.
                    let escaped = format!("{}/{m}", r.path.replace('/', "~1"));
                    let plain = format!("{}/{m}", r.path.trim_start_matches('/'));
                    let Some(s) = settings
                        .get(&escaped)
                        .or_else(|| settings.get(&plain))
                        .or_else(|| settings.get("*/*"))
                    else {
                        continue;
                    };
                    if s.throttling_rate_limit < 0.0 || s.throttling_burst_limit < 0 {
                        continue;
                    }
                    let limit = Limit::new(s.throttling_rate_limit, s.throttling_burst_limit);
                    let bucket = self.usage.bucket(format!(
                        "stage|{}|{}|{api_id}|{}|{}|{m}",
                        scope.account, scope.region, stage.stage_name, r.id
                    ));
                    throttles
                        .entry(r.id.clone())
                        .or_default()
                        .push((m.clone(), Throttle { limit, bucket }));
                }
            }
        }
        let access_log = StageAccessLog::from_settings(stage.access_log_settings.as_ref());
        Arc::new(DeployedStage {
            stage,
            deployment,
            throttles,
            access_log,
            canary,
            is_canary: false,
            client_tls: None,
        })
    }

    /// Publish (or replace) everything deployed for one API; an API with no stages is removed.
    pub fn publish(&self, mut api: DeployedApi) {
        let key = api.api_id.to_ascii_lowercase();
        api.account = self
            .account_throttle
            .for_region(&api.scope.region)
            .map(|(rate, burst)| Throttle {
                limit: Limit::new(rate, burst),
                bucket: self.usage.bucket(format!(
                    "account|{}|{}",
                    api.scope.account, api.scope.region
                )),
            });
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

    /// Empty the authorizer caches of a deployed stage; `false` when it is not deployed. The
    /// caches belong to the stage's compiled deployment, so stages serving the same deployment
    /// are flushed together.
    pub fn flush_authorizers(&self, scope: &Scope, api_id: &str, stage: &str) -> bool {
        let Some(api) = self.lookup(api_id, Some(&scope.region)) else {
            return false;
        };
        let Some(s) = api.stages.get(stage) else {
            return false;
        };
        s.deployment.authorizers.flush();
        true
    }

    /// Drop every deployed stage, key and counter (the emulator's reset).
    pub fn clear(&self) {
        self.apis.store(Arc::new(HashMap::default()));
        self.usage.clear();
        self.domains.clear();
        self.recent.clear();
    }

    /// The deployed API for an id (case-insensitive), preferring the region the host names.
    pub fn lookup(&self, api_id: &str, region_hint: Option<&str>) -> Option<Arc<DeployedApi>> {
        let table = self.apis.load();
        // Ids are generated lower-case; only a custom id with capitals needs a copy.
        let list = if api_id.bytes().any(|b| b.is_ascii_uppercase()) {
            table.get(&api_id.to_ascii_lowercase())?
        } else {
            table.get(api_id)?
        };
        region_hint
            .and_then(|r| list.iter().find(|a| a.scope.region == r))
            .or_else(|| list.first())
            .cloned()
    }

    /// Serve one execute-api request. The answer's ids still have to become its
    /// `x-amzn-RequestId` / `x-amz-apigw-id` headers ([`Answer`]).
    pub async fn handle(
        &self,
        target: Target<'_>,
        region_hint: Option<&str>,
        req: Request<Body>,
        client: Option<&Client>,
    ) -> Answer {
        let started = std::time::Instant::now();
        let request_id = crate::ids::request_id();
        let extended = crate::ids::extended_request_id();
        // Kept for the request log; the request itself moves into the pipeline.
        let method = req.method().clone();
        let uri = req.uri().clone();
        // Looked up here, outside the context, which borrows from it.
        let api = self.lookup(target.api_id, region_hint);
        let mut ctx = RequestContext::new(&request_id, &extended, client);
        let result = self
            .execute(&target, api.as_deref(), req, &mut ctx, None)
            .await;
        let res = match result {
            Ok(r) => r,
            // Through the deployment's gateway responses once the stage is known.
            Err(e) => {
                let res = ctx.render(&e);
                ctx.error = Some(e);
                res
            }
        };
        self.log_access(&ctx, &res, started);
        let latency = started.elapsed();
        let served = record::Served {
            method: method.as_str(),
            path: uri.path(),
            status: res.status().as_u16(),
            latency,
            time_ms: arrival_ms(latency),
            arrived: started,
        };
        record::record(&self.recent, &ctx, &served);
        drop(ctx);
        Answer {
            response: res,
            request_id,
            extended_request_id: extended,
        }
    }

    /// Send the request's access log line, when its stage logs access.
    fn log_access(
        &self,
        ctx: &RequestContext<'_>,
        res: &Response<Body>,
        started: std::time::Instant,
    ) {
        let (Some(sink), Some(stage)) = (&self.access_logs, ctx.stage) else {
            return;
        };
        let Some(log) = &stage.access_log else {
            return;
        };
        let latency = started.elapsed();
        let time = chrono::Utc::now() - chrono::Duration::from_std(latency).unwrap_or_default();
        let length = http_body::Body::size_hint(res.body()).exact().or_else(|| {
            res.headers()
                .get(axum::http::header::CONTENT_LENGTH)
                .and_then(|v| crate::headers::content_length(v.as_bytes()))
        });
        let view = &ctx.view;
        let record = Record {
            request_id: ctx.request_id,
            extended_request_id: ctx.extended_request_id,
            time,
            http_method: &view.http_method,
            resource: ctx.resource.map(|r| (r.path.as_str(), r.id.as_str())),
            path: &view.path,
            stage: &stage.stage.stage_name,
            api_id: ctx.api.map(|a| a.api_id.as_str()).unwrap_or_default(),
            account_id: ctx
                .api
                .map(|a| a.scope.account.as_str())
                .unwrap_or_default(),
            deployment_id: &stage.deployment.id,
            domain_name: ctx.header("host"),
            protocol: view.protocol,
            source_ip: view.source_ip.as_deref(),
            user_agent: ctx.header("user-agent"),
            api_key: ctx
                .inv
                .as_ref()
                .and_then(|inv| inv.api_key.as_ref())
                .map(|k| (&*k.value, &*k.id)),
            signer: ctx
                .inv
                .as_ref()
                .and_then(|inv| inv.signer.as_ref())
                .map(|s| {
                    let account = ctx.api.map(|a| a.scope.account.as_str());
                    (&*s.access_key, account.unwrap_or_default())
                }),
            principal_id: ctx.principal_id(),
            status: res.status().as_u16(),
            response_length: length,
            response_latency: latency,
            integration_latency: ctx.integration_latency,
            integration_status: ctx.integration_status,
            error: ctx
                .error
                .as_ref()
                .map(|e| (e.message.as_str(), e.kind.as_str())),
        };
        let _ = sink.send(Entry {
            destination: log.destination.clone(),
            timestamp: time.timestamp_millis(),
            line: log.format.render(&record),
        });
    }

    /// The phases, each recording in `ctx` what it learned. `pinned` (TestInvokeMethod) names
    /// the resource to run whatever the path, and skips the authorizer, API key and throttles,
    /// which AWS's test invocations bypass.
    pub(crate) async fn execute<'a>(
        &self,
        target: &Target<'_>,
        api: Option<&'a DeployedApi>,
        req: Request<Body>,
        ctx: &mut RequestContext<'a>,
        pinned: Option<&str>,
    ) -> Result<Response<Body>, GatewayError> {
        // Phase 1: which API and stage.
        let api = api.ok_or_else(|| {
            if target.custom_domain {
                // A domain name none of whose mappings matches the path.
                return GatewayError::new(ResponseType::InvalidApiKey, "Forbidden");
            }
            GatewayError::new(
                ResponseType::ResourceNotFound,
                format!("No deployed API with id '{}'", target.api_id),
            )
        })?;
        ctx.api = Some(api);
        let stage: &'a DeployedStage = api
            .stages
            .get(target.stage)
            .ok_or_else(|| GatewayError::new(ResponseType::InvalidApiKey, "Forbidden"))?;
        // A canary release takes its share of the stage's requests.
        let stage = match &stage.canary {
            Some(c) if c.pick() => &*c.stage,
            _ => stage,
        };
        // Disabling the default endpoint leaves custom domain names serving (AWS's guide:
        // "Disable the default endpoint for REST APIs").
        if !target.custom_domain
            && stage
                .deployment
                .snapshot
                .rest_api
                .disable_execute_api_endpoint
        {
            return Err(GatewayError::new(ResponseType::InvalidApiKey, "Forbidden"));
        }
        ctx.stage = Some(stage);
        if ctx.wants_details() {
            ctx.capture(target.path, &req);
        }
        // Phase 2: route and method.
        let deployment = &stage.deployment;
        let (index, params) = match pinned {
            None => {
                let verb = req.method().as_str();
                let m = deployment
                    .routes
                    .match_request(target.path, |i| {
                        deployment.methods.select(i, verb).is_some()
                    })
                    .ok_or_else(|| sigv4::unroutable(req.headers()))?;
                (m.resource, m.params)
            }
            Some(id) => pinned_route(deployment, id, target.path)?,
        };
        let resource = &deployment.snapshot.resources[index];
        ctx.resource = Some(resource);
        ctx.route_params = params;
        let compiled = deployment
            .methods
            .select(index, req.method().as_str())
            .ok_or_else(GatewayError::missing_token)?;
        let method = &compiled.method;
        let inv = ctx.inv.insert(Invocation {
            scope: &api.scope,
            api_id: &api.api_id,
            request_id: ctx.request_id,
            extended_request_id: ctx.extended_request_id,
            stage,
            resource,
            method,
            path_params: std::mem::take(&mut ctx.route_params),
            api_key: None,
            authorizer: None,
            signer: None,
            client: ctx.client,
        });
        // Phase 3: the authorizer, or the signature of an AWS_IAM method.
        match compiled.authorization {
            _ if pinned.is_some() => {}
            Authorization::Open => {}
            Authorization::Iam => {
                let (headers, query) = (req.headers(), req.uri().query());
                // Boxed: the request future stays small for the methods with no signer.
                inv.signer = Some(Box::new(sigv4::check(
                    headers,
                    query,
                    &api.scope,
                    chrono::Utc::now(),
                )?));
            }
            Authorization::Authorizer => {
                let authorizer = method
                    .authorizer_id
                    .as_deref()
                    .and_then(|id| deployment.authorizers.get(id))
                    .ok_or_else(|| {
                        GatewayError::config("the method's authorizer is not deployed")
                    })?;
                let head = request_head(target.path, &req, inv.client, Vec::new());
                // Boxed, as the other rarer arms below: the request future stays small for the
                // common MOCK and HTTP_PROXY paths (it is moved a few times per request).
                inv.authorizer =
                    Some(Box::pin(authorize(authorizer, &self.backends, inv, &head)).await?);
            }
        }
        // Phase 4: API key and usage plan, stage and account throttles, quota.
        if pinned.is_none() {
            inv.api_key =
                self.admit(api, stage, resource, method, &req, inv.authorizer.as_ref())?;
        }
        // Phase 4b: the method's request validator.
        let req = deployment
            .validators
            .check(method, &inv.path_params, req)
            .await?;
        // Phase 5: the integration.
        let (Some(integration), Some(kind)) = (&method.method_integration, compiled.integration)
        else {
            return Err(GatewayError::config("method has no integration"));
        };
        if let Some(name) = &compiled.refused_header {
            return Err(GatewayError::config(&format!(
                "the integration maps the header {name}, which API Gateway does not send"
            )));
        }
        let integration_started = std::time::Instant::now();
        let answer = self.integrate(target, inv, integration, kind, req).await;
        // Always: the request log shows them.
        ctx.integration_latency = Some(integration_started.elapsed());
        ctx.integration_status = answer.as_ref().ok().map(|r| r.status().as_u16());
        answer
    }

    /// Phase 5: the integration.
    async fn integrate(
        &self,
        target: &Target<'_>,
        inv: &Invocation<'_>,
        integration: &Integration,
        kind: IntegrationKind,
        req: Request<Body>,
    ) -> Result<Response<Body>, GatewayError> {
        match kind {
            IntegrationKind::HttpProxy => {
                integrations::http_proxy::invoke(&self.backends, inv, integration, req, target.path)
                    .await
            }
            IntegrationKind::Mock => {
                let (parts, body) = req.into_parts();
                let bytes = read_body(body).await?;
                let head = Request::from_parts(parts, ());
                integrations::mock::invoke(inv, integration, &head, &bytes, target.path)
            }
            IntegrationKind::Http | IntegrationKind::AwsLambda | IntegrationKind::AwsService => {
                let info = request_info(target.path, req, inv.client).await?;
                let backends = &self.backends;
                match kind {
                    IntegrationKind::Http => {
                        Box::pin(integrations::http::invoke(
                            backends,
                            inv,
                            integration,
                            &info,
                        ))
                        .await
                    }
                    IntegrationKind::AwsService => {
                        Box::pin(integrations::aws_service::invoke(
                            backends,
                            inv,
                            integration,
                            &info,
                        ))
                        .await
                    }
                    _ => {
                        Box::pin(integrations::lambda_custom::invoke(
                            backends,
                            inv,
                            integration,
                            &info,
                        ))
                        .await
                    }
                }
            }
            IntegrationKind::AwsProxy => {
                let (info, body) = buffer_request(target.path, req, inv.client).await?;
                Box::pin(integrations::lambda::invoke(
                    &self.backends,
                    inv,
                    integration,
                    &info,
                    &body,
                ))
                .await
            }
            IntegrationKind::Unsupported => Err(GatewayError::new(
                ResponseType::Default5xx,
                format!(
                    "apigw-local does not serve {} integrations yet",
                    integration.integration_type
                ),
            )),
        }
    }
}

impl Gateway {
    /// Throttles and keys, in AWS's order: the usage plan's (when the method requires a key),
    /// the stage's method throttle, the account's; then the key's quota.
    fn admit(
        &self,
        api: &DeployedApi,
        stage: &DeployedStage,
        resource: &Resource,
        method: &Method,
        req: &Request<Body>,
        authorized: Option<&Authorized>,
    ) -> Result<Option<KeyIdentity>, GatewayError> {
        let later = |now: u64| {
            stage
                .throttle(&resource.id, &method.http_method)
                .is_none_or(|t| t.admit(now))
                && api.account.as_ref().is_none_or(|t| t.admit(now))
        };
        if !method.api_key_required {
            return if later(now_ns()) {
                Ok(None)
            } else {
                Err(throttled())
            };
        }
        // With `apiKeySource: AUTHORIZER` the key is the authorizer's `usageIdentifierKey`.
        let key = if stage.deployment.key_from_authorizer {
            authorized.and_then(|a| a.policy.usage_identifier_key.as_deref())
        } else {
            req.headers()
                .get(crate::headers::X_API_KEY)
                .and_then(|v| v.to_str().ok())
        };
        self.usage
            .admit(
                &api.scope,
                &api.api_id,
                &stage.stage.stage_name,
                &resource.path,
                &method.http_method,
                key,
                later,
            )
            .map(Some)
            .map_err(|r| match r {
                Refusal::InvalidKey => GatewayError::new(ResponseType::InvalidApiKey, "Forbidden"),
                Refusal::Throttled => throttled(),
                Refusal::QuotaExceeded => {
                    GatewayError::new(ResponseType::QuotaExceeded, "Limit Exceeded")
                }
            })
    }
}

/// The resource a test invocation names, with the path parameters `path` gives it when it
/// matches the resource's template (none otherwise, as AWS's test invocations answer).
fn pinned_route(
    deployment: &CompiledDeployment,
    resource_id: &str,
    path: &str,
) -> Result<(usize, Vec<(String, String)>), GatewayError> {
    let index = deployment
        .snapshot
        .resources
        .iter()
        .position(|r| r.id == resource_id)
        .ok_or_else(GatewayError::missing_token)?;
    let params = deployment
        .routes
        .match_path(path)
        .filter(|m| m.resource == index)
        .map(|m| m.params)
        .unwrap_or_default();
    Ok((index, params))
}

/// When a request that took `latency` arrived, in milliseconds since the Unix epoch.
fn arrival_ms(latency: std::time::Duration) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.saturating_sub(latency).as_millis() as i64
}

fn throttled() -> GatewayError {
    GatewayError::new(ResponseType::Throttled, "Too Many Requests")
}

/// An execute-api answer and the request's ids, which go out as its `x-amzn-RequestId` and
/// `x-amz-apigw-id` headers, replacing any headers of those names.
///
/// They are kept beside the response rather than in its header map: the server's HTTP/1.1
/// writer copies them out as they are (they are generated: letters, digits, `-` and `=`). Two
/// `HeaderValue` checks and two inserts into the map cost ~650 of a MOCK request's ~13k
/// instructions. Writers that take a plain `Response` use [`Answer::into_response`].
#[derive(Debug)]
pub struct Answer {
    /// The answer, without the id headers.
    pub response: Response<Body>,
    /// `$context.requestId`, a UUID.
    pub request_id: String,
    /// `$context.extendedRequestId`.
    pub extended_request_id: String,
}

impl Answer {
    /// The response with the id headers in its map.
    pub fn into_response(self) -> Response<Body> {
        let mut res = self.response;
        let h = res.headers_mut();
        // The ids' own buffers become the values (capacity = length: `Bytes::from` copies
        // nothing).
        if let Ok(v) = HeaderValue::from_maybe_shared(bytes::Bytes::from(self.request_id)) {
            h.insert(crate::headers::X_AMZN_REQUEST_ID, v);
        }
        if let Ok(v) = HeaderValue::from_maybe_shared(bytes::Bytes::from(self.extended_request_id))
        {
            h.insert(crate::headers::X_AMZ_APIGW_ID, v);
        }
        res
    }
}
