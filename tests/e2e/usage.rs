//! GetUsage and UpdateUsage through the SDK, raw HTTP (wire member names) and the aws CLI;
//! usage counted from real traffic to a deployed stage; and keys brought in by ImportApiKeys
//! enforced on that stage.

use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{ApiKeysFormat, PatchOperation, QuotaPeriodType};
use aws_sdk_apigateway::Client;
use chrono::{Duration, Utc};
use serde_json::json;

use crate::fixtures::{
    api_stage, assert_aws_err, deploy, fail, key_in_plan, patch, quota, raw_get, stage_url, Route,
};
use crate::harness::{err_of, new_api, Server};

fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// A usage plan (with a quota of `limit` per `period` when given) holding new enabled keys;
/// returns (plan id, key ids).
async fn plan_with_keys(
    c: &Client,
    limit: Option<(i32, QuotaPeriodType)>,
    keys: usize,
    stages: &[(&str, &str)],
) -> (String, Vec<String>) {
    let mut b = c.create_usage_plan().name("metered");
    if let Some((limit, period)) = limit {
        b = b.quota(quota(limit, period));
    }
    for (api, stage) in stages {
        b = b.api_stages(api_stage(api, stage));
    }
    let plan = b.send().await.expect("create_usage_plan");
    let plan_id = plan.id().unwrap().to_string();
    let mut ids = Vec::new();
    for i in 0..keys {
        ids.push(key_in_plan(c, &plan_id, &format!("key-{i}")).await.0);
    }
    (plan_id, ids)
}

#[tokio::test]
async fn get_usage_without_traffic_lists_every_day_of_every_key() {
    let s = Server::start();
    let c = s.sdk();
    let (plan, keys) = plan_with_keys(&c, Some((100, QuotaPeriodType::Month)), 2, &[]).await;
    let (start, end) = (day(-2), day(1));
    let u = c
        .get_usage()
        .usage_plan_id(&plan)
        .start_date(&start)
        .end_date(&end)
        .send()
        .await
        .unwrap();
    assert_eq!(u.usage_plan_id(), Some(plan.as_str()));
    assert_eq!(u.start_date(), Some(start.as_str()));
    assert_eq!(u.end_date(), Some(end.as_str()));
    assert!(u.position().is_none());
    let items = u.items().unwrap();
    assert_eq!(items.len(), 2);
    for k in &keys {
        assert_eq!(items[k], vec![vec![0, 100]; 4], "key {k}");
    }

    // On the wire the map is `values` (botocore's locationName for `items`).
    let (status, body) = raw_get(
        &s,
        &format!("/usageplans/{plan}/usage?startDate={start}&endDate={start}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["values"][&keys[0]], json!([[0, 100]]));
    assert!(body.get("items").is_none());

    // One key only.
    let u = c
        .get_usage()
        .usage_plan_id(&plan)
        .key_id(&keys[1])
        .start_date(&start)
        .end_date(&start)
        .send()
        .await
        .unwrap();
    assert_eq!(u.items().unwrap().keys().collect::<Vec<_>>(), [&keys[1]]);

    // Pages run over keys.
    let p1 = c
        .get_usage()
        .usage_plan_id(&plan)
        .start_date(&start)
        .end_date(&start)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(p1.items().unwrap().len(), 1);
    let p2 = c
        .get_usage()
        .usage_plan_id(&plan)
        .start_date(&start)
        .end_date(&start)
        .limit(1)
        .position(p1.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p2.items().unwrap().len(), 1);
    assert!(p2.position().is_none());
    assert_ne!(
        p1.items().unwrap().keys().next(),
        p2.items().unwrap().keys().next()
    );

    // A plan without a quota reports remaining 0 (our choice, see usage.rs); a plan without
    // keys reports an empty map.
    let (bare, bare_keys) = plan_with_keys(&c, None, 1, &[]).await;
    let u = c
        .get_usage()
        .usage_plan_id(&bare)
        .start_date(&start)
        .end_date(&start)
        .send()
        .await
        .unwrap();
    assert_eq!(u.items().unwrap()[&bare_keys[0]], vec![vec![0, 0]]);
    let (empty, _) = plan_with_keys(&c, None, 0, &[]).await;
    let (_, body) = raw_get(
        &s,
        &format!("/usageplans/{empty}/usage?startDate={start}&endDate={start}"),
    )
    .await;
    assert_eq!(body["values"], json!({}));
}

#[tokio::test]
async fn get_usage_with_the_cli() {
    let s = Server::start();
    let c = s.sdk();
    let (plan, keys) = plan_with_keys(&c, Some((5, QuotaPeriodType::Day)), 1, &[]).await;
    let today = day(0);
    let out = s.aws(&[
        "apigateway",
        "get-usage",
        "--usage-plan-id",
        &plan,
        "--start-date",
        &today,
        "--end-date",
        &today,
    ]);
    assert_eq!(out["usagePlanId"], json!(plan));
    assert_eq!(out["startDate"], json!(today));
    assert_eq!(out["items"][&keys[0]], json!([[0, 5]]));
}

#[tokio::test]
async fn get_usage_errors() {
    let s = Server::start();
    let c = s.sdk();
    let (plan, _) = plan_with_keys(&c, Some((100, QuotaPeriodType::Week)), 1, &[]).await;
    let get = |plan: &str, start: &str, end: &str| {
        c.get_usage()
            .usage_plan_id(plan)
            .start_date(start)
            .end_date(end)
    };
    let today = day(0);
    // test_usage_plan_crud (AWS recordings): the plan 404.
    assert_aws_err!(
        get("nosuch", &today, &today).send().await,
        "NotFoundException",
        "Invalid Usage Plan ID specified"
    );
    // A key that does not exist, or is not in the plan (aws/aws-cli#5344 quotes AWS's text).
    let other = c.create_api_key().name("other").send().await.unwrap();
    for key in ["nosuchkey", other.id().unwrap()] {
        assert_aws_err!(
            get(&plan, &today, &today).key_id(key).send().await,
            "NotFoundException",
            "Invalid Key identifier specified"
        );
    }
    // Dates: our messages (AWS documents none).
    assert_aws_err!(
        get(&plan, "2026-13-01", &today).send().await,
        "BadRequestException",
        "Invalid start date specified: 2026-13-01. Dates must be given as YYYY-MM-DD"
    );
    assert_aws_err!(
        get(&plan, &today, "tomorrow").send().await,
        _,
        "Invalid end date specified: tomorrow. Dates must be given as YYYY-MM-DD"
    );
    assert_eq!(
        fail(get(&plan, &today, &day(-1)).send().await),
        (
            "BadRequestException".into(),
            format!(
                "Invalid date range specified: the end date {} is before the start date {today}",
                day(-1)
            )
        )
    );
    // At most 90 days (AWS knowledge center "api-gateway-usage-key").
    assert!(get(&plan, &day(-90), &today).send().await.is_ok());
    assert_aws_err!(
        get(&plan, &day(-91), &today).send().await,
        "BadRequestException",
        "Invalid date range specified: the range can't exceed 90 days"
    );
    // Dates are required; the SDK insists, so ask over raw HTTP.
    let (status, body) = raw_get(&s, &format!("/usageplans/{plan}/usage?endDate={today}")).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Invalid start date specified: null. Dates must be given as YYYY-MM-DD"
    );
    // Paging limits as every list.
    assert_aws_err!(
        get(&plan, &today, &today).limit(0).send().await,
        "ValidationException"
    );
}

#[tokio::test]
async fn update_usage_errors() {
    let s = Server::start();
    let c = s.sdk();
    let (plan, keys) = plan_with_keys(&c, Some((100, QuotaPeriodType::Day)), 1, &[]).await;
    let (bare, bare_keys) = plan_with_keys(&c, None, 1, &[]).await;
    let set = |plan: &str, key: &str, o: PatchOperation| {
        c.update_usage()
            .usage_plan_id(plan)
            .key_id(key)
            .patch_operations(o)
    };
    let remaining = || patch("replace", "/remaining", "50");
    assert_aws_err!(
        set("nosuch", &keys[0], remaining()).send().await,
        "NotFoundException",
        "Invalid Usage Plan ID specified"
    );
    // A key of another plan.
    assert_aws_err!(
        set(&plan, &bare_keys[0], remaining()).send().await,
        "NotFoundException",
        "Invalid Key identifier specified"
    );
    assert_eq!(
        fail(set(&bare, &bare_keys[0], remaining()).send().await),
        (
            "BadRequestException".into(),
            format!("Usage plan {bare} has no quota: there is no remaining quota to update")
        )
    );
    assert_aws_err!(
        set(&plan, &keys[0], patch("replace", "/quota/limit", "5")).send().await,
        "BadRequestException",
        "Invalid patch path  '/quota/limit' specified for op 'replace'. Must be one of: [/remaining]"
    );
    // boto/boto3#2504: AWS lists no path at all for `add`.
    assert_aws_err!(
        set(&plan, &keys[0], patch("add", "/remaining", "5"))
            .send()
            .await,
        _,
        "Invalid patch path  '/remaining' specified for op 'add'. Must be one of: []"
    );
    assert_aws_err!(
        set(&plan, &keys[0], patch("replace", "/remaining", "many"))
            .send()
            .await,
        "BadRequestException",
        "Invalid integer value: many"
    );
    assert_aws_err!(
        set(&plan, &keys[0], patch("replace", "/remaining", "-1"))
            .send()
            .await,
        _,
        "Invalid remaining quota specified: -1. It must be 0 or more"
    );
}

/// UpdateUsage answers the key's usage today. Needs the server's usage meter (the lead's
/// data-plane work) for the new remaining quota to show.
#[tokio::test]
async fn update_usage_sets_the_remaining_quota() {
    let s = Server::start();
    let c = s.sdk();
    let (plan, keys) = plan_with_keys(&c, Some((100, QuotaPeriodType::Month)), 1, &[]).await;
    let today = day(0);
    let u = c
        .update_usage()
        .usage_plan_id(&plan)
        .key_id(&keys[0])
        .patch_operations(patch("replace", "/remaining", "250"))
        .send()
        .await
        .unwrap();
    assert_eq!(u.usage_plan_id(), Some(plan.as_str()));
    assert_eq!(u.start_date(), Some(today.as_str()));
    assert_eq!(u.end_date(), Some(today.as_str()));
    // A "temporary extension": more than the limit is allowed.
    assert_eq!(u.items().unwrap()[&keys[0]], vec![vec![0, 250]]);
    let g = c
        .get_usage()
        .usage_plan_id(&plan)
        .start_date(&today)
        .end_date(&today)
        .send()
        .await
        .unwrap();
    assert_eq!(g.items().unwrap()[&keys[0]], vec![vec![0, 250]]);
}

/// A rest API whose `GET /` needs an API key and answers 200 from a MOCK integration,
/// deployed to stage `dev`.
async fn keyed_api(c: &Client) -> String {
    let (api, root) = new_api(c, "keyed").await;
    let get = Route::new(c, &api, &root, "GET");
    get.put_method()
        .api_key_required(true)
        .send()
        .await
        .expect("put_method");
    get.mock_json("{\"ok\": true}").await;
    deploy(c, &api, "dev").await;
    api
}

async fn call(s: &Server, api: &str, key: &str) -> u16 {
    s.http()
        .get(format!("{}/", stage_url(s, api, "dev")))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Requests admitted on a stage of the plan show in GetUsage; the quota stops them with 429
/// and UpdateUsage lets more through. Needs the lead's data-plane enforcement and counting.
#[tokio::test]
async fn traffic_is_counted_and_quota_extensions_admit_more() {
    let s = Server::start();
    let c = s.sdk();
    let api = keyed_api(&c).await;
    let (plan, keys) = plan_with_keys(
        &c,
        Some((3, QuotaPeriodType::Day)),
        1,
        &[(api.as_str(), "dev")],
    )
    .await;
    let value = c
        .get_api_key()
        .api_key(&keys[0])
        .include_value(true)
        .send()
        .await
        .unwrap()
        .value()
        .unwrap()
        .to_string();
    assert_eq!(call(&s, &api, "not-a-key-at-all-0123456789").await, 403);
    for _ in 0..2 {
        assert_eq!(call(&s, &api, &value).await, 200);
    }
    let today = day(0);
    let usage = |c: &Client| {
        c.get_usage()
            .usage_plan_id(&plan)
            .start_date(&today)
            .end_date(&today)
            .send()
    };
    let u = usage(&c).await.unwrap();
    assert_eq!(u.items().unwrap()[&keys[0]], vec![vec![2, 1]]);

    assert_eq!(call(&s, &api, &value).await, 200);
    // Quota spent: AWS answers 429 (AWS-BEHAVIOUR.md §4.3).
    assert_eq!(call(&s, &api, &value).await, 429);
    let u = usage(&c).await.unwrap();
    assert_eq!(u.items().unwrap()[&keys[0]], vec![vec![3, 0]]);

    // Two more for today.
    let u = c
        .update_usage()
        .usage_plan_id(&plan)
        .key_id(&keys[0])
        .patch_operations(patch("replace", "/remaining", "2"))
        .send()
        .await
        .unwrap();
    assert_eq!(u.items().unwrap()[&keys[0]], vec![vec![3, 2]]);
    assert_eq!(call(&s, &api, &value).await, 200);
    assert_eq!(call(&s, &api, &value).await, 200);
    assert_eq!(call(&s, &api, &value).await, 429);
    let u = usage(&c).await.unwrap();
    assert_eq!(u.items().unwrap()[&keys[0]], vec![vec![5, 0]]);

    // Removing the key from the plan drops its counters and its access.
    c.delete_usage_plan_key()
        .usage_plan_id(&plan)
        .key_id(&keys[0])
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, &api, &value).await, 403);
    // Attached again, it starts afresh: the old counters were deleted with the membership.
    c.create_usage_plan_key()
        .usage_plan_id(&plan)
        .key_id(&keys[0])
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    let u = usage(&c).await.unwrap();
    assert_eq!(u.items().unwrap()[&keys[0]], vec![vec![0, 3]]);
    assert_eq!(call(&s, &api, &value).await, 200);
}

/// Import a key file (CSV) through the SDK; returns (ids, warnings).
async fn import_keys(
    c: &Client,
    csv: &str,
    fail_on_warnings: Option<bool>,
) -> Result<(Vec<String>, Vec<String>), (String, String)> {
    c.import_api_keys()
        .format(ApiKeysFormat::Csv)
        .body(Blob::new(csv.as_bytes().to_vec()))
        .set_fail_on_warnings(fail_on_warnings)
        .send()
        .await
        .map(|r| (r.ids().to_vec(), r.warnings().to_vec()))
        .map_err(err_of)
}

/// Keys imported from a key file into a plan on a keyed stage are enforced like created ones,
/// with no redeploy: an enabled one is admitted, a disabled one is 403 until it is enabled, and
/// importing the same value again overwrites the key ("two API keys are identical if they
/// have the same key value", AWS's API key file format page).
#[tokio::test]
async fn imported_keys_are_enforced_on_the_stage() {
    let s = Server::start();
    let c = s.sdk();
    let api = keyed_api(&c).await;
    let (plan, _) = plan_with_keys(&c, None, 0, &[(api.as_str(), "dev")]).await;
    let (on, off) = (
        "imported-key-enabled-0123456789",
        "imported-key-disabled-0123456789",
    );
    // Header names are case-insensitive; the plan list may be quoted.
    let csv = format!(
        "name,key,description,enabled,usageplanIds\n\
         imported-on,{on},an enabled key,true,\"{plan}\"\n\
         imported-off,{off},a disabled key,false,{plan}\n"
    );
    let (ids, warnings) = import_keys(&c, &csv, None).await.expect("import_api_keys");
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(warnings.is_empty(), "{warnings:?}");
    let keys = c.get_usage_plan_keys().usage_plan_id(&plan).send().await;
    let mut members: Vec<_> = keys
        .unwrap()
        .items()
        .iter()
        .map(|k| k.id().unwrap().to_string())
        .collect();
    members.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(members, want);
    let off_key = c.get_api_key().api_key(&ids[1]).send().await.unwrap();
    assert_eq!(off_key.name(), Some("imported-off"));
    assert!(!off_key.enabled());

    assert_eq!(call(&s, &api, on).await, 200);
    assert_eq!(call(&s, &api, off).await, 403);
    let r = s
        .http()
        .get(format!("{}/", stage_url(&s, &api, "dev")))
        .header("x-api-key", off)
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), r#"{"message":"Forbidden"}"#);

    // Enabled through UpdateApiKey: live on the next request.
    c.update_api_key()
        .api_key(&ids[1])
        .patch_operations(patch("replace", "/enabled", "true"))
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, &api, off).await, 200);

    // Importing the enabled key's value again, disabled, updates that key in place.
    let (again, warnings) = import_keys(
        &c,
        &format!("Key,Name,Enabled\n{on},imported-on-again,false\n"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(again, [ids[0].clone()]);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(call(&s, &api, on).await, 403);

    // Admitted requests of imported keys are counted like any other key's.
    let today = day(0);
    let u = c
        .get_usage()
        .usage_plan_id(&plan)
        .start_date(&today)
        .end_date(&today)
        .send()
        .await
        .unwrap();
    let items = u.items().unwrap();
    assert_eq!(items[&ids[0]][0][0], 1);
    assert_eq!(items[&ids[1]][0][0], 1);
}

/// A row naming a usage plan that does not exist is skipped with a warning, and the other rows
/// are imported; with `failOnWarnings` the whole import is refused and nothing is written.
#[tokio::test]
async fn import_with_an_unknown_usage_plan() {
    let s = Server::start();
    let c = s.sdk();
    let api = keyed_api(&c).await;
    let (plan, _) = plan_with_keys(&c, None, 0, &[(api.as_str(), "dev")]).await;
    let (good, orphan) = (
        "imported-good-key-0123456789",
        "imported-orphan-key-0123456789",
    );
    let csv = format!(
        "Name,Key,UsagePlanIds\n\
         good,{good},{plan}\n\
         orphan,{orphan},nosuchplan\n"
    );

    let (code, msg) = import_keys(&c, &csv, Some(true)).await.unwrap_err();
    assert_eq!(code, "BadRequestException");
    assert!(msg.contains("nosuchplan"), "{msg}");
    let all = c.get_api_keys().send().await.unwrap();
    assert!(
        all.items().is_empty(),
        "nothing imported: {:?}",
        all.items()
    );
    assert_eq!(call(&s, &api, good).await, 403);

    let (ids, warnings) = import_keys(&c, &csv, Some(false)).await.unwrap();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(warnings, ["Invalid Usage Plan ID specified: nosuchplan"]);
    assert_eq!(c.get_api_keys().send().await.unwrap().items().len(), 1);
    assert_eq!(call(&s, &api, good).await, 200);
    assert_eq!(call(&s, &api, orphan).await, 403);
}
