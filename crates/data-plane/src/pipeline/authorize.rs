//! Phase 3: a method's Lambda authorizer (TOKEN or REQUEST), run against the request. What is
//! compiled with the deployment (authorizers, caches, the policy rules) is in
//! [`crate::deployment::authorizers`].

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use apigw_model::Integration;

use crate::deployment::authorizers::{
    evaluate, parse_policy, Authorized, CompiledAuthorizer, Policy,
};
use crate::error::{GatewayError, ResponseType};
use crate::pipeline::integrations::backends::Backends;
use crate::pipeline::invocation::Invocation;
use crate::request::RequestInfo;

fn unauthorized() -> GatewayError {
    GatewayError::new(ResponseType::Unauthorized, "Unauthorized")
}

fn configuration_error(reason: &str) -> GatewayError {
    tracing::warn!(reason, "Lambda authorizer failed");
    GatewayError::new(
        ResponseType::AuthorizerConfigurationError,
        "Internal server error",
    )
}

/// The ARN a policy is evaluated against:
/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
pub fn method_arn(inv: &Invocation<'_>, req: &RequestInfo) -> String {
    format!(
        "arn:aws:execute-api:{}:{}:{}/{}/{}/{}",
        inv.scope.region,
        inv.scope.account,
        inv.api_id,
        inv.stage.stage.stage_name,
        req.method,
        req.path.trim_start_matches('/')
    )
}

/// One identity source's value (`method.request.header.X`, `method.request.querystring.X`,
/// `stageVariables.X`, `context.X`).
fn source_value(source: &str, inv: &Invocation<'_>, req: &RequestInfo) -> Option<String> {
    let source = source.trim();
    if let Some(h) = source.strip_prefix("method.request.header.") {
        return req.header(h).map(str::to_string);
    }
    if let Some(q) = source.strip_prefix("method.request.querystring.") {
        return req.query_param(q).map(str::to_string);
    }
    if let Some(v) = source.strip_prefix("stageVariables.") {
        return inv.stage.stage.variables.as_ref()?.get(v).cloned();
    }
    if let Some(c) = source.strip_prefix("context.") {
        return match c {
            "httpMethod" => Some(req.method.clone()),
            "stage" => Some(inv.stage.stage.stage_name.clone()),
            "resourcePath" => Some(inv.resource.path.clone()),
            "resourceId" => Some(inv.resource.id.clone()),
            "apiId" => Some(inv.api_id.to_string()),
            "path" => Some(req.path.clone()),
            "identity.sourceIp" => Some(req.source_ip.clone()),
            _ => None,
        };
    }
    None
}

/// Run a method's authorizer for a request.
///
/// # Errors
/// 401, 403 or 500 as AWS answers them.
pub async fn authorize(
    a: &CompiledAuthorizer,
    backends: &Backends,
    inv: &Invocation<'_>,
    req: &RequestInfo,
) -> Result<Authorized, GatewayError> {
    let arn = method_arn(inv, req);
    let policy = decide(a, backends, inv, req, &arn).await?;
    evaluate(&policy, &arn)?;
    Ok(Authorized { policy })
}

/// The policy the authorizer answers for the request's identity (cached, or asked of the
/// function), not yet evaluated against `arn`.
///
/// # Errors
/// 401 (no identity, a refused token, "Unauthorized") or 500 as AWS answers them.
pub async fn decide(
    a: &CompiledAuthorizer,
    backends: &Backends,
    inv: &Invocation<'_>,
    req: &RequestInfo,
    arn: &str,
) -> Result<Arc<Policy>, GatewayError> {
    let sources: Vec<&str> = a
        .authorizer
        .identity_source
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let mut identity = Vec::with_capacity(sources.len());
    for s in &sources {
        match source_value(s, inv, req).filter(|v| !v.is_empty()) {
            Some(v) => identity.push(v),
            None => return Err(unauthorized()),
        }
    }
    let event = match a.authorizer.authorizer_type.as_str() {
        "TOKEN" => {
            let token = identity.first().cloned().ok_or_else(unauthorized)?;
            if !a.accepts_token(&token) {
                return Err(unauthorized());
            }
            json!({"type": "TOKEN", "authorizationToken": token, "methodArn": arn})
        }
        "REQUEST" => {
            let mut e = crate::pipeline::integrations::lambda::event(inv, req, &[], false);
            if let Value::Object(m) = &mut e {
                m.remove("body");
                m.remove("isBase64Encoded");
                m.insert("type".into(), json!("REQUEST"));
                m.insert("methodArn".into(), json!(arn));
            }
            e
        }
        other => {
            return Err(GatewayError::new(
                ResponseType::Default5xx,
                format!("apigw-local does not run {other} authorizers yet"),
            ))
        }
    };
    let ttl = Duration::from_secs(
        a.authorizer
            .authorizer_result_ttl_in_seconds
            .unwrap_or(300)
            .max(0) as u64,
    );
    let cache_key = identity.join("\u{1}");
    let caching = !ttl.is_zero() && !identity.is_empty();
    if let Some(policy) = caching.then(|| a.cached(&cache_key, ttl)).flatten() {
        return Ok(policy);
    }
    let integration = Integration {
        uri: a.authorizer.authorizer_uri.clone(),
        timeout_in_millis: 29_000,
        ..Default::default()
    };
    let called =
        crate::pipeline::integrations::lambda::call(backends, inv, &integration, event.to_string())
            .await
            .map_err(|e| configuration_error(&e.message))?;
    if called.function_error {
        let message = serde_json::from_slice::<Value>(&called.payload)
            .ok()
            .and_then(|v| {
                v.get("errorMessage")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        return Err(if message.as_deref() == Some("Unauthorized") {
            unauthorized()
        } else {
            configuration_error(&format!("authorizer error: {message:?}"))
        });
    }
    if !called.status.is_success() {
        return Err(configuration_error(&format!(
            "authorizer invoke answered {}",
            called.status
        )));
    }
    let policy = Arc::new(parse_policy(&called.payload).map_err(|e| configuration_error(&e))?);
    if caching {
        a.remember(cache_key, policy.clone());
    }
    Ok(policy)
}
