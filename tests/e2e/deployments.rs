//! Deployments and stages: frozen snapshots, stage creation through deployments, paging, the
//! delete guard, every UpdateStage path family and AWS's messages for refused ones.

use aws_sdk_apigateway::error::SdkError;
use aws_sdk_apigateway::operation::update_stage::{UpdateStageError, UpdateStageOutput};
use aws_sdk_apigateway::types::{DeploymentCanarySettings, IntegrationType, PatchOperation};
use aws_sdk_apigateway::Client;

use crate::fixtures::{
    add_resource, assert_aws_err, deploy, deploy_without_stage, deployable_api, patch, remove,
    Route,
};
use crate::harness::{new_api, Server};

#[tokio::test]
async fn create_deployment_needs_integrated_methods_and_creates_stages() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "d").await;
    assert_aws_err!(
        c.create_deployment()
            .rest_api_id(&api)
            .stage_name("dev")
            .send()
            .await,
        "BadRequestException",
        "The REST API doesn't contain any methods"
    );
    Route::new(&c, &api, &root, "GET").method().await;
    assert_aws_err!(
        c.create_deployment().rest_api_id(&api).send().await,
        "BadRequestException",
        "No integration defined for method"
    );
    // The refused calls created nothing.
    let list = c.get_deployments().rest_api_id(&api).send().await.unwrap();
    assert!(list.items().is_empty());
    let stages = c.get_stages().rest_api_id(&api).send().await.unwrap();
    assert!(stages.item().is_empty());

    c.put_integration()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    // Without a stage name: only the deployment.
    let d1 = c
        .create_deployment()
        .rest_api_id(&api)
        .description("first")
        .send()
        .await
        .unwrap();
    let d1_id = d1.id().unwrap().to_string();
    assert_eq!(d1_id.len(), 6);
    assert_eq!(d1.description(), Some("first"));
    assert!(d1.created_date().is_some());
    assert!(d1.api_summary().is_none());
    assert!(c
        .get_stages()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap()
        .item()
        .is_empty());

    // With a stage name: the stage is created with its variables and description.
    let d2 = c
        .create_deployment()
        .rest_api_id(&api)
        .stage_name("dev")
        .stage_description("dev stage")
        .variables("color", "blue")
        .tracing_enabled(true)
        .send()
        .await
        .unwrap();
    let d2_id = d2.id().unwrap().to_string();
    let stage = c
        .get_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(d2_id.as_str()));
    assert_eq!(stage.description(), Some("dev stage"));
    assert_eq!(
        stage.variables().unwrap().get("color").map(String::as_str),
        Some("blue")
    );
    assert!(stage.tracing_enabled());
    assert!(!stage.cache_cluster_enabled());
    assert_eq!(
        stage.cache_cluster_status().unwrap().as_str(),
        "NOT_AVAILABLE"
    );
    assert!(stage.method_settings().unwrap().is_empty());
    assert!(stage.created_date().is_some() && stage.last_updated_date().is_some());

    // Deploying again to the same stage moves it and keeps its settings.
    let d3 = deploy(&c, &api, "dev").await;
    let stage = c
        .get_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(d3.as_str()));
    assert_eq!(stage.description(), Some("dev stage"));
    assert_eq!(
        c.get_stages()
            .rest_api_id(&api)
            .send()
            .await
            .unwrap()
            .item()
            .len(),
        1
    );

    // UpdateDeployment changes the description (test_update_rest_api_deployment).
    let updated = c
        .update_deployment()
        .rest_api_id(&api)
        .deployment_id(&d1_id)
        .patch_operations(patch("replace", "/description", "new-description"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("new-description"));
    assert_aws_err!(
        c.update_deployment()
            .rest_api_id(&api)
            .deployment_id(&d1_id)
            .patch_operations(patch("replace", "/id", "x"))
            .send()
            .await,
        "BadRequestException",
        "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/description]"
    );

    // Unknown ids.
    assert_aws_err!(
        c.get_deployment()
            .rest_api_id(&api)
            .deployment_id("nope00")
            .send()
            .await,
        "NotFoundException",
        "Invalid Deployment identifier specified"
    );
    assert_aws_err!(
        c.get_deployments().rest_api_id("missing").send().await,
        "NotFoundException",
        "Invalid API identifier specified 000000000000:missing"
    );
}

#[tokio::test]
async fn deployment_snapshot_is_frozen() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = deployable_api(&c, "deployable").await;
    let pets = add_resource(&c, &api, &root, "pets").await;
    Route::new(&c, &api, &pets, "GET").mock().await;
    let first = deploy(&c, &api, "dev").await;

    // Edit the API after deploying: a new method and a removed one.
    Route::new(&c, &api, &pets, "POST").mock().await;
    c.delete_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap();

    let d = c
        .get_deployment()
        .rest_api_id(&api)
        .deployment_id(&first)
        .embed("apisummary")
        .send()
        .await
        .unwrap();
    let summary = d.api_summary().unwrap();
    let mut paths: Vec<_> = summary.keys().cloned().collect();
    paths.sort();
    assert_eq!(paths, ["/", "/pets"]);
    let pets_methods: Vec<_> = summary["/pets"].keys().cloned().collect();
    assert_eq!(pets_methods, ["GET"]);
    let get = &summary["/"]["GET"];
    assert_eq!(get.authorization_type(), Some("NONE"));
    assert!(!get.api_key_required());
    // Without embed there is no summary.
    let plain = c
        .get_deployment()
        .rest_api_id(&api)
        .deployment_id(&first)
        .send()
        .await
        .unwrap();
    assert!(plain.api_summary().is_none());

    // The next deployment sees the edits.
    let second = deploy_without_stage(&c, &api).await;
    let d = c
        .get_deployment()
        .rest_api_id(&api)
        .deployment_id(&second)
        .embed("apisummary")
        .send()
        .await
        .unwrap();
    let summary = d.api_summary().unwrap();
    assert!(!summary.contains_key("/"));
    let mut pets_methods: Vec<_> = summary["/pets"].keys().cloned().collect();
    pets_methods.sort();
    assert_eq!(pets_methods, ["GET", "POST"]);
}

#[tokio::test]
async fn get_deployments_pages() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = deployable_api(&c, "deployable").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(deploy_without_stage(&c, &api).await);
    }
    let p1 = c
        .get_deployments()
        .rest_api_id(&api)
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(p1.items().len(), 2);
    let position = p1.position().expect("a next page").to_string();
    let p2 = c
        .get_deployments()
        .rest_api_id(&api)
        .limit(2)
        .position(position)
        .send()
        .await
        .unwrap();
    assert_eq!(p2.items().len(), 1);
    assert!(p2.position().is_none());
    let seen: Vec<String> = p1
        .items()
        .iter()
        .chain(p2.items())
        .map(|d| d.id().unwrap().to_string())
        .collect();
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn delete_deployment_refused_while_a_stage_points_at_it() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = deployable_api(&c, "deployable").await;
    let d = deploy_without_stage(&c, &api).await;
    let stage = c
        .create_stage()
        .rest_api_id(&api)
        .stage_name("s1")
        .deployment_id(&d)
        .send()
        .await
        .unwrap();
    assert_eq!(stage.stage_name(), Some("s1"));
    // test_apigateway_common.snapshot.json, TestDeployments
    assert_aws_err!(
        c.delete_deployment()
            .rest_api_id(&api)
            .deployment_id(&d)
            .send()
            .await,
        "BadRequestException",
        "Active stages pointing to this deployment must be moved or deleted"
    );
    c.delete_stage()
        .rest_api_id(&api)
        .stage_name("s1")
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.get_stage()
            .rest_api_id(&api)
            .stage_name("s1")
            .send()
            .await,
        "NotFoundException",
        "Invalid Stage identifier specified"
    );
    c.delete_deployment()
        .rest_api_id(&api)
        .deployment_id(&d)
        .send()
        .await
        .unwrap();
    assert!(c
        .get_deployments()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap()
        .items()
        .is_empty());
    assert_aws_err!(
        c.delete_deployment()
            .rest_api_id(&api)
            .deployment_id(&d)
            .send()
            .await,
        "NotFoundException"
    );
    assert_aws_err!(
        c.delete_stage()
            .rest_api_id(&api)
            .stage_name("s1")
            .send()
            .await,
        "NotFoundException"
    );
}

#[tokio::test]
async fn create_stage_errors() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = deployable_api(&c, "deployable").await;
    let d = deploy(&c, &api, "dev").await;
    assert_aws_err!(
        c.create_stage()
            .rest_api_id(&api)
            .stage_name("dev")
            .deployment_id(&d)
            .send()
            .await,
        "ConflictException",
        "Stage already exists"
    );
    assert_aws_err!(
        c.create_stage()
            .rest_api_id(&api)
            .stage_name("prod")
            .deployment_id("nope00")
            .send()
            .await,
        "BadRequestException",
        "Deployment id does not exist"
    );
    assert_aws_err!(
        c.create_stage()
            .rest_api_id(&api)
            .stage_name("bad/name")
            .deployment_id(&d)
            .send()
            .await,
        "BadRequestException"
    );
    assert_eq!(
        c.get_stages()
            .rest_api_id(&api)
            .send()
            .await
            .unwrap()
            .item()
            .len(),
        1
    );
}

#[tokio::test]
async fn get_stages_filters_by_deployment_id() {
    // test_apigateway_api.snapshot.json, test_get_stages_filters_by_deployment_id
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = deployable_api(&c, "deployable").await;
    let d1 = deploy(&c, &api, "stage1").await;
    let d2 = deploy(&c, &api, "stage2").await;
    let all = c.get_stages().rest_api_id(&api).send().await.unwrap();
    let names: Vec<_> = all.item().iter().map(|s| s.stage_name().unwrap()).collect();
    assert_eq!(names, ["stage1", "stage2"]);
    for (d, name) in [(&d1, "stage1"), (&d2, "stage2")] {
        let only = c
            .get_stages()
            .rest_api_id(&api)
            .deployment_id(d)
            .send()
            .await
            .unwrap();
        assert_eq!(only.item().len(), 1);
        assert_eq!(only.item()[0].stage_name(), Some(name));
    }
}

async fn patch_stage(
    c: &Client,
    api: &str,
    ops: Vec<PatchOperation>,
) -> aws_sdk_apigateway::operation::update_stage::UpdateStageOutput {
    c.update_stage()
        .rest_api_id(api)
        .stage_name("dev")
        .set_patch_operations(Some(ops))
        .send()
        .await
        .expect("update_stage")
}

/// UpdateStage on stage `dev` with `ops`, for calls that must fail.
async fn patch_error(
    c: &Client,
    api: &str,
    ops: Vec<PatchOperation>,
) -> Result<UpdateStageOutput, SdkError<UpdateStageError>> {
    c.update_stage()
        .rest_api_id(api)
        .stage_name("dev")
        .set_patch_operations(Some(ops))
        .send()
        .await
}

#[tokio::test]
async fn update_stage_path_families() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = deployable_api(&c, "deployable").await;
    let d1 = deploy(&c, &api, "dev").await;
    let d2 = deploy_without_stage(&c, &api).await;

    // Stage variables: add, replace, remove.
    let st = patch_stage(
        &c,
        &api,
        vec![
            patch("add", "/variables/a", "1"),
            patch("replace", "/variables/b", "2"),
            patch("replace", "/description", "stage new"),
        ],
    )
    .await;
    let vars = st.variables().unwrap();
    assert_eq!((vars["a"].as_str(), vars["b"].as_str()), ("1", "2"));
    assert_eq!(st.description(), Some("stage new"));
    let st = patch_stage(&c, &api, vec![remove("/variables/a")]).await;
    assert!(!st.variables().unwrap().contains_key("a"));

    // Logging needs the account's CloudWatch role first (AWS: BadRequestException), then
    // access log settings (test_stage_access_log_settings).
    let arn = "arn:aws:logs:us-east-1:000000000000:log-group:access";
    assert_aws_err!(
        c.update_stage()
            .rest_api_id(&api)
            .stage_name("dev")
            .patch_operations(patch("replace", "/accessLogSettings/destinationArn", arn))
            .send()
            .await,
        "BadRequestException",
        "CloudWatch Logs role ARN must be set in account settings to enable logging"
    );
    assert_aws_err!(
        c.update_stage()
            .rest_api_id(&api)
            .stage_name("dev")
            .patch_operations(patch("replace", "/*/*/logging/loglevel", "ERROR"))
            .send()
            .await,
        _,
        "CloudWatch Logs role ARN must be set in account settings to enable logging"
    );
    crate::fixtures::logging_role(&s);
    let st = patch_stage(
        &c,
        &api,
        vec![
            patch("add", "/accessLogSettings/destinationArn", arn),
            patch("replace", "/accessLogSettings/format", "$context.requestId"),
        ],
    )
    .await;
    let logs = st.access_log_settings().unwrap();
    assert_eq!(logs.destination_arn(), Some(arn));
    assert_eq!(logs.format(), Some("$context.requestId"));
    let st = patch_stage(&c, &api, vec![remove("/accessLogSettings")]).await;
    assert!(st.access_log_settings().is_none());

    // Method settings: */* and one method; a new one starts from */*.
    let st = patch_stage(
        &c,
        &api,
        vec![
            patch("replace", "/*/*/throttling/rateLimit", "100"),
            patch("replace", "/*/*/throttling/burstLimit", "50"),
            patch("replace", "/~1pets/GET/throttling/burstLimit", "5"),
            patch("replace", "/~1pets/GET/logging/loglevel", "INFO"),
            patch("replace", "/~1pets/GET/metrics/enabled", "true"),
        ],
    )
    .await;
    let settings = st.method_settings().unwrap();
    let all = &settings["*/*"];
    assert_eq!(all.throttling_rate_limit(), 100.0);
    assert_eq!(all.throttling_burst_limit(), 50);
    assert!(all.logging_level().is_none());
    assert_eq!(all.cache_ttl_in_seconds(), 300);
    let pets = &settings["~1pets/GET"];
    assert_eq!(pets.throttling_rate_limit(), 100.0);
    assert_eq!(pets.throttling_burst_limit(), 5);
    assert_eq!(pets.logging_level(), Some("INFO"));
    assert!(pets.metrics_enabled());
    let st = patch_stage(&c, &api, vec![remove("/~1pets/GET")]).await;
    assert_eq!(st.method_settings().unwrap().len(), 1);

    // Move the stage to another deployment.
    let st = patch_stage(&c, &api, vec![patch("replace", "/deploymentId", &d2)]).await;
    assert_eq!(st.deployment_id(), Some(d2.as_str()));
    assert_ne!(d1, d2);

    // Refused paths answer AWS's messages and change nothing.
    let stage_url = format!("{}/restapis/{api}/stages/dev", s.url);
    let raw_stage = || async {
        let r = s.http_get(&stage_url).await;
        r.json::<serde_json::Value>().await.unwrap()
    };
    let before = raw_stage().await;
    // test_apigateway_common.snapshot.json, error-update-tags
    assert_aws_err!(
        patch_error(
            &c,
            &api,
            vec![
                patch("replace", "/description", "changed"),
                patch("replace", "/tags/tag1", "value1"),
            ],
        )
        .await,
        "BadRequestException",
        "Invalid method setting path: /tags/tag1. Must be one of: [/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, /{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, /{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]"
    );
    // test_stage_access_log_settings_validation, then missing settings and deployments.
    for (op, msg) in [
        (
            patch("add", "/accessLogSettings/randomValue", "updated"),
            "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]",
        ),
        (
            patch("replace", "/accessLogSettings/format", ""),
            "Access Log value must not be empty",
        ),
        (
            remove("/accessLogSettings/destinationArn"),
            "Cannot remove method setting accessLogSettings/destinationArn because there is no method setting for this method ",
        ),
        (
            remove("/~1pets/GET"),
            "Cannot remove method setting ~1pets/GET because there is no method setting for this method ",
        ),
        (
            patch("replace", "/deploymentId", "nope00"),
            "Deployment id does not exist",
        ),
    ] {
        assert_aws_err!(patch_error(&c, &api, vec![op]).await, _, msg);
    }
    assert_aws_err!(
        patch_error(&c, &api, vec![patch("replace", "/tracingEnabled", "maybe")]).await,
        "BadRequestException"
    );
    assert_eq!(before, raw_stage().await);

    // Wildcard removal (test_update_stage_remove_wildcard).
    let st = patch_stage(&c, &api, vec![remove("/*/*")]).await;
    assert!(st.method_settings().unwrap().is_empty());
    assert_aws_err!(
        patch_error(&c, &api, vec![remove("/*/*")]).await,
        _,
        "Cannot remove method setting */* because there is no method setting for this method "
    );

    // Unknown stage and API.
    assert_aws_err!(
        c.update_stage()
            .rest_api_id(&api)
            .stage_name("nope")
            .patch_operations(patch("replace", "/description", "x"))
            .send()
            .await,
        "NotFoundException",
        "Invalid Stage identifier specified"
    );
}

#[tokio::test]
async fn canary_deployments() {
    // test_apigateway_canary.snapshot.json
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = deployable_api(&c, "deployable").await;
    let canary = || {
        DeploymentCanarySettings::builder()
            .percent_traffic(50.0)
            .stage_variable_overrides("testVar", "canary")
            .build()
    };
    assert_aws_err!(
        c.create_deployment()
            .rest_api_id(&api)
            .canary_settings(canary())
            .send()
            .await,
        _,
        "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is null"
    );
    assert_aws_err!(
        c.create_deployment()
            .rest_api_id(&api)
            .stage_name("non-existing")
            .canary_settings(canary())
            .send()
            .await,
        _,
        "Invalid deployment content specified.Stage non-existing must already be created before making a canary release deployment"
    );

    let base = deploy(&c, &api, "dev").await;
    let canary_id = c
        .create_deployment()
        .rest_api_id(&api)
        .stage_name("dev")
        .canary_settings(canary())
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    let st = c
        .get_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(st.deployment_id(), Some(base.as_str()));
    let cs = st.canary_settings().unwrap();
    assert_eq!(cs.deployment_id(), Some(canary_id.as_str()));
    assert_eq!(cs.percent_traffic(), 50.0);
    assert!(!cs.use_stage_cache());
    assert_eq!(
        cs.stage_variable_overrides().unwrap()["testVar"].as_str(),
        "canary"
    );
    // The canary's deployment is in use too.
    assert_aws_err!(
        c.delete_deployment()
            .rest_api_id(&api)
            .deployment_id(&canary_id)
            .send()
            .await,
        "BadRequestException"
    );

    // Promote: copy the canary's deployment and overrides onto the stage.
    let st = patch_stage(
        &c,
        &api,
        vec![
            patch("replace", "/canarySettings/percentTraffic", "0.0"),
            PatchOperation::builder()
                .op("copy".into())
                .from("/canarySettings/deploymentId")
                .path("/deploymentId")
                .build(),
            PatchOperation::builder()
                .op("copy".into())
                .from("/canarySettings/stageVariableOverrides")
                .path("/variables")
                .build(),
        ],
    )
    .await;
    assert_eq!(st.deployment_id(), Some(canary_id.as_str()));
    assert_eq!(st.variables().unwrap()["testVar"].as_str(), "canary");
    assert_eq!(st.canary_settings().unwrap().percent_traffic(), 0.0);
    assert_aws_err!(
        patch_error(
            &c,
            &api,
            vec![patch("add", "/canarySettings/deploymentId", &base)],
        )
        .await,
        _,
        "Invalid add operation with path: /canarySettings/deploymentId"
    );
    let st = patch_stage(&c, &api, vec![remove("/canarySettings")]).await;
    assert!(st.canary_settings().is_none());
}

#[tokio::test]
async fn cli_create_deployment_and_get_stage() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = deployable_api(&c, "deployable").await;
    let d = s.aws(&[
        "apigateway",
        "create-deployment",
        "--rest-api-id",
        &api,
        "--stage-name",
        "dev",
    ]);
    let id = d["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 6);
    assert!(d["createdDate"].is_number() || d["createdDate"].is_string());
    let stage = s.aws(&[
        "apigateway",
        "get-stage",
        "--rest-api-id",
        &api,
        "--stage-name",
        "dev",
    ]);
    // The wire shape of a fresh stage (test_create_delete_deployments, get-stages).
    assert_eq!(stage["deploymentId"], id.as_str());
    assert_eq!(stage["stageName"], "dev");
    assert_eq!(stage["cacheClusterEnabled"], false);
    assert_eq!(stage["cacheClusterStatus"], "NOT_AVAILABLE");
    assert_eq!(stage["tracingEnabled"], false);
    assert_eq!(stage["methodSettings"], serde_json::json!({}));
    assert!(stage.get("variables").is_none());
    assert!(stage.get("createdDate").is_some() && stage.get("lastUpdatedDate").is_some());
    let stages = s.aws(&["apigateway", "get-stages", "--rest-api-id", &api]);
    assert_eq!(stages["item"].as_array().unwrap().len(), 1);
}

/// A canary release serves its share of the stage's requests from the canary deployment, with
/// the stage variables overridden and `$context.isCanaryRequest` true; the share is exact over
/// any run of requests (the canary takes the n-th request when floor(n·p/100) grows).
#[tokio::test]
async fn canary_releases_take_their_share_of_requests() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "canary").await;
    let r = Route::new(&c, &api, &root, "GET");
    r.method().await;
    let template = |which: &str| {
        format!(
            r#"{{"which": "{which}", "v": "$stageVariables.v", "canary": "$context.isCanaryRequest"}}"#
        )
    };
    r.mock_json(&template("base")).await;
    crate::fixtures::deploy_with(&c, &api, Some("dev"), &[("v", "stage")]).await;
    let url = crate::fixtures::stage_url(&s, &api, "dev");
    let http = s.http();
    let get = || async {
        let v: serde_json::Value = http.get(&url).send().await.unwrap().json().await.unwrap();
        v
    };
    // No canary: no isCanaryRequest (present only with a canary).
    assert_eq!(
        get().await,
        serde_json::json!({"which": "base", "v": "stage", "canary": ""})
    );

    r.put_integration_response("200")
        .response_templates("application/json", template("canary"))
        .send()
        .await
        .unwrap();
    c.create_deployment()
        .rest_api_id(&api)
        .stage_name("dev")
        .canary_settings(
            DeploymentCanarySettings::builder()
                .percent_traffic(25.0)
                .stage_variable_overrides("v", "override")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut canary = 0;
    for _ in 0..200 {
        let v = get().await;
        if v["which"] == "canary" {
            canary += 1;
            assert_eq!(v["v"], "override");
            assert_eq!(v["canary"], "true");
        } else {
            assert_eq!(v["v"], "stage");
            assert_eq!(v["canary"], "false");
        }
    }
    assert_eq!(canary, 50, "25% of 200 requests");

    // At 100% every request is the canary's; at 0%, none.
    for (percent, expected) in [("100.0", "canary"), ("0.0", "base")] {
        patch_stage(
            &c,
            &api,
            vec![patch("replace", "/canarySettings/percentTraffic", percent)],
        )
        .await;
        for _ in 0..20 {
            assert_eq!(get().await["which"], expected, "at {percent}%");
        }
    }
}
