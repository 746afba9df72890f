use serde_json::{json, Value};

use apigw_model::{ApiDocuments, ApiSnapshot, RestApi};

use super::*;
use crate::{plan, Built, Options};

/// A pet store in the shape of AWS's sample (a MOCK page, an HTTP backend, CORS), plus the
/// parts the sample lacks: an API key, a TOKEN authorizer, a validator, a gateway response.
fn document() -> Value {
    json!({
        "swagger": "2.0",
        "info": {"title": "PetStore", "description": "pets"},
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "x-amazon-apigateway-request-validators": {
            "body": {"validateRequestBody": true, "validateRequestParameters": false}},
        "x-amazon-apigateway-gateway-responses": {
            "DEFAULT_4XX": {"statusCode": "400",
                "responseTemplates": {"application/json": "{\"m\": $context.error.messageString}"}}},
        "securityDefinitions": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "tok": {"type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {"type": "token",
                    "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations",
                    "authorizerResultTtlInSeconds": 60}}},
        "paths": {
            "/": {"get": {
                "consumes": ["application/json"], "produces": ["text/html"],
                "responses": {"200": {"description": "page",
                    "headers": {"Content-Type": {"type": "string"}}}},
                "x-amazon-apigateway-integration": {"type": "mock",
                    "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                    "responses": {"default": {"statusCode": "200",
                        "responseParameters": {"method.response.header.Content-Type": "'text/html'"},
                        "responseTemplates": {"text/html": "<html></html>"}}}}}},
            "/pets": {
                "get": {
                    "produces": ["application/json"],
                    "parameters": [{"name": "type", "in": "query", "type": "string"}],
                    "security": [{"api_key": []}],
                    "responses": {"200": {"description": "ok",
                        "schema": {"$ref": "#/definitions/Pets"}}},
                    "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET",
                        "uri": "http://127.0.0.1:9/pets",
                        "requestParameters": {
                            "integration.request.querystring.type": "method.request.querystring.type"},
                        "responses": {"default": {"statusCode": "200"}}}},
                "post": {
                    "operationId": "CreatePet",
                    "consumes": ["application/json"], "produces": ["application/json"],
                    "parameters": [{"in": "body", "name": "NewPet", "required": true,
                        "schema": {"$ref": "#/definitions/Pet"}}],
                    "security": [{"tok": []}],
                    "x-amazon-apigateway-request-validator": "body",
                    "responses": {"200": {"description": "ok",
                        "schema": {"$ref": "#/definitions/Pet"}}},
                    "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
                        "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:pets/invocations",
                        "timeoutInMillis": 5000}}},
            "/pets/{petId}": {"get": {
                "parameters": [{"name": "petId", "in": "path", "required": true, "type": "string"}],
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET",
                    "uri": "http://127.0.0.1:9/pets/{id}",
                    "requestParameters": {"integration.request.path.id": "method.request.path.petId"},
                    "responses": {"default": {"statusCode": "200"},
                        "4\\d{2}": {"statusCode": "404"}}}}}},
        "definitions": {
            "Pets": {"type": "array", "items": {"$ref": "#/definitions/Pet"}},
            "Pet": {"type": "object", "properties": {"id": {"type": "integer"}}}}
    })
}

fn ids() -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("id{n}")
    }
}

fn built(doc: &Value) -> (crate::Plan, Built) {
    let p = plan(doc, &Options::default()).unwrap();
    let b = p.clone().build("api1", "root", ids()).unwrap();
    (p, b)
}

fn snapshot(doc: &Value) -> ApiSnapshot {
    let (p, b) = built(doc);
    ApiSnapshot {
        rest_api: RestApi {
            id: "api1".into(),
            name: p.api.name.unwrap_or_default(),
            description: p.api.description,
            version: p.api.version,
            binary_media_types: Some(p.api.binary_media_types),
            api_key_source: "HEADER".into(),
            root_resource_id: "root".into(),
            ..Default::default()
        },
        resources: b.resources,
        documents: ApiDocuments {
            gateway_responses: b.gateway_responses,
            authorizers: b.authorizers,
            models: b.models,
            request_validators: b.validators,
            ..Default::default()
        },
    }
}

fn opts(dialect: Dialect, extensions: &str) -> ExportOptions {
    ExportOptions {
        dialect,
        extensions: Extensions::parse(extensions).unwrap(),
        host: "api1.execute-api.us-east-1.amazonaws.com".into(),
        stage: "local".into(),
        fallback_version: "2026-12-06T00:00:00Z".into(),
    }
}

#[test]
fn swagger_export_has_aws_shapes() {
    // Shapes from AWS's recorded export of its PetStore sample
    // (test_apigateway_extended.snapshot.json, test_export_swagger_openapi).
    let out = export(&snapshot(&document()), &opts(Dialect::Swagger2, ""));
    assert_eq!(out["swagger"], "2.0");
    assert_eq!(
        out["info"],
        json!({"description": "pets", "version": "2026-12-06T00:00:00Z", "title": "PetStore"})
    );
    assert_eq!(out["host"], "api1.execute-api.us-east-1.amazonaws.com");
    assert_eq!(out["basePath"], "/local");
    assert_eq!(out["schemes"], json!(["https"]));
    let root = &out["paths"]["/"]["get"];
    assert_eq!(root["consumes"], json!(["application/json"]));
    assert_eq!(root["produces"], json!(["text/html"]));
    assert_eq!(
        root["responses"],
        json!({"200": {"description": "200 response",
            "headers": {"Content-Type": {"type": "string"}}}})
    );
    assert!(root.get("x-amazon-apigateway-integration").is_none());
    let get = &out["paths"]["/pets"]["get"];
    assert_eq!(
        get["parameters"],
        json!([{"name": "type", "in": "query", "required": false, "type": "string"}])
    );
    assert_eq!(
        get["responses"]["200"]["schema"],
        json!({"$ref": "#/definitions/Pets"})
    );
    assert_eq!(get["security"], json!([{"api_key": []}]));
    let post = &out["paths"]["/pets"]["post"];
    assert_eq!(post["operationId"], "CreatePet");
    assert_eq!(
        post["parameters"],
        json!([{"in": "body", "name": "Pet", "required": true,
            "schema": {"$ref": "#/definitions/Pet"}}])
    );
    assert_eq!(post["security"], json!([{"tok": []}]));
    assert_eq!(
        out["paths"]["/pets/{petId}"]["get"]["parameters"],
        json!([{"name": "petId", "in": "path", "required": true, "type": "string"}])
    );
    assert_eq!(
        out["definitions"]["Pets"],
        json!({"type": "array", "items": {"$ref": "#/definitions/Pet"}})
    );
    // Without extensions, the authorizer is a bare API-key scheme.
    assert_eq!(
        out["securityDefinitions"]["tok"],
        json!({"type": "apiKey", "name": "Authorization", "in": "header"})
    );
    assert!(out.get("x-amazon-apigateway-binary-media-types").is_none());
}

#[test]
fn integrations_are_written_in_aws_spellings() {
    let out = export(
        &snapshot(&document()),
        &opts(Dialect::Swagger2, "integrations"),
    );
    // As recorded: lower-case type and passthrough behaviour, `default` for no pattern,
    // no connectionType, timeout or cache namespace at their defaults.
    assert_eq!(
        out["paths"]["/pets/{petId}"]["get"]["x-amazon-apigateway-integration"],
        json!({"type": "http", "httpMethod": "GET", "uri": "http://127.0.0.1:9/pets/{id}",
            "responses": {"default": {"statusCode": "200"}, "4\\d{2}": {"statusCode": "404"}},
            "requestParameters": {"integration.request.path.id": "method.request.path.petId"},
            "passthroughBehavior": "when_no_match"})
    );
    let post = &out["paths"]["/pets"]["post"]["x-amazon-apigateway-integration"];
    assert_eq!(post["type"], "aws_proxy");
    assert_eq!(post["timeoutInMillis"], 5000);
    // `integrations` alone adds neither the authorizer nor the API's extensions.
    assert!(out["securityDefinitions"]["tok"]
        .get("x-amazon-apigateway-authorizer")
        .is_none());
    assert!(out["paths"]["/pets"]["post"]
        .get("x-amazon-apigateway-request-validator")
        .is_none());
}

#[test]
fn oas30_export_has_aws_shapes() {
    // test_apigateway_extended.snapshot.json, test_export_oas30_openapi.
    let out = export(&snapshot(&document()), &opts(Dialect::OpenApi3, ""));
    assert_eq!(out["openapi"], "3.0.1");
    assert_eq!(
        out["servers"],
        json!([{"url": "https://api1.execute-api.us-east-1.amazonaws.com/{basePath}",
            "variables": {"basePath": {"default": "local"}}}])
    );
    // A response without models still has `content`; templates do not make one.
    assert_eq!(
        out["paths"]["/"]["get"]["responses"]["200"],
        json!({"description": "200 response",
            "headers": {"Content-Type": {"schema": {"type": "string"}}}, "content": {}})
    );
    assert_eq!(
        out["paths"]["/pets"]["get"]["parameters"],
        json!([{"name": "type", "in": "query", "schema": {"type": "string"}}])
    );
    assert_eq!(
        out["paths"]["/pets"]["post"]["requestBody"],
        json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
            "required": true})
    );
    assert_eq!(
        out["components"]["schemas"]["Pets"]["items"],
        json!({"$ref": "#/components/schemas/Pet"})
    );
    assert!(out["paths"]["/"]["get"].get("consumes").is_none());
}

#[test]
fn an_api_without_models_has_empty_components() {
    let doc = json!({"openapi": "3.0.1", "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/pets": {"get": {"responses": {"200": {"description": "x"}}}}}});
    let s = snapshot(&doc);
    let out = export(&s, &opts(Dialect::OpenApi3, ""));
    assert_eq!(out["components"], json!({}));
    assert_eq!(out["info"]["version"], "1.0.0");
    assert_eq!(version(&s, &opts(Dialect::OpenApi3, "")), "1.0.0");
    let swagger = export(&s, &opts(Dialect::Swagger2, ""));
    assert!(swagger.get("definitions").is_none());
    assert_eq!(
        swagger["paths"]["/pets"]["get"]["responses"],
        json!({"200": {"description": "200 response"}})
    );
}

#[test]
fn apigateway_extensions_carry_the_api_settings() {
    let out = export(
        &snapshot(&document()),
        &opts(Dialect::OpenApi3, "apigateway"),
    );
    assert_eq!(
        out["x-amazon-apigateway-binary-media-types"],
        json!(["image/png"])
    );
    assert_eq!(
        out["x-amazon-apigateway-request-validators"],
        json!({"body": {"validateRequestBody": true, "validateRequestParameters": false}})
    );
    assert_eq!(
        out["x-amazon-apigateway-gateway-responses"]["DEFAULT_4XX"]["statusCode"],
        "400"
    );
    assert!(out.get("x-amazon-apigateway-api-key-source").is_none());
    assert_eq!(
        out["paths"]["/pets"]["post"]["x-amazon-apigateway-request-validator"],
        "body"
    );
    let tok = &out["components"]["securitySchemes"]["tok"];
    assert_eq!(tok["x-amazon-apigateway-authtype"], "custom");
    assert_eq!(tok["x-amazon-apigateway-authorizer"]["type"], "token");
    assert_eq!(
        tok["x-amazon-apigateway-authorizer"]["authorizerResultTtlInSeconds"],
        60
    );
    assert_eq!(
        tok["x-amazon-apigateway-authorizer"]["identitySource"],
        "method.request.header.Authorization"
    );
}

#[test]
fn an_export_with_extensions_imports_back_to_the_same_api() {
    let (_, original) = built(&document());
    for dialect in [Dialect::Swagger2, Dialect::OpenApi3] {
        let out = export(&snapshot(&document()), &opts(dialect, "apigateway"));
        let (p, again) = built(&out);
        assert_eq!(again, original, "{dialect:?}: {out:#}");
        assert_eq!(p.api.name.as_deref(), Some("PetStore"));
        assert_eq!(p.api.binary_media_types, ["image/png"]);
    }
}

#[test]
fn unknown_extensions_are_named() {
    assert_eq!(Extensions::parse("postman"), Err("postman".into()));
    assert_eq!(
        Extensions::parse("integrations,authorizers"),
        Ok(Extensions {
            integrations: true,
            authorizers: true,
            api: false
        })
    );
}

#[test]
fn accept_chooses_json_or_yaml() {
    assert_eq!(Format::from_accept(None), Some(Format::Json));
    assert_eq!(
        Format::from_accept(Some("application/yaml")),
        Some(Format::Yaml)
    );
    assert_eq!(
        Format::from_accept(Some("application/yaml, application/json;q=0.5")),
        Some(Format::Json)
    );
    assert_eq!(Format::from_accept(Some("text/html")), None);
    let doc = json!({"openapi": "3.0.1", "paths": {}});
    let yaml = Format::Yaml.render(&doc);
    let back: Value = serde_yaml_ng::from_slice(&yaml).unwrap();
    assert_eq!(back, doc);
}

#[test]
fn rendering_puts_the_version_and_info_first() {
    let out = export(&snapshot(&document()), &opts(Dialect::OpenApi3, ""));
    let yaml = String::from_utf8(Format::Yaml.render(&out)).unwrap();
    assert!(yaml.starts_with("openapi: 3.0.1\ninfo:"), "{yaml}");
    let json = String::from_utf8(Format::Json.render(&out)).unwrap();
    assert!(
        json.starts_with("{\n  \"openapi\": \"3.0.1\",\n  \"info\""),
        "{json}"
    );
    let back: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(back, out);
}
