//! AWS_PROXY (Lambda proxy) integrations against a local server speaking Lambda's Invoke API,
//! written here: it records each event and answers per function name.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_apigateway::types::IntegrationType;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use crate::fixtures::{add_resource, assert_aws_err, deploy, deploy_with, stage_url, Route};
use crate::harness::{new_api, Server};

/// What the fake Lambda service saw: (function name, invocation type header, event).
type Seen = Arc<Mutex<Vec<(String, Option<String>, Value)>>>;

/// A fake Lambda Invoke API on an ephemeral port. Functions: `echo` answers the event as its
/// body, `fail` raises an error, `bad` answers a malformed proxy response, `slow` takes 2 s,
/// `image` answers a base64 body.
async fn fake_lambda() -> (String, Seen) {
    async fn invoke(
        State(seen): State<Seen>,
        Path(name): Path<String>,
        headers: HeaderMap,
        body: Bytes,
    ) -> axum::response::Response {
        let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let kind = headers
            .get("x-amz-invocation-type")
            .map(|v| v.to_str().unwrap().to_string());
        seen.lock()
            .unwrap()
            .push((name.clone(), kind, event.clone()));
        match name.as_str() {
            "echo" => json!({
                "statusCode": 201,
                "headers": {"x-fn": "echo", "content-type": "application/json"},
                "multiValueHeaders": {"set-cookie": ["a=1", "b=2"]},
                "body": event.to_string(),
            })
            .to_string()
            .into_response(),
            "fail" => (
                [("x-amz-function-error", "Unhandled")],
                r#"{"errorMessage":"boom","errorType":"Error"}"#,
            )
                .into_response(),
            "bad" => r#"{"statusCode": 200, "unexpected": true}"#.into_response(),
            "raw" => event.to_string().into_response(),
            "auth" | "reqauth" => authorizer_answer(&event).into_response(),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                "{}".into_response()
            }
            "image" => json!({
                "headers": {"content-type": "image/png"},
                "body": "iVBORw0K",
                "isBase64Encoded": true,
            })
            .to_string()
            .into_response(),
            _ => (StatusCode::NOT_FOUND, "no such function").into_response(),
        }
    }
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// A TOKEN or REQUEST authorizer: the token (or the `X-User` header) says what to answer.
fn authorizer_answer(event: &Value) -> axum::response::Response {
    let who = match event["type"].as_str() {
        Some("TOKEN") => event["authorizationToken"].as_str().unwrap_or_default(),
        _ => event["headers"]
            .as_object()
            .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case("x-user")))
            .and_then(|(_, v)| v.as_str())
            .unwrap_or_default(),
    };
    let arn = event["methodArn"].as_str().unwrap_or_default();
    let policy = |effect: &str, resource: &str| {
        json!({
            "principalId": format!("user-{who}"),
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
            ]},
            "context": {"who": who, "level": 3, "admin": false},
        })
        .to_string()
    };
    match who {
        "allow" | "ann" => policy("Allow", "*").into_response(),
        "deny" => policy("Deny", arn).into_response(),
        // Allows another method only.
        "other" => policy(
            "Allow",
            &format!("{}/OTHER", arn.rsplit_once('/').unwrap().0),
        )
        .into_response(),
        "broken" => r#"{"principalId": "x"}"#.into_response(),
        _ => (
            [("x-amz-function-error", "Unhandled")],
            r#"{"errorMessage":"Unauthorized"}"#,
        )
            .into_response(),
    }
}

fn function_uri(name: &str) -> String {
    format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:{name}/invocations")
}

/// An API with `/items/{id}` → `echo` and `/{fn}` resources for the other functions, each
/// `ANY` with an AWS_PROXY integration, deployed to `dev` with a stage variable.
async fn lambda_api(s: &Server) -> String {
    let c = s.sdk();
    let (api, root) = new_api(&c, "lambda").await;
    let items = add_resource(&c, &api, &root, "items").await;
    let item = add_resource(&c, &api, &items, "{id}").await;
    let mut routes = vec![(item, "echo")];
    for f in ["fail", "bad", "slow", "image", "missing"] {
        routes.push((add_resource(&c, &api, &root, f).await, f));
    }
    for (rid, f) in routes {
        let route = Route::new(&c, &api, &rid, "ANY");
        route.method().await;
        route
            .put_integration()
            .r#type(IntegrationType::AwsProxy)
            .integration_http_method("POST")
            .uri(function_uri(f))
            .timeout_in_millis(if f == "slow" { 300 } else { 29_000 })
            .send()
            .await
            .unwrap();
    }
    deploy_with(&c, &api, Some("dev"), &[("color", "blue")]).await;
    api
}

#[tokio::test]
async fn lambda_proxy_event_and_response() {
    let (lambda, seen) = fake_lambda().await;
    let s = Server::start_args(&["--lambda-endpoint", &lambda]);
    let api = lambda_api(&s).await;
    let base = stage_url(&s, &api, "dev");
    let r = s
        .http()
        .post(format!("{base}/items/42?a=1&a=2&b=x"))
        .header("x-custom", "v")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["x-fn"], "echo");
    let cookies: Vec<_> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    let request_id = r.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_string();
    let echoed: Value = r.json().await.unwrap();

    let (name, kind, event) = seen.lock().unwrap()[0].clone();
    assert_eq!(name, "echo");
    assert_eq!(kind.as_deref(), Some("RequestResponse"));
    assert_eq!(echoed, event);
    assert_eq!(event["resource"], "/items/{id}");
    assert_eq!(event["path"], "/items/42");
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["headers"]["x-custom"], "v");
    assert_eq!(event["multiValueHeaders"]["x-custom"], json!(["v"]));
    assert_eq!(event["queryStringParameters"], json!({"a": "2", "b": "x"}));
    assert_eq!(
        event["multiValueQueryStringParameters"],
        json!({"a": ["1", "2"], "b": ["x"]})
    );
    assert_eq!(event["pathParameters"], json!({"id": "42"}));
    assert_eq!(event["stageVariables"], json!({"color": "blue"}));
    assert_eq!(event["body"], "hello");
    assert_eq!(event["isBase64Encoded"], false);
    let rc = &event["requestContext"];
    assert_eq!(rc["stage"], "dev");
    assert_eq!(rc["resourcePath"], "/items/{id}");
    assert_eq!(rc["path"], "/dev/items/42");
    assert_eq!(rc["httpMethod"], "POST");
    assert_eq!(rc["apiId"], api.as_str());
    assert_eq!(rc["accountId"], "000000000000");
    assert_eq!(rc["requestId"], request_id.as_str());
    assert_eq!(rc["identity"]["sourceIp"], "127.0.0.1");
    // The members AWS sends for a method without API key or IAM auth, all null but the
    // client's (test_apigateway_lambda.snapshot.json, requestContext.identity).
    let identity: Vec<&str> = rc["identity"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        identity,
        [
            "accessKey",
            "accountId",
            "caller",
            "cognitoAuthenticationProvider",
            "cognitoAuthenticationType",
            "cognitoIdentityId",
            "cognitoIdentityPoolId",
            "principalOrgId",
            "sourceIp",
            "user",
            "userAgent",
            "userArn",
        ]
    );
    assert_eq!(rc["identity"]["accessKey"], Value::Null);

    // A body-less GET: body null, no query string.
    s.http_get(format!("{base}/items/7")).await;
    let event = seen.lock().unwrap()[1].2.clone();
    assert_eq!(event["body"], Value::Null);
    assert_eq!(event["queryStringParameters"], Value::Null);
    assert_eq!(event["multiValueQueryStringParameters"], Value::Null);

    // A base64 answer is decoded.
    let r = s.http_get(format!("{base}/image")).await;
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(&r.bytes().await.unwrap()[..], b"\x89PNG\r\n");
}

#[tokio::test]
async fn lambda_failures_answer_502_and_timeouts_504() {
    let (lambda, _) = fake_lambda().await;
    let s = Server::start_args(&["--lambda-endpoint", &lambda]);
    let api = lambda_api(&s).await;
    let base = stage_url(&s, &api, "dev");
    for f in ["fail", "bad", "missing"] {
        let r = s.http_get(format!("{base}/{f}")).await;
        assert_eq!(r.status(), 502, "{f}");
        assert_eq!(
            r.headers()["x-amzn-errortype"],
            "InternalServerErrorException"
        );
        assert_eq!(
            r.text().await.unwrap(),
            r#"{"message":"Internal server error"}"#
        );
    }
    let r = s.http_get(format!("{base}/slow")).await;
    assert_eq!(r.status(), 504);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message":"Endpoint request timed out"}"#
    );
}

/// Per-function endpoints win over the default one; without any endpoint the call is an
/// API configuration error (500), and the log says which flag to set.
#[tokio::test]
async fn lambda_endpoints_per_function() {
    let (lambda, seen) = fake_lambda().await;
    let s = Server::start_args(&[
        "--lambda-endpoint",
        "http://127.0.0.1:9",
        "--lambda-function",
        &format!("echo={lambda}"),
    ]);
    let api = lambda_api(&s).await;
    let base = stage_url(&s, &api, "dev");
    let r = s.http_get(format!("{base}/items/1")).await;
    assert_eq!(r.status(), 201);
    assert_eq!(seen.lock().unwrap().len(), 1);

    let bare = Server::start();
    let api = lambda_api(&bare).await;
    let r = bare
        .http_get(format!("{}/_aws/execute-api/{api}/dev/items/1", bare.url))
        .await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message":"Internal server error"}"#
    );
}

/// Header names reach the function as the client spelled them (hyper lower-cases them; the
/// server's connection tap keeps the original case), also after a chunked request on the
/// same keep-alive connection.
#[tokio::test]
async fn lambda_events_keep_header_case() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (lambda, seen) = fake_lambda().await;
    let s = Server::start_args(&["--lambda-endpoint", &lambda]);
    let api = lambda_api(&s).await;
    let addr = s.url.trim_start_matches("http://").to_string();
    let path = format!("/_aws/execute-api/{api}/dev/items");
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let requests = format!(
        "POST {path}/1 HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n4\r\nab\r\n\r\n0\r\n\r\n\
GET {path}/2 HTTP/1.1\r\nHost: {addr}\r\nX-Custom-Header: V\r\nUser-Agent: raw-client\r\nx-lower: l\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(requests.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert_eq!(text.matches("HTTP/1.1 201").count(), 2, "{text}");

    let events: Vec<Value> = seen.lock().unwrap().iter().map(|e| e.2.clone()).collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["body"], "ab\r\n");
    assert_eq!(events[0]["headers"]["Content-Type"], "text/plain");
    let h = &events[1]["headers"];
    assert_eq!(h["X-Custom-Header"], "V");
    assert_eq!(h["User-Agent"], "raw-client");
    assert_eq!(h["x-lower"], "l");
    assert_eq!(h["Host"], addr.as_str());
    assert_eq!(
        events[1]["requestContext"]["identity"]["userAgent"],
        "raw-client"
    );
}

/// AWS (non-proxy) Lambda integrations: the request template makes the payload, a success
/// takes the default integration response, a function error is selected by its
/// `errorMessage` — and falls through to the default (200) when no pattern matches, as on AWS.
#[tokio::test]
async fn lambda_custom_integration() {
    let (lambda, seen) = fake_lambda().await;
    let s = Server::start_args(&["--lambda-endpoint", &lambda]);
    let c = s.sdk();
    let (api, root) = new_api(&c, "custom").await;
    let mut resources = Vec::new();
    for (part, function) in [("ok", "raw"), ("err", "fail")] {
        let rid = add_resource(&c, &api, &root, part).await;
        let route = Route::new(&c, &api, &rid, "GET");
        route.method().await;
        for code in ["200", "400"] {
            route.put_method_response(code).send().await.unwrap();
        }
        route
            .put_integration()
            .r#type(IntegrationType::Aws)
            .integration_http_method("POST")
            .uri(function_uri(function))
            .request_templates(
                "application/json",
                "{\"who\": \"$input.params('who')\", \"stage\": \"$context.stage\"}",
            )
            .send()
            .await
            .unwrap();
        route.put_integration_response("200").send().await.unwrap();
        resources.push(rid);
    }
    Route::new(&c, &api, &resources[1], "GET")
        .put_integration_response("400")
        .selection_pattern("bo+m")
        .response_templates(
            "application/json",
            "{\"error\": \"$input.path('$.errorMessage')\"}",
        )
        .send()
        .await
        .unwrap();
    deploy(&c, &api, "dev").await;
    let base = stage_url(&s, &api, "dev");

    let r = s.http_get(format!("{base}/ok?who=ann")).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!({"who": "ann", "stage": "dev"}));
    assert_eq!(
        seen.lock().unwrap()[0].2,
        json!({"who": "ann", "stage": "dev"})
    );

    let r = s.http_get(format!("{base}/err")).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.text().await.unwrap(), r#"{"error": "boom"}"#);

    // Without the pattern, the error goes out through the default response.
    c.delete_integration_response()
        .rest_api_id(&api)
        .resource_id(&resources[1])
        .http_method("GET")
        .status_code("400")
        .send()
        .await
        .unwrap();
    deploy(&c, &api, "dev").await;
    let r = s.http_get(format!("{base}/err")).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errorMessage"], "boom");
}

/// Lambda authorizers: TOKEN (identity source, validation expression, policy evaluation,
/// caching, $context.authorizer) and REQUEST (header identity), with AWS's 401/403/500s.
#[tokio::test]
async fn lambda_authorizers() {
    let (lambda, seen) = fake_lambda().await;
    let s = Server::start_args(&["--lambda-endpoint", &lambda]);
    let c = s.sdk();
    let (api, root) = new_api(&c, "authorized").await;
    let token = c
        .create_authorizer()
        .rest_api_id(&api)
        .name("token")
        .r#type(aws_sdk_apigateway::types::AuthorizerType::Token)
        .authorizer_uri(function_uri("auth"))
        .identity_source("method.request.header.Authorization")
        .identity_validation_expression("^[a-z]+$")
        .send()
        .await
        .unwrap();
    let request = c
        .create_authorizer()
        .rest_api_id(&api)
        .name("request")
        .r#type(aws_sdk_apigateway::types::AuthorizerType::Request)
        .authorizer_uri(function_uri("reqauth"))
        .identity_source("method.request.header.X-User")
        .authorizer_result_ttl_in_seconds(0)
        .send()
        .await
        .unwrap();
    for (part, authorizer) in [("t", token.id().unwrap()), ("r", request.id().unwrap())] {
        let rid = add_resource(&c, &api, &root, part).await;
        let route = Route::new(&c, &api, &rid, "GET");
        route
            .put_method()
            .authorization_type("CUSTOM")
            .authorizer_id(authorizer)
            .send()
            .await
            .unwrap();
        route.mock_json(
            "{\"principal\": \"$context.authorizer.principalId\", \"who\": \"$context.authorizer.who\", \"level\": \"$context.authorizer.level\"}",
        )
        .await;
    }
    deploy(&c, &api, "dev").await;
    let base = stage_url(&s, &api, "dev");
    let get = |path: &str, header: Option<(&str, &str)>| {
        let mut r = s.http().get(format!("{base}{path}"));
        if let Some((k, v)) = header {
            r = r.header(k, v);
        }
        async move {
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            let kind = r
                .headers()
                .get("x-amzn-errortype")
                .map(|v| v.to_str().unwrap().to_string());
            (status, r.text().await.unwrap(), kind)
        }
    };
    let calls = || seen.lock().unwrap().len();

    // Allowed, with $context.authorizer; the policy is cached for the token.
    let (status, body, _) = get("/t", Some(("Authorization", "allow"))).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"{"principal": "user-allow", "who": "allow", "level": "3"}"#
    );
    let event = seen.lock().unwrap()[0].2.clone();
    assert_eq!(event["type"], "TOKEN");
    assert_eq!(event["authorizationToken"], "allow");
    assert_eq!(
        event["methodArn"],
        format!("arn:aws:execute-api:us-east-1:000000000000:{api}/dev/GET/t")
    );
    assert_eq!(get("/t", Some(("Authorization", "allow"))).await.0, 200);
    assert_eq!(calls(), 1, "the second call used the cached policy");
    // FlushStageAuthorizersCache empties the cache: the next call asks the function again.
    c.flush_stage_authorizers_cache()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(get("/t", Some(("Authorization", "allow"))).await.0, 200);
    assert_eq!(calls(), 2, "the flushed cache was asked again");
    assert_eq!(get("/t", Some(("Authorization", "allow"))).await.0, 200);
    assert_eq!(calls(), 2);
    s.aws(&[
        "apigateway",
        "flush-stage-cache",
        "--rest-api-id",
        &api,
        "--stage-name",
        "dev",
    ]);
    assert_aws_err!(
        c.flush_stage_authorizers_cache()
            .rest_api_id(&api)
            .stage_name("nope")
            .send()
            .await,
        "NotFoundException",
        "Invalid Stage identifier specified"
    );

    // No token, or one the validation expression refuses: 401 without calling the function.
    let unauthorized = (
        401,
        r#"{"message":"Unauthorized"}"#.to_string(),
        Some("UnauthorizedException".to_string()),
    );
    assert_eq!(get("/t", None).await, unauthorized);
    assert_eq!(
        get("/t", Some(("Authorization", "Not-Valid!"))).await,
        unauthorized
    );
    assert_eq!(calls(), 2);
    // The function says "Unauthorized".
    assert_eq!(
        get("/t", Some(("Authorization", "nobody"))).await,
        unauthorized
    );
    // An explicit deny, and an allow that does not cover this method.
    let (status, body, kind) = get("/t", Some(("Authorization", "deny"))).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#
    );
    assert_eq!(kind.as_deref(), Some("AccessDeniedException"));
    let (status, body, _) = get("/t", Some(("Authorization", "other"))).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        r#"{"Message":"User is not authorized to access this resource"}"#
    );
    // A malformed answer: AUTHORIZER_CONFIGURATION_ERROR.
    let (status, body, _) = get("/t", Some(("Authorization", "broken"))).await;
    assert_eq!((status, body.as_str()), (500, r#"{"message":null}"#));

    // REQUEST authorizer on a header, no caching (ttl 0): every call invokes it.
    let before = calls();
    let (status, body, _) = get("/r", Some(("X-User", "ann"))).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"{"principal": "user-ann", "who": "ann", "level": "3"}"#
    );
    assert_eq!(get("/r", Some(("X-User", "ann"))).await.0, 200);
    assert_eq!(calls(), before + 2);
    let event = seen.lock().unwrap()[before].2.clone();
    assert_eq!(event["type"], "REQUEST");
    assert_eq!(event["resource"], "/r");
    // reqwest sends header names in lower case.
    assert_eq!(event["headers"]["x-user"], "ann");
    assert_eq!(get("/r", None).await, unauthorized);
}

#[tokio::test]
async fn a_sam_style_openapi_definition_is_served_through_lambda() {
    let (lambda, seen) = fake_lambda().await;
    let s = Server::start_args(&["--lambda-endpoint", &lambda]);
    let c = s.sdk();
    let doc = include_str!("documents/sam-api.yaml");
    let api = c
        .import_rest_api()
        .body(aws_sdk_apigateway::primitives::Blob::new(doc.as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(api.name(), Some("items-service"));
    let api = api.id().unwrap().to_string();
    deploy(&c, &api, "prod").await;
    let base = stage_url(&s, &api, "prod");

    // The anchored preflight serves both paths.
    for path in ["items/1", "health"] {
        let r = s
            .http()
            .request(reqwest::Method::OPTIONS, format!("{base}/{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["access-control-allow-methods"], "GET,OPTIONS");
    }
    let r = s.http_get(format!("{base}/health")).await;
    assert_eq!(r.status(), 201);
    assert_eq!(seen.lock().unwrap()[0].2["resource"], "/health");
    // `security: api_key` made the method need a key.
    let r = s.http_get(format!("{base}/items/1")).await;
    assert_eq!(r.status(), 403);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

/// TestInvokeAuthorizer runs the authorizer as it stands (nothing deployed, nothing cached)
/// and answers its verdict: the client status a request would get, the principal and policy.
/// Two worker threads: the blocking CLI call must not stall the fake Lambda on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_invoke_authorizer_answers_the_verdict() {
    let (lambda, seen) = fake_lambda().await;
    let s = Server::start_args(&["--lambda-endpoint", &lambda]);
    let c = s.sdk();
    let (api, _) = new_api(&c, "authorized").await;
    let token = c
        .create_authorizer()
        .rest_api_id(&api)
        .name("token")
        .r#type(aws_sdk_apigateway::types::AuthorizerType::Token)
        .authorizer_uri(function_uri("auth"))
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .unwrap();
    let id = token.id().unwrap();
    let test = |value: Option<&str>| {
        let mut call = c
            .test_invoke_authorizer()
            .rest_api_id(&api)
            .authorizer_id(id);
        if let Some(v) = value {
            call = call.headers("Authorization", v);
        }
        call.send()
    };
    let allowed = test(Some("allow")).await.unwrap();
    assert_eq!(allowed.client_status(), 200);
    assert_eq!(allowed.principal_id(), Some("user-allow"));
    let policy: Value = serde_json::from_str(allowed.policy().unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Effect"], "Allow");
    assert!(allowed
        .log()
        .unwrap()
        .contains(&format!("Starting authorizer: {id}")));
    let event = seen.lock().unwrap()[0].2.clone();
    assert_eq!(event["type"], "TOKEN");
    assert_eq!(
        event["methodArn"],
        format!("arn:aws:execute-api:us-east-1:000000000000:{api}/test-invoke-stage/GET/")
    );
    // Not cached: a second test asks the function again.
    test(Some("allow")).await.unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2);
    // A deny answers 403 with the policy; no token, or "Unauthorized", 401.
    let denied = test(Some("deny")).await.unwrap();
    assert_eq!(denied.client_status(), 403);
    assert!(denied.policy().is_some());
    assert_eq!(test(None).await.unwrap().client_status(), 401);
    assert_eq!(test(Some("nobody")).await.unwrap().client_status(), 401);
    assert_aws_err!(
        c.test_invoke_authorizer()
            .rest_api_id(&api)
            .authorizer_id("nope")
            .send()
            .await,
        "NotFoundException"
    );
    // The CLI's spelling of the same call.
    let out = s.aws(&[
        "apigateway",
        "test-invoke-authorizer",
        "--rest-api-id",
        &api,
        "--authorizer-id",
        id,
        "--headers",
        "Authorization=allow",
    ]);
    assert_eq!(out["clientStatus"], 200);
    assert_eq!(out["principalId"], "user-allow");
}
