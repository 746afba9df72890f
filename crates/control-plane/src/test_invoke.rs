//! TestInvokeMethod and TestInvokeAuthorizer: run one method (or one Lambda authorizer) of the
//! API as it stands now, through the data plane's pipeline, and answer what it returned with an
//! execution log
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html)).
//!
//! The API is frozen as a deployment would freeze it ([`crate::deployments::freeze`]) but not
//! stored; the data plane runs it in a stage of its own (`test-invoke-stage`) with the call's
//! stage variables. The answer's shape is recorded in `test_apigateway_api.snapshot.json`
//! (`test_invoke_test_method`, `test_failed_invoke_test_method`): every header also in
//! `multiValueHeaders`.

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};

use apigw_model::{
    ApiError, ApiSnapshot, Authorizer, AuthorizerTestRequest, Resource, Scope, StringMap,
    TestRequest,
};
use apigw_store::SqliteConnection;

use crate::error::{method_not_found, Result};
use crate::extract::{AwsJson, Call};
use crate::{deployments, family, lookup, reply, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
            post(test_invoke_method),
        )
        .route(
            "/restapis/{restapi_id}/authorizers/{authorizer_id}",
            post(test_invoke_authorizer),
        )
}

/// The API as it stands, frozen as a deployment would be (not stored).
async fn freeze_now(c: &mut SqliteConnection, scope: &Scope, api_id: &str) -> Result<ApiSnapshot> {
    let api = lookup::rest_api(c, scope, api_id).await?;
    deployments::freeze(c, scope, &api).await
}

/// `headers` then every value of `multiValueHeaders`, as request header pairs.
fn header_pairs(
    single: Option<StringMap>,
    multi: Option<BTreeMap<String, Vec<String>>>,
) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = single.unwrap_or_default().into_iter().collect();
    for (name, values) in multi.unwrap_or_default() {
        headers.extend(values.into_iter().map(|v| (name.clone(), v)));
    }
    headers
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestInvokeInput {
    path_with_query_string: Option<String>,
    body: Option<String>,
    headers: Option<StringMap>,
    multi_value_headers: Option<BTreeMap<String, Vec<String>>>,
    stage_variables: Option<StringMap>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TestInvokeOutput {
    status: u16,
    body: String,
    headers: StringMap,
    multi_value_headers: BTreeMap<String, Vec<String>>,
    log: String,
    latency: i64,
}

async fn test_invoke_method(
    Call { st, scope }: Call,
    Path((api_id, resource_id, verb)): Path<(String, String, String)>,
    AwsJson(input): AwsJson<TestInvokeInput>,
) -> Result<Response> {
    let verb = verb.to_ascii_uppercase();
    let snapshot = {
        let mut c = st.store.read().await?;
        lookup::rest_api(&mut c, &scope, &api_id).await?;
        let resource: Resource = family::load(&mut c, &scope, &api_id, &resource_id).await?;
        if !resource
            .resource_methods
            .as_ref()
            .is_some_and(|m| m.contains_key(&verb))
        {
            return Err(method_not_found());
        }
        freeze_now(&mut c, &scope, &api_id).await?
    };
    let headers = header_pairs(input.headers, input.multi_value_headers);
    let request = TestRequest {
        resource_id,
        http_method: verb,
        path_with_query: input.path_with_query_string,
        headers,
        body: input.body.unwrap_or_default().into_bytes(),
        stage_variables: input.stage_variables.unwrap_or_default(),
    };
    let Some(outcome) = st.observer.test_invoke(&scope, snapshot, request).await else {
        // Only a control plane without a data plane (unit tests) has no one to run it.
        return Err(ApiError::not_implemented("TestInvokeMethod").into());
    };
    let mut single = StringMap::new();
    let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in outcome.headers {
        single.insert(name.clone(), value.clone());
        multi.entry(name).or_default().push(value);
    }
    reply::ok(&TestInvokeOutput {
        status: outcome.status,
        body: String::from_utf8_lossy(&outcome.body).into_owned(),
        headers: single,
        multi_value_headers: multi,
        log: outcome.log,
        latency: outcome.latency_ms,
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TestInvokeAuthorizerOutput {
    client_status: u16,
    log: String,
    latency: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<String>,
}

async fn test_invoke_authorizer(
    Call { st, scope }: Call,
    Path((api_id, authorizer_id)): Path<(String, String)>,
    AwsJson(input): AwsJson<TestInvokeInput>,
) -> Result<Response> {
    let snapshot = {
        let mut c = st.store.read().await?;
        family::load_in_api::<Authorizer>(&mut c, &scope, &api_id, &authorizer_id).await?;
        freeze_now(&mut c, &scope, &api_id).await?
    };
    let request = AuthorizerTestRequest {
        authorizer_id,
        path_with_query: input.path_with_query_string,
        headers: header_pairs(input.headers, input.multi_value_headers),
        body: input.body.unwrap_or_default().into_bytes(),
        stage_variables: input.stage_variables.unwrap_or_default(),
    };
    let Some(out) = st
        .observer
        .test_invoke_authorizer(&scope, snapshot, request)
        .await
    else {
        return Err(ApiError::not_implemented("TestInvokeAuthorizer").into());
    };
    reply::ok(&TestInvokeAuthorizerOutput {
        client_status: out.client_status,
        log: out.log,
        latency: out.latency_ms,
        principal_id: out.principal_id,
        policy: out.policy,
    })
}
