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

/// The signature botocore's SigV4Auth gives the request, signing what the gateway signed.
fn botocore_signature(
    method: &str,
    url: &str,
    headers: &HeaderMap,
    body: &str,
    service: &str,
) -> String {
    const SCRIPT: &str = r#"
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
method, url, date, sha, body, service = sys.argv[1:7]
req = AWSRequest(method=method, url=url, data=body.encode(),
                 headers={"X-Amz-Date": date, "X-Amz-Content-SHA256": sha})
req.context["timestamp"] = date
auth = SigV4Auth(Credentials("000000000000", "apigw-local"), service, "us-east-1")
print(auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req))
"#;
    let h = |n: &str| headers[n].to_str().unwrap().to_string();
    python(
        SCRIPT,
        &[
            method,
            url,
            &h("x-amz-date"),
            &h("x-amz-content-sha256"),
            body,
            service,
        ],
    )
    .trim()
    .to_string()
}

#[tokio::test]
async fn aws_integrations_reach_the_service_signed_for_it() {
    let (service, seen) = fake_service().await;
    let s = Server::start_args(&[
        "--aws-endpoint",
        &format!("sqs={service}"),
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

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let (method, uri, headers, body) = &seen[0];
    assert_eq!(method, Method::POST);
    assert_eq!(uri.path(), "/000000000000/jobs");
    // The mapped Content-Type replaces the client's, once.
    let types: Vec<_> = headers.get_all("content-type").iter().collect();
    assert_eq!(types, ["application/x-www-form-urlencoded"]);
    assert_eq!(
        body,
        "Action=SendMessage&MessageBody=%7B%22job%22%3A+%22a+b%26c%22%7D"
    );
    let authorization = headers["authorization"].to_str().unwrap();
    let date = headers["x-amz-date"].to_str().unwrap();
    let url = format!("{service}{uri}");
    assert_eq!(
        authorization,
        format!(
            "AWS4-HMAC-SHA256 Credential=000000000000/{}/us-east-1/sqs/aws4_request, \
             SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={}",
            &date[..8],
            botocore_signature("POST", &url, headers, body, "sqs")
        )
    );
    // A JSON-protocol service's action goes to the endpoint's root with its target, signed
    // for the service.
    let (_, uri, headers, body) = &seen[1];
    assert_eq!(uri.to_string(), "/");
    assert_eq!(headers["x-amz-target"], "DynamoDB_20120810.PutItem");
    assert_eq!(headers["content-type"], "application/x-amz-json-1.0");
    assert_eq!(
        body,
        r#"{"TableName": "items", "Item": {"id": {"S": "7"}}}"#
    );
    assert!(headers["authorization"]
        .to_str()
        .unwrap()
        .contains("/us-east-1/dynamodb/aws4_request"));
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
