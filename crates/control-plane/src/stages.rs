//! Stages: CreateStage, GetStage, GetStages, UpdateStage, DeleteStage
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Stage.html)).
//!
//! A stage is a named pointer to a deployment plus its settings: stage variables, access log
//! settings, per-method settings (throttling, logging, caching) and an optional canary that
//! sends a share of traffic to another deployment. UpdateStage's patch paths and messages follow
//! AWS's recorded answers (test_apigateway_common / _api / _canary snapshots).

use std::collections::HashSet;

use apigw_store::SqliteConnection;
use axum::extract::Path;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use apigw_model::{
    AccessLogSettings, ApiError, CanarySettings, Deployment, MethodSetting, Scope, Stage, StringMap,
};
use apigw_store::typed;

use crate::error::Result;
use crate::extract::{AwsJson, Call};
use crate::family::{self, Family};
use crate::lookup;
use crate::paging::Page;
use crate::patch::{self, Op, PatchInput, PatchOp};
use crate::validate::{self, Failures};
use crate::{now_epoch, reply, AppState};

/// `CacheClusterSize` of botocore's model.
pub const CACHE_CLUSTER_SIZES: &[&str] =
    &["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"];

/// The list AWS appends to "Invalid method setting path: …" — copied verbatim from the
/// recordings (test_apigateway_common.snapshot.json, error-update-tags), including AWS's
/// missing commas after the throttling entries.
pub const STAGE_PATHS: &str = "[/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, /{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, /{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]";

const ACCESS_LOG_PATHS: &str =
    "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]";
const LOGGING_LEVELS: &[&str] = &["OFF", "ERROR", "INFO"];
const CACHE_CONTROL_STRATEGIES: &[&str] = &[
    "FAIL_WITH_403",
    "SUCCEED_WITH_RESPONSE_HEADER",
    "SUCCEED_WITHOUT_RESPONSE_HEADER",
];

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/restapis/{restapi_id}/stages",
            get(family::list_in_api::<Stage, StagesQuery>).post(create_stage),
        )
        .route(
            "/restapis/{restapi_id}/stages/{stage_name}",
            get(get_stage).patch(update_stage).delete(delete_stage),
        )
}

impl Family for Stage {
    /// AWS's 404 for an unknown stage of a known API.
    fn not_found(_: &str) -> crate::error::Error {
        ApiError::not_found("Invalid Stage identifier specified").into()
    }
}

fn deployment_missing() -> crate::error::Error {
    // Recorded for canary deployments (test_apigateway_canary.snapshot.json); CreateStage with
    // an unknown deploymentId answers the same (seen through Terraform).
    ApiError::bad_request("Deployment id does not exist").into()
}

/// A stage as AWS creates it: no settings, cache off, `methodSettings: {}`.
pub fn new_stage(name: &str, deployment_id: &str, now: i64) -> Stage {
    Stage {
        deployment_id: deployment_id.to_string(),
        stage_name: name.to_string(),
        cache_cluster_status: "NOT_AVAILABLE".into(),
        created_date: now,
        last_updated_date: now,
        ..Default::default()
    }
}

/// Turn the (recorded-only) cache cluster on or off; AWS reports `AVAILABLE` once a cache
/// exists and defaults its size to 0.5 GB.
pub fn set_cache_cluster(stage: &mut Stage, enabled: bool) {
    stage.cache_cluster_enabled = enabled;
    stage.cache_cluster_status = if enabled {
        "AVAILABLE"
    } else {
        "NOT_AVAILABLE"
    }
    .into();
    if enabled && stage.cache_cluster_size.is_none() {
        stage.cache_cluster_size = Some("0.5".into());
    }
}

/// Stage names: letters, digits, `-` and `_`, at most 128 characters (AWS CreateStage docs).
///
/// # Errors
/// `BadRequestException`.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request("Stage name only allows a-zA-Z0-9_-").into())
    }
}

/// What AWS refuses in a stage however it came to be (CreateStage, UpdateStage,
/// CreateDeployment): stage variables and canary overrides outside AWS's character sets, a
/// canary share outside 0–100, negative method throttles. Run before the stage is saved, so
/// a refused call changes nothing.
///
/// # Errors
/// `BadRequestException`.
pub fn check(stage: &Stage) -> Result<()> {
    if let Some(vars) = &stage.variables {
        validate::stage_variables(vars)?;
    }
    if let Some(canary) = &stage.canary_settings {
        if let Some(p) = canary.percent_traffic {
            validate::percent_traffic(p)?;
        }
        if let Some(vars) = &canary.stage_variable_overrides {
            validate::stage_variables(vars)?;
        }
    }
    for m in stage.method_settings.values() {
        validate::not_negative(m.throttling_burst_limit as f64, "throttling burst limit")?;
        validate::not_negative(m.throttling_rate_limit, "throttling rate limit")?;
    }
    Ok(())
}

/// Store a new stage. Stage writes go through here, [`save_stage`] and [`remove_stage`] only,
/// so the data plane's change notification hooks in at these three places.
///
/// # Errors
/// `ConflictException` "Stage already exists"; store failure.
pub async fn insert_stage(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    stage: &Stage,
) -> Result<()> {
    let exists = "Stage already exists";
    family::insert_new(c, scope, api_id, &stage.stage_name, stage, exists).await
}

/// Replace a stage that exists.
///
/// # Errors
/// Store failure.
pub async fn save_stage(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    stage: &Stage,
) -> Result<()> {
    typed::update(c, scope, api_id, &stage.stage_name, stage).await?;
    Ok(())
}

/// Delete a stage; returns whether it existed.
///
/// # Errors
/// Store failure.
pub async fn remove_stage(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    name: &str,
) -> Result<bool> {
    Ok(typed::delete::<Stage>(c, scope, api_id, name).await?)
}

/// A stage's canary as CreateStage and CreateDeployment set it: 0 % of the traffic and no
/// stage cache unless given (test_apigateway_canary.snapshot.json,
/// test_create_canary_deployment); empty overrides are omitted.
pub fn new_canary(
    deployment_id: String,
    percent_traffic: Option<f64>,
    stage_variable_overrides: Option<StringMap>,
    use_stage_cache: Option<bool>,
) -> CanarySettings {
    CanarySettings {
        percent_traffic: Some(percent_traffic.unwrap_or(0.0)),
        deployment_id: Some(deployment_id),
        stage_variable_overrides: stage_variable_overrides.filter(|m| !m.is_empty()),
        use_stage_cache: Some(use_stage_cache.unwrap_or(false)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateStageInput {
    stage_name: Option<String>,
    deployment_id: Option<String>,
    description: Option<String>,
    cache_cluster_enabled: Option<bool>,
    cache_cluster_size: Option<String>,
    variables: Option<StringMap>,
    documentation_version: Option<String>,
    canary_settings: Option<CanarySettings>,
    tracing_enabled: Option<bool>,
    tags: Option<StringMap>,
}

async fn create_stage(
    Call { st, scope }: Call,
    Path(api_id): Path<String>,
    AwsJson(input): AwsJson<CreateStageInput>,
) -> Result<Response> {
    let mut tx = st.write_in_api(&scope, &api_id).await?;
    let mut failures = Failures::default();
    if input.stage_name.is_none() {
        failures.push(
            "null",
            "createStageInput.stageName",
            "Member must not be null",
        );
    }
    if input.deployment_id.is_none() {
        failures.push(
            "null",
            "createStageInput.deploymentId",
            "Member must not be null",
        );
    }
    failures.check_enum(
        input.cache_cluster_size.as_deref(),
        "createStageInput.cacheClusterSize",
        CACHE_CLUSTER_SIZES,
    );
    failures.finish()?;
    let name = input.stage_name.unwrap_or_default();
    let deployment_id = input.deployment_id.unwrap_or_default();
    validate_name(&name)?;
    if typed::exists::<Stage>(&mut tx, &scope, &api_id, &name).await? {
        return Err(ApiError::conflict("Stage already exists").into());
    }
    if !lookup::deployment_exists(&mut tx, &scope, &api_id, &deployment_id).await? {
        return Err(deployment_missing());
    }
    let now = now_epoch();
    let mut stage = new_stage(&name, &deployment_id, now);
    stage.description = input.description.filter(|d| !d.is_empty());
    set_cache_cluster(&mut stage, input.cache_cluster_enabled.unwrap_or(false));
    if input.cache_cluster_size.is_some() {
        stage.cache_cluster_size = input.cache_cluster_size;
    }
    stage.variables = input.variables.filter(|v| !v.is_empty());
    stage.documentation_version = input.documentation_version.filter(|d| !d.is_empty());
    stage.tracing_enabled = input.tracing_enabled.unwrap_or(false);
    stage.tags = input.tags.filter(|t| !t.is_empty());
    if let Some(canary) = input.canary_settings {
        // The canary defaults to the stage's own deployment, 0 %, no stage cache
        // (test_apigateway_canary.snapshot.json, test_create_canary_deployment).
        let canary_deployment = canary
            .deployment_id
            .clone()
            .unwrap_or_else(|| deployment_id.clone());
        if !lookup::deployment_exists(&mut tx, &scope, &api_id, &canary_deployment).await? {
            return Err(deployment_missing());
        }
        stage.canary_settings = Some(new_canary(
            canary_deployment,
            canary.percent_traffic,
            canary.stage_variable_overrides,
            canary.use_stage_cache,
        ));
    }
    check(&stage)?;
    insert_stage(&mut tx, &scope, &api_id, &stage).await?;
    st.commit_api_change(tx, &scope, &api_id).await?;
    reply::created(&stage)
}

async fn get_stage(
    Call { st, scope }: Call,
    Path((api_id, name)): Path<(String, String)>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    reply::ok(&family::load_in_api::<Stage>(&mut c, &scope, &api_id, &name).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StagesQuery {
    deployment_id: Option<String>,
}

/// GetStages keeps the stages of `deploymentId` when given.
impl family::Shown<StagesQuery> for Stage {
    fn shown(mut item: Vec<Self>, q: &StagesQuery) -> Result<Response> {
        if let Some(d) = q.deployment_id.as_deref().filter(|d| !d.is_empty()) {
            item.retain(|s| s.deployment_id == d);
        }
        // botocore's `Stages`: a bare `item` list, never paged.
        reply::ok(&Page::whole(item))
    }
}

async fn update_stage(
    Call { st, scope }: Call,
    Path((api_id, name)): Path<(String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateStageInput")?;
    let mut tx = st.store.write().await?;
    let mut stage: Stage = family::load_in_api(&mut tx, &scope, &api_id, &name).await?;
    let known: HashSet<String> = typed::list::<Deployment>(&mut tx, &scope, &api_id)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let cert_before = stage.client_certificate_id.clone();
    apply_patch(&mut stage, &ops, &known)?;
    // A stage names a certificate that exists (CreateStage has no such member in botocore's
    // model; only UpdateStage sets it). AWS's answer to an unknown id is not recorded: this is
    // the certificate's own 404.
    if let Some(cert) = stage.client_certificate_id.as_deref() {
        if stage.client_certificate_id != cert_before
            && !lookup::client_certificate_exists(&mut tx, &scope, cert).await?
        {
            return Err(crate::error::client_certificate_not_found());
        }
    }
    if ops.iter().any(enables_logging) {
        let account: Option<apigw_model::Account> =
            typed::get::<apigw_model::Account>(&mut tx, &scope, "", "").await?;
        if account.and_then(|a| a.cloudwatch_role_arn).is_none() {
            return Err(ApiError::bad_request(
                "CloudWatch Logs role ARN must be set in account settings to enable logging",
            )
            .into());
        }
    }
    check(&stage)?;
    stage.last_updated_date = now_epoch();
    save_stage(&mut tx, &scope, &api_id, &stage).await?;
    st.commit_api_change(tx, &scope, &api_id).await?;
    reply::ok(&stage)
}

async fn delete_stage(
    Call { st, scope }: Call,
    Path((api_id, name)): Path<(String, String)>,
) -> Result<Response> {
    let mut tx = st.store.write().await?;
    if !remove_stage(&mut tx, &scope, &api_id, &name).await? {
        lookup::rest_api(&mut tx, &scope, &api_id).await?;
        return Err(Stage::not_found(&name));
    }
    st.commit_api_change(tx, &scope, &api_id).await?;
    reply::accepted()
}

/// Whether an operation turns logging on: access logs, or execution logs (a log level other
/// than `OFF`, or data tracing). AWS refuses those until the account names a CloudWatch role.
fn enables_logging(op: &PatchOp) -> bool {
    if !matches!(op.op, Op::Add | Op::Replace) {
        return false;
    }
    let value = op.value.as_deref().unwrap_or_default();
    op.path.starts_with("/accessLogSettings")
        || (op.path.ends_with("/logging/loglevel") && !value.eq_ignore_ascii_case("OFF"))
        || (op.path.ends_with("/logging/dataTrace") && value.eq_ignore_ascii_case("true"))
}

/// Which member of a [`MethodSetting`] a patch path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setting {
    Metrics,
    DataTrace,
    LogLevel,
    BurstLimit,
    RateLimit,
    TtlInSeconds,
    Caching,
    DataEncrypted,
    RequireAuthorization,
    UnauthorizedStrategy,
}

const SETTING_SUFFIXES: &[(&str, Setting)] = &[
    ("/metrics/enabled", Setting::Metrics),
    ("/logging/dataTrace", Setting::DataTrace),
    ("/logging/loglevel", Setting::LogLevel),
    ("/throttling/burstLimit", Setting::BurstLimit),
    ("/throttling/rateLimit", Setting::RateLimit),
    ("/caching/ttlInSeconds", Setting::TtlInSeconds),
    ("/caching/enabled", Setting::Caching),
    ("/caching/dataEncrypted", Setting::DataEncrypted),
    (
        "/caching/requireAuthorizationForCacheControl",
        Setting::RequireAuthorization,
    ),
    (
        "/caching/unauthorizedCacheControlHeaderStrategy",
        Setting::UnauthorizedStrategy,
    ),
];

/// Split `/{resourcePath}/{httpMethod}/{group}/{name}` into the `methodSettings` key and the
/// setting. The key is the raw path between the first `/` and the setting, *not* unescaped:
/// AWS keys `/~1pets/GET/...` as `~1pets/GET`, `/*/*/...` as `*/*` and `/test/GET/...` as
/// `test/GET` (recorded in test_create_update_stages; the escaped form is what AWS lists).
fn method_setting_path(path: &str) -> Option<(String, Setting)> {
    let (suffix, setting) = SETTING_SUFFIXES
        .iter()
        .find(|(suffix, _)| path.ends_with(suffix))?;
    let key = path[..path.len() - suffix.len()].strip_prefix('/')?;
    let (resource, method) = key.rsplit_once('/')?;
    (!resource.is_empty() && !method.is_empty()).then(|| (key.to_string(), *setting))
}

fn invalid_setting_path(op: &PatchOp) -> crate::error::Error {
    ApiError::bad_request(format!(
        "Invalid method setting path: {}. Must be one of: {STAGE_PATHS}",
        op.path
    ))
    .into()
}

fn cannot_remove(op: &PatchOp) -> crate::error::Error {
    let what = op.path.strip_prefix('/').unwrap_or(&op.path);
    ApiError::bad_request(format!(
        "Cannot {} method setting {what} because there is no method setting for this method ",
        op.op.as_str()
    ))
    .into()
}

fn one_of(op: &PatchOp, allowed: &[&str], what: &str) -> Result<String> {
    let v = op.value()?;
    if allowed.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid {what} specified. Valid options are {}",
            allowed.join(",")
        ))
        .into())
    }
}

fn apply_setting(m: &mut MethodSetting, setting: Setting, op: &PatchOp) -> Result<()> {
    match setting {
        Setting::Metrics => m.metrics_enabled = op.bool_value()?,
        Setting::DataTrace => m.data_trace_enabled = op.bool_value()?,
        Setting::LogLevel => m.logging_level = Some(one_of(op, LOGGING_LEVELS, "logging level")?),
        Setting::BurstLimit => m.throttling_burst_limit = op.int_value()?,
        Setting::RateLimit => m.throttling_rate_limit = op.float_value()?,
        Setting::TtlInSeconds => {
            let ttl = op.int_value()?;
            if !(0..=3600).contains(&ttl) {
                return Err(
                    ApiError::bad_request("Cache ttl must be between 0 and 3600 seconds").into(),
                );
            }
            m.cache_ttl_in_seconds = ttl;
        }
        Setting::Caching => m.caching_enabled = op.bool_value()?,
        Setting::DataEncrypted => m.cache_data_encrypted = op.bool_value()?,
        Setting::RequireAuthorization => {
            m.require_authorization_for_cache_control = op.bool_value()?
        }
        Setting::UnauthorizedStrategy => {
            m.unauthorized_cache_control_header_strategy = one_of(
                op,
                CACHE_CONTROL_STRATEGIES,
                "unauthorized cache control header strategy",
            )?
        }
    }
    Ok(())
}

/// The canary a `/canarySettings/*` replace works on: created on first use with AWS's defaults
/// (the stage's deployment, 0 %, no stage cache — test_create_canary_deployment_by_stage_update).
fn canary_of(stage: &mut Stage) -> &mut CanarySettings {
    let deployment_id = stage.deployment_id.clone();
    stage.canary_settings.get_or_insert(CanarySettings {
        percent_traffic: Some(0.0),
        deployment_id: Some(deployment_id),
        stage_variable_overrides: None,
        use_stage_cache: Some(false),
    })
}

fn set_access_log(stage: &mut Stage, op: &PatchOp, field: &str) -> Result<()> {
    let v = op.value.as_deref().unwrap_or_default();
    if v.is_empty() {
        return Err(ApiError::bad_request("Access Log value must not be empty").into());
    }
    let settings = stage
        .access_log_settings
        .get_or_insert_with(AccessLogSettings::default);
    if field == "destinationArn" {
        settings.destination_arn = Some(v.to_string());
    } else {
        settings.format = Some(v.to_string());
    }
    Ok(())
}

fn copy_op(stage: &mut Stage, op: &PatchOp) -> Result<()> {
    const PATHS: &[&str] = &["/deploymentId", "/variables"];
    const FROMS: &[&str] = &[
        "/canarySettings/deploymentId",
        "/canarySettings/stageVariableOverrides",
    ];
    let from = op.from.as_deref().unwrap_or_default();
    if !PATHS.contains(&op.path.as_str()) || !FROMS.contains(&from) {
        // test_update_stage_with_copy_ops, copy-with-bad-statement
        return Err(ApiError::bad_request(format!(
            "Invalid copy operation with path: {} and from {from}. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]",
            op.path
        ))
        .into());
    }
    let Some(canary) = stage.canary_settings.clone() else {
        return Err(
            ApiError::bad_request("Promotion not available. Canary does not exist.").into(),
        );
    };
    // Promotion: the canary's deployment becomes the stage's, its overrides join the variables.
    if op.path == "/deploymentId" {
        if let Some(d) = canary.deployment_id {
            stage.deployment_id = d;
        }
    } else if let Some(overrides) = canary.stage_variable_overrides {
        stage
            .variables
            .get_or_insert_with(Default::default)
            .extend(overrides);
    }
    Ok(())
}

/// Apply UpdateStage's patch operations in order; `deployments` are the API's deployment ids.
/// Pure, so it is tested without a server; on error the caller discards the stage.
///
/// # Errors
/// AWS's `BadRequestException` for a path, op or value it refuses.
pub fn apply_patch(
    stage: &mut Stage,
    ops: &[PatchOp],
    deployments: &HashSet<String>,
) -> Result<()> {
    patch::each(ops, |op, segs| {
        let set = matches!(op.op, Op::Add | Op::Replace);
        match (op.op, segs) {
            (Op::Copy, _) => copy_op(stage, op)?,
            (_, ["accessLogSettings"]) if op.op == Op::Remove => stage.access_log_settings = None,
            (_, ["accessLogSettings", field @ ("destinationArn" | "format")]) if set => {
                set_access_log(stage, op, field)?
            }
            (_, ["accessLogSettings", ..]) if set => {
                return Err(ApiError::bad_request(ACCESS_LOG_PATHS).into())
            }
            (_, ["canarySettings"]) if op.op == Op::Remove => stage.canary_settings = None,
            (Op::Replace, ["canarySettings", "percentTraffic"]) => {
                canary_of(stage).percent_traffic = Some(op.float_value()?)
            }
            (Op::Replace, ["canarySettings", "useStageCache"]) => {
                canary_of(stage).use_stage_cache = Some(op.bool_value()?)
            }
            (Op::Replace, ["canarySettings", "deploymentId"]) => {
                let d = op.value()?;
                if !deployments.contains(d) {
                    return Err(deployment_missing());
                }
                canary_of(stage).deployment_id = Some(d.to_string());
            }
            (Op::Replace, ["canarySettings", "stageVariableOverrides", name]) => {
                let v = op.value()?.to_string();
                canary_of(stage)
                    .stage_variable_overrides
                    .get_or_insert_with(Default::default)
                    .insert((*name).to_string(), v);
            }
            (Op::Remove, ["canarySettings", "stageVariableOverrides", name]) => {
                if let Some(o) = stage
                    .canary_settings
                    .as_mut()
                    .and_then(|c| c.stage_variable_overrides.as_mut())
                {
                    o.remove(*name);
                }
            }
            (
                _,
                ["canarySettings", "percentTraffic" | "useStageCache" | "deploymentId"]
                | ["canarySettings", "stageVariableOverrides", _],
            ) => {
                // test_update_stage_canary_deployment_validation, update-stage-add-deployment:
                // the canary's members take `replace` only.
                return Err(ApiError::bad_request(format!(
                    "Invalid {} operation with path: {}",
                    op.op.as_str(),
                    op.path
                ))
                .into());
            }
            (Op::Replace, ["canarySettings", ..]) => return Err(invalid_setting_path(op)),
            (_, ["canarySettings", ..]) if op.op != Op::Remove && op.op != Op::Replace => {
                return Err(cannot_remove(op))
            }
            (_, ["variables", name]) if set => {
                let v = op.value()?.to_string();
                stage
                    .variables
                    .get_or_insert_with(Default::default)
                    .insert((*name).to_string(), v);
            }
            (Op::Remove, ["variables", name]) => {
                if let Some(vars) = &mut stage.variables {
                    vars.remove(*name);
                }
            }
            (_, ["deploymentId"]) if set => {
                let d = op.value()?;
                if !deployments.contains(d) {
                    return Err(deployment_missing());
                }
                stage.deployment_id = d.to_string();
            }
            (_, ["description"]) if set => stage.description = op.value_or_clear(),
            (_, ["cacheClusterEnabled"]) if set => set_cache_cluster(stage, op.bool_value()?),
            (_, ["cacheClusterSize"]) if set => {
                stage.cache_cluster_size =
                    Some(one_of(op, CACHE_CLUSTER_SIZES, "cache cluster size")?)
            }
            (_, ["clientCertificateId"]) if set => {
                stage.client_certificate_id = op.value_or_clear()
            }
            (_, ["documentationVersion"]) if set => {
                stage.documentation_version = op.value_or_clear()
            }
            (_, ["tracingEnabled"]) if set => stage.tracing_enabled = op.bool_value()?,
            (Op::Remove, _) => {
                // `remove /{resourcePath}/{httpMethod}` drops one method setting; anything
                // else is "no such method setting" (recorded for */*, accessLogSettings/x,
                // canarySettings/x).
                let key = op.path.strip_prefix('/').unwrap_or(&op.path);
                if stage.method_settings.remove(key).is_none() {
                    return Err(cannot_remove(op));
                }
            }
            _ if set => {
                let Some((key, setting)) = method_setting_path(&op.path) else {
                    return Err(invalid_setting_path(op));
                };
                // A new method setting starts from `*/*` when that exists — later `*/*`
                // changes do not reach it (test_create_update_stages, update-stage-override).
                let base = stage
                    .method_settings
                    .get("*/*")
                    .cloned()
                    .unwrap_or_default();
                let m = stage.method_settings.entry(key).or_insert(base);
                apply_setting(m, setting, op)?;
            }
            _ => return Err(invalid_setting_path(op)),
        }
        Ok(())
    })?;
    if stage.variables.as_ref().is_some_and(|v| v.is_empty()) {
        stage.variables = None;
    }
    if let Some(c) = &mut stage.canary_settings {
        if c.stage_variable_overrides
            .as_ref()
            .is_some_and(|o| o.is_empty())
        {
            c.stage_variable_overrides = None;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ops;

    fn copy(path: &str, from: &str) -> PatchOp {
        PatchOp {
            op: Op::Copy,
            path: path.into(),
            segments: patch::segments(path),
            value: None,
            from: Some(from.into()),
        }
    }

    fn known(ids: &[&str]) -> HashSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn stage() -> Stage {
        new_stage("s1", "d1", 1)
    }

    fn message(stage: &mut Stage, list: &[(&str, &str, Option<&str>)]) -> String {
        apply_patch(stage, &ops(list), &known(&["d1", "d2"]))
            .unwrap_err()
            .0
            .message
    }

    #[test]
    fn method_settings_follow_the_recording() {
        // test_apigateway_common.snapshot.json, TestStages::test_create_update_stages
        let mut s = stage();
        apply_patch(
            &mut s,
            &ops(&[
                ("replace", "/description", Some("stage new")),
                ("replace", "/variables/var1", Some("test")),
                ("replace", "/variables/var2", Some("test2")),
                ("replace", "/*/*/throttling/burstLimit", Some("123")),
                ("replace", "/*/*/caching/enabled", Some("true")),
                ("replace", "/tracingEnabled", Some("true")),
                ("replace", "/test/GET/throttling/burstLimit", Some("124")),
            ]),
            &known(&["d1"]),
        )
        .unwrap();
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            json["methodSettings"],
            serde_json::json!({
                "*/*": {
                    "cacheDataEncrypted": false, "cacheTtlInSeconds": 300, "cachingEnabled": true,
                    "dataTraceEnabled": false, "metricsEnabled": false,
                    "requireAuthorizationForCacheControl": true, "throttlingBurstLimit": 123,
                    "throttlingRateLimit": 10000.0,
                    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER"
                },
                "test/GET": {
                    "cacheDataEncrypted": false, "cacheTtlInSeconds": 300, "cachingEnabled": true,
                    "dataTraceEnabled": false, "metricsEnabled": false,
                    "requireAuthorizationForCacheControl": true, "throttlingBurstLimit": 124,
                    "throttlingRateLimit": 10000.0,
                    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER"
                }
            })
        );
        assert_eq!(
            json["variables"],
            serde_json::json!({"var1": "test", "var2": "test2"})
        );
        assert_eq!(json["tracingEnabled"], true);
        // update-stage-override: */* changes do not reach test/GET.
        apply_patch(
            &mut s,
            &ops(&[("replace", "/*/*/throttling/burstLimit", Some("100"))]),
            &known(&[]),
        )
        .unwrap();
        assert_eq!(s.method_settings["*/*"].throttling_burst_limit, 100);
        assert_eq!(s.method_settings["test/GET"].throttling_burst_limit, 124);
    }

    #[test]
    fn escaped_resource_paths_keep_aws_keys() {
        let mut s = stage();
        apply_patch(
            &mut s,
            &ops(&[
                (
                    "replace",
                    "/~1pets~1{id}/GET/throttling/rateLimit",
                    Some("12.5"),
                ),
                (
                    "replace",
                    "/~1pets~1{id}/GET/logging/loglevel",
                    Some("INFO"),
                ),
            ]),
            &known(&[]),
        )
        .unwrap();
        let m = &s.method_settings["~1pets~1{id}/GET"];
        assert_eq!(m.throttling_rate_limit, 12.5);
        assert_eq!(m.logging_level.as_deref(), Some("INFO"));
        assert_eq!(
            method_setting_path("/{proxy+}/ANY//throttling/burstLimit"),
            None
        );
        assert_eq!(method_setting_path("/*/throttling/burstLimit"), None);
    }

    #[test]
    fn remove_wildcard() {
        // test_update_stage_remove_wildcard
        let mut s = stage();
        assert_eq!(
            message(&mut s, &[("remove", "/*/*", None)]),
            "Cannot remove method setting */* because there is no method setting for this method "
        );
        apply_patch(
            &mut s,
            &ops(&[("replace", "/*/*/caching/enabled", Some("true"))]),
            &known(&[]),
        )
        .unwrap();
        assert_eq!(s.method_settings["*/*"].throttling_burst_limit, 5000);
        apply_patch(&mut s, &ops(&[("remove", "/*/*", None)]), &known(&[])).unwrap();
        assert!(s.method_settings.is_empty());
    }

    #[test]
    fn bad_paths_have_aws_messages() {
        let mut s = stage();
        let m = message(&mut s, &[("replace", "/tags/tag1", Some("value1"))]);
        assert_eq!(
            m,
            format!("Invalid method setting path: /tags/tag1. Must be one of: {STAGE_PATHS}")
        );
        assert!(m.contains(
            "/*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, "
        ));
        for op in ["add", "replace"] {
            for path in [
                "/accessLogSettings/randomValue",
                "/accessLogSettings/*",
                "/accessLogSettings",
            ] {
                assert_eq!(message(&mut s, &[(op, path, Some("x"))]), ACCESS_LOG_PATHS);
            }
        }
        assert_eq!(
            message(&mut s, &[("remove", "/accessLogSettings/randomValue", Some("x"))]),
            "Cannot remove method setting accessLogSettings/randomValue because there is no method setting for this method "
        );
        assert_eq!(
            message(
                &mut s,
                &[("replace", "/accessLogSettings/format", Some(""))]
            ),
            "Access Log value must not be empty"
        );
        assert_eq!(
            message(&mut s, &[("replace", "/deploymentId", Some("nope"))]),
            "Deployment id does not exist"
        );
        assert_eq!(s, stage());
    }

    #[test]
    fn access_log_settings() {
        // test_stage_access_log_settings
        let mut s = stage();
        apply_patch(
            &mut s,
            &ops(&[
                (
                    "add",
                    "/accessLogSettings/destinationArn",
                    Some("arn:aws:logs:us-east-1:0:log-group:g"),
                ),
                (
                    "add",
                    "/accessLogSettings/format",
                    Some("$context.requestId"),
                ),
            ]),
            &known(&[]),
        )
        .unwrap();
        let a = s.access_log_settings.clone().unwrap();
        assert_eq!(a.format.as_deref(), Some("$context.requestId"));
        apply_patch(
            &mut s,
            &ops(&[("remove", "/accessLogSettings", None)]),
            &known(&[]),
        )
        .unwrap();
        assert!(s.access_log_settings.is_none());
    }

    #[test]
    fn canary_patches() {
        // test_apigateway_canary.snapshot.json
        let mut s = stage();
        apply_patch(
            &mut s,
            &ops(&[("replace", "/canarySettings/deploymentId", Some("d2"))]),
            &known(&["d1", "d2"]),
        )
        .unwrap();
        let c = s.canary_settings.clone().unwrap();
        assert_eq!(
            (
                c.deployment_id.as_deref(),
                c.percent_traffic,
                c.use_stage_cache
            ),
            (Some("d2"), Some(0.0), Some(false))
        );
        apply_patch(
            &mut s,
            &ops(&[("remove", "/canarySettings", None)]),
            &known(&[]),
        )
        .unwrap();
        assert!(s.canary_settings.is_none());
        apply_patch(
            &mut s,
            &ops(&[("replace", "/canarySettings/percentTraffic", Some("50"))]),
            &known(&[]),
        )
        .unwrap();
        assert_eq!(
            s.canary_settings.as_ref().unwrap().deployment_id.as_deref(),
            Some("d1")
        );
        assert_eq!(
            message(
                &mut s,
                &[("add", "/canarySettings/deploymentId", Some("d2"))]
            ),
            "Invalid add operation with path: /canarySettings/deploymentId"
        );
        assert_eq!(
            message(&mut s, &[("remove", "/canarySettings/stageVariableOverrides", None)]),
            "Cannot remove method setting canarySettings/stageVariableOverrides because there is no method setting for this method "
        );
        assert!(
            message(&mut s, &[("replace", "/canarySettings/badPath", Some("x"))]).starts_with(
                "Invalid method setting path: /canarySettings/badPath. Must be one of: ["
            )
        );
        assert!(
            message(&mut s, &[("replace", "/canarySettings", Some("x"))])
                .starts_with("Invalid method setting path: /canarySettings. Must be one of: [")
        );
        assert_eq!(
            message(
                &mut s,
                &[("replace", "/canarySettings/deploymentId", Some("deploy"))]
            ),
            "Deployment id does not exist"
        );
    }

    #[test]
    fn copy_promotes_the_canary() {
        // test_update_stage_with_copy_ops
        let mut s = stage();
        s.variables = Some([("testVar".to_string(), "test".to_string())].into());
        let e = apply_patch(
            &mut s,
            &[copy("/canarySettings/stageVariableOverrides", "/variables")],
            &known(&[]),
        )
        .unwrap_err();
        assert_eq!(e.0.message, "Invalid copy operation with path: /canarySettings/stageVariableOverrides and from /variables. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]");
        let e = apply_patch(
            &mut s,
            &[copy("/variables", "/canarySettings/stageVariableOverrides")],
            &known(&[]),
        )
        .unwrap_err();
        assert_eq!(
            e.0.message,
            "Promotion not available. Canary does not exist."
        );
        s.canary_settings = Some(CanarySettings {
            percent_traffic: Some(50.0),
            deployment_id: Some("d2".into()),
            stage_variable_overrides: Some(
                [("testVar".to_string(), "override".to_string())].into(),
            ),
            use_stage_cache: Some(false),
        });
        let mut all = ops(&[("replace", "/canarySettings/percentTraffic", Some("0.0"))]);
        all.push(copy("/deploymentId", "/canarySettings/deploymentId"));
        all.push(copy("/variables", "/canarySettings/stageVariableOverrides"));
        apply_patch(&mut s, &all, &known(&[])).unwrap();
        assert_eq!(s.deployment_id, "d2");
        assert_eq!(s.variables.as_ref().unwrap()["testVar"], "override");
        assert_eq!(
            s.canary_settings.as_ref().unwrap().percent_traffic,
            Some(0.0)
        );
    }

    #[test]
    fn new_stage_wire_shape() {
        // test_create_delete_deployments, get-stages
        let json = serde_json::to_value(stage()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "cacheClusterEnabled": false, "cacheClusterStatus": "NOT_AVAILABLE",
                "createdDate": 1, "deploymentId": "d1", "lastUpdatedDate": 1,
                "methodSettings": {}, "stageName": "s1", "tracingEnabled": false
            })
        );
        assert!(validate_name("dev_1-x").is_ok());
        assert!(validate_name("a/b").is_err());
    }
}
