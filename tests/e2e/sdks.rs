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

/// GetSdk `javascript` for stage `dev` of `api`.
async fn javascript_sdk(
    c: &aws_sdk_apigateway::Client,
    api: &str,
) -> aws_sdk_apigateway::operation::get_sdk::GetSdkOutput {
    c.get_sdk()
        .rest_api_id(api)
        .stage_name("dev")
        .sdk_type("javascript")
        .send()
        .await
        .unwrap()
}

/// Unzip the generated client of `sdk` into a folder of its own and run `script` there with
/// Node.js; what the script prints, as JSON.
fn run_client(sdk: &aws_sdk_apigateway::operation::get_sdk::GetSdkOutput, script: &str) -> Value {
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
    serde_json::from_slice(&out.stdout).unwrap()
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

    let sdk = javascript_sdk(&c, &api).await;
    assert_eq!(sdk.content_type(), Some("application/octet-stream"));
    let script = r#"
        const factory = require('./apigClient.js');
        const client = factory.newClient();
        (async () => {
          const root = await client.rootGet({}, null, {});
          const pet = await client.petsPetIdGet({petId: 'a b', color: 'red', 'x-tag': 't1'}, null, {});
          console.log(JSON.stringify({root, pet}));
        })().catch(e => { console.error(e); process.exit(1); });
    "#;
    let got = run_client(&sdk, script);
    assert_eq!(got["root"]["status"], 200);
    assert_eq!(got["root"]["data"], serde_json::json!({"root": true}));
    assert_eq!(
        got["pet"]["data"],
        serde_json::json!({"petId": "a b", "color": "red", "tag": "t1"})
    );
}

/// The SigV4 signature botocore computes for a GET of `url` at `amz_date` (execute-api).
fn botocore_signature(url: &str, amz_date: &str, region: &str, key: &str, secret: &str) -> String {
    const SCRIPT: &str = r#"
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, amz_date, region, key, secret = sys.argv[1:6]
req = AWSRequest(method="GET", url=url, headers={"X-Amz-Date": amz_date})
req.context["timestamp"] = amz_date
auth = SigV4Auth(Credentials(key, secret), "execute-api", region)
print(auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req))
"#;
    crate::fixtures::python(SCRIPT, &[url, amz_date, region, key, secret])
        .trim()
        .to_string()
}

#[tokio::test]
async fn the_javascript_sdk_signs_aws_iam_methods_as_botocore_does() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "signed").await;
    let secure = add_resource(&c, &api, &root, "sec:ure").await;
    let name = add_resource(&c, &api, &secure, "{name}").await;
    let r = Route::new(&c, &api, &name, "GET");
    r.put_method()
        .authorization_type("AWS_IAM")
        .request_parameters("method.request.querystring.q", false)
        .send()
        .await
        .unwrap();
    r.mock_json(
        r#"{"authorization": "$input.params('Authorization')", "date": "$input.params('X-Amz-Date')", "key": "$context.identity.accessKey"}"#,
    )
    .await;
    deploy(&c, &api, "dev").await;
    let sdk = javascript_sdk(&c, &api).await;
    let script = r#"
        const factory = require('./apigClient.js');
        (async () => {
          const unsigned = await factory.newClient().secUreNameGet({name: 'a(b) c', q: 'a b'}, null, {});
          const signed = await factory.newClient({accessKey: 'AKIDJS', secretKey: 'js-secret'})
            .secUreNameGet({name: 'a(b) c', q: 'a b'}, null, {});
          console.log(JSON.stringify({unsigned, signed}));
        })().catch(e => { console.error(e); process.exit(1); });
    "#;
    let got = run_client(&sdk, script);
    // Without keys the call goes unsigned, and AWS_IAM refuses it.
    assert_eq!(got["unsigned"]["status"], 403);
    assert_eq!(
        got["unsigned"]["data"]["message"],
        "Missing Authentication Token"
    );
    assert_eq!(got["signed"]["status"], 200, "{got}");
    let data = &got["signed"]["data"];
    assert_eq!(data["key"], "AKIDJS");
    let date = data["date"].as_str().unwrap();
    let authorization = data["authorization"].as_str().unwrap();
    // The URL the client called: the path parameter and the query encoded once (`encodeURIComponent`
    // keeps `(` and `)`), the literal `:` as it is; SigV4 encodes all of them once more.
    let url = format!(
        "{}/sec:ure/a(b)%20c?q=a%20b",
        crate::fixtures::stage_url(&s, &api, "dev")
    );
    let want = botocore_signature(&url, date, "us-east-1", "AKIDJS", "js-secret");
    assert_eq!(
        authorization,
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDJS/{}/us-east-1/execute-api/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature={want}",
            &date[..8]
        )
    );
}
