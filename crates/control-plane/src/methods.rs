//! Methods and method responses: PutMethod, GetMethod, UpdateMethod, DeleteMethod,
//! PutMethodResponse, GetMethodResponse, UpdateMethodResponse, DeleteMethodResponse
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html),
//! [method responses](https://docs.aws.amazon.com/apigateway/latest/api/API_MethodResponse.html)).
//!
//! A method lives inside its resource document (`resourceMethods`), so every call loads the
//! resource, changes it in memory after all checks passed and saves it in the same write
//! transaction: a refused call changes nothing.
//!
//! AWS's answers followed here come from the recordings in `test_apigateway_api.snapshot.json`
//! (`TestApiGatewayApiMethod`, `TestApigatewayMethodResponse`). Notably AWS names the
//! *resource* (not the API) when the API does not exist, and refuses a second PutMethod on the
//! same verb with `ConflictException` instead of replacing the method.

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::response::Response;
use axum::routing::put;
use axum::Router;
use serde::Deserialize;

use apigw_model::{
    ApiError, Authorizer, Method, MethodResponse, ParamMap, RequestValidator, Resource, Scope,
    StringMap,
};
use apigw_store::SqliteConnection;
use apigw_store::{typed, WriteTx};

use crate::error::{method_not_found, Error, Result};
use crate::extract::{AwsJson, Call};
use crate::family;
use crate::patch::{self, Op, PatchInput, PatchOp};
use crate::wire::{java_bool, null_member};
use crate::{authorizers, models, reply, resources, validate, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
            put(put_method)
                .get(get_method)
                .patch(update_method)
                .delete(delete_method),
        )
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/{status_code}",
            put(put_method_response)
                .get(get_response::<MethodResponse>)
                .patch(update_method_response)
                .delete(delete_response::<MethodResponse>),
        )
}

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by the integrations module)
// ---------------------------------------------------------------------------------------------

/// The verbs a method may have, in AWS's order (its error message lists them so).
pub const HTTP_METHODS: &[&str] = &[
    "GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY",
];

/// The models every REST API has from its creation on ([`crate::models::defaults`]).
pub const DEFAULT_MODELS: &[&str] = &["Empty", "Error"];

/// What a method may name in its API: authorizers, models (by name), request validators (by
/// id). Loaded once per call, inside the call's transaction.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    /// The API's authorizers.
    pub authorizers: Vec<Authorizer>,
    /// The names of the API's models.
    pub models: Vec<String>,
    /// The ids of the API's request validators.
    pub validators: Vec<String>,
}

impl Refs {
    /// Read what the methods of `api_id` may reference.
    ///
    /// # Errors
    /// Store failure.
    pub async fn load(c: &mut SqliteConnection, scope: &Scope, api_id: &str) -> Result<Self> {
        Ok(Self {
            authorizers: typed::list(c, scope, api_id).await?,
            models: models::names(c, scope, api_id).await?,
            validators: typed::list::<RequestValidator>(c, scope, api_id)
                .await?
                .into_iter()
                .map(|v| v.id)
                .collect(),
        })
    }

    /// A new API's references: the default models only.
    pub fn defaults() -> Self {
        Self {
            models: DEFAULT_MODELS.iter().map(|m| m.to_string()).collect(),
            ..Self::default()
        }
    }
}

/// Load a resource for a method-level call.
///
/// Unlike resource-level calls, AWS answers "Invalid Resource identifier specified" even when
/// the API itself does not exist (recordings: test_put_method_validation `wrong-api`,
/// test_get_integration_non_existent `get-integration-no-api`), so the API is not checked apart.
///
/// # Errors
/// `NotFoundException` when the API or the resource is unknown.
pub async fn load_resource(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    resource_id: &str,
) -> Result<Resource> {
    family::load(c, scope, api_id, resource_id).await
}

/// Method `verb` of a resource, for a read ([`load_resource`]'s 404, then the method's).
///
/// # Errors
/// `NotFoundException`; store failure.
pub async fn read_method(
    st: &AppState,
    scope: &Scope,
    api_id: &str,
    rid: &str,
    verb: &str,
) -> Result<Method> {
    let mut c = st.store.read().await?;
    let mut res = load_resource(&mut c, scope, api_id, rid).await?;
    Ok(method_mut(&mut res, verb)?.clone())
}

/// A method-level write: the resource loaded in the call's transaction ([`load_resource`]'s
/// 404), changed in place, then saved and committed together.
pub struct ResourceWrite {
    /// The call's transaction, for the reads the change depends on.
    pub tx: WriteTx,
    /// The resource holding the method.
    pub res: Resource,
}

impl ResourceWrite {
    /// Begin the transaction and load the resource.
    ///
    /// # Errors
    /// `NotFoundException` when the API or the resource is unknown; store failure.
    pub async fn begin(st: &AppState, scope: &Scope, api_id: &str, rid: &str) -> Result<Self> {
        let mut tx = st.store.write().await?;
        let res = load_resource(&mut tx, scope, api_id, rid).await?;
        Ok(Self { tx, res })
    }

    /// Save the resource and commit.
    ///
    /// # Errors
    /// Store failure; nothing is written.
    pub async fn commit(mut self, scope: &Scope, api_id: &str) -> Result<()> {
        resources::save(&mut self.tx, scope, api_id, &self.res).await?;
        self.tx.commit().await?;
        Ok(())
    }
}

/// The method `verb` of a resource.
///
/// # Errors
/// "Invalid Method identifier specified" when the resource has no such method.
pub fn method_mut<'a>(r: &'a mut Resource, verb: &str) -> Result<&'a mut Method> {
    r.resource_methods
        .as_mut()
        .and_then(|m| m.get_mut(verb))
        .ok_or_else(method_not_found)
}

/// Check a verb against AWS's list.
///
/// # Errors
/// `BadRequestException` with AWS's message.
pub fn check_verb(verb: &str) -> Result<()> {
    if HTTP_METHODS.contains(&verb) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid HttpMethod specified. Valid options are {}",
            HTTP_METHODS.join(",")
        ))
        .into())
    }
}

/// AWS's wrapper around mapping-expression failures, e.g. (recording
/// test_put_integration_request_parameter_bool_type) "Invalid mapping expression specified:
/// Validation Result: warnings : [], errors : [Invalid mapping expression specified: true]".
pub fn mapping_error(detail: &str) -> Error {
    ApiError::bad_request(format!(
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [{detail}]"
    ))
    .into()
}

/// Check that a model name exists in the API (`models`: the names of its models).
///
/// # Errors
/// `BadRequestException` "Invalid model identifier specified: X" (recording test_put_method_validation).
pub fn check_model(name: &str, models: &[String]) -> Result<()> {
    if models.iter().any(|m| m == name) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("Invalid model identifier specified: {name}")).into())
    }
}

/// Validate the patch ops of an `Update*Response` call together with its status code, reporting
/// both in one `ValidationException` with the ops first, as AWS does (recording
/// test_update_method_response_negative_tests `update-method-response-invalid-statuscode-and-wrong-op`).
///
/// # Errors
/// `ValidationException` listing every failure.
pub fn ops_with_status(
    input: PatchInput,
    input_name: &str,
    status_code: &str,
) -> Result<Vec<PatchOp>> {
    const OPS: &[&str] = &["add", "remove", "move", "test", "replace", "copy"];
    let mut failures = validate::Failures::default();
    for (i, raw) in input.patch_operations.iter().flatten().enumerate() {
        let op = raw.op.as_deref().unwrap_or("null");
        if !OPS.contains(&op) {
            failures.push(
                op,
                &format!("{input_name}.patchOperations.{}.member.op", i + 1),
                ApiError::enum_constraint(OPS),
            );
        }
    }
    if validate::status_code(status_code).is_err() {
        failures.push(
            status_code,
            "statusCode",
            "Member must satisfy regular expression pattern: [1-5]\\d\\d",
        );
    }
    failures.finish()?;
    patch::parse(input, input_name)
}

/// AWS's "Invalid patch path /x" for a path the resource does not have.
fn bad_path(op: &PatchOp) -> Error {
    op.invalid_path_short()
}

/// AWS's "Invalid patch operation specified. Must be one of: [..]" (recording
/// test_update_method_validation `unsupported-operation`).
pub(crate) fn bad_op(allowed: &[&str]) -> Error {
    ApiError::bad_request(format!(
        "Invalid patch operation specified. Must be one of: [{}]",
        allowed.join(", ")
    ))
    .into()
}

/// `None` for an empty map, so that AWS's "omitted when empty" holds after removals.
fn none_if_empty<V>(m: Option<BTreeMap<String, V>>) -> Option<BTreeMap<String, V>> {
    m.filter(|m| !m.is_empty())
}

fn no_empty_params(m: Option<ParamMap>) -> Option<ParamMap> {
    m.filter(|m| !m.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------------------------

const AUTH_TYPES: &[&str] = &["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"];

/// The locations a method request parameter may come from.
const REQUEST_LOCATIONS: &[&str] = &[
    "querystring",
    "header",
    "path",
    "multivaluequerystring",
    "multivalueheader",
];

/// AWS's authorization types, case-insensitively (AWS accepts `none`, as in
/// test_integration_mock_with_path_param, and answers it upper-cased).
fn auth_type(v: &str) -> Result<String> {
    let up = v.to_ascii_uppercase();
    if AUTH_TYPES.contains(&up.as_str()) {
        Ok(up)
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid authorization type specified. Valid options are {}",
            AUTH_TYPES.join(",")
        ))
        .into())
    }
}

/// The authorizer id a method keeps: CUSTOM and COGNITO_USER_POOLS need one naming an
/// authorizer of the API of the matching kind (CUSTOM: TOKEN/REQUEST, COGNITO_USER_POOLS:
/// COGNITO_USER_POOLS); any other type drops the id (recording test_update_method_validation
/// `skip-auth-id-with-wrong-type`).
///
/// # Errors
/// AWS's recorded BadRequest (test_put_method_validation `missing-authorizer-id`,
/// test_update_method_validation `wrong-auth-type`, `wrong-auth-id`).
fn check_authorizer(
    auth_type: &str,
    authorizer_id: Option<String>,
    authorizers: &[Authorizer],
) -> Result<Option<String>> {
    if auth_type != "CUSTOM" && auth_type != "COGNITO_USER_POOLS" {
        return Ok(None);
    }
    let valid = authorizer_id.as_deref().is_some_and(|id| {
        authorizers
            .iter()
            .any(|a| a.id == id && authorizers::serves(a, auth_type))
    });
    if valid {
        Ok(authorizer_id)
    } else {
        Err(ApiError::bad_request(
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        )
        .into())
    }
}

/// The request validator id a method keeps: one of the API's validators, or none (an empty
/// id clears).
///
/// # Errors
/// AWS's recorded BadRequest (test_put_method_validation `invalid-request-validator`,
/// test_update_method_validation `wrong-req-validator-id`).
fn check_validator(id: Option<&str>, validators: &[String]) -> Result<Option<String>> {
    match id {
        Some(v) if !v.is_empty() => {
            if validators.iter().any(|known| known == v) {
                Ok(Some(v.to_string()))
            } else {
                Err(ApiError::bad_request("Invalid Request Validator identifier specified").into())
            }
        }
        _ => Ok(None),
    }
}

/// The parameter name of `method.request.{location}.{name}`, or `None` if malformed.
pub(crate) fn request_parameter_name(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("method.request.")?;
    let (loc, name) = rest.split_once('.')?;
    (REQUEST_LOCATIONS.contains(&loc) && !name.is_empty()).then_some(name)
}

/// Check method request parameter names: each well-formed, and no name twice across
/// locations (recording test_method_request_parameters `req-params-same-name`).
fn check_request_parameters<'a>(keys: impl IntoIterator<Item = &'a String>) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    let mut duplicate = false;
    for key in keys {
        let Some(name) = request_parameter_name(key) else {
            return Err(mapping_error(&format!(
                "Invalid mapping expression specified: {key}"
            )));
        };
        duplicate |= !seen.insert(name.to_string());
    }
    if duplicate {
        return Err(ApiError::bad_request(
            "Parameter names must be unique across querystring, header and path",
        )
        .into());
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutMethodInput {
    authorization_type: Option<String>,
    authorizer_id: Option<String>,
    api_key_required: Option<bool>,
    operation_name: Option<String>,
    request_parameters: Option<ParamMap>,
    request_models: Option<StringMap>,
    request_validator_id: Option<String>,
    authorization_scopes: Option<Vec<String>>,
}

/// Build a new method from PutMethod's input, checking it as AWS does.
fn new_method(verb: &str, input: PutMethodInput, refs: &Refs) -> Result<Method> {
    if let Some(p) = &input.request_parameters {
        check_request_parameters(p.keys())?;
    }
    let auth = auth_type(input.authorization_type.as_deref().unwrap_or_default())?;
    let authorizer_id = check_authorizer(&auth, input.authorizer_id, &refs.authorizers)?;
    let request_validator_id =
        check_validator(input.request_validator_id.as_deref(), &refs.validators)?;
    for model in input.request_models.iter().flat_map(|m| m.values()) {
        check_model(model, &refs.models)?;
    }
    Ok(Method {
        http_method: verb.to_string(),
        authorization_type: auth,
        authorizer_id,
        api_key_required: input.api_key_required.unwrap_or(false),
        request_validator_id,
        operation_name: input.operation_name,
        request_parameters: no_empty_params(input.request_parameters),
        request_models: none_if_empty(input.request_models),
        method_responses: None,
        method_integration: None,
        authorization_scopes: input.authorization_scopes.filter(|s| !s.is_empty()),
    })
}

/// Check a whole method (as an import builds it) with PutMethod's and PutMethodResponse's
/// rules.
///
/// # Errors
/// The error the single operation would answer.
pub(crate) fn check_method(m: &Method, refs: &Refs) -> Result<()> {
    if let Some(p) = &m.request_parameters {
        check_request_parameters(p.keys())?;
    }
    auth_type(&m.authorization_type)?;
    check_authorizer(
        &m.authorization_type,
        m.authorizer_id.clone(),
        &refs.authorizers,
    )?;
    check_validator(m.request_validator_id.as_deref(), &refs.validators)?;
    for model in m.request_models.iter().flat_map(|m| m.values()) {
        check_model(model, &refs.models)?;
    }
    for (code, r) in m.method_responses.iter().flatten() {
        validate::status_code(code)?;
        if let Some(p) = &r.response_parameters {
            check_response_parameters(p.keys())?;
        }
        for model in r.response_models.iter().flat_map(|m| m.values()) {
            check_model(model, &refs.models)?;
        }
    }
    Ok(())
}

async fn put_method(
    Call { st, scope }: Call,
    Path((api_id, rid, verb)): Path<(String, String, String)>,
    AwsJson(input): AwsJson<PutMethodInput>,
) -> Result<Response> {
    if input.authorization_type.is_none() {
        return Err(null_member("putMethodInput.authorizationType"));
    }
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    check_verb(&verb)?;
    let refs = Refs::load(&mut w.tx, &scope, &api_id).await?;
    let method = new_method(&verb, input, &refs)?;
    let methods = w.res.resource_methods.get_or_insert_with(Default::default);
    if methods.contains_key(&verb) {
        // AWS refuses rather than replaces (aws/aws-cli#3992 quotes this answer).
        return Err(ApiError::conflict("Method already exists for this resource").into());
    }
    methods.insert(verb, method.clone());
    w.commit(&scope, &api_id).await?;
    reply::created(&method)
}

async fn get_method(
    Call { st, scope }: Call,
    Path((api_id, rid, verb)): Path<(String, String, String)>,
) -> Result<Response> {
    reply::ok(&read_method(&st, &scope, &api_id, &rid, &verb).await?)
}

async fn delete_method(
    Call { st, scope }: Call,
    Path((api_id, rid, verb)): Path<(String, String, String)>,
) -> Result<Response> {
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    let removed = w
        .res
        .resource_methods
        .as_mut()
        .and_then(|m| m.remove(&verb));
    if removed.is_none() {
        return Err(method_not_found());
    }
    w.res.resource_methods = none_if_empty(w.res.resource_methods);
    w.commit(&scope, &api_id).await?;
    reply::no_content()
}

/// Apply UpdateMethod's ops to a copy of the method, as AWS's patch-operations reference and
/// the recordings (test_update_method, test_update_method_validation, test_put_method_model)
/// describe.
///
/// # Errors
/// AWS's BadRequest answers; the method is left as it was.
fn apply_method_patch(m: &Method, ops: &[PatchOp], refs: &Refs) -> Result<Method> {
    let mut m = m.clone();
    let mut authorizer_id: Option<String> = m.authorizer_id.clone();
    patch::each(ops, |op, segs| {
        match segs {
            [field @ ("authorizationType" | "authorizerId" | "apiKeyRequired" | "operationName"
            | "requestValidatorId")] => {
                if op.op != Op::Replace {
                    return Err(bad_op(&["replace"]));
                }
                match *field {
                    "authorizationType" => m.authorization_type = auth_type(op.value()?)?,
                    "authorizerId" => authorizer_id = op.value_or_clear(),
                    "apiKeyRequired" => m.api_key_required = java_bool(op.value.as_deref()),
                    "operationName" => m.operation_name = op.value_or_clear(),
                    _ => {
                        m.request_validator_id =
                            check_validator(op.value.as_deref(), &refs.validators)?;
                    }
                }
            }
            ["authorizationScopes"] => {
                let scopes = m.authorization_scopes.get_or_insert_with(Vec::new);
                match op.op {
                    Op::Add => {
                        let v = op.value()?.to_string();
                        if !scopes.contains(&v) {
                            scopes.push(v);
                        }
                    }
                    Op::Remove => match op.value.as_deref() {
                        Some(v) => scopes.retain(|s| s != v),
                        None => scopes.clear(),
                    },
                    _ => return Err(bad_op(&["add", "remove"])),
                }
            }
            ["requestParameters", name] => match op.op {
                Op::Add | Op::Replace => {
                    let name = name.to_string();
                    let params = m.request_parameters.get_or_insert_with(Default::default);
                    params.insert(name, java_bool(op.value.as_deref()));
                    check_request_parameters(params.keys())?;
                }
                Op::Remove => {
                    if let Some(p) = m.request_parameters.as_mut() {
                        p.shift_remove(*name);
                    }
                }
                _ => return Err(bad_op(&["add", "remove", "replace"])),
            },
            ["requestModels", content_type] => match op.op {
                Op::Add | Op::Replace => {
                    let model = op.value()?;
                    check_model(model, &refs.models)?;
                    m.request_models
                        .get_or_insert_with(Default::default)
                        .insert(content_type.to_string(), model.to_string());
                }
                Op::Remove => {
                    if let Some(p) = m.request_models.as_mut() {
                        p.remove(*content_type);
                    }
                }
                _ => return Err(bad_op(&["add", "remove", "replace"])),
            },
            _ => return Err(bad_path(op)),
        }
        Ok(())
    })?;
    m.authorizer_id = check_authorizer(&m.authorization_type, authorizer_id, &refs.authorizers)?;
    m.request_parameters = no_empty_params(m.request_parameters);
    m.request_models = none_if_empty(m.request_models);
    m.authorization_scopes = m.authorization_scopes.filter(|s| !s.is_empty());
    Ok(m)
}

async fn update_method(
    Call { st, scope }: Call,
    Path((api_id, rid, verb)): Path<(String, String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateMethodInput")?;
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    let refs = Refs::load(&mut w.tx, &scope, &api_id).await?;
    let method = method_mut(&mut w.res, &verb)?;
    *method = apply_method_patch(method, &ops, &refs)?;
    let out = method.clone();
    w.commit(&scope, &api_id).await?;
    reply::ok(&out)
}

// ---------------------------------------------------------------------------------------------
// Method responses
// ---------------------------------------------------------------------------------------------

fn response_not_found() -> Error {
    ApiError::not_found("Invalid Response status code specified").into()
}

/// The response for `code` in a method's or an integration's responses (both are keyed by
/// status code), or AWS's 404 for the code.
///
/// # Errors
/// `NotFoundException` "Invalid Response status code specified".
pub fn response_of<'a, T>(responses: Option<&'a BTreeMap<String, T>>, code: &str) -> Result<&'a T> {
    responses
        .and_then(|r| r.get(code))
        .ok_or_else(response_not_found)
}

/// Remove the response for `code` from a method's or an integration's responses; an emptied
/// map goes too, so the member is omitted as AWS omits it.
///
/// # Errors
/// `NotFoundException` "Invalid Response status code specified" when there is none.
pub fn remove_response<T>(responses: &mut Option<BTreeMap<String, T>>, code: &str) -> Result<()> {
    if responses.as_mut().and_then(|r| r.remove(code)).is_none() {
        return Err(response_not_found());
    }
    *responses = none_if_empty(responses.take());
    Ok(())
}

/// Check `method.response.header.{name}` keys.
fn check_response_parameters<'a>(keys: impl IntoIterator<Item = &'a String>) -> Result<()> {
    for key in keys {
        let ok = key
            .strip_prefix("method.response.header.")
            .is_some_and(|n| !n.is_empty());
        if !ok {
            return Err(mapping_error(&format!(
                "Invalid mapping expression specified: {key}"
            )));
        }
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutMethodResponseInput {
    response_parameters: Option<BTreeMap<String, bool>>,
    response_models: Option<StringMap>,
}

async fn put_method_response(
    Call { st, scope }: Call,
    Path((api_id, rid, verb, code)): Path<(String, String, String, String)>,
    AwsJson(input): AwsJson<PutMethodResponseInput>,
) -> Result<Response> {
    validate::status_code(&code)?;
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    let models = models::names(&mut w.tx, &scope, &api_id).await?;
    let method = method_mut(&mut w.res, &verb)?;
    if let Some(p) = &input.response_parameters {
        check_response_parameters(p.keys())?;
    }
    for model in input.response_models.iter().flat_map(|m| m.values()) {
        check_model(model, &models)?;
    }
    let responses = method.method_responses.get_or_insert_with(Default::default);
    if responses.contains_key(&code) {
        return Err(ApiError::conflict("Response already exists for this resource").into());
    }
    // Empty maps sent stay on the answer as `{}` (recording test_lifecycle_method_response).
    let mr = MethodResponse {
        status_code: code.clone(),
        response_parameters: input.response_parameters,
        response_models: input.response_models,
    };
    responses.insert(code, mr.clone());
    w.commit(&scope, &api_id).await?;
    reply::created(&mr)
}

/// Responses keyed by status code that hang off a method: its own ([`MethodResponse`]) and its
/// integration's ([`IntegrationResponse`](apigw_model::IntegrationResponse)). Get and Delete of
/// either are the same steps over a different map, served by [`get_response`] and
/// [`delete_response`].
pub trait StatusResponses: serde::Serialize + Sized + 'static {
    /// The map these responses live in, or the 404 of what holds it.
    ///
    /// # Errors
    /// `NotFoundException` (e.g. no integration).
    fn of(m: &Method) -> Result<Option<&BTreeMap<String, Self>>>;
    /// The same map for a change; `m` is the method's lookup, whose 404 the type may answer
    /// differently.
    ///
    /// # Errors
    /// `NotFoundException`.
    fn of_mut(m: Result<&mut Method>) -> Result<&mut Option<BTreeMap<String, Self>>>;
}

impl StatusResponses for MethodResponse {
    fn of(m: &Method) -> Result<Option<&BTreeMap<String, Self>>> {
        Ok(m.method_responses.as_ref())
    }

    fn of_mut(m: Result<&mut Method>) -> Result<&mut Option<BTreeMap<String, Self>>> {
        Ok(&mut m?.method_responses)
    }
}

/// The handler of GetMethodResponse and GetIntegrationResponse.
///
/// # Errors
/// The status code's 400, the resource's, method's (or integration's) and response's 404s.
pub async fn get_response<T: StatusResponses>(
    Call { st, scope }: Call,
    Path((api_id, rid, verb, code)): Path<(String, String, String, String)>,
) -> Result<Response> {
    validate::status_code(&code)?;
    let method = read_method(&st, &scope, &api_id, &rid, &verb).await?;
    reply::ok(response_of(T::of(&method)?, &code)?)
}

/// The handler of DeleteMethodResponse and DeleteIntegrationResponse.
///
/// # Errors
/// As [`get_response`]; nothing is written.
pub async fn delete_response<T: StatusResponses>(
    Call { st, scope }: Call,
    Path((api_id, rid, verb, code)): Path<(String, String, String, String)>,
) -> Result<Response> {
    validate::status_code(&code)?;
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    remove_response(T::of_mut(method_mut(&mut w.res, &verb))?, &code)?;
    w.commit(&scope, &api_id).await?;
    reply::no_content()
}

/// Apply UpdateMethodResponse's ops to a copy (recordings test_update_method_response*,
/// test_update_method_lack_response_parameters_and_models, test_update_method_wrong_param_names).
///
/// # Errors
/// AWS's answers; the response is left as it was.
fn apply_method_response_patch(
    mr: &MethodResponse,
    ops: &[PatchOp],
    known_models: &[String],
) -> Result<MethodResponse> {
    let mut mr = mr.clone();
    patch::each(ops, |op, segs| {
        match segs {
            ["responseParameters", name] => {
                let missing = patch::MISSING_PARAMETER;
                patch::require_entry(mr.response_parameters.as_ref(), op, name, missing)?;
                let params = mr.response_parameters.get_or_insert_with(Default::default);
                match op.op {
                    Op::Add => {
                        check_response_parameters([&name.to_string()])?;
                        params.insert(name.to_string(), java_bool(op.value.as_deref()));
                    }
                    Op::Replace => {
                        params.insert(name.to_string(), java_bool(op.value.as_deref()));
                    }
                    Op::Remove => {
                        params.remove(*name);
                    }
                    _ => return Err(bad_op(&["add", "remove", "replace"])),
                }
            }
            ["responseModels", content_type] => {
                let missing = patch::MISSING_CONTENT_TYPE;
                patch::require_entry(mr.response_models.as_ref(), op, content_type, missing)?;
                let models = mr.response_models.get_or_insert_with(Default::default);
                match op.op {
                    Op::Add | Op::Replace => {
                        let model = op.value()?;
                        check_model(model, known_models)?;
                        models.insert(content_type.to_string(), model.to_string());
                    }
                    Op::Remove => {
                        models.remove(*content_type);
                    }
                    _ => return Err(bad_op(&["add", "remove", "replace"])),
                }
            }
            _ => return Err(bad_path(op)),
        }
        Ok(())
    })?;
    // AWS omits the maps once their last entry is removed (recording test_update_method_response).
    mr.response_parameters = none_if_empty(mr.response_parameters);
    mr.response_models = none_if_empty(mr.response_models);
    Ok(mr)
}

async fn update_method_response(
    Call { st, scope }: Call,
    Path((api_id, rid, verb, code)): Path<(String, String, String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = ops_with_status(input, "updateMethodResponseInput", &code)?;
    let mut w = ResourceWrite::begin(&st, &scope, &api_id, &rid).await?;
    let models = models::names(&mut w.tx, &scope, &api_id).await?;
    let method = method_mut(&mut w.res, &verb)?;
    let mr = method
        .method_responses
        .as_mut()
        .and_then(|r| r.get_mut(&code))
        .ok_or_else(response_not_found)?;
    *mr = apply_method_response_patch(mr, &ops, &models)?;
    let out = mr.clone();
    w.commit(&scope, &api_id).await?;
    // botocore's model gives UpdateMethodResponse a 201.
    reply::created(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::op;
    use proptest::prelude::*;

    fn base() -> Method {
        Method {
            http_method: "ANY".into(),
            authorization_type: "NONE".into(),
            ..Default::default()
        }
    }

    /// The patch of a new API: no authorizers or validators, the default models (shadows the
    /// module's function).
    fn apply_method_patch(m: &Method, ops: &[PatchOp]) -> Result<Method> {
        super::apply_method_patch(m, ops, &Refs::defaults())
    }

    /// The response patch of a new API (shadows the module's function).
    fn apply_method_response_patch(mr: &MethodResponse, ops: &[PatchOp]) -> Result<MethodResponse> {
        super::apply_method_response_patch(mr, ops, &Refs::defaults().models)
    }

    fn authorizer(id: &str, kind: &str) -> Authorizer {
        Authorizer {
            id: id.into(),
            name: id.into(),
            authorizer_type: kind.into(),
            ..Default::default()
        }
    }

    #[test]
    fn authorizer_ids_must_name_an_authorizer_of_the_matching_kind() {
        const INVALID: &str = "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.";
        let auths = [
            authorizer("tok123", "TOKEN"),
            authorizer("req123", "REQUEST"),
            authorizer("cog123", "COGNITO_USER_POOLS"),
        ];
        let auths = Refs {
            authorizers: auths.to_vec(),
            ..Refs::defaults()
        };
        let patch = |ops: &[PatchOp]| super::apply_method_patch(&base(), ops, &auths);
        // Recorded (test_update_method `update-method-replace-authorizer`).
        for (auth, id) in [
            ("CUSTOM", "tok123"),
            ("CUSTOM", "req123"),
            ("COGNITO_USER_POOLS", "cog123"),
        ] {
            let m = patch(&[
                op(Op::Replace, "/authorizationType", Some(auth)),
                op(Op::Replace, "/authorizerId", Some(id)),
            ])
            .unwrap();
            assert_eq!(m.authorizer_id.as_deref(), Some(id));
        }
        for (auth, id) in [
            ("CUSTOM", "cog123"),
            ("COGNITO_USER_POOLS", "tok123"),
            ("CUSTOM", "nope00"),
        ] {
            let e = patch(&[
                op(Op::Replace, "/authorizationType", Some(auth)),
                op(Op::Replace, "/authorizerId", Some(id)),
            ])
            .unwrap_err();
            assert_eq!(e.0.message, INVALID);
        }
        // Back to NONE drops the id.
        let custom = patch(&[
            op(Op::Replace, "/authorizationType", Some("CUSTOM")),
            op(Op::Replace, "/authorizerId", Some("tok123")),
        ])
        .unwrap();
        let none = super::apply_method_patch(
            &custom,
            &[op(Op::Replace, "/authorizationType", Some("NONE"))],
            &auths,
        )
        .unwrap();
        assert!(none.authorizer_id.is_none());
        // PutMethod: the same rule.
        let put = |auth: &str, id: Option<&str>| {
            new_method(
                "GET",
                PutMethodInput {
                    authorization_type: Some(auth.into()),
                    authorizer_id: id.map(Into::into),
                    ..Default::default()
                },
                &auths,
            )
        };
        assert_eq!(
            put("CUSTOM", Some("req123"))
                .unwrap()
                .authorizer_id
                .as_deref(),
            Some("req123")
        );
        assert_eq!(put("CUSTOM", None).unwrap_err().0.message, INVALID);
        assert!(put("NONE", Some("tok123")).unwrap().authorizer_id.is_none());
    }

    #[test]
    fn validators_and_models_must_exist_in_the_api() {
        let refs = Refs {
            validators: vec!["val123".into()],
            models: vec!["Empty".into(), "Pet".into()],
            ..Refs::default()
        };
        let put = |validator: Option<&str>, model: &str| {
            new_method(
                "POST",
                PutMethodInput {
                    authorization_type: Some("NONE".into()),
                    request_validator_id: validator.map(Into::into),
                    request_models: Some([("application/json".into(), model.into())].into()),
                    ..Default::default()
                },
                &refs,
            )
        };
        let m = put(Some("val123"), "Pet").unwrap();
        assert_eq!(m.request_validator_id.as_deref(), Some("val123"));
        // Recorded (test_put_method_validation `invalid-request-validator`, `invalid-model-name`).
        assert_eq!(
            put(Some("nope00"), "Pet").unwrap_err().0.message,
            "Invalid Request Validator identifier specified"
        );
        assert_eq!(
            put(None, "Error").unwrap_err().0.message,
            "Invalid model identifier specified: Error"
        );
        let patched = super::apply_method_patch(
            &base(),
            &[
                op(Op::Replace, "/requestValidatorId", Some("val123")),
                op(Op::Add, "/requestModels/application~1json", Some("Pet")),
            ],
            &refs,
        )
        .unwrap();
        assert_eq!(patched.request_validator_id.as_deref(), Some("val123"));
        let cleared = super::apply_method_patch(
            &patched,
            &[op(Op::Replace, "/requestValidatorId", Some(""))],
            &refs,
        )
        .unwrap();
        assert!(cleared.request_validator_id.is_none());
        // Recorded (test_update_method_validation `wrong-req-validator-id`).
        let e = super::apply_method_patch(
            &base(),
            &[op(Op::Replace, "/requestValidatorId", Some("other0"))],
            &refs,
        )
        .unwrap_err();
        assert_eq!(
            e.0.message,
            "Invalid Request Validator identifier specified"
        );
        let e = super::apply_method_response_patch(
            &MethodResponse::default(),
            &[op(
                Op::Add,
                "/responseModels/application~1json",
                Some("Error"),
            )],
            &refs.models,
        )
        .unwrap_err();
        assert_eq!(e.0.message, "Invalid model identifier specified: Error");
    }

    #[test]
    fn method_patch_follows_recordings() {
        // test_update_method: add, then replace.
        let m = apply_method_patch(
            &base(),
            &[
                op(
                    Op::Add,
                    "/requestParameters/method.request.querystring.optional",
                    Some("true"),
                ),
                op(Op::Add, "/requestModels/application~1json", Some("Empty")),
            ],
        )
        .unwrap();
        assert!(m.request_parameters.as_ref().unwrap()["method.request.querystring.optional"]);
        assert_eq!(
            m.request_models.as_ref().unwrap()["application/json"],
            "Empty"
        );
        let m = apply_method_patch(
            &m,
            &[
                op(Op::Replace, "/operationName", Some("ReplacedOperationName")),
                op(Op::Replace, "/apiKeyRequired", Some("true")),
                op(Op::Replace, "/authorizationType", Some("AWS_IAM")),
            ],
        )
        .unwrap();
        assert!(m.api_key_required);
        assert_eq!(m.authorization_type, "AWS_IAM");
        let m = apply_method_patch(
            &m,
            &[
                op(
                    Op::Remove,
                    "/requestParameters/method.request.querystring.optional",
                    None,
                ),
                op(Op::Remove, "/requestModels/application~1json", None),
            ],
        )
        .unwrap();
        assert!(m.request_parameters.is_none());
        assert!(m.request_models.is_none());
    }

    #[test]
    fn method_patch_refusals() {
        // test_update_method_validation.
        let cases = [
            (
                op(Op::Add, "/operationName", Some("x")),
                "Invalid patch operation specified. Must be one of: [replace]",
            ),
            (
                op(Op::Add, "/requestValidatorId", Some("wrong-id")),
                "Invalid patch operation specified. Must be one of: [replace]",
            ),
            (
                op(Op::Add, "/httpMethod", Some("PUT")),
                "Invalid patch path /httpMethod",
            ),
            (
                op(Op::Replace, "/requestParameters", Some("x")),
                "Invalid patch path /requestParameters",
            ),
            (
                op(Op::Add, "/requestModels/application/json", Some("Empty")),
                "Invalid patch path /requestModels/application/json",
            ),
            (
                op(Op::Replace, "/authorizationType", Some("CUSTOM")),
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
            ),
            (
                op(Op::Replace, "/requestValidatorId", Some("fake-id")),
                "Invalid Request Validator identifier specified",
            ),
            (
                op(Op::Add, "/requestModels/application~1json", Some("petModel")),
                "Invalid model identifier specified: petModel",
            ),
        ];
        for (o, msg) in cases {
            assert_eq!(
                apply_method_patch(&base(), &[o]).unwrap_err().0.message,
                msg
            );
        }
        // A wrong boolean is false, and an authorizer id without CUSTOM is ignored.
        let m = apply_method_patch(
            &Method {
                api_key_required: true,
                ..base()
            },
            &[
                op(Op::Replace, "/apiKeyRequired", Some("whatever")),
                op(Op::Replace, "/authorizerId", Some("abc123")),
            ],
        )
        .unwrap();
        assert!(!m.api_key_required);
        assert!(m.authorizer_id.is_none());
    }

    #[test]
    fn request_parameter_rules() {
        let k = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_request_parameters(&k(&[
            "method.request.querystring.q",
            "method.request.header.h",
            "method.request.path.id"
        ]))
        .is_ok());
        assert_eq!(
            check_request_parameters(&k(&[
                "method.request.querystring.optional",
                "method.request.header.optional"
            ]))
            .unwrap_err()
            .0
            .message,
            "Parameter names must be unique across querystring, header and path"
        );
        assert_eq!(
            check_request_parameters(&k(&["method.request.path.testPath", "true"]))
                .unwrap_err()
                .0
                .message,
            "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: true]"
        );
    }

    #[test]
    fn method_response_patch_follows_recordings() {
        let mr = MethodResponse {
            status_code: "200".into(),
            response_parameters: Some([("method.response.header.my-header".into(), false)].into()),
            response_models: Some([("application/json".into(), "Empty".into())].into()),
        };
        let out = apply_method_response_patch(
            &mr,
            &[
                op(
                    Op::Remove,
                    "/responseParameters/method.response.header.my-header",
                    Some("true"),
                ),
                op(
                    Op::Remove,
                    "/responseModels/application~1json",
                    Some("Empty"),
                ),
            ],
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&out).unwrap(),
            serde_json::json!({"statusCode": "200"})
        );
        let e = apply_method_response_patch(
            &mr,
            &[op(Op::Replace, "/responseParameters/wrong", Some("true"))],
        )
        .unwrap_err();
        assert_eq!(
            (e.0.kind.status(), e.0.message.as_str()),
            (404, "Invalid parameter name specified")
        );
        let e = apply_method_response_patch(
            &mr,
            &[op(Op::Remove, "/responseModels/wrong", Some("Empty"))],
        )
        .unwrap_err();
        assert_eq!(e.0.message, "Content-Type specified was not found");
        let e = apply_method_response_patch(
            &mr,
            &[op(
                Op::Remove,
                "/wrong/method.response.header.my-header",
                None,
            )],
        )
        .unwrap_err();
        assert_eq!(
            e.0.message,
            "Invalid patch path /wrong/method.response.header.my-header"
        );
    }

    #[test]
    fn ops_and_status_code_reported_together() {
        let input: PatchInput = serde_json::from_value(serde_json::json!({
            "patchOperations": [{"op": "wrong_op", "path": "/responseParameters/x", "value": "true"}]
        }))
        .unwrap();
        let e = ops_with_status(input, "updateMethodResponseInput", "wrong").unwrap_err();
        assert_eq!(e.0.message, "2 validation errors detected: Value 'wrong_op' at 'updateMethodResponseInput.patchOperations.1.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d");
    }

    proptest! {
        #[test]
        fn method_patch_never_panics(
            path in "(/[a-zA-Z~0-9.]{0,12}){0,3}",
            value in proptest::option::of("[a-zA-Z0-9_]{0,8}"),
            which in 0usize..6,
        ) {
            let kind = [Op::Add, Op::Remove, Op::Replace, Op::Move, Op::Copy, Op::Test][which];
            let _ = apply_method_patch(&base(), &[op(kind, &path, value.as_deref())]);
            let _ = apply_method_response_patch(&MethodResponse::default(), &[op(kind, &path, value.as_deref())]);
        }
    }
}
