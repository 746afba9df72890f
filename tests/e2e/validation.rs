//! Request validation on the data plane: a method's request validator checks its required
//! parameters and its body against a JSON-Schema model (messages as recorded from AWS in
//! test_api_gateway_request_validator).

use serde_json::Value;

use crate::fixtures::{add_resource, deploy, Route};
use crate::harness::{new_api, Server};

#[tokio::test]
async fn validators_check_parameters_and_bodies() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "validated").await;
    c.create_model()
        .rest_api_id(&api)
        .name("Pet")
        .content_type("application/json")
        .schema(r#"{"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}"#)
        .send()
        .await
        .unwrap();
    c.create_model()
        .rest_api_id(&api)
        .name("Pets")
        .content_type("application/json")
        .schema(format!(
            r#"{{"type": "array", "items": {{"$ref": "https://apigateway.amazonaws.com/restapis/{api}/models/Pet"}}}}"#
        ))
        .send()
        .await
        .unwrap();
    let all = c
        .create_request_validator()
        .rest_api_id(&api)
        .name("all")
        .validate_request_body(true)
        .validate_request_parameters(true)
        .send()
        .await
        .unwrap();
    let issuer = add_resource(&c, &api, &root, "{issuer}").await;
    let post = Route::new(&c, &api, &issuer, "POST");
    post.put_method()
        .request_validator_id(all.id().unwrap())
        .request_parameters("method.request.header.x-header-param", true)
        .request_parameters("method.request.querystring.qs1", true)
        .request_parameters("method.request.querystring.optional", false)
        .request_models("application/json", "Pet")
        .send()
        .await
        .unwrap();
    post.mock_json(r#"{"data": "ok"}"#).await;
    let list = add_resource(&c, &api, &root, "list").await;
    let put = Route::new(&c, &api, &list, "PUT");
    put.put_method()
        .request_validator_id(all.id().unwrap())
        .request_models("application/json", "Pets")
        .send()
        .await
        .unwrap();
    put.mock_json(r#"{"data": "ok"}"#).await;
    deploy(&c, &api, "dev").await;

    let http = s.http();
    let base = format!("{}/_aws/execute-api/{api}/dev", s.url);
    let call = |path: &str, header: bool, body: &str| {
        let mut r = http
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body.to_string());
        if header {
            r = r.header("x-header-param", "v");
        }
        r.send()
    };
    let r = call("/iss", false, "{}").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["x-amzn-errortype"], "BadRequestException");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["message"],
        "Missing required request parameters: [x-header-param, qs1]"
    );
    let r = call("/iss?qs1=1", false, "{}").await.unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["message"],
        "Missing required request parameters: [x-header-param]"
    );
    let r = call("/iss?qs1=1", true, r#"{"a": 1}"#).await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["message"], "Invalid request body");
    let r = call("/iss?qs1=1", true, r#"{"a": 1, "b": 2}"#)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), r#"{"data": "ok"}"#);

    // A model referring to another one.
    let put = |body: &'static str| {
        http.put(format!("{base}/list"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(put(r#"[{"a": 1, "b": 2}]"#).await.unwrap().status(), 200);
    assert_eq!(put(r#"[{"a": 1}]"#).await.unwrap().status(), 400);

    // Validation off: anything goes (after a redeploy, as every method setting).
    c.update_request_validator()
        .rest_api_id(&api)
        .request_validator_id(all.id().unwrap())
        .patch_operations(crate::fixtures::patch(
            "replace",
            "/validateRequestBody",
            "false",
        ))
        .patch_operations(crate::fixtures::patch(
            "replace",
            "/validateRequestParameters",
            "false",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(call("/iss", false, "x").await.unwrap().status(), 400);
    deploy(&c, &api, "dev").await;
    assert_eq!(call("/iss", false, "x").await.unwrap().status(), 200);
}
