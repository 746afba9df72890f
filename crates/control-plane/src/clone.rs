//! CreateRestApi's `cloneFrom`: the new API gets a copy of the source API's resources and
//! methods, models, authorizers, request validators and gateway responses, each with a new
//! id (methods follow their authorizer and validator to the copies; model schemas' `$ref`s
//! name the new API). Deployments, stages and documentation stay with the source.

use std::collections::HashMap;

use apigw_model::{ids, Authorizer, GatewayResponse, Model, RequestValidator, Resource, Scope};
use apigw_store::{typed, SqliteConnection};

use crate::error::Result;

/// Copy the documents of `source` into the new API `target`, whose root resource is
/// `target_root`.
///
/// # Errors
/// Store failure.
pub async fn copy_api(
    c: &mut SqliteConnection,
    scope: &Scope,
    source: &str,
    target: &str,
    target_root: &str,
) -> Result<()> {
    let authorizers: Vec<Authorizer> = typed::list(c, scope, source).await?;
    let mut authorizer_ids = HashMap::new();
    for mut a in authorizers {
        let id = ids::short_id();
        authorizer_ids.insert(a.id.clone(), id.clone());
        a.id = id;
        typed::insert(c, scope, target, &a.id, &a).await?;
    }
    let validators: Vec<RequestValidator> = typed::list(c, scope, source).await?;
    let mut validator_ids = HashMap::new();
    for mut v in validators {
        let id = ids::short_id();
        validator_ids.insert(v.id.clone(), id.clone());
        v.id = id;
        typed::insert(c, scope, target, &v.id, &v).await?;
    }
    let models: Vec<Model> = typed::list(c, scope, source).await?;
    let (from, to) = (
        format!("/restapis/{source}/models/"),
        format!("/restapis/{target}/models/"),
    );
    for mut m in models {
        m.id = ids::short_id();
        m.schema = m.schema.map(|s| s.replace(&from, &to));
        typed::insert(c, scope, target, &m.name, &m).await?;
    }
    let responses: Vec<GatewayResponse> = typed::list(c, scope, source).await?;
    for r in responses {
        typed::insert(c, scope, target, &r.response_type, &r).await?;
    }
    let resources: Vec<Resource> = typed::list(c, scope, source).await?;
    // The root keeps the new API's id; every other resource gets a new one.
    let resource_ids: HashMap<String, String> = resources
        .iter()
        .map(|r| {
            let id = if r.path == "/" {
                target_root.to_string()
            } else {
                ids::short_id()
            };
            (r.id.clone(), id)
        })
        .collect();
    for mut r in resources {
        r.id = resource_ids[&r.id].clone();
        r.parent_id = r
            .parent_id
            .map(|p| resource_ids.get(&p).cloned().unwrap_or(p));
        for m in r.resource_methods.iter_mut().flat_map(|m| m.values_mut()) {
            m.authorizer_id = m
                .authorizer_id
                .take()
                .map(|a| authorizer_ids.get(&a).cloned().unwrap_or(a));
            m.request_validator_id = m
                .request_validator_id
                .take()
                .map(|v| validator_ids.get(&v).cloned().unwrap_or(v));
        }
        typed::insert(c, scope, target, &r.id, &r).await?;
    }
    Ok(())
}
