//! The aws CLI (awscli v1) through the whole control-plane sequence a user runs to build an
//! API: rest API → resource → method → integration → deployment → stage → usage plan →
//! API key → usage-plan key, checking the JSON the CLI prints at each step.

use serde_json::json;

use crate::harness::Server;

#[tokio::test]
async fn cli_builds_an_api_end_to_end() {
    let s = Server::start();
    let api = s.aws(&[
        "apigateway",
        "create-rest-api",
        "--name",
        "walkthrough",
        "--description",
        "guide",
    ]);
    let api_id = api["id"].as_str().unwrap().to_string();
    assert_eq!(api["name"], "walkthrough");
    assert_eq!(api["description"], "guide");

    let resources = s.aws(&["apigateway", "get-resources", "--rest-api-id", &api_id]);
    let root = resources["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(resources["items"][0]["path"], "/");

    let pets = s.aws(&[
        "apigateway",
        "create-resource",
        "--rest-api-id",
        &api_id,
        "--parent-id",
        &root,
        "--path-part",
        "pets",
    ]);
    let pets_id = pets["id"].as_str().unwrap().to_string();
    assert_eq!(pets["path"], "/pets");
    assert_eq!(pets["parentId"], root.as_str());

    let method = s.aws(&[
        "apigateway",
        "put-method",
        "--rest-api-id",
        &api_id,
        "--resource-id",
        &pets_id,
        "--http-method",
        "GET",
        "--authorization-type",
        "NONE",
        "--api-key-required",
    ]);
    assert_eq!(
        method,
        json!({"httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": true})
    );

    let mr = s.aws(&[
        "apigateway",
        "put-method-response",
        "--rest-api-id",
        &api_id,
        "--resource-id",
        &pets_id,
        "--http-method",
        "GET",
        "--status-code",
        "200",
    ]);
    assert_eq!(mr["statusCode"], "200");

    let integration = s.aws(&[
        "apigateway",
        "put-integration",
        "--rest-api-id",
        &api_id,
        "--resource-id",
        &pets_id,
        "--http-method",
        "GET",
        "--type",
        "HTTP_PROXY",
        "--integration-http-method",
        "GET",
        "--uri",
        "http://127.0.0.1:9/pets",
    ]);
    assert_eq!(integration["type"], "HTTP_PROXY");
    assert_eq!(integration["httpMethod"], "GET");
    assert_eq!(integration["uri"], "http://127.0.0.1:9/pets");
    assert_eq!(integration["timeoutInMillis"], 29000);
    assert_eq!(integration["passthroughBehavior"], "WHEN_NO_MATCH");

    let deployment = s.aws(&[
        "apigateway",
        "create-deployment",
        "--rest-api-id",
        &api_id,
        "--stage-name",
        "dev",
    ]);
    let dep_id = deployment["id"].as_str().unwrap().to_string();
    assert_eq!(dep_id.len(), 6);
    let stage = s.aws(&[
        "apigateway",
        "get-stage",
        "--rest-api-id",
        &api_id,
        "--stage-name",
        "dev",
    ]);
    assert_eq!(stage["deploymentId"], dep_id.as_str());
    assert_eq!(stage["stageName"], "dev");
    assert_eq!(stage["cacheClusterStatus"], "NOT_AVAILABLE");

    let plan = s.aws(&[
        "apigateway",
        "create-usage-plan",
        "--name",
        "basic",
        "--throttle",
        "burstLimit=100,rateLimit=50",
        "--quota",
        "limit=1000,period=DAY",
        "--api-stages",
        &format!("apiId={api_id},stage=dev"),
    ]);
    let plan_id = plan["id"].as_str().unwrap().to_string();
    assert_eq!(
        plan["throttle"],
        json!({"burstLimit": 100, "rateLimit": 50.0})
    );
    assert_eq!(plan["quota"]["limit"], 1000);
    assert_eq!(
        plan["apiStages"],
        json!([{"apiId": api_id, "stage": "dev"}])
    );

    let key = s.aws(&[
        "apigateway",
        "create-api-key",
        "--name",
        "customer1",
        "--enabled",
    ]);
    let key_id = key["id"].as_str().unwrap().to_string();
    assert_eq!(key["enabled"], true);
    let value = key["value"].as_str().unwrap().to_string();
    assert!(value.len() >= 20);

    let upk = s.aws(&[
        "apigateway",
        "create-usage-plan-key",
        "--usage-plan-id",
        &plan_id,
        "--key-id",
        &key_id,
        "--key-type",
        "API_KEY",
    ]);
    assert_eq!(
        upk,
        json!({"id": key_id, "type": "API_KEY", "value": value, "name": "customer1"})
    );
    let keys = s.aws(&[
        "apigateway",
        "get-usage-plan-keys",
        "--usage-plan-id",
        &plan_id,
    ]);
    assert_eq!(keys["items"].as_array().unwrap().len(), 1);
    assert_eq!(keys["items"][0]["id"], key_id.as_str());

    // Everything above is visible again from a fresh read.
    let methods = s.aws(&[
        "apigateway",
        "get-resources",
        "--rest-api-id",
        &api_id,
        "--embed",
        "methods",
    ]);
    let pets_full = methods["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/pets")
        .unwrap()
        .clone();
    assert_eq!(
        pets_full["resourceMethods"]["GET"]["methodIntegration"]["type"],
        "HTTP_PROXY"
    );
}
