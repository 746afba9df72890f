//! Documentation parts and versions through the Rust SDK and the aws CLI: the lifecycle and
//! refusals recorded in test_apigateway_api.snapshot.json (`TestApiGatewayApiDocumentationPart`)
//! and test_apigateway_common.snapshot.json (`TestDocumentations`), imports from OpenAPI
//! documents, and a stage naming a version.

use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{DocumentationPartLocation, DocumentationPartType, PutMode};
use aws_sdk_apigateway::Client;
use serde_json::Value;

use crate::fixtures::{assert_aws_err, deploy, deployable_api, patch};
use crate::harness::{new_api, Server};

const NO_PART: &str = "Invalid Documentation part identifier specified";

fn api_location() -> DocumentationPartLocation {
    DocumentationPartLocation::builder()
        .r#type(DocumentationPartType::Api)
        .build()
        .unwrap()
}

async fn create_api_part(c: &Client, api: &str, props: &str) -> String {
    c.create_documentation_part()
        .rest_api_id(api)
        .location(api_location())
        .properties(props)
        .send()
        .await
        .expect("create_documentation_part")
        .id()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn part_lifecycle_and_refusals() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "docs").await;
    let props = r#"{"description":"Sample API description"}"#;
    let part = c
        .create_documentation_part()
        .rest_api_id(&api)
        .location(api_location())
        .properties(props)
        .send()
        .await
        .unwrap();
    let id = part.id().unwrap().to_string();
    assert_eq!(part.location().unwrap().r#type().as_str(), "API");
    assert_eq!(part.location().unwrap().path(), None);
    assert_eq!(part.properties(), Some(props));
    let list = c
        .get_documentation_parts()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    assert_eq!(list.items().len(), 1);

    // Only `replace /properties` (recorded: test_invalid_update_documentation_part).
    let updated = c
        .update_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(&id)
        .patch_operations(patch(
            "replace",
            "/properties",
            r#"{"description":"Updated Sample API description"}"#,
        ))
        .send()
        .await
        .unwrap();
    assert!(updated.properties().unwrap().contains("Updated"));
    let r = c
        .update_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(&id)
        .patch_operations(patch("add", "/properties", "{}"))
        .send()
        .await;
    assert_aws_err!(
        r,
        "BadRequestException",
        "Invalid patch path  '/properties' specified for op 'add'. Please choose supported operations"
    );
    let r = c
        .update_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(&id)
        .patch_operations(patch("replace", "/invalidPath", "x"))
        .send()
        .await;
    assert_aws_err!(
        r,
        "BadRequestException",
        "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/properties]"
    );

    // Recorded 404s: the part's own for Get and Update, even on an unknown API; the API's for
    // the list, Create and Delete.
    let r = c
        .get_documentation_part()
        .rest_api_id("nope")
        .documentation_part_id(&id)
        .send()
        .await;
    assert_aws_err!(r, "NotFoundException", NO_PART);
    let r = c.get_documentation_parts().rest_api_id("nope").send().await;
    assert_aws_err!(
        r,
        "NotFoundException",
        "Invalid API identifier specified 000000000000:nope"
    );
    let r = c
        .create_documentation_part()
        .rest_api_id(&api)
        .location(
            DocumentationPartLocation::builder()
                .r#type(DocumentationPartType::from("INVALID"))
                .build()
                .unwrap(),
        )
        .properties("{}")
        .send()
        .await;
    assert_aws_err!(
        r,
        "ValidationException",
        "1 validation error detected: Value 'INVALID' at 'createDocumentationPartInput.location.type' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_BODY, RESPONSE, METHOD, MODEL, AUTHORIZER, RESPONSE_HEADER, RESOURCE, PATH_PARAMETER, REQUEST_BODY, QUERY_PARAMETER, API, REQUEST_HEADER]"
    );
    // One part per location.
    let r = c
        .create_documentation_part()
        .rest_api_id(&api)
        .location(api_location())
        .properties("{}")
        .send()
        .await;
    assert_aws_err!(r, "ConflictException", contains("already exists"));

    c.delete_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(&id)
        .send()
        .await
        .unwrap();
    let r = c
        .delete_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(&id)
        .send()
        .await;
    assert_aws_err!(r, "NotFoundException", NO_PART);
}

#[tokio::test]
async fn parts_come_from_openapi_documents() {
    let s = Server::start();
    let c = s.sdk();
    // The shape of test_import_documentation_parts: an API part, a method, a model, a response.
    let doc = r#"{"swagger": "2.0", "info": {"title": "documented", "version": "1"},
        "paths": {"/": {"get": {"responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {"type": "mock",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200"}}}}}},
        "x-amazon-apigateway-documentation": {"version": "1", "documentationParts": [
            {"location": {"type": "API"}, "properties": {"description": "API description"}},
            {"location": {"type": "METHOD", "path": "/", "method": "GET"},
             "properties": {"description": "Method description."}},
            {"location": {"type": "MODEL", "name": "Pet"}, "properties": {"title": "Pet Schema"}},
            {"location": {"type": "RESPONSE", "path": "/", "method": "GET", "statusCode": "200"},
             "properties": {"description": "200 response"}}]}}"#;
    let api = c
        .import_rest_api()
        .body(Blob::new(doc.as_bytes()))
        .send()
        .await
        .unwrap()
        .id()
        .unwrap()
        .to_string();
    let parts = c
        .get_documentation_parts()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let types: Vec<&str> = parts
        .items()
        .iter()
        .map(|p| p.location().unwrap().r#type().as_str())
        .collect();
    assert_eq!(types, ["API", "METHOD", "MODEL", "RESPONSE"]);
    let method = c
        .get_documentation_parts()
        .rest_api_id(&api)
        .r#type(DocumentationPartType::Method)
        .send()
        .await
        .unwrap();
    let loc = method.items()[0].location().unwrap();
    assert_eq!((loc.path(), loc.method()), (Some("/"), Some("GET")));

    // ImportDocumentationParts: overwrite gives new ids, merge keeps a location's part.
    let before: Vec<String> = parts
        .items()
        .iter()
        .map(|p| p.id().unwrap().into())
        .collect();
    let out = c
        .import_documentation_parts()
        .rest_api_id(&api)
        .mode(PutMode::Overwrite)
        .body(Blob::new(doc.as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(out.ids().len(), 4);
    assert!(out.ids().iter().all(|id| !before.contains(id)));
    let merged = c
        .import_documentation_parts()
        .rest_api_id(&api)
        .mode(PutMode::Merge)
        .body(Blob::new(doc.as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(merged.ids(), out.ids());
    // Recorded (test_import_documentation_parts_bad_file).
    let r = c
        .import_documentation_parts()
        .rest_api_id(&api)
        .body(Blob::new(&b"not: [yaml"[..]))
        .send()
        .await;
    assert_aws_err!(
        r,
        "BadRequestException",
        "Unable to build importer with provided input."
    );

    // ignore=documentation leaves them out.
    let bare = s.aws(&[
        "apigateway",
        "import-rest-api",
        "--parameters",
        "ignore=documentation",
        "--body",
        doc,
    ]);
    let bare_id = bare["id"].as_str().unwrap();
    let none = s.aws(&[
        "apigateway",
        "get-documentation-parts",
        "--rest-api-id",
        bare_id,
    ]);
    assert_eq!(none["items"], Value::Array(vec![]));
}

#[tokio::test]
async fn versions_and_a_stage_naming_one() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = deployable_api(&c, "versions").await;
    deploy(&c, &api, "dev").await;
    create_api_part(&c, &api, r#"{"foo":"bar"}"#).await;
    // Recorded (test_documentation_parts_and_versions): no description unless given.
    let v = c
        .create_documentation_version()
        .rest_api_id(&api)
        .documentation_version("v123")
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(v.version(), Some("v123"));
    assert_eq!(v.description(), None);
    assert!(v.created_date().is_some());
    let stage = c
        .get_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.documentation_version(), Some("v123"));
    let updated = c
        .update_documentation_version()
        .rest_api_id(&api)
        .documentation_version("v123")
        .patch_operations(patch("replace", "/description", "doc version new"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("doc version new"));
    let got = c
        .get_documentation_version()
        .rest_api_id(&api)
        .documentation_version("v123")
        .send()
        .await
        .unwrap();
    assert_eq!(got.description(), Some("doc version new"));
    let r = c
        .create_documentation_version()
        .rest_api_id(&api)
        .documentation_version("v123")
        .send()
        .await;
    assert_aws_err!(r, "ConflictException", contains("already exists"));
    let list = c
        .get_documentation_versions()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    assert_eq!(list.items().len(), 1);
    c.delete_documentation_version()
        .rest_api_id(&api)
        .documentation_version("v123")
        .send()
        .await
        .unwrap();
    let r = c
        .get_documentation_version()
        .rest_api_id(&api)
        .documentation_version("v123")
        .send()
        .await;
    assert_aws_err!(r, "NotFoundException", contains("Documentation version"));
}
