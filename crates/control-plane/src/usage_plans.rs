//! UsagePlans and UsagePlanKeys: CreateUsagePlan, GetUsagePlan, GetUsagePlans,
//! UpdateUsagePlan, DeleteUsagePlan, CreateUsagePlanKey, GetUsagePlanKey, GetUsagePlanKeys,
//! DeleteUsagePlanKey
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_UsagePlan.html)).
//!
//! A usage plan key is stored as `{id, type}` under its plan; its `name` and `value` are read
//! from the API key when shown, so renaming a key shows through, as on AWS.

use std::collections::BTreeMap;

use apigw_store::SqliteConnection;
use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use apigw_model::{
    ids, ApiError, ApiKey, ApiStage, QuotaSettings, Scope, StringMap, ThrottleSettings, UsagePlan,
    UsagePlanKey,
};
use apigw_store::typed;

use crate::error::{plan_not_found, Result};
use crate::extract::{AwsJson, Call};
use crate::family;
use crate::paging::{paginate, PageQuery};
use crate::patch::{self, Op, PatchInput, PatchOp};
use crate::validate::{self, Failures};
use crate::{api_keys, reply, tags, wire, AppState};

const PERIODS: &[&str] = &["DAY", "WEEK", "MONTH"];
/// The paths UpdateUsagePlan takes (AWS "Patch operations" for usage plans); listed in the
/// error for any other path.
const PATHS: &[&str] = &[
    "/name",
    "/description",
    "/productCode",
    "/throttle/burstLimit",
    "/throttle/rateLimit",
    "/quota/limit",
    "/quota/offset",
    "/quota/period",
    "/apiStages",
    "/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/burstLimit",
    "/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{httpMethod}/rateLimit",
];

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/usageplans", get(get_usage_plans).post(create_usage_plan))
        .route(
            "/usageplans/{usageplan_id}",
            get(get_usage_plan)
                .patch(update_usage_plan)
                .delete(delete_usage_plan),
        )
        .route(
            "/usageplans/{usageplan_id}/keys",
            get(get_usage_plan_keys).post(create_usage_plan_key),
        )
        .route(
            "/usageplans/{usageplan_id}/keys/{key_id}",
            get(get_usage_plan_key).delete(delete_usage_plan_key),
        )
}

fn plan_key_not_found() -> crate::error::Error {
    ApiError::not_found("Invalid Usage Plan Key identifier specified").into()
}

/// Load a usage plan or answer AWS's 404.
///
/// # Errors
/// `NotFoundException` "Invalid Usage Plan ID specified".
pub async fn load(c: &mut SqliteConnection, scope: &Scope, id: &str) -> Result<UsagePlan> {
    typed::get::<UsagePlan>(c, scope, "", id)
        .await?
        .ok_or_else(plan_not_found)
}

/// The wire form of a plan; `tags: {}` when `tags_always` (GetUsagePlan and UpdateUsagePlan
/// show the empty map, CreateUsagePlan and GetUsagePlans do not: test_usage_plan_crud).
fn view(plan: &UsagePlan, tags_always: bool) -> Result<Value> {
    wire::with_tags(plan, tags_always)
}

/// AWS fills `offset: 0` into any quota (create-usage-plan, update-usage-plan recordings).
fn normalise(plan: &mut UsagePlan) {
    if let Some(q) = &mut plan.quota {
        q.offset.get_or_insert(0);
    }
    if plan
        .throttle
        .as_ref()
        .is_some_and(|t| t.burst_limit.is_none() && t.rate_limit.is_none())
    {
        plan.throttle = None;
    }
    for s in &mut plan.api_stages {
        if s.throttle.as_ref().is_some_and(BTreeMap::is_empty) {
            s.throttle = None;
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateUsagePlanInput {
    name: Option<String>,
    description: Option<String>,
    api_stages: Option<Vec<ApiStage>>,
    throttle: Option<ThrottleSettings>,
    quota: Option<QuotaSettings>,
    tags: Option<StringMap>,
}

/// A plan's throttles (its own and per method) and quota are 0 or more.
///
/// # Errors
/// `BadRequestException` naming the first negative number.
fn check_limits(plan: &UsagePlan) -> Result<()> {
    let per_method = plan
        .api_stages
        .iter()
        .filter_map(|s| s.throttle.as_ref())
        .flat_map(|t| t.values());
    for t in plan.throttle.iter().chain(per_method) {
        if let Some(b) = t.burst_limit {
            validate::not_negative(b as f64, "throttle burst limit")?;
        }
        if let Some(r) = t.rate_limit {
            validate::not_negative(r, "throttle rate limit")?;
        }
    }
    if let Some(q) = &plan.quota {
        if let Some(l) = q.limit {
            validate::not_negative(l as f64, "quota limit")?;
        }
        if let Some(o) = q.offset {
            validate::not_negative(o as f64, "quota offset")?;
        }
    }
    Ok(())
}

async fn stage_exists(
    c: &mut SqliteConnection,
    scope: &Scope,
    api: &str,
    stage: &str,
) -> Result<bool> {
    Ok(!api.is_empty()
        && !stage.is_empty()
        && typed::exists::<apigw_model::RestApi>(c, scope, "", api).await?
        && typed::exists::<apigw_model::Stage>(c, scope, api, stage).await?)
}

async fn create_usage_plan(
    Call { st, scope }: Call,
    AwsJson(input): AwsJson<CreateUsagePlanInput>,
) -> Result<Response> {
    let name = match input.name {
        None => {
            return Err(ApiError::validation(
                "null",
                "createUsagePlanInput.name",
                "Member must not be null",
            )
            .into())
        }
        Some(n) => n,
    };
    let mut failures = Failures::default();
    failures.check_enum(
        input.quota.as_ref().and_then(|q| q.period.as_deref()),
        "createUsagePlanInput.quota.period",
        PERIODS,
    );
    failures.finish()?;
    if let Some(t) = &input.tags {
        tags::validate(t)?;
    }
    let mut plan = UsagePlan {
        id: ids::short_id(),
        name,
        description: input.description,
        api_stages: input.api_stages.unwrap_or_default(),
        throttle: input.throttle,
        quota: input.quota,
        product_code: None,
        tags: input.tags.filter(|t| !t.is_empty()),
    };
    normalise(&mut plan);
    check_limits(&plan)?;
    let mut tx = st.store.write().await?;
    for s in &plan.api_stages {
        let (api, stage) = (
            s.api_id.as_deref().unwrap_or(""),
            s.stage.as_deref().unwrap_or(""),
        );
        if !stage_exists(&mut tx, &scope, api, stage).await? {
            // AWS's CreateUsagePlan answer really carries the unformatted placeholders
            // (aws/aws-sdk#354, aws/aws-cdk#6169).
            return Err(ApiError::bad_request(
                "Invalid API Stage {api: %s, stage: %s} specified for usageplan %s",
            )
            .into());
        }
    }
    typed::insert(&mut tx, &scope, "", &plan.id, &plan).await?;
    st.commit_keys_change(tx, &scope).await?;
    reply::created(&view(&plan, false)?)
}

async fn get_usage_plan(Call { st, scope }: Call, Path(id): Path<String>) -> Result<Response> {
    let mut c = st.store.read().await?;
    reply::ok(&view(&load(&mut c, &scope, &id).await?, true)?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetUsagePlansQuery {
    /// `position` and `limit`.
    #[serde(flatten)]
    page: PageQuery,
    key_id: Option<String>,
}

async fn get_usage_plans(
    Call { st, scope }: Call,
    Query(q): Query<GetUsagePlansQuery>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    let mut all: Vec<UsagePlan> = typed::list(&mut c, &scope, "").await?;
    if let Some(key) = q.key_id.as_deref().filter(|k| !k.is_empty()) {
        let mut holding = Vec::new();
        for p in all {
            if typed::exists::<UsagePlanKey>(&mut c, &scope, &p.id, key).await? {
                holding.push(p);
            }
        }
        all = holding;
    }
    let page = paginate(all, &q.page)?;
    reply::ok(&page)
}

/// An API stage named in a patch: `{apiId}:{stage}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRef {
    /// The rest API id.
    pub api: String,
    /// The stage name.
    pub stage: String,
}

impl StageRef {
    fn parse(v: Option<&str>) -> Result<Self> {
        let invalid = || ApiError::bad_request("Invalid API Stage specified");
        let (api, stage) = v.ok_or_else(invalid)?.split_once(':').ok_or_else(invalid)?;
        if api.is_empty() || stage.is_empty() || stage.contains(':') {
            return Err(invalid().into());
        }
        Ok(Self {
            api: api.into(),
            stage: stage.into(),
        })
    }

    /// AWS's 404 for a stage that does not exist or is not in the plan
    /// (update-wrong-api-stages-wrong-api / -wrong-stage).
    fn not_found(&self, plan: &str) -> crate::error::Error {
        ApiError::not_found(format!(
            "Invalid API Stage {{api: {}, stage: {}}} specified for usageplan {plan}",
            self.api, self.stage
        ))
        .into()
    }

    fn matches(&self, s: &ApiStage) -> bool {
        s.api_id.as_deref() == Some(self.api.as_str())
            && s.stage.as_deref() == Some(self.stage.as_str())
    }
}

fn stage_in_plan<'a>(plan: &'a mut UsagePlan, r: &StageRef) -> Result<&'a mut ApiStage> {
    let id = plan.id.clone();
    plan.api_stages
        .iter_mut()
        .find(|s| r.matches(s))
        .ok_or_else(|| r.not_found(&id))
}

/// Apply UpdateUsagePlan's patch operations to `plan` (pure, so it is tested without a
/// server). Returns the API stages the ops name, whose existence the caller checks.
///
/// # Errors
/// AWS's `BadRequestException`/`NotFoundException` for a path, op or value it refuses.
pub fn apply_patch(plan: &mut UsagePlan, ops: &[PatchOp]) -> Result<Vec<StageRef>> {
    let mut named = Vec::new();
    patch::each(ops, |op, segs| {
        let set = matches!(op.op, Op::Replace | Op::Add);
        match (op.op, segs) {
            (Op::Replace, ["name"]) => {
                plan.name = op.name_value("Invalid usage plan name specified")?
            }
            (Op::Replace, ["description"]) => plan.description = op.value_or_clear(),
            // The AWS Marketplace product code is one string: `add` sets it as `replace` does
            // (JSON Patch's add on a member), `remove` detaches the plan from the product.
            (_, ["productCode"]) if set => plan.product_code = op.value_or_clear(),
            (Op::Remove, ["productCode"]) => plan.product_code = None,
            (_, ["throttle", "burstLimit"]) if set => {
                plan.throttle
                    .get_or_insert_with(Default::default)
                    .burst_limit = Some(op.int_value()?)
            }
            (_, ["throttle", "rateLimit"]) if set => {
                plan.throttle
                    .get_or_insert_with(Default::default)
                    .rate_limit = Some(op.float_value()?)
            }
            (Op::Remove, ["throttle"]) => plan.throttle = None,
            (Op::Remove, ["throttle", "burstLimit"]) => {
                if let Some(t) = &mut plan.throttle {
                    t.burst_limit = None;
                }
            }
            (Op::Remove, ["throttle", "rateLimit"]) => {
                if let Some(t) = &mut plan.throttle {
                    t.rate_limit = None;
                }
            }
            (_, ["quota", "limit"]) if set => {
                plan.quota.get_or_insert_with(Default::default).limit = Some(op.int_value()?)
            }
            (_, ["quota", "offset"]) if set => {
                plan.quota.get_or_insert_with(Default::default).offset = Some(op.int_value()?)
            }
            (_, ["quota", "period"]) if set => {
                let v = op.value()?;
                let mut f = Failures::default();
                f.check_enum(Some(v), "updateUsagePlanInput.quota.period", PERIODS);
                f.finish()?;
                plan.quota.get_or_insert_with(Default::default).period = Some(v.to_string());
            }
            (Op::Remove, ["quota"]) => plan.quota = None,
            (Op::Add, ["apiStages"]) => {
                let r = StageRef::parse(op.value.as_deref())?;
                if !plan.api_stages.iter().any(|s| r.matches(s)) {
                    plan.api_stages.push(ApiStage {
                        api_id: Some(r.api.clone()),
                        stage: Some(r.stage.clone()),
                        throttle: None,
                    });
                }
                named.push(r);
            }
            (Op::Remove, ["apiStages"]) => {
                let r = StageRef::parse(op.value.as_deref())?;
                stage_in_plan(plan, &r)?;
                plan.api_stages.retain(|s| !r.matches(s));
                named.push(r);
            }
            (_, ["apiStages", stage, "throttle", path, method, limit]) if set => {
                let r = StageRef::parse(Some(stage))?;
                let s = stage_in_plan(plan, &r)?;
                let entry = s
                    .throttle
                    .get_or_insert_with(Default::default)
                    .entry(format!("{path}/{method}"))
                    .or_default();
                match *limit {
                    "burstLimit" => entry.burst_limit = Some(op.int_value()?),
                    "rateLimit" => entry.rate_limit = Some(op.float_value()?),
                    _ => return Err(op.invalid_path(PATHS)),
                }
            }
            (Op::Remove, ["apiStages", stage, "throttle", path, method]) => {
                let r = StageRef::parse(Some(stage))?;
                if let Some(t) = &mut stage_in_plan(plan, &r)?.throttle {
                    t.remove(&format!("{path}/{method}"));
                }
            }
            (Op::Remove, ["apiStages", stage, "throttle"]) => {
                let r = StageRef::parse(Some(stage))?;
                stage_in_plan(plan, &r)?.throttle = None;
            }
            _ => return Err(op.invalid_path(PATHS)),
        }
        Ok(())
    })?;
    normalise(plan);
    // AWS shows `tags: {}` on an updated plan (test_usage_plan_crud, update-usage-plan).
    plan.tags.get_or_insert_with(Default::default);
    Ok(named)
}

async fn update_usage_plan(
    Call { st, scope }: Call,
    Path(id): Path<String>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateUsagePlanInput")?;
    let mut tx = st.store.write().await?;
    let mut plan = load(&mut tx, &scope, &id).await?;
    let named = apply_patch(&mut plan, &ops)?;
    check_limits(&plan)?;
    for r in &named {
        if !stage_exists(&mut tx, &scope, &r.api, &r.stage).await? {
            return Err(r.not_found(&id));
        }
    }
    typed::update(&mut tx, &scope, "", &id, &plan).await?;
    st.commit_keys_change(tx, &scope).await?;
    reply::ok(&view(&plan, true)?)
}

async fn delete_usage_plan(Call { st, scope }: Call, Path(id): Path<String>) -> Result<Response> {
    let mut tx = st.store.write().await?;
    if !typed::delete::<UsagePlan>(&mut tx, &scope, "", &id).await? {
        return Err(plan_not_found());
    }
    typed::delete_children::<UsagePlanKey>(&mut tx, &scope, &id).await?;
    apigw_store::usage::delete_plan(&mut tx, &scope, &id, None).await?;
    st.commit_keys_change(tx, &scope).await?;
    reply::accepted()
}

// ---------------------------------------------------------------------------------------
// Usage plan keys
// ---------------------------------------------------------------------------------------

/// A usage plan key as shown: the API key's name and value filled in.
fn key_view(key: &ApiKey) -> UsagePlanKey {
    UsagePlanKey {
        id: key.id.clone(),
        key_type: "API_KEY".into(),
        value: key.value.clone(),
        name: key.name.clone(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateUsagePlanKeyInput {
    key_id: Option<String>,
    key_type: Option<String>,
}

async fn create_usage_plan_key(
    Call { st, scope }: Call,
    Path(plan_id): Path<String>,
    AwsJson(input): AwsJson<CreateUsagePlanKeyInput>,
) -> Result<Response> {
    let mut failures = Failures::default();
    if input.key_id.is_none() {
        failures.push(
            "null",
            "createUsagePlanKeyInput.keyId",
            "Member must not be null",
        );
    }
    if input.key_type.is_none() {
        failures.push(
            "null",
            "createUsagePlanKeyInput.keyType",
            "Member must not be null",
        );
    }
    failures.finish()?;
    let (key_id, key_type) = (
        input.key_id.unwrap_or_default(),
        input.key_type.unwrap_or_default(),
    );
    if key_type != "API_KEY" {
        return Err(
            ApiError::bad_request(format!("Invalid key type specified: {key_type}")).into(),
        );
    }
    let mut tx = st.store.write().await?;
    load(&mut tx, &scope, &plan_id).await?;
    let key = api_keys::load(&mut tx, &scope, &key_id).await?;
    let upk = UsagePlanKey {
        id: key.id.clone(),
        key_type: "API_KEY".into(),
        value: None,
        name: None,
    };
    let exists = format!("Usage Plan {plan_id} already contains the API Key {key_id}");
    family::insert_new(&mut tx, &scope, &plan_id, &key.id, &upk, exists).await?;
    st.commit_keys_change(tx, &scope).await?;
    reply::created(&key_view(&key))
}

async fn get_usage_plan_key(
    Call { st, scope }: Call,
    Path((plan_id, key_id)): Path<(String, String)>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    load(&mut c, &scope, &plan_id).await?;
    if !typed::exists::<UsagePlanKey>(&mut c, &scope, &plan_id, &key_id).await? {
        return Err(plan_key_not_found());
    }
    let key: ApiKey = typed::get(&mut c, &scope, "", &key_id)
        .await?
        .ok_or_else(plan_key_not_found)?;
    reply::ok(&key_view(&key))
}

#[derive(Debug, Default, Deserialize)]
struct GetUsagePlanKeysQuery {
    /// `position` and `limit`.
    #[serde(flatten)]
    page: PageQuery,
    name: Option<String>,
}

async fn get_usage_plan_keys(
    Call { st, scope }: Call,
    Path(plan_id): Path<String>,
    Query(q): Query<GetUsagePlanKeysQuery>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    // An unknown plan lists no keys rather than a 404 (get-up-keys-bad-usage-plan).
    let attached: Vec<UsagePlanKey> = typed::list(&mut c, &scope, &plan_id).await?;
    let mut shown = Vec::new();
    // Newest first, as AWS lists them (get-up-keys in the recordings).
    for k in attached.iter().rev() {
        if let Some(key) = typed::get::<ApiKey>(&mut c, &scope, "", &k.id).await? {
            shown.push(key_view(&key));
        }
    }
    // `name` is a case-sensitive prefix match (get-up-keys-name-query[-cased]).
    if let Some(prefix) = q.name.as_deref().filter(|n| !n.is_empty()) {
        shown.retain(|k| k.name.as_deref().is_some_and(|n| n.starts_with(prefix)));
    }
    reply::ok(&paginate(shown, &q.page)?)
}

async fn delete_usage_plan_key(
    Call { st, scope }: Call,
    Path((plan_id, key_id)): Path<(String, String)>,
) -> Result<Response> {
    let mut tx = st.store.write().await?;
    load(&mut tx, &scope, &plan_id).await?;
    if !typed::delete::<UsagePlanKey>(&mut tx, &scope, &plan_id, &key_id).await? {
        return Err(plan_key_not_found());
    }
    apigw_store::usage::delete_plan(&mut tx, &scope, &plan_id, Some(&key_id)).await?;
    st.commit_keys_change(tx, &scope).await?;
    reply::accepted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ops;

    fn plan() -> UsagePlan {
        UsagePlan {
            id: "p1".into(),
            name: "n".into(),
            api_stages: vec![ApiStage {
                api_id: Some("api".into()),
                stage: Some("dev".into()),
                throttle: None,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn product_code_is_added_replaced_and_removed() {
        let mut p = plan();
        apply_patch(&mut p, &ops(&[("add", "/productCode", Some("pc1"))])).unwrap();
        assert_eq!(p.product_code.as_deref(), Some("pc1"));
        apply_patch(&mut p, &ops(&[("replace", "/productCode", Some("pc2"))])).unwrap();
        assert_eq!(p.product_code.as_deref(), Some("pc2"));
        apply_patch(&mut p, &ops(&[("remove", "/productCode", None)])).unwrap();
        assert_eq!(p.product_code, None);
    }

    #[test]
    fn throttle_and_quota() {
        // test_usage_plan_crud, update-usage-plan: offset 0 appears, rateLimit is a double.
        let mut p = plan();
        apply_patch(
            &mut p,
            &ops(&[
                ("replace", "/throttle/burstLimit", Some("100")),
                ("replace", "/throttle/rateLimit", Some("200")),
                ("replace", "/quota/limit", Some("5000")),
                ("replace", "/quota/period", Some("MONTH")),
            ]),
        )
        .unwrap();
        let v = view(&p, true).unwrap();
        assert_eq!(
            v["throttle"],
            serde_json::json!({"burstLimit": 100, "rateLimit": 200.0})
        );
        assert_eq!(
            v["quota"],
            serde_json::json!({"limit": 5000, "offset": 0, "period": "MONTH"})
        );
        assert_eq!(v["tags"], serde_json::json!({}));
        let e =
            apply_patch(&mut p, &ops(&[("replace", "/quota/period", Some("YEAR"))])).unwrap_err();
        assert_eq!(e.0.kind, apigw_model::ErrorKind::Validation);
        apply_patch(&mut p, &ops(&[("remove", "/throttle", None)])).unwrap();
        assert!(p.throttle.is_none());
    }

    #[test]
    fn api_stage_errors_match_aws() {
        let mut p = plan();
        // test_usage_plan_crud: update-wrong-api-stages-no-value / -wrong-value
        for v in [None, Some("apidev")] {
            let e = apply_patch(&mut p, &ops(&[("remove", "/apiStages", v)])).unwrap_err();
            assert_eq!(e.0.message, "Invalid API Stage specified");
        }
        let e =
            apply_patch(&mut p, &ops(&[("remove", "/apiStages", Some("api:fake"))])).unwrap_err();
        assert_eq!(
            e.0.message,
            "Invalid API Stage {api: api, stage: fake} specified for usageplan p1"
        );
        assert_eq!(e.0.kind, apigw_model::ErrorKind::NotFound);
    }

    #[test]
    fn method_throttles() {
        let mut p = plan();
        let named = apply_patch(
            &mut p,
            &ops(&[
                (
                    "replace",
                    "/apiStages/api:dev/throttle/~1pets/GET/rateLimit",
                    Some("10"),
                ),
                (
                    "replace",
                    "/apiStages/api:dev/throttle/~1pets/GET/burstLimit",
                    Some("5"),
                ),
                ("add", "/apiStages", Some("api2:prod")),
            ]),
        )
        .unwrap();
        assert_eq!(
            named,
            [StageRef {
                api: "api2".into(),
                stage: "prod".into()
            }]
        );
        let t = p.api_stages[0].throttle.as_ref().unwrap();
        assert_eq!(
            t["/pets/GET"],
            ThrottleSettings {
                burst_limit: Some(5),
                rate_limit: Some(10.0)
            }
        );
        apply_patch(
            &mut p,
            &ops(&[("remove", "/apiStages/api:dev/throttle/~1pets/GET", None)]),
        )
        .unwrap();
        assert!(p.api_stages[0].throttle.is_none());
        let e = apply_patch(&mut p, &ops(&[("replace", "/id", Some("x"))])).unwrap_err();
        assert!(e.0.message.starts_with(
            "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/name,"
        ));
    }
}
