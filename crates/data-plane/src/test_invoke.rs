//! TestInvokeMethod: one method of an API as it stands now (not as deployed), run through the
//! request pipeline with the stage variables the caller gives, answering the status, headers,
//! body and AWS's execution log
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html)).
//!
//! As on AWS, the method is the one the call names, whatever the path; the path only fills its
//! path parameters when it matches the resource's template. The authorizer, API keys and
//! throttles are bypassed. Header names come back as AWS spells them (`Content-Type`,
//! `x-amzn-ErrorType`). The log has the lines AWS writes around the method
//! (recorded: test_apigateway_api.snapshot.json, `test_invoke_test_method`,
//! `test_failed_invoke_test_method`); the integration's own lines are not written.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, Response};

use apigw_model::{
    ApiSnapshot, AuthorizerTestOutcome, AuthorizerTestRequest, Method, Scope, Stage, TestOutcome,
    TestRequest,
};

use crate::addressing::Target;
use crate::deployment::authorizers::evaluate;
use crate::deployment::{CompiledDeployment, DeployedApi};
use crate::error::ResponseType;
use crate::pipeline::authorize::{decide, method_arn};
use crate::pipeline::context::RequestContext;
use crate::pipeline::invocation::Invocation;
use crate::request::request_head;
use crate::Gateway;

/// The stage name a test invocation runs in (`$context.stage`).
pub const TEST_STAGE: &str = "test-invoke-stage";

impl Gateway {
    /// `snapshot` compiled and served in a stage of its own, `test-invoke-stage`, with
    /// `variables` as its stage variables.
    fn test_stage(
        &self,
        scope: &Scope,
        snapshot: ApiSnapshot,
        variables: &std::collections::BTreeMap<String, String>,
    ) -> Arc<crate::deployment::DeployedStage> {
        let api_id = snapshot.rest_api.id.clone();
        let deployment = CompiledDeployment::compile("test-invoke", snapshot);
        let stage = Stage {
            stage_name: TEST_STAGE.into(),
            deployment_id: "test-invoke".into(),
            variables: Some(variables.clone()).filter(|v| !v.is_empty()),
            ..Stage::default()
        };
        self.deployed_stage(scope, &api_id, stage, deployment, None)
    }

    /// Run `t` against `snapshot` (the API as it stands) in a stage of its own.
    pub async fn test_invoke(
        &self,
        scope: &Scope,
        snapshot: ApiSnapshot,
        t: TestRequest,
    ) -> TestOutcome {
        let started = Instant::now();
        let api_id = snapshot.rest_api.id.clone();
        let resource_path = snapshot
            .resources
            .iter()
            .find(|r| r.id == t.resource_id)
            .map(|r| r.path.clone())
            .unwrap_or_else(|| "/".into());
        let stage = self.test_stage(scope, snapshot, &t.stage_variables);
        let api = DeployedApi {
            scope: scope.clone(),
            api_id: api_id.clone(),
            stages: [(TEST_STAGE.to_string(), stage)].into_iter().collect(),
            account: None,
        };
        let path_with_query = t
            .path_with_query
            .clone()
            .filter(|p| !p.is_empty())
            .unwrap_or(resource_path);
        let (path, query) = match path_with_query.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (path_with_query.clone(), String::new()),
        };
        let request_id = crate::ids::request_id();
        let extended = crate::ids::extended_request_id();
        let mut log = Log::new(&request_id);
        log.line(&format!(
            "HTTP Method: {}, Resource Path: {path}",
            t.http_method
        ));
        let mut req = Request::builder()
            .method(t.http_method.as_str())
            .uri(if query.is_empty() {
                path.clone()
            } else {
                format!("{path}?{query}")
            });
        for (k, v) in &t.headers {
            req = req.header(k, v);
        }
        let req = match req.body(Body::from(t.body.clone())) {
            Ok(r) => r,
            Err(e) => {
                log.line(&format!("Execution failed: {e}"));
                return log.finish(400, Vec::new(), Vec::new(), started);
            }
        };
        let target = Target {
            api_id: &api_id,
            stage: TEST_STAGE,
            path: &path,
            custom_domain: false,
        };
        let api = Arc::new(api);
        let mut ctx = RequestContext::new(&request_id, &extended, None);
        let result = self
            .execute(&target, Some(&api), req, &mut ctx, Some(&t.resource_id))
            .await;
        let params = ctx
            .inv
            .as_ref()
            .map(|i| i.path_params.clone())
            .unwrap_or_default();
        log.line(&format!("Method request path: {}", java_map(&params)));
        let query_pairs: Vec<(String, String)> = crate::request::percent_pairs(&query);
        log.line(&format!(
            "Method request query string: {}",
            java_map(&query_pairs)
        ));
        log.line(&format!("Method request headers: {}", java_map(&t.headers)));
        log.line(&format!(
            "Method request body before transformations: {}",
            String::from_utf8_lossy(&t.body)
        ));
        let res = match result {
            Ok(r) => r,
            Err(e) => {
                let res = ctx.render(&e);
                // An integration's failure is not a configuration error (its cause is in the
                // request log).
                let integration = matches!(
                    e.kind,
                    ResponseType::IntegrationFailure | ResponseType::IntegrationTimeout
                );
                if let Some(reason) = e.reason.as_ref().filter(|_| !integration) {
                    log.line(&format!(
                        "Execution failed due to configuration error: {reason}"
                    ));
                }
                let (status, headers, body) = read(res).await;
                log.line(&format!("Method completed with status: {status}"));
                return log.finish(status, headers, body, started);
            }
        };
        let (status, headers, body) = read(res).await;
        log.line(&format!(
            "Method response body after transformations: {}",
            String::from_utf8_lossy(&body)
        ));
        log.line(&format!("Method response headers: {}", java_map(&headers)));
        log.line("Successfully completed execution");
        log.line(&format!("Method completed with status: {status}"));
        log.finish(status, headers, body, started)
    }
}

impl Gateway {
    /// Run a Lambda authorizer of `snapshot` against a request made of `t`, as
    /// TestInvokeAuthorizer does: the policy is evaluated for `GET /` in the test stage and
    /// nothing is cached. AWS's wording of an authorizer test's log is not recorded; the lines
    /// here say what happened in the same `date : text` form.
    pub async fn test_invoke_authorizer(
        &self,
        scope: &Scope,
        snapshot: ApiSnapshot,
        t: AuthorizerTestRequest,
    ) -> AuthorizerTestOutcome {
        let started = Instant::now();
        let api_id = snapshot.rest_api.id.clone();
        let root = snapshot
            .resources
            .iter()
            .find(|r| r.path == "/")
            .cloned()
            .unwrap_or_default();
        let stage = self.test_stage(scope, snapshot, &t.stage_variables);
        let request_id = crate::ids::request_id();
        let extended = crate::ids::extended_request_id();
        let mut log = Log::new(&request_id);
        let mut out = AuthorizerTestOutcome::default();
        let Some(a) = stage.deployment.authorizers.get(&t.authorizer_id) else {
            log.line("Execution failed: the authorizer is not in the API");
            out.client_status = 500;
            return log.finish_authorizer(out, started);
        };
        log.line(&format!(
            "Starting authorizer: {} for request: {request_id}",
            t.authorizer_id
        ));
        let method = Method {
            http_method: "GET".into(),
            ..Method::default()
        };
        let inv = Invocation {
            scope,
            api_id: &api_id,
            request_id: &request_id,
            extended_request_id: &extended,
            stage: &stage,
            resource: &root,
            method: &method,
            path_params: Vec::new(),
            api_key: None,
            authorizer: None,
            signer: None,
            client: None,
        };
        let uri = t
            .path_with_query
            .clone()
            .filter(|p| p.starts_with('/'))
            .unwrap_or_else(|| "/".into());
        let mut req = Request::builder().method("GET").uri(uri.as_str());
        for (k, v) in &t.headers {
            req = req.header(k, v);
        }
        let Ok(req) = req.body(()) else {
            log.line("Execution failed: the request's headers or path are not valid");
            out.client_status = 400;
            return log.finish_authorizer(out, started);
        };
        let path = uri.split('?').next().unwrap_or("/");
        let head = request_head(path, &req, None, t.body.clone());
        let arn = method_arn(&inv, &head);
        match decide(a, &self.backends, &inv, &head, &arn).await {
            Ok(policy) => {
                out.principal_id = Some(match &policy.principal_id {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                out.policy = Some(policy.document.to_string());
                out.context = policy
                    .context
                    .iter()
                    .map(|(k, v)| {
                        let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        (k.clone(), v)
                    })
                    .collect();
                log.line(&format!("Policy evaluated against: {arn}"));
                out.client_status = match evaluate(&policy, &arn) {
                    Ok(()) => 200,
                    Err(e) => e.default_status(),
                };
            }
            Err(e) => {
                log.line(&format!("Authorizer refused the request: {}", e.message));
                out.client_status = e.default_status();
            }
        }
        log.line(&format!(
            "Authorizer completed with client status: {}",
            out.client_status
        ));
        log.finish_authorizer(out, started)
    }
}

/// A response's status, headers and whole body.
async fn read(res: Response<Body>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                aws_spelling(k.as_str()),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap_or_default()
        .to_vec();
    (status, headers, body)
}

/// A header name as AWS spells it in a test invocation's answer: its own `x-amzn-*` names as
/// it writes them, others capitalised word by word (`content-type` → `Content-Type`).
fn aws_spelling(name: &str) -> String {
    const AWS: &[&str] = &[
        "x-amzn-ErrorType",
        "x-amzn-RequestId",
        "x-amz-apigw-id",
        "X-Amzn-Trace-Id",
    ];
    if let Some(known) = AWS.iter().find(|k| k.eq_ignore_ascii_case(name)) {
        return (*known).to_string();
    }
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Pairs as Java prints a map: `{a=1, b=2}`.
fn java_map(pairs: &[(String, String)]) -> String {
    let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

/// AWS's execution log: a title line, then one timestamped line per step, then an empty line.
struct Log {
    text: String,
}

impl Log {
    fn new(request_id: &str) -> Self {
        let mut log = Self {
            text: format!("Execution log for request {request_id}\n"),
        };
        log.line(&format!("Starting execution for request: {request_id}"));
        log
    }

    /// One line, stamped as Java's `Date.toString()` prints in UTC (`Sun Dec 06 06:45:38 UTC
    /// 2026`), as AWS's lines are.
    fn line(&mut self, text: &str) {
        let now = chrono::Utc::now().format("%a %b %d %H:%M:%S UTC %Y");
        self.text.push_str(&format!("{now} : {text}\n"));
    }

    fn finish(
        self,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        started: Instant,
    ) -> TestOutcome {
        TestOutcome {
            status,
            headers,
            body,
            log: self.text,
            latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        }
    }
}

impl Log {
    fn finish_authorizer(
        self,
        mut out: AuthorizerTestOutcome,
        started: Instant,
    ) -> AuthorizerTestOutcome {
        out.log = self.text;
        out.latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_as_aws_writes_them() {
        assert_eq!(aws_spelling("content-type"), "Content-Type");
        assert_eq!(aws_spelling("x-amzn-errortype"), "x-amzn-ErrorType");
        assert_eq!(aws_spelling("x-custom"), "X-Custom");
    }

    #[test]
    fn maps_print_as_java_does() {
        assert_eq!(java_map(&[]), "{}");
        assert_eq!(
            java_map(&[("petId".into(), "1".into()), ("x".into(), "y".into())]),
            "{petId=1, x=y}"
        );
    }
}
