//! Lambda authorizers (TOKEN and REQUEST) on methods with `authorizationType: CUSTOM`, as AWS
//! runs them ([Lambda authorizers](https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html)):
//! the identity source is read (missing → 401), a TOKEN checked against
//! `identityValidationExpression` (no match → 401), the function invoked through the Lambda
//! endpoint with AWS's event, and the IAM policy it returns evaluated against the method ARN
//! (explicit Deny, or no Allow covering the ARN → 403). An error "Unauthorized" from the
//! function is a 401; any other failure a 500 AUTHORIZER_CONFIGURATION_ERROR. Policies are
//! cached per identity for `authorizerResultTtlInSeconds` (300 by default) and evaluated again
//! for each method, which is why a policy naming one method denies the others, as on AWS.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::{json, Map, Value};

use apigw_model::{ApiSnapshot, Authorizer, Integration};

use crate::context::RequestInfo;
use crate::gateway::{Gateway, Invocation};
use crate::gateway_response::{GatewayError, ResponseType};

/// What an authorizer decided for an identity, as cached.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// `principalId`.
    pub principal_id: Value,
    /// `(allow, action patterns, resource patterns)` per statement.
    statements: Vec<(bool, Vec<String>, Vec<String>)>,
    /// `context`: `$context.authorizer.*`.
    pub context: Map<String, Value>,
    /// `usageIdentifierKey`: the API key when the API's key source is AUTHORIZER.
    pub usage_identifier_key: Option<String>,
}

/// An authorizer's verdict on one request.
#[derive(Debug, Clone)]
pub struct Authorized {
    /// The policy that allowed it.
    pub policy: Arc<Policy>,
}

impl Authorized {
    /// `$context.authorizer`: the context entries and `principalId`.
    pub fn context(&self) -> Value {
        let mut m = self.policy.context.clone();
        m.insert("principalId".into(), self.policy.principal_id.clone());
        Value::Object(m)
    }
}

/// One authorizer of a deployment, ready to run.
#[derive(Debug)]
pub struct CompiledAuthorizer {
    /// As configured.
    pub authorizer: Authorizer,
    /// TOKEN's `identityValidationExpression`, anchored.
    validation: Option<Regex>,
    /// Cached policies by identity.
    cache: Mutex<HashMap<String, (Instant, Arc<Policy>)>>,
}

/// The authorizers of a deployment, by id.
#[derive(Debug, Default)]
pub struct Authorizers {
    by_id: HashMap<String, CompiledAuthorizer>,
}

impl Authorizers {
    /// Compile the authorizers a snapshot froze.
    pub fn compile(snapshot: &ApiSnapshot) -> Self {
        let by_id = snapshot
            .documents
            .authorizers
            .iter()
            .cloned()
            .map(|a| {
                let validation = a
                    .identity_validation_expression
                    .as_deref()
                    .filter(|e| !e.is_empty())
                    .and_then(|e| Regex::new(&format!("^(?:{e})$")).ok());
                (
                    a.id.clone(),
                    CompiledAuthorizer {
                        authorizer: a,
                        validation,
                        cache: Mutex::new(HashMap::new()),
                    },
                )
            })
            .collect();
        Self { by_id }
    }

    /// The authorizer with this id.
    pub fn get(&self, id: &str) -> Option<&CompiledAuthorizer> {
        self.by_id.get(id)
    }
}

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

/// IAM's wildcard match: `*` any run of characters, `?` one.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
        _ => None,
    }
}

/// Read an authorizer's answer: `principalId`, `policyDocument`, `context`,
/// `usageIdentifierKey`.
///
/// # Errors
/// The answer is not a valid authorizer output (AWS: 500 AUTHORIZER_CONFIGURATION_ERROR).
pub fn parse_policy(bytes: &[u8]) -> Result<Policy, String> {
    let Ok(Value::Object(out)) = serde_json::from_slice::<Value>(bytes) else {
        return Err("the authorizer's answer is not a JSON object".into());
    };
    let doc = match out.get("policyDocument") {
        Some(Value::Object(d)) => d,
        _ => return Err("no policyDocument in the authorizer's answer".into()),
    };
    let list = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return Err("no Statement in the policy".into()),
    };
    let mut statements = Vec::new();
    for s in &list {
        let effect = s.get("Effect").and_then(Value::as_str).unwrap_or_default();
        let allow = match effect.to_ascii_lowercase().as_str() {
            "allow" => true,
            "deny" => false,
            _ => return Err(format!("bad Effect {effect:?}")),
        };
        let actions = strings(s.get("Action")).ok_or("bad Action")?;
        let resources = strings(s.get("Resource")).ok_or("bad Resource")?;
        statements.push((allow, actions, resources));
    }
    let context = match out.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(c)) => {
            // AWS allows strings, numbers and booleans only.
            if c.values().any(|v| v.is_object() || v.is_array()) {
                return Err("context values must be strings, numbers or booleans".into());
            }
            c.clone()
        }
        Some(_) => return Err("context is not an object".into()),
    };
    Ok(Policy {
        principal_id: out.get("principalId").cloned().unwrap_or(Value::Null),
        statements,
        context,
        usage_identifier_key: out
            .get("usageIdentifierKey")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// Evaluate a policy against a method ARN: an explicit Deny wins, then an Allow.
///
/// # Errors
/// 403 ACCESS_DENIED with AWS's two messages.
pub fn evaluate(policy: &Policy, arn: &str) -> Result<(), GatewayError> {
    let applies = |actions: &[String], resources: &[String]| {
        actions.iter().any(|a| glob(a, "execute-api:Invoke"))
            && resources.iter().any(|r| glob(r, arn))
    };
    if policy
        .statements
        .iter()
        .any(|(allow, a, r)| !allow && applies(a, r))
    {
        return Err(GatewayError::new(
            ResponseType::AccessDenied,
            "User is not authorized to access this resource with an explicit deny",
        ));
    }
    if policy
        .statements
        .iter()
        .any(|(allow, a, r)| *allow && applies(a, r))
    {
        return Ok(());
    }
    Err(GatewayError::new(
        ResponseType::AccessDenied,
        "User is not authorized to access this resource",
    ))
}

impl CompiledAuthorizer {
    /// Run the authorizer for a request.
    ///
    /// # Errors
    /// 401, 403 or 500 as AWS answers them.
    pub async fn authorize(
        &self,
        gw: &Gateway,
        inv: &Invocation<'_>,
        req: &RequestInfo,
    ) -> Result<Authorized, GatewayError> {
        let a = &self.authorizer;
        let arn = method_arn(inv, req);
        let sources: Vec<&str> = a
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
        let event = match a.authorizer_type.as_str() {
            "TOKEN" => {
                let token = identity.first().cloned().ok_or_else(unauthorized)?;
                if self
                    .validation
                    .as_ref()
                    .is_some_and(|r| !r.is_match(&token))
                {
                    return Err(unauthorized());
                }
                json!({"type": "TOKEN", "authorizationToken": token, "methodArn": arn})
            }
            "REQUEST" => {
                let mut e = crate::integrations::lambda::event(inv, req, &[], false);
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
        let ttl =
            Duration::from_secs(a.authorizer_result_ttl_in_seconds.unwrap_or(300).max(0) as u64);
        let cache_key = identity.join("\u{1}");
        if !ttl.is_zero() && !identity.is_empty() {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, policy)) = cache.get(&cache_key) {
                if at.elapsed() < ttl {
                    let policy = policy.clone();
                    drop(cache);
                    evaluate(&policy, &arn)?;
                    return Ok(Authorized { policy });
                }
            }
        }
        let integration = Integration {
            uri: a.authorizer_uri.clone(),
            timeout_in_millis: 29_000,
            ..Default::default()
        };
        let called = crate::integrations::lambda::call(gw, inv, &integration, event.to_string())
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
        if !ttl.is_zero() && !identity.is_empty() {
            self.cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(cache_key, (Instant::now(), policy.clone()));
        }
        evaluate(&policy, &arn)?;
        Ok(Authorized { policy })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        let arn = "arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/pets/1";
        assert!(glob("*", arn));
        assert!(glob(
            "arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/*",
            arn
        ));
        assert!(glob("arn:aws:execute-api:*:*:abc/dev/*", arn));
        assert!(!glob(
            "arn:aws:execute-api:us-east-1:000000000000:abc/dev/POST/*",
            arn
        ));
        assert!(glob("execute-api:*", "execute-api:Invoke"));
        assert!(glob("a?c", "abc") && !glob("a?c", "ac"));
    }

    #[test]
    fn policies_deny_first_then_allow() {
        let arn = "arn:aws:execute-api:us-east-1:1:abc/dev/GET/pets";
        let p = parse_policy(
            br#"{"principalId": "u1", "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:execute-api:us-east-1:1:abc/dev/*"},
                {"Action": ["execute-api:Invoke"], "Effect": "Deny", "Resource": ["arn:aws:execute-api:us-east-1:1:abc/dev/DELETE/*"]}
            ]}, "context": {"tier": "gold", "n": 3}, "usageIdentifierKey": "k"}"#,
        )
        .unwrap();
        assert_eq!(p.principal_id, json!("u1"));
        assert_eq!(p.usage_identifier_key.as_deref(), Some("k"));
        assert!(evaluate(&p, arn).is_ok());
        let denied =
            evaluate(&p, "arn:aws:execute-api:us-east-1:1:abc/dev/DELETE/pets").unwrap_err();
        assert_eq!(
            denied.message,
            "User is not authorized to access this resource with an explicit deny"
        );
        let other = evaluate(&p, "arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets").unwrap_err();
        assert_eq!(
            other.message,
            "User is not authorized to access this resource"
        );
        assert!(parse_policy(br#"{"principalId": "x"}"#).is_err());
        assert!(parse_policy(
            br#"{"policyDocument": {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}, "context": {"a": {"b": 1}}}"#
        )
        .is_err());
    }
}
