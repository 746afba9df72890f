//! VPC links and client certificates: their operations through the SDK and the aws CLI, the
//! checks that refer to them (PutIntegration's `connectionId`, UpdateStage's
//! `clientCertificateId`), and a `VPC_LINK` integration reaching a local backend through the
//! link's `apigw-local:target` tag.

use aws_sdk_apigateway::types::{ConnectionType, IntegrationType};
use axum::routing::any;
use axum::Router;

use crate::fixtures::{assert_aws_err, deploy, deploy_with, patch, raw_get, stage_url, Route};
use crate::harness::{new_api, Server};

const NLB: &str = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/nlb/1";

/// A backend that answers every request with `backend saw {method} {uri} host={host}`.
async fn backend() -> String {
    let app = Router::new().fallback(any(
        |method: axum::http::Method, uri: axum::http::Uri, headers: axum::http::HeaderMap| async move {
            let host = headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default()
                .to_string();
            format!("backend saw {method} {uri} host={host}")
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn vpc_link_lifecycle_as_aws_records_it() {
    let s = Server::start();
    let c = s.sdk();
    // test_apigateway_api.snapshot.json, test_vpc_link_lifecycle: 202, PENDING, no
    // statusMessage or tags on create.
    let created = c
        .create_vpc_link()
        .name("link")
        .target_arns(NLB)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().map(|s| s.as_str()), Some("PENDING"));
    assert!(created.status_message().is_none());
    assert!(created.tags().is_none());
    let id = created.id().unwrap().to_string();
    assert_eq!(id.len(), 6);

    let (status, got) = raw_get(&s, &format!("/vpclinks/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["status"], "AVAILABLE");
    assert_eq!(got["statusMessage"], "Your vpc link is ready for use");
    assert_eq!(got["tags"], serde_json::json!({}));
    assert_eq!(got["targetArns"], serde_json::json!([NLB]));

    let (_, list) = raw_get(&s, "/vpclinks").await;
    assert_eq!(list["item"][0]["id"], id.as_str());
    assert!(
        list["item"][0].get("tags").is_none(),
        "lists omit empty tags"
    );

    let updated = c
        .update_vpc_link()
        .vpc_link_id(&id)
        .patch_operations(patch("replace", "/name", "link-updated"))
        .patch_operations(patch("replace", "/description", "d"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name(), Some("link-updated"));
    assert_eq!(updated.description(), Some("d"));

    // Refused inputs change nothing.
    assert_aws_err!(
        c.update_vpc_link()
            .vpc_link_id(&id)
            .patch_operations(patch("replace", "/targetArns", "x"))
            .send()
            .await,
        "BadRequestException",
        "Invalid patch path  '/targetArns' specified for op 'replace'. Must be one of: [/name, /description]"
    );
    assert_aws_err!(
        c.create_vpc_link().name("").target_arns(NLB).send().await,
        "BadRequestException",
        "Name cannot be empty"
    );
    assert_aws_err!(
        c.create_vpc_link()
            .name("x")
            .target_arns("invalid-arn")
            .send()
            .await,
        "BadRequestException",
        "Invalid ARN. ARN is not well formed invalid-arn"
    );
    let links = c.get_vpc_links().send().await.unwrap();
    assert_eq!(links.items().len(), 1);
    assert_eq!(links.items()[0].name(), Some("link-updated"));

    // Recorded: test_get_vpc_link_invalid_id / test_update_… / test_delete_….
    assert_aws_err!(
        c.get_vpc_link().vpc_link_id("nope").send().await,
        "NotFoundException",
        "Invalid Vpc Link identifier specified"
    );
    assert_aws_err!(
        c.update_vpc_link()
            .vpc_link_id("nope")
            .patch_operations(patch("replace", "/name", "x"))
            .send()
            .await,
        "NotFoundException",
        "Invalid Vpc Link identifier specified"
    );
    c.delete_vpc_link().vpc_link_id(&id).send().await.unwrap();
    assert_aws_err!(
        c.delete_vpc_link().vpc_link_id(&id).send().await,
        "NotFoundException",
        "Invalid Vpc Link identifier specified"
    );
    assert!(c.get_vpc_links().send().await.unwrap().items().is_empty());
}

#[tokio::test]
async fn vpc_links_page_and_tag_through_the_cli() {
    let s = Server::start();
    for i in 0..3 {
        let name = format!("l{i}");
        s.aws(&[
            "apigateway",
            "create-vpc-link",
            "--name",
            &name,
            "--target-arns",
            NLB,
            "--tags",
            "team=a",
        ]);
    }
    let page = s.aws(&[
        "apigateway",
        "get-vpc-links",
        "--no-paginate",
        "--limit",
        "2",
    ]);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["tags"]["team"], "a");
    let position = page["position"].as_str().unwrap().to_string();
    let rest = s.aws(&[
        "apigateway",
        "get-vpc-links",
        "--no-paginate",
        "--position",
        &position,
    ]);
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["items"][0]["name"], "l2");
    // The CLI pages through everything itself.
    let all = s.aws(&["apigateway", "get-vpc-links", "--page-size", "1"]);
    assert_eq!(all["items"].as_array().unwrap().len(), 3);

    let id = rest["items"][0]["id"].as_str().unwrap().to_string();
    let arn = format!("arn:aws:apigateway:us-east-1::/vpclinks/{id}");
    s.aws(&[
        "apigateway",
        "tag-resource",
        "--resource-arn",
        &arn,
        "--tags",
        "env=dev",
    ]);
    let tags = s.aws(&["apigateway", "get-tags", "--resource-arn", &arn]);
    assert_eq!(tags["tags"], serde_json::json!({"team": "a", "env": "dev"}));
    s.assert_aws_cli_err(
        &["apigateway", "get-vpc-link", "--vpc-link-id", "nope"],
        "NotFoundException",
        "Invalid Vpc Link identifier specified",
    );
    s.assert_aws_cli_err(
        &[
            "apigateway",
            "create-vpc-link",
            "--name",
            "",
            "--target-arns",
            NLB,
        ],
        "BadRequestException",
        "Name cannot be empty",
    );
    s.aws(&["apigateway", "delete-vpc-link", "--vpc-link-id", &id]);
    let left = s.aws(&["apigateway", "get-vpc-links"]);
    assert_eq!(left["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn put_integration_needs_an_existing_link() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "vpc").await;
    let route = Route::new(&c, &api, &root, "GET");
    route.method().await;
    let through = |id: &str| {
        route
            .put_integration()
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method("GET")
            .uri("http://nlb.example.com")
            .connection_type(ConnectionType::VpcLink)
            .connection_id(id)
    };
    assert_aws_err!(
        through("nope").send().await,
        "NotFoundException",
        "Invalid Vpc Link identifier specified"
    );
    assert_aws_err!(
        c.get_integration()
            .rest_api_id(&api)
            .resource_id(&root)
            .http_method("GET")
            .send()
            .await,
        "NotFoundException",
        "Invalid Integration identifier specified"
    );
    // A stage variable is taken as it is (recorded: test_create_integration_with_vpc_link).
    let put = through("${stageVariables.vpcLinkId}").send().await.unwrap();
    assert_eq!(put.connection_id(), Some("${stageVariables.vpcLinkId}"));
    let link = c
        .create_vpc_link()
        .name("l")
        .target_arns(NLB)
        .send()
        .await
        .unwrap();
    let put = through(link.id().unwrap()).send().await.unwrap();
    assert_eq!(put.connection_type(), Some(&ConnectionType::VpcLink));
    assert_eq!(put.connection_id(), link.id());
}

#[tokio::test]
async fn vpc_link_integrations_reach_the_tagged_local_backend() {
    let s = Server::start();
    let c = s.sdk();
    let up = backend().await;
    let link = c
        .create_vpc_link()
        .name("l")
        .target_arns(NLB)
        .tags("apigw-local:target", &up)
        .send()
        .await
        .unwrap();
    let link_id = link.id().unwrap();
    let (api, root) = new_api(&c, "vpc").await;
    let pets = crate::fixtures::add_resource(&c, &api, &root, "pets").await;
    let route = Route::new(&c, &api, &pets, "GET");
    route.method().await;
    // The uri names the load balancer as on AWS; the link's tag says where it is here.
    route
        .put_integration()
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("GET")
        .uri("http://my-nlb.elb.us-east-1.amazonaws.com/items")
        .connection_type(ConnectionType::VpcLink)
        .connection_id("${stageVariables.link}")
        .send()
        .await
        .unwrap();
    deploy_with(&c, &api, Some("dev"), &[("link", link_id)]).await;
    let r = s
        .http_get(format!("{}/pets?x=1", stage_url(&s, &api, "dev")))
        .await;
    assert_eq!(r.status(), 200);
    // The connection goes to the link's target; Host names the URI's, as on AWS.
    assert_eq!(
        r.text().await.unwrap(),
        "backend saw GET /items?x=1 host=my-nlb.elb.us-east-1.amazonaws.com"
    );

    // A link without the tag connects to the uri as written.
    let plain = c
        .create_vpc_link()
        .name("plain")
        .target_arns(NLB)
        .send()
        .await
        .unwrap();
    route
        .put_integration()
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("GET")
        .uri(format!("{up}/direct"))
        .connection_type(ConnectionType::VpcLink)
        .connection_id(plain.id().unwrap())
        .send()
        .await
        .unwrap();
    deploy(&c, &api, "dev").await;
    let r = s
        .http_get(format!("{}/pets", stage_url(&s, &api, "dev")))
        .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .starts_with("backend saw GET /direct"));
}

#[tokio::test]
async fn client_certificate_lifecycle() {
    let s = Server::start();
    let c = s.sdk();
    let cert = c
        .generate_client_certificate()
        .description("for the backend")
        .tags("team", "a")
        .send()
        .await
        .unwrap();
    let id = cert.client_certificate_id().unwrap().to_string();
    let pem = cert.pem_encoded_certificate().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    // Valid for 365 days (AWS developer guide, "Rotate an expiring client certificate").
    let created = cert.created_date().unwrap().secs();
    assert_eq!(
        cert.expiration_date().unwrap().secs() - created,
        365 * 86_400
    );
    assert_eq!(cert.tags().unwrap()["team"], "a");

    let (status, raw) = raw_get(&s, &format!("/clientcertificates/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        raw.get("privateKeyPem").is_none(),
        "the key is never answered"
    );
    assert_eq!(raw["pemEncodedCertificate"], pem);

    let updated = c
        .update_client_certificate()
        .client_certificate_id(&id)
        .patch_operations(patch("replace", "/description", "rotated"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.description(), Some("rotated"));
    assert_aws_err!(
        c.update_client_certificate()
            .client_certificate_id(&id)
            .patch_operations(patch("replace", "/pemEncodedCertificate", "x"))
            .send()
            .await,
        "BadRequestException",
        starts_with("Invalid patch path")
    );
    let got = c
        .get_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.description(), Some("rotated"));
    assert_eq!(got.pem_encoded_certificate(), Some(pem));

    // A stage names only an existing certificate; a refusal changes nothing.
    let (api, root) = new_api(&c, "certs").await;
    Route::new(&c, &api, &root, "GET").mock().await;
    deploy(&c, &api, "dev").await;
    assert_aws_err!(
        c.update_stage()
            .rest_api_id(&api)
            .stage_name("dev")
            .patch_operations(patch("replace", "/clientCertificateId", "nope"))
            .send()
            .await,
        "NotFoundException",
        "Invalid Client Certificate identifier specified"
    );
    let stage = c
        .get_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert!(stage.client_certificate_id().is_none());
    let stage = c
        .update_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .patch_operations(patch("replace", "/clientCertificateId", &id))
        .send()
        .await
        .unwrap();
    assert_eq!(stage.client_certificate_id(), Some(id.as_str()));

    c.delete_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.get_client_certificate()
            .client_certificate_id(&id)
            .send()
            .await,
        "NotFoundException",
        "Invalid Client Certificate identifier specified"
    );
    assert_aws_err!(
        c.delete_client_certificate()
            .client_certificate_id(&id)
            .send()
            .await,
        "NotFoundException",
        "Invalid Client Certificate identifier specified"
    );
}

#[tokio::test]
async fn client_certificates_through_the_cli() {
    let s = Server::start();
    let made = s.aws(&[
        "apigateway",
        "generate-client-certificate",
        "--description",
        "one",
    ]);
    let id = made["clientCertificateId"].as_str().unwrap().to_string();
    assert!(made.get("tags").is_none());
    s.aws(&["apigateway", "generate-client-certificate"]);
    let page = s.aws(&[
        "apigateway",
        "get-client-certificates",
        "--no-paginate",
        "--limit",
        "1",
    ]);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["clientCertificateId"], id.as_str());
    assert!(page["position"].is_string());
    let all = s.aws(&["apigateway", "get-client-certificates"]);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let got = s.aws(&[
        "apigateway",
        "get-client-certificate",
        "--client-certificate-id",
        &id,
    ]);
    assert_eq!(got["tags"], serde_json::json!({}));
    assert_eq!(got["description"], "one");
    s.assert_aws_cli_err(
        &[
            "apigateway",
            "get-client-certificate",
            "--client-certificate-id",
            "nope",
        ],
        "NotFoundException",
        "Invalid Client Certificate identifier specified",
    );
    s.aws(&[
        "apigateway",
        "delete-client-certificate",
        "--client-certificate-id",
        &id,
    ]);
    let all = s.aws(&["apigateway", "get-client-certificates"]);
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

/// A stage that names a client certificate presents it to its HTTPS backends, as AWS does
/// ("API Gateway uses the certificate for all calls to HTTP integrations in your API"); a
/// backend that requires it refuses the stage that names none.
#[tokio::test]
async fn stages_present_their_client_certificate_to_https_backends() {
    let s = Server::start();
    let c = s.sdk();
    let cert = c.generate_client_certificate().send().await.unwrap();
    let pem = cert.pem_encoded_certificate().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("apig-cert.pem");
    std::fs::write(&ca, &pem).unwrap();
    let backend = crate::data_plane::tls_backend_args(&[
        "-Verify".as_ref(),
        "1".as_ref(),
        "-CAfile".as_ref(),
        ca.as_os_str(),
    ]);
    let (api, root) = new_api(&c, "mtls").await;
    let route = Route::new(&c, &api, &root, "GET");
    route.method().await;
    route
        .put_http_proxy(&backend.url)
        .tls_config(
            aws_sdk_apigateway::types::TlsConfig::builder()
                .insecure_skip_verification(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    deploy(&c, &api, "dev").await;
    let r = s.http_get(format!("{}/", stage_url(&s, &api, "dev"))).await;
    // No certificate, no handshake: an integration failure.
    assert_eq!(
        r.headers()["x-amzn-errortype"],
        "InternalServerErrorException"
    );

    c.update_stage()
        .rest_api_id(&api)
        .stage_name("dev")
        .patch_operations(patch(
            "replace",
            "/clientCertificateId",
            cert.client_certificate_id().unwrap(),
        ))
        .send()
        .await
        .unwrap();
    let r = s.http_get(format!("{}/", stage_url(&s, &api, "dev"))).await;
    assert_eq!(r.status(), 200);
    // `s_server -www` prints the client certificate it was shown.
    let page = r.text().await.unwrap();
    let body_line = pem.lines().nth(1).unwrap();
    assert!(page.contains(body_line), "{page}");
}
