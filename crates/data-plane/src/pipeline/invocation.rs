//! The call being served, filled in phase by phase, and `$context`, `$input.params()` and
//! `$stageVariables` as its templates see them.

use serde_json::{json, Map, Value};

use apigw_model::{Method, Resource, Scope};

use crate::deployment::authorizers::Authorized;
use crate::deployment::DeployedStage;
use crate::pipeline::sigv4::Signer;
use crate::request::{Client, RequestInfo};
use crate::usage::KeyIdentity;

/// Everything learned about one execute-api call, filled in phase by phase.
pub struct Invocation<'a> {
    /// Account and region of the API.
    pub scope: &'a Scope,
    /// The API id as created.
    pub api_id: &'a str,
    /// `$context.requestId`, also sent as `x-amzn-RequestId`.
    pub request_id: &'a str,
    /// `$context.extendedRequestId`, also sent as `x-amz-apigw-id`.
    pub extended_request_id: &'a str,
    /// The stage served.
    pub stage: &'a DeployedStage,
    /// The matched resource.
    pub resource: &'a Resource,
    /// The selected method.
    pub method: &'a Method,
    /// Path parameters, decoded.
    pub path_params: Vec<(String, String)>,
    /// The API key the request was admitted with, when the method requires one.
    pub api_key: Option<KeyIdentity>,
    /// What the method's Lambda authorizer allowed (`$context.authorizer`).
    pub authorizer: Option<Authorized>,
    /// Who signed the call to an `AWS_IAM` method (`$context.identity`'s IAM fields).
    pub signer: Option<Box<Signer>>,
    /// The connection the request came on, when the server said.
    pub client: Option<&'a Client>,
}

/// Build `$context` for an invocation.
pub fn context_object(
    inv: &Invocation<'_>,
    req: &RequestInfo,
    now: chrono::DateTime<chrono::Utc>,
) -> Map<String, Value> {
    let stage = &inv.stage.stage.stage_name;
    let prefix = req.host.split('.').next().unwrap_or_default().to_string();
    let signer = inv.signer.as_deref();
    // An IAM signer stands for the API's account's root here.
    let account = signer.map(|_| inv.scope.account.as_str());
    let v = json!({
        "accountId": inv.scope.account,
        "apiId": inv.api_id,
        "authorizer": inv.authorizer.as_ref().map(Authorized::context),
        "deploymentId": inv.stage.deployment.id,
        "domainName": req.host,
        "domainPrefix": prefix,
        "extendedRequestId": inv.extended_request_id,
        "httpMethod": req.method,
        "identity": {
            "accessKey": signer.map(|s| &*s.access_key),
            "accountId": account,
            "caller": account,
            "cognitoAuthenticationProvider": null,
            "cognitoAuthenticationType": null,
            "cognitoIdentityId": null,
            "cognitoIdentityPoolId": null,
            "principalOrgId": null,
            "sourceIp": req.source_ip,
            "user": account,
            "userAgent": req.header("user-agent"),
            "userArn": account.map(apigw_model::arn::iam_root),
        },
        "path": if req.path == "/" { format!("/{stage}/") } else { format!("/{stage}{}", req.path) },
        "protocol": "HTTP/1.1",
        "requestId": inv.request_id,
        "requestTime": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        "requestTimeEpoch": now.timestamp_millis(),
        "resourceId": inv.resource.id,
        "resourcePath": inv.resource.path,
        "stage": stage,
    });
    match v {
        Value::Object(mut m) => {
            // Present only when a key admitted the request: AWS's events for methods without
            // one have no such members (test_apigateway_lambda.snapshot.json).
            if let (Some(k), Some(Value::Object(identity))) = (&inv.api_key, m.get_mut("identity"))
            {
                identity.insert("apiKey".into(), Value::from(&*k.value));
                identity.insert("apiKeyId".into(), Value::from(&*k.id));
            }
            // Present only on a stage with a canary (AWS's $context reference).
            if inv.stage.is_canary || inv.stage.canary.is_some() {
                m.insert("isCanaryRequest".into(), Value::Bool(inv.stage.is_canary));
            }
            m
        }
        _ => Map::new(),
    }
}

/// The template context for the integration request.
pub fn vtl_context(
    inv: &Invocation<'_>,
    req: &RequestInfo,
    context: Map<String, Value>,
    body: String,
) -> apigw_vtl::Context {
    apigw_vtl::Context {
        body,
        params: apigw_vtl::Params {
            path: inv.path_params.clone(),
            querystring: req.query.clone(),
            header: req.headers.clone(),
        },
        context,
        stage_variables: inv
            .stage
            .stage
            .variables
            .iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())))
            .collect(),
    }
}

/// A template context built only when a template needs one: constant templates (the usual
/// `{"statusCode": 200}` of MOCK and CORS integrations) and literal mappings render without it.
pub struct LazyContext<'a> {
    ctx: Option<apigw_vtl::Context>,
    make: Option<Box<dyn FnOnce() -> apigw_vtl::Context + 'a>>,
}

impl<'a> LazyContext<'a> {
    /// A context made by `make` on first use.
    pub fn new(make: impl FnOnce() -> apigw_vtl::Context + 'a) -> Self {
        Self {
            ctx: None,
            make: Some(Box::new(make)),
        }
    }

    /// A context that exists already.
    pub fn ready(ctx: apigw_vtl::Context) -> Self {
        Self {
            ctx: Some(ctx),
            make: None,
        }
    }

    /// The context, if a template made it already.
    pub fn existing(&self) -> Option<&apigw_vtl::Context> {
        self.ctx.as_ref()
    }

    /// The context, made now if it was not yet.
    pub fn get(&mut self) -> &mut apigw_vtl::Context {
        let Self { ctx, make } = self;
        ctx.get_or_insert_with(|| make.take().map(|f| f()).unwrap_or_default())
    }
}

/// Whether a template is plain text (no reference, directive or escape): it renders as itself.
pub fn is_constant(template: &str) -> bool {
    !template.contains(['$', '#', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_templates() {
        assert!(is_constant("{\"statusCode\": 200}"));
        assert!(is_constant("ok"));
        assert!(!is_constant("$input.body"));
        assert!(!is_constant("#set($a = 1)"));
        assert!(!is_constant("a \\$ b"));
    }

    #[test]
    fn lazy_context_is_made_once_and_only_when_asked() {
        let made = std::cell::Cell::new(0);
        let mut lazy = LazyContext::new(|| {
            made.set(made.get() + 1);
            apigw_vtl::Context::with_body("x")
        });
        assert_eq!(made.get(), 0);
        assert_eq!(lazy.get().body, "x");
        lazy.get().body.push('y');
        assert_eq!(lazy.get().body, "xy");
        assert_eq!(made.get(), 1);
    }
}
