//! Safe on a developer's laptop: web pages cannot drive the control plane, and slow or idle
//! connections are closed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use aws_sdk_apigateway::config::http::HttpResponse;
use aws_sdk_apigateway::error::SdkError;
use aws_sdk_apigateway::operation::get_stage::GetStageOutput;
use aws_sdk_apigateway::operation::update_stage::{UpdateStageError, UpdateStageOutput};
use aws_sdk_apigateway::types::{DeploymentCanarySettings, QuotaPeriodType};
use aws_sdk_apigateway::Client;

use crate::fixtures::{
    api_stage, assert_aws_err, deploy, deployable_api, deployed_api, fail, patch, quota, throttle,
    Route,
};
use crate::harness::{new_api, Server};

fn addr(s: &Server) -> String {
    s.url.trim_start_matches("http://").to_string()
}

/// The 403 a refused request gets, in AWS's error shape.
async fn assert_refused(r: reqwest::Response, says: &str) {
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["x-amzn-errortype"], "AccessDeniedException");
    assert!(r.headers().contains_key("x-amzn-requestid"));
    let body: serde_json::Value = r.json().await.unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(message.contains(says), "{message}");
}

#[tokio::test]
async fn web_pages_cannot_drive_the_control_plane() {
    let s = Server::start();
    let c = s.sdk();
    new_api(&c, "keep").await;
    let http = s.http();
    let evil = "https://evil.example";

    let r = http
        .post(format!("{}/_apigw/reset", s.url))
        .header("origin", evil)
        .send()
        .await
        .unwrap();
    assert_refused(r, "Origin 'https://evil.example' is not a loopback origin").await;
    // A text/plain body is a "simple" request a page may send without a preflight.
    let r = http
        .post(format!("{}/restapis", s.url))
        .header("origin", "null")
        .header("content-type", "text/plain")
        .body(r#"{"name":"planted"}"#)
        .send()
        .await
        .unwrap();
    assert_refused(r, "Origin 'null'").await;
    let r = http
        .get(format!(
            "{}/?Action=CreateRole&RoleName=planted&AssumeRolePolicyDocument=%7B%7D",
            s.url
        ))
        .header("origin", evil)
        .send()
        .await
        .unwrap();
    assert_refused(r, "not a loopback origin").await;
    // DNS rebinding: the page's own name, resolved to 127.0.0.1.
    let r = http
        .post(format!("{}/_apigw/reset", s.url))
        .header("host", "evil.example:4566")
        .send()
        .await
        .unwrap();
    assert_refused(r, "Host 'evil.example:4566'").await;

    // Nothing changed.
    let apis = c.get_rest_apis().send().await.unwrap();
    assert_eq!(apis.items().len(), 1);
    assert_eq!(apis.items()[0].name(), Some("keep"));
    let out = s.aws_raw(&["iam", "get-role", "--role-name", "planted"]);
    assert!(!out.status.success());

    // A page served from a loopback origin (a local dev server) is let through, as are
    // loopback names in Host.
    let r = http
        .get(format!("{}/restapis", s.url))
        .header("origin", "http://localhost:3000")
        .header("host", "localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn allow_host_adds_a_name() {
    let s = Server::start_args(&["--allow-host", "apigw.test"]);
    let http = s.http();
    let r = http
        .get(format!("{}/restapis", s.url))
        .header("host", "apigw.test:4566")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .get(format!("{}/restapis", s.url))
        .header("host", "other.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_data_plane_serves_any_origin_and_host() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "open").await;
    let get = Route::new(&c, &api, &root, "GET");
    get.method().await;
    get.mock_json(r#"{"ok": true}"#).await;
    deploy(&c, &api, "dev").await;
    let http = s.http();
    let r = http
        .get(format!("{}/_aws/execute-api/{api}/dev/", s.url))
        .header("origin", "https://app.example")
        .header("host", "app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .get(format!("{}/dev/", s.url))
        .header("origin", "https://app.example")
        .header("host", format!("{api}.execute-api.localhost"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Read until the server closes the connection (or `limit` passes); what it sent, and when it
/// closed.
fn read_to_close(conn: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let start = Instant::now();
    conn.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("still open after {limit:?} ({e}); got {got:?}"),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), start.elapsed())
}

#[test]
fn slow_heads_get_408_and_are_closed() {
    let s = Server::start_args(&["--header-timeout", "1", "--idle-timeout", "30"]);
    // Slowloris: a head that never ends, a byte at a time.
    let mut conn = TcpStream::connect(addr(&s)).unwrap();
    conn.write_all(b"GET /restapis HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    conn.write_all(b"X-A: 1\r\n").unwrap();
    let (got, after) = read_to_close(&mut conn, Duration::from_secs(10));
    assert!(got.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{got}");
    assert!(after < Duration::from_secs(5), "{after:?}");

    // A connection that never says anything is closed too, without an answer.
    let mut silent = TcpStream::connect(addr(&s)).unwrap();
    let (got, _) = read_to_close(&mut silent, Duration::from_secs(10));
    assert_eq!(got, "");

    // The timer runs per head: on a kept-alive connection the next head has its own second.
    let mut conn = TcpStream::connect(addr(&s)).unwrap();
    conn.write_all(b"GET /_apigw/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 4096];
    let n = conn.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));
    std::thread::sleep(Duration::from_millis(1500));
    conn.write_all(b"GET /_apigw/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let n = conn.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200 OK"),
        "a kept-alive connection waits for its idle timeout, not the header timeout"
    );
}

#[test]
fn idle_connections_are_closed() {
    let s = Server::start_args(&["--idle-timeout", "1"]);
    for head in [
        // The fast path.
        &b"GET /_apigw/health HTTP/1.1\r\nHost: localhost\r\n\r\n"[..],
        // hyper's path (HEAD requests go there).
        &b"HEAD /_apigw/health HTTP/1.1\r\nHost: localhost\r\n\r\n"[..],
    ] {
        let mut conn = TcpStream::connect(addr(&s)).unwrap();
        conn.write_all(head).unwrap();
        let (got, after) = read_to_close(&mut conn, Duration::from_secs(10));
        assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
        assert!(after >= Duration::from_millis(900), "{after:?}");
        assert!(after < Duration::from_secs(5), "{after:?}");
    }
}

/// The stage `name` of `api`.
async fn stage_of(c: &Client, api: &str, name: &str) -> GetStageOutput {
    c.get_stage()
        .rest_api_id(api)
        .stage_name(name)
        .send()
        .await
        .expect("get_stage")
}

/// UpdateStage of `name` with one `replace` of `path` by `value`.
async fn replace_in_stage(
    c: &Client,
    api: &str,
    name: &str,
    path: &str,
    value: &str,
) -> Result<UpdateStageOutput, SdkError<UpdateStageError, HttpResponse>> {
    c.update_stage()
        .rest_api_id(api)
        .stage_name(name)
        .patch_operations(patch("replace", path, value))
        .send()
        .await
}

/// How many deployments `api` has.
async fn deployments_of(c: &Client, api: &str) -> usize {
    c.get_deployments()
        .rest_api_id(api)
        .send()
        .await
        .expect("get_deployments")
        .items()
        .len()
}

// ---------------------------------------------------------------------------------------
// Inputs AWS refuses: AWS's error, and nothing changes.

const BAD_NAME: &str =
    "Invalid stage variable name: owner:app.  Please use names with only word characters.";
const BAD_VALUE: &str = "Invalid stage variable value: a;b.  Please use values with alphanumeric characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','.";

#[tokio::test]
async fn stage_variables_outside_aws_sets_are_refused() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = deployable_api(&c, "vars").await;
    let dep = deploy(&c, &api, "dev").await;

    // CreateStage.
    assert_aws_err!(
        c.create_stage()
            .rest_api_id(&api)
            .stage_name("beta")
            .deployment_id(&dep)
            .variables("owner:app", "x")
            .send()
            .await,
        "BadRequestException",
        BAD_NAME
    );
    assert_aws_err!(
        c.create_stage()
            .rest_api_id(&api)
            .stage_name("beta")
            .deployment_id(&dep)
            .variables("ok", "a;b")
            .send()
            .await,
        "BadRequestException",
        BAD_VALUE
    );
    assert_eq!(
        fail(
            c.get_stage()
                .rest_api_id(&api)
                .stage_name("beta")
                .send()
                .await
        )
        .0,
        "NotFoundException",
        "nothing was created"
    );

    // UpdateStage, names and values, and a canary's overrides.
    assert_aws_err!(
        replace_in_stage(&c, &api, "dev", "/variables/owner:app", "x").await,
        _,
        BAD_NAME
    );
    assert_aws_err!(
        replace_in_stage(&c, &api, "dev", "/variables/ok", "a;b").await,
        _,
        BAD_VALUE
    );

    // CreateDeployment with variables: an empty value, as AWS was seen refusing.
    let before = deployments_of(&c, &api).await;
    let e = fail(
        c.create_deployment()
            .rest_api_id(&api)
            .stage_name("dev")
            .variables("alias", "")
            .send()
            .await,
    );
    assert_eq!(
        e.1,
        "Invalid stage variable value: .  Please use values with alphanumeric characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."
    );
    let after = deployments_of(&c, &api).await;
    assert_eq!(before, after, "no deployment made");
    let stage = stage_of(&c, &api, "dev").await;
    assert!(stage.variables().is_none(), "{stage:?}");
    assert_eq!(stage.deployment_id(), Some(dep.as_str()));

    // What AWS's sets allow is taken.
    let value = "arn:aws:lambda:us-east-1:0:function:f/x?a=b&c=d,e";
    let stage = replace_in_stage(&c, &api, "dev", "/variables/lambda_Alias", value)
        .await
        .unwrap();
    assert_eq!(stage.variables().unwrap().len(), 1);
}

#[tokio::test]
async fn negative_throttles_and_quotas_are_refused() {
    let s = Server::start();
    let c = s.sdk();
    let api = deployed_api(&c, "limits").await;
    assert_aws_err!(
        c.create_usage_plan()
            .name("p")
            .throttle(throttle(10.0, -1))
            .send()
            .await,
        "BadRequestException",
        "Invalid throttle burst limit specified: -1. It must be 0 or more"
    );
    assert_aws_err!(
        c.create_usage_plan()
            .name("p")
            .quota(quota(-5, QuotaPeriodType::Day))
            .send()
            .await,
        _,
        "Invalid quota limit specified: -5. It must be 0 or more"
    );
    assert!(c.get_usage_plans().send().await.unwrap().items().is_empty());

    let plan = c
        .create_usage_plan()
        .name("p")
        .api_stages(api_stage(&api, "dev"))
        .throttle(throttle(10.0, 20))
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    for (path, value, says) in [
        (
            "/throttle/rateLimit",
            "-0.5",
            "Invalid throttle rate limit specified: -0.5",
        ),
        ("/quota/offset", "-1", "Invalid quota offset specified: -1"),
        (
            &format!("/apiStages/{api}:dev/throttle/~1/GET/burstLimit"),
            "-3",
            "Invalid throttle burst limit specified: -3",
        ),
        (
            "/throttle/burstLimit",
            "lots",
            "Invalid integer value: lots",
        ),
    ] {
        let e = fail(
            c.update_usage_plan()
                .usage_plan_id(&plan)
                .patch_operations(patch("replace", path, value))
                .send()
                .await,
        );
        assert_eq!(e.0, "BadRequestException", "{path}");
        assert!(e.1.starts_with(says), "{path}: {}", e.1);
    }
    let got = c
        .get_usage_plan()
        .usage_plan_id(&plan)
        .send()
        .await
        .unwrap();
    let t = got.throttle().unwrap();
    assert_eq!((t.rate_limit(), t.burst_limit()), (10.0, 20));
    assert!(got.quota().is_none());
    assert!(got.api_stages()[0].throttle().is_none());

    // Stage method settings.
    for (path, value) in [
        ("/*/*/throttling/burstLimit", "-1"),
        ("/*/*/throttling/rateLimit", "-2"),
        ("/*/*/throttling/rateLimit", "fast"),
    ] {
        let e = fail(replace_in_stage(&c, &api, "dev", path, value).await);
        assert_eq!(e.0, "BadRequestException", "{path} {value}: {}", e.1);
    }
    let stage = stage_of(&c, &api, "dev").await;
    assert!(stage.method_settings().is_none_or(|m| m.is_empty()));
}

#[tokio::test]
async fn canary_share_must_be_a_percentage() {
    let s = Server::start();
    let c = s.sdk();
    let api = deployed_api(&c, "canary").await;
    let said = "Invalid canary percentTraffic specified: 150. It must be between 0.0 and 100.0";
    assert_aws_err!(
        c.create_deployment()
            .rest_api_id(&api)
            .stage_name("dev")
            .canary_settings(
                DeploymentCanarySettings::builder()
                    .percent_traffic(150.0)
                    .build(),
            )
            .send()
            .await,
        "BadRequestException",
        said
    );
    let stage = stage_of(&c, &api, "dev").await;
    assert!(stage.canary_settings().is_none());
    assert_eq!(deployments_of(&c, &api).await, 1);
    c.create_deployment()
        .rest_api_id(&api)
        .stage_name("dev")
        .canary_settings(
            DeploymentCanarySettings::builder()
                .percent_traffic(10.0)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        replace_in_stage(&c, &api, "dev", "/canarySettings/percentTraffic", "-1").await,
        _,
        "Invalid canary percentTraffic specified: -1. It must be between 0.0 and 100.0"
    );
    let stage = stage_of(&c, &api, "dev").await;
    assert_eq!(stage.canary_settings().unwrap().percent_traffic(), 10.0);
}

/// The control plane's answers that axum, not a handler, would give: still AWS-shaped.
#[tokio::test]
async fn wire_level_refusals_are_aws_shaped() {
    let s = Server::start();
    let c = s.sdk();
    new_api(&c, "one").await;
    let http = s.http();

    // A trailing slash routes as AWS routes it.
    let r = http
        .get(format!("{}/restapis/", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["item"].as_array().unwrap().len(), 1);

    // Duplicate query parameters, and a path id that is not UTF-8.
    for path in ["/restapis?limit=1&limit=2", "/restapis/%FF%FE"] {
        let r = http.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        assert_eq!(
            r.headers()["x-amzn-errortype"],
            "BadRequestException",
            "{path}"
        );
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{path}"
        );
    }

    // Bodies over the limit, declared or chunked: 413, and nothing created.
    let big = format!(
        r#"{{"name":"big","description":"{}"}}"#,
        "x".repeat(7 << 20)
    );
    let r = http
        .post(format!("{}/restapis", s.url))
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.headers()["x-amzn-errortype"], "RequestTooLargeException");
    // Chunked (no length declared): written raw, the answer may come before the last chunk.
    let target = addr(&s);
    let got = tokio::task::spawn_blocking(move || {
        let mut conn = TcpStream::connect(target).unwrap();
        let head = "POST /restapis HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        let _ = conn.write_all(head.as_bytes());
        for chunk in big.as_bytes().chunks(1 << 20) {
            let _ = conn.write_all(format!("{:x}\r\n", chunk.len()).as_bytes());
            let _ = conn.write_all(chunk);
            let _ = conn.write_all(b"\r\n");
        }
        let _ = conn.write_all(b"0\r\n\r\n");
        conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 4096];
        let n = conn.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(got.starts_with("HTTP/1.1 413 "), "{got}");
    assert!(
        got.to_ascii_lowercase()
            .contains("x-amzn-errortype: requesttoolargeexception"),
        "{got}"
    );
    assert_eq!(c.get_rest_apis().send().await.unwrap().items().len(), 1);
}

/// A chunked body whose framing is broken is the client's error (400), not a size one.
#[test]
fn malformed_chunked_body_is_400_on_the_data_plane() {
    let s = Server::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let api = rt.block_on(async {
        let c = s.sdk();
        let (api, root) = new_api(&c, "chunks").await;
        let post = Route::new(&c, &api, &root, "POST");
        post.method().await;
        post.mock_json(r#"{"ok": true}"#).await;
        deploy(&c, &api, "dev").await;
        api
    });
    let mut conn = TcpStream::connect(addr(&s)).unwrap();
    let head = format!(
        "POST /_aws/execute-api/{api}/dev/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbroken\r\n0\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = conn.read(&mut buf).unwrap();
    let got = String::from_utf8_lossy(&buf[..n]);
    assert!(got.starts_with("HTTP/1.1 400 "), "{got}");
}

/// A body that stops arriving is the client's silence: the connection is closed at the idle
/// timeout, on hyper's path (chunked bodies go there) as on the fast path.
#[test]
fn stalled_bodies_are_cut_off() {
    let s = Server::start_args(&["--idle-timeout", "1"]);
    for head in [
        "POST /restapis HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"nam",
        "POST /restapis HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"nam",
    ] {
        let mut conn = TcpStream::connect(addr(&s)).unwrap();
        conn.write_all(head.as_bytes()).unwrap();
        let (_, after) = read_to_close(&mut conn, Duration::from_secs(10));
        assert!(after < Duration::from_secs(5), "{head}: {after:?}");
    }
}
