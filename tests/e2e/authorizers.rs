//! Authorizers through the Rust SDK and the aws CLI: CRUD, AWS's errors, methods naming an
//! authorizer (CUSTOM / COGNITO_USER_POOLS), and an authorizer in use refusing deletion.
//! Recorded answers come from test_apigateway_api.snapshot.json and
//! test_apigateway_basic.snapshot.json; where no recording exists the test says so.

use aws_sdk_apigateway::types::AuthorizerType;
use aws_sdk_apigateway::Client;

use crate::fixtures::{add_resource, assert_aws_err, deploy, fail, patch, Route};
use crate::harness::{new_api, Server};

const ACCOUNT: &str = "000000000000";
const POOL: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc";
const INVALID_ID: &str = "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.";

fn function_uri(name: &str) -> String {
    format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}/invocations")
}

/// A TOKEN authorizer reading `Authorization`; returns its id.
async fn token_authorizer(c: &Client, api: &str, name: &str) -> String {
    c.create_authorizer()
        .rest_api_id(api)
        .name(name)
        .r#type(AuthorizerType::Token)
        .authorizer_uri(function_uri(name))
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .expect("create_authorizer")
        .id()
        .unwrap()
        .to_string()
}

/// A Cognito user-pool authorizer; returns its id.
async fn cognito_authorizer(c: &Client, api: &str, name: &str) -> String {
    c.create_authorizer()
        .rest_api_id(api)
        .name(name)
        .r#type(AuthorizerType::CognitoUserPools)
        .provider_arns(POOL)
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .expect("create_authorizer")
        .id()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn authorizer_crud() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "auth").await;

    // Recorded (test_apigateway_with_custom_authorization_method): the members sent, no TTL.
    let a = c
        .create_authorizer()
        .rest_api_id(&api)
        .name("lambda_authorizer")
        .r#type(AuthorizerType::Token)
        .auth_type("custom")
        .authorizer_uri(function_uri("auth"))
        .identity_source("method.request.header.Auth")
        .send()
        .await
        .unwrap();
    let id = a.id().unwrap().to_string();
    assert_eq!(id.len(), 6);
    assert_eq!(a.name(), Some("lambda_authorizer"));
    assert_eq!(a.r#type(), Some(&AuthorizerType::Token));
    assert_eq!(a.auth_type(), Some("custom"));
    assert_eq!(a.authorizer_uri(), Some(function_uri("auth").as_str()));
    assert_eq!(a.identity_source(), Some("method.request.header.Auth"));
    assert!(a.authorizer_result_ttl_in_seconds().is_none());
    assert!(a.provider_arns().is_empty());

    let got = c
        .get_authorizer()
        .rest_api_id(&api)
        .authorizer_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.name(), Some("lambda_authorizer"));

    // A REQUEST and a Cognito one; the list is in creation order and pages.
    let request = c
        .create_authorizer()
        .rest_api_id(&api)
        .name("request")
        .r#type(AuthorizerType::Request)
        .authorizer_uri(function_uri("req"))
        .identity_source("method.request.header.X-User, method.request.querystring.q")
        .authorizer_result_ttl_in_seconds(60)
        .send()
        .await
        .unwrap();
    assert_eq!(request.authorizer_result_ttl_in_seconds(), Some(60));
    let cognito = cognito_authorizer(&c, &api, "pool").await;
    let all = c.get_authorizers().rest_api_id(&api).send().await.unwrap();
    let names: Vec<_> = all.items().iter().filter_map(|a| a.name()).collect();
    assert_eq!(names, ["lambda_authorizer", "request", "pool"]);
    assert_eq!(all.items()[2].provider_arns(), [POOL]);
    let p1 = c
        .get_authorizers()
        .rest_api_id(&api)
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(p1.items().len(), 2);
    let p2 = c
        .get_authorizers()
        .rest_api_id(&api)
        .limit(2)
        .position(p1.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p2.items().len(), 1);
    assert_eq!(p2.items()[0].id(), Some(cognito.as_str()));
    assert!(p2.position().is_none());

    // Update: replace members; the answer and later reads show them.
    let u = c
        .update_authorizer()
        .rest_api_id(&api)
        .authorizer_id(&id)
        .patch_operations(patch("replace", "/name", "renamed"))
        .patch_operations(patch("replace", "/authorizerResultTtlInSeconds", "120"))
        .patch_operations(patch(
            "replace",
            "/identityValidationExpression",
            "^Bearer .+$",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(u.name(), Some("renamed"));
    assert_eq!(u.authorizer_result_ttl_in_seconds(), Some(120));
    assert_eq!(u.identity_validation_expression(), Some("^Bearer .+$"));
    let got = c
        .get_authorizer()
        .rest_api_id(&api)
        .authorizer_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.name(), Some("renamed"));
    // Cognito pools: add, then remove one (its `/` escaped as `~1`).
    let other = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_xyz";
    let u = c
        .update_authorizer()
        .rest_api_id(&api)
        .authorizer_id(&cognito)
        .patch_operations(patch("add", "/providerARNs", other))
        .send()
        .await
        .unwrap();
    assert_eq!(u.provider_arns(), [POOL, other]);
    let u = c
        .update_authorizer()
        .rest_api_id(&api)
        .authorizer_id(&cognito)
        .patch_operations(crate::fixtures::remove(&format!(
            "/providerARNs/{}",
            POOL.replace('/', "~1")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(u.provider_arns(), [other]);

    // Delete: 202, then it is gone.
    c.delete_authorizer()
        .rest_api_id(&api)
        .authorizer_id(&id)
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.get_authorizer()
            .rest_api_id(&api)
            .authorizer_id(&id)
            .send()
            .await,
        "NotFoundException",
        "Invalid Authorizer identifier specified"
    );
    let all = c.get_authorizers().rest_api_id(&api).send().await.unwrap();
    assert_eq!(all.items().len(), 2);
}

#[tokio::test]
async fn authorizer_errors() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "auth-err").await;

    // Recorded (test_authorizer_crud_no_api): create on an unknown API is a 409, the list a 404.
    assert_aws_err!(
        c.create_authorizer()
            .rest_api_id("test-fake-rest-id")
            .name("a")
            .r#type(AuthorizerType::Token)
            .authorizer_uri(function_uri("a"))
            .identity_source("method.request.header.Authorization")
            .send()
            .await,
        "ConflictException",
        "Unable to complete operation due to concurrent modification. Please try again later."
    );
    assert_aws_err!(
        c.get_authorizers()
            .rest_api_id("test-fake-rest-id")
            .send()
            .await,
        "NotFoundException",
        format!("Invalid API identifier specified {ACCOUNT}:test-fake-rest-id")
    );
    assert_aws_err!(
        c.get_authorizer()
            .rest_api_id("test-fake-rest-id")
            .authorizer_id("abc123")
            .send()
            .await,
        "NotFoundException"
    );

    // Unknown authorizer: get, update and delete all 404.
    let nf = (
        "NotFoundException".to_string(),
        "Invalid Authorizer identifier specified".to_string(),
    );
    assert_aws_err!(
        c.get_authorizer()
            .rest_api_id(&api)
            .authorizer_id("nope00")
            .send()
            .await,
        nf.0,
        nf.1
    );
    assert_aws_err!(
        c.update_authorizer()
            .rest_api_id(&api)
            .authorizer_id("nope00")
            .patch_operations(patch("replace", "/name", "x"))
            .send()
            .await,
        nf.0,
        nf.1
    );
    assert_aws_err!(
        c.delete_authorizer()
            .rest_api_id(&api)
            .authorizer_id("nope00")
            .send()
            .await,
        nf.0,
        nf.1
    );

    // The type enum (the model's ValidationException).
    assert_aws_err!(
        c.create_authorizer()
            .rest_api_id(&api)
            .name("a")
            .r#type(AuthorizerType::from("LAMBDA"))
            .send()
            .await,
        "ValidationException",
        "1 validation error detected: Value 'LAMBDA' at 'createAuthorizerInput.type' failed to satisfy constraint: Member must satisfy enum value set: [TOKEN, REQUEST, COGNITO_USER_POOLS]"
    );

    // Per-type requirements (no AWS recording: messages of our own, see authorizers.rs).
    let bad = |b: aws_sdk_apigateway::operation::create_authorizer::builders::CreateAuthorizerFluentBuilder| async move {
        b.send().await
    };
    let base = || {
        c.create_authorizer()
            .rest_api_id(&api)
            .name("a")
            .r#type(AuthorizerType::Token)
    };
    assert_aws_err!(
        bad(base().identity_source("method.request.header.Authorization")).await,
        "BadRequestException",
        "Authorizer URI is required for authorizers of type TOKEN"
    );
    assert_aws_err!(
        bad(base().authorizer_uri(function_uri("a"))).await,
        _,
        "Identity source is required for authorizers of type TOKEN"
    );
    // AWS's wording for a token source outside the headers (serverless/serverless#4428).
    assert_aws_err!(
        bad(base()
            .authorizer_uri(function_uri("a"))
            .identity_source("method.request.querystring.key"))
        .await,
        _,
        "Invalid token source expression: method.request.querystring.key. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'."
    );
    assert_aws_err!(
        bad(base()
            .authorizer_uri(function_uri("a"))
            .identity_source("method.request.header.Authorization")
            .authorizer_result_ttl_in_seconds(3601))
        .await,
        "BadRequestException",
        contains("between 0 and 3600")
    );
    assert_aws_err!(
        bad(c
            .create_authorizer()
            .rest_api_id(&api)
            .name("p")
            .r#type(AuthorizerType::CognitoUserPools)
            .identity_source("method.request.header.Authorization"))
        .await,
        _,
        "Provider ARNs are required for authorizers of type COGNITO_USER_POOLS"
    );
    // REQUEST without identity source: refused while caching is on (default TTL 300), fine at 0.
    let request = || {
        c.create_authorizer()
            .rest_api_id(&api)
            .name("r")
            .r#type(AuthorizerType::Request)
            .authorizer_uri(function_uri("r"))
    };
    assert_aws_err!(
        bad(request()).await,
        _,
        starts_with("Identity source is required")
    );
    request()
        .authorizer_result_ttl_in_seconds(0)
        .send()
        .await
        .unwrap();

    // Update: AWS's patch messages, and the result is checked as a whole; nothing changes.
    let id = token_authorizer(&c, &api, "tok").await;
    let upd = |ops: Vec<aws_sdk_apigateway::types::PatchOperation>| {
        c.update_authorizer()
            .rest_api_id(&api)
            .authorizer_id(&id)
            .set_patch_operations(Some(ops))
            .send()
    };
    assert_aws_err!(
        upd(vec![patch("replace", "/id", "x")]).await,
        "BadRequestException",
        starts_with(
            "Invalid patch path  '/id' specified for op 'replace'. Must be one of: [/name, /type,"
        )
    );
    assert_aws_err!(
        upd(vec![patch("add", "/name", "x")]).await,
        _,
        "Invalid patch path  '/name' specified for op 'add'. Please choose supported operations"
    );
    assert_aws_err!(
        upd(vec![
            patch("replace", "/name", "changed"),
            patch("replace", "/type", "COGNITO_USER_POOLS"),
        ])
        .await,
        _,
        "Provider ARNs are required for authorizers of type COGNITO_USER_POOLS"
    );
    let got = c
        .get_authorizer()
        .rest_api_id(&api)
        .authorizer_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.name(), Some("tok"));
}

#[tokio::test]
async fn methods_name_authorizers_and_hold_them() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "auth-methods").await;
    let token = token_authorizer(&c, &api, "tok").await;
    let pool = cognito_authorizer(&c, &api, "pool").await;
    let pets = add_resource(&c, &api, &root, "pets").await;

    // Recorded (test_apigateway_with_custom_authorization_method): CUSTOM + authorizerId.
    let m = Route::new(&c, &api, &pets, "GET")
        .put_method()
        .authorization_type("CUSTOM")
        .authorizer_id(&token)
        .api_key_required(true)
        .send()
        .await
        .unwrap();
    assert_eq!(m.authorization_type(), Some("CUSTOM"));
    assert_eq!(m.authorizer_id(), Some(token.as_str()));
    let got = c
        .get_method()
        .rest_api_id(&api)
        .resource_id(&pets)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_eq!(got.authorizer_id(), Some(token.as_str()));

    // Recorded (missing-authorizer-id): no id, an unknown id, or one of the wrong kind.
    for (auth, id) in [
        ("CUSTOM", None),
        ("CUSTOM", Some("nope00")),
        ("CUSTOM", Some(pool.as_str())),
        ("COGNITO_USER_POOLS", Some(token.as_str())),
    ] {
        let (code, msg) = fail(
            Route::new(&c, &api, &pets, "POST")
                .put_method()
                .authorization_type(auth)
                .set_authorizer_id(id.map(Into::into))
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("BadRequestException", INVALID_ID),
            "{auth} {id:?}"
        );
    }
    let m = Route::new(&c, &api, &pets, "POST")
        .put_method()
        .authorization_type("COGNITO_USER_POOLS")
        .authorizer_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(m.authorizer_id(), Some(pool.as_str()));

    // UpdateMethod: recorded (update-method-replace-authorizer) and (wrong-auth-id).
    Route::new(&c, &api, &root, "ANY").method().await;
    let upd = |ops: Vec<aws_sdk_apigateway::types::PatchOperation>| {
        c.update_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("ANY")
            .set_patch_operations(Some(ops))
            .send()
    };
    assert_aws_err!(
        upd(vec![
            patch("replace", "/authorizationType", "CUSTOM"),
            patch("replace", "/authorizerId", "wrong-id"),
        ])
        .await,
        _,
        INVALID_ID
    );
    let m = upd(vec![
        patch("replace", "/authorizationType", "CUSTOM"),
        patch("replace", "/authorizerId", &token),
    ])
    .await
    .unwrap();
    assert_eq!(m.authorizer_id(), Some(token.as_str()));

    // An authorizer a method uses cannot be deleted (409).
    assert_aws_err!(
        c.delete_authorizer()
            .rest_api_id(&api)
            .authorizer_id(&token)
            .send()
            .await,
        "ConflictException",
        starts_with("Cannot delete authorizer 'tok', is referenced in method: ")
    );

    // Deploying snapshots the authorizers with the methods (the data plane enforces them).
    for verb in ["GET", "POST"] {
        Route::new(&c, &api, &pets, verb)
            .put_mock()
            .send()
            .await
            .unwrap();
    }
    Route::new(&c, &api, &root, "ANY")
        .put_mock()
        .send()
        .await
        .unwrap();
    deploy(&c, &api, "dev").await;

    // Back to NONE drops the id; once no method uses it, the authorizer can go.
    let m = upd(vec![patch("replace", "/authorizationType", "NONE")])
        .await
        .unwrap();
    assert!(m.authorizer_id().is_none());
    c.delete_method()
        .rest_api_id(&api)
        .resource_id(&pets)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    c.delete_authorizer()
        .rest_api_id(&api)
        .authorizer_id(&token)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn deleting_the_api_deletes_its_authorizers() {
    let s = Server::start();
    let c = s.sdk();
    let create = || {
        c.create_rest_api()
            .name("again")
            .tags("_custom_id_", "myapi12345")
            .send()
    };
    create().await.unwrap();
    token_authorizer(&c, "myapi12345", "tok").await;
    c.delete_rest_api()
        .rest_api_id("myapi12345")
        .send()
        .await
        .unwrap();
    create().await.unwrap();
    let all = c
        .get_authorizers()
        .rest_api_id("myapi12345")
        .send()
        .await
        .unwrap();
    assert!(all.items().is_empty());
}

#[tokio::test]
async fn authorizers_with_the_cli() {
    let s = Server::start();
    let c = s.sdk();
    let (api, _) = new_api(&c, "auth-cli").await;
    let uri = function_uri("auth");
    let a = s.aws(&[
        "apigateway",
        "create-authorizer",
        "--rest-api-id",
        &api,
        "--name",
        "cli-auth",
        "--type",
        "TOKEN",
        "--authorizer-uri",
        &uri,
        "--identity-source",
        "method.request.header.Authorization",
        "--authorizer-result-ttl-in-seconds",
        "300",
    ]);
    assert_eq!(a["name"], "cli-auth");
    assert_eq!(a["type"], "TOKEN");
    assert_eq!(a["authorizerResultTtlInSeconds"], 300);
    let id = a["id"].as_str().unwrap();
    let list = s.aws(&["apigateway", "get-authorizers", "--rest-api-id", &api]);
    assert_eq!(list["items"][0]["id"], id);
    let pool = s.aws(&[
        "apigateway",
        "create-authorizer",
        "--rest-api-id",
        &api,
        "--name",
        "pool",
        "--type",
        "COGNITO_USER_POOLS",
        "--provider-arns",
        POOL,
        "--identity-source",
        "method.request.header.Authorization",
    ]);
    assert_eq!(pool["providerARNs"][0], POOL);
    s.aws(&[
        "apigateway",
        "delete-authorizer",
        "--rest-api-id",
        &api,
        "--authorizer-id",
        id,
    ]);
    let list = s.aws(&["apigateway", "get-authorizers", "--rest-api-id", &api]);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}
