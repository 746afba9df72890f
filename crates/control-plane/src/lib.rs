//! The apigateway control plane: AWS's REST-JSON API (2015-07-09) as botocore's model defines
//! it, over the SQLite [`Store`].
//!
//! One module per resource family; each exposes `routes()` and its handlers. A handler reads
//! its input with the extractors of [`extract`], does its work in one store transaction and
//! answers the wire shape of `apigw_model`. Any operation of AWS's model without a route yet
//! answers `NotImplementedException` naming it ([`unimplemented`]), never a fake success.

pub mod account;
pub mod api_keys;
pub mod authorizers;
pub mod client_certificates;
pub mod clone;
pub mod deployments;
pub mod documentation;
pub mod domain_access;
pub mod domain_names;
pub mod error;
pub mod exports;
pub mod extract;
pub mod family;
pub mod gateway_responses;
pub mod import;
pub mod integrations;
pub mod lookup;
pub mod methods;
pub mod models;
pub mod paging;
pub mod patch;
pub mod preload;
pub mod reply;
pub mod request_validators;
pub mod resources;
pub mod rest_apis;
pub mod sdk_js;
pub mod sdks;
pub mod stage_caches;
pub mod stages;
pub mod tags;
pub mod test_invoke;
pub mod unimplemented;
pub mod usage;
pub mod usage_plans;
pub mod validate;
pub mod vpc_links;
pub mod wire;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;

use apigw_model::Scope;
use apigw_store::{Store, WriteTx};

/// Settings the control plane needs from the server's configuration.
#[derive(Debug, Clone)]
pub struct ControlConfig {
    /// The account every resource belongs to.
    pub account_id: String,
    /// The region used when a request carries no SigV4 credential scope.
    pub default_region: String,
    /// The account-level throttle (rate, burst) set with `--account-throttle RATE/BURST`, which
    /// GetAccount shows; `None` shows AWS's default for the region.
    pub account_throttle: Option<(f64, i64)>,
}

/// Told, after a commit, that what an API serves may have changed (a deployment, a stage, the
/// API's deletion). The server answers by republishing that API to the data plane before the
/// control-plane call returns, so the change is live when the caller sees the answer.
pub trait DeploymentObserver: Send + Sync {
    /// Republish everything deployed for `api_id` in `scope`.
    fn api_changed<'a>(
        &'a self,
        scope: &'a Scope,
        api_id: &'a str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

    /// Reload every custom domain name's base path mappings (they are live, not deployed).
    fn domains_changed(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }

    /// Run one method of `snapshot` (the API as it stands) for TestInvokeMethod; `None` when
    /// there is no data plane to run it.
    fn test_invoke<'a>(
        &'a self,
        _scope: &'a Scope,
        _snapshot: apigw_model::ApiSnapshot,
        _request: apigw_model::TestRequest,
    ) -> BoxFuture<'a, Option<apigw_model::TestOutcome>> {
        Box::pin(async { None })
    }

    /// Run a Lambda authorizer of `snapshot` for TestInvokeAuthorizer; `None` when there is no
    /// data plane to run it.
    fn test_invoke_authorizer<'a>(
        &'a self,
        _scope: &'a Scope,
        _snapshot: apigw_model::ApiSnapshot,
        _request: apigw_model::AuthorizerTestRequest,
    ) -> BoxFuture<'a, Option<apigw_model::AuthorizerTestOutcome>> {
        Box::pin(async { None })
    }

    /// Forget the authorizer policies a deployed stage has cached.
    fn flush_authorizers<'a>(
        &'a self,
        _scope: &'a Scope,
        _api_id: &'a str,
        _stage: &'a str,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// An observer that does nothing (a control plane without a data plane, e.g. in unit tests).
pub struct NoObserver;

impl DeploymentObserver for NoObserver {
    fn api_changed<'a>(
        &'a self,
        _: &'a Scope,
        _: &'a str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async {})
    }
}

/// The data plane's live view of API keys and usage plans, and its request counters.
///
/// Keys, plans and plan membership are not part of a deployment: after any change to them the
/// control plane calls [`UsageMeter::keys_changed`] and the server republishes them before the
/// call answers, so the next request sees the change (as on AWS). Counters live in memory on
/// the hot path; GetUsage asks for a [`UsageMeter::flush`] before it reads the store.
pub trait UsageMeter: Send + Sync {
    /// Keys, plans or plan membership changed in `scope`.
    fn keys_changed<'a>(&'a self, scope: &'a Scope) -> BoxFuture<'a, ()>;
    /// Write every in-memory counter to the store now.
    fn flush(&self) -> BoxFuture<'_, ()>;
    /// UpdateUsage: from now on `key_id` has consumed `used` requests of `plan`'s quota in the
    /// current period. Durable when the future resolves.
    fn set_quota_used<'a>(
        &'a self,
        scope: &'a Scope,
        plan: &'a apigw_model::UsagePlan,
        key_id: &'a str,
        used: i64,
    ) -> BoxFuture<'a, ()>;
}

/// A boxed future, as the observer traits return (they are used as trait objects).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl UsageMeter for NoObserver {
    fn keys_changed<'a>(&'a self, _: &'a Scope) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
    fn flush(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
    fn set_quota_used<'a>(
        &'a self,
        _: &'a Scope,
        _: &'a apigw_model::UsagePlan,
        _: &'a str,
        _: i64,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Account and default region.
    pub config: Arc<ControlConfig>,
    /// Who republishes deployed stages after a change.
    pub observer: Arc<dyn DeploymentObserver>,
    /// The data plane's keys, plans and counters.
    pub usage: Arc<dyn UsageMeter>,
}

impl AppState {
    /// A write transaction on an API that exists: what Create and Delete of an API's documents
    /// begin with.
    ///
    /// # Errors
    /// The API's 404; store failure.
    pub async fn write_in_api(&self, scope: &Scope, api_id: &str) -> error::Result<WriteTx> {
        let mut tx = self.store.write().await?;
        lookup::rest_api(&mut tx, scope, api_id).await?;
        Ok(tx)
    }

    /// Commit a write that changes what an API's stages serve (a deployment, a stage, the API
    /// itself), then republish the API. Only once committed: the publisher reads the store in
    /// this task, and a read while the write is open is refused (`StoreError::Reentrant`).
    ///
    /// # Errors
    /// The commit failed; nothing was written and nothing is republished.
    pub async fn commit_api_change(
        &self,
        tx: WriteTx,
        scope: &Scope,
        api_id: &str,
    ) -> error::Result<()> {
        tx.commit().await?;
        self.observer.api_changed(scope, api_id).await;
        Ok(())
    }

    /// Commit a write to keys or usage plans, then republish them: they are live on the data
    /// plane without a deployment, as on AWS (committed first, as [`Self::commit_api_change`]).
    ///
    /// # Errors
    /// The commit failed; nothing was written and nothing is republished.
    pub async fn commit_keys_change(&self, tx: WriteTx, scope: &Scope) -> error::Result<()> {
        tx.commit().await?;
        self.usage.keys_changed(scope).await;
        Ok(())
    }

    /// Commit a write to domain names or base path mappings, then have the data plane reload
    /// them: mappings route requests at once, as on AWS (committed first, as
    /// [`Self::commit_api_change`]).
    ///
    /// # Errors
    /// The commit failed; nothing was written and nothing is reloaded.
    pub async fn commit_domains_change(&self, tx: WriteTx) -> error::Result<()> {
        tx.commit().await?;
        self.observer.domains_changed().await;
        Ok(())
    }
}

/// The largest request body the apigateway control plane takes: 6 MiB, AWS's limit for its
/// largest input, an API definition (ImportRestApi, PutRestApi).
pub const MAX_BODY: usize = 6 * 1024 * 1024;

/// The apigateway router: every operation of the model, implemented or answered as not yet.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(rest_apis::routes())
        .merge(import::routes())
        .merge(resources::routes())
        .merge(methods::routes())
        .merge(integrations::routes())
        .merge(deployments::routes())
        .merge(stages::routes())
        .merge(stage_caches::routes())
        .merge(test_invoke::routes())
        .merge(sdks::routes())
        .merge(exports::routes())
        .merge(documentation::routes())
        .merge(api_keys::routes())
        .merge(usage_plans::routes())
        .merge(usage::routes())
        .merge(account::routes())
        .merge(tags::routes())
        .merge(gateway_responses::routes())
        .merge(authorizers::routes())
        .merge(models::routes())
        .merge(request_validators::routes())
        .merge(vpc_links::routes())
        .merge(client_certificates::routes())
        .merge(domain_names::routes())
        .merge(domain_access::routes())
        .fallback(unimplemented::fallback)
        .method_not_allowed_fallback(unimplemented::fallback)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// Seconds since the epoch: AWS's wire form of every date.
pub fn now_epoch() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A fresh AWS-style request id (a UUID), for `x-amzn-RequestId`.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
