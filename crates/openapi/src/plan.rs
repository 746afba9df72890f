//! A document as a [`Plan`].

use serde_json::Value;

use apigw_model::Model;

use crate::document::Document;
use crate::extensions::{self, At};
use crate::operations::{self, VERBS};
use crate::{security, ImportError, Options, Plan};

/// Read a document into a plan.
///
/// # Errors
/// [`ImportError::Invalid`] for a document that is neither Swagger 2.0 nor OpenAPI 3.0;
/// [`ImportError::Warnings`] when `fail_on_warnings` is set and there were any.
pub fn plan(doc: &Value, opts: &Options) -> Result<Plan, ImportError> {
    let d = Document::new(doc)?;
    let mut warnings = Vec::new();
    let base = d.base_path(opts.base_path);
    let mut plan = Plan {
        api: extensions::api_settings(&d),
        models: models(&d),
        authorizers: security::authorizers(&d),
        validators: extensions::validators(&d),
        gateway_responses: extensions::gateway_responses(&d),
        ..Default::default()
    };
    for (key, item) in d.paths() {
        let Some(item) = d.resolve(item).as_object() else {
            continue;
        };
        let path = full_path(&base, key);
        let methods = plan.paths.entry(path.clone()).or_default();
        for (field, verb) in VERBS {
            let Some(op) = item.get(*field).and_then(Value::as_object) else {
                continue;
            };
            let at = At { path: &path, verb };
            let m = operations::method(&d, item, op, &at, &mut warnings);
            methods.insert((*verb).to_string(), m);
        }
    }
    if opts.fail_on_warnings && !warnings.is_empty() {
        return Err(ImportError::Warnings(warnings));
    }
    plan.warnings = warnings;
    Ok(plan)
}

/// `/` + the base path's segments + the path's.
fn full_path(base: &[String], key: &str) -> String {
    let segments: Vec<&str> = base
        .iter()
        .map(String::as_str)
        .chain(key.split('/').filter(|s| !s.is_empty()))
        .collect();
    format!("/{}", segments.join("/"))
}

/// Named schemas as models (JSON content); the schema is kept as written until the API's id
/// is known and its references can be rewritten.
fn models(d: &Document<'_>) -> Vec<(Model, Value)> {
    d.schemas()
        .iter()
        .map(|(name, schema)| {
            let model = Model {
                id: String::new(),
                name: name.clone(),
                description: schema
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                schema: None,
                content_type: "application/json".into(),
            };
            (model, schema.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BasePath;
    use serde_json::json;

    #[test]
    fn paths_take_the_base_path_and_keep_path_only_resources() {
        let doc = json!({"swagger": "2.0", "basePath": "/v1",
            "paths": {"/": {"get": {}}, "/a/{b}": {}, "/a/{b}/c": {"post": {}, "options": {}}}});
        let p = plan(
            &doc,
            &Options {
                base_path: BasePath::Prepend,
                ..Default::default()
            },
        )
        .unwrap();
        let paths: Vec<_> = p.paths.keys().map(String::as_str).collect();
        assert_eq!(paths, ["/v1", "/v1/a/{b}", "/v1/a/{b}/c"]);
        let verbs: Vec<_> = p.paths["/v1/a/{b}/c"].keys().map(String::as_str).collect();
        assert_eq!(verbs, ["OPTIONS", "POST"]);
        let p = plan(&doc, &Options::default()).unwrap();
        assert!(p.paths.contains_key("/"));
    }

    #[test]
    fn warnings_fail_the_import_only_when_asked() {
        let doc = json!({"openapi": "3.0.1", "paths": {"/t": {"get": {
            "x-amazon-apigateway-integration": {"type": "mock",
                "requestParameters": {"integration.request.header.n": 1}}}}}});
        let p = plan(&doc, &Options::default()).unwrap();
        assert_eq!(p.warnings.len(), 1);
        let strict = Options {
            fail_on_warnings: true,
            ..Default::default()
        };
        let e = plan(&doc, &strict).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("Warnings found during import:\n\tInvalid format"));
    }

    #[test]
    fn models_keep_their_description() {
        let doc = json!({"swagger": "2.0", "definitions": {
            "Person": {"type": "object", "description": "Random person schema."}}});
        let p = plan(&doc, &Options::default()).unwrap();
        assert_eq!(p.models[0].0.name, "Person");
        assert_eq!(
            p.models[0].0.description.as_deref(),
            Some("Random person schema.")
        );
    }
}
