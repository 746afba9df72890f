//! ImportRestApi (`POST /restapis?mode=import`) and PutRestApi (`PUT /restapis/{id}`):
//! an OpenAPI document as a whole API
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_ImportRestApi.html)).
//!
//! `apigw-openapi` reads the document into resources, models, authorizers and validators;
//! this module checks each with the rules of its single operation (so an import cannot store
//! what PutMethod or PutIntegration would refuse) and writes all of it in one transaction:
//! a refused import changes nothing.

use std::collections::HashMap;

use apigw_store::SqliteConnection;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::{post, put};
use axum::Router;

use apigw_model::{
    ids, ApiError, Authorizer, EndpointConfiguration, GatewayResponse, Model, RequestValidator,
    Resource, RestApi, Scope,
};
use apigw_openapi::{BasePath, Built, ImportError, Options, Plan};
use apigw_store::typed;
use serde_json::Value;

use crate::error::Result;
use crate::extract::{parse_json, Call};
use crate::methods::{self, Refs};
use crate::{
    authorizers, documentation, family, gateway_responses, integrations, lookup, models, now_epoch,
    reply, resources, rest_apis, validate, AppState,
};

/// The query of both operations (botocore's `parameters` map travels as query members).
#[derive(Debug, Default)]
struct ImportQuery {
    options: Options,
    endpoint_types: Option<Vec<String>>,
    /// PutRestApi: `merge` or `overwrite` (the default).
    merge: bool,
    /// `x-amazon-apigateway-documentation` is read unless `ignore=documentation`.
    documentation: bool,
}

impl ImportQuery {
    fn parse(q: &HashMap<String, String>) -> Result<Self> {
        let base_path = match q.get("basepath") {
            None => BasePath::Ignore,
            Some(v) => BasePath::parse(v).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid basepath specified: {v}. Valid options are: ignore, prepend, split"
                ))
            })?,
        };
        // `mode=import` marks ImportRestApi; PutRestApi overwrites unless told to merge.
        let merge = match q.get("mode").map(String::as_str) {
            Some("import") => false,
            mode => validate::merge_mode(mode)?.unwrap_or(false),
        };
        Ok(Self {
            options: Options {
                base_path,
                fail_on_warnings: q.get("failonwarnings").is_some_and(|v| v == "true"),
            },
            endpoint_types: q.get("endpointConfigurationTypes").map(|t| {
                t.split(',')
                    .map(|s| s.trim().to_ascii_uppercase())
                    .collect()
            }),
            merge,
            documentation: q.get("ignore").is_none_or(|v| v != "documentation"),
        })
    }
}

/// Routes: `POST /restapis` (CreateRestApi, or ImportRestApi with `?mode=import`, whose body
/// is the document rather than JSON input) and `PUT /restapis/{id}` (PutRestApi).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/restapis", post(post_rest_apis))
        .route("/restapis/{restapi_id}", put(put_rest_api))
}

async fn post_rest_apis(
    Call { st, scope }: Call,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response> {
    if query.get("mode").is_some_and(|m| m == "import") {
        return import_rest_api(st, scope, &query, &body).await;
    }
    rest_apis::create_rest_api(st, scope, parse_json(&body)?).await
}

/// The document (read once: the plan and its documentation parts both come from it) and
/// its plan.
fn read_plan(body: &[u8], options: &Options) -> Result<(Value, Plan)> {
    let doc = apigw_openapi::read(body).map_err(import_error)?;
    let plan = apigw_openapi::plan(&doc, options).map_err(import_error)?;
    Ok((doc, plan))
}

fn import_error(e: ImportError) -> crate::error::Error {
    ApiError::bad_request(e.to_string()).into()
}

/// ImportRestApi.
async fn import_rest_api(
    st: AppState,
    scope: Scope,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Result<Response> {
    reply::created(&import_api(&st, &scope, query, body).await?)
}

/// Import an OpenAPI document as a new API (ImportRestApi; also `--init` at start-up).
///
/// # Errors
/// AWS's import errors ("Invalid OpenAPI input.", "Errors found during import: …"); store
/// failure. Nothing is written when it fails.
pub async fn import_api(
    st: &AppState,
    scope: &Scope,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Result<RestApi> {
    let q = ImportQuery::parse(query)?;
    let (doc, plan) = read_plan(body, &q.options)?;
    let id = ids::long_id();
    let mut api = RestApi {
        id: id.clone(),
        created_date: now_epoch(),
        api_key_source: "HEADER".into(),
        root_resource_id: ids::long_id(),
        ..Default::default()
    };
    settle(&mut api, &plan, q.endpoint_types.clone(), false)?;
    let built = build(plan, &api)?;
    let mut tx = st.store.write().await?;
    let exists = format!("A REST API with id {id} already exists");
    family::insert_new(&mut tx, scope, "", &id, &api, exists).await?;
    write(&mut tx, scope, &id, &built).await?;
    if q.documentation {
        let (parts, _) = documentation::parts_in(&doc);
        documentation::store_parts(&mut tx, scope, &id, parts, true).await?;
    }
    tx.commit().await?;
    Ok(api)
}

/// PutRestApi.
pub async fn put_rest_api(
    Call { st, scope }: Call,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response> {
    let q = ImportQuery::parse(&query)?;
    // AWS reads the document before it looks the API up (recorded: test_import_api_bad_file,
    // put-rest-api-bad-*-file on an unknown id answer "Invalid OpenAPI input.").
    let (doc, plan) = read_plan(&body, &q.options)?;
    let mut tx = st.store.write().await?;
    let mut api = lookup::rest_api(&mut tx, &scope, &id).await?;
    settle(&mut api, &plan, q.endpoint_types.clone(), q.merge)?;
    let built = if q.merge {
        merged(&mut tx, &scope, &api, plan).await?
    } else {
        let old: Vec<Resource> = typed::list(&mut tx, &scope, &id).await?;
        let mut built = build(plan, &api)?;
        keep_resource_ids(&mut built, &old);
        built
    };
    // Overwrite replaces every part; merge rewrites the parts it read back above.
    clear(&mut tx, &scope, &id).await?;
    write(&mut tx, &scope, &id, &built).await?;
    if q.documentation {
        let (parts, _) = documentation::parts_in(&doc);
        documentation::store_parts(&mut tx, &scope, &id, parts, !q.merge).await?;
    }
    api.tags.get_or_insert_with(Default::default);
    typed::update(&mut tx, &scope, "", &id, &api).await?;
    tx.commit().await?;
    reply::ok(&api)
}

/// An overwrite keeps the id of every resource whose path it keeps (recorded:
/// test_import_rest_api_with_base_path_oas30, `/test` has the same id before and after).
fn keep_resource_ids(built: &mut Built, old: &[Resource]) {
    let by_path: HashMap<&str, &str> = old
        .iter()
        .map(|r| (r.path.as_str(), r.id.as_str()))
        .collect();
    let renamed: HashMap<String, String> = built
        .resources
        .iter()
        .filter_map(|r| Some((r.id.clone(), by_path.get(r.path.as_str())?.to_string())))
        .collect();
    let rename = |id: &mut String| {
        if let Some(kept) = renamed.get(id.as_str()) {
            id.clone_from(kept);
        }
    };
    for r in &mut built.resources {
        rename(&mut r.id);
        if let Some(p) = r.parent_id.as_mut() {
            rename(p);
        }
        for m in r.resource_methods.iter_mut().flat_map(|m| m.values_mut()) {
            if let Some(ns) = m
                .method_integration
                .as_mut()
                .and_then(|i| i.cache_namespace.as_mut())
            {
                rename(ns);
            }
        }
    }
}

/// Put the document's API settings on `api`, checked as CreateRestApi checks them.
fn settle(
    api: &mut RestApi,
    plan: &Plan,
    endpoint_types: Option<Vec<String>>,
    merge: bool,
) -> Result<()> {
    let s = &plan.api;
    api.name = s
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_request(ImportError::Invalid.to_string()))?;
    api.description = s.description.clone().filter(|d| !d.is_empty());
    api.version = s.version.clone();
    api.warnings = Some(plan.warnings.clone()).filter(|w| !w.is_empty());
    let mut media = if merge {
        api.binary_media_types.take().unwrap_or_default()
    } else {
        Vec::new()
    };
    for t in &s.binary_media_types {
        if !media.contains(t) {
            media.push(t.clone());
        }
    }
    api.binary_media_types = Some(media).filter(|m| !m.is_empty());
    if let Some(n) = s.minimum_compression_size {
        api.minimum_compression_size = rest_apis::compression_size(&n.into())?;
    }
    if let Some(src) = &s.api_key_source {
        if src != "HEADER" && src != "AUTHORIZER" {
            return Err(ApiError::bad_request(format!("Invalid API key source: {src}")).into());
        }
        api.api_key_source = src.clone();
    }
    if s.policy.is_some() {
        api.policy = s.policy.clone();
    }
    if let Some(d) = s.disable_execute_api_endpoint {
        api.disable_execute_api_endpoint = d;
    }
    // The query's endpoint type wins over the document's; a PutRestApi keeps the API's own.
    let mut cfg: Option<EndpointConfiguration> = s.endpoint_configuration.clone();
    if let Some(types) = endpoint_types {
        cfg.get_or_insert_with(Default::default).types = Some(types);
    }
    if api.endpoint_configuration.types.is_none() || cfg.is_some() {
        api.endpoint_configuration = rest_apis::endpoint_configuration(cfg, "importRestApiInput")?;
    }
    Ok(())
}

/// Ids for the plan's parts, then every part checked.
fn build(plan: Plan, api: &RestApi) -> Result<Built> {
    let built = plan
        .build(&api.id, &api.root_resource_id, ids::short_id)
        .map_err(import_error)?;
    check(&built)?;
    Ok(built)
}

/// PutRestApi `mode=merge`: the API's parts, with the document's added or put in their place
/// (resources by path, methods by verb, models, authorizers and validators by name).
async fn merged(
    c: &mut SqliteConnection,
    scope: &Scope,
    api: &RestApi,
    plan: Plan,
) -> Result<Built> {
    let new = plan
        .build(&api.id, &api.root_resource_id, ids::short_id)
        .map_err(import_error)?;
    let mut old = Built {
        resources: typed::list(c, scope, &api.id).await?,
        models: typed::list(c, scope, &api.id).await?,
        authorizers: typed::list(c, scope, &api.id).await?,
        validators: typed::list(c, scope, &api.id).await?,
        gateway_responses: typed::list(c, scope, &api.id).await?,
    };
    merge_by(&mut old.models, new.models, |m: &Model| m.name.clone());
    merge_by(&mut old.authorizers, new.authorizers, |a: &Authorizer| {
        a.name.clone()
    });
    merge_by(
        &mut old.validators,
        new.validators,
        |v: &RequestValidator| v.name.clone(),
    );
    merge_by(
        &mut old.gateway_responses,
        new.gateway_responses,
        |g: &GatewayResponse| g.response_type.clone(),
    );
    for r in new.resources {
        match old.resources.iter_mut().find(|o| o.path == r.path) {
            Some(o) => {
                let methods = o.resource_methods.get_or_insert_with(Default::default);
                methods.extend(r.resource_methods.unwrap_or_default());
            }
            None => {
                // Its parent is found by path: ids of the new plan's ancestors may have been
                // replaced by existing resources.
                let parent_path = r.path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
                let parent_path = if parent_path.is_empty() {
                    "/"
                } else {
                    parent_path
                };
                let parent = old.resources.iter().find(|o| o.path == parent_path);
                let parent_id = parent.map(|p| p.id.clone());
                old.resources.push(Resource { parent_id, ..r });
            }
        }
    }
    check(&old)?;
    Ok(old)
}

fn merge_by<T>(old: &mut Vec<T>, new: Vec<T>, key: impl Fn(&T) -> String) {
    for n in new {
        let k = key(&n);
        match old.iter_mut().find(|o| key(o) == k) {
            Some(o) => *o = n,
            None => old.push(n),
        }
    }
}

/// Every part checked with its single operation's rules; all failures are reported, each
/// named as AWS names it.
fn check(b: &Built) -> Result<()> {
    let mut errors = Vec::new();
    let mut note = |what: String, r: Result<()>| {
        if let Err(e) = r {
            errors.push(format!("{what}: {}", e.0.message));
        }
    };
    for a in &b.authorizers {
        note(
            format!("Unable to create authorizer '{}'", a.name),
            authorizers::check(a),
        );
    }
    for m in &b.models {
        let r =
            models::check_name(&m.name).and_then(|()| models::check_schema(m.schema.as_deref()));
        note(format!("Unable to create model '{}'", m.name), r);
    }
    for g in &b.gateway_responses {
        let r = gateway_responses::check_type(&g.response_type);
        note(
            format!("Unable to put gateway response '{}'", g.response_type),
            r,
        );
    }
    let refs = Refs {
        authorizers: b.authorizers.clone(),
        models: b.models.iter().map(|m| m.name.clone()).collect(),
        validators: b.validators.iter().map(|v| v.id.clone()).collect(),
    };
    for (n, r) in b.resources.iter().enumerate() {
        if let (Some(parent_id), Some(part)) = (&r.parent_id, &r.path_part) {
            // As if created in order: a resource clashes with the siblings made before it.
            let siblings: Vec<&Resource> = b.resources[..n]
                .iter()
                .filter(|s| s.parent_id.as_ref() == Some(parent_id))
                .collect();
            let placed = match b.resources.iter().find(|p| &p.id == parent_id) {
                Some(parent) => resources::check_placement(parent, part, &siblings, Some(&r.id)),
                None => Ok(()),
            };
            let res = resources::validate_path_part(part).and(placed);
            note(
                format!("Unable to create resource at path '{}'", r.path),
                res,
            );
        }
        for (verb, m) in r.resource_methods.iter().flatten() {
            let res = methods::check_verb(verb).and_then(|()| methods::check_method(m, &refs));
            note(
                format!(
                    "Unable to put method '{verb}' on resource at path '{}'",
                    r.path
                ),
                res,
            );
            let Some(i) = &m.method_integration else {
                continue;
            };
            note(
                format!(
                    "Unable to put integration on '{verb}' for resource at path '{}'",
                    r.path
                ),
                integrations::check_integration(i, m),
            );
            for ir in i.integration_responses.iter().flat_map(|x| x.values()) {
                note(
                    format!(
                        "Unable to put integration response on '{verb}' for resource at path '{}'",
                        r.path
                    ),
                    integrations::check_integration_response(ir, m),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(import_error(ImportError::Errors(errors)))
    }
}

/// Remove every part of an API (PutRestApi replaces them), keeping the API and its
/// deployments and stages.
async fn clear(c: &mut SqliteConnection, scope: &Scope, api_id: &str) -> Result<()> {
    typed::delete_children::<Resource>(c, scope, api_id).await?;
    typed::delete_children::<Model>(c, scope, api_id).await?;
    typed::delete_children::<Authorizer>(c, scope, api_id).await?;
    typed::delete_children::<RequestValidator>(c, scope, api_id).await?;
    typed::delete_children::<GatewayResponse>(c, scope, api_id).await?;
    Ok(())
}

/// Store the built parts under `api_id`.
async fn write(c: &mut SqliteConnection, scope: &Scope, api_id: &str, b: &Built) -> Result<()> {
    for r in &b.resources {
        typed::insert(c, scope, api_id, &r.id, r).await?;
    }
    for m in &b.models {
        typed::insert(c, scope, api_id, &m.name, m).await?;
    }
    for a in &b.authorizers {
        typed::insert(c, scope, api_id, &a.id, a).await?;
    }
    for v in &b.validators {
        typed::insert(c, scope, api_id, &v.id, v).await?;
    }
    for g in &b.gateway_responses {
        let g = gateway_responses::customised(
            &g.response_type,
            g.status_code.clone(),
            Some(g.response_parameters.clone()).filter(|p| !p.is_empty()),
            Some(g.response_templates.clone()),
        );
        typed::upsert(c, scope, api_id, &g.response_type, &g).await?;
    }
    Ok(())
}
