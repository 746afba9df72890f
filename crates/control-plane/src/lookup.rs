//! Lookups several resource families need: does the API exist (and its documents of a
//! family), does a deployment. Family
//! modules use these (and `apigw_store` directly) rather than each other's, so no loop of
//! imports runs between the families.

use apigw_model::{ApiError, RestApi, Scope};
use apigw_store::typed;
use apigw_store::{Document, SqliteConnection};

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

/// An API's documents of one family, in creation order; AWS's 404 first when the API is
/// unknown (what every Get* of a family's list answers).
///
/// # Errors
/// The API's 404; store failure.
pub async fn api_documents<T: Document>(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
) -> Result<Vec<T>> {
    rest_api(c, scope, api_id).await?;
    Ok(typed::list(c, scope, api_id).await?)
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

/// Whether a VPC link exists (integrations name one as `connectionId`).
///
/// # Errors
/// Store failure.
pub async fn vpc_link_exists(c: &mut SqliteConnection, scope: &Scope, id: &str) -> Result<bool> {
    Ok(typed::exists::<apigw_model::VpcLink>(c, scope, "", id).await?)
}

/// Whether a client certificate exists (stages name one as `clientCertificateId`).
///
/// # Errors
/// Store failure.
pub async fn client_certificate_exists(
    c: &mut SqliteConnection,
    scope: &Scope,
    id: &str,
) -> Result<bool> {
    Ok(typed::exists::<apigw_model::ClientCertificate>(c, scope, "", id).await?)
}
