//! API keys, usage-plan throttles and quotas, stage and account throttles, enforced on the
//! data plane of the real binary (issue 5). Throttle counts are checked against the token
//! bucket bound: over T seconds of overload, at most `burst + rate·T` requests and at least
//! 95 % of that are admitted.

use std::time::{Duration, Instant};

use aws_sdk_apigateway::types::{ApiStage, QuotaPeriodType};

use crate::fixtures::{
    add_resource, deploy, key_in_plan, patch, quota, stage_url, throttle, Route,
};
use crate::harness::{new_api, Server};

/// A deployed API with `GET /pets` on a MOCK integration answering `{"keyId": …}`, on stage
/// `dev`. Returns the API id and the stage's base URL.
async fn mock_api(s: &Server, key_required: bool) -> (String, String) {
    let c = s.sdk();
    let (api, root) = new_api(&c, "keys").await;
    let pets = add_resource(&c, &api, &root, "pets").await;
    let get = Route::new(&c, &api, &pets, "GET");
    get.put_method()
        .api_key_required(key_required)
        .send()
        .await
        .unwrap();
    get.mock_json(
        "{\"keyId\": \"$context.identity.apiKeyId\", \"key\": \"$context.identity.apiKey\"}",
    )
    .await;
    deploy(&c, &api, "dev").await;
    let base = stage_url(s, &api, "dev");
    (api, base)
}

/// A usage plan on `api`'s `dev` stage and a key attached to it: (plan id, key id, key value).
async fn plan_with_key(
    s: &Server,
    api: &str,
    plan_throttle: Option<(f64, i32)>,
    limit: Option<i32>,
    method_throttle: Option<(f64, i32)>,
) -> (String, String, String) {
    let c = s.sdk();
    let mut stage = ApiStage::builder().api_id(api).stage("dev");
    if let Some((rate, burst)) = method_throttle {
        stage = stage.throttle("/pets/GET", throttle(rate, burst));
    }
    let plan = c
        .create_usage_plan()
        .name("plan")
        .api_stages(stage.build())
        .set_throttle(plan_throttle.map(|(rate, burst)| throttle(rate, burst)))
        .set_quota(limit.map(|l| quota(l, QuotaPeriodType::Day)))
        .send()
        .await
        .unwrap();
    let plan = plan.id().unwrap().to_string();
    let (key_id, key) = key_in_plan(&c, &plan, "client").await;
    (plan, key_id, key)
}

async fn call(s: &Server, url: &str, key: Option<&str>) -> (u16, String, Option<String>) {
    let mut req = s.http().get(url);
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_string());
    (status, r.text().await.unwrap(), kind)
}

/// What a burst of overload got: admitted and throttled counts, and two windows in seconds:
/// `inner`, from the first answer to the last request sent (demand certainly never stopped),
/// and `outer`, from the first request sent to the last answer (every admission lies in it).
struct Overload {
    admitted: usize,
    throttled: usize,
    inner: f64,
    outer: f64,
}

/// Send requests from `conns` concurrent clients for `secs` seconds.
async fn overload(url: &str, key: Option<&str>, conns: usize, secs: f64) -> Overload {
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let url = url.to_string();
        let key = key.map(str::to_string);
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let (mut ok, mut throttled) = (0usize, 0usize);
            let (mut first_answer, mut last_sent, mut last_answer) = (None, start, start);
            while Instant::now() < deadline {
                last_sent = Instant::now();
                let mut req = client.get(&url);
                if let Some(k) = &key {
                    req = req.header("x-api-key", k);
                }
                let r = req.send().await.unwrap();
                last_answer = Instant::now();
                first_answer.get_or_insert(last_answer);
                match r.status().as_u16() {
                    200 => ok += 1,
                    429 => {
                        assert_eq!(
                            r.text().await.unwrap(),
                            r#"{"message":"Too Many Requests"}"#
                        );
                        throttled += 1;
                    }
                    other => panic!("unexpected status {other}"),
                }
            }
            (
                ok,
                throttled,
                first_answer.unwrap_or(start),
                last_sent,
                last_answer,
            )
        }));
    }
    let (mut admitted, mut throttled) = (0, 0);
    let (mut first_answer, mut last_sent, mut last_answer) = (None::<Instant>, start, start);
    for t in tasks {
        let (ok, th, first, sent, answer) = t.await.unwrap();
        admitted += ok;
        throttled += th;
        first_answer = Some(first_answer.map_or(first, |f| f.min(first)));
        last_sent = last_sent.max(sent);
        last_answer = last_answer.max(answer);
    }
    let first_answer = first_answer.unwrap_or(start);
    Overload {
        admitted,
        throttled,
        inner: last_sent
            .saturating_duration_since(first_answer)
            .as_secs_f64(),
        outer: (last_answer - start).as_secs_f64(),
    }
}

/// The token-bucket bound: over the overload, at most `b + r·T` admitted and at least 95 % of
/// it (less one request: admissions are whole, tokens accrue continuously).
fn assert_bound(o: &Overload, rate: f64, burst: f64) {
    let most = burst + rate * o.outer;
    let least = 0.95 * (burst + rate * o.inner) - 1.0;
    let n = o.admitted as f64;
    assert!(
        n <= most + 1e-9 && n >= least,
        "admitted {} of {}; expected {least:.2}..={most:.2} (rate {rate}, burst {burst}, windows {:.3}/{:.3} s)",
        o.admitted,
        o.admitted + o.throttled,
        o.inner,
        o.outer
    );
    assert!(o.throttled > 0, "the overload was not throttled");
}

#[tokio::test]
async fn api_keys_guard_methods_that_require_them() {
    let s = Server::start();
    let c = s.sdk();
    let (api, base) = mock_api(&s, true).await;
    let url = format!("{base}/pets");
    let (plan, key_id, key) = plan_with_key(&s, &api, None, None, None).await;
    // A key in no plan of this stage, and a plan on another stage.
    let stray = c
        .create_api_key()
        .name("stray")
        .enabled(true)
        .send()
        .await
        .unwrap();
    let forbidden = (
        403,
        r#"{"message":"Forbidden"}"#.to_string(),
        Some("ForbiddenException".to_string()),
    );
    assert_eq!(call(&s, &url, None).await, forbidden);
    assert_eq!(call(&s, &url, Some("not-a-key")).await, forbidden);
    assert_eq!(
        call(&s, &url, Some(stray.value().unwrap())).await,
        forbidden
    );

    let (status, body, _) = call(&s, &url, Some(&key)).await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body, serde_json::json!({"keyId": key_id, "key": key}));

    // Disabled, then enabled again: live, without a deployment.
    c.update_api_key()
        .api_key(&key_id)
        .patch_operations(patch("replace", "/enabled", "false"))
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, &url, Some(&key)).await, forbidden);
    c.update_api_key()
        .api_key(&key_id)
        .patch_operations(patch("replace", "/enabled", "true"))
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, &url, Some(&key)).await.0, 200);

    // Out of the plan, then the plan off the stage.
    c.delete_usage_plan_key()
        .usage_plan_id(&plan)
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, &url, Some(&key)).await, forbidden);
    c.create_usage_plan_key()
        .usage_plan_id(&plan)
        .key_id(&key_id)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, &url, Some(&key)).await.0, 200);
    c.update_usage_plan()
        .usage_plan_id(&plan)
        .patch_operations(patch("remove", "/apiStages", &format!("{api}:dev")))
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, &url, Some(&key)).await, forbidden);

    // INVALID_API_KEY is a gateway response users customise (part of the deployment).
    c.put_gateway_response()
        .rest_api_id(&api)
        .response_type(aws_sdk_apigateway::types::GatewayResponseType::InvalidApiKey)
        .status_code("401")
        .response_templates(
            "application/json",
            "{\"error\": $context.error.messageString, \"type\": \"$context.error.responseType\"}",
        )
        .send()
        .await
        .unwrap();
    deploy(&c, &api, "dev").await;
    let (status, body, _) = call(&s, &url, None).await;
    assert_eq!(status, 401);
    assert_eq!(body, r#"{"error": "Forbidden", "type": "INVALID_API_KEY"}"#);
}

#[tokio::test]
async fn methods_without_a_key_requirement_ignore_keys() {
    let s = Server::start();
    let (_, base) = mock_api(&s, false).await;
    let url = format!("{base}/pets");
    let (status, body, _) = call(&s, &url, Some("whatever")).await;
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"keyId": "", "key": ""}"#);
}

#[tokio::test]
async fn usage_plan_throttle_per_key_is_exact() {
    let s = Server::start();
    let (api, base) = mock_api(&s, true).await;
    let (_, _, key) = plan_with_key(&s, &api, Some((2.0, 5)), None, None).await;
    let o = overload(&format!("{base}/pets"), Some(&key), 4, 3.2).await;
    assert_bound(&o, 2.0, 5.0);
}

#[tokio::test]
async fn usage_plan_method_throttle_is_exact_and_live() {
    let s = Server::start();
    let c = s.sdk();
    let (api, base) = mock_api(&s, true).await;
    // The plan's own limit is high; the method override is what trips.
    let (plan, _, key) = plan_with_key(&s, &api, Some((1000.0, 1000)), None, Some((2.0, 5))).await;
    let o = overload(&format!("{base}/pets"), Some(&key), 4, 3.2).await;
    assert_bound(&o, 2.0, 5.0);
    // Lifting the override takes effect on the next request, without a deployment.
    c.update_usage_plan()
        .usage_plan_id(&plan)
        .patch_operations(patch(
            "remove",
            &format!("/apiStages/{api}:dev/throttle/~1pets/GET"),
            "",
        ))
        .send()
        .await
        .unwrap();
    for _ in 0..20 {
        assert_eq!(call(&s, &format!("{base}/pets"), Some(&key)).await.0, 200);
    }
}

#[tokio::test]
async fn stage_method_throttle_is_exact() {
    let s = Server::start();
    let c = s.sdk();
    let (api, base) = mock_api(&s, false).await;
    c.update_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .patch_operations(patch("replace", "/*/*/throttling/rateLimit", "2"))
        .patch_operations(patch("replace", "/*/*/throttling/burstLimit", "5"))
        .send()
        .await
        .unwrap();
    let o = overload(&format!("{base}/pets"), None, 4, 3.2).await;
    assert_bound(&o, 2.0, 5.0);
}

#[tokio::test]
async fn account_throttle_is_exact() {
    let s = Server::start_args(&["--account-throttle", "2/5"]);
    let account = s.sdk().get_account().send().await.unwrap();
    let t = account.throttle_settings().unwrap();
    assert_eq!((t.rate_limit(), t.burst_limit()), (2.0, 5));
    let (_, base) = mock_api(&s, false).await;
    let o = overload(&format!("{base}/pets"), None, 4, 3.2).await;
    assert_bound(&o, 2.0, 5.0);
}

#[tokio::test]
async fn a_zero_limit_blocks_every_request() {
    let s = Server::start();
    let c = s.sdk();
    let (api, base) = mock_api(&s, true).await;
    let (plan, _, key) = plan_with_key(&s, &api, Some((10.0, 10)), None, None).await;
    // Through a patch: the SDK leaves zero-valued numbers out of a create request.
    c.update_usage_plan()
        .usage_plan_id(&plan)
        .patch_operations(patch("replace", "/throttle/rateLimit", "0"))
        .patch_operations(patch("replace", "/throttle/burstLimit", "0"))
        .send()
        .await
        .unwrap();
    for _ in 0..5 {
        let (status, body, kind) = call(&s, &format!("{base}/pets"), Some(&key)).await;
        assert_eq!(status, 429);
        assert_eq!(body, r#"{"message":"Too Many Requests"}"#);
        assert_eq!(kind.as_deref(), Some("TooManyRequestsException"));
    }
    // A stage method setting of 0 blocks a method that needs no key, too.
    let (api2, base2) = mock_api(&s, false).await;
    c.update_stage()
        .rest_api_id(&api2)
        .stage_name("dev")
        .patch_operations(patch("replace", "/~1pets/GET/throttling/rateLimit", "0"))
        .send()
        .await
        .unwrap();
    assert_eq!(call(&s, &format!("{base2}/pets"), None).await.0, 429);
}

#[tokio::test]
async fn quota_is_enforced_and_survives_restarts() {
    let s = Server::spawn_binary_file();
    let (api, base) = mock_api(&s, true).await;
    let url = format!("{base}/pets");
    // A restarted server listens on another port.
    let url_of = |s: &Server| format!("{}/pets", stage_url(s, &api, "dev"));
    let (_, _, key) = plan_with_key(&s, &api, None, Some(10), None).await;
    for i in 0..10 {
        assert_eq!(call(&s, &url, Some(&key)).await.0, 200, "request {}", i + 1);
    }
    let limited = (
        429,
        r#"{"message":"Limit Exceeded"}"#.to_string(),
        Some("LimitExceededException".to_string()),
    );
    assert_eq!(call(&s, &url, Some(&key)).await, limited);

    // A graceful restart flushes the counters.
    let db = s.db.clone();
    let dir = s.stop();
    let s = Server::spawn_binary_on(&db);
    assert_eq!(call(&s, &url_of(&s), Some(&key)).await, limited);
    // A crash loses at most the last second: wait past a flush, then kill -9.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    s.kill();
    let s = Server::spawn_binary_on(&db);
    assert_eq!(call(&s, &url_of(&s), Some(&key)).await, limited);
    drop(dir);
}

/// The guide's usage plan (burst 100, rate 50) under a burst of 300 concurrent requests:
/// 100 to about 170 admitted in the first second, the rest 429.
#[tokio::test]
async fn the_guides_usage_plan_under_a_burst() {
    let s = Server::start();
    let (api, base) = mock_api(&s, true).await;
    let (_, _, key) = plan_with_key(&s, &api, Some((50.0, 100)), None, None).await;
    let url = format!("{base}/pets");
    let client = reqwest::Client::new();
    let start = Instant::now();
    let tasks: Vec<_> = (0..300)
        .map(|_| {
            let req = client.get(&url).header("x-api-key", &key);
            tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(ok + throttled, 300);
    assert!(
        ok >= 100 && (ok as f64) <= 100.0 + 50.0 * secs,
        "{ok} admitted in {secs:.2} s"
    );
    if secs <= 1.0 {
        assert!(ok <= 170, "{ok} admitted in {secs:.2} s");
    }
}
