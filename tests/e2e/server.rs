//! The server itself: start-up, health, reset, STS, region isolation, durability, and the
//! answer for operations not implemented yet.

use crate::fixtures::{add_resource, patch};
use crate::harness::{err_of, new_api, Server};

#[tokio::test]
async fn health_and_reset() {
    let s = Server::start();
    let h: serde_json::Value = s
        .http()
        .get(format!("{}/_apigw/health", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h["status"], "running");
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    assert!(h["state"].as_str().unwrap().ends_with("state.db"));

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
    let (code, msg) = err_of(
        s.sdk()
            .get_rest_api()
            .rest_api_id("nope")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg, "Invalid API identifier specified 123456789012:nope");
}

#[tokio::test]
async fn regions_are_isolated() {
    let s = Server::start();
    let east = s.sdk_in("us-east-1");
    let west = s.sdk_in("eu-west-1");
    let (id, _) = new_api(&east, "east").await;
    assert_eq!(west.get_rest_apis().send().await.unwrap().items().len(), 0);
    let (code, _) = err_of(
        west.get_rest_api()
            .rest_api_id(&id)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "NotFoundException");
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
    let s = Server::start();
    let db = s.db.clone();
    let c = s.sdk();
    let (id, root) = new_api(&c, "durable").await;
    let child = add_resource(&c, &id, &root, "pets").await;
    // A graceful stop, then a start on the same file.
    let dir = s.stop();
    let s = Server::start_on(&db);
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
    let s = Server::start_on(&db);
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

#[tokio::test]
async fn unimplemented_operations_say_so() {
    let s = Server::start();
    let out = s.aws_raw(&["apigateway", "get-sdk-types"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NotImplementedException"), "{err}");
    assert!(err.contains("GetSdkTypes"), "{err}");
    let r = s
        .http()
        .get(format!("{}/no/such/operation", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-amzn-errortype"], "UnknownOperationException");
}

#[tokio::test]
async fn seed_walkthrough_script_passes() {
    let s = Server::start();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/seed-walkthrough.sh"
    );
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg(&s.url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "walkthrough failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.trim_end().ends_with(" passed, 0 failed"), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
}
