//! A plan with ids: the resources, models, authorizers, validators and gateway responses an
//! import stores.

use std::collections::BTreeMap;

use serde_json::Value;

use apigw_model::{Authorizer, GatewayResponse, Model, RequestValidator, Resource};

use crate::document::model_name;
use crate::{ImportError, Plan};

/// What an import stores, ids given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Built {
    /// Every resource, the root first, parents before children.
    pub resources: Vec<Resource>,
    /// Models, their references rewritten to the API's model URLs.
    pub models: Vec<Model>,
    /// Authorizers.
    pub authorizers: Vec<Authorizer>,
    /// Request validators.
    pub validators: Vec<RequestValidator>,
    /// Customised gateway responses.
    pub gateway_responses: Vec<GatewayResponse>,
}

const MODEL_URLS: &str = "https://apigateway.amazonaws.com/restapis/";

/// The URL AWS writes for a reference to another model of the API.
pub fn model_url(api_id: &str, name: &str) -> String {
    format!("{MODEL_URLS}{api_id}/models/{name}")
}

/// The model a [`model_url`] names.
pub fn model_of_url(url: &str) -> Option<&str> {
    let (_, name) = url.strip_prefix(MODEL_URLS)?.split_once("/models/")?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

impl Plan {
    /// Give every part an id (`long_id` for none: the root keeps `root_id`), resolve
    /// authorizer and validator names, and fill the integration defaults AWS fills.
    ///
    /// # Errors
    /// [`ImportError::Errors`] when a method names a validator the document does not define.
    pub fn build(
        self,
        api_id: &str,
        root_id: &str,
        mut new_id: impl FnMut() -> String,
    ) -> Result<Built, ImportError> {
        let mut errors = Vec::new();
        let authorizers: Vec<Authorizer> = self
            .authorizers
            .into_iter()
            .map(|a| Authorizer { id: new_id(), ..a })
            .collect();
        let validators: Vec<RequestValidator> = self
            .validators
            .into_iter()
            .map(|v| RequestValidator { id: new_id(), ..v })
            .collect();
        let models = self
            .models
            .into_iter()
            .map(|(m, mut schema)| {
                rewrite_refs(&mut schema, api_id);
                Model {
                    id: new_id(),
                    schema: Some(schema.to_string()),
                    ..m
                }
            })
            .collect();

        let root = Resource {
            id: root_id.to_string(),
            path: "/".into(),
            ..Default::default()
        };
        let mut by_path: BTreeMap<String, Resource> = BTreeMap::from([("/".to_string(), root)]);
        let mut order = vec!["/".to_string()];
        for (path, methods) in self.paths {
            let id = ensure(&path, &mut by_path, &mut order, &mut new_id);
            let mut built = BTreeMap::new();
            for (verb, pm) in methods {
                let mut m = pm.method;
                if let Some(name) = pm.authorizer {
                    m.authorizer_id = authorizers
                        .iter()
                        .find(|a| a.name == name)
                        .map(|a| a.id.clone());
                }
                if let Some(name) = pm.validator {
                    match validators.iter().find(|v| v.name == name) {
                        Some(v) => m.request_validator_id = Some(v.id.clone()),
                        None => errors.push(format!(
                            "Unable to put method '{verb}' on resource at path '{path}': \
                             Invalid request validator name specified: {name}"
                        )),
                    }
                }
                if let Some(i) = m.method_integration.as_mut() {
                    i.fill_defaults(&id);
                }
                built.insert(verb, m);
            }
            if !built.is_empty() {
                by_path.get_mut(&path).expect("ensured").resource_methods = Some(built);
            }
        }
        if !errors.is_empty() {
            return Err(ImportError::Errors(errors));
        }
        let resources = order.iter().filter_map(|p| by_path.remove(p)).collect();
        Ok(Built {
            resources,
            models,
            authorizers,
            validators,
            gateway_responses: self.gateway_responses,
        })
    }
}

/// The resource at `path`, made with its missing ancestors; returns its id.
fn ensure(
    path: &str,
    by_path: &mut BTreeMap<String, Resource>,
    order: &mut Vec<String>,
    new_id: &mut impl FnMut() -> String,
) -> String {
    let mut parent = by_path["/"].id.clone();
    let mut so_far = String::new();
    for part in path.split('/').filter(|s| !s.is_empty()) {
        so_far = format!("{so_far}/{part}");
        let id = match by_path.get(&so_far) {
            Some(r) => r.id.clone(),
            None => {
                let r = Resource {
                    id: new_id(),
                    parent_id: Some(parent.clone()),
                    path_part: Some(part.to_string()),
                    path: so_far.clone(),
                    resource_methods: None,
                };
                let id = r.id.clone();
                by_path.insert(so_far.clone(), r);
                order.push(so_far.clone());
                id
            }
        };
        parent = id;
    }
    parent
}

/// Point local model references at the API's model URLs, everywhere in a schema.
fn rewrite_refs(v: &mut Value, api_id: &str) {
    match v {
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                if k == "$ref" {
                    if let Some(name) = child.as_str().and_then(model_name) {
                        *child = Value::String(model_url(api_id, name));
                    }
                } else {
                    rewrite_refs(child, api_id);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| rewrite_refs(c, api_id)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{plan, Options};
    use serde_json::json;

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("id{n}")
        }
    }

    #[test]
    fn resources_models_and_references() {
        // The circular models of test_import_with_circular_models (aws-recorded): both
        // references point at the API's model URLs.
        let doc = json!({"openapi": "3.0.1", "info": {"title": "c"},
            "x-amazon-apigateway-request-validators": {"basic": {"validateRequestBody": true}},
            "paths": {"/person": {"post": {
                "x-amazon-apigateway-request-validator": "basic",
                "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "POST",
                    "uri": "http://example.com"}}},
                "/a/b/c": {"get": {"x-amazon-apigateway-integration": {"type": "mock",
                    "uri": "ignored"}}}},
            "components": {"schemas": {
                "Person": {"type": "object", "properties": {
                    "house": {"$ref": "#/components/schemas/House"}}},
                "House": {"type": "array", "items": {"$ref": "#/components/schemas/Person"}}}}});
        let b = plan(&doc, &Options::default())
            .unwrap()
            .build("api1", "root", ids())
            .unwrap();
        let paths: Vec<_> = b.resources.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/", "/a", "/a/b", "/a/b/c", "/person"]);
        assert_eq!(b.resources[1].parent_id.as_deref(), Some("root"));
        assert_eq!(b.resources[2].parent_id, Some(b.resources[1].id.clone()));
        let post = &b.resources[4].resource_methods.as_ref().unwrap()["POST"];
        assert_eq!(post.request_validator_id, Some(b.validators[0].id.clone()));
        let i = post.method_integration.as_ref().unwrap();
        assert_eq!(i.connection_type.as_deref(), Some("INTERNET"));
        assert_eq!(
            i.cache_namespace.as_deref(),
            Some(b.resources[4].id.as_str())
        );
        assert_eq!(i.passthrough_behavior.as_deref(), Some("WHEN_NO_MATCH"));
        let get = &b.resources[3].resource_methods.as_ref().unwrap()["GET"];
        assert_eq!(get.method_integration.as_ref().unwrap().uri, None);
        let house: Value = serde_json::from_str(b.models[0].schema.as_ref().unwrap()).unwrap();
        assert_eq!(
            house["items"]["$ref"],
            "https://apigateway.amazonaws.com/restapis/api1/models/Person"
        );
    }

    #[test]
    fn model_urls_name_their_model() {
        assert_eq!(model_of_url(&model_url("api1", "Pet")), Some("Pet"));
        assert_eq!(model_of_url("#/definitions/Pet"), None);
        assert_eq!(model_of_url(&model_url("api1", "")), None);
    }

    #[test]
    fn an_unknown_validator_fails_the_import() {
        let doc = json!({"swagger": "2.0", "paths": {"/x": {"get": {
            "x-amazon-apigateway-request-validator": "nope"}}}});
        let e = plan(&doc, &Options::default())
            .unwrap()
            .build("a", "r", ids())
            .unwrap_err();
        assert!(matches!(e, ImportError::Errors(_)), "{e:?}");
    }
}
