//! Lambda authorizers (TOKEN and REQUEST) on methods with `authorizationType: CUSTOM`, as AWS
//! runs them ([Lambda authorizers](https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html)):
//! the identity source is read (missing → 401), a TOKEN checked against
//! `identityValidationExpression` (no match → 401), the function invoked through the Lambda
//! endpoint with AWS's event, and the IAM policy it returns evaluated against the method ARN
//! (explicit Deny, or no Allow covering the ARN → 403). An error "Unauthorized" from the
//! function is a 401; any other failure a 500 AUTHORIZER_CONFIGURATION_ERROR. Policies are
//! cached per identity for `authorizerResultTtlInSeconds` (300 by default) and evaluated again
//! for each method, which is why a policy naming one method denies the others, as on AWS.
//!
//! This module holds what is compiled with a deployment (the authorizers, their caches) and
//! the policy rules; running one is a phase of the pipeline ([`crate::pipeline::authorize`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::{Map, Value};

use apigw_model::{ApiSnapshot, Authorizer};

use crate::error::{GatewayError, ResponseType};

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
    /// `policyDocument` as the function answered it (TestInvokeAuthorizer shows it).
    pub document: Value,
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

    /// Forget every cached policy (FlushStageAuthorizersCache).
    pub fn flush(&self) {
        for a in self.by_id.values() {
            a.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }
}

impl CompiledAuthorizer {
    /// Whether a TOKEN passes `identityValidationExpression` (always, without one).
    pub fn accepts_token(&self, token: &str) -> bool {
        self.validation.as_ref().is_none_or(|r| r.is_match(token))
    }

    /// The policy cached for an identity, when younger than `ttl`.
    pub fn cached(&self, identity: &str, ttl: Duration) -> Option<Arc<Policy>> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let (at, policy) = cache.get(identity)?;
        (at.elapsed() < ttl).then(|| policy.clone())
    }

    /// Cache the policy the function answered for an identity.
    pub fn remember(&self, identity: String, policy: Arc<Policy>) {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(identity, (Instant::now(), policy));
    }
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
        document: Value::Object(doc.clone()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
