//! One operation of a path as a method: request parameters and models, method responses,
//! authorization, validator and integration.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use apigw_model::{Method, MethodResponse, ParamMap, StringMap};

use crate::document::{model_name, Dialect, Document};
use crate::extensions::{self, ext, At};
use crate::security;
use crate::PlannedMethod;

/// The verbs of a path item, with the key each is written under.
pub const VERBS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

const JSON: &str = "application/json";

/// The method for `op` (an operation of `item`, the path item) at `at`.
pub fn method(
    doc: &Document<'_>,
    item: &Map<String, Value>,
    op: &Map<String, Value>,
    at: &At<'_>,
    warnings: &mut Vec<String>,
) -> PlannedMethod {
    let auth = security::authorization(doc, op);
    let (mut request_parameters, body_models) = parameters(doc, item, op);
    // Every variable of the path is a required path parameter, declared or not (recorded:
    // swagger-mock-cors.json's `/product/{product_id}`, test_import_with_global_api_key_authorizer).
    for var in at
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
    {
        let name = var.trim_end_matches('+');
        request_parameters
            .entry(format!("method.request.path.{name}"))
            .or_insert(true);
    }
    let request_models = match doc.dialect {
        Dialect::Swagger2 => body_models,
        Dialect::OpenApi3 => op
            .get("requestBody")
            .map(|b| content_models(doc.resolve(b)))
            .unwrap_or_default(),
    };
    let validator = ext(op, "request-validator")
        .or_else(|| ext(doc.root, "request-validator"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let method = Method {
        http_method: at.verb.to_string(),
        authorization_type: auth.authorization_type,
        authorizer_id: None,
        api_key_required: auth.api_key_required,
        request_validator_id: None,
        operation_name: op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string),
        request_parameters: Some(request_parameters).filter(|p| !p.is_empty()),
        request_models: Some(request_models).filter(|m| !m.is_empty()),
        method_responses: Some(responses(doc, op)).filter(|r| !r.is_empty()),
        method_integration: ext(op, "integration")
            .and_then(|i| extensions::integration(i, at, warnings)),
        authorization_scopes: auth.scopes,
    };
    PlannedMethod {
        method,
        authorizer: auth.authorizer,
        validator,
    }
}

/// Request parameters (`method.request.{path,querystring,header}.x` → required) and, for
/// Swagger, the body parameter's models by content type.
fn parameters(
    doc: &Document<'_>,
    item: &Map<String, Value>,
    op: &Map<String, Value>,
) -> (ParamMap, StringMap) {
    let mut params = ParamMap::new();
    let mut models = StringMap::new();
    let all = [item.get("parameters"), op.get("parameters")];
    for p in all
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
    {
        let p = doc.resolve(p);
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let source = match p.get("in").and_then(Value::as_str) {
            Some("path") => "path",
            Some("query") => "querystring",
            Some("header") => "header",
            Some("body") => {
                if let Some(model) = p.get("schema").and_then(schema_model) {
                    for ct in media_types(doc, op, "consumes") {
                        models.insert(ct, model.clone());
                    }
                }
                continue;
            }
            _ => continue,
        };
        if name.is_empty() {
            continue;
        }
        // Path parameters are always required.
        params.insert(
            format!("method.request.{source}.{name}"),
            required || source == "path",
        );
    }
    (params, models)
}

/// `consumes`/`produces` of the operation, else the document's, else JSON.
fn media_types(doc: &Document<'_>, op: &Map<String, Value>, key: &str) -> Vec<String> {
    let list = op
        .get(key)
        .or_else(|| doc.root.get(key))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if list.is_empty() {
        vec![JSON.to_string()]
    } else {
        list
    }
}

/// The model a schema names, when it is a `$ref` to one.
fn schema_model(schema: &Value) -> Option<String> {
    let r = schema.get("$ref")?.as_str()?;
    model_name(r).map(str::to_string)
}

/// OpenAPI 3 `content` → model names by media type.
fn content_models(v: &Value) -> StringMap {
    v.get("content")
        .and_then(Value::as_object)
        .map(|c| {
            c.iter()
                .filter_map(|(ct, m)| Some((ct.clone(), schema_model(m.get("schema")?)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Method responses by status code (`default` has no status and is left out).
fn responses(doc: &Document<'_>, op: &Map<String, Value>) -> BTreeMap<String, MethodResponse> {
    let Some(rs) = op.get("responses").and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    rs.iter()
        .filter(|(status, _)| status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()))
        .map(|(status, r)| {
            let r = doc.resolve(r);
            let headers: BTreeMap<String, bool> = r
                .get("headers")
                .and_then(Value::as_object)
                .map(|h| {
                    h.keys()
                        .map(|name| (format!("method.response.header.{name}"), false))
                        .collect()
                })
                .unwrap_or_default();
            let models = match doc.dialect {
                Dialect::Swagger2 => r
                    .get("schema")
                    .and_then(schema_model)
                    .map(|m| {
                        media_types(doc, op, "produces")
                            .into_iter()
                            .map(|ct| (ct, m.clone()))
                            .collect()
                    })
                    .unwrap_or_default(),
                Dialect::OpenApi3 => content_models(r),
            };
            let mr = MethodResponse {
                status_code: status.clone(),
                response_parameters: Some(headers).filter(|h| !h.is_empty()),
                response_models: Some(models).filter(|m: &StringMap| !m.is_empty()),
            };
            (status.clone(), mr)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(doc: &Value, path: &str, verb: &str) -> PlannedMethod {
        let d = Document::new(doc).unwrap();
        let item = d.paths()[path].as_object().unwrap();
        let key = VERBS.iter().find(|(_, v)| *v == verb).unwrap().0;
        let op = item[key].as_object().unwrap();
        let mut w = Vec::new();
        method(&d, item, op, &At { path, verb }, &mut w)
    }

    #[test]
    fn swagger_parameters_bodies_and_responses() {
        // The shape of test_import_swagger_api's GET /pets/{petId} and POST /pets.
        let doc = json!({"swagger": "2.0", "produces": ["application/json"],
            "parameters": {"page": {"name": "page", "in": "query", "type": "string"}},
            "paths": {"/pets/{petId}": {
                "parameters": [{"name": "petId", "in": "path", "type": "string"}],
                "get": {"operationId": "GetPet",
                    "parameters": [{"$ref": "#/parameters/page"},
                        {"name": "X-Trace", "in": "header", "required": true}],
                    "responses": {"200": {"schema": {"$ref": "#/definitions/Pet"},
                        "headers": {"Access-Control-Allow-Origin": {"type": "string"}}},
                        "default": {"description": "x"}}},
                "post": {"consumes": ["application/json", "application/xml"],
                    "parameters": [{"name": "b", "in": "body",
                        "schema": {"$ref": "#/definitions/NewPet"}}],
                    "responses": {}}}}});
        let m = one(&doc, "/pets/{petId}", "GET").method;
        assert_eq!(m.operation_name.as_deref(), Some("GetPet"));
        let p = m.request_parameters.unwrap();
        assert!(p["method.request.path.petId"]);
        assert!(!p["method.request.querystring.page"]);
        assert!(p["method.request.header.X-Trace"]);
        let r = m.method_responses.unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(
            r["200"].response_models.as_ref().unwrap()["application/json"],
            "Pet"
        );
        assert!(
            !r["200"].response_parameters.as_ref().unwrap()
                ["method.response.header.Access-Control-Allow-Origin"]
        );
        let post = one(&doc, "/pets/{petId}", "POST").method;
        let models = post.request_models.unwrap();
        assert_eq!(models["application/json"], "NewPet");
        assert_eq!(models["application/xml"], "NewPet");
        assert_eq!(post.method_responses, None);
    }

    #[test]
    fn openapi3_bodies_validators_and_any() {
        let doc = json!({"openapi": "3.0.1",
            "x-amazon-apigateway-request-validator": "all",
            "paths": {"/person": {
                "x-amazon-apigateway-any-method": {
                    "requestBody": {"$ref": "#/components/requestBodies/P"},
                    "responses": {"200": {"content": {"application/json":
                        {"schema": {"$ref": "#/components/schemas/Empty"}}}}},
                    "x-amazon-apigateway-request-validator": "body-only",
                    "x-amazon-apigateway-integration": {"type": "mock"}}}},
            "components": {"requestBodies": {"P": {"content": {"application/json":
                {"schema": {"$ref": "#/components/schemas/Person"}}}}}}});
        let pm = one(&doc, "/person", "ANY");
        assert_eq!(pm.validator.as_deref(), Some("body-only"));
        assert_eq!(pm.method.http_method, "ANY");
        assert_eq!(
            pm.method.request_models.unwrap()["application/json"],
            "Person"
        );
        let r = pm.method.method_responses.unwrap();
        assert_eq!(
            r["200"].response_models.as_ref().unwrap()["application/json"],
            "Empty"
        );
        assert_eq!(r["200"].response_parameters, None);
        assert_eq!(
            pm.method.method_integration.unwrap().integration_type,
            "MOCK"
        );
    }

    #[test]
    fn path_variables_are_parameters_even_undeclared() {
        let doc = json!({"swagger": "2.0", "paths": {"/product/{product_id}/{proxy+}": {
            "options": {"responses": {}}}}});
        let pm = one(&doc, "/product/{product_id}/{proxy+}", "OPTIONS");
        let p = pm.method.request_parameters.unwrap();
        assert_eq!(
            p.into_iter().collect::<Vec<_>>(),
            [
                ("method.request.path.product_id".to_string(), true),
                ("method.request.path.proxy".to_string(), true)
            ]
        );
    }
}
