//! Shared set-up for the end-to-end tests: the SDK call chains that build a REST API
//! (resources, methods, integrations and their responses), deploy it, and put API keys in
//! usage plans, written once so that each test shows only what it is about.
//!
//! Every helper makes the same API Gateway calls a test would make by hand
//! (<https://docs.aws.amazon.com/apigateway/latest/api/API_Operations.html>) and panics, naming
//! the operation, when one fails: set-up failing is a broken test, not a result. A test *about*
//! an operation calls that operation itself.

use aws_sdk_apigateway::operation::put_integration::builders::PutIntegrationFluentBuilder;
use aws_sdk_apigateway::operation::put_integration_response::builders::PutIntegrationResponseFluentBuilder;
use aws_sdk_apigateway::operation::put_method::builders::PutMethodFluentBuilder;
use aws_sdk_apigateway::operation::put_method_response::builders::PutMethodResponseFluentBuilder;
use aws_sdk_apigateway::types::{
    ApiStage, IntegrationType, PatchOperation, QuotaPeriodType, QuotaSettings, ThrottleSettings,
};
use aws_sdk_apigateway::Client;
use serde_json::Value;

use crate::harness::{err_of, new_api, Server};

/// The request template that makes a MOCK integration answer status 200.
pub const MOCK_200: &str = "{\"statusCode\": 200}";

/// A patch operation `{op, path, value}`.
pub fn patch(op: &str, path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(op.into())
        .path(path)
        .value(value)
        .build()
}

/// A patch operation whose value may be left out (`None` sends no `value` member).
pub fn patch_opt(op: &str, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation::builder()
        .op(op.into())
        .path(path)
        .set_value(value.map(Into::into))
        .build()
}

/// A `remove` patch operation without a value.
pub fn remove(path: &str) -> PatchOperation {
    PatchOperation::builder()
        .op("remove".into())
        .path(path)
        .build()
}

/// The AWS error code and message of a call that must fail (panics if it succeeded).
pub fn fail<T, E, R>(r: Result<T, aws_sdk_apigateway::error::SdkError<E, R>>) -> (String, String)
where
    T: std::fmt::Debug,
    E: aws_sdk_apigateway::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    err_of(r.unwrap_err())
}

/// How [`assert_aws_err!`] checks an error's message.
pub enum Message<'a> {
    /// The message is exactly this.
    Is(&'a str),
    /// The message contains this.
    Contains(&'a str),
    /// The message starts with this.
    StartsWith(&'a str),
    /// The message is not checked.
    Any,
}

/// Assert that an SDK call failed with the AWS error `code` (when given) and a message as
/// `message` says; the body of [`assert_aws_err!`]. Panics if the call succeeded.
#[track_caller]
pub fn check_aws_err<T, E, R>(
    r: Result<T, aws_sdk_apigateway::error::SdkError<E, R>>,
    code: Option<&str>,
    message: Message<'_>,
) where
    T: std::fmt::Debug,
    E: aws_sdk_apigateway::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let (got_code, got_msg) = fail(r);
    if let Some(code) = code {
        assert_eq!(got_code, code, "error code (message: {got_msg})");
    }
    match message {
        Message::Is(m) => assert_eq!(got_msg, m, "error message ({got_code})"),
        Message::Contains(part) => assert!(
            got_msg.contains(part),
            "error message ({got_code}) {got_msg:?} lacks {part:?}"
        ),
        Message::StartsWith(start) => assert!(
            got_msg.starts_with(start),
            "error message ({got_code}) {got_msg:?} does not start with {start:?}"
        ),
        Message::Any => {}
    }
}

/// Assert in one line that an SDK call failed with an AWS error:
/// - `assert_aws_err!(result, "NotFoundException", "Invalid API identifier specified …")`:
///   that code and exactly that message;
/// - `assert_aws_err!(result, "BadRequestException", contains("part"))`: that code and a
///   message containing `part`;
/// - `assert_aws_err!(result, "BadRequestException", starts_with("Invalid patch path"))`:
///   that code and a message starting with that;
/// - `assert_aws_err!(result, "ConflictException")`: that code, whatever the message;
/// - `assert_aws_err!(result, _, …)`: the message as above, whatever the code.
///
/// Codes and messages may be `&str`, `String` or `format!(…)`.
macro_rules! assert_aws_err {
    ($r:expr, _, contains($part:expr) $(,)?) => {
        $crate::fixtures::check_aws_err(
            $r,
            None,
            $crate::fixtures::Message::Contains(::std::convert::AsRef::<str>::as_ref(&$part)),
        )
    };
    ($r:expr, _, starts_with($start:expr) $(,)?) => {
        $crate::fixtures::check_aws_err(
            $r,
            None,
            $crate::fixtures::Message::StartsWith(::std::convert::AsRef::<str>::as_ref(&$start)),
        )
    };
    ($r:expr, _, $msg:expr $(,)?) => {
        $crate::fixtures::check_aws_err(
            $r,
            None,
            $crate::fixtures::Message::Is(::std::convert::AsRef::<str>::as_ref(&$msg)),
        )
    };
    ($r:expr, $code:expr, contains($part:expr) $(,)?) => {
        $crate::fixtures::check_aws_err(
            $r,
            Some(::std::convert::AsRef::<str>::as_ref(&$code)),
            $crate::fixtures::Message::Contains(::std::convert::AsRef::<str>::as_ref(&$part)),
        )
    };
    ($r:expr, $code:expr, starts_with($start:expr) $(,)?) => {
        $crate::fixtures::check_aws_err(
            $r,
            Some(::std::convert::AsRef::<str>::as_ref(&$code)),
            $crate::fixtures::Message::StartsWith(::std::convert::AsRef::<str>::as_ref(&$start)),
        )
    };
    ($r:expr, $code:expr, $msg:expr $(,)?) => {
        $crate::fixtures::check_aws_err(
            $r,
            Some(::std::convert::AsRef::<str>::as_ref(&$code)),
            $crate::fixtures::Message::Is(::std::convert::AsRef::<str>::as_ref(&$msg)),
        )
    };
    ($r:expr, $code:expr $(,)?) => {
        $crate::fixtures::check_aws_err(
            $r,
            Some(::std::convert::AsRef::<str>::as_ref(&$code)),
            $crate::fixtures::Message::Any,
        )
    };
}
pub(crate) use assert_aws_err;

/// Assert in one line that a raw HTTP answer (a `reqwest::Response`, consumed) is an AWS error:
/// its status, its `x-amzn-errortype` header and exactly its body text, as in
/// `assert_http_err!(r, 504, "InternalServerErrorException", r#"{"message":"Endpoint request timed out"}"#)`.
/// Use it in async tests (it awaits the body).
macro_rules! assert_http_err {
    ($r:expr, $status:expr, $error_type:expr, $body:expr $(,)?) => {{
        let r: ::reqwest::Response = $r;
        assert_eq!(r.status(), $status);
        assert_eq!(r.headers()["x-amzn-errortype"], $error_type);
        assert_eq!(r.text().await.unwrap(), $body);
    }};
}
pub(crate) use assert_http_err;

/// GET a control-plane path over plain HTTP: the status and the JSON body, for wire details
/// the SDK hides (absent versus empty members, member names).
pub async fn raw_get(s: &Server, path: &str) -> (u16, Value) {
    let r = s
        .http()
        .get(format!("{}{path}", s.url))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Run `script` with `python3 -c` and `args` (botocore and boto3 come with the aws CLI);
/// its standard output.
pub fn python(script: &str, args: &[&str]) -> String {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The base URL of a deployed stage on the data plane (path form).
pub fn stage_url(s: &Server, api: &str, stage: &str) -> String {
    format!("{}/_aws/execute-api/{api}/{stage}", s.url)
}

/// `http://127.0.0.1:PORT` for a port nothing listens on: an unreachable backend.
pub fn closed_port_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", l.local_addr().unwrap())
}

/// Create the resource `part` under `parent`; returns its id.
pub async fn add_resource(c: &Client, api: &str, parent: &str, part: &str) -> String {
    c.create_resource()
        .rest_api_id(api)
        .parent_id(parent)
        .path_part(part)
        .send()
        .await
        .expect("create_resource")
        .id
        .unwrap()
}

/// One method of an API (a resource and an HTTP verb): SDK builders for the method and what
/// hangs off it with the API, resource and verb filled in, and the usual set-ups sent whole.
pub struct Route<'a> {
    c: &'a Client,
    api: &'a str,
    resource: &'a str,
    verb: &'a str,
}

impl<'a> Route<'a> {
    /// The method `verb` of `resource` in `api`.
    pub fn new(c: &'a Client, api: &'a str, resource: &'a str, verb: &'a str) -> Self {
        Route {
            c,
            api,
            resource,
            verb,
        }
    }

    /// PutMethod with `authorizationType` NONE, to add to and send.
    pub fn put_method(&self) -> PutMethodFluentBuilder {
        self.c
            .put_method()
            .rest_api_id(self.api)
            .resource_id(self.resource)
            .http_method(self.verb)
            .authorization_type("NONE")
    }

    /// PutMethodResponse for `status`, to add to and send.
    pub fn put_method_response(&self, status: &str) -> PutMethodResponseFluentBuilder {
        self.c
            .put_method_response()
            .rest_api_id(self.api)
            .resource_id(self.resource)
            .http_method(self.verb)
            .status_code(status)
    }

    /// PutIntegration, to add to and send.
    pub fn put_integration(&self) -> PutIntegrationFluentBuilder {
        self.c
            .put_integration()
            .rest_api_id(self.api)
            .resource_id(self.resource)
            .http_method(self.verb)
    }

    /// PutIntegration of type MOCK (no request template yet), to add to and send.
    pub fn put_mock(&self) -> PutIntegrationFluentBuilder {
        self.put_integration().r#type(IntegrationType::Mock)
    }

    /// PutIntegration of type HTTP_PROXY to `uri`, calling the backend with the method's own
    /// verb, to add to and send.
    pub fn put_http_proxy(&self, uri: impl Into<String>) -> PutIntegrationFluentBuilder {
        self.put_integration()
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method(self.verb)
            .uri(uri)
    }

    /// PutIntegrationResponse for `status`, to add to and send.
    pub fn put_integration_response(&self, status: &str) -> PutIntegrationResponseFluentBuilder {
        self.c
            .put_integration_response()
            .rest_api_id(self.api)
            .resource_id(self.resource)
            .http_method(self.verb)
            .status_code(status)
    }

    /// Put the method with `authorizationType` NONE and nothing else.
    pub async fn method(&self) {
        self.put_method().send().await.expect("put_method");
    }

    /// Put the method and a MOCK integration without templates: the least AWS deploys.
    pub async fn mock(&self) {
        self.method().await;
        self.put_mock().send().await.expect("put_integration");
    }

    /// Put the method and an HTTP_PROXY integration to `uri`.
    pub async fn proxy_to(&self, uri: impl Into<String>) {
        self.method().await;
        self.put_http_proxy(uri)
            .send()
            .await
            .expect("put_integration");
    }

    /// Make an existing method answer 200 with the JSON body `template` renders: method
    /// response 200, a MOCK integration answering 200, and integration response 200 with
    /// `template` for `application/json`.
    pub async fn mock_json(&self, template: &str) {
        self.put_method_response("200")
            .send()
            .await
            .expect("put_method_response");
        self.put_mock()
            .request_templates("application/json", MOCK_200)
            .send()
            .await
            .expect("put_integration");
        self.put_integration_response("200")
            .response_templates("application/json", template)
            .send()
            .await
            .expect("put_integration_response");
    }
}

/// A new API whose `GET /` has a MOCK integration (deployable as it is); returns (api id,
/// root resource id).
pub async fn deployable_api(c: &Client, name: &str) -> (String, String) {
    let (api, root) = new_api(c, name).await;
    Route::new(c, &api, &root, "GET").mock().await;
    (api, root)
}

/// A [`deployable_api`] deployed to stage `dev`; returns the API id.
pub async fn deployed_api(c: &Client, name: &str) -> String {
    let (api, _) = deployable_api(c, name).await;
    deploy(c, &api, "dev").await;
    api
}

/// Deploy `api` to `stage` (created if new); returns the deployment id.
pub async fn deploy(c: &Client, api: &str, stage: &str) -> String {
    deploy_with(c, api, Some(stage), &[]).await
}

/// Create a deployment of `api` without a stage; returns its id.
pub async fn deploy_without_stage(c: &Client, api: &str) -> String {
    deploy_with(c, api, None, &[]).await
}

/// Deploy `api`, to `stage` when given, setting the stage `variables`; returns the deployment
/// id.
pub async fn deploy_with(
    c: &Client,
    api: &str,
    stage: Option<&str>,
    variables: &[(&str, &str)],
) -> String {
    let mut d = c
        .create_deployment()
        .rest_api_id(api)
        .set_stage_name(stage.map(Into::into));
    for (k, v) in variables {
        d = d.variables(*k, *v);
    }
    d.send().await.expect("create_deployment").id.unwrap()
}

/// Throttle settings of `rate` requests per second with bursts of `burst`.
pub fn throttle(rate: f64, burst: i32) -> ThrottleSettings {
    ThrottleSettings::builder()
        .rate_limit(rate)
        .burst_limit(burst)
        .build()
}

/// A quota of `limit` requests per `period`.
pub fn quota(limit: i32, period: QuotaPeriodType) -> QuotaSettings {
    QuotaSettings::builder().limit(limit).period(period).build()
}

/// The stage `stage` of `api`, as a usage plan lists it.
pub fn api_stage(api: &str, stage: &str) -> ApiStage {
    ApiStage::builder().api_id(api).stage(stage).build()
}

/// Create an enabled API key named `name` and attach it to usage plan `plan`; returns (key
/// id, key value).
pub async fn key_in_plan(c: &Client, plan: &str, name: &str) -> (String, String) {
    let key = c
        .create_api_key()
        .name(name)
        .enabled(true)
        .send()
        .await
        .expect("create_api_key");
    let id = key.id.unwrap();
    c.create_usage_plan_key()
        .usage_plan_id(plan)
        .key_id(&id)
        .key_type("API_KEY")
        .send()
        .await
        .expect("create_usage_plan_key");
    (id, key.value.unwrap())
}

/// The guide's logging set-up: an IAM role API Gateway may assume, named in the account's
/// settings (in us-east-1), as AWS requires before a stage may log. Returns the role's ARN.
pub fn logging_role(s: &Server) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = s.aws(&[
        "iam",
        "create-role",
        "--role-name",
        "apigw-cloudwatch",
        "--assume-role-policy-document",
        trust,
    ]);
    let arn = role["Role"]["Arn"].as_str().expect("role arn").to_string();
    s.aws(&[
        "apigateway",
        "update-account",
        "--patch-operations",
        &format!("op=replace,path=/cloudwatchRoleArn,value={arn}"),
    ]);
    arn
}
