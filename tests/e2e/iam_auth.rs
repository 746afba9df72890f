//! `AWS_IAM` methods on the data plane: requests signed by botocore's SigV4 signer (the one
//! boto3 and the aws CLI use) pass and name their signer in `$context.identity`; unsigned and
//! malformed ones get AWS's 403s. Messages: "Missing Authentication Token" from AWS's
//! knowledge-center article api-gateway-iam-sigv4-mismatch; the others as AWS words them for
//! SigV4 requests (see `pipeline/sigv4.rs`).

use crate::fixtures::{deploy, python, stage_url, Route};
use crate::harness::{new_api, Server};

/// Sign a GET of `url` with botocore's `SigV4Auth` for `service` in `region`, send it, and
/// return (status, `x-amzn-ErrorType`, body).
fn botocore_get(url: &str, service: &str, region: &str) -> (u16, String, String) {
    const SCRIPT: &str = r#"
import sys, urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, service, region = sys.argv[1:4]
req = AWSRequest(method="GET", url=url)
SigV4Auth(Credentials("AKIDIAMTEST", "secret"), service, region).add_auth(req)
try:
    r = urllib.request.urlopen(urllib.request.Request(url, headers=dict(req.headers.items())))
    status, kind, body = r.status, "", r.read()
except urllib.error.HTTPError as e:
    status, kind, body = e.code, e.headers.get("x-amzn-ErrorType", ""), e.read()
print(status)
print(kind)
sys.stdout.write(body.decode())
"#;
    let text = python(SCRIPT, &[url, service, region]);
    let mut lines = text.splitn(3, '\n');
    let status = lines.next().unwrap().parse().unwrap();
    let kind = lines.next().unwrap().to_string();
    (status, kind, lines.next().unwrap_or_default().to_string())
}

/// GET `url` with `Authorization: Bearer abc.def`: (status, `x-amzn-ErrorType`, body).
async fn bearer_get(s: &Server, url: &str) -> (u16, String, String) {
    let r = s
        .http()
        .get(url)
        .header("authorization", "Bearer abc.def")
        .send()
        .await
        .unwrap();
    let kind = r
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), kind, r.text().await.unwrap())
}

#[tokio::test]
async fn aws_iam_methods_take_sigv4_signed_requests_only() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "iam").await;
    let get = Route::new(&c, &api, &root, "GET");
    get.put_method()
        .authorization_type("AWS_IAM")
        .send()
        .await
        .unwrap();
    get.mock_json(
        r#"{"accessKey":"$context.identity.accessKey","caller":"$context.identity.caller","user":"$context.identity.user","accountId":"$context.identity.accountId","userArn":"$context.identity.userArn"}"#,
    )
    .await;
    deploy(&c, &api, "dev").await;
    let url = format!("{}/", stage_url(&s, &api, "dev"));

    // Signed by botocore for this region and execute-api: served, the signer in $context.
    let (status, _, body) = botocore_get(&url, "execute-api", "us-east-1");
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "accessKey": "AKIDIAMTEST",
            "caller": "000000000000",
            "user": "000000000000",
            "accountId": "000000000000",
            "userArn": "arn:aws:iam::000000000000:root",
        })
    );

    // Unsigned: AWS's 403 for a request with no signature.
    let r = s.http_get(&url).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message":"Missing Authentication Token"}"#
    );

    // A bearer token is read as a SigV4 header that is not one.
    let (status, kind, body) = bearer_get(&s, &url).await;
    assert_eq!(
        (status, kind.as_str()),
        (403, "IncompleteSignatureException")
    );
    assert!(
        body.starts_with(r#"{"message":"Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '"#),
        "{body}"
    );
    // The token itself is not echoed.
    assert!(!body.contains("abc.def"), "{body}");

    // Signed for the control plane's service, or another region.
    let (status, kind, body) = botocore_get(&url, "apigateway", "us-east-1");
    assert_eq!((status, kind.as_str()), (403, "InvalidSignatureException"));
    assert_eq!(
        body,
        r#"{"message":"Credential should be scoped to correct service: 'execute-api'. "}"#
    );
    let (status, _, body) = botocore_get(&url, "execute-api", "eu-west-1");
    assert_eq!(status, 403);
    assert_eq!(
        body,
        r#"{"message":"Credential should be scoped to a valid region. "}"#
    );
}

#[tokio::test]
async fn a_wrong_path_with_a_bearer_token_is_an_incomplete_signature() {
    // AWS reads the Authorization header of a request no method matches as a SigV4 one: the
    // well-known "missing equal-sign" answer to a bearer token sent to a wrong path.
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "wrong-path").await;
    Route::new(&c, &api, &root, "GET").mock().await;
    deploy(&c, &api, "dev").await;
    let url = format!("{}/nope", stage_url(&s, &api, "dev"));
    let (status, kind, body) = bearer_get(&s, &url).await;
    assert_eq!(
        (status, kind.as_str()),
        (403, "IncompleteSignatureException")
    );
    assert!(
        body.contains("Invalid key=value pair (missing equal-sign)"),
        "{body}"
    );
    let r = s.http_get(&url).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message":"Missing Authentication Token"}"#
    );
}

#[tokio::test]
async fn methods_without_aws_iam_ignore_the_authorization_header() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "open").await;
    let get = Route::new(&c, &api, &root, "GET");
    get.method().await;
    get.mock_json(r#"{"accessKey":"$context.identity.accessKey"}"#)
        .await;
    deploy(&c, &api, "dev").await;
    let (status, _, body) = bearer_get(&s, &format!("{}/", stage_url(&s, &api, "dev"))).await;
    assert_eq!((status, body.as_str()), (200, r#"{"accessKey":""}"#));
}
