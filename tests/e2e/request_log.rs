//! The request log (one stderr line per data-plane request and per control-plane call, a
//! warning with its cause when an integration fails) and the inspector page, `/_apigw/ui`,
//! with its JSON and, when a Chromium is installed, the page as a browser renders it.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::fixtures::{add_resource, closed_port_url, deploy, stage_url, Route};
use crate::harness::{new_api, Server};

/// A new API whose `GET /` is a MOCK answering 200, deployed to `dev`; returns its id.
async fn mock_api(c: &aws_sdk_apigateway::Client, name: &str) -> String {
    let (api, root) = new_api(c, name).await;
    let get = Route::new(c, &api, &root, "GET");
    get.method().await;
    get.mock_json(r#"{"ok": true}"#).await;
    deploy(c, &api, "dev").await;
    api
}

/// A line of the data-plane request log (target `apigw::request`) for `request_id`.
fn request_line(text: &str, request_id: &str) -> bool {
    text.contains(" apigw::request: ") && text.contains(request_id)
}

#[tokio::test]
async fn the_binary_logs_one_line_per_request_and_per_call_without_colour() {
    let (s, stderr) = Server::spawn_binary_logged(&[]);
    let c = s.sdk();
    let api = mock_api(&c, "logged").await;
    let r = s.http_get(format!("{}/", stage_url(&s, &api, "dev"))).await;
    assert_eq!(r.status(), 200);
    let id = r.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_string();

    let line = stderr.wait_line(|l| request_line(l, &id));
    assert!(line.contains(" INFO "), "{line}");
    for part in [
        "method=\"GET\"".to_string(),
        format!("path=\"/_aws/execute-api/{api}/dev/\""),
        format!("api=\"{api}\""),
        "stage=\"dev\"".to_string(),
        "status=200".to_string(),
        "latency_ms=".to_string(),
        format!("request_id=\"{id}\""),
    ] {
        assert!(line.contains(&part), "{part} not in {line}");
    }
    let control = stderr.wait_line(|l| l.contains("operation=\"CreateRestApi\""));
    assert!(control.contains(" INFO apigw::control: "), "{control}");
    assert!(control.contains("status=201"), "{control}");
    // Exactly one line for the request and one for the API's creation.
    let text = stderr.text();
    assert_eq!(
        text.lines().filter(|l| l.contains(&id)).count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("operation=\"CreateRestApi\""))
            .count(),
        1,
        "{text}"
    );
    // stderr is a pipe here: no colour codes.
    assert!(!text.contains('\x1b'), "{text:?}");
}

/// An API whose `GET /` is an HTTP_PROXY to a port nothing listens on, deployed to `dev`.
async fn dead_backend_api(c: &aws_sdk_apigateway::Client) -> (String, String) {
    let dead = closed_port_url();
    let (api, root) = new_api(c, "dead").await;
    Route::new(c, &api, &root, "GET").proxy_to(&dead).await;
    deploy(c, &api, "dev").await;
    (api, dead)
}

#[tokio::test]
async fn an_integration_failure_is_a_warning_with_its_cause_even_when_quiet() {
    for quiet in [false, true] {
        let args: &[&str] = if quiet { &["--quiet"] } else { &[] };
        let (s, stderr) = Server::spawn_binary_logged(args);
        let c = s.sdk();
        let (api, dead) = dead_backend_api(&c).await;
        let r = s.http_get(format!("{}/", stage_url(&s, &api, "dev"))).await;
        assert_eq!(r.status(), 504);
        let id = r.headers()["x-amzn-requestid"]
            .to_str()
            .unwrap()
            .to_string();
        let line = stderr.wait_line(|l| request_line(l, &id));
        assert!(line.contains(" WARN "), "{line}");
        assert!(line.contains("status=504"), "{line}");
        assert!(line.contains("error=\"INTEGRATION_FAILURE\""), "{line}");
        // The cause names the backend the caller is not told about.
        let port = dead.rsplit(':').next().unwrap();
        assert!(line.contains("cause=") && line.contains(port), "{line}");
        let text = stderr.text();
        // --quiet drops the info lines (the calls that set the API up), not the warning.
        assert_eq!(
            text.contains("operation=\"CreateRestApi\""),
            !quiet,
            "quiet={quiet}: {text}"
        );
    }
}

/// GET `/_apigw/ui/data`.
async fn inspector_data(s: &Server) -> Value {
    let r = s.http_get(format!("{}/_apigw/ui/data", s.url)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn the_inspector_lists_apis_stages_routes_and_the_last_requests() {
    let s = Server::start();
    let c = s.sdk();
    let api = mock_api(&c, "inspected").await;
    let (dead_api, _) = dead_backend_api(&c).await;
    let base = stage_url(&s, &api, "dev");
    assert_eq!(s.http_get(format!("{base}/")).await.status(), 200);
    assert_eq!(s.http_get(format!("{base}/nowhere")).await.status(), 403);
    let dead = stage_url(&s, &dead_api, "dev");
    assert_eq!(s.http_get(format!("{dead}/")).await.status(), 504);

    let data = inspector_data(&s).await;
    let apis = data["apis"].as_array().unwrap();
    let ours = apis.iter().find(|a| a["id"] == api.as_str()).unwrap();
    assert_eq!(ours["name"], "inspected");
    assert_eq!(ours["stages"][0]["name"], "dev");
    assert_eq!(ours["routes"][0]["path"], "/");
    assert_eq!(ours["routes"][0]["methods"][0]["method"], "GET");
    assert_eq!(ours["routes"][0]["methods"][0]["integration"], "MOCK");

    let requests = data["requests"].as_array().unwrap();
    let data_plane: Vec<&Value> = requests.iter().filter(|r| r["plane"] == "data").collect();
    // Oldest first, as sent.
    let paths: Vec<&str> = data_plane
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            format!("/_aws/execute-api/{api}/dev/"),
            format!("/_aws/execute-api/{api}/dev/nowhere"),
            format!("/_aws/execute-api/{dead_api}/dev/"),
        ]
    );
    let ok = data_plane[0];
    assert_eq!(ok["status"], 200);
    assert_eq!(ok["apiId"], api.as_str());
    assert_eq!(ok["stage"], "dev");
    assert_eq!(ok["resource"], "/");
    assert_eq!(ok["integrationStatus"], 200);
    assert!(ok["latency"].as_f64().unwrap() > 0.0);
    assert!(ok["integrationLatency"].as_f64().is_some());
    assert!(ok["requestId"].as_str().is_some_and(|id| !id.is_empty()));
    // No route: no integration ran.
    let missing = data_plane[1];
    assert_eq!(missing["status"], 403);
    assert!(missing.get("integrationLatency").is_none());
    assert!(missing["error"]
        .as_str()
        .unwrap()
        .starts_with("MISSING_AUTHENTICATION_TOKEN"));
    let failed = data_plane[2];
    assert_eq!(failed["status"], 504);
    assert!(failed.get("integrationStatus").is_none());
    assert!(failed["integrationLatency"].as_f64().is_some());
    assert!(failed["error"]
        .as_str()
        .unwrap()
        .starts_with("INTEGRATION_FAILURE"));
    assert!(failed["cause"].as_str().is_some_and(|c| !c.is_empty()));
    // Control-plane calls are there with their operation; the inspector's own are not.
    assert!(requests
        .iter()
        .any(|r| r["plane"] == "control" && r["operation"] == "CreateDeployment"));
    let again = inspector_data(&s).await;
    assert!(!again["requests"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["path"].as_str().unwrap().starts_with("/_apigw/ui")));

    // The page itself: the embedded HTML, which reads that JSON.
    let page = s.http_get(format!("{}/_apigw/ui", s.url)).await;
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>apigw-local inspector</title>"));
    assert!(html.contains("/_apigw/ui/data"));

    // The emulator's reset forgets the requests too.
    let reset = s
        .http()
        .post(format!("{}/_apigw/reset", s.url))
        .send()
        .await
        .unwrap();
    assert!(reset.status().is_success());
    let after = inspector_data(&s).await;
    assert!(!after["requests"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["plane"] == "data"));
}

/// A Chromium on `PATH` (Debian's `chromium` package), if any.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Run headless Chromium on `url` with `extra` flags; returns its stdout.
fn headless(chromium: &PathBuf, url: &str, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            // Root in a container has no user namespace for the sandbox.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            // Lets the page's fetch and render finish before the DOM or the picture is taken.
            "--virtual-time-budget=5000",
            "--window-size=1400,900",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_inspector_page_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        println!("SKIPPED: no chromium on PATH (apt-get install chromium)");
        return;
    };
    let s = Server::start();
    let c = s.sdk();
    let api = mock_api(&c, "browsed").await;
    let (root_api, root) = new_api(&c, "second").await;
    let pets = add_resource(&c, &root_api, &root, "pets").await;
    Route::new(&c, &root_api, &pets, "POST").mock().await;
    deploy(&c, &root_api, "prod").await;
    let r = s.http_get(format!("{}/", stage_url(&s, &api, "dev"))).await;
    let id = r.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_string();
    let page = format!("{}/_apigw/ui", s.url);

    let dom = tokio::task::spawn_blocking({
        let (chromium, page) = (chromium.clone(), page.clone());
        move || headless(&chromium, &page, &["--dump-dom"])
    })
    .await
    .unwrap();
    // The script ran and rendered both tables from the JSON.
    assert!(dom.contains(&format!("browsed ({api})")), "{dom}");
    assert!(dom.contains("dev → "), "{dom}");
    assert!(dom.contains("POST (MOCK) /pets"), "{dom}");
    assert!(dom.contains(&id), "{dom}");
    assert!(
        dom.contains(&format!("GET /_aws/execute-api/{api}/dev/")),
        "{dom}"
    );
    assert!(dom.contains("CreateRestApi"), "{dom}");
    // The fetch succeeded (on failure the span says it cannot reach the server).
    assert!(dom.contains("<span id=\"updated\">Updated "), "{dom}");

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("inspector.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    tokio::task::spawn_blocking(move || headless(&chromium, &page, &[&arg]))
        .await
        .unwrap();
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    println!("inspector screenshot: {}", shot.display());
}
