//! `AWS` integrations with services other than Lambda, sent to `--aws-endpoint`: a fake
//! service written here records each request, and botocore's signer checks its signature.
//! The set-up is AWS's SQS tutorial's (a form-encoded SendMessage from a request template).

use std::sync::{Arc, Mutex};

use aws_sdk_apigateway::types::IntegrationType;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::IntoResponse;
use axum::Router;
use serde_json::{json, Value};

use crate::fixtures::{add_resource, deploy, python, stage_url, Route};
use crate::harness::{new_api, Server};

/// A request the fake service saw: method, path and query, headers, body.
type Seen = Arc<Mutex<Vec<(Method, Uri, HeaderMap, String)>>>;

/// A fake AWS endpoint on an ephemeral port: it records every request and answers as SQS's
/// JSON SendMessage response, or a DynamoDB-like `{}`.
async fn fake_service() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new().fallback({
        let seen = seen.clone();
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let seen = seen.clone();
            async move {
                let body = String::from_utf8_lossy(&body).into_owned();
                let sqs = uri.path().contains("/jobs");
                seen.lock().unwrap().push((method, uri, headers, body));
                if sqs {
                    json!({"SendMessageResponse": {"SendMessageResult": {"MessageId": "m-1"}}})
                        .to_string()
                        .into_response()
                } else {
                    "{}".into_response()
                }
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// The credentials the gateway signs with: the environment's, else the account's.
fn credentials() -> (String, String) {
    match (
        std::env::var("AWS_ACCESS_KEY_ID"),
        std::env::var("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Ok(k), Ok(s)) if !k.is_empty() => (k, s),
        _ => ("000000000000".into(), "apigw-local".into()),
    }
}

/// Check a request the fake service saw: its body hash, and its `Authorization` equal to what
/// botocore's SigV4Auth computes for the same request and the headers it says it signed.
fn assert_signed_as_botocore(
    service_url: &str,
    seen: &(Method, Uri, HeaderMap, String),
    service: &str,
) {
    const SCRIPT: &str = r#"
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
method, url, body, service, key, secret = sys.argv[1:7]
pairs = sys.argv[7:]
headers = dict(zip(pairs[0::2], pairs[1::2]))
req = AWSRequest(method=method, url=url, data=body.encode(), headers=headers)
req.context["timestamp"] = headers["x-amz-date"]
auth = SigV4Auth(Credentials(key, secret), service, "us-east-1")
print(auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req))
"#;
    let (method, uri, headers, body) = seen;
    assert_eq!(
        headers["x-amz-content-sha256"],
        sha256_hex(body).as_str(),
        "body hash"
    );
    let authorization = headers["authorization"].to_str().unwrap();
    let signed = authorization
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap();
    let (key, secret) = credentials();
    let url = format!("{service_url}{uri}");
    let mut args = vec![
        method.as_str().to_string(),
        url,
        body.clone(),
        service.to_string(),
        key.clone(),
        secret,
    ];
    for name in signed.split(';').filter(|n| *n != "host") {
        args.push(name.to_string());
        args.push(headers[name].to_str().unwrap().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let want = python(SCRIPT, &args).trim().to_string();
    let date = headers["x-amz-date"].to_str().unwrap();
    assert_eq!(
        authorization,
        format!(
            "AWS4-HMAC-SHA256 Credential={key}/{}/us-east-1/{service}/aws4_request, \
             SignedHeaders={signed}, Signature={want}",
            &date[..8]
        )
    );
}

/// The hex SHA-256 of `text`, through Python (the tests carry no hashing crate).
fn sha256_hex(text: &str) -> String {
    python(
        "import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())",
        &[text],
    )
    .trim()
    .to_string()
}

#[tokio::test]
async fn aws_integrations_reach_the_service_signed_for_it() {
    // SQS has an endpoint of its own; every other service goes to the default one.
    let (sqs_url, sqs_seen) = fake_service().await;
    let (service, seen) = fake_service().await;
    let s = Server::start_args(&[
        "--aws-endpoint",
        &format!("sqs={sqs_url}"),
        "--aws-endpoint",
        &service,
    ]);
    let c = s.sdk();
    let (api, root) = new_api(&c, "queue").await;
    let jobs = add_resource(&c, &api, &root, "jobs").await;
    let r = Route::new(&c, &api, &jobs, "POST");
    r.method().await;
    r.put_method_response("200").send().await.unwrap();
    r.put_integration()
        .r#type(IntegrationType::Aws)
        .integration_http_method("POST")
        .uri("arn:aws:apigateway:us-east-1:sqs:path/000000000000/jobs")
        .credentials("arn:aws:iam::000000000000:role/apigw-sqs")
        .request_parameters(
            "integration.request.header.Content-Type",
            "'application/x-www-form-urlencoded'",
        )
        .request_templates(
            "application/json",
            "Action=SendMessage&MessageBody=$util.urlEncode($input.body)",
        )
        .send()
        .await
        .unwrap();
    r.put_integration_response("200")
        .response_templates(
            "application/json",
            r#"{"id": "$input.path('$.SendMessageResponse.SendMessageResult.MessageId')"}"#,
        )
        .send()
        .await
        .unwrap();
    let table = add_resource(&c, &api, &root, "items").await;
    let r = Route::new(&c, &api, &table, "PUT");
    r.method().await;
    r.put_method_response("200").send().await.unwrap();
    r.put_integration()
        .r#type(IntegrationType::Aws)
        .integration_http_method("POST")
        .uri("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem")
        .request_templates(
            "application/json",
            r#"{"TableName": "items", "Item": {"id": {"S": "$input.path('$.id')"}}}"#,
        )
        .send()
        .await
        .unwrap();
    r.put_integration_response("200").send().await.unwrap();
    deploy(&c, &api, "dev").await;
    let base = stage_url(&s, &api, "dev");

    let res = s
        .http()
        .post(format!("{base}/jobs"))
        .header("content-type", "application/json")
        .body(r#"{"job": "a b&c"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"id": "m-1"}));
    let res = s
        .http()
        .put(format!("{base}/items"))
        .header("content-type", "application/json")
        .body(r#"{"id": "7"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let sqs_seen = sqs_seen.lock().unwrap().clone();
    let seen = seen.lock().unwrap().clone();
    assert_eq!((sqs_seen.len(), seen.len()), (1, 1));
    let (method, uri, headers, body) = &sqs_seen[0];
    assert_eq!(method, Method::POST);
    assert_eq!(uri.path(), "/000000000000/jobs");
    // The mapped Content-Type replaces the client's, once.
    let types: Vec<_> = headers.get_all("content-type").iter().collect();
    assert_eq!(types, ["application/x-www-form-urlencoded"]);
    assert_eq!(
        body,
        "Action=SendMessage&MessageBody=%7B%22job%22%3A+%22a+b%26c%22%7D"
    );
    assert_signed_as_botocore(&sqs_url, &sqs_seen[0], "sqs");
    // A JSON-protocol service's action goes to the endpoint's root with its target, signed
    // for the service.
    let (_, uri, headers, body) = &seen[0];
    assert_eq!(uri.to_string(), "/");
    assert_eq!(headers["x-amz-target"], "DynamoDB_20120810.PutItem");
    assert_eq!(headers["content-type"], "application/x-amz-json-1.0");
    assert_eq!(
        body,
        r#"{"TableName": "items", "Item": {"id": {"S": "7"}}}"#
    );
    assert_signed_as_botocore(&service, &seen[0], "dynamodb");
}

#[tokio::test]
async fn a_service_without_an_endpoint_is_a_configuration_error() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "no-endpoint").await;
    let r = Route::new(&c, &api, &root, "GET");
    r.method().await;
    r.put_integration()
        .r#type(IntegrationType::Aws)
        .integration_http_method("POST")
        .uri("arn:aws:apigateway:us-east-1:sqs:path/000000000000/jobs")
        .send()
        .await
        .unwrap();
    deploy(&c, &api, "dev").await;
    let res = s.http_get(format!("{}/", stage_url(&s, &api, "dev"))).await;
    assert_eq!(res.status(), 500);
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"message":"Internal server error"}"#
    );
}
