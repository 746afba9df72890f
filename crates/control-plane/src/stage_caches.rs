//! A stage's caches: FlushStageAuthorizersCache, FlushStageCache
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_FlushStageAuthorizersCache.html)).
//!
//! The authorizer cache is the data plane's (policies kept per identity for
//! `authorizerResultTtlInSeconds`): flushing empties it, so the next request calls the
//! authorizer again. Responses are never cached here (a stage's `cacheClusterEnabled` is only
//! shown), so the stage's data cache is always empty and flushing it has nothing to drop.
//! Both answer 202 with no body (botocore's model).

use axum::extract::Path;
use axum::response::Response;
use axum::routing::delete;
use axum::Router;

use apigw_model::Stage;

use crate::error::Result;
use crate::extract::Call;
use crate::family;
use crate::{reply, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/restapis/{restapi_id}/stages/{stage_name}/cache/authorizers",
            delete(flush_authorizers_cache),
        )
        .route(
            "/restapis/{restapi_id}/stages/{stage_name}/cache/data",
            delete(flush_stage_cache),
        )
}

async fn flush_authorizers_cache(
    Call { st, scope }: Call,
    Path((api_id, stage)): Path<(String, String)>,
) -> Result<Response> {
    {
        let mut c = st.store.read().await?;
        family::load_in_api::<Stage>(&mut c, &scope, &api_id, &stage).await?;
    }
    st.observer.flush_authorizers(&scope, &api_id, &stage).await;
    reply::accepted()
}

async fn flush_stage_cache(
    Call { st, scope }: Call,
    Path((api_id, stage)): Path<(String, String)>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    family::load_in_api::<Stage>(&mut c, &scope, &api_id, &stage).await?;
    reply::accepted()
}
