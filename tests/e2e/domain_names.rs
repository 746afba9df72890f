//! Custom domain names and base path mappings: the control plane through the SDK and the aws
//! CLI, and requests routed by `Host` (and the `/_apigw/domains/` path form) to mapped stages.

use serde_json::Value;

use crate::fixtures::{assert_aws_err, deploy, patch, stage_url, Route};
use crate::harness::new_api;
use crate::harness::Server;

const DOMAIN: &str = "api.example.com";

/// An API whose `GET /` and `GET /pets` answer `{"api": name, "path": resourcePath}`,
/// deployed to `stage`; returns its id.
async fn named_api(c: &aws_sdk_apigateway::Client, name: &str, stage: &str) -> String {
    let (api, root) = new_api(c, name).await;
    let body = format!(r#"{{"api": "{name}", "path": "$context.resourcePath"}}"#);
    let r = Route::new(c, &api, &root, "GET");
    r.method().await;
    r.mock_json(&body).await;
    let pets = crate::fixtures::add_resource(c, &api, &root, "pets").await;
    let r = Route::new(c, &api, &pets, "GET");
    r.method().await;
    r.mock_json(&body).await;
    deploy(c, &api, stage).await;
    api
}

/// GET `path` on the server with `Host: host`: the status and the JSON body (Null if none).
async fn via_host(s: &Server, host: &str, path: &str) -> (u16, Value) {
    let res = s
        .http()
        .get(format!("{}{path}", s.url))
        .header("host", host)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn create_mapping(
    c: &aws_sdk_apigateway::Client,
    base: Option<&str>,
    api: &str,
    stage: Option<&str>,
) -> Result<
    aws_sdk_apigateway::operation::create_base_path_mapping::CreateBasePathMappingOutput,
    aws_sdk_apigateway::error::SdkError<
        aws_sdk_apigateway::operation::create_base_path_mapping::CreateBasePathMappingError,
        aws_sdk_apigateway::config::http::HttpResponse,
    >,
> {
    c.create_base_path_mapping()
        .domain_name(DOMAIN)
        .set_base_path(base.map(str::to_string))
        .rest_api_id(api)
        .set_stage(stage.map(str::to_string))
        .send()
        .await
}

#[tokio::test]
async fn domain_name_lifecycle_and_errors() {
    let s = Server::start();
    let c = s.sdk();
    let d = c
        .create_domain_name()
        .domain_name("API.Example.com")
        .regional_certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/abc")
        .endpoint_configuration(
            aws_sdk_apigateway::types::EndpointConfiguration::builder()
                .types(aws_sdk_apigateway::types::EndpointType::Regional)
                .build(),
        )
        .tags("team", "a")
        .send()
        .await
        .unwrap();
    assert_eq!(d.domain_name(), Some(DOMAIN));
    let regional = d.regional_domain_name().unwrap();
    assert!(
        regional.starts_with("d-") && regional.ends_with(".execute-api.us-east-1.amazonaws.com")
    );
    assert_eq!(d.regional_hosted_zone_id(), Some("Z1UJRXOUMOOFQ8"));
    assert!(d.distribution_domain_name().is_none());
    assert_eq!(d.domain_name_status().unwrap().as_str(), "AVAILABLE");
    assert!(d.certificate_upload_date().is_some());
    assert_eq!(d.tags().unwrap()["team"], "a");

    // Edge-optimized is the default, with CloudFront's zone (botocore's model).
    let edge = c
        .create_domain_name()
        .domain_name("edge.example.com")
        .certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/e")
        .send()
        .await
        .unwrap();
    assert_eq!(edge.distribution_hosted_zone_id(), Some("Z2FDTNDATAQYW2"));
    assert!(edge
        .distribution_domain_name()
        .unwrap()
        .ends_with(".cloudfront.net"));

    assert_aws_err!(
        c.create_domain_name().domain_name(DOMAIN).send().await,
        "ConflictException"
    );
    assert_aws_err!(
        c.create_domain_name().domain_name("127.0.0.1").send().await,
        "BadRequestException"
    );
    assert_aws_err!(
        c.get_domain_name()
            .domain_name("nope.example.com")
            .send()
            .await,
        "NotFoundException",
        "Invalid domain name identifier specified"
    );

    // UpdateDomainName moves an edge name to regional.
    let moved = c
        .update_domain_name()
        .domain_name("edge.example.com")
        .patch_operations(patch(
            "replace",
            "/endpointConfiguration/types/0",
            "REGIONAL",
        ))
        .send()
        .await
        .unwrap();
    assert!(moved.distribution_domain_name().is_none());
    assert!(moved.regional_domain_name().is_some());
    assert_aws_err!(
        c.update_domain_name()
            .domain_name("edge.example.com")
            .patch_operations(patch("replace", "/domainName", "x.example.com"))
            .send()
            .await,
        "BadRequestException"
    );

    // The CLI lists both, then deletes one.
    let list = s.aws(&["apigateway", "get-domain-names"]);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["domainName"].as_str().unwrap())
        .collect();
    assert_eq!(names, [DOMAIN, "edge.example.com"]);
    s.aws(&[
        "apigateway",
        "delete-domain-name",
        "--domain-name",
        "edge.example.com",
    ]);
    assert_aws_err!(
        c.delete_domain_name()
            .domain_name("edge.example.com")
            .send()
            .await,
        "NotFoundException"
    );
}

#[tokio::test]
async fn base_path_mappings_route_requests_by_host() {
    let s = Server::start();
    let c = s.sdk();
    let a = named_api(&c, "a", "prod").await;
    let b = named_api(&c, "b", "dev").await;
    c.create_domain_name()
        .domain_name(DOMAIN)
        .certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/abc")
        .send()
        .await
        .unwrap();

    // Refusals change nothing.
    assert_aws_err!(
        create_mapping(&c, Some("shop"), "nope", None).await,
        "BadRequestException",
        "Invalid REST API identifier specified"
    );
    assert_aws_err!(
        create_mapping(&c, Some("shop"), &a, Some("nope")).await,
        "BadRequestException",
        "Invalid stage identifier specified"
    );
    assert_aws_err!(
        c.create_base_path_mapping()
            .domain_name("nope.example.com")
            .rest_api_id(&a)
            .send()
            .await,
        "NotFoundException",
        "Invalid domain name identifier specified"
    );

    // The empty base path stands alone.
    let none = create_mapping(&c, None, &a, Some("prod")).await.unwrap();
    assert_eq!(none.base_path(), Some("(none)"));
    assert_eq!(via_host(&s, DOMAIN, "/pets").await.1["api"], "a");
    assert_aws_err!(
        create_mapping(&c, Some("shop"), &b, Some("dev")).await,
        "ConflictException",
        "Only one base path mapping is allowed if the base path is empty."
    );
    c.delete_base_path_mapping()
        .domain_name(DOMAIN)
        .base_path("(none)")
        .send()
        .await
        .unwrap();

    create_mapping(&c, Some("shop"), &a, Some("prod"))
        .await
        .unwrap();
    // A multi-level base path, its stage named in the URL.
    create_mapping(&c, Some("shop/v2"), &b, None).await.unwrap();
    assert_aws_err!(
        create_mapping(&c, Some("shop"), &b, Some("dev")).await,
        "ConflictException",
        "Base path already exists for this domain name"
    );

    let (status, body) = via_host(&s, "api.example.com:4566", "/shop/pets").await;
    assert_eq!((status, body["api"].as_str()), (200, Some("a")));
    assert_eq!(body["path"], "/pets");
    let (status, body) = via_host(&s, DOMAIN, "/shop/v2/dev/pets").await;
    assert_eq!((status, body["api"].as_str()), (200, Some("b")));
    let (status, body) = via_host(&s, DOMAIN, "/shop").await;
    assert_eq!((status, body["path"].as_str()), (200, Some("/")));
    // No mapping matches: AWS's 403.
    let (status, body) = via_host(&s, DOMAIN, "/elsewhere").await;
    assert_eq!(status, 403);
    assert_eq!(body, serde_json::json!({"message": "Forbidden"}));
    // The path form, for clients that cannot set the host.
    let res = s
        .http_get(format!("{}/_apigw/domains/{DOMAIN}/shop/pets", s.url))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["api"], "a");

    // Get, list (the SDK sends `shop/v2` as `shop%2Fv2`) and the CLI.
    let m = c
        .get_base_path_mapping()
        .domain_name(DOMAIN)
        .base_path("shop/v2")
        .send()
        .await
        .unwrap();
    assert_eq!((m.rest_api_id(), m.stage()), (Some(b.as_str()), None));
    let list = s.aws(&[
        "apigateway",
        "get-base-path-mappings",
        "--domain-name",
        DOMAIN,
    ]);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_aws_err!(
        c.get_base_path_mapping()
            .domain_name(DOMAIN)
            .base_path("gone")
            .send()
            .await,
        "NotFoundException",
        "Invalid base path mapping identifier specified"
    );

    // Renaming a base path moves the route at once (mappings are not deployed).
    let renamed = c
        .update_base_path_mapping()
        .domain_name(DOMAIN)
        .base_path("shop")
        .patch_operations(patch("replace", "/basePath", "store"))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.base_path(), Some("store"));
    assert_eq!(via_host(&s, DOMAIN, "/store/pets").await.0, 200);
    assert_eq!(via_host(&s, DOMAIN, "/shop/pets").await.0, 403);
    assert_aws_err!(
        c.update_base_path_mapping()
            .domain_name(DOMAIN)
            .base_path("store")
            .patch_operations(patch("replace", "/basePath", "shop/v2"))
            .send()
            .await,
        "ConflictException"
    );

    // Disabling the execute-api endpoint leaves the domain name serving.
    c.update_rest_api()
        .rest_api_id(&a)
        .patch_operations(patch("replace", "/disableExecuteApiEndpoint", "true"))
        .send()
        .await
        .unwrap();
    deploy(&c, &a, "prod").await;
    assert_eq!(s.http_get(stage_url(&s, &a, "prod")).await.status(), 403);
    assert_eq!(via_host(&s, DOMAIN, "/store/pets").await.0, 200);

    // Deleting the domain name takes its mappings: the host no longer reaches a stage.
    c.delete_domain_name()
        .domain_name(DOMAIN)
        .send()
        .await
        .unwrap();
    let (status, body) = via_host(&s, DOMAIN, "/store/pets").await;
    assert_ne!(body["api"], "a", "status {status}");
}

#[tokio::test]
async fn mappings_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("apigw.db");
    let s = Server::start_on(&db);
    let c = s.sdk();
    let a = named_api(&c, "a", "prod").await;
    c.create_domain_name()
        .domain_name(DOMAIN)
        .send()
        .await
        .unwrap();
    create_mapping(&c, Some("v1"), &a, Some("prod"))
        .await
        .unwrap();
    drop(s);
    let s = Server::start_on(&db);
    let (status, body) = via_host(&s, DOMAIN, "/v1/pets").await;
    assert_eq!((status, body["api"].as_str()), (200, Some("a")));
}

#[tokio::test]
async fn access_associations_of_private_names() {
    let s = Server::start();
    let c = s.sdk();
    let private = c
        .create_domain_name()
        .domain_name("private.example.com")
        .endpoint_configuration(
            aws_sdk_apigateway::types::EndpointConfiguration::builder()
                .types(aws_sdk_apigateway::types::EndpointType::Private)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let id = private.domain_name_id().unwrap();
    let arn = private.domain_name_arn().unwrap().to_string();
    assert_eq!(
        arn,
        format!("arn:aws:apigateway:us-east-1:000000000000:/domainnames/private.example.com+{id}")
    );
    let public = c
        .create_domain_name()
        .domain_name("public.example.com")
        .send()
        .await
        .unwrap();
    assert!(public.domain_name_id().is_none());

    let create = |domain_arn: String, source: &str| {
        c.create_domain_name_access_association()
            .domain_name_arn(domain_arn)
            .access_association_source_type(
                aws_sdk_apigateway::types::AccessAssociationSourceType::Vpce,
            )
            .access_association_source(source)
            .send()
    };
    // Only a private name takes associations; the source is a VPC endpoint.
    assert_aws_err!(
        create(public.domain_name_arn().unwrap().to_string(), "vpce-1").await,
        "NotFoundException"
    );
    assert_aws_err!(create(arn.clone(), "sg-1").await, "BadRequestException");
    let a = create(arn.clone(), "vpce-0abc").await.unwrap();
    let a_arn = a.domain_name_access_association_arn().unwrap().to_string();
    assert!(a_arn.ends_with(&format!(
        "/domainname/private.example.com+{id}/vpcesource/vpce-0abc"
    )));
    assert_aws_err!(create(arn.clone(), "vpce-0abc").await, "ConflictException");

    let list = s.aws(&["apigateway", "get-domain-name-access-associations"]);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let others = s.aws(&[
        "apigateway",
        "get-domain-name-access-associations",
        "--resource-owner",
        "OTHER_ACCOUNTS",
    ]);
    assert!(others
        .get("items")
        .is_none_or(|i| i.as_array().unwrap().is_empty()));

    // Reject names the domain too; then the association is gone.
    assert_aws_err!(
        c.reject_domain_name_access_association()
            .domain_name_access_association_arn(&a_arn)
            .domain_name_arn("arn:aws:apigateway:us-east-1:000000000000:/domainnames/x+y")
            .send()
            .await,
        "NotFoundException"
    );
    c.reject_domain_name_access_association()
        .domain_name_access_association_arn(&a_arn)
        .domain_name_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.delete_domain_name_access_association()
            .domain_name_access_association_arn(&a_arn)
            .send()
            .await,
        "NotFoundException"
    );
    // Deleting a private name takes its associations.
    let b = create(arn.clone(), "vpce-0def").await.unwrap();
    c.delete_domain_name()
        .domain_name("private.example.com")
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.delete_domain_name_access_association()
            .domain_name_access_association_arn(b.domain_name_access_association_arn().unwrap())
            .send()
            .await,
        "NotFoundException"
    );
}
