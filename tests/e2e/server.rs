//! The server itself: start-up, health, reset, STS, region isolation, durability, and the
//! answer for operations not implemented yet.

use crate::fixtures::{add_resource, assert_aws_err, patch};
use crate::harness::{new_api, Server};

#[tokio::test]
async fn health_and_reset() {
    let s = Server::start();
    let h: serde_json::Value = s
        .http_get(format!("{}/_apigw/health", s.url))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h["status"], "running");
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(h["state"].as_str(), s.db.to_str());
    // Tools written for LocalStack poll its health path and read `services`.
    let l: serde_json::Value = s
        .http_get(format!("{}/_localstack/health", s.url))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l["services"]["apigateway"], "running");
    assert_eq!(l["services"]["lambda"], "running");

    let c = s.sdk();
    new_api(&c, "a").await;
    assert_eq!(c.get_rest_apis().send().await.unwrap().items().len(), 1);
    let r = s
        .http()
        .post(format!("{}/_apigw/reset", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(c.get_rest_apis().send().await.unwrap().items().len(), 0);
}

#[tokio::test]
async fn sts_get_caller_identity_through_the_cli() {
    let s = Server::start();
    let out = s.aws(&["sts", "get-caller-identity"]);
    assert_eq!(out["Account"], "000000000000");
    assert_eq!(out["Arn"], "arn:aws:iam::000000000000:root");
}

#[tokio::test]
async fn configured_account_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_with(&dir.path().join("db"), &["--account-id", "123456789012"]);
    let out = s.aws(&["sts", "get-caller-identity"]);
    assert_eq!(out["Account"], "123456789012");
    assert_aws_err!(
        s.sdk().get_rest_api().rest_api_id("nope").send().await,
        "NotFoundException",
        "Invalid API identifier specified 123456789012:nope"
    );
}

#[tokio::test]
async fn regions_are_isolated() {
    let s = Server::start();
    let east = s.sdk_in("us-east-1");
    let west = s.sdk_in("eu-west-1");
    let (id, _) = new_api(&east, "east").await;
    assert_eq!(west.get_rest_apis().send().await.unwrap().items().len(), 0);
    assert_aws_err!(
        west.get_rest_api().rest_api_id(&id).send().await,
        "NotFoundException"
    );
    assert_eq!(
        east.get_rest_api()
            .rest_api_id(&id)
            .send()
            .await
            .unwrap()
            .name(),
        Some("east")
    );
}

#[tokio::test]
async fn state_survives_restart_and_kill() {
    let s = Server::spawn_binary_file();
    let db = s.db.clone();
    let c = s.sdk();
    let (id, root) = new_api(&c, "durable").await;
    let child = add_resource(&c, &id, &root, "pets").await;
    // A graceful stop, then a start on the same file.
    let dir = s.stop();
    let s = Server::spawn_binary_on(&db);
    let c = s.sdk();
    assert_eq!(
        c.get_rest_api()
            .rest_api_id(&id)
            .send()
            .await
            .unwrap()
            .name(),
        Some("durable")
    );
    // An acknowledged write survives SIGKILL.
    c.update_rest_api()
        .rest_api_id(&id)
        .patch_operations(patch("replace", "/name", "renamed"))
        .send()
        .await
        .unwrap();
    s.kill();
    let s = Server::spawn_binary_on(&db);
    let c = s.sdk();
    assert_eq!(
        c.get_rest_api()
            .rest_api_id(&id)
            .send()
            .await
            .unwrap()
            .name(),
        Some("renamed")
    );
    let r = c
        .get_resource()
        .rest_api_id(&id)
        .resource_id(&child)
        .send()
        .await
        .unwrap();
    assert_eq!(r.path(), Some("/pets"));
    drop(s);
    drop(dir);
}

/// Every operation of botocore's apigateway model is served: none reaches the fallback's 501
/// (each is called with placeholder ids and an empty body, so most answer AWS's 4xx), and a
/// path that is no operation answers AWS's 404 `UnknownOperationException`.
#[tokio::test]
async fn every_operation_of_the_model_is_served() {
    let s = Server::start();
    let http = s.http();
    let mut unserved = Vec::new();
    for (method, template, name) in apigw_control::unimplemented::OPERATIONS {
        let (path, query) = template.split_once('?').unwrap_or((template, ""));
        let path: String = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let url = if query.is_empty() {
            format!("{}{path}", s.url)
        } else {
            format!("{}{path}?{query}", s.url)
        };
        let res = http
            .request(method.parse().unwrap(), &url)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let kind = res
            .headers()
            .get("x-amzn-errortype")
            .map(|v| v.to_str().unwrap().to_string());
        if res.status() == 501 || kind.as_deref() == Some("NotImplementedException") {
            unserved.push(*name);
        }
    }
    assert!(unserved.is_empty(), "answered 501: {unserved:?}");
    let r = s.http_get(format!("{}/no/such/operation", s.url)).await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-amzn-errortype"], "UnknownOperationException");
}

/// GetSdk generates the javascript SDK only; another type AWS offers is refused, naming it.
#[tokio::test]
async fn get_sdk_types_other_than_javascript_say_so() {
    let s = Server::start();
    let api = crate::fixtures::deployed_api(&s.sdk(), "sdk").await;
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("sdk.zip");
    let out = s.aws_raw(&[
        "apigateway",
        "get-sdk",
        "--rest-api-id",
        &api,
        "--stage-name",
        "dev",
        "--sdk-type",
        "ruby",
        "--parameters",
        "service.name=Pets",
        out_file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NotImplementedException"), "{err}");
    assert!(err.contains("GetSdk for sdkType ruby"), "{err}");
}

/// Run `scripts/{name}` against `s`; its standard output, once it has exited 0 (`what` names
/// the run in a failure).
fn run_script(s: &Server, name: &str, what: &str) -> String {
    let script = format!("{}/../../scripts/{name}", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg(&s.url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name} ({what}) failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Run the README's worked example (`scripts/seed-walkthrough.sh`) against `s`.
fn walkthrough_passes(s: &Server) {
    let text = run_script(s, "seed-walkthrough.sh", &format!("on {:?}", s.db));
    assert!(text.trim_end().ends_with(" passed, 0 failed"), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
}

#[test]
fn seed_walkthrough_passes_on_a_file() {
    walkthrough_passes(&Server::start_file());
}

/// In memory the pool has one connection: update-account once held it in its transaction and
/// waited 30 s for a second one to check the role, then failed (issue 15).
#[test]
fn seed_walkthrough_passes_in_memory() {
    walkthrough_passes(&Server::start_with(std::path::Path::new(":memory:"), &[]));
}

/// Field `n` (1-based, as proc(5) numbers them) of a `/proc/.../stat` line: counted after the
/// command name's `)`, since the name may hold spaces.
#[cfg(target_os = "linux")]
fn stat_field(stat: &str, n: usize) -> i64 {
    let rest = stat.rsplit_once(')').unwrap().1;
    rest.split_whitespace().nth(n - 3).unwrap().parse().unwrap()
}

/// The scheduling policy of each `apigw-worker-*` thread of `pid` (0 normal, 3 batch), once
/// `workers` of them run `want` (the threads start, and set their own, after the start-up
/// line may have been read).
#[cfg(target_os = "linux")]
async fn worker_policies(pid: u32, workers: usize, want: i64) -> Vec<i64> {
    let mut policies = Vec::new();
    for _ in 0..100 {
        policies.clear();
        for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
            let dir = task.unwrap().path();
            let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            if comm.starts_with("apigw-worker-") {
                let stat = std::fs::read_to_string(dir.join("stat")).unwrap();
                policies.push(stat_field(&stat, 41));
            }
        }
        if policies.len() == workers && policies.iter().all(|p| *p == want) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    policies
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn workers_run_under_the_scheduling_policy_asked_for() {
    // A server started under `nice` keeps the kernel's default: that is the rule for batch.
    let own = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    let batch = if stat_field(&own, 19) == 0 { 3 } else { 0 };
    let s = Server::spawn_binary_args(&["--workers", "2"]);
    assert_eq!(worker_policies(s.pid(), 2, batch).await, vec![batch; 2]);
    // The main thread (the control plane's runtime) is not touched.
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", s.pid())).unwrap();
    assert_eq!(stat_field(&stat, 41), 0);
    let s = Server::spawn_binary_args(&["--workers", "2", "--worker-policy", "normal"]);
    assert_eq!(worker_policies(s.pid(), 2, 0).await, vec![0; 2]);
}

/// A second instance on a port the first listens on fails at once, saying so, instead of
/// sharing the port (the kernel would split connections between two states).
#[test]
fn a_second_instance_on_a_taken_port_fails() {
    // Two processes, as a user would run them.
    let s = Server::spawn_binary_args(&["--workers", "2"]);
    let addr = s.url.trim_start_matches("http://");
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_apigw-local"))
        .args(["--listen", addr, "--db"])
        .arg(dir.path().join("second.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert!(err.contains("Address already in use"), "{err}");
    assert!(out.stdout.is_empty(), "it never said it listens");
}

/// The README's quick start (`scripts/quickstart.sh`, whose marked lines the README holds
/// verbatim) works, twice on the same state, and ends with a deployed stage answering.
#[test]
fn readme_quick_start_runs_twice() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let script = std::fs::read_to_string(format!("{root}/scripts/quickstart.sh")).unwrap();
    let block = script
        .split_once("# >>> README\n")
        .and_then(|(_, rest)| rest.split_once("# <<< README"))
        .unwrap()
        .0;
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    assert!(
        readme.contains(block),
        "README lacks the quick start:\n{block}"
    );
    let s = Server::start();
    for run in 1..=2 {
        let text = run_script(&s, "quickstart.sh", &format!("run {run}"));
        assert!(
            text.trim_end().ends_with(r#"[{"id": 1, "type": "dog"}]"#),
            "run {run}: {text}"
        );
    }
}
