//! Models and request validators through the Rust SDK and the aws CLI: CRUD, AWS's errors,
//! the two default models of a new API, methods naming models and validators, deletion with
//! the API, and a deployment snapshot that carries both (read from the database, since
//! GetDeployment does not show it). Recorded answers come from
//! test_apigateway_api.snapshot.json (`TestApiGatewayApiModels`,
//! `TestApiGatewayApiRequestValidator`, `TestApiGatewayApiMethod`); where no recording exists
//! the test says so.

use aws_sdk_apigateway::Client;

use crate::fixtures::{add_resource, assert_aws_err, deploy, patch, patch_opt, Route};
use crate::harness::{new_api, Server};

const ACCOUNT: &str = "000000000000";
const SCHEMA: &str = r#"{"title": "MySchema", "type": "object"}"#;
const NO_SCHEMA: &str = "Model schema must have at least 1 property or array items defined";
const BAD_VALIDATOR: &str = "Invalid Request Validator identifier specified";

async fn create_model(c: &Client, api: &str, name: &str) {
    c.create_model()
        .rest_api_id(api)
        .name(name)
        .content_type("application/json")
        .schema(SCHEMA)
        .send()
        .await
        .expect("create_model");
}

async fn create_validator(c: &Client, api: &str, name: &str, body: bool, params: bool) -> String {
    c.create_request_validator()
        .rest_api_id(api)
        .name(name)
        .validate_request_body(body)
        .validate_request_parameters(params)
        .send()
        .await
        .expect("create_request_validator")
        .id()
        .unwrap()
        .to_string()
}

async fn model_names(c: &Client, api: &str) -> Vec<String> {
    c.get_models()
        .rest_api_id(api)
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .map(|m| m.name().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn new_api_has_default_models() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "defaults").await;
    // Recorded (test_model_lifecycle `get-models`): Empty and Error, JSON, with AWS's
    // descriptions and schemas.
    let models = c.get_models().rest_api_id(&api).send().await.unwrap();
    assert_eq!(models.items().len(), 2);
    let empty = c
        .get_model()
        .rest_api_id(&api)
        .model_name("Empty")
        .send()
        .await
        .unwrap();
    assert_eq!(empty.id().unwrap().len(), 6);
    assert_eq!(empty.content_type(), Some("application/json"));
    assert_eq!(
        empty.description(),
        Some("This is a default empty schema model")
    );
    let schema: serde_json::Value = serde_json::from_str(empty.schema().unwrap()).unwrap();
    assert_eq!(
        schema,
        serde_json::json!({"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema", "type": "object"})
    );
    let error = c
        .get_model()
        .rest_api_id(&api)
        .model_name("Error")
        .flatten(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error.description(),
        Some("This is a default error schema model")
    );
    let schema: serde_json::Value = serde_json::from_str(error.schema().unwrap()).unwrap();
    assert_eq!(schema["title"], "Error Schema");
    assert_eq!(schema["properties"]["message"]["type"], "string");
    // A new API's methods may use them right away.
    let (api2, root2) = new_api(&c, "uses-defaults").await;
    let m = Route::new(&c, &api2, &root2, "POST")
        .put_method()
        .request_models("application/json", "Empty")
        .send()
        .await
        .unwrap();
    assert_eq!(m.request_models().unwrap()["application/json"], "Empty");
    // The Empty model has no members: its template makes an empty object.
    let t = c
        .get_model_template()
        .rest_api_id(&api)
        .model_name("Empty")
        .send()
        .await
        .unwrap();
    assert_eq!(t.value(), Some("#set($inputRoot = $input.path('$'))\n{}"));
}

#[tokio::test]
async fn model_crud() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "models").await;

    // Recorded (test_model_lifecycle `create-model`): the members sent, 201.
    let schema = "{\n\t\"title\": \"Calc output\",\n\t\"type\": \"object\",\n\t\"properties\": {\"a\": {\"type\": \"number\"}}\n}\n";
    let m = c
        .create_model()
        .rest_api_id(&api)
        .name("CalcOutput")
        .content_type("application/json")
        .description("Calc output model")
        .schema(schema)
        .send()
        .await
        .unwrap();
    assert_eq!(m.id().unwrap().len(), 6);
    assert_eq!(m.name(), Some("CalcOutput"));
    assert_eq!(m.description(), Some("Calc output model"));
    // The schema comes back as the string sent.
    assert_eq!(m.schema(), Some(schema));

    let got = c
        .get_model()
        .rest_api_id(&api)
        .model_name("CalcOutput")
        .send()
        .await
        .unwrap();
    assert_eq!(got.id(), m.id());
    assert_eq!(got.schema(), Some(schema));
    let mut names = model_names(&c, &api).await;
    names.sort();
    assert_eq!(names, ["CalcOutput", "Empty", "Error"]);

    // Paging.
    let page = c
        .get_models()
        .rest_api_id(&api)
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items().len(), 2);
    let rest = c
        .get_models()
        .rest_api_id(&api)
        .position(page.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.items().len(), 1);
    assert!(rest.position().is_none());

    // Recorded (test_model_validation `create-model-empty-schema` neighbours): an empty
    // description is accepted and not shown (test_update_model `create-model`).
    let plain = c
        .create_model()
        .rest_api_id(&api)
        .name("MySchema")
        .content_type("application/json")
        .description("")
        .schema(SCHEMA)
        .send()
        .await
        .unwrap();
    assert!(plain.description().is_none());

    // Recorded (test_update_model `update-model`).
    let updated_schema = r#"{"title": "Updated schema", "type": "object"}"#;
    let up = c
        .update_model()
        .rest_api_id(&api)
        .model_name("CalcOutput")
        .patch_operations(patch("replace", "/schema", updated_schema))
        .patch_operations(patch("replace", "/description", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(up.schema(), Some(updated_schema));
    assert!(up.description().is_none());
    let up = c
        .update_model()
        .rest_api_id(&api)
        .model_name("CalcOutput")
        .patch_operations(patch("replace", "/description", "again"))
        .send()
        .await
        .unwrap();
    assert_eq!(up.description(), Some("again"));

    // Recorded (test_model_lifecycle `del-model`): 202, then gone.
    c.delete_model()
        .rest_api_id(&api)
        .model_name("CalcOutput")
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.get_model()
            .rest_api_id(&api)
            .model_name("CalcOutput")
            .send()
            .await,
        "NotFoundException",
        "Invalid model name specified: CalcOutput"
    );
    // The default models can be deleted too when unused.
    c.delete_model()
        .rest_api_id(&api)
        .model_name("Error")
        .send()
        .await
        .unwrap();
    let mut names = model_names(&c, &api).await;
    names.sort();
    assert_eq!(names, ["Empty", "MySchema"]);
}

#[tokio::test]
async fn model_errors() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "model-errors").await;
    let fake = "abcde0";

    // Recorded (test_model_validation `create-model-wrong-id`, `get-models-wrong-id`).
    assert_aws_err!(
        c.create_model()
            .rest_api_id(fake)
            .name("MySchema")
            .content_type("application/json")
            .schema(SCHEMA)
            .send()
            .await,
        "NotFoundException",
        format!("Invalid API identifier specified {ACCOUNT}:{fake}")
    );
    assert_aws_err!(
        c.get_models().rest_api_id(fake).send().await,
        "NotFoundException",
        format!("Invalid API identifier specified {ACCOUNT}:{fake}")
    );
    // Recorded (`get-model-wrong-id`, `del-model-wrong-id`, test_update_model
    // `update-model-wrong-id`): the model's 404 even when the API is unknown.
    assert_aws_err!(
        c.get_model()
            .rest_api_id(fake)
            .model_name("MySchema")
            .send()
            .await,
        "NotFoundException",
        "Invalid model name specified: MySchema"
    );
    assert_aws_err!(
        c.delete_model()
            .rest_api_id(fake)
            .model_name("MySchema")
            .send()
            .await,
        _,
        "Invalid model name specified: MySchema"
    );
    assert_aws_err!(
        c.update_model()
            .rest_api_id(fake)
            .model_name("mySchema")
            .patch_operations(patch("replace", "/description", ""))
            .send()
            .await,
        "NotFoundException",
        "Invalid model name specified: mySchema"
    );
    assert_aws_err!(
        c.delete_model()
            .rest_api_id(&api)
            .model_name("Nope")
            .send()
            .await,
        _,
        "Invalid model name specified: Nope"
    );

    create_model(&c, &api, "MySchema").await;
    // Recorded (`create-model-already-exists`).
    assert_aws_err!(
        c.create_model()
            .rest_api_id(&api)
            .name("MySchema")
            .content_type("application/json")
            .schema(SCHEMA)
            .send()
            .await,
        "ConflictException",
        "Model name already exists for this REST API"
    );
    // Recorded (`create-model-empty-name`).
    assert_aws_err!(
        c.create_model()
            .rest_api_id(&api)
            .name("")
            .content_type("application/json")
            .schema(SCHEMA)
            .send()
            .await,
        "BadRequestException",
        "Model name must be non-empty"
    );
    // Recorded (`create-model-empty-schema`, `create-model-no-schema-json`,
    // `create-model-no-schema-xml`).
    for (content_type, schema) in [
        ("application/json", Some("")),
        ("application/json", None),
        ("application/xml", None),
    ] {
        assert_aws_err!(
            c.create_model()
                .rest_api_id(&api)
                .name("MyEmptySchema")
                .content_type(content_type)
                .set_schema(schema.map(Into::into))
                .send()
                .await,
            "BadRequestException",
            NO_SCHEMA
        );
    }
    // Not recorded: a schema that is not JSON, a name that is not alphanumeric (the texts AWS
    // users quote).
    assert_aws_err!(
        c.create_model()
            .rest_api_id(&api)
            .name("Broken")
            .content_type("application/json")
            .schema("{not json")
            .send()
            .await,
        "BadRequestException",
        "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]"
    );
    assert_aws_err!(
        c.create_model()
            .rest_api_id(&api)
            .name("my-model")
            .content_type("application/json")
            .schema(SCHEMA)
            .send()
            .await,
        "BadRequestException",
        "Model name must be alphanumeric"
    );

    // Recorded (test_update_model `update-model-invalid-op`, `update-model-invalid-path`,
    // `update-model-empty-schema`).
    let update = |op: &'static str, path: &'static str, value: &'static str| {
        c.update_model()
            .rest_api_id(&api)
            .model_name("MySchema")
            .patch_operations(patch(op, path, value))
            .send()
    };
    assert_aws_err!(
        update("add", "/wrong-path", "not supported op").await,
        "BadRequestException",
        "Invalid patch path  '/wrong-path' specified for op 'add'. Please choose supported operations"
    );
    assert_aws_err!(
        update("replace", "/name", "invalid").await,
        _,
        "Invalid patch path  '/name' specified for op 'replace'. Must be one of: [/description, /schema]"
    );
    assert_aws_err!(update("replace", "/schema", "").await, _, NO_SCHEMA);
    // Nothing changed.
    let m = c
        .get_model()
        .rest_api_id(&api)
        .model_name("MySchema")
        .send()
        .await
        .unwrap();
    assert_eq!(m.schema(), Some(SCHEMA));
}

#[tokio::test]
async fn models_in_use_cannot_be_deleted() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "model-use").await;
    create_model(&c, &api, "Pet").await;
    create_model(&c, &api, "PetTwo").await;

    // Recorded (test_put_method_validation `invalid-model-name`).
    assert_aws_err!(
        Route::new(&c, &api, &root, "ANY")
            .put_method()
            .request_models("application/json", "petModel")
            .send()
            .await,
        "BadRequestException",
        "Invalid model identifier specified: petModel"
    );

    // Recorded (test_put_method_model `put-method-request-models`, `delete-model-used`).
    let m = Route::new(&c, &api, &root, "ANY")
        .put_method()
        .request_models("application/json", "Pet")
        .send()
        .await
        .unwrap();
    assert_eq!(m.request_models().unwrap()["application/json"], "Pet");
    assert_aws_err!(
        c.delete_model()
            .rest_api_id(&api)
            .model_name("Pet")
            .send()
            .await,
        "ConflictException",
        "Cannot delete model 'Pet', is referenced in method request: //ANY"
    );

    // UpdateMethod refuses an unknown model, then moves to PetTwo (`update-method-model`).
    assert_aws_err!(
        c.update_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("ANY")
            .patch_operations(patch("replace", "/requestModels/application~1json", "Nope"))
            .send()
            .await,
        "BadRequestException",
        "Invalid model identifier specified: Nope"
    );
    let up = c
        .update_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .patch_operations(patch(
            "replace",
            "/requestModels/application~1json",
            "PetTwo",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(up.request_models().unwrap()["application/json"], "PetTwo");
    // `delete-model-unused`.
    c.delete_model()
        .rest_api_id(&api)
        .model_name("Pet")
        .send()
        .await
        .unwrap();

    // `put-method-2-request-models`, `delete-model-used-by-2-method`: AWS named the later
    // resource's method.
    let test = add_resource(&c, &api, &root, "test").await;
    Route::new(&c, &api, &test, "ANY")
        .put_method()
        .request_models("application/json", "PetTwo")
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.delete_model()
            .rest_api_id(&api)
            .model_name("PetTwo")
            .send()
            .await,
        _,
        "Cannot delete model 'PetTwo', is referenced in method request: /test/ANY"
    );
    // `update-method-model-2`, `delete-model-used-by-method-1`.
    c.update_method()
        .rest_api_id(&api)
        .resource_id(&test)
        .http_method("ANY")
        .patch_operations(crate::fixtures::remove("/requestModels/application~1json"))
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.delete_model()
            .rest_api_id(&api)
            .model_name("PetTwo")
            .send()
            .await,
        _,
        "Cannot delete model 'PetTwo', is referenced in method request: //ANY"
    );
    // `delete-method-using-model-2`, `delete-model-unused-2`.
    c.delete_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    c.delete_model()
        .rest_api_id(&api)
        .model_name("PetTwo")
        .send()
        .await
        .unwrap();

    // A method response's model blocks deletion as well (the wording is not recorded).
    create_model(&c, &api, "Out").await;
    let r = Route::new(&c, &api, &test, "GET");
    r.method().await;
    assert_aws_err!(
        r.put_method_response("200")
            .response_models("application/json", "Missing")
            .send()
            .await,
        _,
        "Invalid model identifier specified: Missing"
    );
    r.put_method_response("200")
        .response_models("application/json", "Out")
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.delete_model()
            .rest_api_id(&api)
            .model_name("Out")
            .send()
            .await,
        "ConflictException",
        "Cannot delete model 'Out', is referenced in method response: /test/GET/200"
    );
}

#[tokio::test]
async fn request_validator_crud() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "validators").await;

    // Recorded (test_request_validator_lifecycle): flags default to false.
    let v = c
        .create_request_validator()
        .rest_api_id(&api)
        .name("test-validator")
        .send()
        .await
        .unwrap();
    let id = v.id().unwrap().to_string();
    assert_eq!(id.len(), 6);
    assert_eq!(v.name(), Some("test-validator"));
    assert!(!v.validate_request_body());
    assert!(!v.validate_request_parameters());
    let got = c
        .get_request_validator()
        .rest_api_id(&api)
        .request_validator_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.name(), Some("test-validator"));
    let list = c
        .get_request_validators()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    assert_eq!(list.items().len(), 1);
    assert_eq!(list.items()[0].id(), Some(id.as_str()));

    // `update-request-validator-with-value`, `-without-value`.
    let up = c
        .update_request_validator()
        .rest_api_id(&api)
        .request_validator_id(&id)
        .patch_operations(patch("replace", "/validateRequestBody", "true"))
        .send()
        .await
        .unwrap();
    assert!(up.validate_request_body());
    let up = c
        .update_request_validator()
        .rest_api_id(&api)
        .request_validator_id(&id)
        .patch_operations(patch_opt("replace", "/validateRequestBody", None))
        .patch_operations(patch("replace", "/validateRequestParameters", "true"))
        .patch_operations(patch("replace", "/name", "renamed"))
        .send()
        .await
        .unwrap();
    assert!(!up.validate_request_body());
    assert!(up.validate_request_parameters());
    assert_eq!(up.name(), Some("renamed"));

    // Paging over two validators.
    create_validator(&c, &api, "second", true, true).await;
    let page = c
        .get_request_validators()
        .rest_api_id(&api)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items().len(), 1);
    let rest = c
        .get_request_validators()
        .rest_api_id(&api)
        .position(page.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.items()[0].name(), Some("second"));

    // `delete-request-validator` (202), `get-deleted-request-validator`, and the list.
    c.delete_request_validator()
        .rest_api_id(&api)
        .request_validator_id(&id)
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.get_request_validator()
            .rest_api_id(&api)
            .request_validator_id(&id)
            .send()
            .await,
        "NotFoundException",
        BAD_VALIDATOR
    );
    let list = c
        .get_request_validators()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    assert_eq!(list.items().len(), 1);
}

#[tokio::test]
async fn request_validator_errors() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "validator-errors").await;
    let id = create_validator(&c, &api, "v", false, false).await;

    // Recorded (test_validators_crud_no_api, test_create_request_validator_invalid_api_id).
    assert_aws_err!(
        c.create_request_validator()
            .rest_api_id("test-fake-rest-id")
            .name("test-validator")
            .validate_request_body(true)
            .send()
            .await,
        "BadRequestException",
        "Invalid REST API identifier specified"
    );
    assert_aws_err!(
        c.get_request_validators()
            .rest_api_id("test-fake-rest-id")
            .send()
            .await,
        "NotFoundException",
        format!("Invalid API identifier specified {ACCOUNT}:test-fake-rest-id")
    );
    // Recorded (test_invalid_get_request_validator, test_invalid_delete_request_validator).
    for (a, v) in [("api_id", id.as_str()), (api.as_str(), "validator_id")] {
        assert_aws_err!(
            c.get_request_validator()
                .rest_api_id(a)
                .request_validator_id(v)
                .send()
                .await,
            "NotFoundException",
            BAD_VALIDATOR
        );
        assert_aws_err!(
            c.delete_request_validator()
                .rest_api_id(a)
                .request_validator_id(v)
                .send()
                .await,
            "NotFoundException",
            BAD_VALIDATOR
        );
    }
    // Recorded (test_invalid_update_request_validator_operations).
    let update = |op: &'static str, path: &'static str, value: &'static str| {
        c.update_request_validator()
            .rest_api_id(&api)
            .request_validator_id(&id)
            .patch_operations(patch(op, path, value))
            .send()
    };
    assert_aws_err!(
        update("add", "/validateRequestBody", "true").await,
        "BadRequestException",
        "Invalid patch path  '/validateRequestBody' specified for op 'add'. Please choose supported operations"
    );
    assert_aws_err!(
        update("remove", "/validateRequestBody", "true").await,
        _,
        "Invalid patch path  '/validateRequestBody' specified for op 'remove'. Please choose supported operations"
    );
    assert_aws_err!(
        update("replace", "/invalidPath", "true").await,
        _,
        "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/name, /validateRequestParameters, /validateRequestBody]"
    );
    assert_aws_err!(
        update("replace", "/name", "").await,
        _,
        "Request Validator name cannot be blank"
    );
    // An unknown validator of a known API.
    assert_aws_err!(
        c.update_request_validator()
            .rest_api_id(&api)
            .request_validator_id("nope00")
            .patch_operations(patch("replace", "/name", "x"))
            .send()
            .await,
        "NotFoundException",
        BAD_VALIDATOR
    );
    // Not recorded: a create without a name gets the blank-name answer.
    assert_aws_err!(
        c.create_request_validator().rest_api_id(&api).send().await,
        "BadRequestException",
        "Request Validator name cannot be blank"
    );
}

#[tokio::test]
async fn methods_name_existing_validators() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "method-validators").await;
    let id = create_validator(&c, &api, "all", true, true).await;

    // Recorded (test_put_method_validation `invalid-request-validator`).
    assert_aws_err!(
        Route::new(&c, &api, &root, "POST")
            .put_method()
            .request_validator_id("fake-id")
            .send()
            .await,
        "BadRequestException",
        BAD_VALIDATOR
    );
    // Recorded (test_api_gateway_request_validator `change-request-path-names`): the method
    // shows its validator id.
    let m = Route::new(&c, &api, &root, "POST")
        .put_method()
        .request_validator_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(m.request_validator_id(), Some(id.as_str()));
    let got = c
        .get_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("POST")
        .send()
        .await
        .unwrap();
    assert_eq!(got.request_validator_id(), Some(id.as_str()));

    // Recorded (test_update_method_validation `wrong-req-validator-id`).
    assert_aws_err!(
        c.update_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("POST")
            .patch_operations(patch("replace", "/requestValidatorId", "fake-id"))
            .send()
            .await,
        "BadRequestException",
        BAD_VALIDATOR
    );
    let other = create_validator(&c, &api, "body", true, false).await;
    let up = c
        .update_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("POST")
        .patch_operations(patch("replace", "/requestValidatorId", &other))
        .send()
        .await
        .unwrap();
    assert_eq!(up.request_validator_id(), Some(other.as_str()));
    let up = c
        .update_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("POST")
        .patch_operations(patch("replace", "/requestValidatorId", ""))
        .send()
        .await
        .unwrap();
    assert!(up.request_validator_id().is_none());
}

#[tokio::test]
async fn deleting_the_api_deletes_models_and_validators() {
    let s = Server::start();
    let c = s.sdk();
    let create = || {
        c.create_rest_api()
            .name("pinned")
            .tags("_custom_id_", "pinnedapi1")
            .send()
    };
    create().await.unwrap();
    create_model(&c, "pinnedapi1", "Pet").await;
    create_validator(&c, "pinnedapi1", "v", true, false).await;
    c.delete_rest_api()
        .rest_api_id("pinnedapi1")
        .send()
        .await
        .unwrap();
    // The same id again starts from AWS's defaults only.
    create().await.unwrap();
    let mut names = model_names(&c, "pinnedapi1").await;
    names.sort();
    assert_eq!(names, ["Empty", "Error"]);
    let list = c
        .get_request_validators()
        .rest_api_id("pinnedapi1")
        .send()
        .await
        .unwrap();
    assert!(list.items().is_empty());
}

#[test]
fn cli_models_and_validators() {
    let s = Server::start();
    let api = s.aws(&["apigateway", "create-rest-api", "--name", "cli"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let m = s.aws(&[
        "apigateway",
        "create-model",
        "--rest-api-id",
        &api,
        "--name",
        "firstModel",
        "--description",
        "The First Model",
        "--content-type",
        "application/json",
        "--schema",
        SCHEMA,
    ]);
    assert_eq!(m["name"], "firstModel");
    assert_eq!(m["schema"], SCHEMA);
    let list = s.aws(&["apigateway", "get-models", "--rest-api-id", &api]);
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    let got = s.aws(&[
        "apigateway",
        "get-model",
        "--rest-api-id",
        &api,
        "--model-name",
        "firstModel",
    ]);
    assert_eq!(got["description"], "The First Model");
    s.aws(&[
        "apigateway",
        "delete-model",
        "--rest-api-id",
        &api,
        "--model-name",
        "firstModel",
    ]);

    let v = s.aws(&[
        "apigateway",
        "create-request-validator",
        "--rest-api-id",
        &api,
        "--name",
        "body-only",
        "--validate-request-body",
    ]);
    assert_eq!(v["validateRequestBody"], true);
    assert_eq!(v["validateRequestParameters"], false);
    let id = v["id"].as_str().unwrap();
    let up = s.aws(&[
        "apigateway",
        "update-request-validator",
        "--rest-api-id",
        &api,
        "--request-validator-id",
        id,
        "--patch-operations",
        "op=replace,path=/validateRequestParameters,value=true",
    ]);
    assert_eq!(up["validateRequestParameters"], true);
    let list = s.aws(&[
        "apigateway",
        "get-request-validators",
        "--rest-api-id",
        &api,
    ]);
    assert_eq!(list["items"][0]["id"], id);
    s.aws(&[
        "apigateway",
        "delete-request-validator",
        "--rest-api-id",
        &api,
        "--request-validator-id",
        id,
    ]);
}

#[tokio::test]
async fn deployment_snapshot_carries_models_and_validators() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("apigw.db");
    let s = Server::start_on(&db);
    let c = s.sdk();
    let (api, root) = new_api(&c, "snap").await;
    create_model(&c, &api, "Pet").await;
    let vid = create_validator(&c, &api, "body", true, false).await;
    let r = Route::new(&c, &api, &root, "POST");
    r.put_method()
        .request_validator_id(&vid)
        .request_models("application/json", "Pet")
        .send()
        .await
        .unwrap();
    r.put_mock().send().await.unwrap();
    let deployment = deploy(&c, &api, "dev").await;
    // Later changes do not reach the frozen copy.
    c.update_model()
        .rest_api_id(&api)
        .model_name("Pet")
        .patch_operations(patch("replace", "/description", "after"))
        .send()
        .await
        .unwrap();

    let store = apigw_store::Store::open(db.to_str().unwrap())
        .await
        .unwrap();
    let mut conn = store.read().await.unwrap();
    let scope = apigw_model::Scope::new(ACCOUNT, "us-east-1");
    let snap: apigw_model::ApiSnapshot =
        apigw_store::docs::get_snapshot(&mut conn, &scope, &api, &deployment)
            .await
            .unwrap()
            .expect("snapshot");
    let models = &snap.documents.models;
    let mut names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Empty", "Error", "Pet"]);
    let pet = models.iter().find(|m| m.name == "Pet").unwrap();
    assert_eq!(pet.schema.as_deref(), Some(SCHEMA));
    assert_eq!(pet.content_type, "application/json");
    assert!(pet.description.is_none());
    assert_eq!(pet.id.len(), 6);
    assert_eq!(
        serde_json::to_value(&snap.documents.request_validators).unwrap(),
        serde_json::json!([{"id": vid, "name": "body", "validateRequestBody": true, "validateRequestParameters": false}])
    );
}

#[tokio::test]
async fn model_template_copies_the_payload_into_the_model() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "templates").await;
    // The default Error model: one string property, in the layout of AWS's documented
    // GetModelTemplate sample.
    let t = c
        .get_model_template()
        .rest_api_id(&api)
        .model_name("Error")
        .send()
        .await
        .unwrap();
    assert_eq!(
        t.value(),
        Some("#set($inputRoot = $input.path('$'))\n{\n  \"message\" : \"$inputRoot.message\"\n}")
    );
    let r = c
        .get_model_template()
        .rest_api_id(&api)
        .model_name("Nope")
        .send()
        .await;
    assert_aws_err!(r, "NotFoundException", "Invalid model name specified: Nope");
}
