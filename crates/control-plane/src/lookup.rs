//! Lookups several resource families need: does the API exist, does a deployment. Family
//! modules use these (and `apigw_store` directly) rather than each other's, so no loop of
//! imports runs between the families.

use apigw_model::{ApiError, RestApi, Scope};
use apigw_store::typed;
use apigw_store::SqliteConnection;

use crate::error::Result;

/// Load a rest API or answer AWS's 404 for it.
///
/// # Errors
/// `NotFoundException` "Invalid API identifier specified {account}:{id}".
pub async fn rest_api(c: &mut SqliteConnection, scope: &Scope, id: &str) -> Result<RestApi> {
    typed::get::<RestApi>(c, scope, "", id)
        .await?
        .ok_or_else(|| ApiError::api_not_found(&scope.account, id).into())
}

/// Whether a deployment of the API exists (no API check: callers have loaded it).
///
/// # Errors
/// Store failure.
pub async fn deployment_exists(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    id: &str,
) -> Result<bool> {
    Ok(typed::exists::<apigw_model::Deployment>(c, scope, api_id, id).await?)
}
