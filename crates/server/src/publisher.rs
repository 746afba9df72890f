//! Keeps the data plane's stage table in step with the store.
//!
//! At start-up every API with stages is loaded; after each control-plane change to a
//! deployment or stage, that API is reloaded and republished before the call answers.
//! Compiled deployments are shared by the stages that point at the same deployment.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use apigw_control::DeploymentObserver;
use apigw_data::{CompiledDeployment, DeployedApi, DeployedStage, Gateway};
use apigw_model::{ApiSnapshot, Scope, Stage};
use apigw_store::docs::{self, Kind};
use apigw_store::{Store, StoreResult};

/// Publishes stored deployments to the data plane.
pub struct Publisher {
    store: Store,
    gateway: Arc<Gateway>,
}

impl Publisher {
    /// A publisher over `store` feeding `gateway`.
    pub fn new(store: Store, gateway: Arc<Gateway>) -> Self {
        Self { store, gateway }
    }

    /// Load every deployed stage (start-up, and after a reset).
    ///
    /// # Errors
    /// The store failed.
    pub async fn publish_all(&self) -> StoreResult<()> {
        self.gateway.clear();
        let apis = {
            let mut c = self.store.read().await?;
            docs::parents_of(&mut c, Kind::Stage).await?
        };
        for (scope, api_id) in apis {
            self.publish_api(&scope, &api_id).await?;
        }
        Ok(())
    }

    /// Reload one API's stages and their deployments and publish them.
    ///
    /// # Errors
    /// The store failed.
    pub async fn publish_api(&self, scope: &Scope, api_id: &str) -> StoreResult<()> {
        let mut c = self.store.read().await?;
        let stages: Vec<Stage> = docs::list(&mut c, scope, Kind::Stage, api_id).await?;
        let mut compiled: HashMap<String, Arc<CompiledDeployment>> = HashMap::new();
        let mut served = HashMap::new();
        for stage in stages {
            let deployment = match compiled.get(&stage.deployment_id) {
                Some(d) => d.clone(),
                None => {
                    let Some(snapshot) = docs::get_snapshot::<ApiSnapshot>(
                        &mut c,
                        scope,
                        api_id,
                        &stage.deployment_id,
                    )
                    .await?
                    else {
                        tracing::warn!(api_id, stage = %stage.stage_name, "stage points at a deployment without a snapshot");
                        continue;
                    };
                    let d = CompiledDeployment::compile(stage.deployment_id.clone(), snapshot);
                    compiled.insert(stage.deployment_id.clone(), d.clone());
                    d
                }
            };
            served.insert(
                stage.stage_name.clone(),
                Arc::new(DeployedStage { stage, deployment }),
            );
        }
        self.gateway.publish(DeployedApi {
            scope: scope.clone(),
            api_id: api_id.to_string(),
            stages: served,
        });
        Ok(())
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
}
