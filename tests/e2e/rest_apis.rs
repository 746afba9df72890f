//! RestApis through the SDK and the CLI: defaults, validation, patch, paging, delete.

use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType};

use crate::fixtures::{assert_aws_err, patch, patch_opt};
use crate::harness::{new_api, Server};

#[tokio::test]
async fn create_shows_aws_defaults() {
    let s = Server::start();
    // Shape as in test_create_rest_api_verify_defaults (AWS recordings).
    let out = s.aws(&["apigateway", "create-rest-api", "--name", "demo"]);
    assert_eq!(out["apiKeySource"], "HEADER");
    assert_eq!(out["disableExecuteApiEndpoint"], false);
    assert_eq!(
        out["endpointConfiguration"],
        serde_json::json!({"types": ["EDGE"], "ipAddressType": "ipv4"})
    );
    let id = out["id"].as_str().unwrap();
    assert_eq!(id.len(), 10);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    assert_eq!(out["rootResourceId"].as_str().unwrap().len(), 10);
    assert!(out.get("tags").is_none());
    assert!(out.get("binaryMediaTypes").is_none());
    assert!(out["createdDate"].is_number());

    let c = s.sdk();
    let private = c
        .create_rest_api()
        .name("p")
        .endpoint_configuration(
            EndpointConfiguration::builder()
                .types(EndpointType::Private)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        private
            .endpoint_configuration()
            .unwrap()
            .ip_address_type()
            .unwrap()
            .as_str(),
        "dualstack"
    );
}

#[tokio::test]
async fn create_validation() {
    let s = Server::start();
    let c = s.sdk();
    assert_aws_err!(
        c.create_rest_api().name("x").description("").send().await,
        "BadRequestException",
        "Description cannot be an empty string"
    );
    assert_aws_err!(
        c.create_rest_api()
            .name("x")
            .endpoint_configuration(
                EndpointConfiguration::builder()
                    .types(EndpointType::from("wrong"))
                    .build(),
            )
            .send()
            .await,
        "ValidationException",
        "1 validation error detected: Value '[wrong]' at 'createRestApiInput.endpointConfiguration.types' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]]"
    );
    assert_aws_err!(
        c.create_rest_api()
            .name("x")
            .minimum_compression_size(-1)
            .send()
            .await,
        "BadRequestException"
    );
    // Nothing was created by the refused calls.
    assert_eq!(c.get_rest_apis().send().await.unwrap().items().len(), 0);

    // A wrong JSON type is a SerializationException with AWS's Java wording.
    let r = s
        .http()
        .post(format!("{}/restapis", s.url))
        .header("content-type", "application/json")
        .body(r#"{"name": true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["x-amzn-errortype"], "SerializationException");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["message"],
        "class java.lang.Boolean can not be converted to an String"
    );
}

#[tokio::test]
async fn custom_id_tag_pins_the_id() {
    let s = Server::start();
    let c = s.sdk();
    let api = c
        .create_rest_api()
        .name("pinned")
        .tags("_custom_id_", "myapi123")
        .send()
        .await
        .unwrap();
    assert_eq!(api.id(), Some("myapi123"));
    assert_eq!(
        api.tags().unwrap().get("_custom_id_").map(String::as_str),
        Some("myapi123")
    );
    assert_aws_err!(
        c.create_rest_api()
            .name("again")
            .tags("_custom_id_", "myapi123")
            .send()
            .await,
        "ConflictException"
    );
}

#[tokio::test]
async fn update_patch_operations() {
    let s = Server::start();
    let c = s.sdk();
    let (id, _) = new_api(&c, "before").await;
    let api = c
        .update_rest_api()
        .rest_api_id(&id)
        .patch_operations(patch("replace", "/name", "after"))
        .patch_operations(patch("replace", "/description", "desc"))
        .patch_operations(patch_opt("add", "/binaryMediaTypes/image~1png", None))
        .patch_operations(patch("replace", "/apiKeySource", "AUTHORIZER"))
        .patch_operations(patch("replace", "/disableExecuteApiEndpoint", "true"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.name(), Some("after"));
    assert_eq!(api.description(), Some("desc"));
    assert_eq!(api.binary_media_types(), ["image/png"]);
    assert_eq!(api.api_key_source().unwrap().as_str(), "AUTHORIZER");
    assert!(api.disable_execute_api_endpoint());
    let got = c.get_rest_api().rest_api_id(&id).send().await.unwrap();
    assert_eq!(got.name(), Some("after"));

    // Refused paths and ops change nothing.
    assert_aws_err!(
        c.update_rest_api()
            .rest_api_id(&id)
            .patch_operations(patch("replace", "/id", "x"))
            .send()
            .await,
        "BadRequestException",
        starts_with("Invalid patch path  '/id' specified for op 'replace'. Must be one of: [")
    );
    assert_aws_err!(
        c.update_rest_api()
            .rest_api_id(&id)
            .patch_operations(patch("replace", "/name", "changed"))
            .patch_operations(patch("wrong", "/name", "x"))
            .send()
            .await,
        "ValidationException",
        contains("'updateRestApiInput.patchOperations.2.member.op'")
    );
    assert_eq!(
        c.get_rest_api()
            .rest_api_id(&id)
            .send()
            .await
            .unwrap()
            .name(),
        Some("after")
    );
    assert_aws_err!(
        c.update_rest_api()
            .rest_api_id("missing")
            .patch_operations(patch("replace", "/name", "x"))
            .send()
            .await,
        "NotFoundException",
        "Invalid API identifier specified 000000000000:missing"
    );
}

#[tokio::test]
async fn paging_and_delete() {
    let s = Server::start();
    let c = s.sdk();
    let mut ids = vec![];
    for i in 0..7 {
        ids.push(new_api(&c, &format!("api{i}")).await.0);
    }
    let mut seen = vec![];
    let mut position: Option<String> = None;
    loop {
        let page = c
            .get_rest_apis()
            .limit(3)
            .set_position(position.clone())
            .send()
            .await
            .unwrap();
        assert!(page.items().len() <= 3);
        seen.extend(page.items().iter().map(|a| a.id().unwrap().to_string()));
        position = page.position().map(str::to_string);
        if position.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids, "pages walk every API once, in creation order");
    // The CLI pages by itself with --page-size.
    let all = s.aws(&["apigateway", "get-rest-apis", "--page-size", "2"]);
    assert_eq!(all["items"].as_array().unwrap().len(), 7);
    assert_aws_err!(
        c.get_rest_apis().limit(501).send().await,
        "ValidationException"
    );

    c.delete_rest_api()
        .rest_api_id(&ids[0])
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.get_rest_api().rest_api_id(&ids[0]).send().await,
        "NotFoundException"
    );
    assert_aws_err!(
        c.get_resources().rest_api_id(&ids[0]).send().await,
        "NotFoundException"
    );
    assert_aws_err!(
        c.delete_rest_api().rest_api_id(&ids[0]).send().await,
        "NotFoundException"
    );
    assert_eq!(
        c.get_rest_apis()
            .limit(500)
            .send()
            .await
            .unwrap()
            .items()
            .len(),
        6
    );
}

/// CreateRestApi checks constraints before business rules, and UpdateRestApi's endpoint and
/// description paths, as recorded in test_apigateway_api.snapshot.json
/// (test_create_rest_api_with_endpoint_configuration, test_create_rest_api_private_type,
/// test_update_rest_api_ip_address_type, test_update_rest_api_operation_add_remove).
#[tokio::test]
async fn endpoint_configuration_and_description_as_aws_checks_them() {
    use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, IpAddressType};
    let s = Server::start();
    let c = s.sdk();
    let cfg = |types: Vec<EndpointType>, ip: Option<IpAddressType>| {
        EndpointConfiguration::builder()
            .set_types(Some(types))
            .set_ip_address_type(ip)
            .build()
    };
    assert_aws_err!(
        c.create_rest_api()
            .name("a")
            .endpoint_configuration(cfg(vec![], None))
            .send()
            .await,
        "BadRequestException",
        "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED."
    );
    // Constraint failures come before an empty description...
    assert_aws_err!(
        c.create_rest_api()
            .name("a")
            .description("")
            .endpoint_configuration(cfg(
                vec![EndpointType::from("wrong")],
                Some(IpAddressType::from("wrong"))
            ))
            .send()
            .await,
        "ValidationException",
        starts_with("2 validation errors detected: Value '[wrong]' at 'createRestApiInput.endpointConfiguration.types'")
    );
    // ...which comes before the private-type rule.
    assert_aws_err!(
        c.create_rest_api()
            .name("a")
            .description("")
            .endpoint_configuration(cfg(vec![EndpointType::Private], Some(IpAddressType::Ipv4)))
            .send()
            .await,
        "BadRequestException",
        "Description cannot be an empty string"
    );
    assert_eq!(c.get_rest_apis().send().await.unwrap().items().len(), 0);

    let api = c
        .create_rest_api()
        .name("a")
        .description("this is my api")
        .send()
        .await
        .unwrap();
    let id = api.id().unwrap();
    // Moving to PRIVATE moves the address type to dualstack.
    let moved = c
        .update_rest_api()
        .rest_api_id(id)
        .patch_operations(patch(
            "replace",
            "/endpointConfiguration/types/0",
            "PRIVATE",
        ))
        .send()
        .await
        .unwrap();
    let ec = moved.endpoint_configuration().unwrap();
    assert_eq!(ec.types(), [EndpointType::Private]);
    assert_eq!(ec.ip_address_type(), Some(&IpAddressType::Dualstack));
    assert_aws_err!(
        c.update_rest_api()
            .rest_api_id(id)
            .patch_operations(patch("add", "/endpointConfiguration/ipAddressType", "ipv4"))
            .send()
            .await,
        "BadRequestException",
        "Invalid patch operation specified. Must be one of: [replace]"
    );
    // `remove /description` clears it.
    let cleared = c
        .update_rest_api()
        .rest_api_id(id)
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op("remove".into())
                .path("/description")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(cleared.description().is_none());
}

/// CreateRestApi with `cloneFrom` copies the source's resources, methods, models, validators
/// and authorizers under new ids; the copy deploys and serves on its own.
#[tokio::test]
async fn clone_from_copies_the_api() {
    let s = Server::start();
    let c = s.sdk();
    let (src, root) = new_api(&c, "source").await;
    let pets = crate::fixtures::add_resource(&c, &src, &root, "pets").await;
    let validator = c
        .create_request_validator()
        .rest_api_id(&src)
        .name("params")
        .validate_request_parameters(true)
        .send()
        .await
        .unwrap();
    c.create_model()
        .rest_api_id(&src)
        .name("Pets")
        .content_type("application/json")
        .schema(format!(
            r#"{{"type": "array", "items": {{"$ref": "https://apigateway.amazonaws.com/restapis/{src}/models/Empty"}}}}"#
        ))
        .send()
        .await
        .unwrap();
    let r = crate::fixtures::Route::new(&c, &src, &pets, "GET");
    r.put_method()
        .request_validator_id(validator.id().unwrap())
        .send()
        .await
        .unwrap();
    r.mock_json(r#"{"pets": "all"}"#).await;

    assert_aws_err!(
        c.create_rest_api()
            .name("copy")
            .clone_from("nope")
            .send()
            .await,
        "NotFoundException"
    );
    let copy = c
        .create_rest_api()
        .name("copy")
        .clone_from(&src)
        .send()
        .await
        .unwrap();
    let id = copy.id().unwrap();
    assert_ne!(id, src);
    let resources = c
        .get_resources()
        .rest_api_id(id)
        .embed("methods")
        .send()
        .await
        .unwrap();
    let copied = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/pets"))
        .unwrap();
    assert_ne!(copied.id(), Some(pets.as_str()));
    let method = &copied.resource_methods().unwrap()["GET"];
    let copied_validator = method.request_validator_id().unwrap();
    assert_ne!(copied_validator, validator.id().unwrap());
    let v = c
        .get_request_validator()
        .rest_api_id(id)
        .request_validator_id(copied_validator)
        .send()
        .await
        .unwrap();
    assert_eq!(v.name(), Some("params"));
    let model = c
        .get_model()
        .rest_api_id(id)
        .model_name("Pets")
        .send()
        .await
        .unwrap();
    assert!(model
        .schema()
        .unwrap()
        .contains(&format!("/restapis/{id}/models/Empty")));
    // The copy serves once deployed.
    crate::fixtures::deploy(&c, id, "dev").await;
    let res = s
        .http_get(format!(
            "{}/pets",
            crate::fixtures::stage_url(&s, id, "dev")
        ))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), r#"{"pets": "all"}"#);
}
