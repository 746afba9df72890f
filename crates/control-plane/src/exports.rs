//! GetExport: the API a stage serves, as Swagger 2.0 or OpenAPI 3.0, JSON or YAML
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_GetExport.html)).
//!
//! The document is written from the stage's deployment snapshot by `apigw_openapi::export`;
//! this module picks the stage and answers AWS's headers: `application/octet-stream` and
//! `attachment; filename="{type}_{version}.{json|yaml}"` (test_apigateway_extended
//! .snapshot.json).

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use apigw_model::{ApiError, Deployment, Stage};
use apigw_openapi::{Dialect, ExportOptions, Extensions, Format};
use apigw_store::docs;

use crate::error::{internal, Result};
use crate::extract::Call;
use crate::family;
use crate::AppState;

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/restapis/{restapi_id}/stages/{stage_name}/exports/{export_type}",
        get(get_export),
    )
}

async fn get_export(
    Call { st, scope }: Call,
    Path((api_id, stage_name, export_type)): Path<(String, String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    let stage: Stage = family::load_in_api(&mut c, &scope, &api_id, &stage_name).await?;
    let dialect = match export_type.as_str() {
        "oas30" => Dialect::OpenApi3,
        "swagger" => Dialect::Swagger2,
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid export type '{other}'. Valid values are 'oas30' and 'swagger'."
            ))
            .into())
        }
    };
    let extensions = match params.get("extensions") {
        None => Extensions::default(),
        Some(v) => Extensions::parse(v).map_err(|bad| {
            ApiError::bad_request(format!(
                "Unsupported extensions value '{bad}': apigw-local exports 'integrations', \
                 'authorizers' and 'apigateway'."
            ))
        })?,
    };
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = Format::from_accept(accept).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Unsupported Accept type '{}': use application/json or application/yaml.",
            accept.unwrap_or_default()
        ))
    })?;
    let deployment: Deployment =
        family::load_in_api(&mut c, &scope, &api_id, &stage.deployment_id).await?;
    let snapshot = docs::get_snapshot(&mut c, &scope, &api_id, &stage.deployment_id)
        .await?
        .ok_or_else(|| internal("the stage's deployment has no snapshot"))?;
    drop(c);
    let opts = ExportOptions {
        dialect,
        extensions,
        host: format!("{api_id}.execute-api.{}.amazonaws.com", scope.region),
        stage: stage_name,
        fallback_version: chrono::DateTime::from_timestamp(deployment.created_date, 0)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
    };
    let body = format.render(&apigw_openapi::export(&snapshot, &opts));
    let file = format!(
        "attachment; filename=\"{export_type}_{}.{}\"",
        apigw_openapi::export::version(&snapshot, &opts),
        format.extension()
    );
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&file).map_err(internal)?,
    );
    Ok(res)
}
