//! Keeps the data plane in step with the store, and the store with the data plane's counters.
//!
//! At start-up every API with stages, every API key and usage plan and the saved usage
//! counters are loaded; after each control-plane change to a deployment or stage, that API is
//! reloaded and republished before the call answers, and after a change to keys or plans, that
//! scope's keys. Compiled deployments are shared by the stages that point at the same
//! deployment. Usage counters are written back by [`Publisher::flush_usage`], which the server
//! runs about once a second and at shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use apigw_control::{BoxFuture, DeploymentObserver, UsageMeter};
use apigw_data::domains::Mapping;
use apigw_data::tls::ClientTls;
use apigw_data::usage::CounterRecord;
use apigw_data::{CompiledDeployment, DeployedApi, DeployedStage, Gateway};
use apigw_model::{
    ApiKey, ApiSnapshot, BasePathMapping, DomainName, Scope, Stage, UsagePlan, UsagePlanKey,
    NO_BASE_PATH,
};
use apigw_store::docs::{self, Kind};
use apigw_store::usage::{self as counts, DayCount, QuotaCount};
use apigw_store::{Store, StoreResult};
use chrono::NaiveDate;
use tokio::sync::Mutex;

/// Publishes stored deployments to the data plane.
pub struct Publisher {
    store: Store,
    gateway: Arc<Gateway>,
    /// One flush at a time, so that an older snapshot of a counter never overwrites a newer.
    flushing: Mutex<()>,
}

impl Publisher {
    /// A publisher over `store` feeding `gateway`.
    pub fn new(store: Store, gateway: Arc<Gateway>) -> Self {
        Self {
            store,
            gateway,
            flushing: Mutex::new(()),
        }
    }

    /// Load every deployed stage (start-up, and after a reset).
    ///
    /// # Errors
    /// The store failed.
    pub async fn publish_all(&self) -> StoreResult<()> {
        self.gateway.clear();
        let (apis, scopes, records) = {
            let mut c = self.store.read().await?;
            let apis = docs::parents_of(&mut c, Kind::Stage).await?;
            let mut scopes: Vec<Scope> = docs::parents_of(&mut c, Kind::ApiKey)
                .await?
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            scopes.dedup();
            (apis, scopes, saved_counters(&mut c).await?)
        };
        for (scope, api_id) in apis {
            self.publish_api(&scope, &api_id).await?;
        }
        // Counters first, so that publishing the keys finds them.
        self.gateway.usage.restore(records);
        for scope in scopes {
            self.publish_keys(&scope).await?;
        }
        self.publish_domains().await
    }

    /// Reload every custom domain name's base path mappings and publish them.
    ///
    /// # Errors
    /// The store failed.
    pub async fn publish_domains(&self) -> StoreResult<()> {
        let mut c = self.store.read().await?;
        let mut table: HashMap<String, Vec<Mapping>> = HashMap::new();
        for (scope, _) in docs::parents_of(&mut c, Kind::DomainName).await? {
            let names: Vec<DomainName> = docs::list(&mut c, &scope, Kind::DomainName, "").await?;
            for d in names {
                let mappings: Vec<BasePathMapping> =
                    docs::list(&mut c, &scope, Kind::BasePathMapping, &d.domain_name).await?;
                let routes = mappings.into_iter().map(|m| Mapping {
                    base_path: if m.base_path == NO_BASE_PATH {
                        String::new()
                    } else {
                        m.base_path
                    },
                    api_id: m.rest_api_id,
                    stage: m.stage,
                    region: scope.region.clone(),
                });
                table.entry(d.domain_name).or_default().extend(routes);
            }
        }
        drop(c);
        self.gateway.domains.publish(table);
        Ok(())
    }

    /// Reload one scope's API keys, usage plans and plan memberships and publish them.
    ///
    /// # Errors
    /// The store failed.
    pub async fn publish_keys(&self, scope: &Scope) -> StoreResult<()> {
        let mut c = self.store.read().await?;
        let keys: Vec<ApiKey> = docs::list(&mut c, scope, Kind::ApiKey, "").await?;
        let plans: Vec<UsagePlan> = docs::list(&mut c, scope, Kind::UsagePlan, "").await?;
        let members: Vec<(String, String)> =
            docs::list_all::<UsagePlanKey>(&mut c, scope, Kind::UsagePlanKey)
                .await?
                .into_iter()
                .map(|(plan, k)| (plan, k.id))
                .collect();
        drop(c);
        self.gateway
            .usage
            .publish_scope(scope, keys, &plans, &members);
        Ok(())
    }

    /// Write the usage counters that changed since the last flush, in one transaction.
    ///
    /// # Errors
    /// The store failed (the counters stay marked, for the next flush).
    pub async fn flush_usage(&self) -> StoreResult<()> {
        let _one = self.flushing.lock().await;
        let records = self.gateway.usage.take_dirty();
        if records.is_empty() {
            return Ok(());
        }
        let (days, quotas) = to_rows(&records);
        let saved = async {
            let mut tx = self.store.write().await?;
            counts::save(&mut tx, &days, &quotas).await?;
            tx.commit().await
        }
        .await;
        if saved.is_err() {
            self.gateway.usage.mark_unsaved(records);
        }
        saved
    }

    /// Reload one API's stages and their deployments and publish them.
    ///
    /// # Errors
    /// The store failed.
    pub async fn publish_api(&self, scope: &Scope, api_id: &str) -> StoreResult<()> {
        let mut c = self.store.read().await?;
        let stages: Vec<Stage> = docs::list(&mut c, scope, Kind::Stage, api_id).await?;
        let mut compiled: HashMap<String, Arc<CompiledDeployment>> = HashMap::new();
        let mut served = HashMap::default();
        for stage in stages {
            let Some(deployment) =
                compiled_once(&mut c, scope, api_id, &stage.deployment_id, &mut compiled).await?
            else {
                tracing::warn!(api_id, stage = %stage.stage_name, "stage points at a deployment without a snapshot");
                continue;
            };
            let canary_id = stage
                .canary_settings
                .as_ref()
                .and_then(|c| c.deployment_id.clone());
            let canary = match canary_id {
                Some(id) => compiled_once(&mut c, scope, api_id, &id, &mut compiled).await?,
                None => None,
            };
            let cert: Option<apigw_model::ClientCertificate> =
                match stage.client_certificate_id.as_deref() {
                    Some(id) => docs::get(&mut c, scope, Kind::ClientCertificate, "", id).await?,
                    None => None,
                };
            let mut deployed = self
                .gateway
                .deployed_stage(scope, api_id, stage, deployment, canary);
            if let Some(cert) = cert {
                with_client_certificate(&mut deployed, &cert);
            }
            served.insert(deployed.stage.stage_name.clone(), deployed);
        }
        self.gateway.publish(DeployedApi {
            scope: scope.clone(),
            api_id: api_id.to_string(),
            stages: served,
            account: None,
        });
        Ok(())
    }
}

/// Give a freshly built stage (and its canary) the client certificate it names, as the TLS
/// client identity of its HTTP integrations.
fn with_client_certificate(stage: &mut Arc<DeployedStage>, cert: &apigw_model::ClientCertificate) {
    let Some(key) = cert.private_key_pem.as_deref() else {
        return;
    };
    let Some(tls) = ClientTls::new(&cert.pem_encoded_certificate, key).map(Arc::new) else {
        tracing::warn!(id = %cert.client_certificate_id, "client certificate does not load");
        return;
    };
    if let Some(s) = Arc::get_mut(stage) {
        if let Some(canary) = s.canary.as_mut().and_then(|c| Arc::get_mut(&mut c.stage)) {
            canary.client_tls = Some(tls.clone());
        }
        s.client_tls = Some(tls);
    }
}

impl DeploymentObserver for Publisher {
    fn api_changed<'a>(
        &'a self,
        scope: &'a Scope,
        api_id: &'a str,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            if let Err(e) = self.publish_api(scope, api_id).await {
                tracing::error!(error = %e, api_id, "could not republish deployed stages");
            }
        })
    }

    fn test_invoke<'a>(
        &'a self,
        scope: &'a Scope,
        snapshot: ApiSnapshot,
        request: apigw_model::TestRequest,
    ) -> BoxFuture<'a, Option<apigw_model::TestOutcome>> {
        Box::pin(async move { Some(self.gateway.test_invoke(scope, snapshot, request).await) })
    }

    fn test_invoke_authorizer<'a>(
        &'a self,
        scope: &'a Scope,
        snapshot: ApiSnapshot,
        request: apigw_model::AuthorizerTestRequest,
    ) -> BoxFuture<'a, Option<apigw_model::AuthorizerTestOutcome>> {
        Box::pin(async move {
            Some(
                self.gateway
                    .test_invoke_authorizer(scope, snapshot, request)
                    .await,
            )
        })
    }

    fn flush_authorizers<'a>(
        &'a self,
        scope: &'a Scope,
        api_id: &'a str,
        stage: &'a str,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.gateway.flush_authorizers(scope, api_id, stage);
        })
    }

    fn domains_changed(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Err(e) = self.publish_domains().await {
                tracing::error!(error = %e, "could not republish base path mappings");
            }
        })
    }
}

impl UsageMeter for Publisher {
    fn keys_changed<'a>(&'a self, scope: &'a Scope) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Err(e) = self.publish_keys(scope).await {
                tracing::error!(error = %e, "could not republish API keys and usage plans");
            }
        })
    }

    fn flush(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Err(e) = self.flush_usage().await {
                tracing::error!(error = %e, "could not save usage counters");
            }
        })
    }

    fn set_quota_used<'a>(
        &'a self,
        scope: &'a Scope,
        plan: &'a UsagePlan,
        key_id: &'a str,
        used: i64,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let Some(period) = plan.quota.as_ref().and_then(|q| q.period_kind()) else {
                return;
            };
            self.gateway
                .usage
                .set_quota_used(scope, &plan.id, key_id, period, used);
            self.flush().await;
        })
    }
}

/// A deployment compiled once for all the stages (and canaries) that serve it; `None` when it
/// has no snapshot.
async fn compiled_once(
    c: &mut apigw_store::SqliteConnection,
    scope: &Scope,
    api_id: &str,
    deployment_id: &str,
    compiled: &mut HashMap<String, Arc<CompiledDeployment>>,
) -> StoreResult<Option<Arc<CompiledDeployment>>> {
    if let Some(d) = compiled.get(deployment_id) {
        return Ok(Some(d.clone()));
    }
    let Some(snapshot) = docs::get_snapshot::<ApiSnapshot>(c, scope, api_id, deployment_id).await?
    else {
        return Ok(None);
    };
    let d = CompiledDeployment::compile(deployment_id.to_string(), snapshot);
    compiled.insert(deployment_id.to_string(), d.clone());
    Ok(Some(d))
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The store's rows for counter records.
fn to_rows(records: &[CounterRecord]) -> (Vec<DayCount>, Vec<QuotaCount>) {
    let mut days = Vec::new();
    let mut quotas = Vec::new();
    for r in records {
        for (day, used) in &r.days {
            days.push(DayCount {
                scope: r.scope.clone(),
                plan_id: r.plan_id.clone(),
                key_id: r.key_id.clone(),
                day: day_text(*day),
                used: *used,
            });
        }
        if let Some((period, used)) = r.quota {
            quotas.push(QuotaCount {
                scope: r.scope.clone(),
                plan_id: r.plan_id.clone(),
                key_id: r.key_id.clone(),
                period: day_text(period),
                used,
            });
        }
    }
    (days, quotas)
}

/// The record of one key in one plan, made on first sight.
fn record(
    by_key: &mut HashMap<(Scope, String, String), CounterRecord>,
    scope: Scope,
    plan_id: String,
    key_id: String,
) -> &mut CounterRecord {
    by_key
        .entry((scope.clone(), plan_id.clone(), key_id.clone()))
        .or_insert_with(|| CounterRecord {
            scope,
            plan_id,
            key_id,
            days: Vec::new(),
            quota: None,
        })
}

/// Today's counts and every quota period, as saved by an earlier run.
async fn saved_counters(c: &mut apigw_store::SqliteConnection) -> StoreResult<Vec<CounterRecord>> {
    let today = chrono::Utc::now().date_naive();
    let mut by_key: HashMap<(Scope, String, String), CounterRecord> = HashMap::new();
    let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    for d in counts::load_days_since(c, &day_text(today)).await? {
        if let Some(day) = parse(&d.day) {
            record(&mut by_key, d.scope, d.plan_id, d.key_id)
                .days
                .push((day, d.used));
        }
    }
    for q in counts::load_quotas(c).await? {
        if let Some(period) = parse(&q.period) {
            record(&mut by_key, q.scope, q.plan_id, q.key_id).quota = Some((period, q.used));
        }
    }
    Ok(by_key.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use apigw_data::error::ResponseType;
    use apigw_model::{Method, RestApi};
    use axum::body::Body;
    use serde_json::json;

    /// A deployment's documents survive the trip the server makes them take: stored in their
    /// wire shapes, frozen by the control plane, written as JSON, read back and compiled by the
    /// data plane. A field renamed on one side fails here, instead of silently turning
    /// enforcement off.
    #[tokio::test]
    async fn freeze_json_compile_round_trip() {
        let store = Store::open(":memory:").await.unwrap();
        let scope = Scope::new("000000000000", "us-east-1");
        let api = RestApi {
            id: "api0000001".into(),
            name: "rt".into(),
            ..Default::default()
        };
        let mut tx = store.write().await.unwrap();
        docs::insert(&mut tx, &scope, Kind::RestApi, "", &api.id, &api)
            .await
            .unwrap();
        let put = |kind, id: &str, doc: serde_json::Value| (kind, id.to_string(), doc);
        for (kind, id, doc) in [
            put(
                Kind::Model,
                "Pet",
                json!({"id": "pet001", "name": "Pet", "contentType": "application/json",
                "schema": "{\"type\": \"object\", \"required\": [\"name\"]}"}),
            ),
            put(
                Kind::RequestValidator,
                "val123",
                json!({"id": "val123", "name": "body",
                "validateRequestBody": true, "validateRequestParameters": false}),
            ),
            put(
                Kind::Authorizer,
                "auth01",
                json!({"id": "auth01", "name": "tok", "type": "TOKEN",
                "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations",
                "identitySource": "method.request.header.Authorization", "authorizerResultTtlInSeconds": 300}),
            ),
            put(
                Kind::GatewayResponse,
                "MISSING_AUTHENTICATION_TOKEN",
                json!({"responseType": "MISSING_AUTHENTICATION_TOKEN",
                "statusCode": "404", "responseParameters": {}, "responseTemplates": {}, "defaultResponse": false}),
            ),
        ] {
            docs::insert(&mut tx, &scope, kind, &api.id, &id, &doc)
                .await
                .unwrap();
        }
        let snapshot = apigw_control::deployments::freeze(&mut tx, &scope, &api)
            .await
            .unwrap();
        drop(tx);
        let text = serde_json::to_string(&snapshot).unwrap();
        let back: ApiSnapshot = serde_json::from_str(&text).unwrap();
        assert_eq!(back, snapshot);
        let d = CompiledDeployment::compile("dep001", back);

        assert!(d.authorizers.get("auth01").is_some());
        let custom = d
            .gateway_responses
            .lookup(ResponseType::MissingAuthenticationToken)
            .expect("customised response compiled");
        assert_eq!(custom.status, Some(404));
        let method = Method {
            http_method: "POST".into(),
            request_validator_id: Some("val123".into()),
            request_models: Some([("application/json".to_string(), "Pet".to_string())].into()),
            ..Default::default()
        };
        let req = |body: &'static str| {
            axum::http::Request::builder()
                .method("POST")
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap()
        };
        let refused = d
            .validators
            .check(&method, &[], req("{}"))
            .await
            .unwrap_err();
        assert_eq!(refused.kind, ResponseType::BadRequestBody);
        assert!(d
            .validators
            .check(&method, &[], req(r#"{"name": "rex"}"#))
            .await
            .is_ok());
    }
}
