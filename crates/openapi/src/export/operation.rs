//! Resources and their methods as `paths`: parameters, bodies, responses, security and the
//! integration extension.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use apigw_model::{Integration, Method};

use super::context::Context;
use super::insert_some;
use crate::document::Dialect;
use crate::extensions::PREFIX;

/// AWS's integration timeout; the export leaves it out at this value.
const DEFAULT_TIMEOUT_MS: i64 = 29_000;

/// The key a verb is written under.
fn verb_key(verb: &str) -> String {
    if verb == "ANY" {
        format!("{PREFIX}any-method")
    } else {
        verb.to_ascii_lowercase()
    }
}

/// Every resource with methods, by path (AWS leaves out resources without methods).
pub fn paths(ctx: &Context<'_>) -> Map<String, Value> {
    let mut by_path = BTreeMap::new();
    for r in &ctx.snapshot.resources {
        let Some(methods) = r.resource_methods.as_ref().filter(|m| !m.is_empty()) else {
            continue;
        };
        let item: Map<String, Value> = methods
            .values()
            .map(|m| (verb_key(&m.http_method), operation(ctx, &r.path, &r.id, m)))
            .collect();
        by_path.insert(r.path.clone(), Value::Object(item));
    }
    by_path.into_iter().collect()
}

fn operation(ctx: &Context<'_>, path: &str, resource_id: &str, m: &Method) -> Value {
    let swagger = ctx.dialect() == Dialect::Swagger2;
    let mut op = Map::new();
    insert_some(&mut op, "operationId", m.operation_name.as_deref());
    let request_models = m.request_models.clone().unwrap_or_default();
    if swagger {
        let consumes: BTreeSet<&String> = request_models
            .keys()
            .chain(
                m.method_integration
                    .as_ref()
                    .and_then(|i| i.request_templates.as_ref())
                    .into_iter()
                    .flat_map(|t| t.keys()),
            )
            .collect();
        if !consumes.is_empty() {
            op.insert("consumes".into(), json!(consumes));
        }
        let produces = produces(m);
        if !produces.is_empty() {
            op.insert("produces".into(), json!(produces));
        }
    }
    let mut parameters = parameters(ctx, path, m);
    if swagger {
        // Swagger has one body parameter: the first model.
        if let Some(model) = request_models.values().next() {
            parameters.push(json!({
                "in": "body",
                "name": model,
                "required": true,
                "schema": ctx.model_ref(model),
            }));
        }
    } else if !request_models.is_empty() {
        let content: Map<String, Value> = request_models
            .iter()
            .map(|(ct, model)| (ct.clone(), json!({ "schema": ctx.model_ref(model) })))
            .collect();
        op.insert(
            "requestBody".into(),
            json!({ "content": content, "required": true }),
        );
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), parameters.into());
    }
    op.insert("responses".into(), responses(ctx, m).into());
    let security = super::security::requirements(ctx, m);
    if !security.is_empty() {
        op.insert("security".into(), security.into());
    }
    if ctx.opts.extensions.api {
        if let Some(name) = m
            .request_validator_id
            .as_deref()
            .and_then(|id| ctx.validators.get(id))
        {
            op.insert(format!("{PREFIX}request-validator"), (*name).into());
        }
    }
    if ctx.opts.extensions.integrations {
        if let Some(i) = &m.method_integration {
            op.insert(
                format!("{PREFIX}integration"),
                integration(i, resource_id).into(),
            );
        }
    }
    Value::Object(op)
}

/// Swagger's `produces`: the media types of the response models and the integration
/// responses' templates.
fn produces(m: &Method) -> BTreeSet<String> {
    let models = m
        .method_responses
        .iter()
        .flat_map(|r| r.values())
        .filter_map(|r| r.response_models.as_ref())
        .flat_map(|models| models.keys().cloned());
    let templates = m
        .method_integration
        .iter()
        .filter_map(|i| i.integration_responses.as_ref())
        .flat_map(|r| r.values())
        .filter_map(|r| r.response_templates.as_ref())
        .flat_map(|t| t.keys().cloned());
    models.chain(templates).collect()
}

/// Path parameters (from the path and the method's request parameters), then query
/// strings, then headers.
fn parameters(ctx: &Context<'_>, path: &str, m: &Method) -> Vec<Value> {
    let declared = m.request_parameters.clone().unwrap_or_default();
    let mut path_params: Vec<String> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.trim_end_matches('+').to_string())
        .collect();
    for key in declared.keys() {
        if let Some(name) = key.strip_prefix("method.request.path.") {
            if !path_params.iter().any(|p| p == name) {
                path_params.push(name.to_string());
            }
        }
    }
    let mut out: Vec<Value> = path_params
        .iter()
        .map(|name| parameter(ctx, name, "path", true))
        .collect();
    for (source, location) in [("querystring", "query"), ("header", "header")] {
        let prefix = format!("method.request.{source}.");
        for (key, required) in &declared {
            if let Some(name) = key.strip_prefix(&prefix) {
                out.push(parameter(ctx, name, location, *required));
            }
        }
    }
    out
}

fn parameter(ctx: &Context<'_>, name: &str, location: &str, required: bool) -> Value {
    match ctx.dialect() {
        Dialect::Swagger2 => json!({
            "name": name, "in": location, "required": required, "type": "string",
        }),
        Dialect::OpenApi3 => {
            let mut p = Map::new();
            p.insert("name".into(), name.into());
            p.insert("in".into(), location.into());
            // OpenAPI 3 leaves `required` out when it is false.
            if required {
                p.insert("required".into(), true.into());
            }
            p.insert("schema".into(), json!({ "type": "string" }));
            p.into()
        }
    }
}

fn responses(ctx: &Context<'_>, m: &Method) -> Map<String, Value> {
    let swagger = ctx.dialect() == Dialect::Swagger2;
    m.method_responses
        .iter()
        .flat_map(|r| r.values())
        .map(|r| {
            let mut out = Map::new();
            out.insert(
                "description".into(),
                format!("{} response", r.status_code).into(),
            );
            let models = r.response_models.clone().unwrap_or_default();
            if swagger {
                if let Some(model) = models.values().next() {
                    out.insert("schema".into(), ctx.model_ref(model));
                }
            }
            let headers: Map<String, Value> = r
                .response_parameters
                .iter()
                .flat_map(|p| p.keys())
                .filter_map(|k| k.strip_prefix("method.response.header."))
                .map(|name| {
                    let schema = if swagger {
                        json!({ "type": "string" })
                    } else {
                        json!({ "schema": { "type": "string" } })
                    };
                    (name.to_string(), schema)
                })
                .collect();
            if !headers.is_empty() {
                out.insert("headers".into(), headers.into());
            }
            if !swagger {
                let content: Map<String, Value> = models
                    .iter()
                    .map(|(ct, model)| (ct.clone(), json!({ "schema": ctx.model_ref(model) })))
                    .collect();
                out.insert("content".into(), content.into());
            }
            (r.status_code.clone(), out.into())
        })
        .collect()
}

/// `x-amazon-apigateway-integration`: the integration in the spellings AWS exports (type and
/// passthrough behaviour in lower case), defaults left out.
fn integration(i: &Integration, resource_id: &str) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert(
        "type".into(),
        i.integration_type.to_ascii_lowercase().into(),
    );
    insert_some(&mut o, "httpMethod", i.http_method.as_deref());
    insert_some(&mut o, "uri", i.uri.as_deref());
    if i.connection_type.as_deref() == Some("VPC_LINK") {
        o.insert("connectionType".into(), "VPC_LINK".into());
        insert_some(&mut o, "connectionId", i.connection_id.as_deref());
    }
    insert_some(&mut o, "credentials", i.credentials.as_deref());
    if let Some(rs) = i.integration_responses.as_ref().filter(|r| !r.is_empty()) {
        let responses: Map<String, Value> = rs
            .values()
            .map(|r| {
                let mut ro = Map::new();
                ro.insert("statusCode".into(), r.status_code.clone().into());
                if let Some(p) = r.response_parameters.as_ref().filter(|p| !p.is_empty()) {
                    ro.insert("responseParameters".into(), json!(p));
                }
                if let Some(t) = r.response_templates.as_ref().filter(|t| !t.is_empty()) {
                    ro.insert("responseTemplates".into(), json!(t));
                }
                insert_some(&mut ro, "contentHandling", r.content_handling.as_deref());
                let key = r
                    .selection_pattern
                    .clone()
                    .unwrap_or_else(|| "default".into());
                (key, ro.into())
            })
            .collect();
        o.insert("responses".into(), responses.into());
    }
    if let Some(p) = i.request_parameters.as_ref().filter(|p| !p.is_empty()) {
        o.insert("requestParameters".into(), json!(p));
    }
    if let Some(t) = i.request_templates.as_ref().filter(|t| !t.is_empty()) {
        o.insert("requestTemplates".into(), json!(t));
    }
    if let Some(p) = &i.passthrough_behavior {
        o.insert("passthroughBehavior".into(), p.to_ascii_lowercase().into());
    }
    insert_some(&mut o, "contentHandling", i.content_handling.as_deref());
    if i.timeout_in_millis != DEFAULT_TIMEOUT_MS {
        o.insert("timeoutInMillis".into(), i.timeout_in_millis.into());
    }
    if let Some(ns) = i.cache_namespace.as_deref().filter(|ns| *ns != resource_id) {
        o.insert("cacheNamespace".into(), ns.into());
    }
    if let Some(keys) = i.cache_key_parameters.as_ref().filter(|k| !k.is_empty()) {
        o.insert("cacheKeyParameters".into(), json!(keys));
    }
    if let Some(tls) = &i.tls_config {
        o.insert("tlsConfig".into(), tls.clone());
    }
    if let Some(mode) = i
        .response_transfer_mode
        .as_deref()
        .filter(|m| *m != "BUFFERED")
    {
        o.insert("responseTransferMode".into(), mode.into());
    }
    o
}
