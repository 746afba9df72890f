//! GetSdkTypes, GetSdkType and GetSdk: the generated JavaScript client is unzipped and run with
//! Node.js against the deployed stage.

use std::io::Read;

use serde_json::Value;

use crate::fixtures::{add_resource, assert_aws_err, deploy, Route};
use crate::harness::{new_api, Server};

#[tokio::test]
async fn sdk_types_are_listed() {
    let s = Server::start();
    let c = s.sdk();
    let types = c.get_sdk_types().send().await.unwrap();
    let ids: Vec<&str> = types.items().iter().filter_map(|t| t.id()).collect();
    assert_eq!(
        ids,
        [
            "android",
            "java",
            "javascript",
            "objectivec",
            "ruby",
            "swift"
        ]
    );
    let android = c.get_sdk_type().id("android").send().await.unwrap();
    let required: Vec<&str> = android
        .configuration_properties()
        .iter()
        .filter(|p| p.required())
        .filter_map(|p| p.name())
        .collect();
    assert_eq!(
        required,
        ["groupId", "invokerPackage", "artifactId", "artifactVersion"]
    );
    assert_aws_err!(
        c.get_sdk_type().id("cobol").send().await,
        "NotFoundException"
    );
    let cli = s.aws(&["apigateway", "get-sdk-type", "--id", "swift"]);
    assert_eq!(cli["configurationProperties"][0]["name"], "classPrefix");
}

#[tokio::test]
async fn the_javascript_sdk_calls_the_stage() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "petstore").await;
    let r = Route::new(&c, &api, &root, "GET");
    r.method().await;
    r.mock_json(r#"{"root": true}"#).await;
    let pets = add_resource(&c, &api, &root, "pets").await;
    let pet = add_resource(&c, &api, &pets, "{petId}").await;
    let r = Route::new(&c, &api, &pet, "GET");
    r.put_method()
        .request_parameters("method.request.querystring.color", false)
        .request_parameters("method.request.header.x-tag", false)
        .send()
        .await
        .unwrap();
    r.mock_json(
        r#"{"petId": "$input.params('petId')", "color": "$input.params('color')", "tag": "$input.params('x-tag')"}"#,
    )
    .await;
    deploy(&c, &api, "dev").await;

    // Parameters the type requires are checked; types other than javascript are not generated.
    assert_aws_err!(
        c.get_sdk()
            .rest_api_id(&api)
            .stage_name("dev")
            .sdk_type("android")
            .send()
            .await,
        "BadRequestException"
    );
    assert_aws_err!(
        c.get_sdk()
            .rest_api_id(&api)
            .stage_name("dev")
            .sdk_type("swift")
            .parameters("classPrefix", "Pet")
            .send()
            .await,
        "NotImplementedException"
    );
    assert_aws_err!(
        c.get_sdk()
            .rest_api_id(&api)
            .stage_name("nope")
            .sdk_type("javascript")
            .send()
            .await,
        "NotFoundException"
    );

    let sdk = c
        .get_sdk()
        .rest_api_id(&api)
        .stage_name("dev")
        .sdk_type("javascript")
        .send()
        .await
        .unwrap();
    assert_eq!(sdk.content_type(), Some("application/octet-stream"));
    let bytes = sdk.body().unwrap().as_ref().to_vec();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut client = String::new();
    archive
        .by_name("apiGateway-js-sdk/apigClient.js")
        .unwrap()
        .read_to_string(&mut client)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("apigClient.js"), client).unwrap();
    let script = r#"
        const factory = require('./apigClient.js');
        const client = factory.newClient();
        (async () => {
          const root = await client.rootGet({}, null, {});
          const pet = await client.petsPetIdGet({petId: 'a b', color: 'red', 'x-tag': 't1'}, null, {});
          console.log(JSON.stringify({root, pet}));
        })().catch(e => { console.error(e); process.exit(1); });
    "#;
    std::fs::write(dir.path().join("run.js"), script).unwrap();
    let out = std::process::Command::new("node")
        .arg("run.js")
        .current_dir(dir.path())
        .output()
        .expect("node (scripts/test.sh installs it when missing)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["root"]["status"], 200);
    assert_eq!(got["root"]["data"], serde_json::json!({"root": true}));
    assert_eq!(
        got["pet"]["data"],
        serde_json::json!({"petId": "a b", "color": "red", "tag": "t1"})
    );
}
