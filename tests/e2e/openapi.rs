//! OpenAPI import: ImportRestApi and PutRestApi with Swagger 2.0 (JSON) and OpenAPI 3.0
//! (YAML) documents through the Rust SDK and the aws CLI, the deployed result served on the
//! data plane, and AWS's refusals (which change nothing). Recorded answers come from
//! test_apigateway_import.snapshot.json; the documents under `documents/` are this project's.

use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::Client;
use serde_json::Value;

use crate::fixtures::{assert_aws_err, deploy, raw_get, stage_url};
use crate::harness::Server;

const PETSTORE: &str = include_str!("documents/petstore.json");
const MOCK_YAML: &str = include_str!("documents/mock-api.yaml");
const INVALID: &str = "Invalid OpenAPI input.";

fn documents_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/documents")
}

async fn import(
    c: &Client,
    doc: &str,
) -> aws_sdk_apigateway::operation::import_rest_api::ImportRestApiOutput {
    c.import_rest_api()
        .body(Blob::new(doc.as_bytes()))
        .send()
        .await
        .expect("import_rest_api")
}

async fn resources(c: &Client, api: &str) -> Vec<aws_sdk_apigateway::types::Resource> {
    c.get_resources()
        .rest_api_id(api)
        .send()
        .await
        .unwrap()
        .items()
        .to_vec()
}

async fn paths(c: &Client, api: &str) -> Vec<String> {
    let mut p: Vec<String> = resources(c, api)
        .await
        .iter()
        .map(|r| r.path().unwrap().to_string())
        .collect();
    p.sort();
    p
}

async fn api_count(c: &Client) -> usize {
    c.get_rest_apis().send().await.unwrap().items().len()
}

#[tokio::test]
async fn swagger_petstore_imports_as_aws_builds_it() {
    let s = Server::start();
    let c = s.sdk();
    let api = import(&c, PETSTORE).await;
    // Recorded (test_import_swagger_api `import-swagger`).
    assert_eq!(api.name(), Some("PetStore"));
    assert_eq!(api.version(), Some("1.0"));
    assert!(api.description().unwrap().starts_with("A pet store API"));
    assert_eq!(api.api_key_source().unwrap().as_str(), "HEADER");
    let ec = api.endpoint_configuration().unwrap();
    assert_eq!(ec.types()[0].as_str(), "EDGE");
    assert!(api.warnings().is_empty());
    let id = api.id().unwrap();
    assert_eq!(paths(&c, id).await, ["/", "/pets", "/pets/{petId}"]);

    // Only the document's models (no default Error model), references rewritten.
    let (status, models) = raw_get(&s, &format!("/restapis/{id}/models")).await;
    assert_eq!(status, 200);
    let mut names: Vec<&str> = models["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Empty",
            "NewPet",
            "NewPetResponse",
            "Pet",
            "PetType",
            "Pets"
        ]
    );
    let pets = c
        .get_model()
        .rest_api_id(id)
        .model_name("Pets")
        .send()
        .await
        .unwrap();
    let schema: Value = serde_json::from_str(pets.schema().unwrap()).unwrap();
    assert_eq!(
        schema["items"]["$ref"],
        format!("https://apigateway.amazonaws.com/restapis/{id}/models/Pet")
    );

    // GET /pets as recorded (`method-pets-get`).
    let pets_id = resource_id(&c, id, "/pets").await;
    let pets_id = pets_id.as_str();
    let m = c
        .get_method()
        .rest_api_id(id)
        .resource_id(pets_id)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(m.authorization_type(), Some("NONE"));
    assert_eq!(m.operation_name(), Some("ListPets"));
    let params = m.request_parameters().unwrap();
    assert_eq!(params.get("method.request.querystring.page"), Some(&false));
    let mr = &m.method_responses().unwrap()["200"];
    assert_eq!(mr.response_models().unwrap()["application/json"], "Pets");
    assert!(
        !mr.response_parameters().unwrap()["method.response.header.Access-Control-Allow-Origin"]
    );
    let i = m.method_integration().unwrap();
    assert_eq!(i.r#type().unwrap().as_str(), "HTTP");
    assert_eq!(i.connection_type().unwrap().as_str(), "INTERNET");
    assert_eq!(i.cache_namespace(), Some(pets_id));
    assert_eq!(i.timeout_in_millis(), 29000);
    assert_eq!(i.passthrough_behavior(), Some("WHEN_NO_MATCH"));
    assert_eq!(
        i.request_parameters().unwrap()["integration.request.querystring.page"],
        "method.request.querystring.page"
    );
    let ir = &i.integration_responses().unwrap()["200"];
    assert_eq!(ir.selection_pattern(), None);

    // POST /pets takes the NewPet model.
    let post = c
        .get_method()
        .rest_api_id(id)
        .resource_id(pets_id)
        .http_method("POST")
        .send()
        .await
        .unwrap();
    assert_eq!(post.request_models().unwrap()["application/json"], "NewPet");
}

#[tokio::test]
async fn yaml_through_the_cli_is_served_once_deployed() {
    let s = Server::start();
    let file = documents_dir().join("mock-api.yaml");
    let body = format!("fileb://{}", file.display());
    let api = s.aws(&["apigateway", "import-rest-api", "--body", &body]);
    assert_eq!(api["name"], "Mock greetings");
    assert_eq!(api["version"], "2.0");
    let id = api["id"].as_str().unwrap();
    let c = s.sdk();
    // basepath defaults to ignore: the server's /v1 is left out.
    assert_eq!(
        paths(&c, id).await,
        ["/", "/greetings", "/greetings/{name}", "/people"]
    );
    let validators = c
        .get_request_validators()
        .rest_api_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(validators.items()[0].name(), Some("body-only"));

    deploy(&c, id, "dev").await;
    let r = s
        .http_get(format!("{}/greetings/ada", stage_url(&s, id, "dev")))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"hello": "ada", "stage": "dev"}));

    // The validator and the circular models are enforced: a person needs a name.
    let url = format!("{}/people", stage_url(&s, id, "dev"));
    let bad = s
        .http()
        .post(&url)
        .json(&serde_json::json!({"home": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let good = s
        .http()
        .post(&url)
        .json(&serde_json::json!({"name": "ada", "home": {"residents": [{"name": "bo"}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 200);
}

#[tokio::test]
async fn base_path_modes() {
    // Recorded (test_import_rest_api_with_base_path_oas30): the server URL's path kept whole,
    // without its first segment, or left out.
    let s = Server::start();
    let c = s.sdk();
    for (mode, want) in [
        (
            "prepend",
            vec![
                "/",
                "/v1",
                "/v1/greetings",
                "/v1/greetings/{name}",
                "/v1/people",
            ],
        ),
        (
            "split",
            vec!["/", "/greetings", "/greetings/{name}", "/people"],
        ),
        (
            "ignore",
            vec!["/", "/greetings", "/greetings/{name}", "/people"],
        ),
    ] {
        let api = c
            .import_rest_api()
            .parameters("basepath", mode)
            .body(Blob::new(MOCK_YAML.as_bytes()))
            .send()
            .await
            .unwrap();
        assert_eq!(paths(&c, api.id().unwrap()).await, want, "{mode}");
    }
    let r = c
        .import_rest_api()
        .parameters("basepath", "sideways")
        .body(Blob::new(MOCK_YAML.as_bytes()))
        .send()
        .await;
    assert_aws_err!(
        r,
        "BadRequestException",
        starts_with("Invalid basepath specified")
    );
}

#[tokio::test]
async fn bad_documents_are_refused_and_change_nothing() {
    // Recorded (test_import_api_bad_file): JSON or YAML that is no OpenAPI document.
    let s = Server::start();
    let c = s.sdk();
    let before = api_count(&c).await;
    for body in [
        "{\"not\": \"openapi\"}",
        "just: [a, yaml, list",
        "- a\n- b\n",
        "",
    ] {
        let r = c
            .import_rest_api()
            .body(Blob::new(body.as_bytes()))
            .send()
            .await;
        assert_aws_err!(r, "BadRequestException", INVALID);
    }
    let (api, _) = crate::harness::new_api(&c, "kept").await;
    let r = c
        .put_rest_api()
        .rest_api_id(&api)
        .body(Blob::new(&b"openapi: 3.0.1\npaths: [1]\n"[..]))
        .send()
        .await;
    assert_aws_err!(r, "BadRequestException", INVALID);
    assert_eq!(api_count(&c).await, before + 1);

    // A readable document that API Gateway cannot build: every part is named, and the API
    // is not created.
    let doc = r#"{"swagger": "2.0", "info": {"title": "broken"}, "paths": {
        "/a": {"get": {"x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET"}}},
        "/b/{x}": {}, "/b/{y}": {}}}"#;
    let r = c
        .import_rest_api()
        .body(Blob::new(doc.as_bytes()))
        .send()
        .await;
    assert_aws_err!(
        r,
        "BadRequestException",
        "Errors found during import:\n\tUnable to put integration on 'GET' for resource at \
         path '/a': Invalid HTTP endpoint specified for URI\n\tUnable to create resource at \
         path '/b/{y}': A sibling ({x}) of this resource already has a variable path part -- \
         only one is allowed"
    );
    assert_eq!(api_count(&c).await, before + 1);
}

#[tokio::test]
async fn warnings_are_listed_or_fail_the_import() {
    // Recorded (test_import_rest_api_with_base_path_oas30 `put-rest-api-oas30-srv-url`).
    let doc = r#"{"openapi": "3.0.1", "info": {"title": "w", "version": "1"}, "paths": {"/test": {
        "get": {"x-amazon-apigateway-integration": {"type": "mock",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "requestParameters": {"integration.request.header.nothing": true}}}}}}"#;
    let warning = "Invalid format for 'requestParameters'. Expected type string for property \
        'integration.request.header.nothing' of resource '/test' and method 'GET' but got 'true'";
    let s = Server::start();
    let c = s.sdk();
    let api = import(&c, doc).await;
    assert_eq!(api.warnings(), [warning]);
    let before = api_count(&c).await;
    let r = c
        .import_rest_api()
        .fail_on_warnings(true)
        .body(Blob::new(doc.as_bytes()))
        .send()
        .await;
    assert_aws_err!(
        r,
        "BadRequestException",
        format!("Warnings found during import:\n\t{warning}")
    );
    assert_eq!(api_count(&c).await, before);
}

#[tokio::test]
async fn put_rest_api_overwrites_or_merges() {
    // Recorded (test_put_rest_api_mode_binary_media_types): merge keeps the API's binary
    // media types and adds the document's; overwrite replaces them; the name and version
    // become the document's, and tags show as {}.
    let doc = r#"{"swagger": "2.0", "info": {"title": "put", "version": "1.0.0"},
        "x-amazon-apigateway-binary-media-types": ["image/png", "image/jpg"],
        "paths": {"/new": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}"#;
    let s = Server::start();
    let c = s.sdk();
    for (mode, want) in [
        ("merge", vec!["image/heif", "image/png", "image/jpg"]),
        ("overwrite", vec!["image/png", "image/jpg"]),
    ] {
        let api = c
            .create_rest_api()
            .name("before")
            .binary_media_types("image/heif")
            .send()
            .await
            .unwrap();
        let id = api.id().unwrap();
        let old =
            crate::fixtures::add_resource(&c, id, api.root_resource_id().unwrap(), "old").await;
        let out = c
            .put_rest_api()
            .rest_api_id(id)
            .mode(mode.into())
            .body(Blob::new(doc.as_bytes()))
            .send()
            .await
            .unwrap();
        assert_eq!(out.name(), Some("put"));
        assert_eq!(out.version(), Some("1.0.0"));
        assert_eq!(out.binary_media_types(), want, "{mode}");
        assert_eq!(out.root_resource_id(), api.root_resource_id());
        let (_, raw) = raw_get(&s, &format!("/restapis/{id}")).await;
        assert_eq!(raw["tags"], serde_json::json!({}));
        let got = paths(&c, id).await;
        if mode == "merge" {
            assert_eq!(got, ["/", "/new", "/old"]);
            let kept = c
                .get_resource()
                .rest_api_id(id)
                .resource_id(&old)
                .send()
                .await;
            assert!(kept.is_ok());
        } else {
            assert_eq!(got, ["/", "/new"]);
        }
    }
    let r = c
        .put_rest_api()
        .rest_api_id("nosuchapi0")
        .body(Blob::new(doc.as_bytes()))
        .send()
        .await;
    assert_aws_err!(r, "NotFoundException");
    // The document is read first (recorded: test_import_api_bad_file, put-rest-api-bad-*).
    let r = c
        .put_rest_api()
        .rest_api_id("nosuchapi0")
        .body(Blob::new(&b"not: [valid"[..]))
        .send()
        .await;
    assert_aws_err!(r, "BadRequestException", INVALID);

    // An overwrite keeps the id of a resource whose path it keeps (recorded:
    // test_import_rest_api_with_base_path_oas30).
    let api = import(&c, doc).await;
    let id = api.id().unwrap();
    let before = resource_id(&c, id, "/new").await;
    c.put_rest_api()
        .rest_api_id(id)
        .mode("overwrite".into())
        .body(Blob::new(doc.as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(resource_id(&c, id, "/new").await, before);
}

async fn resource_id(c: &Client, api: &str, path: &str) -> String {
    resources(c, api)
        .await
        .iter()
        .find(|r| r.path() == Some(path))
        .and_then(|r| r.id())
        .unwrap()
        .to_string()
}

/// GetExport's body as JSON, with its content type and disposition.
async fn export_json(
    c: &Client,
    api: &str,
    kind: &str,
    extensions: Option<&str>,
) -> (Value, String, String) {
    let mut req = c
        .get_export()
        .rest_api_id(api)
        .stage_name("local")
        .export_type(kind);
    if let Some(e) = extensions {
        req = req.parameters("extensions", e);
    }
    let out = req.send().await.expect("get_export");
    let body = serde_json::from_slice(out.body().unwrap().as_ref()).expect("JSON export");
    (
        body,
        out.content_type().unwrap_or_default().to_string(),
        out.content_disposition().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn export_writes_the_deployed_api_and_imports_back() {
    let s = Server::start();
    let c = s.sdk();
    let api = import(&c, PETSTORE).await;
    let id = api.id().unwrap().to_string();
    deploy(&c, &id, "local").await;

    // Headers as recorded (test_export_swagger_openapi): a download named after the type
    // and the API's version.
    let (doc, content_type, disposition) = export_json(&c, &id, "swagger", None).await;
    assert_eq!(content_type, "application/octet-stream");
    assert_eq!(disposition, "attachment; filename=\"swagger_1.0.json\"");
    assert_eq!(doc["swagger"], "2.0");
    assert_eq!(doc["info"]["title"], "PetStore");
    assert_eq!(doc["basePath"], "/local");
    assert!(doc["host"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{id}.execute-api.")));
    assert_eq!(
        doc["paths"]["/pets/{petId}"]["get"]["parameters"][0],
        serde_json::json!({"name": "petId", "in": "path", "required": true, "type": "string"})
    );
    assert!(doc["paths"]["/pets"]["get"]
        .get("x-amazon-apigateway-integration")
        .is_none());
    // Query parameters in the order the document declares them, as AWS exports them
    // (recorded: test_export_oas30_openapi[TEST_IMPORT_PETSTORE_SWAGGER] lists type, page).
    let names = |doc: &Value| -> Vec<String> {
        doc["paths"]["/pets"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&doc), ["type", "page"]);

    // The stage serves its deployment: a later edit is not exported until redeployed.
    let root_id = resource_id(&c, &id, "/").await;
    c.create_resource()
        .rest_api_id(&id)
        .parent_id(&root_id)
        .path_part("later")
        .send()
        .await
        .unwrap();

    // Round trip: the full export imports to an API whose own export is the same document.
    let (full, _, _) = export_json(&c, &id, "oas30", Some("apigateway")).await;
    assert_eq!(full["openapi"], "3.0.1");
    assert_eq!(names(&full), ["type", "page"]);
    assert!(full["paths"].get("/later").is_none());
    let integration = &full["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(integration["type"], "http");
    let copy = import(&c, &full.to_string()).await;
    let copy_id = copy.id().unwrap().to_string();
    deploy(&c, &copy_id, "local").await;
    let (again, _, _) = export_json(&c, &copy_id, "oas30", Some("apigateway")).await;
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("servers");
        v
    };
    assert_eq!(strip(again), strip(full));
}

#[tokio::test]
async fn export_as_yaml_through_the_cli_and_its_refusals() {
    let s = Server::start();
    let c = s.sdk();
    let id = import(&c, MOCK_YAML).await.id().unwrap().to_string();
    deploy(&c, &id, "local").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("api.yaml");
    let out = s.aws(&[
        "apigateway",
        "get-export",
        "--rest-api-id",
        &id,
        "--stage-name",
        "local",
        "--export-type",
        "oas30",
        "--accepts",
        "application/yaml",
        "--parameters",
        "extensions=integrations",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out["contentType"], "application/octet-stream");
    assert_eq!(
        out["contentDisposition"],
        "attachment; filename=\"oas30_2.0.yaml\""
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("openapi: 3.0.1"), "{text}");
    // The YAML export is a document the import takes.
    let again = s.aws(&[
        "apigateway",
        "import-rest-api",
        "--body",
        &format!("fileb://{}", file.display()),
    ]);
    assert_eq!(again["name"], "Mock greetings");

    let r = c
        .get_export()
        .rest_api_id(&id)
        .stage_name("nope")
        .export_type("oas30")
        .send()
        .await;
    assert_aws_err!(r, "NotFoundException", "Invalid Stage identifier specified");
    let r = c
        .get_export()
        .rest_api_id(&id)
        .stage_name("local")
        .export_type("raml")
        .send()
        .await;
    assert_aws_err!(r, "BadRequestException", contains("raml"));
    let r = c
        .get_export()
        .rest_api_id(&id)
        .stage_name("local")
        .export_type("swagger")
        .parameters("extensions", "postman")
        .send()
        .await;
    assert_aws_err!(r, "BadRequestException", contains("postman"));
}

#[tokio::test]
async fn init_imports_and_deploys_at_start_up_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let db = if crate::harness::memory_mode() {
        std::path::PathBuf::from(":memory:")
    } else {
        db
    };
    let file = documents_dir().join("mock-api.yaml");
    let init = ["--init", file.to_str().unwrap(), "--init-stage", "dev"];
    let s = Server::start_with(&db, &init);
    let c = s.sdk();
    let apis = c.get_rest_apis().send().await.unwrap();
    assert_eq!(apis.items().len(), 1);
    let id = apis.items()[0].id().unwrap().to_string();
    assert_eq!(apis.items()[0].name(), Some("Mock greetings"));
    let r = s
        .http_get(format!("{}/greetings/ada", stage_url(&s, &id, "dev")))
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"hello": "ada", "stage": "dev"}));
    drop(s);
    if !crate::harness::memory_mode() {
        // A kept state is not imported into again.
        let again = Server::start_with(&db, &init);
        let apis = again.sdk().get_rest_apis().send().await.unwrap();
        assert_eq!(apis.items().len(), 1);
    }

    // A folder: each document, by name; a bad one stops start-up with its name and
    // AWS's error.
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("a.json"), PETSTORE).unwrap();
    std::fs::write(folder.path().join("b.yaml"), MOCK_YAML).unwrap();
    std::fs::write(folder.path().join("notes.txt"), "not a document").unwrap();
    let s = Server::start_args(&["--init", folder.path().to_str().unwrap()]);
    let apis = s.sdk().get_rest_apis().send().await.unwrap();
    let mut names: Vec<&str> = apis.items().iter().filter_map(|a| a.name()).collect();
    names.sort();
    assert_eq!(names, ["Mock greetings", "PetStore"]);
    std::fs::write(folder.path().join("c.yml"), "openapi: 3.0.1\npaths: [1]\n").unwrap();
    let config = <apigw_server::Config as clap::Parser>::try_parse_from([
        "apigw-local",
        "--listen",
        "127.0.0.1:0",
        "--db",
        ":memory:",
        "--init",
        folder.path().to_str().unwrap(),
    ])
    .unwrap();
    let err = apigw_server::spawn(config).err().expect("start-up refused");
    let text = err.to_string();
    assert!(text.contains("c.yml"), "{text}");
    assert!(text.contains("Invalid OpenAPI input."), "{text}");
}
