//! The inspector page, `/_apigw/ui`: the APIs with their stages and routes, and the last few
//! hundred requests, read-only. The page is one static HTML file whose script fetches
//! [`DATA`] every two seconds; nothing is built at compile time but `include_str!`.
//!
//! APIs, stages and routes are read from the store (the control plane's view: an API not yet
//! deployed is listed too); requests come from the data plane's sharded buffer
//! ([`apigw_data::recent`]), so the page costs the hot path nothing.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use apigw_data::recent::Seen;
use apigw_model::{Resource, RestApi, Scope, Stage};
use apigw_store::docs::{self, Kind};
use apigw_store::{typed, StoreError};

use crate::dispatch::Shared;

/// The page's path.
pub const PAGE: &str = "/_apigw/ui";

/// The JSON the page renders.
pub const DATA: &str = "/_apigw/ui/data";

const HTML: &str = include_str!("inspector.html");

/// The page and its data.
pub fn routes() -> Router<Shared> {
    Router::new().route(PAGE, get(page)).route(DATA, get(data))
}

async fn page() -> Response {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        HTML,
    )
        .into_response()
}

/// Everything the page shows.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Data {
    /// Every API in every account and region, in creation order.
    pub apis: Vec<ApiView>,
    /// The last requests, oldest first.
    pub requests: Vec<Seen>,
}

/// One API as the page shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiView {
    /// The API id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The region it lives in.
    pub region: String,
    /// Its stages and the deployments they serve.
    pub stages: Vec<StageView>,
    /// Its resources that have methods (as edited, which may be ahead of a deployment).
    pub routes: Vec<RouteView>,
}

/// A stage.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageView {
    /// The stage name.
    pub name: String,
    /// The deployment it serves.
    pub deployment_id: String,
}

/// A resource's methods.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteView {
    /// `/pets/{id}`.
    pub path: String,
    /// `GET → HTTP_PROXY`, one per method.
    pub methods: Vec<MethodView>,
}

/// One method and its integration type.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodView {
    /// The verb, or `ANY`.
    pub method: String,
    /// The integration type, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration: Option<String>,
}

async fn data(State(shared): State<Shared>) -> Response {
    match apis(&shared).await {
        Ok(apis) => {
            let requests = shared.gateway.recent.snapshot();
            ([(CACHE_CONTROL, "no-store")], Json(Data { apis, requests })).into_response()
        }
        Err(e) => apigw_control::error::Error::from(e).into_response(),
    }
}

/// Every API with its stages and routes, from the store.
async fn apis(shared: &Shared) -> Result<Vec<ApiView>, StoreError> {
    let mut c = shared.state.store.read().await?;
    let mut out = Vec::new();
    let mut scopes: Vec<Scope> = docs::parents_of(&mut c, Kind::RestApi)
        .await?
        .into_iter()
        .map(|(scope, _)| scope)
        .collect();
    scopes.dedup();
    for scope in scopes {
        for api in typed::list::<RestApi>(&mut c, &scope, "").await? {
            let stages = typed::list::<Stage>(&mut c, &scope, &api.id).await?;
            let mut resources = typed::list::<Resource>(&mut c, &scope, &api.id).await?;
            resources.sort_by(|a, b| a.path.cmp(&b.path));
            out.push(ApiView {
                region: scope.region.clone(),
                stages: stages
                    .into_iter()
                    .map(|s| StageView {
                        name: s.stage_name,
                        deployment_id: s.deployment_id,
                    })
                    .collect(),
                routes: resources.into_iter().filter_map(route).collect(),
                id: api.id,
                name: api.name,
            });
        }
    }
    Ok(out)
}

fn route(r: Resource) -> Option<RouteView> {
    let methods: Vec<MethodView> = r
        .resource_methods?
        .into_values()
        .map(|m| MethodView {
            method: m.http_method,
            integration: m.method_integration.map(|i| i.integration_type),
        })
        .collect();
    (!methods.is_empty()).then_some(RouteView {
        path: r.path,
        methods,
    })
}
