//! Access logs: a stage with `accessLogSettings` writes one line per request, in its format,
//! to the CloudWatch Logs log group its ARN names; read back with the aws CLI.

use std::time::Duration;

use serde_json::Value;

use crate::fixtures::{add_resource, deploy, patch, Route};
use crate::harness::{new_api, Server};

const FORMAT: &str = r#"{"requestId":"$context.requestId","status":"$context.status","method":"$context.httpMethod","resourcePath":"$context.resourcePath","path":"$context.path","ip":"$context.identity.sourceIp","length":"$context.responseLength","error":"$context.error.responseType","waf":"$context.wafResponseCode"}"#;

/// Poll `filter-log-events` until `n` events are there (the writer batches off the request
/// path), then return their messages parsed as JSON, oldest first.
fn events(s: &Server, group: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let out = s.aws(&["logs", "filter-log-events", "--log-group-name", group]);
        let list = out["events"].as_array().cloned().unwrap_or_default();
        if list.len() >= n {
            return list
                .iter()
                .map(|e| serde_json::from_str(e["message"].as_str().unwrap()).unwrap())
                .collect();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("fewer than {n} access log events in {group}");
}

#[tokio::test]
async fn stages_write_access_logs_to_their_log_group() {
    let s = Server::start();
    let c = s.sdk();
    s.aws(&[
        "logs",
        "create-log-group",
        "--log-group-name",
        "apigw-access",
    ]);
    crate::fixtures::logging_role(&s);
    let (api, root) = new_api(&c, "logged").await;
    let pets = add_resource(&c, &api, &root, "pets").await;
    let get = Route::new(&c, &api, &pets, "GET");
    get.method().await;
    get.mock_json("[]").await;
    deploy(&c, &api, "dev").await;
    let arn = "arn:aws:logs:us-east-1:000000000000:log-group:apigw-access";
    c.update_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .patch_operations(patch("replace", "/accessLogSettings/destinationArn", arn))
        .patch_operations(patch("replace", "/accessLogSettings/format", FORMAT))
        .send()
        .await
        .unwrap();

    let http = s.http();
    let base = format!("{}/_aws/execute-api/{api}/dev", s.url);
    let ok = http.get(format!("{base}/pets")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let ok_id = ok.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_string();
    let missing = http.get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(missing.status(), 403);
    let missing_id = missing.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_string();

    let lines = events(&s, "apigw-access", 2);
    assert_eq!(lines.len(), 2);
    let first = &lines[0];
    assert_eq!(first["requestId"], ok_id.as_str());
    assert_eq!(first["status"], "200");
    assert_eq!(first["method"], "GET");
    assert_eq!(first["resourcePath"], "/pets");
    assert_eq!(first["path"], "/dev/pets");
    assert_eq!(first["ip"], "127.0.0.1");
    assert_eq!(first["length"], "2");
    // No error, and variables without a value here: `-`, as AWS prints them.
    assert_eq!(first["error"], "-");
    assert_eq!(first["waf"], "-");
    let second = &lines[1];
    assert_eq!(second["requestId"], missing_id.as_str());
    assert_eq!(second["status"], "403");
    assert_eq!(second["error"], "MISSING_AUTHENTICATION_TOKEN");
    assert_eq!(second["resourcePath"], "-");

    // The stage's lines are in one stream of the group.
    let streams = s.aws(&[
        "logs",
        "describe-log-streams",
        "--log-group-name",
        "apigw-access",
    ]);
    let streams = streams["logStreams"].as_array().unwrap();
    assert_eq!(streams.len(), 1);
    let stream = streams[0]["logStreamName"].as_str().unwrap();
    let got = s.aws(&[
        "logs",
        "get-log-events",
        "--log-group-name",
        "apigw-access",
        "--log-stream-name",
        stream,
        "--start-from-head",
    ]);
    assert_eq!(got["events"].as_array().unwrap().len(), 2);

    // Logging off: no more lines.
    c.update_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .patch_operations(crate::fixtures::remove("/accessLogSettings"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        http.get(format!("{base}/pets"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let out = s.aws(&[
        "logs",
        "filter-log-events",
        "--log-group-name",
        "apigw-access",
    ]);
    assert_eq!(out["events"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_missing_log_group_loses_lines_not_requests() {
    let s = Server::start();
    let c = s.sdk();
    crate::fixtures::logging_role(&s);
    let (api, root) = new_api(&c, "unlogged").await;
    let get = Route::new(&c, &api, &root, "GET");
    get.method().await;
    get.mock_json("{}").await;
    deploy(&c, &api, "dev").await;
    c.update_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .patch_operations(patch(
            "replace",
            "/accessLogSettings/destinationArn",
            "arn:aws:logs:us-east-1:000000000000:log-group:not-there",
        ))
        .patch_operations(patch(
            "replace",
            "/accessLogSettings/format",
            "$context.requestId",
        ))
        .send()
        .await
        .unwrap();
    let url = format!("{}/_aws/execute-api/{api}/dev/", s.url);
    for _ in 0..3 {
        assert_eq!(s.http_get(&url).await.status(), 200);
    }
    // Once the group exists, lines land in it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.aws(&["logs", "create-log-group", "--log-group-name", "not-there"]);
    let r = s.http_get(&url).await;
    let id = r.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_string();
    for _ in 0..100 {
        let out = s.aws(&["logs", "filter-log-events", "--log-group-name", "not-there"]);
        if let Some(e) = out["events"].as_array().and_then(|l| l.first()) {
            assert_eq!(e["message"], id.as_str());
            assert_eq!(out["events"].as_array().unwrap().len(), 1);
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no access log line after the group was created");
}
