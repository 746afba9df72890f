//! ApiKeys: CreateApiKey, ImportApiKeys, GetApiKey, GetApiKeys, UpdateApiKey, DeleteApiKey
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_ApiKey.html),
//! [key file format](https://docs.aws.amazon.com/apigateway/latest/developerguide/api-key-file-format.html)).
//!
//! An API key's `value` is stored always but shown only by CreateApiKey and when a Get asks
//! for it (`includeValue`/`includeValues`). Values are unique per account and region.

use std::collections::BTreeSet;

use apigw_store::SqliteConnection;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use apigw_model::{ids, ApiError, ApiKey, Scope, StringMap, UsagePlanKey};
use apigw_store::typed;

use crate::error::{key_not_found, Result};
use crate::extract::{parse_json, Call};
use crate::paging::{paginate, Page, PageQuery};
use crate::patch::{self, Op, PatchInput, PatchOp};
use crate::validate::Failures;
use crate::wire::{self, java_bool};
use crate::{now_epoch, reply, tags, AppState};

const MAX_NAME: usize = 1024;
const MIN_VALUE: usize = 20;
const MAX_VALUE: usize = 128;
const MAX_DESCRIPTION: usize = 125_000;
/// The paths UpdateApiKey's `replace` takes, in the order AWS lists them
/// (test_apigateway_extended.snapshot.json, update-api-key-immutable-field).
const REPLACE_PATHS: &[&str] = &["/description", "/enabled", "/name", "/customerId"];

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apikeys", get(get_api_keys).post(create_or_import))
        .route(
            "/apikeys/{api_key}",
            get(get_api_key)
                .patch(update_api_key)
                .delete(delete_api_key),
        )
}

/// Load an API key or answer AWS's 404.
///
/// # Errors
/// `NotFoundException` "Invalid API Key identifier specified".
pub async fn load(c: &mut SqliteConnection, scope: &Scope, id: &str) -> Result<ApiKey> {
    typed::get::<ApiKey>(c, scope, "", id)
        .await?
        .ok_or_else(key_not_found)
}

/// The wire form of a key: the value only when asked for, and `tags: {}` when `tags_always`
/// (AWS shows the empty map on Get/Update answers, not on Create or in lists).
fn view(key: &ApiKey, include_value: bool, tags_always: bool) -> Result<Value> {
    let mut shown = key.clone();
    if !include_value {
        shown.value = None;
    }
    wire::with_tags(&shown, tags_always)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StageKeyInput {
    rest_api_id: Option<String>,
    stage_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateApiKeyInput {
    name: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
    // Accepted and ignored: every key gets a distinct id anyway.
    #[allow(dead_code)]
    generate_distinct_id: Option<bool>,
    value: Option<String>,
    stage_keys: Option<Vec<StageKeyInput>>,
    customer_id: Option<String>,
    tags: Option<StringMap>,
}

/// The name, value and description limits of CreateApiKey, with AWS's messages
/// (test_create_api_key_with_invalid_name / _invalid_value / _invalid_description_length).
fn check_key_fields(
    name: Option<&str>,
    value: Option<&str>,
    description: Option<&str>,
) -> Result<()> {
    if name.is_some_and(|n| n.chars().count() > MAX_NAME) {
        return Err(
            ApiError::bad_request("Invalid API Key name, can be at most 1024 characters.").into(),
        );
    }
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        let n = v.chars().count();
        if n > MAX_VALUE {
            return Err(ApiError::bad_request(
                "API Key value exceeds maximum size of 128 characters",
            )
            .into());
        }
        if n < MIN_VALUE {
            return Err(
                ApiError::bad_request("API Key value should be at least 20 characters").into(),
            );
        }
    }
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
        return Err(ApiError::bad_request("Invalid API Key description specified.").into());
    }
    Ok(())
}

/// Check that every `{restApiId}/{stageName}` names an existing stage.
async fn check_stage_keys(c: &mut SqliteConnection, scope: &Scope, keys: &[String]) -> Result<()> {
    for k in keys {
        let (api, stage) = k.split_once('/').unwrap_or((k.as_str(), ""));
        if api.is_empty()
            || stage.is_empty()
            || !typed::exists::<apigw_model::Stage>(c, scope, api, stage).await?
        {
            // AWS's answer when a stage key names no stage (seen from CloudFormation's
            // AWS::ApiGateway::ApiKey with StageKeys).
            return Err(ApiError::not_found("Invalid stage identifier specified").into());
        }
    }
    Ok(())
}

fn has_query_flag(uri: &Uri, key: &str, value: &str) -> bool {
    uri.query()
        .is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == key && v == value))
}

/// `POST /apikeys` is CreateApiKey; `POST /apikeys?mode=import` is ImportApiKeys.
async fn create_or_import(Call { st, scope }: Call, uri: Uri, body: Bytes) -> Result<Response> {
    if has_query_flag(&uri, "mode", "import") {
        return import_api_keys(st, scope, &uri, &body).await;
    }
    let input: CreateApiKeyInput = parse_json(&body)?;
    create_api_key(st, scope, input).await
}

async fn create_api_key(st: AppState, scope: Scope, input: CreateApiKeyInput) -> Result<Response> {
    check_key_fields(
        input.name.as_deref(),
        input.value.as_deref(),
        input.description.as_deref(),
    )?;
    if let Some(t) = &input.tags {
        tags::validate(t)?;
    }
    let stage_keys: Vec<String> = input
        .stage_keys
        .unwrap_or_default()
        .into_iter()
        .map(|k| {
            format!(
                "{}/{}",
                k.rest_api_id.unwrap_or_default(),
                k.stage_name.unwrap_or_default()
            )
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let value = input
        .value
        .filter(|v| !v.is_empty())
        .unwrap_or_else(ids::api_key_value);
    let now = now_epoch();
    let key = ApiKey {
        id: ids::long_id(),
        value: Some(value.clone()),
        // AWS drops an empty name (create-api-key-empty-name).
        name: input.name.filter(|n| !n.is_empty()),
        customer_id: input.customer_id,
        description: input.description,
        enabled: input.enabled.unwrap_or(false),
        created_date: now,
        last_updated_date: now,
        stage_keys,
        tags: input.tags.filter(|t| !t.is_empty()),
    };
    let mut tx = st.store.write().await?;
    check_stage_keys(&mut tx, &scope, &key.stage_keys).await?;
    let all: Vec<ApiKey> = typed::list(&mut tx, &scope, "").await?;
    if all
        .iter()
        .any(|k| k.value.as_deref() == Some(value.as_str()))
    {
        return Err(ApiError::conflict("API Key already exists").into());
    }
    typed::insert(&mut tx, &scope, "", &key.id, &key).await?;
    st.commit_keys_change(tx, &scope).await?;
    reply::created(&view(&key, true, false)?)
}

#[derive(Debug, Default, Deserialize)]
struct GetApiKeyQuery {
    #[serde(rename = "includeValue")]
    include_value: Option<String>,
}

async fn get_api_key(
    Call { st, scope }: Call,
    Path(id): Path<String>,
    Query(q): Query<GetApiKeyQuery>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    let key = load(&mut c, &scope, &id).await?;
    let include = java_bool(q.include_value.as_deref());
    reply::ok(&view(&key, include, true)?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetApiKeysQuery {
    /// `position` and `limit`.
    #[serde(flatten)]
    page: PageQuery,
    name: Option<String>,
    customer_id: Option<String>,
    include_values: Option<String>,
}

async fn get_api_keys(
    Call { st, scope }: Call,
    Query(q): Query<GetApiKeysQuery>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    let mut all: Vec<ApiKey> = typed::list(&mut c, &scope, "").await?;
    // AWS lists the newest key first (get-api-keys-after-create-2 in the recordings).
    all.reverse();
    // `name` is a case-sensitive prefix match (get-api-keys-prefix-name-query[-cased],
    // -postfix-, -infix-).
    if let Some(prefix) = q.name.as_deref().filter(|n| !n.is_empty()) {
        all.retain(|k| k.name.as_deref().is_some_and(|n| n.starts_with(prefix)));
    }
    if let Some(customer) = q.customer_id.as_deref().filter(|n| !n.is_empty()) {
        all.retain(|k| k.customer_id.as_deref() == Some(customer));
    }
    // AWS answers `limit=-1` with a normal page, not an error (get-api-keys-invalid-limit):
    // an out-of-range limit counts as absent here.
    let limit = q
        .page
        .limit
        .filter(|l| l.parse::<i64>().is_ok_and(|n| (1..=500).contains(&n)));
    let page = paginate(
        all,
        &PageQuery {
            position: q.page.position,
            limit,
        },
    )?;
    let include = java_bool(q.include_values.as_deref());
    let item = page
        .item
        .iter()
        .map(|k| view(k, include, false))
        .collect::<Result<Vec<_>>>()?;
    reply::ok(&Page {
        item,
        position: page.position,
    })
}

/// Apply UpdateApiKey's patch operations to `key` (pure, so it is tested without a server).
///
/// # Errors
/// AWS's `BadRequestException` for a path or value it refuses.
pub fn apply_patch(key: &mut ApiKey, ops: &[PatchOp]) -> Result<()> {
    patch::each(ops, |op, segs| {
        match (op.op, segs) {
            (Op::Replace, ["name"]) => {
                let v = op.value.clone().unwrap_or_default();
                check_key_fields(Some(&v), None, None)?;
                key.name = Some(v).filter(|v| !v.is_empty());
            }
            (Op::Replace, ["description"]) => {
                check_key_fields(None, None, op.value.as_deref())?;
                key.description = op.value.clone();
            }
            (Op::Replace, ["enabled"]) => {
                key.enabled = java_bool(op.value.as_deref());
            }
            (Op::Replace, ["customerId"]) => key.customer_id = op.value.clone(),
            (Op::Add, ["stages"]) => {
                let v = op.value()?.to_string();
                if !key.stage_keys.contains(&v) {
                    key.stage_keys.push(v);
                }
            }
            (Op::Remove, ["stages"]) => {
                let v = op.value()?;
                key.stage_keys.retain(|s| s != v);
            }
            _ => return Err(op.invalid_path(REPLACE_PATHS)),
        }
        Ok(())
    })?;
    // AWS shows `tags: {}` once a key has been updated (update-api-key-name).
    key.tags.get_or_insert_with(Default::default);
    Ok(())
}

async fn update_api_key(
    Call { st, scope }: Call,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let input: PatchInput = parse_json(&body)?;
    let ops = patch::parse(input, "updateApiKeyInput")?;
    let mut tx = st.store.write().await?;
    let mut key = load(&mut tx, &scope, &id).await?;
    let before: BTreeSet<String> = key.stage_keys.iter().cloned().collect();
    apply_patch(&mut key, &ops)?;
    let added: Vec<String> = key
        .stage_keys
        .iter()
        .filter(|s| !before.contains(*s))
        .cloned()
        .collect();
    check_stage_keys(&mut tx, &scope, &added).await?;
    key.last_updated_date = now_epoch();
    typed::update(&mut tx, &scope, "", &id, &key).await?;
    st.commit_keys_change(tx, &scope).await?;
    reply::ok(&view(&key, false, true)?)
}

async fn delete_api_key(Call { st, scope }: Call, Path(id): Path<String>) -> Result<Response> {
    let mut tx = st.store.write().await?;
    if !typed::delete::<ApiKey>(&mut tx, &scope, "", &id).await? {
        return Err(key_not_found());
    }
    // A deleted key leaves every usage plan it was attached to.
    let attached: Vec<(String, UsagePlanKey)> =
        typed::list_all::<UsagePlanKey>(&mut tx, &scope).await?;
    for (plan, k) in attached.iter().filter(|(_, k)| k.id == id) {
        typed::delete::<UsagePlanKey>(&mut tx, &scope, plan, &k.id).await?;
        // Its counters go with it, as DeleteUsagePlanKey drops them.
        apigw_store::usage::delete_plan(&mut tx, &scope, plan, Some(&k.id)).await?;
    }
    st.commit_keys_change(tx, &scope).await?;
    reply::accepted()
}

// ---------------------------------------------------------------------------------------
// ImportApiKeys
// ---------------------------------------------------------------------------------------

/// ImportApiKeys' answer: the ids imported and the rows skipped.
#[derive(Debug, Serialize)]
struct ApiKeyIds {
    ids: Vec<String>,
    warnings: Vec<String>,
}

/// Split CSV text into records. Fields may be quoted with `"` (a doubled `""` is a literal
/// quote) or `'`, as the key file format allows for `UsagePlanIds`; blank lines are skipped.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quote: Option<char> = None;
    let mut quoted_field = false;
    let mut chars = text.chars().peekable();
    let mut end_record = |record: &mut Vec<String>, field: &mut String, quoted: &mut bool| {
        let f = std::mem::take(field);
        let blank = record.is_empty() && f.trim().is_empty() && !*quoted;
        record.push(if *quoted { f } else { f.trim().to_string() });
        *quoted = false;
        let r = std::mem::take(record);
        if !blank {
            records.push(r);
        }
    };
    while let Some(ch) = chars.next() {
        match quote {
            Some(q) if ch == q => {
                if q == '"' && chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quote = None;
                }
            }
            Some(_) => field.push(ch),
            None => match ch {
                '"' | '\'' if field.trim().is_empty() => {
                    field.clear();
                    quote = Some(ch);
                    quoted_field = true;
                }
                ',' => {
                    let f = std::mem::take(&mut field);
                    record.push(if quoted_field {
                        f
                    } else {
                        f.trim().to_string()
                    });
                    quoted_field = false;
                }
                '\r' => {}
                '\n' => end_record(&mut record, &mut field, &mut quoted_field),
                _ => field.push(ch),
            },
        }
    }
    if !field.is_empty() || !record.is_empty() || quoted_field {
        end_record(&mut record, &mut field, &mut quoted_field);
    }
    records
}

/// One row of a key file, after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    /// The key's name.
    pub name: String,
    /// The key's value (20–128 characters).
    pub key: String,
    /// Optional description.
    pub description: Option<String>,
    /// `Enabled`, true when absent or empty (the documented default).
    pub enabled: bool,
    /// Usage plans to attach the key to.
    pub usage_plan_ids: Vec<String>,
}

/// Read a key file: rows that pass, and one warning per row that does not.
///
/// # Errors
/// `BadRequestException` when the header lacks the `Name` or `Key` column.
pub fn parse_key_file(text: &str) -> Result<(Vec<ImportRow>, Vec<String>)> {
    let records = parse_csv(text);
    let Some((header, rows)) = records.split_first() else {
        return Err(ApiError::bad_request(
            "Invalid API key file: the header must contain the Name and Key columns",
        )
        .into());
    };
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(name_at), Some(key_at)) = (col("name"), col("key")) else {
        return Err(ApiError::bad_request(
            "Invalid API key file: the header must contain the Name and Key columns",
        )
        .into());
    };
    let (desc_at, enabled_at, plans_at) = (col("description"), col("enabled"), col("usageplanids"));
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        let cell = |at: Option<usize>| at.and_then(|a| row.get(a)).map(String::as_str);
        let name = cell(Some(name_at)).unwrap_or("").to_string();
        let key = cell(Some(key_at)).unwrap_or("").to_string();
        if let Err(e) = check_key_fields(Some(&name), Some(&key), cell(desc_at)) {
            warnings.push(format!("Line {line}: {}", e.0.message));
            continue;
        }
        if key.is_empty() {
            warnings.push(format!(
                "Line {line}: API Key value should be at least 20 characters"
            ));
            continue;
        }
        let enabled = match cell(enabled_at).map(str::trim) {
            None | Some("") => true,
            Some(v) => java_bool(Some(v)),
        };
        let usage_plan_ids = cell(plans_at)
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        out.push(ImportRow {
            name,
            key,
            description: cell(desc_at).filter(|d| !d.is_empty()).map(str::to_string),
            enabled,
            usage_plan_ids,
        });
    }
    Ok((out, warnings))
}

async fn import_api_keys(st: AppState, scope: Scope, uri: &Uri, body: &[u8]) -> Result<Response> {
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let param = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match param("format") {
        None => {
            return Err(ApiError::validation("null", "format", "Member must not be null").into())
        }
        Some(f) => {
            let mut failures = Failures::default();
            failures.check_enum(Some(f), "format", &["csv"]);
            failures.finish()?;
        }
    }
    let fail_on_warnings = java_bool(param("failonwarnings"));
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("Invalid API key file: not UTF-8 text"))?;
    let (rows, mut warnings) = parse_key_file(text)?;

    let mut tx = st.store.write().await?;
    let mut existing: Vec<ApiKey> = typed::list(&mut tx, &scope, "").await?;
    // Validate every usage plan before writing anything.
    let mut accepted = Vec::new();
    for row in rows {
        let mut missing = None;
        for plan in &row.usage_plan_ids {
            if !typed::exists::<apigw_model::UsagePlan>(&mut tx, &scope, "", plan).await? {
                missing = Some(plan.clone());
                break;
            }
        }
        match missing {
            Some(plan) => warnings.push(format!("Invalid Usage Plan ID specified: {plan}")),
            None => accepted.push(row),
        }
    }
    if fail_on_warnings && !warnings.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Warnings found during import: {}",
            warnings.join("; ")
        ))
        .into());
    }
    let now = now_epoch();
    let mut imported = Vec::new();
    for row in accepted {
        // "Two API keys are identical if they have the same key value": the latest import of
        // a value overwrites the key that holds it.
        let key = match existing
            .iter_mut()
            .find(|k| k.value.as_deref() == Some(row.key.as_str()))
        {
            Some(k) => {
                k.name = Some(row.name.clone()).filter(|n| !n.is_empty());
                k.description = row.description.clone();
                k.enabled = row.enabled;
                k.last_updated_date = now;
                typed::update(&mut tx, &scope, "", &k.id, &*k).await?;
                k.clone()
            }
            None => {
                let k = ApiKey {
                    id: ids::long_id(),
                    value: Some(row.key.clone()),
                    name: Some(row.name.clone()).filter(|n| !n.is_empty()),
                    description: row.description.clone(),
                    enabled: row.enabled,
                    created_date: now,
                    last_updated_date: now,
                    ..Default::default()
                };
                typed::insert(&mut tx, &scope, "", &k.id, &k).await?;
                existing.push(k.clone());
                k
            }
        };
        for plan in &row.usage_plan_ids {
            let upk = UsagePlanKey {
                id: key.id.clone(),
                key_type: "API_KEY".into(),
                value: None,
                name: None,
            };
            typed::upsert(&mut tx, &scope, plan, &key.id, &upk).await?;
        }
        if !imported.contains(&key.id) {
            imported.push(key.id);
        }
    }
    st.commit_keys_change(tx, &scope).await?;
    reply::created(&ApiKeyIds {
        ids: imported,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ops;

    #[test]
    fn patch_accepts_the_documented_paths() {
        let mut k = ApiKey::default();
        apply_patch(
            &mut k,
            &ops(&[
                ("replace", "/name", Some("n")),
                ("replace", "/description", Some("d")),
                ("replace", "/enabled", Some("TRUE")),
                ("replace", "/customerId", Some("c")),
                ("add", "/stages", Some("api/dev")),
                ("add", "/stages", Some("api/prod")),
                ("remove", "/stages", Some("api/dev")),
            ]),
        )
        .unwrap();
        assert_eq!(k.name.as_deref(), Some("n"));
        assert_eq!(k.description.as_deref(), Some("d"));
        assert!(k.enabled);
        assert_eq!(k.customer_id.as_deref(), Some("c"));
        assert_eq!(k.stage_keys, ["api/prod"]);
        assert_eq!(k.tags, Some(Default::default()));
        // update-api-key-invalid-enabled-type: a non-boolean is false, not an error.
        apply_patch(
            &mut k,
            &ops(&[("replace", "/enabled", Some("not-a-boolean"))]),
        )
        .unwrap();
        assert!(!k.enabled);
    }

    #[test]
    fn patch_refusals_match_aws() {
        let mut k = ApiKey::default();
        let e = apply_patch(&mut k, &ops(&[("replace", "/id", Some("x"))])).unwrap_err();
        // test_apigateway_extended.snapshot.json, update-api-key-immutable-field
        assert_eq!(e.0.message, "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/description, /enabled, /name, /customerId]");
        let long = "a".repeat(125_001);
        let e = apply_patch(&mut k, &ops(&[("replace", "/description", Some(&long))])).unwrap_err();
        assert_eq!(e.0.message, "Invalid API Key description specified.");
    }

    #[test]
    fn field_limits() {
        assert!(check_key_fields(Some(&"a".repeat(1024)), None, None).is_ok());
        assert_eq!(
            check_key_fields(Some(&"a".repeat(1025)), None, None)
                .unwrap_err()
                .0
                .message,
            "Invalid API Key name, can be at most 1024 characters."
        );
        assert_eq!(
            check_key_fields(None, Some("short"), None)
                .unwrap_err()
                .0
                .message,
            "API Key value should be at least 20 characters"
        );
        assert_eq!(
            check_key_fields(None, Some(&"a".repeat(129)), None)
                .unwrap_err()
                .0
                .message,
            "API Key value exceeds maximum size of 128 characters"
        );
        assert!(check_key_fields(None, Some(""), None).is_ok());
    }

    #[test]
    fn csv_quotes_and_blank_lines() {
        let r = parse_csv("a, b ,\"c,d\"\r\n\n'x,y',\"he said \"\"hi\"\"\",\n");
        assert_eq!(
            r,
            vec![
                vec!["a".to_string(), "b".into(), "c,d".into()],
                vec!["x,y".to_string(), "he said \"hi\"".into(), "".into()],
            ]
        );
    }

    #[test]
    fn key_file_as_documented() {
        // The examples of the AWS "API Gateway API key file format" page.
        let (rows, warnings) = parse_key_file(
            "Enabled,Name,key,UsageplanIds\ntrue,MyFirstApiKey,apikey1234abcdefghij0123456789,\"c7y23b,glvrsr\"\n",
        )
        .unwrap();
        assert!(warnings.is_empty());
        assert_eq!(rows[0].name, "MyFirstApiKey");
        assert_eq!(rows[0].usage_plan_ids, ["c7y23b", "glvrsr"]);
        assert!(rows[0].enabled);
        let (rows, warnings) =
            parse_key_file("Key,name\napikey1234abcdefghij0123456789,MyFirstApiKey\nshort,x\n")
                .unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].enabled, "Enabled defaults to true");
        assert_eq!(
            warnings,
            ["Line 3: API Key value should be at least 20 characters"]
        );
        assert!(parse_key_file("name,description\nx,y\n").is_err());
    }
}
