//! API keys, usage plans, usage plan keys, the account and tags through the SDK, raw HTTP
//! (for wire details the SDK hides) and the aws CLI.

use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{ApiKeysFormat, QuotaPeriodType, StageKey};
use serde_json::{json, Value};

use crate::fixtures::{
    api_stage, assert_aws_err, deployed_api, fail, patch, patch_opt, quota, raw_get, throttle,
};
use crate::harness::Server;

/// GET a control-plane path as raw JSON (the SDK does not show absent vs empty members),
/// which must answer 200.
async fn raw(s: &Server, path: &str) -> Value {
    let (status, body) = raw_get(s, path).await;
    assert_eq!(status, 200, "GET {path}");
    body
}

#[tokio::test]
async fn api_key_create_get_list_delete() {
    let s = Server::start();
    let c = s.sdk();
    // Shape as in test_get_api_keys (AWS recordings): enabled false, stageKeys [], value shown.
    let k1 = s.aws(&["apigateway", "create-api-key", "--name", "test-key-one"]);
    assert_eq!(k1["enabled"], false);
    assert_eq!(k1["stageKeys"], json!([]));
    assert!(k1.get("tags").is_none());
    let id1 = k1["id"].as_str().unwrap().to_string();
    assert_eq!(id1.len(), 10);
    let v1 = k1["value"].as_str().unwrap().to_string();
    assert_eq!(v1.len(), 40);
    assert!(v1.bytes().all(|b| b.is_ascii_alphanumeric()));

    let k2 = c
        .create_api_key()
        .name("test-key-two")
        .enabled(true)
        .value("abcdefghijklmnopqrstuvwxyz")
        .customer_id("cust-1")
        .description("second")
        .send()
        .await
        .unwrap();
    let id2 = k2.id().unwrap().to_string();
    assert!(k2.enabled());
    assert_eq!(k2.value(), Some("abcdefghijklmnopqrstuvwxyz"));

    // GetApiKey: value only with includeValue; `tags: {}` shown.
    let got = raw(&s, &format!("/apikeys/{id2}")).await;
    assert!(got.get("value").is_none());
    assert_eq!(got["tags"], json!({}));
    assert_eq!(got["customerId"], "cust-1");
    let got = c
        .get_api_key()
        .api_key(&id2)
        .include_value(true)
        .send()
        .await
        .unwrap();
    assert_eq!(got.value(), Some("abcdefghijklmnopqrstuvwxyz"));

    // GetApiKeys: newest first, no values unless includeValues (get-api-keys-after-create-2).
    let list = raw(&s, "/apikeys").await;
    let ids: Vec<&str> = list["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id2.as_str(), id1.as_str()]);
    assert!(list["item"][0].get("value").is_none());
    assert!(list["item"][0].get("tags").is_none());
    let with = c.get_api_keys().include_values(true).send().await.unwrap();
    assert!(with.items().iter().all(|k| k.value().is_some()));

    // nameQuery is a case-sensitive prefix (get-api-keys-*-name-query recordings).
    let names = |r: &aws_sdk_apigateway::operation::get_api_keys::GetApiKeysOutput| -> Vec<String> {
        r.items()
            .iter()
            .map(|k| k.name().unwrap().to_string())
            .collect()
    };
    let q = |n: &str| c.get_api_keys().name_query(n).send();
    assert_eq!(names(&q("test-key").await.unwrap()).len(), 2);
    assert_eq!(names(&q("test-key-one").await.unwrap()), ["test-key-one"]);
    assert!(names(&q("TEST-key").await.unwrap()).is_empty());
    assert!(names(&q("key-one").await.unwrap()).is_empty());
    let by_customer = c.get_api_keys().customer_id("cust-1").send().await.unwrap();
    assert_eq!(names(&by_customer), ["test-key-two"]);

    // Paging (get-apis-keys-pagination), and limit=-1 answered normally (invalid-limit).
    let p1 = c.get_api_keys().limit(1).send().await.unwrap();
    assert_eq!(p1.items().len(), 1);
    assert_eq!(p1.items()[0].id(), Some(id2.as_str()));
    let p2 = c
        .get_api_keys()
        .limit(1)
        .position(p1.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p2.items()[0].id(), Some(id1.as_str()));
    assert!(p2.position().is_none());
    assert_eq!(
        c.get_api_keys()
            .limit(-1)
            .send()
            .await
            .unwrap()
            .items()
            .len(),
        2
    );

    // Errors, each changing nothing.
    assert_aws_err!(
        c.create_api_key()
            .value("abcdefghijklmnopqrstuvwxyz")
            .send()
            .await,
        "ConflictException",
        "API Key already exists"
    );
    assert_aws_err!(
        c.create_api_key().name("a".repeat(1025)).send().await,
        "BadRequestException",
        "Invalid API Key name, can be at most 1024 characters."
    );
    assert_aws_err!(
        c.create_api_key().value("short").send().await,
        _,
        "API Key value should be at least 20 characters"
    );
    assert_aws_err!(
        c.create_api_key().value("a".repeat(129)).send().await,
        _,
        "API Key value exceeds maximum size of 128 characters"
    );
    assert_aws_err!(
        c.create_api_key()
            .description("a".repeat(125_001))
            .send()
            .await,
        _,
        "Invalid API Key description specified."
    );
    assert_aws_err!(
        c.create_api_key()
            .stage_keys(
                StageKey::builder()
                    .rest_api_id("nope")
                    .stage_name("dev")
                    .build()
            )
            .send()
            .await,
        "NotFoundException",
        "Invalid stage identifier specified"
    );
    assert_eq!(c.get_api_keys().send().await.unwrap().items().len(), 2);
    // An empty name is dropped (create-api-key-empty-name).
    let unnamed = c.create_api_key().name("").send().await.unwrap();
    assert!(unnamed.name().is_none());

    c.delete_api_key().api_key(&id1).send().await.unwrap();
    for r in [
        fail(c.get_api_key().api_key(&id1).send().await),
        fail(c.delete_api_key().api_key(&id1).send().await),
    ] {
        assert_eq!(
            r,
            (
                "NotFoundException".into(),
                "Invalid API Key identifier specified".into()
            )
        );
    }
}

#[tokio::test]
async fn api_key_stage_keys_and_update() {
    let s = Server::start();
    let c = s.sdk();
    let api = deployed_api(&c, "staged").await;
    let k = c
        .create_api_key()
        .name("k")
        .stage_keys(
            StageKey::builder()
                .rest_api_id(&api)
                .stage_name("dev")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let id = k.id().unwrap().to_string();
    assert_eq!(k.stage_keys(), [format!("{api}/dev")]);

    let u = c
        .update_api_key()
        .api_key(&id)
        .patch_operations(patch("replace", "/name", "new-name"))
        .patch_operations(patch("replace", "/description", "d"))
        .patch_operations(patch("replace", "/enabled", "true"))
        .patch_operations(patch("replace", "/customerId", "c9"))
        .patch_operations(patch("remove", "/stages", &format!("{api}/dev")))
        .send()
        .await
        .unwrap();
    assert_eq!(u.name(), Some("new-name"));
    assert!(u.enabled());
    assert_eq!(u.customer_id(), Some("c9"));
    assert!(u.stage_keys().is_empty());
    assert!(u.value().is_none());

    // update-api-key-invalid-enabled-type: not an error, just false.
    let u = c
        .update_api_key()
        .api_key(&id)
        .patch_operations(patch("replace", "/enabled", "not-a-boolean"))
        .send()
        .await
        .unwrap();
    assert!(!u.enabled());

    // Refused ops change nothing, even when an accepted op precedes them.
    assert_aws_err!(
        c.update_api_key()
            .api_key(&id)
            .patch_operations(patch("replace", "/name", "changed"))
            .patch_operations(patch("replace", "/id", "new-id"))
            .send()
            .await,
        "BadRequestException",
        "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/description, /enabled, /name, /customerId]"
    );
    assert_aws_err!(
        c.update_api_key()
            .api_key(&id)
            .patch_operations(patch("add", "/stages", &format!("{api}/nostage")))
            .send()
            .await,
        "NotFoundException",
        "Invalid stage identifier specified"
    );
    let got = c.get_api_key().api_key(&id).send().await.unwrap();
    assert_eq!(got.name(), Some("new-name"));
    assert!(got.stage_keys().is_empty());
    assert_aws_err!(
        c.update_api_key()
            .api_key("missing")
            .patch_operations(patch("replace", "/name", "x"))
            .send()
            .await,
        "NotFoundException"
    );
}

#[tokio::test]
async fn import_api_keys_from_csv() {
    let s = Server::start();
    let c = s.sdk();
    let plan = c.create_usage_plan().name("imports").send().await.unwrap();
    let plan_id = plan.id().unwrap().to_string();
    // The format of the AWS "API Gateway API key file format" page.
    let csv = format!(
        "Name,key,description,Enabled,usageplanIds\n\
         first,apikey1234abcdefghij0123456789,An imported key,TRUE,{plan_id}\n\
         second,apikey1234abcdefghij0123456780,,false,\n\
         third,tooshort,,,\n"
    );
    let out = c
        .import_api_keys()
        .format(ApiKeysFormat::Csv)
        .body(Blob::new(csv))
        .send()
        .await
        .unwrap();
    assert_eq!(out.ids().len(), 2);
    assert_eq!(out.warnings().len(), 1);
    let keys = c.get_api_keys().include_values(true).send().await.unwrap();
    let first = keys
        .items()
        .iter()
        .find(|k| k.name() == Some("first"))
        .unwrap();
    assert!(first.enabled());
    assert_eq!(first.description(), Some("An imported key"));
    assert_eq!(first.value(), Some("apikey1234abcdefghij0123456789"));
    let second = keys
        .items()
        .iter()
        .find(|k| k.name() == Some("second"))
        .unwrap();
    assert!(!second.enabled());
    let attached = c
        .get_usage_plan_keys()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .unwrap();
    assert_eq!(attached.items().len(), 1);
    assert_eq!(attached.items()[0].name(), Some("first"));

    // The same key value again overwrites the key that holds it (same id).
    let again = c
        .import_api_keys()
        .format(ApiKeysFormat::Csv)
        .body(Blob::new(
            "key,name\napikey1234abcdefghij0123456789,renamed\n",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(again.ids(), [first.id().unwrap()]);
    assert_eq!(
        c.get_api_key()
            .api_key(first.id().unwrap())
            .send()
            .await
            .unwrap()
            .name(),
        Some("renamed")
    );

    // failonwarnings: refused, nothing imported.
    assert_aws_err!(
        c.import_api_keys()
            .format(ApiKeysFormat::Csv)
            .fail_on_warnings(true)
            .body(Blob::new(
                "name,key\nfourth,apikey1234abcdefghij0123456781\nfifth,short\n",
            ))
            .send()
            .await,
        "BadRequestException"
    );
    assert_aws_err!(
        c.import_api_keys()
            .format(ApiKeysFormat::Csv)
            .body(Blob::new("name,description\nx,y\n"))
            .send()
            .await,
        "BadRequestException"
    );
    assert_aws_err!(
        c.import_api_keys()
            .format(ApiKeysFormat::from("xml"))
            .body(Blob::new("name,key\n"))
            .send()
            .await,
        "ValidationException"
    );
    assert_eq!(c.get_api_keys().send().await.unwrap().items().len(), 2);
}

#[tokio::test]
async fn usage_plan_crud_and_patch() {
    let s = Server::start();
    let c = s.sdk();
    let plan = c
        .create_usage_plan()
        .name("basic")
        .description("desc")
        .throttle(throttle(10.0, 20))
        .quota(quota(10, QuotaPeriodType::Day))
        .tags("tag_key", "tag_value")
        .send()
        .await
        .unwrap();
    let id = plan.id().unwrap().to_string();
    assert_eq!(id.len(), 6);
    // Wire shape as in test_api_key_required_for_methods / test_usage_plan_crud.
    let got = raw(&s, &format!("/usageplans/{id}")).await;
    assert_eq!(got["apiStages"], json!([]));
    assert_eq!(
        got["quota"],
        json!({"limit": 10, "offset": 0, "period": "DAY"})
    );
    assert_eq!(
        got["throttle"],
        json!({"burstLimit": 20, "rateLimit": 10.0})
    );
    assert_eq!(got["tags"], json!({"tag_key": "tag_value"}));
    let bare = c.create_usage_plan().name("bare").send().await.unwrap();
    let bare_id = bare.id().unwrap().to_string();
    assert_eq!(
        raw(&s, &format!("/usageplans/{bare_id}")).await["tags"],
        json!({})
    );
    let list = raw(&s, "/usageplans").await;
    assert_eq!(list["item"].as_array().unwrap().len(), 2);
    assert_eq!(list["item"][0]["id"], id.as_str());
    assert!(list["item"][1].get("tags").is_none());
    let p1 = c.get_usage_plans().limit(1).send().await.unwrap();
    assert_eq!(p1.items().len(), 1);
    assert!(p1.position().is_some());

    let u = c
        .update_usage_plan()
        .usage_plan_id(&bare_id)
        .patch_operations(patch("replace", "/throttle/burstLimit", "100"))
        .patch_operations(patch("replace", "/throttle/rateLimit", "200"))
        .patch_operations(patch("replace", "/quota/limit", "5000"))
        .patch_operations(patch("replace", "/quota/period", "MONTH"))
        .patch_operations(patch("replace", "/name", "renamed"))
        .patch_operations(patch("replace", "/productCode", "pc"))
        .send()
        .await
        .unwrap();
    assert_eq!(u.name(), Some("renamed"));
    assert_eq!(u.product_code(), Some("pc"));
    let got = raw(&s, &format!("/usageplans/{bare_id}")).await;
    assert_eq!(
        got["quota"],
        json!({"limit": 5000, "offset": 0, "period": "MONTH"})
    );
    assert_eq!(
        got["throttle"],
        json!({"burstLimit": 100, "rateLimit": 200.0})
    );

    // Refused ops (test_usage_plan_crud) change nothing.
    let refused = [
        (
            None,
            "BadRequestException",
            "Invalid API Stage specified".to_string(),
        ),
        (
            Some("wrongvalue"),
            "BadRequestException",
            "Invalid API Stage specified".into(),
        ),
        (
            Some("nope:dev"),
            "NotFoundException",
            format!(
                "Invalid API Stage {{api: nope, stage: dev}} specified for usageplan {bare_id}"
            ),
        ),
    ];
    for (value, code, msg) in refused {
        assert_aws_err!(
            c.update_usage_plan()
                .usage_plan_id(&bare_id)
                .patch_operations(patch("replace", "/name", "should-not-stick"))
                .patch_operations(patch_opt("remove", "/apiStages", value))
                .send()
                .await,
            code,
            msg.as_str()
        );
    }
    assert_aws_err!(
        c.update_usage_plan()
            .usage_plan_id(&bare_id)
            .patch_operations(patch("replace", "/id", "x"))
            .send()
            .await,
        "BadRequestException",
        starts_with("Invalid patch path  '/id' specified for op 'replace'")
    );
    assert_aws_err!(
        c.update_usage_plan()
            .usage_plan_id(&bare_id)
            .patch_operations(patch("replace", "/quota/period", "YEAR"))
            .send()
            .await,
        "ValidationException"
    );
    assert_eq!(
        c.get_usage_plan()
            .usage_plan_id(&bare_id)
            .send()
            .await
            .unwrap()
            .name(),
        Some("renamed")
    );
    assert_aws_err!(
        c.create_usage_plan()
            .name("q")
            .quota(quota(1, QuotaPeriodType::from("YEAR")))
            .send()
            .await,
        "ValidationException"
    );

    c.delete_usage_plan()
        .usage_plan_id(&bare_id)
        .send()
        .await
        .unwrap();
    let not_found = (
        "NotFoundException".to_string(),
        "Invalid Usage Plan ID specified".to_string(),
    );
    assert_aws_err!(
        c.get_usage_plan().usage_plan_id(&bare_id).send().await,
        not_found.0,
        not_found.1
    );
    assert_aws_err!(
        c.update_usage_plan()
            .usage_plan_id(&bare_id)
            .patch_operations(patch("replace", "/name", "x"))
            .send()
            .await,
        not_found.0,
        not_found.1
    );
    assert_aws_err!(
        c.delete_usage_plan().usage_plan_id(&bare_id).send().await,
        not_found.0,
        not_found.1
    );
}

#[tokio::test]
async fn usage_plan_api_stages() {
    let s = Server::start();
    let c = s.sdk();
    let api = deployed_api(&c, "staged").await;
    let plan = c
        .create_usage_plan()
        .name("staged")
        .api_stages(api_stage(&api, "dev"))
        .send()
        .await
        .unwrap();
    let id = plan.id().unwrap().to_string();
    assert_eq!(plan.api_stages()[0].stage(), Some("dev"));
    // A missing stage: AWS's create answer keeps its placeholders (aws/aws-sdk#354).
    assert_aws_err!(
        c.create_usage_plan()
            .name("bad")
            .api_stages(api_stage(&api, "nostage"))
            .send()
            .await,
        "BadRequestException",
        "Invalid API Stage {api: %s, stage: %s} specified for usageplan %s"
    );
    assert_eq!(c.get_usage_plans().send().await.unwrap().items().len(), 1);

    // Method throttles inside an API stage.
    c.update_usage_plan()
        .usage_plan_id(&id)
        .patch_operations(patch(
            "replace",
            &format!("/apiStages/{api}:dev/throttle/~1/GET/rateLimit"),
            "5",
        ))
        .patch_operations(patch(
            "replace",
            &format!("/apiStages/{api}:dev/throttle/~1/GET/burstLimit"),
            "2",
        ))
        .send()
        .await
        .unwrap();
    let got = raw(&s, &format!("/usageplans/{id}")).await;
    assert_eq!(
        got["apiStages"],
        json!([{"apiId": api, "stage": "dev", "throttle": {"//GET": {"burstLimit": 2, "rateLimit": 5.0}}}])
    );
    assert_aws_err!(
        c.update_usage_plan()
            .usage_plan_id(&id)
            .patch_operations(patch("add", "/apiStages", &format!("{api}:fakestagename")))
            .send()
            .await,
        "NotFoundException",
        format!(
            "Invalid API Stage {{api: {api}, stage: fakestagename}} specified for usageplan {id}"
        )
    );
    let u = c
        .update_usage_plan()
        .usage_plan_id(&id)
        .patch_operations(patch("remove", "/apiStages", &format!("{api}:dev")))
        .send()
        .await
        .unwrap();
    assert!(u.api_stages().is_empty());
    let u = c
        .update_usage_plan()
        .usage_plan_id(&id)
        .patch_operations(patch("add", "/apiStages", &format!("{api}:dev")))
        .send()
        .await
        .unwrap();
    assert_eq!(u.api_stages().len(), 1);
}

#[tokio::test]
async fn usage_plan_keys() {
    let s = Server::start();
    let c = s.sdk();
    let k1 = c.create_api_key().name("test-key-a").send().await.unwrap();
    let k2 = c.create_api_key().name("test-key-b").send().await.unwrap();
    let (id1, id2) = (k1.id().unwrap().to_string(), k2.id().unwrap().to_string());
    let plan = c.create_usage_plan().name("p").send().await.unwrap();
    let other = c.create_usage_plan().name("other").send().await.unwrap();
    let pid = plan.id().unwrap().to_string();

    let upk = c
        .create_usage_plan_key()
        .usage_plan_id(&pid)
        .key_id(&id1)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    // create-up-key in the recordings: id, name, type, value.
    assert_eq!(upk.id(), Some(id1.as_str()));
    assert_eq!(upk.r#type(), Some("API_KEY"));
    assert_eq!(upk.name(), Some("test-key-a"));
    assert_eq!(upk.value(), k1.value());
    c.create_usage_plan_key()
        .usage_plan_id(&pid)
        .key_id(&id2)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();

    let listed = raw(&s, &format!("/usageplans/{pid}/keys")).await;
    assert_eq!(
        listed["item"],
        json!([
            {"id": id2, "type": "API_KEY", "value": k2.value().unwrap(), "name": "test-key-b"},
            {"id": id1, "type": "API_KEY", "value": k1.value().unwrap(), "name": "test-key-a"},
        ])
    );
    let q = |n: &str| {
        c.get_usage_plan_keys()
            .usage_plan_id(&pid)
            .name_query(n)
            .send()
    };
    assert_eq!(q("test-key").await.unwrap().items().len(), 2);
    assert_eq!(q("TEST-key").await.unwrap().items().len(), 0);
    assert_eq!(
        q("test-key-a").await.unwrap().items()[0].id(),
        Some(id1.as_str())
    );
    assert_eq!(
        c.get_usage_plan_keys()
            .usage_plan_id(&pid)
            .limit(1)
            .send()
            .await
            .unwrap()
            .items()
            .len(),
        1
    );
    // get-up-keys-bad-usage-plan: an unknown plan lists nothing.
    assert!(c
        .get_usage_plan_keys()
        .usage_plan_id("bad-id")
        .send()
        .await
        .unwrap()
        .items()
        .is_empty());
    let got = c
        .get_usage_plan_key()
        .usage_plan_id(&pid)
        .key_id(&id1)
        .send()
        .await
        .unwrap();
    assert_eq!(got.name(), Some("test-key-a"));

    // keyId filter of GetUsagePlans.
    let holding = c.get_usage_plans().key_id(&id1).send().await.unwrap();
    assert_eq!(holding.items().len(), 1);
    assert_eq!(holding.items()[0].id(), Some(pid.as_str()));
    assert_eq!(c.get_usage_plans().send().await.unwrap().items().len(), 2);

    let create = |plan: &str, key: &str, ty: &str| {
        c.create_usage_plan_key()
            .usage_plan_id(plan)
            .key_id(key)
            .key_type(ty)
            .send()
    };
    assert_aws_err!(create(&pid, &id1, "API_KEY").await, "ConflictException");
    assert_aws_err!(
        create(&pid, "nokey", "API_KEY").await,
        "NotFoundException",
        "Invalid API Key identifier specified"
    );
    assert_aws_err!(
        create("noplan", &id1, "API_KEY").await,
        "NotFoundException",
        "Invalid Usage Plan ID specified"
    );
    assert_aws_err!(create(&pid, &id1, "OTHER").await, "BadRequestException");
    assert_aws_err!(
        c.get_usage_plan_key()
            .usage_plan_id(other.id().unwrap())
            .key_id(&id1)
            .send()
            .await,
        "NotFoundException"
    );

    c.delete_usage_plan_key()
        .usage_plan_id(&pid)
        .key_id(&id2)
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.delete_usage_plan_key()
            .usage_plan_id(&pid)
            .key_id(&id2)
            .send()
            .await,
        "NotFoundException"
    );
    // Deleting an API key takes it out of its plans (get-up-keys-after-delete).
    c.delete_api_key().api_key(&id1).send().await.unwrap();
    assert!(c
        .get_usage_plan_keys()
        .usage_plan_id(&pid)
        .send()
        .await
        .unwrap()
        .items()
        .is_empty());
    assert!(c
        .get_usage_plans()
        .key_id(&id1)
        .send()
        .await
        .unwrap()
        .items()
        .is_empty());
}

#[tokio::test]
async fn account_defaults_and_update() {
    let s = Server::start();
    let c = s.sdk();
    let a = raw(&s, "/account").await;
    assert_eq!(
        a,
        json!({"throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0}, "features": ["UsagePlans"], "apiKeyVersion": "4"})
    );
    // A role IAM does not have is refused (AWS: API Gateway must be able to assume it).
    assert_aws_err!(
        c.update_account()
            .patch_operations(patch(
                "replace",
                "/cloudwatchRoleArn",
                "arn:aws:iam::000000000000:role/apigw-cloudwatch",
            ))
            .send()
            .await,
        "BadRequestException",
        "The role ARN does not have required permissions set to API Gateway"
    );
    let arn = crate::fixtures::logging_role(&s);
    let arn = arn.as_str();
    let u = c
        .update_account()
        .patch_operations(patch("replace", "/cloudwatchRoleArn", arn))
        .send()
        .await
        .unwrap();
    assert_eq!(u.cloudwatch_role_arn(), Some(arn));
    assert_aws_err!(
        c.update_account()
            .patch_operations(patch("replace", "/cloudwatchRoleArn", "arn:other"))
            .patch_operations(patch("replace", "/throttleSettings/rateLimit", "1"))
            .send()
            .await,
        "BadRequestException",
        contains("'/throttleSettings/rateLimit'")
    );
    let got = c.get_account().send().await.unwrap();
    assert_eq!(got.cloudwatch_role_arn(), Some(arn));
    assert_eq!(got.api_key_version(), Some("4"));
    // Per region: another region still has the defaults.
    let eu = s.sdk_in("eu-west-1").get_account().send().await.unwrap();
    assert!(eu.cloudwatch_role_arn().is_none());
}

#[tokio::test]
async fn tags_on_apis_stages_keys_and_plans() {
    let s = Server::start();
    let c = s.sdk();
    let api = deployed_api(&c, "staged").await;
    let key = c.create_api_key().name("k").send().await.unwrap();
    let plan = c.create_usage_plan().name("p").send().await.unwrap();
    let arn = |path: String| format!("arn:aws:apigateway:us-east-1::{path}");
    let targets = [
        arn(format!("/restapis/{api}")),
        arn(format!("/restapis/{api}/stages/dev")),
        arn(format!("/apikeys/{}", key.id().unwrap())),
        arn(format!("/usageplans/{}", plan.id().unwrap())),
    ];
    for t in &targets {
        c.tag_resource()
            .resource_arn(t)
            .tags("env", "dev")
            .tags("team", "core")
            .send()
            .await
            .unwrap();
        c.untag_resource()
            .resource_arn(t)
            .tag_keys("team")
            .send()
            .await
            .unwrap();
        let got = c.get_tags().resource_arn(t).send().await.unwrap();
        assert_eq!(got.tags().unwrap().len(), 1, "{t}");
        assert_eq!(got.tags().unwrap()["env"], "dev");
    }
    // Visible in each resource's own Get.
    let rest = c.get_rest_api().rest_api_id(&api).send().await.unwrap();
    assert_eq!(rest.tags().unwrap()["env"], "dev");
    let k = c
        .get_api_key()
        .api_key(key.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(k.tags().unwrap()["env"], "dev");
    let p = c
        .get_usage_plan()
        .usage_plan_id(plan.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p.tags().unwrap()["env"], "dev");
    let st = c
        .get_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(st.tags().unwrap()["env"], "dev");

    // The _custom_id_ tag is an ordinary tag once the API exists.
    let pinned = c
        .create_rest_api()
        .name("pinned")
        .tags("_custom_id_", "myapi12345")
        .send()
        .await
        .unwrap();
    let pinned_arn = arn(format!("/restapis/{}", pinned.id().unwrap()));
    c.untag_resource()
        .resource_arn(&pinned_arn)
        .tag_keys("_custom_id_")
        .send()
        .await
        .unwrap();
    assert!(c
        .get_tags()
        .resource_arn(&pinned_arn)
        .send()
        .await
        .unwrap()
        .tags()
        .unwrap()
        .is_empty());
    assert!(c
        .get_rest_api()
        .rest_api_id("myapi12345")
        .send()
        .await
        .is_ok());

    assert_aws_err!(
        c.get_tags().resource_arn("invalid-arn").send().await,
        "BadRequestException",
        "Invalid ARN. ARN is not well formed invalid-arn"
    );
    assert_aws_err!(
        c.get_tags()
            .resource_arn(arn("/restapis/nope".into()))
            .send()
            .await,
        "NotFoundException",
        "Invalid API identifier specified 000000000000:nope"
    );
    assert_aws_err!(
        c.get_tags()
            .resource_arn(arn(format!("/restapis/{api}/stages/nostage")))
            .send()
            .await,
        "NotFoundException"
    );
    // A resource of us-east-1 is not found through its eu-west-1 ARN.
    assert_aws_err!(
        c.get_tags()
            .resource_arn(format!("arn:aws:apigateway:eu-west-1::/restapis/{api}"))
            .send()
            .await,
        "NotFoundException"
    );
    assert_aws_err!(
        c.tag_resource()
            .resource_arn(&targets[0])
            .tags("aws:reserved", "x")
            .tags("fine", "y")
            .send()
            .await,
        "BadRequestException"
    );
    let unchanged = c.get_tags().resource_arn(&targets[0]).send().await.unwrap();
    assert!(!unchanged.tags().unwrap().contains_key("fine"));
}

#[tokio::test]
async fn cli_usage_plan_key_walkthrough() {
    let s = Server::start();
    let c = s.sdk();
    let api = deployed_api(&c, "staged").await;
    let plan = s.aws(&[
        "apigateway",
        "create-usage-plan",
        "--name",
        "cli-plan",
        "--throttle",
        "burstLimit=100,rateLimit=50",
        "--api-stages",
        &format!("apiId={api},stage=dev"),
    ]);
    assert_eq!(plan["name"], "cli-plan");
    assert_eq!(
        plan["throttle"],
        json!({"burstLimit": 100, "rateLimit": 50.0})
    );
    assert_eq!(plan["apiStages"], json!([{"apiId": api, "stage": "dev"}]));
    let plan_id = plan["id"].as_str().unwrap();

    let key = s.aws(&[
        "apigateway",
        "create-api-key",
        "--name",
        "cli-key",
        "--enabled",
    ]);
    assert_eq!(key["enabled"], true);
    let key_id = key["id"].as_str().unwrap();

    let upk = s.aws(&[
        "apigateway",
        "create-usage-plan-key",
        "--usage-plan-id",
        plan_id,
        "--key-id",
        key_id,
        "--key-type",
        "API_KEY",
    ]);
    assert_eq!(
        upk,
        json!({"id": key_id, "type": "API_KEY", "value": key["value"], "name": "cli-key"})
    );
    let listed = s.aws(&[
        "apigateway",
        "get-usage-plan-keys",
        "--usage-plan-id",
        plan_id,
    ]);
    assert_eq!(listed, json!({"items": [upk]}));

    // Tags through the CLI too: the ARN travels percent-encoded in the path.
    let arn = format!("arn:aws:apigateway:us-east-1::/usageplans/{plan_id}");
    s.aws(&[
        "apigateway",
        "tag-resource",
        "--resource-arn",
        &arn,
        "--tags",
        "env=cli",
    ]);
    let tags = s.aws(&["apigateway", "get-tags", "--resource-arn", &arn]);
    assert_eq!(tags, json!({"tags": {"env": "cli"}}));
}
