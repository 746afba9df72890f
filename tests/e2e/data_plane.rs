//! The data plane: deployed stages served over real HTTP, with a local upstream (axum on an
//! ephemeral port) that records what it received.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_apigateway::types::IntegrationType;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::routing::any;
use axum::Router;

use crate::fixtures::{
    add_resource, closed_port_url, deploy, deploy_with, patch, stage_url, Route, MOCK_200,
};
use crate::harness::{new_api, Server};

/// What the upstream saw: method, path and query, headers, body.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A local upstream on an ephemeral port; `/slow` waits 2 s before answering.
pub struct Upstream {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

pub async fn upstream() -> Upstream {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    async fn handler(
        State(seen): State<Arc<Mutex<Vec<Seen>>>>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> (
        axum::http::StatusCode,
        [(&'static str, &'static str); 2],
        String,
    ) {
        if uri.path().ends_with("/slow") {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        seen.lock().unwrap().push(Seen {
            method: method.to_string(),
            uri: uri.to_string(),
            headers: headers.clone(),
            body: body.clone(),
        });
        // `/json/...` answers a JSON echo; a last segment of 400–599 is the status to answer.
        let status = uri
            .path()
            .rsplit('/')
            .next()
            .and_then(|c| c.parse::<u16>().ok())
            .filter(|c| (400..600).contains(c))
            .unwrap_or(200);
        let status = axum::http::StatusCode::from_u16(status).unwrap();
        if uri.path().starts_with("/json") {
            let echo = serde_json::json!({
                "method": method.to_string(),
                "uri": uri.to_string(),
                "from": headers.get("x-from").and_then(|v| v.to_str().ok()),
                "body": String::from_utf8_lossy(&body),
            });
            return (
                status,
                [("x-upstream", "yes"), ("content-type", "application/json")],
                echo.to_string(),
            );
        }
        (
            status,
            [("x-upstream", "yes"), ("content-type", "text/plain")],
            format!("{method} {uri} {}", String::from_utf8_lossy(&body)),
        )
    }
    let app = Router::new()
        .fallback(any(handler))
        // Accept any size: the gateway, not the upstream, is what limits bodies.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Upstream { url, seen }
}

/// An API with `/{proxy+}` ANY → HTTP_PROXY to `{upstream}/{proxy}` and `/ping` GET → `{upstream}/ping`,
/// deployed to stage `dev`. Returns the API id.
async fn proxy_api(c: &aws_sdk_apigateway::Client, up: &str, timeout_ms: Option<i32>) -> String {
    let (api, root) = new_api(c, "proxy").await;
    let proxy = add_resource(c, &api, &root, "{proxy+}").await;
    let any = Route::new(c, &api, &proxy, "ANY");
    any.put_method()
        .request_parameters("method.request.path.proxy", true)
        .send()
        .await
        .unwrap();
    any.put_http_proxy(format!("{up}/{{proxy}}"))
        .request_parameters(
            "integration.request.path.proxy",
            "method.request.path.proxy",
        )
        .set_timeout_in_millis(timeout_ms)
        .send()
        .await
        .unwrap();
    let ping = add_resource(c, &api, &root, "ping").await;
    Route::new(c, &api, &ping, "GET")
        .proxy_to(format!("{up}/ping"))
        .await;
    deploy(c, &api, "dev").await;
    api
}

#[tokio::test]
async fn http_proxy_passes_everything_through_on_every_url_form() {
    let s = Server::start();
    let c = s.sdk();
    let up = upstream().await;
    let api = proxy_api(&c, &up.url, None).await;
    let http = s.http();
    let port = s.url.rsplit(':').next().unwrap();

    // Path form.
    let r = http
        .post(format!(
            "{}/_aws/execute-api/{api}/dev/items/a%20b?x=1&x=2",
            s.url
        ))
        .header("x-custom", "v")
        // Headers AWS drops before any integration sees them.
        .header("content-md5", "Q2hlY2sgSW50ZWdyaXR5IQ==")
        .header("max-forwards", "3")
        .header("proxy-authorization", "Basic eDp5")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-upstream"], "yes");
    assert!(r.headers().contains_key("x-amzn-requestid"));
    assert!(r.headers().contains_key("x-amz-apigw-id"));
    // The backend's Date and Content-Length are remapped; the gateway sends its own.
    assert!(r.headers().contains_key("x-amzn-remapped-date"));
    assert!(r.headers().contains_key("date"));
    assert_eq!(r.headers()["x-amzn-remapped-content-length"], "31");
    assert_eq!(r.headers()["content-length"], "31");
    assert_eq!(r.text().await.unwrap(), "POST /items/a%20b?x=1&x=2 hello");
    let seen = up.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(seen.headers["x-custom"], "v");
    for dropped in ["content-md5", "max-forwards", "proxy-authorization"] {
        assert!(
            !seen.headers.contains_key(dropped),
            "{dropped} was forwarded"
        );
    }
    // The backend's own authority, not the client's Host.
    assert_eq!(seen.headers["host"], up.url.trim_start_matches("http://"));
    assert_eq!(seen.method, "POST");
    assert_eq!(&seen.body[..], b"hello");

    // Host form (the api id matches case-insensitively).
    let r = http
        .get(format!("http://127.0.0.1:{port}/dev/ping"))
        .header(
            "host",
            format!("{}.execute-api.localhost:{port}", api.to_uppercase()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "GET /ping ");

    // The legacy `_user_request_` form.
    let r = http
        .get(format!("{}/restapis/{api}/dev/_user_request_/ping", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn unknown_routes_and_stages() {
    let s = Server::start();
    let c = s.sdk();
    let up = upstream().await;
    let (api, root) = new_api(&c, "plain").await;
    let pets = add_resource(&c, &api, &root, "pets").await;
    Route::new(&c, &api, &pets, "GET")
        .proxy_to(format!("{}/pets", up.url))
        .await;
    deploy(&c, &api, "dev").await;
    let http = s.http();
    let base = stage_url(&s, &api, "dev");

    assert_eq!(
        http.get(format!("{base}/pets/"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "trailing slash ignored"
    );
    // test_apigateway_common.snapshot.json: not-found and wrong-method.
    for r in [
        http.get(format!("{base}/nothing")).send().await.unwrap(),
        http.post(format!("{base}/pets")).send().await.unwrap(),
        http.head(format!("{base}/pets")).send().await.unwrap(),
    ] {
        assert_eq!(r.status(), 403);
        assert_eq!(
            r.headers()["x-amzn-errortype"],
            "MissingAuthenticationTokenException"
        );
        if r.content_length() != Some(0) {
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            if !body.is_null() {
                assert_eq!(body["message"], "Missing Authentication Token");
            }
        }
    }
    let r = http
        .get(format!("{}/_aws/execute-api/{api}/prod/pets", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = http
        .get(format!("{}/_aws/execute-api/nosuchapi/dev/pets", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn deployments_are_frozen_until_redeployed() {
    // The binary: it ends with a SIGTERM and a restart on the same file.
    let s = Server::spawn_binary_file();
    let c = s.sdk();
    let up = upstream().await;
    let api = proxy_api(&c, &up.url, None).await;
    let http = s.http();
    let url = format!("{}/_aws/execute-api/{api}/dev/ping", s.url);
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);

    // Delete the /ping resource: still served until a new deployment.
    let resources = c.get_resources().rest_api_id(&api).send().await.unwrap();
    let ping = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/ping"))
        .unwrap()
        .id()
        .unwrap()
        .to_string();
    c.delete_resource()
        .rest_api_id(&api)
        .resource_id(&ping)
        .send()
        .await
        .unwrap();
    assert_eq!(
        http.get(&url).send().await.unwrap().text().await.unwrap(),
        "GET /ping "
    );

    // Redeploy to a new stage: the new stage no longer has /ping (the proxy catches it), the old one still does.
    let d2 = deploy(&c, &api, "v2").await;
    let r = http
        .get(format!("{}/_aws/execute-api/{api}/v2/ping", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.text().await.unwrap(),
        "GET /ping ",
        "served by {{proxy+}} now"
    );
    assert_eq!(up.seen.lock().unwrap().last().unwrap().uri, "/ping");

    // Moving dev to the new deployment takes effect when update-stage returns.
    c.update_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .patch_operations(patch("replace", "/deploymentId", &d2))
        .send()
        .await
        .unwrap();
    c.delete_stage()
        .rest_api_id(&api)
        .stage_name("v2")
        .send()
        .await
        .unwrap();
    let r = http
        .get(format!("{}/_aws/execute-api/{api}/v2/ping", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a deleted stage is gone at once");

    // A restart serves the same deployments.
    let db = s.db.clone();
    let dir = s.stop();
    let s = Server::spawn_binary_on(&db);
    let r = s
        .http_get(format!("{}/_aws/execute-api/{api}/dev/anything", s.url))
        .await;
    assert_eq!(r.status(), 200);
    drop(dir);
}

#[tokio::test]
async fn timeouts_and_unreachable_backends() {
    let s = Server::start();
    let c = s.sdk();
    let up = upstream().await;
    let api = proxy_api(&c, &up.url, Some(300)).await;
    let http = s.http();
    let r = http
        .get(format!("{}/_aws/execute-api/{api}/dev/slow", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 504);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["message"], "Endpoint request timed out");

    // A port nothing listens on.
    let dead = closed_port_url();
    let api2 = proxy_api(&c, &dead, None).await;
    let r = http
        .get(format!("{}/_aws/execute-api/{api2}/dev/x", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 504);
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "InternalServerErrorException"
    );
}

/// The CORS setup of AWS's guide: an OPTIONS method with a MOCK integration, a method response
/// declaring the three headers, and an integration response mapping literal values onto them.
#[tokio::test]
async fn cors_preflight_through_a_mock_integration() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "cors").await;
    let items = add_resource(&c, &api, &root, "items").await;
    let options = Route::new(&c, &api, &items, "OPTIONS");
    options.method().await;
    options
        .put_method_response("200")
        .response_parameters("method.response.header.Access-Control-Allow-Headers", false)
        .response_parameters("method.response.header.Access-Control-Allow-Methods", false)
        .response_parameters("method.response.header.Access-Control-Allow-Origin", false)
        .send()
        .await
        .unwrap();
    options
        .put_mock()
        .request_templates("application/json", MOCK_200)
        .send()
        .await
        .unwrap();
    options
        .put_integration_response("200")
        .response_parameters(
            "method.response.header.Access-Control-Allow-Headers",
            "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'",
        )
        .response_parameters(
            "method.response.header.Access-Control-Allow-Methods",
            "'GET,OPTIONS'",
        )
        .response_parameters("method.response.header.Access-Control-Allow-Origin", "'*'")
        .send()
        .await
        .unwrap();
    deploy(&c, &api, "dev").await;

    let r = s
        .http()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/_aws/execute-api/{api}/dev/items", s.url),
        )
        .header("origin", "http://example.com")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.headers()["access-control-allow-methods"], "GET,OPTIONS");
    assert_eq!(
        r.headers()["access-control-allow-headers"],
        "Content-Type,X-Amz-Date,Authorization,X-Api-Key"
    );
    assert_eq!(r.headers()["content-type"], "application/json");
    assert!(r.headers().contains_key("x-amzn-requestid"));
}

/// MOCK: the request template picks the status, selection patterns pick the integration
/// response, and its template renders the body with `$context` and `$input`.
#[tokio::test]
async fn mock_templates_and_selection_patterns() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "mock").await;
    let name = add_resource(&c, &api, &root, "{name}").await;
    let get = Route::new(&c, &api, &name, "GET");
    get.method().await;
    for code in ["200", "500"] {
        get.put_method_response(code).send().await.unwrap();
    }
    get.put_mock()
        .request_templates("application/json", "#if($input.params('fail') == 'yes'){\"statusCode\": 500}#else{\"statusCode\": 200}#end")
        .send().await.unwrap();
    get.put_integration_response("200")
        .response_templates("application/json", "{\"hello\": \"$input.params('name')\", \"stage\": \"$context.stage\", \"path\": \"$context.resourcePath\"}")
        .send().await.unwrap();
    get.put_integration_response("500")
        .selection_pattern("5\\d{2}")
        .response_templates("application/json", "{\"error\": true}")
        .send()
        .await
        .unwrap();
    deploy_with(&c, &api, Some("test"), &[("v", "1")]).await;
    let base = stage_url(&s, &api, "test");

    let r = s.http_get(format!("{base}/world")).await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"hello": "world", "stage": "test", "path": "/{name}"})
    );
    let r = s.http_get(format!("{base}/world?fail=yes")).await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.text().await.unwrap(), "{\"error\": true}");
}

/// HTTP (non-proxy): mapped path, query string and header parameters; a request template;
/// integration responses chosen on the backend status; passthrough NEVER.
#[tokio::test]
async fn http_integration_maps_parameters_and_templates() {
    let s = Server::start();
    let c = s.sdk();
    let up = upstream().await;
    let (api, root) = new_api(&c, "http").await;
    let items = add_resource(&c, &api, &root, "items").await;
    let item = add_resource(&c, &api, &items, "{id}").await;
    let post = Route::new(&c, &api, &item, "POST");
    post.put_method()
        .request_parameters("method.request.path.id", true)
        .request_parameters("method.request.querystring.search", false)
        .send()
        .await
        .unwrap();
    for code in ["200", "404"] {
        post.put_method_response(code)
            .response_parameters("method.response.header.X-Backend", false)
            .send()
            .await
            .unwrap();
    }
    post.put_integration()
        .r#type(IntegrationType::Http)
        .integration_http_method("PUT")
        .uri(format!("{}/json/things/{{thing}}", up.url))
        .request_parameters("integration.request.path.thing", "method.request.path.id")
        .request_parameters(
            "integration.request.querystring.q",
            "method.request.querystring.search",
        )
        .request_parameters("integration.request.header.X-From", "'apigw'")
        .request_templates(
            "application/json",
            "{\"wrapped\": $input.json('$'), \"var\": \"$stageVariables.v\"}",
        )
        .passthrough_behavior("NEVER")
        .send()
        .await
        .unwrap();
    post.put_integration_response("200")
        .response_parameters("method.response.header.X-Backend", "integration.response.header.x-upstream")
        .response_templates("application/json", "#set($b = $input.path('$'))\n{\"method\": \"$b.method\", \"uri\": \"$b.uri\", \"from\": \"$b.from\", \"sent\": $b.body}")
        .send().await.unwrap();
    post.put_integration_response("404")
        .selection_pattern("4\\d{2}")
        .send()
        .await
        .unwrap();
    deploy_with(&c, &api, Some("dev"), &[("v", "stagevar")]).await;
    let base = stage_url(&s, &api, "dev");

    let r = s
        .http()
        .post(format!("{base}/items/42?search=red%20ball&ignored=1"))
        .header("content-type", "application/json")
        .body(r#"{"a": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-backend"], "yes");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["method"], "PUT");
    assert_eq!(body["uri"], "/json/things/42?q=red%20ball");
    assert_eq!(body["from"], "apigw");
    assert_eq!(
        body["sent"],
        serde_json::json!({"wrapped": {"a": 1}, "var": "stagevar"})
    );

    // A backend 404 selects the 404 integration response (no template: the body passes through).
    let r = s
        .http()
        .post(format!("{base}/items/404"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // passthroughBehavior NEVER and no template for text/plain: 415.
    let r = s
        .http()
        .post(format!("{base}/items/1"))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["message"], "Unsupported Media Type");
}

/// POST `total` bytes to `path` over a raw connection, with `Transfer-Encoding: chunked` (no
/// length known up front) or a `Content-Length`; returns the status and body of the answer.
async fn post_raw(base: &str, path: &str, total: usize, chunked: bool) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let length = if chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {total}")
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\n{length}\r\nConnection: close\r\n\r\n"
    );
    let chunk = vec![b'a'; 1 << 20];
    // The server may answer and close before the whole body is sent: write errors are expected.
    let _ = async {
        conn.write_all(head.as_bytes()).await?;
        let mut left = total;
        while left > 0 {
            let n = left.min(chunk.len());
            if chunked {
                conn.write_all(format!("{n:x}\r\n").as_bytes()).await?;
            }
            conn.write_all(&chunk[..n]).await?;
            if chunked {
                conn.write_all(b"\r\n").await?;
            }
            left -= n;
        }
        if chunked {
            conn.write_all(b"0\r\n\r\n").await?;
        }
        Ok::<(), std::io::Error>(())
    }
    .await;
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

/// Request bodies over 10 MB answer 413 (REQUEST_TOO_LARGE) before anything reaches the
/// backend, whether the length is declared or the body is chunked; smaller chunked bodies
/// reach it whole.
#[tokio::test]
async fn request_bodies_over_10_mb_answer_413() {
    let up = upstream().await;
    let s = Server::start();
    let api = proxy_api(&s.sdk(), &up.url, None).await;
    let path = format!("/_aws/execute-api/{api}/dev/upload");
    let (status, body) = post_raw(&s.url, &path, 10 * 1024 * 1024 + 1, false).await;
    assert_eq!(status, 413);
    assert!(body.contains(r#"{"message":"Request Too Long"}"#), "{body}");

    let (status, body) = post_raw(&s.url, &path, 11 * 1024 * 1024, true).await;
    assert_eq!(status, 413);
    assert!(body.contains(r#"{"message":"Request Too Long"}"#), "{body}");
    assert!(up.seen.lock().unwrap().is_empty(), "the backend was called");

    let (status, _) = post_raw(&s.url, &path, 3 * 1024 * 1024 + 7, true).await;
    assert_eq!(status, 200);
    let seen = up.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body.len(), 3 * 1024 * 1024 + 7);
}

/// `openssl s_server -www` on a free loopback port with a fresh self-signed certificate: an
/// HTTPS backend no public CA vouches for. Killed on drop.
struct TlsBackend {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for TlsBackend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tls_backend() -> TlsBackend {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run openssl (apt-get install openssl)");
    assert!(made.success(), "openssl req failed");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("openssl")
        .args(["s_server", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run openssl s_server");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "openssl s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    TlsBackend {
        child,
        url: format!("https://127.0.0.1:{port}/"),
        _dir: dir,
    }
}

/// HTTPS backends: certificates are verified, so an untrusted one is an integration failure,
/// unless the integration's `tlsConfig.insecureSkipVerification` says to skip — as on AWS.
#[tokio::test]
async fn https_backends_verify_certificates_unless_told_not_to() {
    let backend = tls_backend();
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "tls").await;
    for (part, skip) in [("checked", false), ("unchecked", true)] {
        let rid = add_resource(&c, &api, &root, part).await;
        let get = Route::new(&c, &api, &rid, "GET");
        get.method().await;
        let mut put = get.put_http_proxy(&backend.url);
        if skip {
            put = put.tls_config(
                aws_sdk_apigateway::types::TlsConfig::builder()
                    .insecure_skip_verification(true)
                    .build(),
            );
        }
        put.send().await.unwrap();
    }
    deploy(&c, &api, "dev").await;
    let base = stage_url(&s, &api, "dev");
    let r = s.http_get(format!("{base}/unchecked")).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("s_server"));
    let r = s.http_get(format!("{base}/checked")).await;
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "InternalServerErrorException"
    );
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message":"Internal server error"}"#
    );
}

/// A backend that answers one request per connection and then closes it, without saying so
/// (`close_quietly`) or with `Connection: close`.
async fn one_shot_backend(close_quietly: bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let connection = if close_quietly {
                    ""
                } else {
                    "Connection: close\r\n"
                };
                let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n{connection}\r\nok");
                let _ = sock.write_all(answer.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    url
}

/// Backend connections are pooled; one the backend closed is never reused for a request (the
/// request goes out on a new connection instead of failing).
#[tokio::test]
async fn backends_that_close_connections_are_not_reused() {
    let s = Server::start();
    let c = s.sdk();
    let http = s.http();
    for quietly in [false, true] {
        let up = one_shot_backend(quietly).await;
        let api = proxy_api(&c, &up, None).await;
        for i in 0..6 {
            let r = http
                .get(format!("{}/_aws/execute-api/{api}/dev/n{i}", s.url))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "request {i} (quietly: {quietly})");
            assert_eq!(r.text().await.unwrap(), "ok");
            if i % 2 == 1 {
                // Give the gateway time to see the close before the next request.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// A resource that matches the path but lacks the verb gives way to a less specific sibling
/// that has it (measured on AWS: floci-io/floci#3399, ministackorg/ministack#1423).
#[tokio::test]
async fn a_resource_without_the_verb_falls_back_to_its_proxy_sibling() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "fallback").await;
    let test = add_resource(&c, &api, &root, "test").await;
    let post = Route::new(&c, &api, &test, "POST");
    post.method().await;
    post.mock_json(r#"{"served": "test"}"#).await;
    let proxy = add_resource(&c, &api, &root, "{proxy+}").await;
    let any = Route::new(&c, &api, &proxy, "ANY");
    any.method().await;
    any.mock_json(r#"{"served": "proxy", "proxy": "$input.params('proxy')"}"#)
        .await;
    deploy(&c, &api, "dev").await;
    let url = format!("{}/test", stage_url(&s, &api, "dev"));
    let http = s.http();
    let served = |method: reqwest::Method| {
        let req = http.request(method, &url);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    assert_eq!(
        served(reqwest::Method::POST).await,
        (200, serde_json::json!({"served": "test"}))
    );
    for verb in [reqwest::Method::GET, reqwest::Method::OPTIONS] {
        assert_eq!(
            served(verb).await,
            (200, serde_json::json!({"served": "proxy", "proxy": "test"}))
        );
    }
}

/// `$context.responseOverride` set by a MOCK's request template decides the answer when the
/// integration response has no template (recorded: test_integration_mock_with_response
/// _override_in_request_template[False]: 444 and an empty body).
#[tokio::test]
async fn a_request_template_override_applies_without_a_response_template() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "override").await;
    let r = Route::new(&c, &api, &root, "GET");
    r.method().await;
    r.put_method_response("200").send().await.unwrap();
    r.put_mock()
        .request_templates(
            "application/json",
            "#set($context.responseOverride.status = 444)\n#set($context.responseOverride.header.foo = \"bar\")\n{\"statusCode\": 200}",
        )
        .send()
        .await
        .unwrap();
    r.put_integration_response("200").send().await.unwrap();
    deploy(&c, &api, "dev").await;
    let res = s.http_get(stage_url(&s, &api, "dev")).await;
    assert_eq!(res.status(), 444);
    assert_eq!(res.headers()["foo"], "bar");
    assert_eq!(res.text().await.unwrap(), "");
}

/// An integration mapping a header AWS will not send answers 500 and calls nothing
/// (recorded: TestApiGatewayHeaderRemapping, `content-length` and `transfer-encoding`); an
/// HTTP_PROXY integration's other header mappings reach the backend.
#[tokio::test]
async fn mapping_a_framing_header_is_a_configuration_error() {
    let up = upstream().await;
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "remap").await;
    let cases = [
        ("cl", IntegrationType::HttpProxy, "Content-Length"),
        ("te", IntegrationType::Http, "Transfer-Encoding"),
        ("ok", IntegrationType::HttpProxy, "X-Fine"),
    ];
    for (part, kind, header) in &cases {
        let rid = add_resource(&c, &api, &root, part).await;
        let r = Route::new(&c, &api, &rid, "GET");
        r.method().await;
        r.put_method_response("200").send().await.unwrap();
        r.put_integration()
            .r#type(kind.clone())
            .integration_http_method("GET")
            .uri(format!("{}/{part}", up.url))
            .request_parameters(format!("integration.request.header.{header}"), "'0'")
            .send()
            .await
            .unwrap();
        r.put_integration_response("200").send().await.unwrap();
    }
    deploy(&c, &api, "dev").await;
    let base = stage_url(&s, &api, "dev");
    for part in ["cl", "te"] {
        let res = s.http_get(format!("{base}/{part}")).await;
        assert_eq!(res.status(), 500, "{part}");
        assert_eq!(
            res.headers()["x-amzn-errortype"],
            "InternalServerErrorException"
        );
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"message":"Internal server error"}"#
        );
    }
    assert_eq!(s.http_get(format!("{base}/ok")).await.status(), 200);
    // Only the allowed mapping reached the upstream.
    let seen = up.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].headers["x-fine"], "0");
}

/// HTTP_PROXY applies header and query string mappings on top of what the client sent
/// (the recorded `full-integration` case of TestApiGatewayHeaderRemapping[HTTP_PROXY] maps
/// headers the same way).
#[tokio::test]
async fn http_proxy_maps_headers_and_query_strings() {
    let up = upstream().await;
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "proxy-map").await;
    let r = Route::new(&c, &api, &root, "GET");
    r.put_method()
        .request_parameters("method.request.header.x-in", false)
        .send()
        .await
        .unwrap();
    r.put_http_proxy(format!("{}/json/p", up.url))
        .request_parameters(
            "integration.request.header.x-from",
            "method.request.header.x-in",
        )
        .request_parameters("integration.request.header.x-static", "'fixed'")
        .request_parameters("integration.request.querystring.stage", "context.stage")
        .send()
        .await
        .unwrap();
    deploy(&c, &api, "dev").await;
    let res = s
        .http()
        .get(format!("{}/?a=1", stage_url(&s, &api, "dev")))
        .header("x-in", "client")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let seen = up.seen.lock().unwrap();
    assert_eq!(seen[0].headers["x-from"], "client");
    assert_eq!(seen[0].headers["x-static"], "fixed");
    assert_eq!(seen[0].headers["x-in"], "client");
    assert_eq!(seen[0].uri, "/json/p?a=1&stage=dev");
}
