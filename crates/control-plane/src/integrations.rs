//! Integrations and integration responses: PutIntegration, GetIntegration, UpdateIntegration,
//! DeleteIntegration, PutIntegrationResponse, GetIntegrationResponse, UpdateIntegrationResponse,
//! DeleteIntegrationResponse
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html),
//! [integration responses](https://docs.aws.amazon.com/apigateway/latest/api/API_IntegrationResponse.html)).
//!
//! An integration is stored inside its method, inside the resource document, so every call is
//! one resource load, checks, an in-memory change and one save in the same transaction.
//!
//! The checks and defaults follow AWS's recorded answers (`test_apigateway_api.snapshot.json`
//! `TestApigatewayIntegration*`, `test_apigateway_integrations.snapshot.json`
//! `test_put_integration_validation`, `test_apigateway_lambda.snapshot.json`
//! `test_put_integration_aws_proxy_uri`): MOCK drops `uri` and `httpMethod`, HTTP types default
//! `connectionType` to INTERNET, `cacheNamespace` defaults to the resource id and
//! `cacheKeyParameters` to `[]`. On the wire, PutIntegration's `integrationHttpMethod` travels as
//! the body member `httpMethod` (botocore's `locationName`).

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::response::Response;
use axum::routing::put;
use axum::Router;
use serde::Deserialize;

use apigw_model::{ApiError, Arn, Integration, IntegrationResponse, Method, StringMap};

use crate::error::{method_not_found, Error, Result};
use crate::extract::{AwsJson, Call};
use crate::methods::{
    self, bad_op, mapping_error, method_mut, ops_with_status, read_method, response_of,
    ResourceWrite,
};
use crate::patch::{self, Op, PatchInput, PatchOp};
use crate::wire;
use crate::wire::null_member;
use crate::{lookup, reply, validate, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
            put(put_integration)
                .get(get_integration)
                .patch(update_integration)
                .delete(delete_integration),
        )
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/responses/{status_code}",
            put(put_integration_response)
                .get(methods::get_response::<IntegrationResponse>)
                .patch(update_integration_response)
                .delete(methods::delete_response::<IntegrationResponse>),
        )
}

/// The integration types in the order AWS lists them in its enum error (recording
/// test_put_integration_wrong_type), which differs from botocore's.
const TYPES: &[&str] = &["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"];
const CONNECTION_TYPES: &[&str] = &["INTERNET", "VPC_LINK"];
const CONTENT_HANDLING: &[&str] = &["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"];
const TRANSFER_MODES: &[&str] = &["BUFFERED", "STREAM"];
const PASSTHROUGH: &[&str] = &["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"];
const DEFAULT_TIMEOUT_MS: i64 = 29_000;
const MIN_TIMEOUT_MS: i64 = 50;

/// The locations an integration request parameter may be sent to.
const TARGET_LOCATIONS: &[&str] = &[
    "path",
    "querystring",
    "header",
    "multivaluequerystring",
    "multivalueheader",
];

fn integration_not_found() -> Error {
    ApiError::not_found("Invalid Integration identifier specified").into()
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// Whether `uri` is an absolute http(s) URL with a host (stage variables allowed anywhere).
fn is_http_uri(uri: &str) -> bool {
    let lower = uri.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &uri[7..]
    } else if lower.starts_with("https://") {
        &uri[8..]
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty() && !uri.chars().any(char::is_whitespace)
}

/// Check an AWS service integration URI
/// (`arn:aws:apigateway:{region}:{service}:{path|action}/...`).
///
/// # Errors
/// AWS's three BadRequest answers (recordings test_put_integration_validation and
/// test_put_integration_aws_proxy_uri).
fn check_aws_uri(uri: &str, proxy: bool) -> Result<()> {
    // The URI's own service sits in the account field: `arn:aws:apigateway:{region}:lambda:…`.
    let Some(Arn {
        account: service,
        resource,
        ..
    }) = Arn::parse(uri).filter(|a| !a.partition.is_empty() && !a.service.is_empty())
    else {
        return Err(ApiError::bad_request("Invalid ARN specified in the request").into());
    };
    if !(resource.starts_with("path/") || resource.starts_with("action/")) {
        return Err(
            ApiError::bad_request("AWS ARN for integration must contain path or action").into(),
        );
    }
    if proxy && !(service == "lambda" && resource.starts_with("path/2015-03-31/functions/")) {
        return Err(ApiError::bad_request(
            "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.",
        )
        .into());
    }
    Ok(())
}

/// Whether `v` is a quoted literal, a context variable or a stage variable: sources every
/// mapping accepts.
fn is_static_source(v: &str) -> bool {
    (v.len() >= 2 && v.starts_with('\'') && v.ends_with('\''))
        || v.strip_prefix("context.").is_some_and(|r| !r.is_empty())
        || v.strip_prefix("stageVariables.")
            .is_some_and(|r| !r.is_empty())
}

/// Check integration request parameters: `integration.request.{location}.{name}` keys, and
/// sources that are literals, context/stage variables, the body, or method request parameters
/// the method declares.
fn check_request_parameters(params: &StringMap, method: &Method) -> Result<()> {
    for (key, source) in params {
        let key_ok = key
            .strip_prefix("integration.request.")
            .and_then(|r| r.split_once('.'))
            .is_some_and(|(loc, name)| TARGET_LOCATIONS.contains(&loc) && !name.is_empty());
        if !key_ok {
            return Err(mapping_error(&format!(
                "Invalid mapping expression specified: {key}"
            )));
        }
        if is_static_source(source)
            || source == "method.request.body"
            || source.starts_with("method.request.body.")
        {
            continue;
        }
        if methods::request_parameter_name(source).is_some() {
            require_declared(
                method
                    .request_parameters
                    .as_ref()
                    .is_some_and(|p| p.contains_key(source)),
                source,
            )?;
            continue;
        }
        return Err(mapping_error(&format!(
            "Invalid mapping expression specified: {source}"
        )));
    }
    Ok(())
}

/// Check an integration as a whole: what PutIntegration and UpdateIntegration both require.
///
/// # Errors
/// AWS's BadRequest answers.
pub(crate) fn check_integration(i: &Integration, method: &Method) -> Result<()> {
    let needs_target = i.integration_type != "MOCK";
    if needs_target {
        // AWS checks the method before the URI (recording test_put_integration_validation:
        // an AWS type with an http URI and no method answers the method error).
        match i.http_method.as_deref() {
            None | Some("") => {
                return Err(ApiError::bad_request(
                    "Enumeration value for HttpMethod must be non-empty",
                )
                .into())
            }
            Some(v) => methods::check_verb(v)?,
        }
        let uri = i.uri.as_deref().unwrap_or_default();
        match i.integration_type.as_str() {
            "HTTP" | "HTTP_PROXY" => {
                if !is_http_uri(uri) {
                    return Err(
                        ApiError::bad_request("Invalid HTTP endpoint specified for URI").into(),
                    );
                }
            }
            _ => check_aws_uri(uri, i.integration_type == "AWS_PROXY")?,
        }
    }
    if !(MIN_TIMEOUT_MS..=DEFAULT_TIMEOUT_MS).contains(&i.timeout_in_millis) {
        return Err(ApiError::bad_request(format!(
            "Timeout should be between {MIN_TIMEOUT_MS} ms and {DEFAULT_TIMEOUT_MS} ms"
        ))
        .into());
    }
    if let Some(p) = i.passthrough_behavior.as_deref() {
        if !PASSTHROUGH.contains(&p) {
            return Err(ApiError::bad_request(format!(
                "Invalid passthrough behavior specified: {p}. Valid options are {}",
                PASSTHROUGH.join(",")
            ))
            .into());
        }
    }
    if let Some(p) = &i.request_parameters {
        check_request_parameters(p, method)?;
    }
    Ok(())
}

/// A `VPC_LINK` connection names a link: a `${stageVariables.x}` reference is taken as it is
/// (AWS stores it so: recorded test_create_integration_with_vpc_link), a literal id must name
/// an existing VPC link.
///
/// # Errors
/// `BadRequestException` when the id is missing, the link's 404 when it names none. AWS's
/// answers to either are not recorded: the 404 is GetVpcLink's recorded one.
async fn check_connection(
    c: &mut apigw_store::SqliteConnection,
    scope: &apigw_model::Scope,
    i: &Integration,
) -> Result<()> {
    if i.connection_type.as_deref() != Some("VPC_LINK") {
        return Ok(());
    }
    let Some(id) = i.connection_id.as_deref().filter(|id| !id.is_empty()) else {
        return Err(ApiError::bad_request(
            "connectionId must be specified for connectionType VPC_LINK",
        )
        .into());
    };
    if !id.contains("${stageVariables.") && !lookup::vpc_link_exists(c, scope, id).await? {
        return Err(crate::error::vpc_link_not_found());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Integrations
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TlsConfigInput {
    insecure_skip_verification: Option<bool>,
}

fn tls_value(skip: bool) -> serde_json::Value {
    serde_json::json!({ "insecureSkipVerification": skip })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutIntegrationInput {
    #[serde(rename = "type")]
    integration_type: Option<String>,
    /// `integrationHttpMethod` in botocore, sent as `httpMethod`.
    http_method: Option<String>,
    uri: Option<String>,
    connection_type: Option<String>,
    connection_id: Option<String>,
    credentials: Option<String>,
    request_parameters: Option<StringMap>,
    request_templates: Option<StringMap>,
    passthrough_behavior: Option<String>,
    cache_namespace: Option<String>,
    cache_key_parameters: Option<Vec<String>>,
    content_handling: Option<String>,
    timeout_in_millis: Option<i64>,
    tls_config: Option<TlsConfigInput>,
    response_transfer_mode: Option<String>,
    integration_target: Option<String>,
}

impl PutIntegrationInput {
    /// The model's constraints (ValidationException), checked before anything is looked up.
    fn check_model(&self) -> Result<()> {
        let Some(t) = self.integration_type.as_deref() else {
            return Err(null_member("putIntegrationInput.type"));
        };
        let mut f = validate::Failures::default();
        f.check_enum(Some(t), "putIntegrationInput.type", TYPES);
        f.check_enum(
            self.connection_type.as_deref(),
            "putIntegrationInput.connectionType",
            CONNECTION_TYPES,
        );
        f.check_enum(
            self.content_handling.as_deref(),
            "putIntegrationInput.contentHandling",
            CONTENT_HANDLING,
        );
        f.check_enum(
            self.response_transfer_mode.as_deref(),
            "putIntegrationInput.responseTransferMode",
            TRANSFER_MODES,
        );
        Ok(f.finish()?)
    }

    /// The integration as AWS stores it, with its defaults.
    fn into_integration(self, resource_id: &str) -> Integration {
        let mut i = Integration {
            integration_type: self.integration_type.unwrap_or_default(),
            http_method: self.http_method,
            uri: self.uri,
            connection_type: self.connection_type,
            connection_id: self.connection_id,
            credentials: self.credentials,
            request_parameters: self.request_parameters,
            request_templates: self.request_templates,
            passthrough_behavior: self.passthrough_behavior,
            content_handling: self.content_handling,
            timeout_in_millis: self.timeout_in_millis.unwrap_or(DEFAULT_TIMEOUT_MS),
            cache_namespace: self.cache_namespace,
            cache_key_parameters: self.cache_key_parameters,
            integration_responses: None,
            tls_config: self
                .tls_config
                .map(|t| tls_value(t.insecure_skip_verification.unwrap_or(false))),
            response_transfer_mode: self.response_transfer_mode,
            integration_target: self.integration_target,
        };
        i.fill_defaults(resource_id);
        i
    }
}

async fn put_integration(
    Call { st, scope }: Call,
    Path((api_id, rid, verb)): Path<(String, String, String)>,
    AwsJson(input): AwsJson<PutIntegrationInput>,
) -> Result<Response> {
    input.check_model()?;
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    let method = method_mut(&mut w.res, &verb)?;
    let mut integ = input.into_integration(&rid);
    check_integration(&integ, method)?;
    check_connection(&mut w.tx, &scope, &integ).await?;
    // Putting over an existing integration replaces its settings; its integration responses
    // are kept (AWS's exact behaviour here is not recorded; keeping them loses nothing).
    integ.integration_responses = method
        .method_integration
        .take()
        .and_then(|old| old.integration_responses);
    method.method_integration = Some(integ.clone());
    w.commit(&scope, &api_id).await?;
    reply::created(&integ)
}

async fn get_integration(
    Call { st, scope }: Call,
    Path((api_id, rid, verb)): Path<(String, String, String)>,
) -> Result<Response> {
    let method = read_method(&st, &scope, &api_id, &rid, &verb).await?;
    reply::ok(
        method
            .method_integration
            .as_ref()
            .ok_or_else(integration_not_found)?,
    )
}

async fn delete_integration(
    Call { st, scope }: Call,
    Path((api_id, rid, verb)): Path<(String, String, String)>,
) -> Result<Response> {
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    // Deletes look the integration up directly: a missing method is a missing integration,
    // as for DeleteIntegrationResponse (recording test_delete_integration_response_errors).
    let method = method_mut(&mut w.res, &verb).map_err(|_| integration_not_found())?;
    if method.method_integration.take().is_none() {
        return Err(integration_not_found());
    }
    w.commit(&scope, &api_id).await?;
    reply::no_content()
}

/// Apply UpdateIntegration's ops to a copy of the integration.
///
/// # Errors
/// AWS's BadRequest answers; the integration is left as it was.
fn apply_integration_patch(i: &Integration, ops: &[PatchOp]) -> Result<Integration> {
    let mut i = i.clone();
    patch::each(ops, |op, segs| {
        match segs {
            [field @ ("uri"
            | "httpMethod"
            | "passthroughBehavior"
            | "timeoutInMillis"
            | "contentHandling"
            | "credentials"
            | "cacheNamespace"
            | "connectionType"
            | "connectionId"
            | "integrationTarget"
            | "responseTransferMode")]
            | [field @ "tlsConfig", "insecureSkipVerification"] => {
                if op.op != Op::Replace {
                    return Err(bad_op(&["replace"]));
                }
                match *field {
                    "uri" => i.uri = op.value_or_clear(),
                    "httpMethod" => i.http_method = op.value_or_clear(),
                    "passthroughBehavior" => i.passthrough_behavior = Some(op.value()?.into()),
                    "timeoutInMillis" => i.timeout_in_millis = op.int_value()?,
                    "contentHandling" => i.content_handling = checked(op, CONTENT_HANDLING)?,
                    "credentials" => i.credentials = op.value_or_clear(),
                    "cacheNamespace" => i.cache_namespace = op.value_or_clear(),
                    "connectionType" => i.connection_type = checked(op, CONNECTION_TYPES)?,
                    "connectionId" => i.connection_id = op.value_or_clear(),
                    "integrationTarget" => i.integration_target = op.value_or_clear(),
                    "responseTransferMode" => {
                        i.response_transfer_mode = checked(op, TRANSFER_MODES)?
                    }
                    _ => {
                        i.tls_config = Some(tls_value(wire::java_bool(op.value.as_deref())));
                    }
                }
            }
            ["requestParameters", name] => {
                map_op(&mut i.request_parameters, op, name)?;
            }
            ["requestTemplates", content_type] => {
                map_op(&mut i.request_templates, op, content_type)?;
            }
            ["cacheKeyParameters", rest @ ..] => {
                let name = match rest {
                    [] => op.value()?.to_string(),
                    [n] => n.to_string(),
                    _ => return Err(op.invalid_path_short()),
                };
                let keys = i.cache_key_parameters.get_or_insert_with(Vec::new);
                match op.op {
                    Op::Add => {
                        if !keys.contains(&name) {
                            keys.push(name);
                        }
                    }
                    Op::Remove => keys.retain(|k| *k != name),
                    _ => return Err(bad_op(&["add", "remove"])),
                }
            }
            _ => return Err(op.invalid_path_short()),
        }
        Ok(())
    })?;
    i.request_parameters = i.request_parameters.filter(|m| !m.is_empty());
    i.request_templates = i.request_templates.filter(|m| !m.is_empty());
    Ok(i)
}

/// An optional enum value from a replace op (an empty value clears it).
fn checked(op: &PatchOp, allowed: &[&str]) -> Result<Option<String>> {
    match op.value.as_deref() {
        None | Some("") => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
        Some(v) => Err(ApiError::bad_request(format!(
            "Invalid value '{v}' specified for '{}'. Valid options are {}",
            op.path,
            allowed.join(",")
        ))
        .into()),
    }
}

/// add/replace/remove of one entry of a string map.
fn map_op(map: &mut Option<StringMap>, op: &PatchOp, key: &str) -> Result<()> {
    match op.op {
        Op::Add | Op::Replace => {
            map.get_or_insert_with(Default::default)
                .insert(key.to_string(), op.value.clone().unwrap_or_default());
        }
        Op::Remove => {
            if let Some(m) = map.as_mut() {
                m.remove(key);
            }
        }
        _ => return Err(bad_op(&["add", "remove", "replace"])),
    }
    Ok(())
}

async fn update_integration(
    Call { st, scope }: Call,
    Path((api_id, rid, verb)): Path<(String, String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateIntegrationInput")?;
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    let method = method_mut(&mut w.res, &verb).map_err(|_| integration_not_found())?;
    let current = method
        .method_integration
        .as_ref()
        .ok_or_else(integration_not_found)?;
    let updated = apply_integration_patch(current, &ops)?;
    check_integration(&updated, method)?;
    check_connection(&mut w.tx, &scope, &updated).await?;
    method.method_integration = Some(updated.clone());
    w.commit(&scope, &api_id).await?;
    reply::ok(&updated)
}

// ---------------------------------------------------------------------------------------------
// Integration responses
// ---------------------------------------------------------------------------------------------

/// Whether `ct` looks like a media type (`type/subtype`).
fn is_content_type(ct: &str) -> bool {
    ct.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && !ct.chars().any(char::is_whitespace)
    })
}

/// Check an integration response against its method: template content types, and response
/// parameters that map onto headers the method response declares.
pub(crate) fn check_integration_response(ir: &IntegrationResponse, method: &Method) -> Result<()> {
    for ct in ir.response_templates.iter().flat_map(|m| m.keys()) {
        if !is_content_type(ct) {
            // Recording test_integration_response_invalid_responsetemplates.
            return Err(ApiError::bad_request(format!(
                "Validation Result: warnings : [], errors : [Invalid content type specified: {ct}]"
            ))
            .into());
        }
    }
    let Some(params) = ir.response_parameters.as_ref().filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    for (key, source) in params {
        if key
            .strip_prefix("method.response.header.")
            .is_none_or(str::is_empty)
        {
            return Err(mapping_error(&format!(
                "Invalid mapping expression specified: {key}"
            )));
        }
        let source_ok = is_static_source(source)
            || source == "integration.response.body"
            || source.starts_with("integration.response.body.")
            || source
                .strip_prefix("integration.response.header.")
                .or_else(|| source.strip_prefix("integration.response.multivalueheader."))
                .is_some_and(|n| !n.is_empty());
        if !source_ok {
            return Err(mapping_error(&format!(
                "Invalid mapping expression specified: {source}"
            )));
        }
    }
    let Some(mr) = method
        .method_responses
        .as_ref()
        .and_then(|r| r.get(&ir.status_code))
    else {
        return Err(mapping_error("No method response exists for method."));
    };
    for key in params.keys() {
        require_declared(
            mr.response_parameters
                .as_ref()
                .is_some_and(|p| p.contains_key(key)),
            key,
        )?;
    }
    Ok(())
}

/// A mapping may only name a parameter the method (or method response) declares.
/// `declared`: whether the method (or method response) declares `name`.
fn require_declared(declared: bool, name: &str) -> Result<()> {
    if declared {
        return Ok(());
    }
    Err(mapping_error(&format!(
        "Invalid mapping expression parameter specified: {name}"
    )))
}

/// Whether a selection pattern is the default (none).
fn is_default_pattern(p: Option<&str>) -> bool {
    p.is_none_or(str::is_empty)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutIntegrationResponseInput {
    selection_pattern: Option<String>,
    response_parameters: Option<StringMap>,
    /// Values may be `null`, which AWS keeps (and answers) as `null`.
    response_templates: Option<BTreeMap<String, Option<String>>>,
    content_handling: Option<String>,
}

async fn put_integration_response(
    Call { st, scope }: Call,
    Path((api_id, rid, verb, code)): Path<(String, String, String, String)>,
    AwsJson(input): AwsJson<PutIntegrationResponseInput>,
) -> Result<Response> {
    validate::status_code(&code)?;
    let mut f = validate::Failures::default();
    f.check_enum(
        input.content_handling.as_deref(),
        "putIntegrationResponseInput.contentHandling",
        CONTENT_HANDLING,
    );
    f.finish()?;
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    let method = method_mut(&mut w.res, &verb)?;
    let ir = IntegrationResponse {
        status_code: code.clone(),
        selection_pattern: input.selection_pattern,
        response_parameters: input.response_parameters,
        response_templates: input.response_templates.map(|m| {
            m.into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect()
        }),
        content_handling: input.content_handling,
    };
    check_integration_response(&ir, method)?;
    let integ = method
        .method_integration
        .as_mut()
        .ok_or_else(integration_not_found)?;
    let responses = integ
        .integration_responses
        .get_or_insert_with(Default::default);
    if is_default_pattern(ir.selection_pattern.as_deref())
        && responses.values().any(|other| {
            other.status_code != code && is_default_pattern(other.selection_pattern.as_deref())
        })
    {
        return Err(ApiError::conflict(
            "Integration response with selection pattern default already exists",
        )
        .into());
    }
    // Putting an existing status code replaces it (recording test_lifecycle_integration_response).
    responses.insert(code, ir.clone());
    w.commit(&scope, &api_id).await?;
    reply::created(&ir)
}

impl methods::StatusResponses for IntegrationResponse {
    fn of(m: &Method) -> Result<Option<&BTreeMap<String, Self>>> {
        let integ = m.method_integration.as_ref();
        Ok(integ
            .ok_or_else(integration_not_found)?
            .integration_responses
            .as_ref())
    }

    /// A missing (or invalid) verb answers the integration's 404 here (recording
    /// test_delete_integration_response_errors `non-existent-method`, `bad-method`).
    fn of_mut(m: Result<&mut Method>) -> Result<&mut Option<BTreeMap<String, Self>>> {
        let integ = m.ok().and_then(|m| m.method_integration.as_mut());
        Ok(&mut integ
            .ok_or_else(integration_not_found)?
            .integration_responses)
    }
}

/// Apply UpdateIntegrationResponse's ops to a copy.
///
/// # Errors
/// AWS's answers; the response is left as it was.
fn apply_integration_response_patch(
    ir: &IntegrationResponse,
    ops: &[PatchOp],
) -> Result<IntegrationResponse> {
    let mut ir = ir.clone();
    patch::each(ops, |op, segs| {
        match segs {
            ["selectionPattern"] => {
                if op.op != Op::Replace {
                    return Err(bad_op(&["replace"]));
                }
                ir.selection_pattern = Some(op.value.clone().unwrap_or_default());
            }
            ["contentHandling"] => {
                if op.op != Op::Replace {
                    return Err(bad_op(&["replace"]));
                }
                ir.content_handling = checked(op, CONTENT_HANDLING)?;
            }
            ["responseParameters", name] => {
                let params = ir.response_parameters.as_ref();
                patch::require_entry(params, op, name, patch::MISSING_PARAMETER)?;
                map_op(&mut ir.response_parameters, op, name)?;
            }
            ["responseTemplates", content_type] => {
                let templates = ir.response_templates.as_ref();
                patch::require_entry(templates, op, content_type, patch::MISSING_CONTENT_TYPE)?;
                map_op(&mut ir.response_templates, op, content_type)?;
            }
            _ => return Err(op.invalid_path_short()),
        }
        Ok(())
    })?;
    ir.response_parameters = ir.response_parameters.filter(|m| !m.is_empty());
    ir.response_templates = ir.response_templates.filter(|m| !m.is_empty());
    Ok(ir)
}

async fn update_integration_response(
    Call { st, scope }: Call,
    Path((api_id, rid, verb, code)): Path<(String, String, String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = ops_with_status(input, "updateIntegrationResponseInput", &code)?;
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    let method = method_mut(&mut w.res, &verb)?;
    let responses = method
        .method_integration
        .as_ref()
        .ok_or_else(integration_not_found)?
        .integration_responses
        .as_ref();
    let current = response_of(responses, &code)?;
    let updated = apply_integration_response_patch(current, &ops)?;
    check_integration_response(&updated, method)?;
    method
        .method_integration
        .as_mut()
        .and_then(|i| i.integration_responses.as_mut())
        .ok_or_else(method_not_found)?
        .insert(code, updated.clone());
    w.commit(&scope, &api_id).await?;
    reply::ok(&updated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::op;
    use proptest::prelude::*;

    fn integ(t: &str, method: Option<&str>, uri: Option<&str>) -> Integration {
        PutIntegrationInput {
            integration_type: Some(t.into()),
            http_method: method.map(Into::into),
            uri: uri.map(Into::into),
            ..Default::default()
        }
        .into_integration("abc123")
    }

    fn msg(r: Result<()>) -> String {
        r.unwrap_err().0.message
    }

    #[test]
    fn put_integration_checks_follow_recordings() {
        let m = Method::default();
        // test_put_integration_validation
        for t in ["HTTP", "HTTP_PROXY", "AWS"] {
            assert_eq!(
                msg(check_integration(
                    &integ(t, None, Some("http://example.com")),
                    &m
                )),
                "Enumeration value for HttpMethod must be non-empty"
            );
        }
        let mock = integ("MOCK", None, Some("http://example.com"));
        assert!(check_integration(&mock, &m).is_ok());
        assert_eq!(
            serde_json::to_value(&mock).unwrap(),
            serde_json::json!({"type": "MOCK", "passthroughBehavior": "WHEN_NO_MATCH",
                "timeoutInMillis": 29000, "cacheNamespace": "abc123", "cacheKeyParameters": []})
        );
        let http = integ("HTTP", Some("POST"), Some("http://example.com"));
        assert!(check_integration(&http, &m).is_ok());
        assert_eq!(http.connection_type.as_deref(), Some("INTERNET"));
        let lambda = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:MyLambda/invocations";
        for t in ["AWS", "AWS_PROXY"] {
            let i = integ(t, Some("POST"), Some(lambda));
            assert!(check_integration(&i, &m).is_ok());
            assert!(i.connection_type.is_none());
        }
        let s3 = "arn:aws:apigateway:us-east-1:s3:path/b/k";
        assert!(check_integration(&integ("AWS", Some("POST"), Some(s3)), &m).is_ok());
        assert_eq!(
            msg(check_integration(&integ("AWS_PROXY", Some("POST"), Some(s3)), &m)),
            "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."
        );
        for t in ["HTTP", "HTTP_PROXY"] {
            assert_eq!(
                msg(check_integration(
                    &integ(t, Some("POST"), Some("non-valid-http")),
                    &m
                )),
                "Invalid HTTP endpoint specified for URI"
            );
        }
        assert_eq!(
            msg(check_aws_uri("non-valid-arn", false)),
            "Invalid ARN specified in the request"
        );
        assert_eq!(
            msg(check_aws_uri(
                "arn:aws:iam::0000000000:role/service-role/asdf",
                false
            )),
            "AWS ARN for integration must contain path or action"
        );
        // test_put_integration_aws_proxy_uri
        assert_eq!(
            msg(check_aws_uri(
                "arn:aws:lambda:us-east-1:111111111111:function:f",
                true
            )),
            "AWS ARN for integration must contain path or action"
        );
        assert_eq!(
            msg(check_aws_uri(
                "bad-arn:lambda:path/2015-03-31/functions/x/invocations",
                true
            )),
            "Invalid ARN specified in the request"
        );
        assert!(check_aws_uri(
            "arn:aws:apigateway:us-east-1:firehose:path/2015-03-31/functions/x/invocations",
            true
        )
        .is_err());
        assert!(check_aws_uri(
            "arn:aws:apigateway:us-east-1:lambda:path/random/value/x/invocations",
            true
        )
        .is_err());
    }

    #[test]
    fn http_uris() {
        for ok in [
            "http://example.com",
            "https://example.com/a?b=c",
            "http://${stageVariables.host}/x",
            "HTTPS://X.COM",
        ] {
            assert!(is_http_uri(ok), "{ok}");
        }
        for bad in [
            "",
            "example.com",
            "http://",
            "ftp://x",
            "http:///x",
            "http://a b",
        ] {
            assert!(!is_http_uri(bad), "{bad}");
        }
    }

    #[test]
    fn request_parameter_sources_must_be_declared() {
        let mut m = Method::default();
        let p: StringMap = [(
            "integration.request.path.id".to_string(),
            "method.request.path.petId".to_string(),
        )]
        .into();
        assert_eq!(
            msg(check_request_parameters(&p, &m)),
            "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.request.path.petId]"
        );
        m.request_parameters = Some([("method.request.path.petId".to_string(), true)].into());
        assert!(check_request_parameters(&p, &m).is_ok());
        let lit: StringMap = [(
            "integration.request.header.x".to_string(),
            "'static'".to_string(),
        )]
        .into();
        assert!(check_request_parameters(&lit, &m).is_ok());
        let bad: StringMap = [("nope".to_string(), "'x'".to_string())].into();
        assert!(check_request_parameters(&bad, &m).is_err());
    }

    #[test]
    fn integration_patch() {
        let i = integ("HTTP_PROXY", Some("GET"), Some("http://a.example"));
        // test_create_integration_with_vpc_link
        let up = apply_integration_patch(
            &i,
            &[op(
                Op::Replace,
                "/connectionId",
                Some("${stageVariables.vpcLinkIdBeta}"),
            )],
        )
        .unwrap();
        assert_eq!(
            up.connection_id.as_deref(),
            Some("${stageVariables.vpcLinkIdBeta}")
        );
        let up = apply_integration_patch(
            &i,
            &[
                op(Op::Replace, "/timeoutInMillis", Some("1000")),
                op(Op::Add, "/requestTemplates/application~1json", Some("{}")),
                op(Op::Add, "/cacheKeyParameters/method.request.path.id", None),
                op(
                    Op::Replace,
                    "/tlsConfig/insecureSkipVerification",
                    Some("true"),
                ),
            ],
        )
        .unwrap();
        assert_eq!(up.timeout_in_millis, 1000);
        assert_eq!(up.request_templates.unwrap()["application/json"], "{}");
        assert_eq!(up.cache_key_parameters.unwrap(), ["method.request.path.id"]);
        assert_eq!(
            up.tls_config.unwrap()["insecureSkipVerification"],
            serde_json::json!(true)
        );
        let e = apply_integration_patch(&i, &[op(Op::Replace, "/type", Some("MOCK"))]);
        assert_eq!(e.unwrap_err().0.message, "Invalid patch path /type");
        let e = apply_integration_patch(&i, &[op(Op::Add, "/uri", Some("x"))]);
        assert_eq!(
            e.unwrap_err().0.message,
            "Invalid patch operation specified. Must be one of: [replace]"
        );
        let bad = apply_integration_patch(&i, &[op(Op::Replace, "/timeoutInMillis", Some("10"))])
            .unwrap();
        assert!(check_integration(&bad, &Method::default()).is_err());
    }

    #[test]
    fn integration_response_checks() {
        let mut m = Method::default();
        let ir = IntegrationResponse {
            status_code: "200".into(),
            response_parameters: Some(
                [("method.response.header.X-A".to_string(), "'v'".to_string())].into(),
            ),
            ..Default::default()
        };
        assert_eq!(
            msg(check_integration_response(&ir, &m)),
            "Invalid mapping expression specified: Validation Result: warnings : [], errors : [No method response exists for method.]"
        );
        m.method_responses = Some(
            [(
                "200".to_string(),
                apigw_model::MethodResponse {
                    status_code: "200".into(),
                    ..Default::default()
                },
            )]
            .into(),
        );
        assert!(msg(check_integration_response(&ir, &m)).contains(
            "Invalid mapping expression parameter specified: method.response.header.X-A"
        ));
        let t = IntegrationResponse {
            status_code: "200".into(),
            response_templates: Some([("123".to_string(), "x".to_string())].into()),
            ..Default::default()
        };
        assert_eq!(
            msg(check_integration_response(&t, &m)),
            "Validation Result: warnings : [], errors : [Invalid content type specified: 123]"
        );
    }

    #[test]
    fn integration_response_patch() {
        let ir = IntegrationResponse {
            status_code: "200".into(),
            selection_pattern: Some(String::new()),
            response_templates: Some(
                [("application/json".to_string(), "\"created\"".to_string())].into(),
            ),
            ..Default::default()
        };
        let up = apply_integration_response_patch(
            &ir,
            &[op(
                Op::Replace,
                "/selectionPattern",
                Some("updated-pattern"),
            )],
        )
        .unwrap();
        assert_eq!(up.selection_pattern.as_deref(), Some("updated-pattern"));
        let e = apply_integration_response_patch(
            &ir,
            &[op(Op::Remove, "/responseTemplates/text~1plain", None)],
        )
        .unwrap_err();
        assert_eq!(e.0.message, "Content-Type specified was not found");
        let e =
            apply_integration_response_patch(&ir, &[op(Op::Replace, "/statusCode", Some("201"))])
                .unwrap_err();
        assert_eq!(e.0.message, "Invalid patch path /statusCode");
    }

    proptest! {
        #[test]
        fn checks_never_panic(uri in "\\PC{0,40}", path in "(/[a-zA-Z~0-9.]{0,12}){0,3}") {
            let _ = is_http_uri(&uri);
            let _ = check_aws_uri(&uri, true);
            let i = integ("HTTP", Some("GET"), Some("http://x"));
            let _ = apply_integration_patch(&i, &[op(Op::Replace, &path, Some(&uri))]);
        }
    }
}
