//! A deployed API written back as Swagger 2.0 or OpenAPI 3.0 (GetExport).
//!
//! The export reads a stage's deployment snapshot, as AWS exports what a stage serves rather
//! than the API as it is being edited. The shapes follow AWS's recorded exports
//! (test_apigateway_extended.snapshot.json, `test_export_swagger_openapi` and
//! `test_export_oas30_openapi`): `"{status} response"` descriptions, `consumes`/`produces`
//! from models and templates, `content: {}` for an OpenAPI response without models, and the
//! `x-amazon-apigateway-*` extensions only when asked for. What the import reads, the export
//! writes, so an export imports back to the same API.

mod context;
mod operation;
mod security;

use serde_json::{json, Map, Value};

use apigw_model::{ApiSnapshot, Model};

use crate::document::Dialect;
use crate::extensions::PREFIX;

/// Which `x-amazon-apigateway-*` extensions the export carries (the `extensions` parameter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extensions {
    /// `x-amazon-apigateway-integration` on each operation.
    pub integrations: bool,
    /// `x-amazon-apigateway-authorizer` and `-authtype` on the security schemes.
    pub authorizers: bool,
    /// The API-level extensions too (binary media types, gateway responses, validators, …).
    pub api: bool,
}

impl Extensions {
    /// The `extensions` parameter: a comma-separated list of `integrations`, `authorizers`,
    /// `apigateway` (all of them) and `postman`.
    ///
    /// # Errors
    /// The name of a value that is not one of those this export writes.
    pub fn parse(v: &str) -> Result<Self, String> {
        let mut out = Self::default();
        for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "integrations" => out.integrations = true,
                "authorizers" => out.authorizers = true,
                "apigateway" => {
                    out = Self {
                        integrations: true,
                        authorizers: true,
                        api: true,
                    }
                }
                other => return Err(other.to_string()),
            }
        }
        Ok(out)
    }
}

/// The export's format and where the stage is served.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Swagger 2.0 (`swagger`) or OpenAPI 3.0 (`oas30`).
    pub dialect: Dialect,
    /// The extensions to write.
    pub extensions: Extensions,
    /// The stage's host, `{api}.execute-api.{region}.amazonaws.com` as AWS writes it.
    pub host: String,
    /// The stage name (the base path).
    pub stage: String,
    /// `info.version` when the API has no version: AWS writes the deployment's date.
    pub fallback_version: String,
}

/// The `info.version` the export writes (also in AWS's file name, `swagger_{version}.json`).
pub fn version(snapshot: &ApiSnapshot, opts: &ExportOptions) -> String {
    snapshot
        .rest_api
        .version
        .clone()
        .unwrap_or_else(|| opts.fallback_version.clone())
}

/// The document for `snapshot`.
pub fn export(snapshot: &ApiSnapshot, opts: &ExportOptions) -> Value {
    let api = &snapshot.rest_api;
    // JSON objects are written in key order (serde_json's map), whatever the insertion order.
    let mut info = Map::new();
    info.insert("title".into(), api.name.clone().into());
    insert_some(&mut info, "description", api.description.as_deref());
    info.insert("version".into(), version(snapshot, opts).into());
    let ctx = context::Context::new(snapshot, opts);
    let paths = operation::paths(&ctx);
    let schemes = security::schemes(&ctx);
    let models = models(&snapshot.documents.models, &ctx);
    let mut doc = Map::new();
    match opts.dialect {
        Dialect::Swagger2 => {
            doc.insert("swagger".into(), "2.0".into());
            doc.insert("info".into(), info.into());
            doc.insert("host".into(), opts.host.clone().into());
            doc.insert("basePath".into(), format!("/{}", opts.stage).into());
            doc.insert("schemes".into(), json!(["https"]));
            doc.insert("paths".into(), paths.into());
            if !schemes.is_empty() {
                doc.insert("securityDefinitions".into(), schemes.into());
            }
            if !models.is_empty() {
                doc.insert("definitions".into(), models.into());
            }
        }
        Dialect::OpenApi3 => {
            doc.insert("openapi".into(), "3.0.1".into());
            doc.insert("info".into(), info.into());
            doc.insert(
                "servers".into(),
                json!([{
                    "url": format!("https://{}/{{basePath}}", opts.host),
                    "variables": {"basePath": {"default": opts.stage}},
                }]),
            );
            doc.insert("paths".into(), paths.into());
            // AWS writes `components` even when it is empty.
            let mut components = Map::new();
            if !models.is_empty() {
                components.insert("schemas".into(), models.into());
            }
            if !schemes.is_empty() {
                components.insert("securitySchemes".into(), schemes.into());
            }
            doc.insert("components".into(), components.into());
        }
    }
    if opts.extensions.api {
        api_extensions(snapshot, &mut doc);
    }
    Value::Object(doc)
}

/// The API-level extensions (with `extensions=apigateway`). Settings at their defaults are
/// left out, as in AWS's exports (no `api-key-source` for `HEADER`).
fn api_extensions(snapshot: &ApiSnapshot, doc: &mut Map<String, Value>) {
    let api = &snapshot.rest_api;
    let mut put = |name: &str, v: Value| {
        doc.insert(format!("{PREFIX}{name}"), v);
    };
    if let Some(types) = api.binary_media_types.as_ref().filter(|t| !t.is_empty()) {
        put("binary-media-types", json!(types));
    }
    if let Some(size) = api.minimum_compression_size {
        put("minimum-compression-size", size.into());
    }
    if api.api_key_source != "HEADER" {
        put("api-key-source", api.api_key_source.clone().into());
    }
    if let Some(policy) = &api.policy {
        let v = serde_json::from_str(policy).unwrap_or_else(|_| policy.clone().into());
        put("policy", v);
    }
    let docs = &snapshot.documents;
    if !docs.request_validators.is_empty() {
        let validators: Map<String, Value> = docs
            .request_validators
            .iter()
            .map(|v| {
                let body = json!({
                    "validateRequestBody": v.validate_request_body,
                    "validateRequestParameters": v.validate_request_parameters,
                });
                (v.name.clone(), body)
            })
            .collect();
        put("request-validators", validators.into());
    }
    if !docs.gateway_responses.is_empty() {
        let responses: Map<String, Value> = docs
            .gateway_responses
            .iter()
            .map(|g| {
                let mut o = Map::new();
                insert_some(&mut o, "statusCode", g.status_code.as_deref());
                if !g.response_parameters.is_empty() {
                    o.insert("responseParameters".into(), json!(g.response_parameters));
                }
                if !g.response_templates.is_empty() {
                    o.insert("responseTemplates".into(), json!(g.response_templates));
                }
                (g.response_type.clone(), o.into())
            })
            .collect();
        put("gateway-responses", responses.into());
    }
}

/// The models as `definitions` / `components.schemas`, their `$ref`s to AWS's model URLs
/// turned back into references inside the document.
fn models(models: &[Model], ctx: &context::Context<'_>) -> Map<String, Value> {
    models
        .iter()
        .map(|m| {
            let schema = m
                .schema
                .as_deref()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
                .unwrap_or_else(|| json!({}));
            let mut schema = ctx.local_refs(schema);
            if let Some(o) = schema.as_object_mut() {
                // The draft is implied by the document's dialect.
                o.remove("$schema");
            }
            (m.name.clone(), schema)
        })
        .collect()
}

/// The export's media type (the `Accept` header).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// `application/json` (also for no `Accept` or `*/*`).
    #[default]
    Json,
    /// `application/yaml`.
    Yaml,
}

impl Format {
    /// The format an `Accept` header asks for; `None` for one this export does not write.
    pub fn from_accept(accept: Option<&str>) -> Option<Self> {
        let Some(accept) = accept else {
            return Some(Self::Json);
        };
        let mut found = None;
        for part in accept.split(',') {
            let media = part.split(';').next().unwrap_or("").trim();
            match media {
                "application/json" | "*/*" | "application/*" | "" => {
                    return Some(Self::Json);
                }
                "application/yaml" | "application/x-yaml" | "text/yaml" => {
                    found.get_or_insert(Self::Yaml);
                }
                _ => {}
            }
        }
        found
    }

    /// The file extension AWS's `Content-Disposition` names.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Yaml => "yaml",
        }
    }

    /// `doc` as bytes: indented JSON, or YAML, its top-level members in the order AWS
    /// writes them (the version first, then `info`, where it is served, `paths`).
    pub fn render(self, doc: &Value) -> Vec<u8> {
        let doc = TopFirst(doc);
        match self {
            // A Value always serialises; the fallbacks are never taken.
            Self::Json => serde_json::to_vec_pretty(&doc).unwrap_or_default(),
            Self::Yaml => serde_yaml_ng::to_string(&doc)
                .unwrap_or_default()
                .into_bytes(),
        }
    }
}

/// The document with its top-level members in AWS's order; JSON objects are otherwise
/// written in key order.
struct TopFirst<'a>(&'a Value);

const TOP_ORDER: &[&str] = &[
    "swagger", "openapi", "info", "host", "basePath", "schemes", "servers", "paths",
];

impl serde::Serialize for TopFirst<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(o) = self.0 else {
            return self.0.serialize(s);
        };
        let rank = |k: &str| {
            TOP_ORDER
                .iter()
                .position(|t| *t == k)
                .unwrap_or(TOP_ORDER.len())
        };
        let mut entries: Vec<(&String, &Value)> = o.iter().collect();
        entries.sort_by_key(|(k, _)| rank(k));
        let mut m = s.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

fn insert_some(o: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        o.insert(key.into(), v.into());
    }
}

#[cfg(test)]
mod tests;
