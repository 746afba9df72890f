//! CreateRestApi's `cloneFrom`: the new API gets a copy of the source API's resources and
//! methods, models, authorizers, request validators and gateway responses, each with a new
//! id (methods follow their authorizer and validator to the copies; model schemas' `$ref`s
//! name the new API). Deployments, stages and documentation stay with the source.

use std::collections::HashMap;

use apigw_model::{ids, Authorizer, GatewayResponse, Model, RequestValidator, Resource, Scope};
use apigw_store::{typed, Document, SqliteConnection};

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
    let authorizer_ids =
        copy_with_new_ids::<Authorizer>(c, scope, source, target, |a| &mut a.id).await?;
    let validator_ids =
        copy_with_new_ids::<RequestValidator>(c, scope, source, target, |v| &mut v.id).await?;
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

/// Copy the documents of a family keyed by their id, each under a new id; old → new.
async fn copy_with_new_ids<T: Document>(
    c: &mut SqliteConnection,
    scope: &Scope,
    source: &str,
    target: &str,
    id_of: impl Fn(&mut T) -> &mut String,
) -> Result<HashMap<String, String>> {
    let docs: Vec<T> = typed::list(c, scope, source).await?;
    let mut renamed = HashMap::new();
    for mut doc in docs {
        let id = ids::short_id();
        let old = std::mem::replace(id_of(&mut doc), id.clone());
        typed::insert(c, scope, target, &id, &doc).await?;
        renamed.insert(old, id);
    }
    Ok(renamed)
}
