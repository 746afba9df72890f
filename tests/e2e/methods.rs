//! Methods, method responses, integrations and integration responses through the Rust SDK and
//! the aws CLI. Expected answers come from AWS recordings (test_apigateway_api.snapshot.json
//! unless said otherwise).

use aws_sdk_apigateway::types::{IntegrationType, PatchOperation};

use crate::fixtures::{assert_aws_err, patch, Route, MOCK_200};
use crate::harness::{err_of, new_api, Server};

#[tokio::test]
async fn method_lifecycle_and_errors() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "m").await;

    // test_method_lifecycle
    let m = c
        .put_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    assert_eq!(m.http_method(), Some("ANY"));
    assert_eq!(m.authorization_type(), Some("NONE"));
    assert_eq!(m.api_key_required(), Some(false));
    assert!(m.method_integration().is_none());
    assert_aws_err!(
        c.put_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("ANY")
            .authorization_type("NONE")
            .send()
            .await,
        "ConflictException",
        "Method already exists for this resource"
    );
    let got = c
        .get_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    assert_eq!(got.authorization_type(), Some("NONE"));
    c.delete_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    for e in [
        err_of(
            c.get_method()
                .rest_api_id(&api)
                .resource_id(&root)
                .http_method("ANY")
                .send()
                .await
                .unwrap_err(),
        ),
        err_of(
            c.delete_method()
                .rest_api_id(&api)
                .resource_id(&root)
                .http_method("ANY")
                .send()
                .await
                .unwrap_err(),
        ),
    ] {
        assert_eq!(
            e,
            (
                "NotFoundException".into(),
                "Invalid Method identifier specified".into()
            )
        );
    }

    // test_put_method_validation
    let put = |api: &str, rid: &str, verb: &str, auth: &str| {
        c.put_method()
            .rest_api_id(api)
            .resource_id(rid)
            .http_method(verb)
            .authorization_type(auth)
    };
    for (a, r) in [
        ("fake-api", root.as_str()),
        (api.as_str(), "fake-resource-id"),
    ] {
        assert_aws_err!(
            put(a, r, "WRONG", "NONE").send().await,
            "NotFoundException",
            "Invalid Resource identifier specified"
        );
    }
    assert_aws_err!(
        put(&api, &root, "WRONG", "NONE").send().await,
        "BadRequestException",
        "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY"
    );
    assert_aws_err!(
        put(&api, &root, "ANY", "CUSTOM").send().await,
        _,
        "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer."
    );
    assert_aws_err!(
        put(&api, &root, "ANY", "NONE")
            .request_validator_id("fake-validator")
            .send()
            .await,
        _,
        "Invalid Request Validator identifier specified"
    );
    assert_aws_err!(
        put(&api, &root, "ANY", "NONE")
            .request_models("application/json", "petModel")
            .send()
            .await,
        _,
        "Invalid model identifier specified: petModel"
    );
    // test_method_request_parameters
    assert_aws_err!(
        put(&api, &root, "GET", "NONE")
            .request_parameters("method.request.querystring.optional", false)
            .request_parameters("method.request.header.optional", false)
            .send()
            .await,
        _,
        "Parameter names must be unique across querystring, header and path"
    );
    // Nothing of the refused calls was stored.
    assert_aws_err!(
        c.get_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .send()
            .await,
        "NotFoundException"
    );

    let m = put(&api, &root, "ANY", "none")
        .request_parameters("method.request.querystring.q_required", true)
        .request_parameters("method.request.header.h_optional", false)
        .request_models("application/json", "Empty")
        .send()
        .await
        .unwrap();
    assert_eq!(m.authorization_type(), Some("NONE"));
    let params = m.request_parameters().unwrap();
    assert!(params["method.request.querystring.q_required"]);
    assert!(!params["method.request.header.h_optional"]);
    assert_eq!(m.request_models().unwrap()["application/json"], "Empty");

    // A missing authorizationType is AWS's null-member ValidationException.
    let res = s
        .http()
        .put(format!(
            "{}/restapis/{api}/resources/{root}/methods/POST",
            s.url
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.headers()["x-amzn-errortype"].to_str().unwrap(),
        "ValidationException"
    );
}

#[tokio::test]
async fn update_method_patch_operations() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "m").await;
    let update = |ops: Vec<PatchOperation>| {
        c.update_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("ANY")
            .set_patch_operations(Some(ops))
            .send()
    };
    // test_update_method_validation: unknown method first.
    assert_aws_err!(
        c.update_method()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .patch_operations(patch("replace", "/operationName", "x"))
            .send()
            .await,
        _,
        "Invalid Method identifier specified"
    );
    Route::new(&c, &api, &root, "ANY").method().await;

    // test_update_method
    let m = update(vec![
        patch(
            "add",
            "/requestParameters/method.request.querystring.optional",
            "true",
        ),
        patch("add", "/requestModels/application~1json", "Empty"),
    ])
    .await
    .unwrap();
    assert!(m.request_parameters().unwrap()["method.request.querystring.optional"]);
    let m = update(vec![
        patch("replace", "/operationName", "ReplacedOperationName"),
        patch("replace", "/apiKeyRequired", "true"),
        patch("replace", "/authorizationType", "AWS_IAM"),
        patch(
            "replace",
            "/requestParameters/method.request.querystring.optional",
            "false",
        ),
    ])
    .await
    .unwrap();
    assert_eq!(m.operation_name(), Some("ReplacedOperationName"));
    assert_eq!(m.api_key_required(), Some(true));
    assert_eq!(m.authorization_type(), Some("AWS_IAM"));
    assert!(!m.request_parameters().unwrap()["method.request.querystring.optional"]);
    let m = update(vec![
        patch(
            "remove",
            "/requestParameters/method.request.querystring.optional",
            "true",
        ),
        patch("remove", "/requestModels/application~1json", "Empty"),
    ])
    .await
    .unwrap();
    assert!(m.request_parameters().is_none());
    assert!(m.request_models().is_none());

    // Refusals, each with AWS's message (test_update_method_validation).
    let cases = [
        (
            patch("add", "/operationName", "operationName"),
            "Invalid patch operation specified. Must be one of: [replace]",
        ),
        (
            patch("add", "/httpMethod", "PUT"),
            "Invalid patch path /httpMethod",
        ),
        (
            patch(
                "replace",
                "/requestParameters",
                "method.request.querystring.optional=false",
            ),
            "Invalid patch path /requestParameters",
        ),
        (
            patch("add", "/requestModels/application/json", "Empty"),
            "Invalid patch path /requestModels/application/json",
        ),
        (
            patch("replace", "/authorizationType", "CUSTOM"),
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        ),
        (
            patch("replace", "/requestValidatorId", "fake-id"),
            "Invalid Request Validator identifier specified",
        ),
    ];
    for (o, want) in cases {
        // A valid op before the refused one must not be applied either.
        assert_aws_err!(
            update(vec![patch("replace", "/operationName", "Changed"), o]).await,
            "BadRequestException",
            want
        );
    }
    let got = c
        .get_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("ANY")
        .send()
        .await
        .unwrap();
    assert_eq!(got.operation_name(), Some("ReplacedOperationName"));
    // A wrong boolean is false; an authorizer id without CUSTOM is ignored.
    let m = update(vec![
        patch("replace", "/apiKeyRequired", "whatever"),
        patch("replace", "/authorizerId", "abc123"),
    ])
    .await
    .unwrap();
    assert_eq!(m.api_key_required(), Some(false));
    assert!(m.authorizer_id().is_none());
    assert_aws_err!(
        update(vec![patch("wrong", "/operationName", "x")]).await,
        "ValidationException"
    );
}

#[tokio::test]
async fn method_response_lifecycle_and_patch() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "mr").await;
    let root_get = Route::new(&c, &api, &root, "GET");
    root_get.method().await;
    root_get
        .put_mock()
        .request_templates("application/json", MOCK_200)
        .send()
        .await
        .unwrap();

    // test_lifecycle_method_response
    let mr = c
        .put_method_response()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .set_response_parameters(Some(Default::default()))
        .set_response_models(Some(Default::default()))
        .send()
        .await
        .unwrap();
    assert_eq!(mr.status_code(), Some("200"));
    assert!(mr.response_parameters().is_some_and(|p| p.is_empty()));
    assert_aws_err!(
        c.put_method_response()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .status_code("200")
            .send()
            .await,
        "ConflictException",
        "Response already exists for this resource"
    );
    let update = |code: &str, ops: Vec<PatchOperation>| {
        c.update_method_response()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .status_code(code)
            .set_patch_operations(Some(ops))
            .send()
    };
    let mr = update(
        "200",
        vec![
            patch(
                "add",
                "/responseParameters/method.response.header.my-header",
                "true",
            ),
            patch("add", "/responseModels/application~1json", "Empty"),
        ],
    )
    .await
    .unwrap();
    assert!(mr.response_parameters().unwrap()["method.response.header.my-header"]);
    assert_eq!(mr.response_models().unwrap()["application/json"], "Empty");
    let got = c
        .get_method_response()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .unwrap();
    assert_eq!(got.response_models().unwrap()["application/json"], "Empty");

    // Refusals (test_update_method_wrong_param_names, *_lack_*, *_negative_tests).
    let cases = [
        (
            "200",
            patch("replace", "/responseParameters/wrong", "true"),
            "NotFoundException",
            "Invalid parameter name specified",
        ),
        (
            "200",
            patch("remove", "/responseModels/wrong", "Empty"),
            "NotFoundException",
            "Content-Type specified was not found",
        ),
        (
            "200",
            patch("remove", "/wrong/method.response.header.my-header", "true"),
            "BadRequestException",
            "Invalid patch path /wrong/method.response.header.my-header",
        ),
        (
            "201",
            patch(
                "replace",
                "/responseParameters/method.response.header.my-header",
                "true",
            ),
            "NotFoundException",
            "Invalid Response status code specified",
        ),
    ];
    for (status, o, want_code, want) in cases {
        assert_aws_err!(update(status, vec![o]).await, want_code, want);
    }
    assert_aws_err!(
        update(
            "wrong",
            vec![PatchOperation::builder()
                .op("wrong_op".into())
                .path("/responseParameters/method.response.header.my-header")
                .value("true")
                .build()],
        )
        .await,
        "ValidationException",
        "2 validation errors detected: Value 'wrong_op' at 'updateMethodResponseInput.patchOperations.1.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d"
    );

    // Removing the last entries drops the maps (test_update_method_response).
    let mr = update(
        "200",
        vec![
            patch(
                "remove",
                "/responseParameters/method.response.header.my-header",
                "true",
            ),
            patch("remove", "/responseModels/application~1json", "Empty"),
        ],
    )
    .await
    .unwrap();
    assert!(mr.response_parameters().is_none());
    assert!(mr.response_models().is_none());

    c.delete_method_response()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.get_method_response()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .status_code("200")
            .send()
            .await,
        _,
        "Invalid Response status code specified"
    );
    assert_aws_err!(
        c.get_method_response()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .status_code("2000")
            .send()
            .await,
        "ValidationException"
    );
}

#[tokio::test]
async fn integration_lifecycle_and_validation() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "i").await;
    let root_get = Route::new(&c, &api, &root, "GET");
    let put = || {
        c.put_integration()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
    };

    // test_put_integration_wrong_type: the enum is checked before anything is looked up.
    assert_aws_err!(
        put()
            .r#type(IntegrationType::from("HTTPS_PROXY"))
            .send()
            .await,
        "ValidationException",
        "1 validation error detected: Value 'HTTPS_PROXY' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]"
    );
    // test_get_integration_non_existent
    let get = |api: &str, rid: &str| {
        c.get_integration()
            .rest_api_id(api)
            .resource_id(rid)
            .http_method("GET")
            .send()
    };
    assert_aws_err!(
        get("nope", &root).await,
        _,
        "Invalid Resource identifier specified"
    );
    assert_aws_err!(
        get(&api, "nope00").await,
        _,
        "Invalid Resource identifier specified"
    );
    assert_aws_err!(
        get(&api, &root).await,
        _,
        "Invalid Method identifier specified"
    );
    assert_aws_err!(
        put().r#type(IntegrationType::Mock).send().await,
        _,
        "Invalid Method identifier specified"
    );
    root_get.method().await;
    assert_aws_err!(
        get(&api, &root).await,
        _,
        "Invalid Integration identifier specified"
    );

    // test_put_integration_validation (test_apigateway_integrations.snapshot.json)
    for t in [
        IntegrationType::Http,
        IntegrationType::HttpProxy,
        IntegrationType::Aws,
    ] {
        assert_aws_err!(
            put().r#type(t).uri("http://example.com").send().await,
            "BadRequestException",
            "Enumeration value for HttpMethod must be non-empty"
        );
    }
    let bad = [
        (
            IntegrationType::Http,
            "non-valid-http",
            "Invalid HTTP endpoint specified for URI",
        ),
        (
            IntegrationType::Aws,
            "non-valid-arn",
            "Invalid ARN specified in the request",
        ),
        (
            IntegrationType::Aws,
            "arn:aws:iam::0000000000:role/service-role/asdf",
            "AWS ARN for integration must contain path or action",
        ),
        (
            IntegrationType::AwsProxy,
            "arn:aws:apigateway:us-east-1:s3:path/b/k",
            "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.",
        ),
    ];
    for (t, uri, want) in bad {
        assert_aws_err!(
            put()
                .r#type(t)
                .integration_http_method("POST")
                .uri(uri)
                .send()
                .await,
            _,
            want
        );
    }
    assert_aws_err!(
        put()
            .r#type(IntegrationType::Mock)
            .timeout_in_millis(10)
            .send()
            .await,
        "BadRequestException"
    );
    assert_aws_err!(
        get(&api, &root).await,
        _,
        "Invalid Integration identifier specified"
    );

    let mock = put()
        .r#type(IntegrationType::Mock)
        .uri("http://example.com")
        .integration_http_method("POST")
        .send()
        .await
        .unwrap();
    assert_eq!(mock.r#type(), Some(&IntegrationType::Mock));
    assert!(mock.uri().is_none());
    assert!(mock.http_method().is_none());
    assert_eq!(mock.cache_namespace(), Some(root.as_str()));
    assert!(mock.cache_key_parameters().is_empty());
    assert_eq!(mock.timeout_in_millis(), 29000);
    assert_eq!(mock.passthrough_behavior(), Some("WHEN_NO_MATCH"));

    let http = put()
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("POST")
        .uri("http://example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(http.http_method(), Some("POST"));
    assert_eq!(http.connection_type().map(|t| t.as_str()), Some("INTERNET"));
    let lambda = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:MyLambda/invocations";
    let proxy = put()
        .r#type(IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(lambda)
        .send()
        .await
        .unwrap();
    assert!(proxy.connection_type().is_none());
    assert_eq!(proxy.uri(), Some(lambda));

    // test_create_integration_with_vpc_link
    put()
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("GET")
        .uri("http://my-vpclink-test-nlb-1234567890abcdef.us-east-1.amazonaws.com")
        .connection_type("VPC_LINK".into())
        .connection_id("${stageVariables.vpcLinkId}")
        .send()
        .await
        .unwrap();
    let up = c
        .update_integration()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(patch(
            "replace",
            "/connectionId",
            "${stageVariables.vpcLinkIdBeta}",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(up.connection_id(), Some("${stageVariables.vpcLinkIdBeta}"));
    assert_eq!(up.connection_type().map(|t| t.as_str()), Some("VPC_LINK"));

    // More patches, then refusals that change nothing.
    let update = |ops: Vec<PatchOperation>| {
        c.update_integration()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .set_patch_operations(Some(ops))
            .send()
    };
    let up = update(vec![
        patch("replace", "/timeoutInMillis", "5000"),
        patch("add", "/requestTemplates/application~1json", "{}"),
        patch(
            "replace",
            "/uri",
            "https://other.example/${stageVariables.p}",
        ),
    ])
    .await
    .unwrap();
    assert_eq!(up.timeout_in_millis(), 5000);
    assert_eq!(up.request_templates().unwrap()["application/json"], "{}");
    for (ops, want) in [
        (
            vec![patch("replace", "/uri", "not a url")],
            "Invalid HTTP endpoint specified for URI",
        ),
        (
            vec![patch("replace", "/timeoutInMillis", "10")],
            "Timeout should be between 50 ms and 29000 ms",
        ),
        (
            vec![
                patch("replace", "/timeoutInMillis", "100"),
                patch("replace", "/type", "MOCK"),
            ],
            "Invalid patch path /type",
        ),
        (
            vec![patch("add", "/uri", "http://x.example")],
            "Invalid patch operation specified. Must be one of: [replace]",
        ),
    ] {
        assert_aws_err!(update(ops).await, _, want);
    }
    let got = get(&api, &root).await.unwrap();
    assert_eq!(got.timeout_in_millis(), 5000);
    assert_eq!(got.uri(), Some("https://other.example/${stageVariables.p}"));

    c.delete_integration()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        get(&api, &root).await,
        _,
        "Invalid Integration identifier specified"
    );
    assert_aws_err!(
        c.delete_integration()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .send()
            .await,
        _,
        "Invalid Integration identifier specified"
    );
}

#[tokio::test]
async fn integration_request_parameters_need_declared_sources() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "p").await;
    Route::new(&c, &api, &root, "GET").method().await;
    let put = || {
        c.put_integration()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .r#type(IntegrationType::Mock)
            .request_parameters("integration.request.path.id", "method.request.path.petId")
    };
    assert_aws_err!(
        put().send().await,
        _,
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.request.path.petId]"
    );
    c.update_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .patch_operations(patch(
            "add",
            "/requestParameters/method.request.path.petId",
            "true",
        ))
        .send()
        .await
        .unwrap();
    let i = put().send().await.unwrap();
    assert_eq!(
        i.request_parameters().unwrap()["integration.request.path.id"],
        "method.request.path.petId"
    );
}

#[tokio::test]
async fn integration_response_lifecycle_and_errors() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "ir").await;
    let root_get = Route::new(&c, &api, &root, "GET");
    let put = |api: &str, rid: &str, verb: &str, code: &str| {
        c.put_integration_response()
            .rest_api_id(api)
            .resource_id(rid)
            .http_method(verb)
            .status_code(code)
    };
    // test_integration_response_wrong_api / _wrong_resource / _wrong_method / _invalid_statuscode
    assert_aws_err!(
        put("wrong-api", "dummy", "GET", "200").send().await,
        _,
        "Invalid Resource identifier specified"
    );
    assert_aws_err!(
        put(&api, "wrong", "GET", "200").send().await,
        _,
        "Invalid Resource identifier specified"
    );
    assert_aws_err!(
        put(&api, &root, "wrong-method", "200").send().await,
        _,
        "Invalid Method identifier specified"
    );
    assert_aws_err!(
        put(&api, &root, "GET", "wrong").send().await,
        _,
        "1 validation error detected: Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d"
    );
    root_get.method().await;
    let get = |code: &str| {
        c.get_integration_response()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .status_code(code)
            .send()
    };
    assert_aws_err!(
        get("200").await,
        _,
        "Invalid Integration identifier specified"
    );
    root_get
        .put_mock()
        .request_templates("application/json", MOCK_200)
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        get("201").await,
        _,
        "Invalid Response status code specified"
    );

    // test_lifecycle_integration_response
    let ir = put(&api, &root, "GET", "200")
        .response_templates("application/json", "\"created\"")
        .selection_pattern("")
        .send()
        .await
        .unwrap();
    assert_eq!(ir.selection_pattern(), Some(""));
    assert_eq!(
        ir.response_templates().unwrap()["application/json"],
        "\"created\""
    );
    let up = c
        .update_integration_response()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .patch_operations(patch("replace", "/selectionPattern", "updated-pattern"))
        .send()
        .await
        .unwrap();
    assert_eq!(up.selection_pattern(), Some("updated-pattern"));
    let over = put(&api, &root, "GET", "200")
        .response_templates("application/json", "overwrite")
        .selection_pattern("overwrite-pattern")
        .send()
        .await
        .unwrap();
    assert_eq!(over.selection_pattern(), Some("overwrite-pattern"));
    let m = c
        .get_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .send()
        .await
        .unwrap();
    let irs = m
        .method_integration()
        .unwrap()
        .integration_responses()
        .unwrap();
    assert_eq!(
        irs["200"].response_templates().unwrap()["application/json"],
        "overwrite"
    );

    // Refusals.
    assert_aws_err!(
        put(&api, &root, "GET", "200")
            .response_templates("123", "x")
            .send()
            .await,
        _,
        "Validation Result: warnings : [], errors : [Invalid content type specified: 123]"
    );
    assert_aws_err!(
        put(&api, &root, "GET", "200")
            .response_parameters("method.response.header.X-A", "'v'")
            .send()
            .await,
        _,
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : [No method response exists for method.]"
    );
    // One default (pattern-less) response is fine, a second one conflicts.
    put(&api, &root, "GET", "500").send().await.unwrap();
    assert_aws_err!(
        put(&api, &root, "GET", "404").send().await,
        "ConflictException",
        "Integration response with selection pattern default already exists"
    );
    assert_aws_err!(
        c.update_integration_response()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .status_code("200")
            .patch_operations(patch("replace", "/statusCode", "201"))
            .send()
            .await,
        _,
        "Invalid patch path /statusCode"
    );
    assert_eq!(
        get("200").await.unwrap().selection_pattern(),
        Some("overwrite-pattern")
    );

    // test_delete_integration_response_errors
    let del = |api: &str, rid: &str, verb: &str, code: &str| {
        c.delete_integration_response()
            .rest_api_id(api)
            .resource_id(rid)
            .http_method(verb)
            .status_code(code)
            .send()
    };
    for (a, r, v, code, want) in [
        (
            api.as_str(),
            "bad-resource",
            "GET",
            "200",
            "Invalid Resource identifier specified",
        ),
        (
            "bad-api-id",
            root.as_str(),
            "GET",
            "200",
            "Invalid Resource identifier specified",
        ),
        (
            api.as_str(),
            root.as_str(),
            "POST",
            "200",
            "Invalid Integration identifier specified",
        ),
        (
            api.as_str(),
            root.as_str(),
            "GET",
            "201",
            "Invalid Response status code specified",
        ),
        (
            api.as_str(),
            root.as_str(),
            "WRONG",
            "201",
            "Invalid Integration identifier specified",
        ),
    ] {
        assert_aws_err!(del(a, r, v, code).await, "NotFoundException", want);
    }
    del(&api, &root, "GET", "200").await.unwrap();
    assert_aws_err!(
        get("200").await,
        _,
        "Invalid Response status code specified"
    );
}

#[tokio::test]
async fn embed_methods_and_cli_walkthrough() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "cli").await;
    let base = [
        "--rest-api-id",
        api.as_str(),
        "--resource-id",
        root.as_str(),
    ];
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = vec!["apigateway"];
        args.push(extra[0]);
        args.extend_from_slice(&base);
        args.extend_from_slice(&extra[1..]);
        s.aws(&args)
    };
    let m = run(&[
        "put-method",
        "--http-method",
        "GET",
        "--authorization-type",
        "NONE",
    ]);
    assert_eq!(
        m,
        serde_json::json!({"httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": false})
    );
    let mr = run(&[
        "put-method-response",
        "--http-method",
        "GET",
        "--status-code",
        "200",
    ]);
    assert_eq!(mr, serde_json::json!({"statusCode": "200"}));
    let i = run(&[
        "put-integration",
        "--http-method",
        "GET",
        "--type",
        "MOCK",
        "--request-templates",
        r#"{"application/json": "{\"statusCode\": 200}"}"#,
    ]);
    assert_eq!(
        i,
        serde_json::json!({
            "type": "MOCK",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "passthroughBehavior": "WHEN_NO_MATCH",
            "timeoutInMillis": 29000,
            "cacheNamespace": root,
            "cacheKeyParameters": []
        })
    );
    let ir = run(&[
        "put-integration-response",
        "--http-method",
        "GET",
        "--status-code",
        "200",
        "--selection-pattern",
        "",
        "--response-templates",
        r#"{"application/json": "{\"ok\": true}"}"#,
    ]);
    assert_eq!(
        ir,
        serde_json::json!({
            "statusCode": "200",
            "selectionPattern": "",
            "responseTemplates": {"application/json": "{\"ok\": true}"}
        })
    );
    let full = serde_json::json!({
        "httpMethod": "GET",
        "authorizationType": "NONE",
        "apiKeyRequired": false,
        "methodResponses": {"200": {"statusCode": "200"}},
        "methodIntegration": {
            "type": "MOCK",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "passthroughBehavior": "WHEN_NO_MATCH",
            "timeoutInMillis": 29000,
            "cacheNamespace": root,
            "cacheKeyParameters": [],
            "integrationResponses": {"200": {
                "statusCode": "200",
                "selectionPattern": "",
                "responseTemplates": {"application/json": "{\"ok\": true}"}
            }}
        }
    });
    assert_eq!(run(&["get-method", "--http-method", "GET"]), full);

    // GetResources shows the methods only with embed=methods.
    let plain = s.aws(&["apigateway", "get-resources", "--rest-api-id", &api]);
    assert_eq!(
        plain["items"][0]["resourceMethods"],
        serde_json::json!({"GET": {}})
    );
    let embedded = s.aws(&[
        "apigateway",
        "get-resources",
        "--rest-api-id",
        &api,
        "--embed",
        "methods",
    ]);
    assert_eq!(
        embedded["items"][0]["resourceMethods"],
        serde_json::json!({"GET": full})
    );
    let sdk = c
        .get_resources()
        .rest_api_id(&api)
        .embed("methods")
        .send()
        .await
        .unwrap();
    let get = &sdk.items()[0].resource_methods().unwrap()["GET"];
    assert_eq!(
        get.method_integration().unwrap().r#type(),
        Some(&IntegrationType::Mock)
    );
}
