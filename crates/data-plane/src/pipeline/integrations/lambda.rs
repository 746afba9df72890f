//! AWS_PROXY: the Lambda proxy integration (payload format 1.0), invoking functions through
//! a local server that speaks Lambda's Invoke API — `cargo lambda watch`, `sam local
//! start-lambda`, the Lambda Runtime Interface Emulator, or another emulator's Lambda.
//!
//! The function comes from the integration URI
//! (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations`);
//! the endpoint from `--lambda-function NAME=URL` or else `--lambda-endpoint URL`. The event and
//! the rules for the function's answer are AWS's ([Lambda proxy integrations](https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html)):
//! a function error, an unreachable endpoint or a malformed answer is a 502
//! `{"message": "Internal server error"}`; overrunning `timeoutInMillis` a 504.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use base64::Engine;
use serde_json::{json, Map, Value};

use apigw_model::Integration;

use crate::error::{GatewayError, ResponseType};
use crate::pipeline::integrations::backends::Backends;
use crate::pipeline::invocation::{context_object, Invocation};
use crate::request::RequestInfo;

/// A function named by an integration URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The function ARN (or name) as the URI gives it, without the qualifier.
    pub arn: String,
    /// The bare function name.
    pub name: String,
    /// A version or alias (`:prod`), if any.
    pub qualifier: Option<String>,
}

/// Read the function out of an AWS_PROXY integration URI.
pub fn function_of(uri: &str) -> Option<FunctionRef> {
    let start = uri.find("/functions/")? + "/functions/".len();
    let rest = &uri[start..];
    let end = rest.find("/invocations")?;
    let target = &rest[..end];
    // `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`, or a bare name.
    let (arn, name, qualifier) = match target.split_once(":function:") {
        Some((prefix, tail)) => {
            let (name, qualifier) = match tail.split_once(':') {
                Some((n, q)) => (n, Some(q.to_string())),
                None => (tail, None),
            };
            (
                format!("{prefix}:function:{name}"),
                name.to_string(),
                qualifier,
            )
        }
        None => (target.to_string(), target.to_string(), None),
    };
    (!name.is_empty()).then_some(FunctionRef {
        arn,
        name,
        qualifier,
    })
}

/// Group ordered pairs into AWS's single-value (last wins) and multi-value maps; `null` when
/// there are none, as AWS sends them.
fn value_maps(pairs: &[(String, String)]) -> (Value, Value) {
    if pairs.is_empty() {
        return (Value::Null, Value::Null);
    }
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in pairs {
        single.insert(k.clone(), Value::String(v.clone()));
        match multi.get_mut(k) {
            Some(Value::Array(list)) => list.push(Value::String(v.clone())),
            _ => {
                multi.insert(k.clone(), json!([v]));
            }
        }
    }
    (Value::Object(single), Value::Object(multi))
}

/// The event a Lambda proxy integration sends (payload format 1.0).
pub fn event(inv: &Invocation<'_>, req: &RequestInfo, body: &[u8], binary: bool) -> Value {
    let (headers, multi_headers) = value_maps(&req.headers);
    let (query, multi_query) = value_maps(&req.query);
    let path_params = if inv.path_params.is_empty() {
        Value::Null
    } else {
        Value::Object(
            inv.path_params
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    };
    let stage_variables = match &inv.stage.stage.variables {
        Some(v) if !v.is_empty() => json!(v),
        _ => Value::Null,
    };
    let body_value = if body.is_empty() {
        Value::Null
    } else if binary {
        Value::String(base64::engine::general_purpose::STANDARD.encode(body))
    } else {
        Value::String(String::from_utf8_lossy(body).into_owned())
    };
    json!({
        "resource": inv.resource.path,
        "path": req.path,
        "httpMethod": req.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_params,
        "stageVariables": stage_variables,
        "requestContext": Value::Object(context_object(inv, req, chrono::Utc::now())),
        "body": body_value,
        "isBase64Encoded": binary && !body.is_empty(),
    })
}

/// Why a function's answer is not a valid proxy response.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OutputError {
    /// Not a JSON object.
    #[error("the function's answer is not a JSON object")]
    NotAnObject,
    /// A member AWS does not allow.
    #[error("unexpected member {0:?} in the function's answer")]
    UnknownMember(String),
    /// A member of the wrong type.
    #[error("member {0:?} of the function's answer has the wrong type")]
    WrongType(&'static str),
    /// `body` is not valid base64 although `isBase64Encoded` says it is.
    #[error("body is not valid base64")]
    BadBase64,
}

/// A function's answer, checked.
#[derive(Debug, PartialEq, Eq)]
pub struct ProxyOutput {
    /// The status (200 unless given).
    pub status: u16,
    /// Headers, single- and multi-valued merged (multi-value wins on a name in both).
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

fn header_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Check and read a function's answer: `{statusCode, headers, multiValueHeaders, body,
/// isBase64Encoded}`, every member optional, no other allowed.
///
/// # Errors
/// The answer is malformed (AWS answers 502).
pub fn parse_output(bytes: &[u8]) -> Result<ProxyOutput, OutputError> {
    let Ok(Value::Object(out)) = serde_json::from_slice::<Value>(bytes) else {
        return Err(OutputError::NotAnObject);
    };
    if let Some(k) = out.keys().find(|k| {
        !matches!(
            k.as_str(),
            "statusCode" | "headers" | "multiValueHeaders" | "body" | "isBase64Encoded"
        )
    }) {
        return Err(OutputError::UnknownMember(k.clone()));
    }
    let status = match out.get("statusCode") {
        None | Some(Value::Null) => 200,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| (100..600).contains(n))
            .ok_or(OutputError::WrongType("statusCode"))?,
        Some(Value::String(s)) => s
            .parse::<u16>()
            .ok()
            .filter(|n| (100..600).contains(n))
            .ok_or(OutputError::WrongType("statusCode"))?,
        Some(_) => return Err(OutputError::WrongType("statusCode")),
    };
    let mut merged: BTreeMap<String, Vec<String>> = BTreeMap::new();
    match out.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (k, v) in h {
                let v = header_text(v).ok_or(OutputError::WrongType("headers"))?;
                merged.insert(k.to_ascii_lowercase(), vec![v]);
            }
        }
        Some(_) => return Err(OutputError::WrongType("headers")),
    }
    match out.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (k, v) in h {
                let Value::Array(list) = v else {
                    return Err(OutputError::WrongType("multiValueHeaders"));
                };
                let values = list
                    .iter()
                    .map(header_text)
                    .collect::<Option<Vec<_>>>()
                    .ok_or(OutputError::WrongType("multiValueHeaders"))?;
                merged.insert(k.to_ascii_lowercase(), values);
            }
        }
        Some(_) => return Err(OutputError::WrongType("multiValueHeaders")),
    }
    let base64 = match out.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(OutputError::WrongType("isBase64Encoded")),
    };
    let body = match out.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if base64 => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|_| OutputError::BadBase64)?,
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(_) => return Err(OutputError::WrongType("body")),
    };
    Ok(ProxyOutput {
        status,
        headers: merged
            .into_iter()
            .flat_map(|(k, vs)| vs.into_iter().map(move |v| (k.clone(), v)))
            .collect(),
        body,
    })
}

fn bad_gateway(reason: &str) -> GatewayError {
    GatewayError::new(ResponseType::IntegrationFailure, "Internal server error")
        .with_status(502)
        .because(reason)
}

/// What a function invocation answered.
pub struct Called {
    /// The function's name.
    pub function: String,
    /// Whether the function raised an error (`X-Amz-Function-Error`).
    pub function_error: bool,
    /// The Invoke API's status.
    pub status: reqwest::StatusCode,
    /// The payload.
    pub payload: bytes::Bytes,
}

/// Invoke the function an integration names with `payload` (synchronously, as API Gateway
/// does).
///
/// # Errors
/// No function or endpoint (500), an unreachable endpoint (502), `timeoutInMillis` (504).
pub async fn call(
    backends: &Backends,
    inv: &Invocation<'_>,
    integration: &Integration,
    payload: String,
) -> Result<Called, GatewayError> {
    let uri = super::uri_of(integration, inv.stage);
    let function = function_of(&uri)
        .ok_or_else(|| GatewayError::config("integration URI names no Lambda function"))?;
    let lambda = &backends.lambda;
    let Some(endpoint) = lambda
        .functions
        .get(&function.name)
        .or(lambda.endpoint.as_ref())
    else {
        return call_local(backends, inv, integration, &function, payload).await;
    };
    let target = if lambda.pass_arn {
        percent_encoding::utf8_percent_encode(&function.arn, percent_encoding::NON_ALPHANUMERIC)
            .to_string()
    } else {
        function.name.clone()
    };
    let mut url = format!(
        "{}/2015-03-31/functions/{target}/invocations",
        endpoint.trim_end_matches('/')
    );
    if let Some(q) = &function.qualifier {
        url.push_str("?Qualifier=");
        url.push_str(q);
    }
    let request = backends
        .client_for(integration)
        .post(&url)
        .header("content-type", "application/json")
        .header("x-amz-invocation-type", "RequestResponse")
        .body(payload)
        .send();
    super::within(
        super::timeout_of(integration),
        async {
            let r = request.await?;
            let function_error = r.headers().contains_key("x-amz-function-error");
            let status = r.status();
            let payload = r.bytes().await?;
            Ok(Called {
                function: function.name.clone(),
                function_error,
                status,
                payload,
            })
        },
        |e| bad_gateway(&format!("{url}: {e}")),
    )
    .await
}

/// Invoke a function of the built-in Lambda (no endpoint named it): its region is the ARN's,
/// or the API's for a bare name.
async fn call_local(
    backends: &Backends,
    inv: &Invocation<'_>,
    integration: &Integration,
    function: &FunctionRef,
    payload: String,
) -> Result<Called, GatewayError> {
    let missing = || {
        GatewayError::config(&format!(
            "no function {} in the built-in Lambda and no Lambda endpoint for it: create it \
             (aws lambda create-function), or start apigw-local with --lambda-endpoint URL \
             (or --lambda-function {}=URL)",
            function.name, function.name
        ))
    };
    let Some(local) = &backends.lambda.local else {
        return Err(missing());
    };
    let region = apigw_model::Arn::parse(&function.arn)
        .map(|a| a.region)
        .filter(|r| !r.is_empty())
        .unwrap_or(&inv.scope.region);
    let call = local.0.invoke(
        region,
        &function.name,
        function.qualifier.as_deref(),
        bytes::Bytes::from(payload),
    );
    let timeout = super::timeout_of(integration);
    let Some(answer) = super::by_deadline(timeout, call).await? else {
        return Err(missing());
    };
    Ok(Called {
        function: function.name.clone(),
        function_error: answer.function_error,
        status: answer.status,
        payload: answer.payload,
    })
}

/// AWS_PROXY: invoke the function with the proxy event and turn its answer into the method
/// response.
pub async fn invoke(
    backends: &Backends,
    inv: &Invocation<'_>,
    integration: &Integration,
    req: &RequestInfo,
    body: &[u8],
) -> Result<Response<Body>, GatewayError> {
    let binary = is_binary(inv, req);
    let payload = event(inv, req, body, binary).to_string();
    let called = call(backends, inv, integration, payload).await?;
    if called.function_error || !called.status.is_success() {
        return Err(bad_gateway(&format!(
            "function {} failed ({}): {}",
            called.function,
            called.status,
            String::from_utf8_lossy(&called.payload[..called.payload.len().min(500)])
        )));
    }
    let bytes = called.payload;
    let out = parse_output(&bytes).map_err(|e| bad_gateway(&e.to_string()))?;
    let mut res = Response::new(Body::from(out.body));
    *res.status_mut() = StatusCode::from_u16(out.status).unwrap_or(StatusCode::OK);
    let h = res.headers_mut();
    for (k, v) in out.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            h.append(name, value);
        }
    }
    if !h.contains_key(CONTENT_TYPE) {
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    crate::headers::remap(h, &crate::headers::PROXY);
    Ok(res)
}

/// Whether the request body goes to the function base64-encoded: its `Content-Type` is one
/// of the API's `binaryMediaTypes` (`*/*` matches any).
fn is_binary(inv: &Invocation<'_>, req: &RequestInfo) -> bool {
    let Some(types) = &inv.stage.deployment.snapshot.rest_api.binary_media_types else {
        return false;
    };
    let ct = req
        .header("content-type")
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    types.iter().any(|t| {
        let t = t.to_ascii_lowercase();
        t == "*/*"
            || t == ct
            || t.strip_suffix("/*")
                .is_some_and(|major| ct.split('/').next() == Some(major))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_from_uris() {
        let f = function_of("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations").unwrap();
        assert_eq!(f.name, "pets");
        assert_eq!(f.arn, "arn:aws:lambda:us-east-1:123456789012:function:pets");
        assert_eq!(f.qualifier, None);
        let f = function_of("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:pets:live/invocations").unwrap();
        assert_eq!(
            (f.name.as_str(), f.qualifier.as_deref()),
            ("pets", Some("live"))
        );
        assert_eq!(f.arn, "arn:aws:lambda:us-east-1:1:function:pets");
        assert_eq!(function_of("http://example.com/x"), None);
    }

    #[test]
    fn outputs_as_aws_reads_them() {
        let o = parse_output(br#"{"statusCode": 201, "headers": {"X-A": "1", "B": true}, "multiValueHeaders": {"x-a": ["2", "3"]}, "body": "hi"}"#).unwrap();
        assert_eq!(o.status, 201);
        assert_eq!(
            o.headers,
            vec![
                ("b".to_string(), "true".to_string()),
                ("x-a".to_string(), "2".to_string()),
                ("x-a".to_string(), "3".to_string()),
            ]
        );
        assert_eq!(o.body, b"hi");
        let o = parse_output(br#"{"body": "aGk=", "isBase64Encoded": true}"#).unwrap();
        assert_eq!((o.status, o.body.as_slice()), (200, &b"hi"[..]));
        assert_eq!(parse_output(b"{}").unwrap().status, 200);
    }

    #[test]
    fn malformed_outputs() {
        assert_eq!(parse_output(b"\"hello\""), Err(OutputError::NotAnObject));
        assert_eq!(parse_output(b"not json"), Err(OutputError::NotAnObject));
        assert_eq!(
            parse_output(br#"{"statusCode": 200, "extra": 1}"#),
            Err(OutputError::UnknownMember("extra".into()))
        );
        assert_eq!(
            parse_output(br#"{"body": {"a": 1}}"#),
            Err(OutputError::WrongType("body"))
        );
        assert_eq!(
            parse_output(br#"{"headers": {"a": [1]}}"#),
            Err(OutputError::WrongType("headers"))
        );
        assert_eq!(
            parse_output(br#"{"statusCode": "abc"}"#),
            Err(OutputError::WrongType("statusCode"))
        );
    }
}
