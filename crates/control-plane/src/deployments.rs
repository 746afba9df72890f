//! Deployments: CreateDeployment, GetDeployment, GetDeployments, UpdateDeployment,
//! DeleteDeployment ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_Deployment.html)).
//!
//! A deployment freezes the whole API as it stands ([`ApiSnapshot`], kept in the
//! `deployment_snapshots` table); stages serve that frozen copy, so later edits to the API reach
//! the wire only through another deployment. Creating a deployment with `stageName` also
//! creates (or moves) that stage in the same transaction, and with `canarySettings` points the
//! stage's canary at the new deployment instead.

use apigw_store::SqliteConnection;
use axum::extract::Path;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use apigw_model::{
    ids, ApiDocuments, ApiError, ApiSnapshot, Deployment, RestApi, Scope, Stage, StringMap,
};
use apigw_store::{docs, typed};

use crate::error::Result;
use crate::extract::{AwsJson, Call};
use crate::family::{self, Family, Patched};
use crate::lookup;
use crate::patch::{self, PatchOp};
use crate::validate::Failures;
use crate::{now_epoch, reply, stages, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    family::api_routes::<Deployment>(
        "deployments",
        "deployment_id",
        post(create_deployment),
        get(get_deployment)
            .patch(family::update_in_api::<Deployment>)
            .delete(delete_deployment),
    )
}

impl Family for Deployment {
    /// AWS's 404 for an unknown deployment of a known API.
    fn not_found(_: &str) -> crate::error::Error {
        ApiError::not_found("Invalid Deployment identifier specified").into()
    }
}

impl Patched for Deployment {
    const UPDATE_INPUT: &'static str = "updateDeploymentInput";
    const API_404_FIRST: bool = true;
    fn patched(&self, ops: &[PatchOp]) -> Result<Self> {
        let mut d = self.clone();
        apply_patch(&mut d, ops)?;
        Ok(d)
    }
}

/// The frozen API a deployment serves; `None` when the deployment (or its API) is gone.
///
/// This is what the data plane compiles into a stage's routing table.
///
/// # Errors
/// Store failure, or a stored snapshot that no longer parses.
pub async fn snapshot_of(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    deployment_id: &str,
) -> Result<Option<ApiSnapshot>> {
    Ok(docs::get_snapshot(c, scope, api_id, deployment_id).await?)
}

/// Copy the API as it stands now: settings, every resource with its methods, integrations and
/// responses, and the per-API documents the data plane serves from (gateway responses,
/// authorizers, models, request validators).
///
/// # Errors
/// Store failure.
pub async fn freeze(c: &mut SqliteConnection, scope: &Scope, api: &RestApi) -> Result<ApiSnapshot> {
    let resources = typed::list(c, scope, &api.id).await?;
    let documents = ApiDocuments {
        gateway_responses: typed::list(c, scope, &api.id).await?,
        authorizers: typed::list(c, scope, &api.id).await?,
        models: typed::list(c, scope, &api.id).await?,
        request_validators: typed::list(c, scope, &api.id).await?,
        vpc_link_targets: typed::list::<apigw_model::VpcLink>(c, scope, "")
            .await?
            .into_iter()
            .filter_map(|l| Some((l.id.clone(), l.local_target()?.to_string())))
            .collect(),
    };
    Ok(ApiSnapshot {
        rest_api: api.clone(),
        resources,
        documents,
    })
}

/// AWS refuses to deploy an API without methods, or with a method that has no integration.
///
/// # Errors
/// `BadRequestException` "The REST API doesn't contain any methods" or "No integration defined
/// for method" (the texts AWS answers; seen through CloudFormation, Terraform and the SDKs).
pub fn check_deployable(snapshot: &ApiSnapshot) -> Result<()> {
    let mut any = false;
    for r in &snapshot.resources {
        for m in r.resource_methods.iter().flat_map(|m| m.values()) {
            any = true;
            if m.method_integration.is_none() {
                return Err(ApiError::bad_request("No integration defined for method").into());
            }
        }
    }
    if any {
        Ok(())
    } else {
        Err(ApiError::bad_request("The REST API doesn't contain any methods").into())
    }
}

/// Store a new deployment with its frozen API. The one place deployments are written, so
/// the data plane's change notification hooks in here.
///
/// # Errors
/// Store failure.
pub async fn insert_deployment(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    deployment: &Deployment,
    snapshot: &ApiSnapshot,
) -> Result<()> {
    typed::insert(c, scope, api_id, &deployment.id, deployment).await?;
    docs::put_snapshot(c, scope, api_id, &deployment.id, snapshot).await?;
    Ok(())
}

/// Delete a deployment and its frozen API. The one place deployments are removed.
///
/// # Errors
/// Store failure.
pub async fn remove_deployment(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    deployment_id: &str,
) -> Result<()> {
    typed::delete::<Deployment>(c, scope, api_id, deployment_id).await?;
    docs::delete_snapshots(c, scope, api_id, Some(deployment_id)).await?;
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDeploymentInput {
    /// The stage to create or point at the new deployment.
    pub stage_name: Option<String>,
    stage_description: Option<String>,
    description: Option<String>,
    cache_cluster_enabled: Option<bool>,
    cache_cluster_size: Option<String>,
    variables: Option<StringMap>,
    canary_settings: Option<DeploymentCanarySettings>,
    tracing_enabled: Option<bool>,
}

impl CreateDeploymentInput {
    /// A deployment to the stage `name` with nothing else set.
    pub fn to_stage(name: &str) -> Self {
        Self {
            stage_name: Some(name.to_string()),
            ..Self::default()
        }
    }
}

/// `DeploymentCanarySettings`: a canary deployment names no deployment, it *is* the new one.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentCanarySettings {
    percent_traffic: Option<f64>,
    stage_variable_overrides: Option<StringMap>,
    use_stage_cache: Option<bool>,
}

async fn create_deployment(
    Call { st, scope }: Call,
    Path(api_id): Path<String>,
    AwsJson(input): AwsJson<CreateDeploymentInput>,
) -> Result<Response> {
    reply::created(&deploy(&st, &scope, &api_id, input).await?)
}

/// CreateDeployment: freeze the API and, when the input names a stage, point it there (also
/// used to deploy an API imported at start-up).
///
/// # Errors
/// AWS's refusals (unknown API, nothing to deploy, bad stage); store failure.
pub async fn deploy(
    st: &AppState,
    scope: &Scope,
    api_id: &str,
    input: CreateDeploymentInput,
) -> Result<Deployment> {
    let (scope, api_id) = (scope.clone(), api_id.to_string());
    let mut tx = st.store.write().await?;
    let api = lookup::rest_api(&mut tx, &scope, &api_id).await?;
    let mut failures = Failures::default();
    failures.check_enum(
        input.cache_cluster_size.as_deref(),
        "createDeploymentInput.cacheClusterSize",
        stages::CACHE_CLUSTER_SIZES,
    );
    failures.finish()?;
    let stage_name = input.stage_name.as_deref().filter(|s| !s.is_empty());
    let existing = match stage_name {
        Some(name) => typed::get(&mut tx, &scope, &api_id, name).await?,
        None => None,
    };
    if input.canary_settings.is_some() {
        // Recorded in test_apigateway_canary.snapshot.json (test_create_canary_deployment_validation).
        match (&input.stage_name, &existing) {
            (None, _) => return Err(ApiError::bad_request("Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is null").into()),
            (Some(s), _) if s.is_empty() => return Err(ApiError::bad_request("Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is ").into()),
            (Some(s), None) => return Err(ApiError::bad_request(format!("Invalid deployment content specified.Stage {s} must already be created before making a canary release deployment")).into()),
            _ => {}
        }
    }
    if let (Some(name), None) = (stage_name, &existing) {
        stages::validate_name(name)?;
    }
    let snapshot = freeze(&mut tx, &scope, &api).await?;
    check_deployable(&snapshot)?;
    let now = now_epoch();
    let deployment = Deployment {
        id: ids::short_id(),
        description: input.description.clone(),
        created_date: now,
        api_summary: None,
    };
    insert_deployment(&mut tx, &scope, &api_id, &deployment, &snapshot).await?;
    if let Some(name) = stage_name {
        let is_new = existing.is_none();
        let mut stage = existing.unwrap_or_else(|| stages::new_stage(name, &deployment.id, now));
        match &input.canary_settings {
            Some(canary) => {
                stage.canary_settings = Some(stages::new_canary(
                    deployment.id.clone(),
                    canary.percent_traffic,
                    canary.stage_variable_overrides.clone(),
                    canary.use_stage_cache,
                ))
            }
            None => stage.deployment_id = deployment.id.clone(),
        }
        if let Some(v) = &input.variables {
            stage.variables = Some(v.clone()).filter(|m| !m.is_empty());
        }
        if let Some(d) = input.stage_description.as_ref().filter(|d| !d.is_empty()) {
            stage.description = Some(d.clone());
        }
        if let Some(enabled) = input.cache_cluster_enabled {
            stages::set_cache_cluster(&mut stage, enabled);
        }
        if let Some(size) = &input.cache_cluster_size {
            stage.cache_cluster_size = Some(size.clone());
        }
        if let Some(t) = input.tracing_enabled {
            stage.tracing_enabled = t;
        }
        stage.last_updated_date = now;
        // The deployment row is in this transaction too: a refused stage leaves neither.
        stages::check(&stage)?;
        if is_new {
            stages::insert_stage(&mut tx, &scope, &api_id, &stage).await?;
        } else {
            stages::save_stage(&mut tx, &scope, &api_id, &stage).await?;
        }
    }
    st.commit_api_change(tx, &scope, &api_id).await?;
    Ok(deployment)
}

async fn get_deployment(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
    uri: axum::http::Uri,
) -> Result<Response> {
    // `embed` is a list: `?embed=apisummary` or `?embed=a&embed=b` or `?embed=a,b`.
    let summary = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "embed")
        .any(|(_, v)| v.split(',').any(|e| e.trim() == "apisummary"));
    let mut c = st.store.read().await?;
    let mut deployment: Deployment = family::load_in_api(&mut c, &scope, &api_id, &id).await?;
    if summary {
        let snapshot = snapshot_of(&mut c, &scope, &api_id, &id)
            .await?
            .unwrap_or_default();
        deployment.api_summary = Some(snapshot.summary());
    }
    reply::ok(&deployment)
}

/// Apply UpdateDeployment's patch operations (only `/description` can change).
///
/// # Errors
/// AWS's `BadRequestException` for another path or op.
pub fn apply_patch(d: &mut Deployment, ops: &[PatchOp]) -> Result<()> {
    patch::replace_only(ops, "/description", |op| {
        d.description = op.value_or_clear();
        Ok(())
    })
}

async fn delete_deployment(
    Call { st, scope }: Call,
    Path((api_id, id)): Path<(String, String)>,
) -> Result<Response> {
    let mut tx = st.store.write().await?;
    family::load_in_api::<Deployment>(&mut tx, &scope, &api_id, &id).await?;
    let all: Vec<Stage> = typed::list(&mut tx, &scope, &api_id).await?;
    let in_use = all.iter().any(|s| {
        s.deployment_id == id
            || s.canary_settings
                .as_ref()
                .and_then(|c| c.deployment_id.as_deref())
                == Some(id.as_str())
    });
    if in_use {
        // test_apigateway_common.snapshot.json, TestDeployments.
        return Err(ApiError::bad_request(
            "Active stages pointing to this deployment must be moved or deleted",
        )
        .into());
    }
    remove_deployment(&mut tx, &scope, &api_id, &id).await?;
    tx.commit().await?;
    reply::accepted()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::{PatchInput, RawPatchOp};
    use apigw_model::{Integration, Method, Resource};

    fn api_with(methods: Option<Vec<(&str, bool)>>) -> ApiSnapshot {
        let resource_methods = methods.map(|ms| {
            ms.into_iter()
                .map(|(verb, integrated)| {
                    (
                        verb.to_string(),
                        Method {
                            http_method: verb.into(),
                            authorization_type: "NONE".into(),
                            method_integration: integrated.then(|| Integration {
                                integration_type: "MOCK".into(),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                    )
                })
                .collect()
        });
        ApiSnapshot {
            resources: vec![Resource {
                id: "root".into(),
                path: "/".into(),
                resource_methods,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn deployable_needs_methods_with_integrations() {
        let e = check_deployable(&api_with(None)).unwrap_err();
        assert_eq!(e.0.message, "The REST API doesn't contain any methods");
        let e =
            check_deployable(&api_with(Some(vec![("GET", true), ("POST", false)]))).unwrap_err();
        assert_eq!(e.0.message, "No integration defined for method");
        assert_eq!(e.0.kind.status(), 400);
        assert!(check_deployable(&api_with(Some(vec![("GET", true)]))).is_ok());
    }

    #[test]
    fn only_description_is_patchable() {
        let ops = |op: &str, path: &str, value: Option<&str>| {
            patch::parse(
                PatchInput {
                    patch_operations: Some(vec![RawPatchOp {
                        op: Some(op.into()),
                        path: Some(path.into()),
                        value: value.map(Into::into),
                        from: None,
                    }]),
                },
                "updateDeploymentInput",
            )
            .unwrap()
        };
        let mut d = Deployment::default();
        // test_apigateway_basic.snapshot.json, test_update_rest_api_deployment
        apply_patch(
            &mut d,
            &ops("replace", "/description", Some("new-description")),
        )
        .unwrap();
        assert_eq!(d.description.as_deref(), Some("new-description"));
        let e = apply_patch(&mut d, &ops("replace", "/id", Some("x"))).unwrap_err();
        assert_eq!(
            e.0.message,
            "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/description]"
        );
        assert!(apply_patch(&mut d, &ops("add", "/description", Some("x"))).is_err());
        assert_eq!(d.description.as_deref(), Some("new-description"));
    }

    #[tokio::test]
    async fn snapshot_carries_models_and_validators() {
        use apigw_model::{Model, RequestValidator};
        let store = apigw_store::Store::open(":memory:").await.unwrap();
        let scope = Scope::new("000000000000", "us-east-1");
        let api = RestApi {
            id: "api0000001".into(),
            ..Default::default()
        };
        let mut tx = store.write().await.unwrap();
        typed::insert(&mut tx, &scope, "", &api.id, &api)
            .await
            .unwrap();
        crate::models::insert_defaults(&mut tx, &scope, &api.id)
            .await
            .unwrap();
        let pet = Model {
            id: "pet001".into(),
            name: "Pet".into(),
            description: None,
            schema: Some("{\"type\": \"object\", \"required\": [\"name\"]}".into()),
            content_type: "application/json".into(),
        };
        typed::insert(&mut tx, &scope, &api.id, &pet.name, &pet)
            .await
            .unwrap();
        let v = RequestValidator {
            id: "val123".into(),
            name: "body".into(),
            validate_request_body: true,
            validate_request_parameters: false,
        };
        typed::insert(&mut tx, &scope, &api.id, &v.id, &v)
            .await
            .unwrap();
        let snap = freeze(&mut tx, &scope, &api).await.unwrap();
        let names: Vec<&str> = snap
            .documents
            .models
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(names, ["Empty", "Error", "Pet"]);
        assert_eq!(snap.documents.models[2], pet);
        assert_eq!(snap.documents.request_validators, std::slice::from_ref(&v));
        // Stored as earlier versions stored it (under `extras`, in the wire shapes, schema as
        // the string the user gave), and read back whole.
        let json = serde_json::to_value(&snap).unwrap();
        assert_eq!(
            json["extras"]["models"][2],
            serde_json::to_value(&pet).unwrap()
        );
        assert!(json["extras"]["models"][2]["schema"].is_string());
        assert_eq!(
            json["extras"]["requestValidators"],
            serde_json::json!([{"id": "val123", "name": "body", "validateRequestBody": true, "validateRequestParameters": false}])
        );
        docs::put_snapshot(&mut tx, &scope, &api.id, "dep001", &snap)
            .await
            .unwrap();
        let back: ApiSnapshot = docs::get_snapshot(&mut tx, &scope, &api.id, "dep001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back, snap);
    }
}
