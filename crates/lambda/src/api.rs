//! The Lambda API's operations, routed by method and path as botocore's model has them.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use apigw_model::{ApiError, Scope};
use apigw_store::typed;

use crate::error::{LambdaError, LambdaResult};
use crate::function::{
    function_arn, now_timestamp, valid_name, Config, FunctionName, State, StoredFunction,
    DEFAULT_MEMORY, DEFAULT_TIMEOUT, RUNTIMES,
};
use crate::Lambda;

/// Where GetFunction's `Code.Location` points: the zip, served by this service.
pub const CODE_PREFIX: &str = "/_apigw/lambda-code/";

/// The largest Invoke payload (6 MB, synchronous).
const MAX_PAYLOAD: usize = 6 * 1024 * 1024;

/// The largest request body: a 50 MB zip, base64 in JSON.
const MAX_BODY: usize = 70 * 1024 * 1024;

const PATH_PREFIX: &str = "/2015-03-31/functions";

/// Serve one Lambda API request.
pub async fn handle(lambda: Arc<Lambda>, req: Request) -> Response {
    match route(lambda, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// The parts of a request the operations read.
struct Call {
    method: Method,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
    scope: Scope,
}

impl Call {
    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON body as `T` (an empty body as `{}`).
    fn json<T: for<'de> Deserialize<'de>>(&self) -> LambdaResult<T> {
        let body: &[u8] = if self.body.is_empty() {
            b"{}"
        } else {
            &self.body
        };
        serde_json::from_slice(body).map_err(|e| {
            LambdaError::RequestContent(format!("Could not parse request body into json: {e}"))
        })
    }
}

async fn route(lambda: Arc<Lambda>, req: Request) -> LambdaResult<Response> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let region = apigw_model::scope::region_from_auth(
        parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        parts.uri.query(),
    )
    .unwrap_or_else(|| lambda.default_region.clone());
    if let Some(rest) = path.strip_prefix(CODE_PREFIX) {
        return code_zip(&lambda, rest).await;
    }
    let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        LambdaError::TooLarge(format!("Request must be smaller than {MAX_BODY} bytes"))
    })?;
    let segments: Vec<String> = path
        .strip_prefix(PATH_PREFIX)
        .unwrap_or_default()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let call = Call {
        method: parts.method.clone(),
        segments,
        query: form_urlencoded_pairs(parts.uri.query().unwrap_or_default()),
        headers: parts.headers,
        body,
        scope: lambda.scope(&region),
    };
    let seg: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let m = &call.method;
    match (m, seg.as_slice()) {
        (&Method::POST, []) => create(&lambda, &call).await,
        (&Method::GET, []) => list(&lambda, &call).await,
        (&Method::GET, [name]) => get(&lambda, &call, name).await,
        (&Method::DELETE, [name]) => delete(&lambda, &call, name).await,
        (&Method::GET, [name, "configuration"]) => {
            let f = lambda.existing(&call.scope, name, call.query("Qualifier"))?;
            Ok(Json(f.config.to_wire(State::Active)).into_response())
        }
        (&Method::PUT, [name, "configuration"]) => update_configuration(&lambda, &call, name).await,
        (&Method::PUT, [name, "code"]) => update_code(&lambda, &call, name).await,
        (&Method::POST, [name, "invocations"]) => invoke(&lambda, &call, name).await,
        (&Method::POST, [name, "policy"]) => add_permission(&lambda, &call, name).await,
        (&Method::GET, [name, "policy"]) => get_policy(&lambda, &call, name).await,
        (&Method::DELETE, [name, "policy", sid]) => remove_permission(&lambda, &call, name, sid).await,
        _ => Err(LambdaError::UnknownOperation(format!(
            "apigw-local's built-in Lambda does not serve {} {path}: it serves CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, DeleteFunction, UpdateFunctionCode, UpdateFunctionConfiguration, Invoke, AddPermission, RemovePermission and GetPolicy.",
            call.method
        ))),
    }
}

fn form_urlencoded_pairs(q: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

impl Lambda {
    /// A function the path names, which must exist (and be `$LATEST`: there are no versions).
    pub(crate) fn existing(
        &self,
        scope: &Scope,
        name: &str,
        qualifier: Option<&str>,
    ) -> LambdaResult<Arc<StoredFunction>> {
        let f = FunctionName::parse(name)?;
        let qualifier = qualifier.or(f.qualifier.as_deref());
        let arn = match qualifier {
            Some(q) => format!("{}:{q}", function_arn(scope, &f.name)),
            None => function_arn(scope, &f.name),
        };
        if qualifier.is_some_and(|q| q != "$LATEST") {
            return Err(LambdaError::function_not_found(&arn));
        }
        self.find(scope, &f.name)
            .ok_or_else(|| LambdaError::function_not_found(&arn))
    }

    /// Store a zip (checked, hashed and synced: file work of up to 50 MB, so off the async
    /// thread).
    async fn put_code(&self, zip: Vec<u8>) -> LambdaResult<crate::code::Stored> {
        let code = self.code.clone();
        crate::blocking(move || code.put(&zip)).await
    }

    /// Change a function and store it as a new revision. `edit` runs on the latest committed
    /// copy, under [`Lambda::writes`]: two changes at once both land, each on top of the
    /// other, and a `RevisionId` checked in `edit` is checked against the copy being changed.
    /// When the change reaches what workers run ([`Config::same_worker`]), the function's
    /// workers are retired, so the next invocation runs the new code and configuration.
    async fn change<T>(
        &self,
        scope: &Scope,
        f: &StoredFunction,
        edit: impl FnOnce(&mut StoredFunction) -> LambdaResult<T>,
    ) -> LambdaResult<(StoredFunction, T)> {
        let name = &f.config.function_name;
        let gone = || LambdaError::function_not_found(&f.config.function_arn);
        let writes = self.writes.lock().await;
        let latest = self.find(scope, name).ok_or_else(gone)?;
        let mut changed = StoredFunction::clone(&latest);
        let out = edit(&mut changed)?;
        revised(&mut changed);
        let mut tx = self.store.write().await?;
        if !typed::update(&mut tx, scope, "", name, &changed).await? {
            return Err(gone());
        }
        tx.commit().await?;
        if !latest.config.same_worker(&changed.config) {
            // Before publishing: an invocation that reads the new copy starts its pool anew.
            self.runtimes.retire(scope, name);
        }
        self.publish(scope, name, Some(Arc::new(changed.clone())));
        drop(writes);
        Ok((changed, out))
    }
}

/// The request members of CreateFunction and UpdateFunctionConfiguration.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Settings {
    function_name: Option<String>,
    runtime: Option<String>,
    role: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<i64>,
    memory_size: Option<i64>,
    environment: Option<Environment>,
    code: Option<Code>,
    tags: Option<BTreeMap<String, String>>,
    architectures: Option<Vec<String>>,
    package_type: Option<String>,
    revision_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Environment {
    variables: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Code {
    zip_file: Option<String>,
    s3_bucket: Option<String>,
    image_uri: Option<String>,
    dry_run: Option<bool>,
    revision_id: Option<String>,
}

/// Environment variable names Lambda sets itself and refuses.
const RESERVED_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// The service model's constraints on the settings given (ValidationException).
fn check_constraints(s: &Settings) -> LambdaResult<()> {
    if let Some(r) = &s.runtime {
        if !RUNTIMES.contains(&r.as_str()) {
            return Err(LambdaError::constraint(
                r,
                "runtime",
                &ApiError::enum_constraint(RUNTIMES),
            ));
        }
    }
    if let Some(role) = &s.role {
        if !valid_role_arn(role) {
            return Err(LambdaError::constraint(
                role,
                "role",
                "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
            ));
        }
    }
    if let Some(t) = s.timeout {
        if t < 1 {
            return Err(LambdaError::constraint(
                &t.to_string(),
                "timeout",
                "Member must have value greater than or equal to 1",
            ));
        }
    }
    if let Some(m) = s.memory_size {
        if m < 128 {
            return Err(LambdaError::constraint(
                &m.to_string(),
                "memorySize",
                "Member must have value greater than or equal to 128",
            ));
        }
        if m > 10240 {
            return Err(LambdaError::constraint(
                &m.to_string(),
                "memorySize",
                "Member must have value less than or equal to 10240",
            ));
        }
    }
    if let Some(h) = &s.handler {
        if h.is_empty() || h.len() > 128 || h.chars().any(char::is_whitespace) {
            return Err(LambdaError::constraint(
                h,
                "handler",
                "Member must satisfy regular expression pattern: [^\\s]+",
            ));
        }
    }
    Ok(())
}

/// Business rules on the settings given (InvalidParameterValueException).
fn check_rules(s: &Settings) -> LambdaResult<()> {
    if let Some(t) = s.timeout {
        if t > 900 {
            return Err(LambdaError::InvalidParameter(format!(
                "Value {t} for parameter timeout is invalid. Max allowed value is 900."
            )));
        }
    }
    if let Some(vars) = s.environment.as_ref().and_then(|e| e.variables.as_ref()) {
        let reserved: Vec<&str> = vars
            .keys()
            .map(String::as_str)
            .filter(|k| RESERVED_VARIABLES.contains(k))
            .collect();
        if !reserved.is_empty() {
            return Err(LambdaError::InvalidParameter(format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
                reserved.join(", ")
            )));
        }
    }
    Ok(())
}

fn valid_role_arn(role: &str) -> bool {
    apigw_model::Arn::parse(role).is_some_and(|a| {
        a.partition.starts_with("aws")
            && a.service == "iam"
            && a.region.is_empty()
            && a.account.len() == 12
            && a.account.bytes().all(|b| b.is_ascii_digit())
            && a.resource.starts_with("role")
            && a.resource.len() > 5
    })
}

/// The zip a request carries (base64 in JSON, as botocore sends a blob).
fn zip_of(code: &Code) -> LambdaResult<Vec<u8>> {
    if code.s3_bucket.is_some() || code.image_uri.is_some() {
        return Err(LambdaError::zip_only());
    }
    let Some(zip) = &code.zip_file else {
        return Err(LambdaError::InvalidParameter(
            "Please provide a source for function code.".into(),
        ));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(zip)
        .map_err(|_| LambdaError::unzippable())?;
    if bytes.len() > crate::code::MAX_ZIP {
        return Err(LambdaError::TooLarge(
            "Request must be smaller than 70167211 bytes for the CreateFunction operation".into(),
        ));
    }
    Ok(bytes)
}

async fn role_must_exist(lambda: &Lambda, role: &str) -> LambdaResult<()> {
    let mut c = lambda.store.read().await?;
    if apigw_companions::iam::role_exists(&mut c, &lambda.account_id, role).await? {
        Ok(())
    } else {
        Err(LambdaError::InvalidParameter(
            "The role defined for the function cannot be assumed by Lambda.".into(),
        ))
    }
}

async fn create(lambda: &Lambda, call: &Call) -> LambdaResult<Response> {
    let s: Settings = call.json()?;
    let Some(name) = s.function_name.clone() else {
        return Err(LambdaError::missing("functionName"));
    };
    if !valid_name(&name) {
        return Err(LambdaError::constraint(
            &name,
            "functionName",
            "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
        ));
    }
    let Some(role) = s.role.clone() else {
        return Err(LambdaError::missing("role"));
    };
    let Some(code) = &s.code else {
        return Err(LambdaError::missing("code"));
    };
    check_constraints(&s)?;
    if s.package_type.as_deref() == Some("Image") {
        return Err(LambdaError::zip_only());
    }
    if s.runtime.is_none() || s.handler.is_none() {
        return Err(LambdaError::InvalidParameter(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages.".into(),
        ));
    }
    check_rules(&s)?;
    let zip = zip_of(code)?;
    role_must_exist(lambda, &role).await?;
    if lambda.find(&call.scope, &name).is_some() {
        return Err(LambdaError::Conflict(format!(
            "Function already exist: {name}"
        )));
    }
    let stored = lambda.put_code(zip).await?;
    let f = StoredFunction {
        config: Config {
            function_arn: function_arn(&call.scope, &name),
            function_name: name.clone(),
            runtime: s.runtime,
            role,
            handler: s.handler,
            code_size: stored.size,
            description: s.description.unwrap_or_default(),
            timeout: s.timeout.map_or(DEFAULT_TIMEOUT, |t| t as u32),
            memory_size: s.memory_size.map_or(DEFAULT_MEMORY, |m| m as u32),
            last_modified: now_timestamp(),
            code_sha256: stored.sha256,
            environment: s.environment.and_then(|e| e.variables).unwrap_or_default(),
            revision_id: uuid::Uuid::new_v4().to_string(),
            architectures: s.architectures.unwrap_or_default(),
        },
        tags: s.tags.unwrap_or_default(),
        statements: Vec::new(),
    };
    let writes = lambda.writes.lock().await;
    let mut tx = lambda.store.write().await?;
    match typed::insert(&mut tx, &call.scope, "", &name, &f).await {
        Err(e) if apigw_store::docs::is_conflict(&e) => {
            return Err(LambdaError::Conflict(format!(
                "Function already exist: {name}"
            )))
        }
        r => r?,
    };
    tx.commit().await?;
    lambda.publish(&call.scope, &name, Some(Arc::new(f.clone())));
    drop(writes);
    Ok((StatusCode::CREATED, Json(f.config.to_wire(State::Creating))).into_response())
}

async fn list(lambda: &Lambda, call: &Call) -> LambdaResult<Response> {
    // MaxListItems: 1 to 10,000.
    let max = match call.query("MaxItems") {
        None => 50,
        Some(m) => match m.parse::<usize>() {
            Ok(n) if (1..=10000).contains(&n) => n,
            Ok(n) if n > 10000 => {
                return Err(LambdaError::constraint(
                    m,
                    "maxItems",
                    "Member must have value less than or equal to 10000",
                ))
            }
            _ => {
                return Err(LambdaError::constraint(
                    m,
                    "maxItems",
                    "Member must have value greater than or equal to 1",
                ))
            }
        },
    };
    let mut c = lambda.store.read().await?;
    let mut all: Vec<StoredFunction> = typed::list(&mut c, &call.scope, "").await?;
    drop(c);
    all.sort_by(|a, b| a.config.function_name.cmp(&b.config.function_name));
    let after = call.query("Marker").map(|m| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(m)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default()
    });
    let rest: Vec<&StoredFunction> = all
        .iter()
        .filter(|f| after.as_ref().is_none_or(|a| f.config.function_name > *a))
        .collect();
    // "ListFunctions returns a maximum of 50 items in each response, even if you set the
    // number higher" (Lambda's API reference, MaxItems).
    let page = &rest[..rest.len().min(max.min(50))];
    let mut body = json!({
        "Functions": page.iter().map(|f| f.config.to_wire(State::Active)).collect::<Vec<_>>(),
    });
    if rest.len() > page.len() {
        if let Some(last) = page.last() {
            body["NextMarker"] =
                json!(base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(&last.config.function_name));
        }
    }
    Ok(Json(body).into_response())
}

async fn get(lambda: &Lambda, call: &Call, name: &str) -> LambdaResult<Response> {
    let f = lambda.existing(&call.scope, name, call.query("Qualifier"))?;
    let host = call.header("host").unwrap_or("127.0.0.1:4566");
    let mut body = json!({
        "Configuration": f.config.to_wire(State::Active),
        "Code": {
            "RepositoryType": "S3",
            "Location": format!(
                "http://{host}{CODE_PREFIX}{}/{}.zip",
                call.scope.region, f.config.function_name
            ),
        },
    });
    if !f.tags.is_empty() {
        body["Tags"] = json!(f.tags);
    }
    Ok(Json(body).into_response())
}

/// GetFunction's `Code.Location`: the function's zip.
async fn code_zip(lambda: &Lambda, rest: &str) -> LambdaResult<Response> {
    let (region, file) = rest.split_once('/').unwrap_or_default();
    let name = file.strip_suffix(".zip").unwrap_or_default();
    let scope = lambda.scope(region);
    let f = lambda.existing(&scope, name, None)?;
    let bytes = tokio::fs::read(lambda.code.zip_path(&f.config.code_sha256)).await?;
    Ok((
        [("content-type", HeaderValue::from_static("application/zip"))],
        Body::from(bytes),
    )
        .into_response())
}

async fn delete(lambda: &Lambda, call: &Call, name: &str) -> LambdaResult<Response> {
    let f = lambda.existing(&call.scope, name, call.query("Qualifier"))?;
    let writes = lambda.writes.lock().await;
    let mut tx = lambda.store.write().await?;
    // Deleted meanwhile: the 404 a later delete gets.
    if !typed::delete::<StoredFunction>(&mut tx, &call.scope, "", &f.config.function_name).await? {
        return Err(LambdaError::function_not_found(&f.config.function_arn));
    }
    tx.commit().await?;
    lambda.publish(&call.scope, &f.config.function_name, None);
    drop(writes);
    lambda.runtimes.retire(&call.scope, &f.config.function_name);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A given `RevisionId` must be the function's current one.
fn check_revision(f: &StoredFunction, given: Option<&str>) -> LambdaResult<()> {
    match given {
        Some(r) if r != f.config.revision_id => Err(LambdaError::PreconditionFailed(
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id".into(),
        )),
        _ => Ok(()),
    }
}

/// A new revision of a changed function.
fn revised(f: &mut StoredFunction) {
    f.config.revision_id = uuid::Uuid::new_v4().to_string();
    f.config.last_modified = now_timestamp();
}

async fn update_configuration(lambda: &Lambda, call: &Call, name: &str) -> LambdaResult<Response> {
    let s: Settings = call.json()?;
    check_constraints(&s)?;
    let f = lambda.existing(&call.scope, name, None)?;
    check_rules(&s)?;
    check_revision(&f, s.revision_id.as_deref())?;
    if let Some(role) = &s.role {
        role_must_exist(lambda, role).await?;
    }
    let (f, ()) = lambda
        .change(&call.scope, &f, |f| {
            check_revision(f, s.revision_id.as_deref())?;
            let c = &mut f.config;
            if let Some(role) = s.role {
                c.role = role;
            }
            if let Some(r) = s.runtime {
                c.runtime = Some(r);
            }
            if let Some(h) = s.handler {
                c.handler = Some(h);
            }
            if let Some(d) = s.description {
                c.description = d;
            }
            if let Some(t) = s.timeout {
                c.timeout = t as u32;
            }
            if let Some(m) = s.memory_size {
                c.memory_size = m as u32;
            }
            if let Some(e) = s.environment {
                c.environment = e.variables.unwrap_or_default();
            }
            Ok(())
        })
        .await?;
    Ok(Json(f.config.to_wire(State::Updating)).into_response())
}

async fn update_code(lambda: &Lambda, call: &Call, name: &str) -> LambdaResult<Response> {
    let code: Code = call.json()?;
    let f = lambda.existing(&call.scope, name, None)?;
    check_revision(&f, code.revision_id.as_deref())?;
    let zip = zip_of(&code)?;
    if code.dry_run == Some(true) {
        // Checked, not kept.
        crate::blocking(move || crate::code::CodeStore::check(&zip)).await?;
        return Ok(Json(f.config.to_wire(State::Active)).into_response());
    }
    let stored = lambda.put_code(zip).await?;
    let (f, ()) = lambda
        .change(&call.scope, &f, |f| {
            check_revision(f, code.revision_id.as_deref())?;
            f.config.code_sha256 = stored.sha256;
            f.config.code_size = stored.size;
            Ok(())
        })
        .await?;
    Ok(Json(f.config.to_wire(State::Updating)).into_response())
}

async fn invoke(lambda: &Arc<Lambda>, call: &Call, name: &str) -> LambdaResult<Response> {
    let kind = call
        .header("x-amz-invocation-type")
        .unwrap_or("RequestResponse");
    if !matches!(kind, "RequestResponse" | "Event" | "DryRun") {
        return Err(LambdaError::constraint(
            kind,
            "invocationType",
            &ApiError::enum_constraint(&["Event", "RequestResponse", "DryRun"]),
        ));
    }
    let f = lambda.existing(&call.scope, name, call.query("Qualifier"))?;
    if call.body.len() > MAX_PAYLOAD {
        return Err(LambdaError::TooLarge(format!(
            "{} byte payload is too large for the {kind} invocation type (limit {MAX_PAYLOAD} bytes)",
            call.body.len()
        )));
    }
    let payload = if call.body.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        serde_json::from_slice::<serde::de::IgnoredAny>(&call.body).map_err(|e| {
            LambdaError::RequestContent(format!(
                "Could not parse request body into json: Could not parse payload into json: {e}"
            ))
        })?;
        call.body.clone()
    };
    match kind {
        "DryRun" => Ok(StatusCode::NO_CONTENT.into_response()),
        "Event" => {
            let lambda = lambda.clone();
            let scope = call.scope.clone();
            tokio::spawn(async move {
                if let Err(e) = lambda.run(&scope, &f, payload).await {
                    tracing::warn!(error = %e, function = f.config.function_name, "asynchronous invocation failed");
                }
            });
            Ok((
                StatusCode::ACCEPTED,
                [("x-amz-executed-version", "$LATEST")],
            )
                .into_response())
        }
        _ => {
            let invoked = lambda.run(&call.scope, &f, payload).await?;
            let mut res = Response::new(Body::from(invoked.payload));
            let h = res.headers_mut();
            h.insert("content-type", HeaderValue::from_static("application/json"));
            h.insert(
                "x-amz-executed-version",
                HeaderValue::from_static("$LATEST"),
            );
            if let Some(e) = invoked.function_error {
                h.insert("x-amz-function-error", HeaderValue::from_static(e));
            }
            if call.header("x-amz-log-type") == Some("Tail") {
                if let Ok(v) = HeaderValue::from_str(&crate::logs::tail(&invoked.log)) {
                    h.insert("x-amz-log-result", v);
                }
            }
            Ok(res)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Permission {
    statement_id: Option<String>,
    action: Option<String>,
    principal: Option<String>,
    source_arn: Option<String>,
    source_account: Option<String>,
    revision_id: Option<String>,
}

async fn add_permission(lambda: &Lambda, call: &Call, name: &str) -> LambdaResult<Response> {
    let p: Permission = call.json()?;
    let sid = p
        .statement_id
        .clone()
        .ok_or_else(|| LambdaError::missing("statementId"))?;
    let action = p
        .action
        .clone()
        .ok_or_else(|| LambdaError::missing("action"))?;
    let principal = p
        .principal
        .clone()
        .ok_or_else(|| LambdaError::missing("principal"))?;
    let f = lambda.existing(&call.scope, name, call.query("Qualifier"))?;
    let principal = if principal == "*" {
        json!("*")
    } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": apigw_model::arn::iam_root(&principal) })
    } else if principal.starts_with("arn:") {
        json!({ "AWS": principal })
    } else {
        json!({ "Service": principal })
    };
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": f.config.function_arn,
    });
    let mut condition = serde_json::Map::new();
    if let Some(arn) = &p.source_arn {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    if let Some(account) = &p.source_account {
        condition.insert(
            "StringEquals".into(),
            json!({ "AWS:SourceAccount": account }),
        );
    }
    if !condition.is_empty() {
        statement["Condition"] = Value::Object(condition);
    }
    let (_, statement) = lambda
        .change(&call.scope, &f, |f| {
            check_revision(f, p.revision_id.as_deref())?;
            if f.statements.iter().any(|s| s["Sid"] == sid.as_str()) {
                return Err(LambdaError::Conflict(
                    "The statement id (sid) provided already exists. Please choose another statement id."
                        .into(),
                ));
            }
            f.statements.push(statement.clone());
            Ok(statement)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "Statement": statement.to_string() })),
    )
        .into_response())
}

async fn get_policy(lambda: &Lambda, call: &Call, name: &str) -> LambdaResult<Response> {
    let f = lambda.existing(&call.scope, name, call.query("Qualifier"))?;
    if f.statements.is_empty() {
        return Err(LambdaError::NotFound(
            "The resource you requested does not exist.".into(),
        ));
    }
    let policy = json!({ "Version": "2012-10-17", "Id": "default", "Statement": f.statements });
    Ok(
        Json(json!({ "Policy": policy.to_string(), "RevisionId": f.config.revision_id }))
            .into_response(),
    )
}

async fn remove_permission(
    lambda: &Lambda,
    call: &Call,
    name: &str,
    sid: &str,
) -> LambdaResult<Response> {
    let f = lambda.existing(&call.scope, name, call.query("Qualifier"))?;
    lambda
        .change(&call.scope, &f, |f| {
            check_revision(f, call.query("RevisionId"))?;
            let before = f.statements.len();
            f.statements.retain(|s| s["Sid"] != sid);
            if f.statements.len() == before {
                return Err(LambdaError::NotFound(format!(
                    "Statement {sid} is not found in resource policy."
                )));
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_checked_as_the_model_says() {
        assert!(valid_role_arn("arn:aws:iam::123456789012:role/lambda-role"));
        assert!(valid_role_arn("arn:aws:iam::123456789012:role/path/to/r"));
        assert!(!valid_role_arn("arn:aws:iam::12345:role/r"));
        assert!(!valid_role_arn("lambda-role"));
        assert!(!valid_role_arn("arn:aws:iam::123456789012:user/u"));
    }

    #[test]
    fn settings_break_constraints_before_rules() {
        let s = Settings {
            timeout: Some(0),
            ..Settings::default()
        };
        assert!(matches!(
            check_constraints(&s),
            Err(LambdaError::Validation(_))
        ));
        let s = Settings {
            timeout: Some(901),
            ..Settings::default()
        };
        assert!(check_constraints(&s).is_ok());
        assert_eq!(
            check_rules(&s),
            Err(LambdaError::InvalidParameter(
                "Value 901 for parameter timeout is invalid. Max allowed value is 900.".into()
            ))
        );
        let s = Settings {
            environment: Some(Environment {
                variables: Some(BTreeMap::from([(
                    "AWS_REGION".to_string(),
                    "x".to_string(),
                )])),
            }),
            ..Settings::default()
        };
        assert!(
            matches!(check_rules(&s), Err(LambdaError::InvalidParameter(m)) if m.ends_with("Reserved keys used in this request: AWS_REGION"))
        );
        let s = Settings {
            runtime: Some("cobol".into()),
            ..Settings::default()
        };
        assert!(
            matches!(check_constraints(&s), Err(LambdaError::Validation(m)) if m.contains("at 'runtime'"))
        );
    }
}
