//! TestInvokeMethod: the method as it stands (not deployed), its answer and AWS's execution
//! log, as recorded in test_apigateway_api.snapshot.json (`test_invoke_test_method`,
//! `test_failed_invoke_test_method`).

use crate::fixtures::{add_resource, assert_aws_err, Route};
use crate::harness::{new_api, Server};

/// The log's lines without their timestamps (`Sun Dec 06 06:45:38 UTC 2026 : text` → `text`).
fn log_lines(log: &str) -> Vec<String> {
    log.lines()
        .map(|l| match l.split_once(" : ") {
            Some((stamp, text)) if stamp.ends_with(char::is_numeric) => text.to_string(),
            _ => l.to_string(),
        })
        .collect()
}

#[tokio::test]
async fn test_invoke_runs_the_method_as_it_stands() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "petstore").await;
    let pets = add_resource(&c, &api, &root, "pets").await;
    let pet = add_resource(&c, &api, &pets, "{petId}").await;
    let r = Route::new(&c, &api, &pets, "GET");
    r.method().await;
    r.mock_json(r#"{"pets": "all the pets"}"#).await;
    let r = Route::new(&c, &api, &pet, "GET");
    r.method().await;
    r.mock_json(r#"{"petId": "$input.params('petId')", "stage": "$stageVariables.v"}"#)
        .await;

    // Nothing is deployed: the API as it stands runs.
    let out = c
        .test_invoke_method()
        .rest_api_id(&api)
        .resource_id(&pets)
        .http_method("GET")
        .path_with_query_string("/pets")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(out.body(), Some(r#"{"pets": "all the pets"}"#));
    assert_eq!(out.headers().unwrap()["Content-Type"], "application/json");
    assert_eq!(
        out.multi_value_headers().unwrap()["Content-Type"],
        ["application/json"]
    );
    let lines = log_lines(out.log().unwrap());
    assert!(lines[0].starts_with("Execution log for request "));
    assert_eq!(
        &lines[2..],
        [
            "HTTP Method: GET, Resource Path: /pets",
            "Method request path: {}",
            "Method request query string: {}",
            "Method request headers: {}",
            "Method request body before transformations: ",
            r#"Method response body after transformations: {"pets": "all the pets"}"#,
            "Method response headers: {Content-Type=application/json}",
            "Successfully completed execution",
            "Method completed with status: 200",
        ]
    );

    // The method named runs whatever the path; the path fills its parameters only when it
    // matches (recorded: get-pets-id, -no-path, -bad-path).
    let pet_body = |path: Option<&str>| {
        let mut call = c
            .test_invoke_method()
            .rest_api_id(&api)
            .resource_id(&pet)
            .http_method("GET")
            .stage_variables("v", "test");
        if let Some(p) = path {
            call = call.path_with_query_string(p);
        }
        async move { call.send().await.unwrap().body().unwrap().to_string() }
    };
    assert_eq!(
        pet_body(Some("/pets/123")).await,
        r#"{"petId": "123", "stage": "test"}"#
    );
    assert_eq!(
        pet_body(None).await,
        r#"{"petId": "{petId}", "stage": "test"}"#
    );
    assert_eq!(
        pet_body(Some("/random/test")).await,
        r#"{"petId": "", "stage": "test"}"#
    );

    // A configuration error: 500, and the log says why.
    let broken = add_resource(&c, &api, &root, "broken").await;
    let r = Route::new(&c, &api, &broken, "GET");
    r.method().await;
    r.put_mock().send().await.unwrap();
    let out = s.aws(&[
        "apigateway",
        "test-invoke-method",
        "--rest-api-id",
        &api,
        "--resource-id",
        &broken,
        "--http-method",
        "GET",
    ]);
    assert_eq!(out["status"], 500);
    assert_eq!(out["body"], r#"{"message":"Internal server error"}"#);
    assert_eq!(
        out["headers"]["x-amzn-ErrorType"],
        "InternalServerErrorException"
    );
    let lines = log_lines(out["log"].as_str().unwrap());
    assert!(lines
        .iter()
        .any(|l| l.starts_with("Execution failed due to configuration error: ")));
    assert_eq!(lines.last().unwrap(), "Method completed with status: 500");

    assert_aws_err!(
        c.test_invoke_method()
            .rest_api_id(&api)
            .resource_id(&pets)
            .http_method("POST")
            .send()
            .await,
        "NotFoundException",
        "Invalid Method identifier specified"
    );
}
