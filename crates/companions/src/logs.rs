//! CloudWatch Logs, the subset API Gateway's access logging needs: log groups, log streams,
//! PutLogEvents, GetLogEvents and FilterLogEvents, over AWS's JSON 1.1 protocol
//! (`POST /` with `X-Amz-Target: Logs_20140328.<Operation>`)
//! ([AWS reference](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/Welcome.html)).
//!
//! Shapes and member names follow botocore's `logs` 2014-03-28 model. Errors are status 400
//! with `{"__type": "...", "message": "..."}`, the JSON 1.1 error body every SDK parses. Any
//! other operation of the model answers `NotImplementedException` naming it, never a fake
//! success. Log groups belong to the account and region of the request, like every resource
//! of the emulator.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use apigw_model::error::{constraint_failure, validation_text};
use apigw_model::{Arn, Scope};
use apigw_store::logs::{
    self as store, Cursor, EventQuery, LogEvent, LogGroup, LogStream, Streams,
};
use apigw_store::StoreError;

use crate::Companions;
use apigw_model::scope::region_from_auth;

/// The `X-Amz-Target` prefix of every CloudWatch Logs operation.
pub const TARGET_PREFIX: &str = "Logs_20140328.";

/// PutLogEvents batches are at most 1 MiB; the bound leaves room for the JSON around them.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Every operation of botocore's `logs` model, to tell "not implemented" from "unknown".
const OPERATIONS: &[&str] = &[
    "AssociateKmsKey",
    "AssociateSourceToS3TableIntegration",
    "CancelExportTask",
    "CancelImportTask",
    "CreateDelivery",
    "CreateExportTask",
    "CreateImportTask",
    "CreateLogAnomalyDetector",
    "CreateLogGroup",
    "CreateLogStream",
    "CreateLookupTable",
    "CreateScheduledQuery",
    "DeleteAccountPolicy",
    "DeleteDataProtectionPolicy",
    "DeleteDelivery",
    "DeleteDeliveryDestination",
    "DeleteDeliveryDestinationPolicy",
    "DeleteDeliverySource",
    "DeleteDestination",
    "DeleteIndexPolicy",
    "DeleteIntegration",
    "DeleteLogAnomalyDetector",
    "DeleteLogGroup",
    "DeleteLogStream",
    "DeleteLookupTable",
    "DeleteMetricFilter",
    "DeleteQueryDefinition",
    "DeleteResourcePolicy",
    "DeleteRetentionPolicy",
    "DeleteScheduledQuery",
    "DeleteSubscriptionFilter",
    "DeleteTransformer",
    "DescribeAccountPolicies",
    "DescribeConfigurationTemplates",
    "DescribeDeliveries",
    "DescribeDeliveryDestinations",
    "DescribeDeliverySources",
    "DescribeDestinations",
    "DescribeExportTasks",
    "DescribeFieldIndexes",
    "DescribeImportTaskBatches",
    "DescribeImportTasks",
    "DescribeIndexPolicies",
    "DescribeLogGroups",
    "DescribeLogStreams",
    "DescribeLookupTables",
    "DescribeMetricFilters",
    "DescribeQueries",
    "DescribeQueryDefinitions",
    "DescribeResourcePolicies",
    "DescribeSubscriptionFilters",
    "DisassociateKmsKey",
    "DisassociateSourceFromS3TableIntegration",
    "FilterLogEvents",
    "GetDataProtectionPolicy",
    "GetDelivery",
    "GetDeliveryDestination",
    "GetDeliveryDestinationPolicy",
    "GetDeliverySource",
    "GetIntegration",
    "GetLogAnomalyDetector",
    "GetLogEvents",
    "GetLogFields",
    "GetLogGroupFields",
    "GetLogObject",
    "GetLogRecord",
    "GetLookupTable",
    "GetQueryResults",
    "GetScheduledQuery",
    "GetScheduledQueryHistory",
    "GetTransformer",
    "ListAggregateLogGroupSummaries",
    "ListAnomalies",
    "ListIntegrations",
    "ListLogAnomalyDetectors",
    "ListLogGroups",
    "ListLogGroupsForQuery",
    "ListScheduledQueries",
    "ListSourcesForS3TableIntegration",
    "ListTagsForResource",
    "ListTagsLogGroup",
    "PutAccountPolicy",
    "PutBearerTokenAuthentication",
    "PutDataProtectionPolicy",
    "PutDeliveryDestination",
    "PutDeliveryDestinationPolicy",
    "PutDeliverySource",
    "PutDestination",
    "PutDestinationPolicy",
    "PutIndexPolicy",
    "PutIntegration",
    "PutLogEvents",
    "PutLogGroupDeletionProtection",
    "PutMetricFilter",
    "PutQueryDefinition",
    "PutResourcePolicy",
    "PutRetentionPolicy",
    "PutSubscriptionFilter",
    "PutTransformer",
    "StartLiveTail",
    "StartQuery",
    "StopQuery",
    "TagLogGroup",
    "TagResource",
    "TestMetricFilter",
    "TestTransformer",
    "UntagLogGroup",
    "UntagResource",
    "UpdateAnomaly",
    "UpdateDeliveryConfiguration",
    "UpdateLogAnomalyDetector",
    "UpdateLookupTable",
    "UpdateScheduledQuery",
];

/// Retention periods PutRetentionPolicy accepts, in days.
const RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// PutLogEvents rejects events more than 2 hours in the future…
const TOO_NEW_MS: i64 = 2 * 3600 * 1000;
/// …or more than 14 days in the past.
const TOO_OLD_MS: i64 = 14 * 24 * 3600 * 1000;
/// …and a batch may not span more than 24 hours.
const MAX_SPAN_MS: i64 = 24 * 3600 * 1000;
/// At most 10,000 events per PutLogEvents batch (the model's `InputLogEvents` max).
const MAX_BATCH: usize = 10_000;
/// GetLogEvents and FilterLogEvents answer at most 1 MB of events, and PutLogEvents takes at
/// most that much…
const MAX_RESPONSE_BYTES: usize = 1_048_576;
/// …counting each event as its message plus 26 bytes, as CloudWatch sizes events.
const EVENT_OVERHEAD: usize = 26;

const GROUP_NAME_PATTERN: &str = r"[\.\-_/#A-Za-z0-9]+";
const STREAM_NAME_PATTERN: &str = "[^:*]*";

/// A CloudWatch Logs error: `__type` and message, status 400 unless said otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl LogsError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }

    fn group_not_found() -> Self {
        Self::new(
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        )
    }

    fn stream_not_found() -> Self {
        Self::new(
            "ResourceNotFoundException",
            "The specified log stream does not exist.",
        )
    }

    fn bad_token() -> Self {
        Self::invalid("The specified nextToken is invalid.")
    }

    /// The exception name (`__type`).
    pub fn code(&self) -> &str {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<StoreError> for LogsError {
    fn from(e: StoreError) -> Self {
        // Ours, never the caller's: logged once, answered as AWS's generic 500.
        tracing::error!(error = %e, "store failure");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "ServiceUnavailableException",
            message: "Internal server error".into(),
        }
    }
}

impl IntoResponse for LogsError {
    fn into_response(self) -> Response {
        let body = json!({ "__type": self.code, "message": self.message }).to_string();
        let mut res = (self.status, body).into_response();
        let h = res.headers_mut();
        h.insert("content-type", HeaderValue::from_static(CONTENT_TYPE));
        h.insert("x-amzn-errortype", HeaderValue::from_static(self.code));
        res
    }
}

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

type LogsResult<T> = Result<T, LogsError>;

/// Collects constraint failures into AWS's
/// `N validation error(s) detected: Value 'x' at 'member' failed to satisfy constraint: …`.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn push(&mut self, value: Option<&str>, at: &str, constraint: &str) {
        self.0.push(constraint_failure(value, at, constraint));
    }

    fn required(&mut self, value: Option<&str>, at: &str) {
        if value.is_none() {
            self.push(None, at, "Member must not be null");
        }
    }

    /// A name that must be sent and match `pattern`.
    fn required_name(&mut self, value: Option<&str>, at: &str, pattern: &str) {
        self.required(value, at);
        self.name(value, at, pattern);
    }

    /// `logGroupName`, which the operation requires.
    fn log_group_name(&mut self, value: Option<&str>) {
        self.required_name(value, "logGroupName", GROUP_NAME_PATTERN);
    }

    fn name(&mut self, value: Option<&str>, at: &str, pattern: &str) {
        let Some(v) = value else { return };
        let len = v.chars().count();
        if len < 1 {
            self.push(
                Some(v),
                at,
                "Member must have length greater than or equal to 1",
            );
        } else if len > 512 {
            self.push(
                Some(v),
                at,
                "Member must have length less than or equal to 512",
            );
        }
        let ok = if pattern == GROUP_NAME_PATTERN {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-_/#".contains(c))
        } else {
            !v.contains([':', '*'])
        };
        if !ok {
            self.push(
                Some(v),
                at,
                &format!("Member must satisfy regular expression pattern: {pattern}"),
            );
        }
    }

    fn range(&mut self, value: Option<i64>, at: &str, min: i64, max: Option<i64>) {
        let Some(v) = value else { return };
        if v < min {
            self.push(
                Some(&v.to_string()),
                at,
                &format!("Member must have value greater than or equal to {min}"),
            );
        } else if let Some(max) = max.filter(|m| v > *m) {
            self.push(
                Some(&v.to_string()),
                at,
                &format!("Member must have value less than or equal to {max}"),
            );
        }
    }

    fn finish(self) -> LogsResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(LogsError::invalid(validation_text(&self.0)))
        }
    }
}

/// Every input member of the implemented operations; each operation reads its own.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name: Option<String>,
    log_group_name_prefix: Option<String>,
    log_group_name_pattern: Option<String>,
    log_stream_name_prefix: Option<String>,
    log_stream_names: Option<Vec<String>>,
    next_token: Option<String>,
    limit: Option<i64>,
    order_by: Option<String>,
    descending: Option<bool>,
    log_events: Option<Vec<InputEvent>>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    start_from_head: Option<bool>,
    filter_pattern: Option<String>,
    retention_in_days: Option<i64>,
    kms_key_id: Option<String>,
    tags: Option<BTreeMap<String, String>>,
    log_group_class: Option<String>,
    account_identifiers: Option<Vec<String>>,
    include_linked_accounts: Option<bool>,
    log_group_identifiers: Option<Vec<String>>,
    deletion_protection_enabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct InputEvent {
    timestamp: Option<i64>,
    message: Option<String>,
}

/// Whether a request is a CloudWatch Logs call (its `X-Amz-Target` names a Logs operation).
pub fn is_logs_call(headers: &HeaderMap) -> bool {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with(TARGET_PREFIX))
}

/// Answer one CloudWatch Logs call.
pub async fn handle(state: &Companions, req: Request) -> Response {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let operation = target.strip_prefix(TARGET_PREFIX).unwrap_or("").to_string();
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let region =
        region_from_auth(auth, req.uri().query()).unwrap_or_else(|| state.default_region.clone());
    let scope = Scope::new(state.account_id.clone(), region);
    let body = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    match call(state, &scope, &operation, &body).await {
        Ok(Some(v)) => {
            let mut res = (StatusCode::OK, v.to_string()).into_response();
            res.headers_mut()
                .insert("content-type", HeaderValue::from_static(CONTENT_TYPE));
            res
        }
        // Operations without an output shape answer an empty 200, as CloudWatch Logs does.
        Ok(None) => {
            let mut res = StatusCode::OK.into_response();
            res.headers_mut()
                .insert("content-type", HeaderValue::from_static(CONTENT_TYPE));
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn call(
    state: &Companions,
    scope: &Scope,
    operation: &str,
    body: &Bytes,
) -> LogsResult<Option<Value>> {
    let parse = || -> LogsResult<Input> {
        let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            body
        };
        serde_json::from_slice(text).map_err(|e| {
            LogsError::new(
                "SerializationException",
                format!("Unable to parse the request body: {e}"),
            )
        })
    };
    let st = state;
    match operation {
        "CreateLogGroup" => create_log_group(st, scope, parse()?).await.map(|()| None),
        "DeleteLogGroup" => delete_log_group(st, scope, parse()?).await.map(|()| None),
        "DescribeLogGroups" => describe_log_groups(st, scope, parse()?).await.map(Some),
        "PutRetentionPolicy" => put_retention(st, scope, parse()?).await.map(|()| None),
        "DeleteRetentionPolicy" => delete_retention(st, scope, parse()?).await.map(|()| None),
        "CreateLogStream" => create_log_stream(st, scope, parse()?).await.map(|()| None),
        "DeleteLogStream" => delete_log_stream(st, scope, parse()?).await.map(|()| None),
        "DescribeLogStreams" => describe_log_streams(st, scope, parse()?).await.map(Some),
        "PutLogEvents" => put_log_events(st, scope, parse()?).await.map(Some),
        "GetLogEvents" => get_log_events(st, scope, parse()?).await.map(Some),
        "FilterLogEvents" => filter_log_events(st, scope, parse()?).await.map(Some),
        op if OPERATIONS.contains(&op) => Err(LogsError {
            status: StatusCode::NOT_IMPLEMENTED,
            code: "NotImplementedException",
            message: format!(
                "The CloudWatch Logs operation {op} is not implemented by apigw-local yet"
            ),
        }),
        op => Err(LogsError::new(
            "UnknownOperationException",
            format!("Unknown operation {TARGET_PREFIX}{op}"),
        )),
    }
}

/// `arn:aws:logs:{region}:{account}:log-group:{name}` (DescribeLogGroups adds `:*` for `arn`).
fn group_arn(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{name}",
        scope.region, scope.account
    )
}

fn group_json(scope: &Scope, g: &LogGroup) -> Value {
    let mut m = Map::new();
    m.insert("logGroupName".into(), json!(g.name));
    m.insert("creationTime".into(), json!(g.creation_time));
    if let Some(days) = g.retention_days {
        m.insert("retentionInDays".into(), json!(days));
    }
    m.insert("metricFilterCount".into(), json!(0));
    m.insert(
        "arn".into(),
        json!(format!("{}:*", group_arn(scope, &g.name))),
    );
    m.insert("storedBytes".into(), json!(g.stored_bytes));
    if let Some(k) = &g.kms_key_id {
        m.insert("kmsKeyId".into(), json!(k));
    }
    m.insert("logGroupClass".into(), json!(g.class));
    m.insert("logGroupArn".into(), json!(group_arn(scope, &g.name)));
    Value::Object(m)
}

fn stream_json(scope: &Scope, group: &str, s: &LogStream) -> Value {
    let mut m = Map::new();
    m.insert("logStreamName".into(), json!(s.name));
    m.insert("creationTime".into(), json!(s.creation_time));
    if let Some(t) = s.first_event {
        m.insert("firstEventTimestamp".into(), json!(t));
    }
    if let Some(t) = s.last_event {
        m.insert("lastEventTimestamp".into(), json!(t));
    }
    if let Some(t) = s.last_ingestion {
        m.insert("lastIngestionTime".into(), json!(t));
    }
    if s.upload_seq > 0 {
        m.insert(
            "uploadSequenceToken".into(),
            json!(sequence_token(s.upload_seq)),
        );
    }
    m.insert(
        "arn".into(),
        json!(format!("{}:log-stream:{}", group_arn(scope, group), s.name)),
    );
    // AWS deprecated per-stream storedBytes in 2019 and always reports 0.
    m.insert("storedBytes".into(), json!(0));
    Value::Object(m)
}

/// PutLogEvents' `nextSequenceToken`: AWS ignores sequence tokens since 2023 but still answers
/// one, a 56-digit number that grows with every upload (here: the last event's `seq`).
fn sequence_token(upload_seq: i64) -> String {
    format!("{upload_seq:056}")
}

/// The group an operation names, by `logGroupName` or `logGroupIdentifier` (a name or an ARN
/// in this account and region), validated.
fn group_name(scope: &Scope, inp: &Input, required: bool) -> LogsResult<Option<String>> {
    match (&inp.log_group_name, &inp.log_group_identifier) {
        (Some(_), Some(_)) => Err(LogsError::invalid(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
        )),
        (Some(n), None) => {
            let mut f = Failures::default();
            f.name(Some(n), "logGroupName", GROUP_NAME_PATTERN);
            f.finish()?;
            Ok(Some(n.clone()))
        }
        (None, Some(id)) => {
            let name = if id.starts_with("arn:") {
                Arn::parse(id)
                    .filter(|a| {
                        a.partition == "aws"
                            && a.region == scope.region
                            && a.account == scope.account
                    })
                    .and_then(|a| a.log_group())
                    // Another account's or region's group: not visible here.
                    .ok_or_else(LogsError::group_not_found)?
                    .to_string()
            } else {
                id.clone()
            };
            let mut f = Failures::default();
            f.name(Some(&name), "logGroupIdentifier", GROUP_NAME_PATTERN);
            f.finish()?;
            Ok(Some(name))
        }
        (None, None) if required => Err(LogsError::invalid(
            "Should provide either name or identifier.",
        )),
        (None, None) => Ok(None),
    }
}

async fn require_group(
    c: &mut apigw_store::SqliteConnection,
    scope: &Scope,
    group: &str,
) -> LogsResult<LogGroup> {
    store::get_group(c, scope, group)
        .await?
        .ok_or_else(LogsError::group_not_found)
}

async fn create_log_group(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<()> {
    let mut f = Failures::default();
    f.log_group_name(inp.log_group_name.as_deref());
    if let Some(c) = inp.log_group_class.as_deref() {
        if !["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"].contains(&c) {
            f.push(
                Some(c),
                "logGroupClass",
                "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]",
            );
        }
    }
    if let Some(k) = inp.kms_key_id.as_deref() {
        if k.chars().count() > 256 {
            f.push(
                Some(k),
                "kmsKeyId",
                "Member must have length less than or equal to 256",
            );
        }
    }
    f.finish()?;
    if inp.deletion_protection_enabled == Some(true) {
        return Err(not_supported("deletionProtectionEnabled"));
    }
    let name = inp.log_group_name.unwrap_or_default();
    let group = LogGroup {
        name,
        creation_time: store::now_ms(),
        retention_days: None,
        class: inp.log_group_class.unwrap_or_else(|| "STANDARD".into()),
        kms_key_id: inp.kms_key_id,
        stored_bytes: 0,
    };
    let tags = serde_json::to_string(&inp.tags.unwrap_or_default()).unwrap_or_else(|_| "{}".into());
    let mut tx = st.store.write().await?;
    if !store::create_group(&mut tx, scope, &group, &tags).await? {
        return Err(LogsError::new(
            "ResourceAlreadyExistsException",
            "The specified log group already exists",
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// A member apigw-local accepts in the model but does not emulate: refused by name rather
/// than silently ignored.
fn not_supported(member: &str) -> LogsError {
    LogsError::invalid(format!(
        "apigw-local does not support the {member} parameter"
    ))
}

async fn delete_log_group(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<()> {
    let mut f = Failures::default();
    f.log_group_name(inp.log_group_name.as_deref());
    f.finish()?;
    let mut tx = st.store.write().await?;
    if !store::delete_group(&mut tx, scope, inp.log_group_name.as_deref().unwrap_or("")).await? {
        return Err(LogsError::group_not_found());
    }
    tx.commit().await?;
    Ok(())
}

async fn describe_log_groups(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<Value> {
    let mut f = Failures::default();
    f.name(
        inp.log_group_name_prefix.as_deref(),
        "logGroupNamePrefix",
        GROUP_NAME_PATTERN,
    );
    f.range(inp.limit, "limit", 1, Some(50));
    f.finish()?;
    if inp.log_group_name_prefix.is_some() && inp.log_group_name_pattern.is_some() {
        return Err(LogsError::invalid(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
        ));
    }
    if inp
        .account_identifiers
        .as_ref()
        .is_some_and(|a| !a.is_empty())
    {
        return Err(not_supported("accountIdentifiers"));
    }
    if inp.include_linked_accounts == Some(true) {
        return Err(not_supported("includeLinkedAccounts"));
    }
    if inp
        .log_group_identifiers
        .as_ref()
        .is_some_and(|a| !a.is_empty())
    {
        return Err(not_supported("logGroupIdentifiers"));
    }
    let after = match &inp.next_token {
        Some(t) => Some(decode_token("g", t)?),
        None => None,
    };
    let limit = inp.limit.unwrap_or(50) as usize;
    let pattern = inp
        .log_group_name_pattern
        .as_deref()
        .map(str::to_ascii_lowercase);
    let mut c = st.store.read().await?;
    let matching: Vec<LogGroup> = store::list_groups(&mut c, scope)
        .await?
        .into_iter()
        .filter(|g| {
            inp.log_group_name_prefix
                .as_deref()
                .is_none_or(|p| g.name.starts_with(p))
        })
        // logGroupNamePattern: a case-insensitive substring match.
        .filter(|g| {
            pattern
                .as_deref()
                .is_none_or(|p| g.name.to_ascii_lowercase().contains(p))
        })
        .filter(|g| {
            inp.log_group_class
                .as_deref()
                .is_none_or(|cl| g.class == cl)
        })
        .filter(|g| after.as_deref().is_none_or(|a| g.name.as_str() > a))
        .collect();
    let more = matching.len() > limit;
    let page = &matching[..matching.len().min(limit)];
    let mut out = Map::new();
    out.insert(
        "logGroups".into(),
        Value::Array(page.iter().map(|g| group_json(scope, g)).collect()),
    );
    if more {
        if let Some(last) = page.last() {
            out.insert("nextToken".into(), json!(encode_token("g", &last.name)));
        }
    }
    Ok(Value::Object(out))
}

async fn put_retention(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<()> {
    let mut f = Failures::default();
    f.log_group_name(inp.log_group_name.as_deref());
    match inp.retention_in_days {
        None => f.required(None, "retentionInDays"),
        Some(d) if !RETENTION_DAYS.contains(&d) => {
            let set: Vec<String> = RETENTION_DAYS.iter().map(i64::to_string).collect();
            f.push(
                Some(&d.to_string()),
                "retentionInDays",
                &format!("Member must satisfy enum value set: [{}]", set.join(", ")),
            );
        }
        Some(_) => {}
    }
    f.finish()?;
    let days = inp.retention_in_days.map(|d| d as i32);
    set_retention(st, scope, &inp, days).await
}

async fn delete_retention(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<()> {
    let mut f = Failures::default();
    f.log_group_name(inp.log_group_name.as_deref());
    f.finish()?;
    set_retention(st, scope, &inp, None).await
}

/// PutRetentionPolicy (`Some`) and DeleteRetentionPolicy (`None`) once their input is checked.
async fn set_retention(
    st: &Companions,
    scope: &Scope,
    inp: &Input,
    days: Option<i32>,
) -> LogsResult<()> {
    let group = inp.log_group_name.as_deref().unwrap_or("");
    let mut tx = st.store.write().await?;
    if !store::set_retention(&mut tx, scope, group, days).await? {
        return Err(LogsError::group_not_found());
    }
    tx.commit().await?;
    Ok(())
}

fn check_group_and_stream(inp: &Input) -> LogsResult<(String, String)> {
    let mut f = Failures::default();
    f.log_group_name(inp.log_group_name.as_deref());
    f.required_name(
        inp.log_stream_name.as_deref(),
        "logStreamName",
        STREAM_NAME_PATTERN,
    );
    f.finish()?;
    Ok((
        inp.log_group_name.clone().unwrap_or_default(),
        inp.log_stream_name.clone().unwrap_or_default(),
    ))
}

async fn create_log_stream(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<()> {
    let (group, stream) = check_group_and_stream(&inp)?;
    let mut tx = st.store.write().await?;
    require_group(&mut tx, scope, &group).await?;
    if !store::create_stream(&mut tx, scope, &group, &stream, store::now_ms()).await? {
        return Err(LogsError::new(
            "ResourceAlreadyExistsException",
            "The specified log stream already exists",
        ));
    }
    tx.commit().await?;
    Ok(())
}

async fn delete_log_stream(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<()> {
    let (group, stream) = check_group_and_stream(&inp)?;
    let mut tx = st.store.write().await?;
    require_group(&mut tx, scope, &group).await?;
    if !store::delete_stream(&mut tx, scope, &group, &stream).await? {
        return Err(LogsError::stream_not_found());
    }
    tx.commit().await?;
    Ok(())
}

async fn describe_log_streams(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<Value> {
    let mut f = Failures::default();
    f.name(
        inp.log_stream_name_prefix.as_deref(),
        "logStreamNamePrefix",
        STREAM_NAME_PATTERN,
    );
    f.range(inp.limit, "limit", 1, Some(50));
    if let Some(o) = inp.order_by.as_deref() {
        if o != "LogStreamName" && o != "LastEventTime" {
            f.push(
                Some(o),
                "orderBy",
                "Member must satisfy enum value set: [LogStreamName, LastEventTime]",
            );
        }
    }
    f.finish()?;
    let group = group_name(scope, &inp, true)?.unwrap_or_default();
    let by_time = inp.order_by.as_deref() == Some("LastEventTime");
    if by_time && inp.log_stream_name_prefix.is_some() {
        return Err(LogsError::invalid(
            "Cannot order by LastEventTime with a logStreamNamePrefix.",
        ));
    }
    let offset = match &inp.next_token {
        Some(t) => decode_token("s", t)?
            .parse::<usize>()
            .map_err(|_| LogsError::bad_token())?,
        None => 0,
    };
    let limit = inp.limit.unwrap_or(50) as usize;
    let mut c = st.store.read().await?;
    require_group(&mut c, scope, &group).await?;
    let mut streams: Vec<LogStream> = store::list_streams(&mut c, scope, &group)
        .await?
        .into_iter()
        .filter(|s| {
            inp.log_stream_name_prefix
                .as_deref()
                .is_none_or(|p| s.name.starts_with(p))
        })
        .collect();
    if by_time {
        // Streams without events count as time 0; ties keep name order (the sort is stable).
        streams.sort_by_key(|s| s.last_event.unwrap_or(0));
    }
    if inp.descending == Some(true) {
        streams.reverse();
    }
    let page: Vec<Value> = streams
        .iter()
        .skip(offset)
        .take(limit)
        .map(|s| stream_json(scope, &group, s))
        .collect();
    let mut out = Map::new();
    out.insert("logStreams".into(), Value::Array(page));
    if offset + limit < streams.len() {
        out.insert(
            "nextToken".into(),
            json!(encode_token("s", &(offset + limit).to_string())),
        );
    }
    Ok(Value::Object(out))
}

async fn put_log_events(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<Value> {
    let (group, stream) = check_group_and_stream(&inp)?;
    let mut f = Failures::default();
    match inp.log_events.as_deref() {
        None => f.required(None, "logEvents"),
        Some([]) => f.push(
            Some("[]"),
            "logEvents",
            "Member must have length greater than or equal to 1",
        ),
        Some(evs) if evs.len() > MAX_BATCH => f.push(
            Some(&format!("[{} events]", evs.len())),
            "logEvents",
            "Member must have length less than or equal to 10000",
        ),
        Some(evs) => {
            for (i, e) in evs.iter().enumerate() {
                let at = |m: &str| format!("logEvents.{}.member.{m}", i + 1);
                f.required(e.timestamp.map(|_| ""), &at("timestamp"));
                f.range(e.timestamp, &at("timestamp"), 0, None);
                match e.message.as_deref() {
                    None => f.required(None, &at("message")),
                    Some("") => f.push(
                        Some(""),
                        &at("message"),
                        "Member must have length greater than or equal to 1",
                    ),
                    Some(_) => {}
                }
            }
        }
    }
    f.finish()?;
    let events: Vec<LogEvent> = inp
        .log_events
        .unwrap_or_default()
        .into_iter()
        .map(|e| LogEvent {
            timestamp: e.timestamp.unwrap_or(0),
            message: e.message.unwrap_or_default(),
        })
        .collect();
    let size = batch_size(&events);
    if size > MAX_RESPONSE_BYTES {
        return Err(LogsError::invalid(format!(
            "Upload too large: {size} bytes exceeds limit of {MAX_RESPONSE_BYTES}"
        )));
    }
    if events.windows(2).any(|w| w[1].timestamp < w[0].timestamp) {
        return Err(LogsError::invalid(
            "Log events in a single PutLogEvents request must be in chronological order.",
        ));
    }
    if let (Some(first), Some(last)) = (events.first(), events.last()) {
        if last.timestamp - first.timestamp > MAX_SPAN_MS {
            return Err(LogsError::invalid(
                "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
            ));
        }
    }
    let now = store::now_ms();
    let mut tx = st.store.write().await?;
    let g = require_group(&mut tx, scope, &group).await?;
    if store::get_stream(&mut tx, scope, &group, &stream)
        .await?
        .is_none()
    {
        return Err(LogsError::stream_not_found());
    }
    let retention_cutoff = g
        .retention_days
        .map(|d| now - i64::from(d) * 24 * 3600 * 1000);
    let verdict = Rejections::of(&events, now, retention_cutoff);
    let accepted = &events[verdict.accepted.clone()];
    let upload_seq = store::append(&mut tx, scope, &group, &stream, accepted, now).await?;
    tx.commit().await?;
    let mut out = Map::new();
    out.insert(
        "nextSequenceToken".into(),
        json!(sequence_token(upload_seq)),
    );
    if let Some(info) = verdict.info() {
        out.insert("rejectedLogEventsInfo".into(), info);
    }
    Ok(Value::Object(out))
}

/// A PutLogEvents batch's size as CloudWatch counts it: each message plus 26 bytes; at most
/// 1,048,576 bytes per batch.
fn batch_size(events: &[LogEvent]) -> usize {
    events
        .iter()
        .map(|e| e.message.len() + EVENT_OVERHEAD)
        .sum()
}

/// Which events of a chronological batch PutLogEvents stores, and the indexes it reports for
/// the others: too old (more than 14 days, or older than the group's retention) at the start,
/// too new (more than 2 hours ahead) at the end.
#[derive(Debug, PartialEq, Eq)]
struct Rejections {
    accepted: std::ops::Range<usize>,
    too_new_start: Option<usize>,
    too_old_end: Option<usize>,
    expired_end: Option<usize>,
}

impl Rejections {
    fn of(events: &[LogEvent], now: i64, retention_cutoff: Option<i64>) -> Self {
        let too_old = events
            .iter()
            .take_while(|e| e.timestamp < now - TOO_OLD_MS)
            .count();
        let expired = retention_cutoff
            .map(|cut| events.iter().take_while(|e| e.timestamp < cut).count())
            .unwrap_or(0);
        let too_new = events.iter().position(|e| e.timestamp > now + TOO_NEW_MS);
        let start = too_old.max(expired);
        let end = too_new.unwrap_or(events.len()).max(start);
        Self {
            accepted: start..end,
            too_new_start: too_new,
            // Both end indexes are exclusive, as AWS documents them.
            too_old_end: (too_old > 0).then_some(too_old),
            expired_end: (expired > 0).then_some(expired),
        }
    }

    fn info(&self) -> Option<Value> {
        let mut m = Map::new();
        if let Some(i) = self.too_new_start {
            m.insert("tooNewLogEventStartIndex".into(), json!(i));
        }
        if let Some(i) = self.too_old_end {
            m.insert("tooOldLogEventEndIndex".into(), json!(i));
        }
        if let Some(i) = self.expired_end {
            m.insert("expiredLogEventEndIndex".into(), json!(i));
        }
        (!m.is_empty()).then_some(Value::Object(m))
    }
}

/// A position in a stream, `(timestamp, seq)`, as GetLogEvents tokens carry it:
/// `f/<56 digits>/s` (events after it) and `b/<56 digits>/s` (events before it), the shape
/// AWS's tokens have.
fn position_token(dir: char, ts: i64, seq: i64) -> String {
    format!("{dir}/{ts:020}{seq:020}{:016}/s", 0)
}

/// Parse a GetLogEvents token into its direction (`'f'`/`'b'`) and position.
fn parse_position_token(token: &str) -> Option<(char, i64, i64)> {
    let (dir, rest) = token.split_at_checked(2)?;
    let dir = match dir {
        "f/" => 'f',
        "b/" => 'b',
        _ => return None,
    };
    let digits = rest.strip_suffix("/s").unwrap_or(rest);
    if digits.len() != 56 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ts = digits[..20].parse().ok()?;
    let seq = digits[20..40].parse().ok()?;
    Some((dir, ts, seq))
}

async fn get_log_events(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<Value> {
    let mut f = Failures::default();
    f.required_name(
        inp.log_stream_name.as_deref(),
        "logStreamName",
        STREAM_NAME_PATTERN,
    );
    f.range(inp.limit, "limit", 1, Some(10_000));
    f.range(inp.start_time, "startTime", 0, None);
    f.range(inp.end_time, "endTime", 0, None);
    f.finish()?;
    let group = group_name(scope, &inp, true)?.unwrap_or_default();
    let stream = inp.log_stream_name.clone().unwrap_or_default();
    let token = match &inp.next_token {
        Some(t) => Some(parse_position_token(t).ok_or_else(LogsError::bad_token)?),
        None => None,
    };
    let cursor = match token {
        Some(('f', ts, seq)) => Cursor::After(ts, seq),
        Some((_, ts, seq)) => Cursor::Before(ts, seq),
        None if inp.start_from_head == Some(true) => Cursor::Head,
        None => Cursor::Tail,
    };
    let mut c = st.store.read().await?;
    require_group(&mut c, scope, &group).await?;
    if store::get_stream(&mut c, scope, &group, &stream)
        .await?
        .is_none()
    {
        return Err(LogsError::stream_not_found());
    }
    let q = EventQuery {
        group: &group,
        streams: Streams::One(&stream),
        start: inp.start_time,
        end: inp.end_time,
        cursor,
        limit: inp.limit.unwrap_or(10_000),
    };
    let mut events = store::query_events(&mut c, scope, &q).await?;
    // Reading backwards (the tail, or a `b/` token) keeps the newest events within 1 MB.
    let backwards = matches!(cursor, Cursor::Tail | Cursor::Before(..));
    let keep = fit_in_response(events.iter().map(|e| e.message.len()), backwards);
    if backwards {
        events.drain(..events.len() - keep);
    } else {
        events.truncate(keep);
    }
    let (forward, backward) = match (events.first(), events.last()) {
        (Some(first), Some(last)) => (
            position_token('f', last.timestamp, last.seq),
            position_token('b', first.timestamp, first.seq),
        ),
        // Nothing here: the token passed in comes back, so callers see the end of the stream.
        _ => {
            let (ts, seq) = match cursor {
                Cursor::After(ts, seq) | Cursor::Before(ts, seq) => (ts, seq),
                Cursor::Head | Cursor::Tail => (0, 0),
            };
            (position_token('f', ts, seq), position_token('b', ts, seq))
        }
    };
    let list: Vec<Value> = events
        .iter()
        .map(|e| {
            json!({
                "timestamp": e.timestamp,
                "message": e.message,
                "ingestionTime": e.ingestion_time,
            })
        })
        .collect();
    Ok(json!({
        "events": list,
        "nextForwardToken": forward,
        "nextBackwardToken": backward,
    }))
}

/// How many events (of these message sizes, in order) fit in one 1 MB response, counting
/// from the end when `from_end`.
fn fit_in_response(sizes: impl DoubleEndedIterator<Item = usize>, from_end: bool) -> usize {
    let mut total = 0usize;
    let mut n = 0usize;
    let mut count = |size: usize| {
        total += size + EVENT_OVERHEAD;
        if total > MAX_RESPONSE_BYTES {
            return false;
        }
        n += 1;
        true
    };
    if from_end {
        for s in sizes.rev() {
            if !count(s) {
                break;
            }
        }
    } else {
        for s in sizes {
            if !count(s) {
                break;
            }
        }
    }
    n
}

/// A FilterLogEvents pattern: the subset apigw-local supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterPattern {
    /// Terms and phrases that must all occur in a message (case-sensitive).
    terms: Vec<String>,
}

impl FilterPattern {
    /// Parse a pattern: empty (everything matches), plain terms (letters, digits and `_`,
    /// separated by spaces, all of which must occur) and double-quoted phrases (matched
    /// literally; `\"` and `\\` escape inside them).
    ///
    /// # Errors
    /// The text of an `InvalidParameterException` for a malformed pattern, or one of AWS's
    /// other pattern kinds (`?term`, `-term`, `{ JSON }`, `[ columns ]`, `%regex%`), which
    /// apigw-local does not evaluate.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let mut terms = Vec::new();
        let mut chars = pattern.trim().chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
                continue;
            }
            if c == '"' {
                chars.next();
                let mut phrase = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some(n) => phrase.push(n),
                            None => break,
                        },
                        '"' => {
                            closed = true;
                            break;
                        }
                        c => phrase.push(c),
                    }
                }
                if !closed {
                    return Err(format!(
                        "Invalid filter pattern: the quoted phrase in '{pattern}' is not closed."
                    ));
                }
                if !phrase.is_empty() {
                    terms.push(phrase);
                }
                continue;
            }
            let mut term = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                term.push(c);
                chars.next();
            }
            if term.starts_with(['?', '-', '{', '[', '%']) {
                return Err(format!(
                    "apigw-local supports only plain terms and quoted phrases in filterPattern; \
                     '{term}' uses a pattern syntax it does not evaluate (?term, -term, JSON, \
                     space-delimited or regex patterns)."
                ));
            }
            if !term.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(format!(
                    "Invalid character(s) in term '{term}': terms with characters other than \
                     letters, digits and _ must be enclosed in double quotes."
                ));
            }
            terms.push(term);
        }
        Ok(Self { terms })
    }

    /// Whether `message` contains every term.
    pub fn matches(&self, message: &str) -> bool {
        self.terms.iter().all(|t| message.contains(t.as_str()))
    }
}

/// FilterLogEvents' opaque `nextToken`: the position of the last event returned.
fn filter_token(ts: i64, seq: i64) -> String {
    encode_token("e", &format!("{ts}:{seq}"))
}

fn parse_filter_token(token: &str) -> LogsResult<(i64, i64)> {
    let raw = decode_token("e", token)?;
    let (ts, seq) = raw.split_once(':').ok_or_else(LogsError::bad_token)?;
    match (ts.parse(), seq.parse()) {
        (Ok(ts), Ok(seq)) => Ok((ts, seq)),
        _ => Err(LogsError::bad_token()),
    }
}

async fn filter_log_events(st: &Companions, scope: &Scope, inp: Input) -> LogsResult<Value> {
    let mut f = Failures::default();
    f.name(
        inp.log_stream_name_prefix.as_deref(),
        "logStreamNamePrefix",
        STREAM_NAME_PATTERN,
    );
    if let Some(names) = &inp.log_stream_names {
        if names.is_empty() {
            f.push(
                Some("[]"),
                "logStreamNames",
                "Member must have length greater than or equal to 1",
            );
        } else if names.len() > 100 {
            f.push(
                Some(&format!("[{} names]", names.len())),
                "logStreamNames",
                "Member must have length less than or equal to 100",
            );
        }
        for (i, n) in names.iter().enumerate() {
            f.name(
                Some(n),
                &format!("logStreamNames.{}.member", i + 1),
                STREAM_NAME_PATTERN,
            );
        }
    }
    f.range(inp.limit, "limit", 1, Some(10_000));
    f.range(inp.start_time, "startTime", 0, None);
    f.range(inp.end_time, "endTime", 0, None);
    if let Some(p) = inp.filter_pattern.as_deref() {
        if p.chars().count() > 1024 {
            f.push(
                Some(p),
                "filterPattern",
                "Member must have length less than or equal to 1024",
            );
        }
    }
    f.finish()?;
    let group = group_name(scope, &inp, true)?.unwrap_or_default();
    if inp.log_stream_names.is_some() && inp.log_stream_name_prefix.is_some() {
        return Err(LogsError::invalid(
            "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.",
        ));
    }
    let pattern = FilterPattern::parse(inp.filter_pattern.as_deref().unwrap_or(""))
        .map_err(LogsError::invalid)?;
    let mut cursor = match &inp.next_token {
        Some(t) => {
            let (ts, seq) = parse_filter_token(t)?;
            Cursor::After(ts, seq)
        }
        None => Cursor::Head,
    };
    let limit = inp.limit.unwrap_or(10_000) as usize;
    let streams = match (&inp.log_stream_names, &inp.log_stream_name_prefix) {
        (Some(names), _) => Streams::Names(names),
        (None, Some(p)) => Streams::Prefix(p),
        (None, None) => Streams::All,
    };
    let mut c = st.store.read().await?;
    require_group(&mut c, scope, &group).await?;
    // Scan in chunks until one more match than the page holds (so we know another page
    // exists) or the events run out.
    const CHUNK: i64 = 1000;
    let mut matched = Vec::new();
    let mut size = 0usize;
    let mut full = false;
    'scan: loop {
        let q = EventQuery {
            group: &group,
            streams,
            start: inp.start_time,
            // FilterLogEvents' endTime is inclusive.
            end: inp.end_time.map(|e| e.saturating_add(1)),
            cursor,
            limit: CHUNK,
        };
        let chunk = store::query_events(&mut c, scope, &q).await?;
        let exhausted = (chunk.len() as i64) < CHUNK;
        if let Some(last) = chunk.last() {
            cursor = Cursor::After(last.timestamp, last.seq);
        }
        for e in chunk {
            if !pattern.matches(&e.message) {
                continue;
            }
            size += e.message.len() + EVENT_OVERHEAD;
            if matched.len() == limit || size > MAX_RESPONSE_BYTES {
                full = true;
                break 'scan;
            }
            matched.push(e);
        }
        if exhausted {
            break;
        }
    }
    let list: Vec<Value> = matched
        .iter()
        .map(|e| {
            json!({
                "logStreamName": e.stream,
                "timestamp": e.timestamp,
                "message": e.message,
                "ingestionTime": e.ingestion_time,
                "eventId": format!("{:020}{:020}{:016}", e.timestamp, e.seq, 0),
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("events".into(), Value::Array(list));
    // Deprecated by AWS in 2020: always an empty list now.
    out.insert("searchedLogStreams".into(), json!([]));
    if full {
        if let Some(last) = matched.last() {
            out.insert(
                "nextToken".into(),
                json!(filter_token(last.timestamp, last.seq)),
            );
        }
    }
    Ok(Value::Object(out))
}

/// An opaque paging token: `kind` and `payload` hex-encoded, so clients cannot mistake it for
/// a name and a token of one operation is refused by another.
fn encode_token(kind: &str, payload: &str) -> String {
    crate::hex::encode(&format!("{kind}:{payload}"))
}

fn decode_token(kind: &str, token: &str) -> LogsResult<String> {
    let raw = crate::hex::decode(token).ok_or_else(LogsError::bad_token)?;
    raw.strip_prefix(kind)
        .and_then(|r| r.strip_prefix(':'))
        .map(str::to_string)
        .ok_or_else(LogsError::bad_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_identifier() {
        let scope = Scope::new("000000000000", "us-east-1");
        let by_id = |id: &str| {
            let inp = Input {
                log_group_identifier: Some(id.into()),
                ..Input::default()
            };
            group_name(&scope, &inp, true)
        };
        for id in [
            "g",
            "arn:aws:logs:us-east-1:000000000000:log-group:g",
            "arn:aws:logs:us-east-1:000000000000:log-group:g:*",
        ] {
            assert_eq!(by_id(id), Ok(Some("g".into())), "{id}");
        }
        // Another region's, account's or partition's group, or not a group: not visible here.
        for id in [
            "arn:aws:logs:eu-west-1:000000000000:log-group:g",
            "arn:aws:logs:us-east-1:111111111111:log-group:g",
            "arn:aws-cn:logs:us-east-1:000000000000:log-group:g",
            "arn:aws:logs:us-east-1:000000000000:log-stream:g",
            "arn:aws:iam:us-east-1:000000000000:log-group:g",
            "arn:aws:logs",
        ] {
            assert_eq!(by_id(id), Err(LogsError::group_not_found()), "{id}");
        }
    }

    fn ev(timestamp: i64) -> LogEvent {
        LogEvent {
            timestamp,
            message: "m".into(),
        }
    }

    #[test]
    fn filter_patterns() {
        let all = FilterPattern::parse("").unwrap();
        assert!(all.matches("anything"));
        assert!(FilterPattern::parse("  ").unwrap().matches(""));
        assert!(FilterPattern::parse("\"\"").unwrap().matches("x"));

        let p = FilterPattern::parse("ERROR timeout").unwrap();
        assert!(p.matches("[ERROR] upstream timeout after 29s"));
        assert!(!p.matches("[ERROR] upstream refused"));
        // Case-sensitive, as CloudWatch's terms are.
        assert!(!p.matches("error timeout"));

        let q = FilterPattern::parse("\"GET /pets\" 200").unwrap();
        assert!(q.matches("1.2.3.4 GET /pets 200"));
        assert!(!q.matches("1.2.3.4 GET /pets/1 404"));
        assert!(!q.matches("GET /owners 200 /pets"));
        let esc = FilterPattern::parse(r#""say \"hi\"""#).unwrap();
        assert!(esc.matches(r#"they say "hi" twice"#));

        for unsupported in [
            "?ERROR ?WARN",
            "-DEBUG",
            "{ $.status = 500 }",
            "[ip, user]",
            "%err%",
        ] {
            let e = FilterPattern::parse(unsupported).unwrap_err();
            assert!(
                e.contains("only plain terms and quoted phrases"),
                "{unsupported}: {e}"
            );
        }
        assert!(FilterPattern::parse("/pets")
            .unwrap_err()
            .contains("must be enclosed in double quotes"));
        assert!(FilterPattern::parse("\"open")
            .unwrap_err()
            .contains("not closed"));
    }

    #[test]
    fn position_tokens_have_aws_shape_and_round_trip() {
        let f = position_token('f', 1_700_000_000_123, 42);
        assert!(f.starts_with("f/") && f.ends_with("/s"));
        assert_eq!(f.len(), 2 + 56 + 2);
        assert_eq!(parse_position_token(&f), Some(('f', 1_700_000_000_123, 42)));
        let b = position_token('b', 0, 0);
        assert_eq!(parse_position_token(&b), Some(('b', 0, 0)));
        // Without the `/s` suffix too; anything else is not ours.
        assert_eq!(
            parse_position_token(b.trim_end_matches("/s")),
            Some(('b', 0, 0))
        );
        for bad in [
            "",
            "f/",
            "x/0000",
            "f/12/s",
            "f/0000000000000000000000000000000000000000000000000000000a/s",
        ] {
            assert_eq!(parse_position_token(bad), None, "{bad}");
        }
    }

    #[test]
    fn paging_tokens_are_opaque_and_kind_checked() {
        let t = encode_token("g", "/aws/apigateway/welcome");
        assert!(t.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(decode_token("g", &t).unwrap(), "/aws/apigateway/welcome");
        assert_eq!(decode_token("s", &t).unwrap_err(), LogsError::bad_token());
        assert_eq!(decode_token("g", "zz").unwrap_err(), LogsError::bad_token());
        assert_eq!(
            decode_token("g", "abc").unwrap_err(),
            LogsError::bad_token()
        );
        let ft = filter_token(5, 7);
        assert_eq!(parse_filter_token(&ft).unwrap(), (5, 7));
        assert!(parse_filter_token(&t).is_err());
        assert_eq!(sequence_token(3).len(), 56);
    }

    #[test]
    fn rejections_split_a_batch() {
        let now = 100 * 24 * 3600 * 1000;
        let old = now - TOO_OLD_MS - 1;
        let new = now + TOO_NEW_MS + 1;
        let r = Rejections::of(&[ev(old), ev(old), ev(now), ev(new)], now, None);
        assert_eq!(r.accepted, 2..3);
        assert_eq!(
            r.info().unwrap(),
            json!({"tooNewLogEventStartIndex": 3, "tooOldLogEventEndIndex": 2})
        );
        let ok = Rejections::of(&[ev(now - 5), ev(now)], now, Some(now - 10));
        assert_eq!(ok.accepted, 0..2);
        assert_eq!(ok.info(), None);
        let expired = Rejections::of(&[ev(now - 20), ev(now)], now, Some(now - 10));
        assert_eq!(expired.accepted, 1..2);
        assert_eq!(
            expired.info().unwrap(),
            json!({"expiredLogEventEndIndex": 1})
        );
        let all_new = Rejections::of(&[ev(new)], now, None);
        assert!(all_new.accepted.is_empty());
    }

    #[test]
    fn validation_messages() {
        let mut f = Failures::default();
        f.required(None, "logGroupName");
        assert_eq!(
            f.finish().unwrap_err().message(),
            "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null"
        );
        let mut f = Failures::default();
        f.name(Some("a:b"), "logGroupName", GROUP_NAME_PATTERN);
        f.range(Some(51), "limit", 1, Some(50));
        let e = f.finish().unwrap_err();
        assert_eq!(e.code(), "InvalidParameterException");
        assert_eq!(
            e.message(),
            "2 validation errors detected: Value 'a:b' at 'logGroupName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+; Value '51' at 'limit' \
             failed to satisfy constraint: Member must have value less than or equal to 50"
        );
        let mut f = Failures::default();
        f.name(Some("a*b"), "logStreamName", STREAM_NAME_PATTERN);
        assert!(f.finish().is_err());
    }

    #[test]
    fn batch_sizes_count_26_bytes_per_event() {
        assert_eq!(batch_size(&[ev(1), ev(2)]), 2 * (1 + 26));
        let big = LogEvent {
            timestamp: 1,
            message: "x".repeat(MAX_RESPONSE_BYTES - 26),
        };
        assert_eq!(batch_size(std::slice::from_ref(&big)), MAX_RESPONSE_BYTES);
        assert!(batch_size(&[big, ev(2)]) > MAX_RESPONSE_BYTES);
    }

    #[test]
    fn one_megabyte_responses() {
        let sizes = [700_000, 400_000, 100];
        assert_eq!(fit_in_response(sizes.iter().copied(), false), 1);
        assert_eq!(fit_in_response(sizes.iter().copied(), true), 2);
        assert_eq!(fit_in_response([2_000_000].into_iter(), false), 0);
    }
}
