//! Gateway responses end to end: the control-plane operations (SDK and CLI) with AWS's
//! recorded shapes and errors, then what the data plane answers with defaults and with
//! customisations (which take effect with the next deployment only).

use aws_sdk_apigateway::types::{GatewayResponseType, PatchOperation};

use crate::data_plane::upstream;
use crate::fixtures::{
    add_resource, assert_aws_err, assert_http_err, closed_port_url, deploy_with, patch, patch_opt,
    remove, stage_url, Route,
};
use crate::harness::{err_of, new_api, Server};

/// AWS's default body template (recorded in test_gateway_response_crud).
const DEFAULT_TEMPLATE: &str = "{\"message\":$context.error.messageString}";

/// The enum message of test_gateway_response_validation (recorded; AWS's own order).
const BAD_TYPE: &str = "1 validation error detected: Value 'FAKE_RESPONSE_TYPE' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, INVALID_SIGNATURE, INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, INTEGRATION_TIMEOUT, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN]";

fn mat() -> GatewayResponseType {
    GatewayResponseType::MissingAuthenticationToken
}

#[tokio::test]
async fn list_shows_every_type_with_aws_defaults() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "gr").await;
    let all = c
        .get_gateway_responses()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let items = all.items();
    // Recorded (test_gateway_response_crud): 21 types, alphabetical, all defaults.
    assert_eq!(items.len(), 21);
    assert!(all.position().is_none());
    assert_eq!(items[0].response_type().unwrap().as_str(), "ACCESS_DENIED");
    assert_eq!(items[20].response_type().unwrap().as_str(), "WAF_FILTERED");
    for g in items {
        assert!(g.default_response());
        assert!(g.response_parameters().unwrap().is_empty());
        assert_eq!(
            g.response_templates().unwrap()["application/json"],
            DEFAULT_TEMPLATE
        );
        let t = g.response_type().unwrap().as_str();
        match t {
            "DEFAULT_4XX" | "DEFAULT_5XX" => assert!(g.status_code().is_none(), "{t}"),
            "MISSING_AUTHENTICATION_TOKEN" => assert_eq!(g.status_code(), Some("403")),
            "INTEGRATION_TIMEOUT" | "INTEGRATION_FAILURE" => {
                assert_eq!(g.status_code(), Some("504"))
            }
            "UNAUTHORIZED" => assert_eq!(g.status_code(), Some("401")),
            _ => assert!(g.status_code().is_some(), "{t}"),
        }
    }

    // Paging with limit/position walks the same list.
    let p1 = c
        .get_gateway_responses()
        .rest_api_id(&api)
        .limit(20)
        .send()
        .await
        .unwrap();
    assert_eq!(p1.items().len(), 20);
    let p2 = c
        .get_gateway_responses()
        .rest_api_id(&api)
        .limit(20)
        .position(p1.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p2.items().len(), 1);
    assert_eq!(
        p2.items()[0].response_type().unwrap().as_str(),
        "WAF_FILTERED"
    );

    // The raw wire envelope, through the aws CLI.
    let out = s.aws(&["apigateway", "get-gateway-responses", "--rest-api-id", &api]);
    assert_eq!(out["items"].as_array().unwrap().len(), 21);
    let one = s.aws(&[
        "apigateway",
        "get-gateway-response",
        "--rest-api-id",
        &api,
        "--response-type",
        "DEFAULT_4XX",
    ]);
    assert_eq!(
        one,
        serde_json::json!({
            "responseType": "DEFAULT_4XX",
            "responseParameters": {},
            "responseTemplates": {"application/json": DEFAULT_TEMPLATE},
            "defaultResponse": true
        })
    );
}

#[tokio::test]
async fn put_get_update_delete_lifecycle() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "gr").await;

    // Recorded put-gateway-response (test_gateway_response_crud).
    let put = c
        .put_gateway_response()
        .rest_api_id(&api)
        .response_type(mat())
        .status_code("404")
        .response_parameters(
            "gatewayresponse.header.Access-Control-Allow-Origin",
            "'a.b.c'",
        )
        .response_parameters(
            "gatewayresponse.header.x-request-header",
            "method.request.header.Accept",
        )
        .response_templates(
            "application/json",
            "{\"message\": $context.error.messageString}",
        )
        .send()
        .await
        .unwrap();
    assert!(!put.default_response());
    assert_eq!(put.status_code(), Some("404"));
    assert_eq!(put.response_parameters().unwrap().len(), 2);
    let got = c
        .get_gateway_response()
        .rest_api_id(&api)
        .response_type(mat())
        .send()
        .await
        .unwrap();
    assert_eq!(got.status_code(), Some("404"));
    assert!(!got.default_response());
    let listed = c
        .get_gateway_responses()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let m = listed
        .items()
        .iter()
        .find(|g| g.response_type() == Some(&mat()))
        .unwrap();
    assert!(!m.default_response());

    // Recorded put-gateway-response-status-only: absent members take the type's defaults.
    let only = c
        .put_gateway_response()
        .rest_api_id(&api)
        .response_type(mat())
        .response_parameters("gatewayresponse.header.x", "'y'")
        .send()
        .await
        .unwrap();
    assert_eq!(only.status_code(), Some("403"));
    assert_eq!(
        only.response_templates().unwrap()["application/json"],
        DEFAULT_TEMPLATE
    );

    // Recorded test_gateway_response_put: uncustomised 5xx types show DEFAULT_5XX's values,
    // still flagged as defaults; a customised one keeps its own.
    c.put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default5Xx)
        .status_code("599")
        .send()
        .await
        .unwrap();
    c.put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::AuthorizerFailure)
        .response_parameters("gatewayresponse.header.foo", "'bar'")
        .send()
        .await
        .unwrap();
    let listed = c
        .get_gateway_responses()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let by = |t: &str| {
        listed
            .items()
            .iter()
            .find(|g| g.response_type().unwrap().as_str() == t)
            .unwrap()
            .clone()
    };
    assert_eq!(by("INTEGRATION_TIMEOUT").status_code(), Some("599"));
    assert!(by("INTEGRATION_TIMEOUT").default_response());
    assert_eq!(by("AUTHORIZER_FAILURE").status_code(), Some("500"));
    assert!(!by("AUTHORIZER_FAILURE").default_response());
    assert!(!by("DEFAULT_5XX").default_response());
    assert_eq!(by("THROTTLED").status_code(), Some("429"));

    // Recorded update-gateway-response-not-set: updating an uncustomised type customises it.
    let u = c
        .update_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .patch_operations(patch("replace", "/statusCode", "444"))
        .send()
        .await
        .unwrap();
    assert_eq!(u.status_code(), Some("444"));
    assert!(!u.default_response());
    assert_eq!(
        u.response_templates().unwrap()["application/json"],
        DEFAULT_TEMPLATE
    );

    // Recorded update-gateway-response.
    c.put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .status_code("404")
        .response_parameters(
            "gatewayresponse.header.Access-Control-Allow-Origin",
            "'a.b.c'",
        )
        .send()
        .await
        .unwrap();
    let xml = "<gatewayResponse><message>$context.error.messageString</message></gatewayResponse>";
    let u = c
        .update_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .patch_operations(patch("replace", "/statusCode", "444"))
        .patch_operations(patch(
            "replace",
            "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
            "'example.com'",
        ))
        .patch_operations(patch("add", "/responseTemplates/application~1xml", xml))
        .send()
        .await
        .unwrap();
    assert_eq!(u.status_code(), Some("444"));
    assert_eq!(
        u.response_parameters().unwrap()["gatewayresponse.header.Access-Control-Allow-Origin"],
        "'example.com'"
    );
    assert_eq!(u.response_templates().unwrap()["application/xml"], xml);
    let g = c
        .get_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .send()
        .await
        .unwrap();
    assert_eq!(g.response_templates().unwrap().len(), 2);

    // Recorded update errors (test_update_gateway_response).
    let d4 = GatewayResponseType::Default4Xx;
    let cases: Vec<(GatewayResponseType, PatchOperation, &str, &str)> = vec![
        (d4.clone(), patch("add", "/statusCode", "444"), "BadRequestException", "Invalid patch path /statusCode"),
        (d4.clone(), remove("/statusCode"), "BadRequestException", "Invalid patch path /statusCode"),
        (
            GatewayResponseType::Default5Xx,
            patch("replace", "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin", "'example.com'"),
            "NotFoundException",
            "Invalid parameter name specified",
        ),
        (d4.clone(), PatchOperation::builder().op("add".into()).value("'example.com'").build(), "BadRequestException", "Invalid patch path null"),
        (d4.clone(), patch("add", "/wrongPath", "'example.com'"), "BadRequestException", "Invalid patch path /wrongPath"),
        (d4.clone(), patch_opt("replace", "/responseTemplates/application~1xml", None), "BadRequestException", "Invalid null or empty value in responseTemplates"),
        (
            d4.clone(),
            patch_opt("replace", "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin", None),
            "BadRequestException",
            "Invalid null or empty value in responseParameters",
        ),
        (
            d4.clone(),
            patch("wrong-op", "/statusCode", "'example.com'"),
            "ValidationException",
            "1 validation error detected: Value 'wrong-op' at 'updateGatewayResponseInput.patchOperations.1.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]",
        ),
    ];
    for (t, o, code, msg) in cases {
        let e = c
            .update_gateway_response()
            .rest_api_id(&api)
            .response_type(t)
            .patch_operations(o)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err_of(e), (code.to_string(), msg.to_string()));
    }
    // Nothing changed.
    let g2 = c
        .get_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .send()
        .await
        .unwrap();
    assert_eq!(g2.status_code(), Some("444"));

    // Delete: back to a default (recorded get-deleted-gw-response), then NotFound. With the
    // customised DEFAULT_4XX above, the default it shows is DEFAULT_4XX's.
    c.delete_gateway_response()
        .rest_api_id(&api)
        .response_type(mat())
        .send()
        .await
        .unwrap();
    let back = c
        .get_gateway_response()
        .rest_api_id(&api)
        .response_type(mat())
        .send()
        .await
        .unwrap();
    assert!(back.default_response());
    assert_eq!(back.status_code(), Some("444"));
    c.delete_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .send()
        .await
        .unwrap();
    let back = c
        .get_gateway_response()
        .rest_api_id(&api)
        .response_type(mat())
        .send()
        .await
        .unwrap();
    assert!(back.default_response());
    assert_eq!(back.status_code(), Some("403"));
    assert!(back.response_parameters().unwrap().is_empty());
    let e = c
        .delete_gateway_response()
        .rest_api_id(&api)
        .response_type(mat())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err_of(e),
        (
            "NotFoundException".into(),
            "Gateway response type not defined on api".into()
        )
    );
}

#[tokio::test]
async fn validation_and_unknown_api() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "gr").await;
    let fake = GatewayResponseType::from("FAKE_RESPONSE_TYPE");
    assert_aws_err!(
        c.get_gateway_response()
            .rest_api_id(&api)
            .response_type(fake.clone())
            .send()
            .await,
        "ValidationException",
        BAD_TYPE
    );
    assert_aws_err!(
        c.delete_gateway_response()
            .rest_api_id(&api)
            .response_type(fake.clone())
            .send()
            .await,
        "ValidationException",
        BAD_TYPE
    );
    assert_aws_err!(
        c.update_gateway_response()
            .rest_api_id(&api)
            .response_type(fake.clone())
            .send()
            .await,
        "ValidationException",
        BAD_TYPE
    );
    assert_aws_err!(
        c.put_gateway_response()
            .rest_api_id(&api)
            .response_type(fake)
            .status_code("404")
            .send()
            .await,
        "ValidationException",
        BAD_TYPE
    );

    // Recorded *-no-api answers.
    let e = c
        .get_gateway_responses()
        .rest_api_id("nope123")
        .send()
        .await
        .unwrap_err();
    let (code, msg) = err_of(e);
    assert_eq!(code, "NotFoundException");
    assert!(
        msg.starts_with("Invalid API identifier specified ") && msg.ends_with(":nope123"),
        "{msg}"
    );
    for e in [
        err_of(
            c.get_gateway_response()
                .rest_api_id("nope123")
                .response_type(mat())
                .send()
                .await
                .unwrap_err(),
        ),
        err_of(
            c.delete_gateway_response()
                .rest_api_id("nope123")
                .response_type(mat())
                .send()
                .await
                .unwrap_err(),
        ),
        err_of(
            c.update_gateway_response()
                .rest_api_id("nope123")
                .response_type(mat())
                .send()
                .await
                .unwrap_err(),
        ),
        err_of(
            c.put_gateway_response()
                .rest_api_id("nope123")
                .response_type(mat())
                .send()
                .await
                .unwrap_err(),
        ),
    ] {
        assert_eq!(e, (code.clone(), msg.clone()));
    }
}

/// An API with `/pets` GET → MOCK 200, deployed to `dev` with stage variable `a=va`.
async fn mock_api(c: &aws_sdk_apigateway::Client) -> String {
    let (api, root) = new_api(c, "gr-data").await;
    let pets = add_resource(c, &api, &root, "pets").await;
    let get = Route::new(c, &api, &pets, "GET");
    get.method().await;
    get.mock_json("{\"ok\":true}").await;
    deploy(c, &api).await;
    api
}

/// Deploy to `dev` with stage variable `a=va`.
async fn deploy(c: &aws_sdk_apigateway::Client, api: &str) {
    deploy_with(c, api, Some("dev"), &[("a", "va")]).await;
}

#[tokio::test]
async fn data_plane_defaults_and_customisations() {
    let s = Server::start();
    let c = s.sdk();
    let api = mock_api(&c).await;
    let http = s.http();
    let base = stage_url(&s, &api, "dev");
    assert_eq!(
        http.get(format!("{base}/pets"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // AWS's default MISSING_AUTHENTICATION_TOKEN (test_apigateway_common.snapshot.json).
    let r = http
        .get(format!("{base}/nothing?q=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    assert_eq!(r.headers()["content-type"], "application/json");
    // Exactly one request id, as on every answer.
    assert_eq!(r.headers().get_all("x-amzn-requestid").iter().count(), 1);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message":"Missing Authentication Token"}"#
    );

    // Customise it: nothing changes until the next deployment.
    let template = r#"{"message": $context.error.messageString, "type": "$context.error.responseType", "stage": "$context.stage", "a": "$stageVariables.a"}"#;
    c.put_gateway_response()
        .rest_api_id(&api)
        .response_type(mat())
        .status_code("404")
        .response_parameters("gatewayresponse.header.Access-Control-Allow-Origin", "'*'")
        .response_parameters("gatewayresponse.header.x-q", "method.request.querystring.q")
        .response_parameters("gatewayresponse.header.x-h", "method.request.header.x-in")
        .response_parameters("gatewayresponse.header.x-stage", "context.stage")
        .response_parameters("gatewayresponse.header.x-var", "stageVariables.a")
        .response_templates("application/json", template)
        .send()
        .await
        .unwrap();
    let r = http.get(format!("{base}/nothing")).send().await.unwrap();
    assert_eq!(
        r.status(),
        403,
        "customisation applies only after a new deployment"
    );
    assert!(r.headers().get("access-control-allow-origin").is_none());

    deploy(&c, &api).await;
    let r = http
        .get(format!("{base}/nothing?q=1"))
        .header("x-in", "hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.headers()["x-q"], "1");
    assert_eq!(r.headers()["x-h"], "hello");
    assert_eq!(r.headers()["x-stage"], "dev");
    assert_eq!(r.headers()["x-var"], "va");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"message": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN", "stage": "dev", "a": "va"})
    );
    // A wrong method on a known resource is the same type.
    let r = http.post(format!("{base}/pets")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // Successful calls are untouched.
    assert_eq!(
        http.get(format!("{base}/pets"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        r#"{"ok":true}"#
    );
    // An unknown stage is answered before any stage is known: AWS's default.
    let r = http
        .get(format!("{}/nothing", stage_url(&s, &api, "nostage")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("access-control-allow-origin").is_none());

    // Remove it and customise DEFAULT_4XX instead: MISSING_AUTHENTICATION_TOKEN falls back to it.
    c.delete_gateway_response()
        .rest_api_id(&api)
        .response_type(mat())
        .send()
        .await
        .unwrap();
    c.put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default4Xx)
        .status_code("418")
        .response_parameters("gatewayresponse.header.x-default", "'4xx'")
        .response_templates(
            "application/json",
            r#"{"d4": $context.error.messageString, "t": "$context.error.responseType"}"#,
        )
        .send()
        .await
        .unwrap();
    let r = http.get(format!("{base}/nothing")).send().await.unwrap();
    assert_eq!(r.status(), 404, "the previous deployment still serves");
    deploy(&c, &api).await;
    let r = http.get(format!("{base}/nothing")).send().await.unwrap();
    assert_eq!(r.status(), 418);
    assert_eq!(r.headers()["x-default"], "4xx");
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"d4": "Missing Authentication Token", "t": "MISSING_AUTHENTICATION_TOKEN"})
    );
}

#[tokio::test]
async fn default_5xx_bodies_and_overrides() {
    let s = Server::start();
    let c = s.sdk();
    let up = upstream().await;
    let (api, root) = new_api(&c, "gr-5xx").await;
    // /slow → the upstream's 2 s endpoint with a 300 ms timeout; /dead → a closed port.
    let dead = closed_port_url();
    for (part, uri, timeout) in [
        ("slow", format!("{}/slow", up.url), Some(300)),
        ("dead", format!("{dead}/x"), None),
    ] {
        let rid = add_resource(&c, &api, &root, part).await;
        let get = Route::new(&c, &api, &rid, "GET");
        get.method().await;
        get.put_http_proxy(uri)
            .set_timeout_in_millis(timeout)
            .send()
            .await
            .unwrap();
    }
    deploy(&c, &api).await;
    let http = s.http();
    let base = stage_url(&s, &api, "dev");

    // Defaults: 504 with AWS's messages and InternalServerErrorException.
    assert_http_err!(
        http.get(format!("{base}/slow")).send().await.unwrap(),
        504,
        "InternalServerErrorException",
        r#"{"message":"Endpoint request timed out"}"#
    );
    assert_http_err!(
        http.get(format!("{base}/dead")).send().await.unwrap(),
        504,
        "InternalServerErrorException",
        r#"{"message":"Internal server error"}"#
    );

    // DEFAULT_5XX with a status covers both; INTEGRATION_TIMEOUT's own entry wins for it.
    c.put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::Default5Xx)
        .status_code("502")
        .response_templates(
            "application/json",
            r#"{"five": $context.error.messageString, "path": "$context.resourcePath"}"#,
        )
        .send()
        .await
        .unwrap();
    c.put_gateway_response()
        .rest_api_id(&api)
        .response_type(GatewayResponseType::IntegrationTimeout)
        .response_parameters("gatewayresponse.header.Retry-After", "'1'")
        .send()
        .await
        .unwrap();
    deploy(&c, &api).await;
    let r = http.get(format!("{base}/dead")).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "InternalServerErrorException"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"five": "Internal server error", "path": "/dead"})
    );
    let r = http.get(format!("{base}/slow")).send().await.unwrap();
    assert_eq!(r.status(), 504);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(
        r.text().await.unwrap(),
        r#"{"message":"Endpoint request timed out"}"#
    );
}
