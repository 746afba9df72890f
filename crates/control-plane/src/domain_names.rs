//! Custom domain names and base path mappings: CreateDomainName, GetDomainName,
//! GetDomainNames, UpdateDomainName, DeleteDomainName, CreateBasePathMapping,
//! GetBasePathMapping, GetBasePathMappings, UpdateBasePathMapping, DeleteBasePathMapping
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_DomainName.html)).
//!
//! One document per domain name (parent empty, id the lower-cased name) and one per mapping
//! (parent the domain name, id the base path, `(none)` for the empty one). Mappings are live,
//! not part of a deployment: after each change the data plane reloads every mapping
//! ([`AppState::commit_domains_change`]) and routes a request whose `Host` is the domain name
//! through them.
//!
//! AWS's wording followed here, from error output users quote:
//! - 404 "Invalid domain name identifier specified" (serverless-with-next5-boilerplate#3,
//!   terraform-provider-aws#41659);
//! - 404 "Invalid base path mapping identifier specified" (serverless-domain-manager#613);
//! - 409 "Base path already exists for this domain name" (serverless-domain-manager#194,
//!   aws-cdk#5794);
//! - 409 "Only one base path mapping is allowed if the base path is empty."
//!   (serverless-domain-manager#179).
//!
//! Certificates are kept as given and not checked, since no TLS is served for the name.

use axum::extract::{Path, Query};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use apigw_model::{
    ids, ApiError, BasePathMapping, DomainName, DomainNameAccessAssociation, EndpointConfiguration,
    MutualTlsAuthentication, RestApi, Scope, Stage, StringMap, NO_BASE_PATH,
};
use apigw_store::{typed, SqliteConnection};

use crate::error::{Error, Result};
use crate::extract::{AwsJson, Call};
use crate::family::{self, Family};
use crate::paging::{paginate, PageQuery};
use crate::patch::{self, Op, PatchInput, PatchOp};
use crate::validate::Failures;
use crate::{now_epoch, reply, tags, AppState};

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/domainnames",
            get(get_domain_names).post(create_domain_name),
        )
        .route(
            "/domainnames/{domain_name}",
            get(get_domain_name)
                .patch(update_domain_name)
                .delete(delete_domain_name),
        )
        .route(
            "/domainnames/{domain_name}/basepathmappings",
            get(get_base_path_mappings).post(create_base_path_mapping),
        )
        .route(
            "/domainnames/{domain_name}/basepathmappings/{base_path}",
            get(get_base_path_mapping)
                .patch(update_base_path_mapping)
                .delete(delete_base_path_mapping),
        )
}

impl Family for DomainName {
    fn not_found(_: &str) -> Error {
        ApiError::not_found("Invalid domain name identifier specified").into()
    }
}

impl Family for BasePathMapping {
    fn not_found(_: &str) -> Error {
        ApiError::not_found("Invalid base path mapping identifier specified").into()
    }
}

const ENDPOINT_TYPES: &[&str] = &["REGIONAL", "EDGE", "PRIVATE"];
const SECURITY_POLICIES: &[&str] = &["TLS_1_0", "TLS_1_2"];
const ROUTING_MODES: &[&str] = &[
    "BASE_PATH_MAPPING_ONLY",
    "ROUTING_RULE_ONLY",
    "ROUTING_RULE_THEN_BASE_PATH_MAPPING",
];

/// CloudFront's hosted zone, the same in every region (botocore's model,
/// `DomainName.distributionHostedZoneId`).
const CLOUDFRONT_ZONE: &str = "Z2FDTNDATAQYW2";

/// The Route 53 zone of API Gateway's regional endpoints, for the regions whose zone id AWS
/// publishes in "API Gateway endpoints and quotas"; other regions leave the member out rather
/// than show a made-up zone.
fn regional_zone(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-east-1" => "Z1UJRXOUMOOFQ8",
        "us-east-2" => "ZOJJZC49E0EPZ",
        "us-west-1" => "Z2MJXR2PBEMWSV",
        "us-west-2" => "Z2OJLYMUO9EFXC",
        "eu-west-1" => "ZLY8HYME6SFDD",
        "eu-central-1" => "Z1U9ULNL0V5AJ3",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Domain names
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateDomainNameInput {
    domain_name: Option<String>,
    certificate_name: Option<String>,
    certificate_body: Option<String>,
    certificate_arn: Option<String>,
    regional_certificate_name: Option<String>,
    regional_certificate_arn: Option<String>,
    endpoint_configuration: Option<EndpointConfiguration>,
    tags: Option<StringMap>,
    security_policy: Option<String>,
    endpoint_access_mode: Option<String>,
    mutual_tls_authentication: Option<MutualTlsAuthentication>,
    ownership_verification_certificate_arn: Option<String>,
    policy: Option<String>,
    routing_mode: Option<String>,
}

/// Whether `name` is a DNS name API Gateway could serve: dot-separated labels of letters,
/// digits and hyphens (a leading `*.` for a wildcard name), at most 253 characters.
fn is_domain_name(name: &str) -> bool {
    let bare = name.strip_prefix("*.").unwrap_or(name);
    // A top-level label has a letter: an IP address is not a domain name (and routing
    // `127.0.0.1` to a stage would hide the control plane).
    let tld_ok = bare
        .rsplit('.')
        .next()
        .is_some_and(|l| l.bytes().any(|b| b.is_ascii_alphabetic()));
    name.len() <= 253
        && tld_ok
        && bare.contains('.')
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// The endpoint type of a new or updated name: one of AWS's three, EDGE when absent.
fn endpoint_type(cfg: Option<&EndpointConfiguration>, at: &str) -> Result<String> {
    let types = cfg.and_then(|c| c.types.clone()).unwrap_or_default();
    let mut failures = Failures::default();
    if types.iter().any(|t| !ENDPOINT_TYPES.contains(&t.as_str())) {
        failures.push(
            &format!("[{}]", types.join(", ")),
            &format!("{at}.endpointConfiguration.types"),
            format!(
                "Member must satisfy constraint: [{}]",
                ApiError::enum_constraint(ENDPOINT_TYPES)
            ),
        );
    }
    failures.finish()?;
    match types.as_slice() {
        [] => Ok("EDGE".into()),
        [one] => Ok(one.clone()),
        // AWS's wording for several types is not recorded.
        _ => Err(ApiError::bad_request("A domain name can have only one endpoint type.").into()),
    }
}

/// Fill the target host names of `d` for its endpoint type, as AWS shows them: an EDGE name
/// gets a CloudFront distribution, a REGIONAL one a regional host; the other side's members
/// are cleared (a type change through UpdateDomainName moves the name).
fn set_targets(d: &mut DomainName, kind: &str, region: &str) {
    d.distribution_domain_name = None;
    d.distribution_hosted_zone_id = None;
    d.regional_domain_name = None;
    d.regional_hosted_zone_id = None;
    match kind {
        "EDGE" => {
            d.distribution_domain_name = Some(format!("d{}.cloudfront.net", ids::short_id()));
            d.distribution_hosted_zone_id = Some(CLOUDFRONT_ZONE.into());
        }
        "REGIONAL" => {
            d.regional_domain_name = Some(format!(
                "d-{}.execute-api.{region}.amazonaws.com",
                ids::long_id()
            ));
            d.regional_hosted_zone_id = regional_zone(region).map(str::to_string);
        }
        _ => {}
    }
}

async fn create_domain_name(
    Call { st, scope }: Call,
    AwsJson(input): AwsJson<CreateDomainNameInput>,
) -> Result<Response> {
    let name = input
        .domain_name
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut failures = Failures::default();
    failures.check_enum(
        input.security_policy.as_deref(),
        "createDomainNameInput.securityPolicy",
        SECURITY_POLICIES,
    );
    failures.check_enum(
        input.routing_mode.as_deref(),
        "createDomainNameInput.routingMode",
        ROUTING_MODES,
    );
    failures.finish()?;
    if !is_domain_name(&name) {
        // AWS's wording for a malformed name is not recorded.
        return Err(ApiError::bad_request(format!(
            "Invalid domain name specified: {}",
            input.domain_name.as_deref().unwrap_or_default()
        ))
        .into());
    }
    let kind = endpoint_type(
        input.endpoint_configuration.as_ref(),
        "createDomainNameInput",
    )?;
    if let Some(t) = &input.tags {
        tags::validate(t)?;
    }
    let mut endpoint = input.endpoint_configuration.unwrap_or_default();
    endpoint.types = Some(vec![kind.clone()]);
    endpoint
        .ip_address_type
        .get_or_insert_with(|| "ipv4".into());
    // A certificate given by body (an imported one) counts as uploaded too.
    let has_certificate = input.certificate_arn.is_some()
        || input.certificate_body.is_some()
        || input.regional_certificate_arn.is_some();
    // A private name has an id, and its ARN names the account and the id (botocore's model:
    // `domainNameId` "supported only for private custom domain names").
    let domain_name_id = (kind == "PRIVATE").then(ids::long_id);
    let domain_name_arn = match &domain_name_id {
        Some(id) => format!(
            "arn:aws:apigateway:{}:{}:/domainnames/{name}+{id}",
            scope.region, scope.account
        ),
        None => format!("arn:aws:apigateway:{}::/domainnames/{name}", scope.region),
    };
    let mut d = DomainName {
        domain_name_arn: Some(domain_name_arn),
        domain_name_id,
        domain_name: name.clone(),
        certificate_name: input.certificate_name,
        certificate_arn: input.certificate_arn,
        certificate_upload_date: has_certificate.then(now_epoch),
        regional_certificate_name: input.regional_certificate_name,
        regional_certificate_arn: input.regional_certificate_arn,
        endpoint_configuration: endpoint,
        domain_name_status: "AVAILABLE".into(),
        security_policy: input.security_policy,
        endpoint_access_mode: input.endpoint_access_mode,
        tags: input.tags.filter(|t| !t.is_empty()),
        mutual_tls_authentication: input.mutual_tls_authentication,
        ownership_verification_certificate_arn: input.ownership_verification_certificate_arn,
        policy: input.policy,
        routing_mode: Some(
            input
                .routing_mode
                .unwrap_or_else(|| "BASE_PATH_MAPPING_ONLY".into()),
        ),
        ..DomainName::default()
    };
    set_targets(&mut d, &kind, &scope.region);
    let mut tx = st.store.write().await?;
    // AWS's wording for a name that exists is not recorded.
    family::insert_new(
        &mut tx,
        &scope,
        "",
        &name,
        &d,
        "The domain name you provided already exists.",
    )
    .await?;
    tx.commit().await?;
    reply::created(&d)
}

async fn get_domain_name(Call { st, scope }: Call, Path(name): Path<String>) -> Result<Response> {
    let mut c = st.store.read().await?;
    let d: DomainName = family::load(&mut c, &scope, "", &name.to_ascii_lowercase()).await?;
    reply::ok(&d)
}

async fn get_domain_names(
    Call { st, scope }: Call,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    let all: Vec<DomainName> = typed::list(&mut c, &scope, "").await?;
    reply::ok(&paginate(all, &q)?)
}

/// The patch paths UpdateDomainName takes.
const DOMAIN_PATHS: &[&str] = &[
    "/certificateName",
    "/certificateArn",
    "/regionalCertificateName",
    "/regionalCertificateArn",
    "/endpointConfiguration/types/0",
    "/securityPolicy",
    "/mutualTlsAuthentication/truststoreUri",
    "/mutualTlsAuthentication/truststoreVersion",
];

fn patch_domain(d: &DomainName, ops: &[PatchOp], region: &str) -> Result<DomainName> {
    let mut d = d.clone();
    patch::each(ops, |op, _| {
        if op.op != Op::Replace {
            return Err(op.unsupported_op());
        }
        match op.path.as_str() {
            "/certificateName" => d.certificate_name = op.value_or_clear(),
            "/certificateArn" => {
                d.certificate_arn = op.value_or_clear();
                d.certificate_upload_date = Some(now_epoch());
            }
            "/regionalCertificateName" => d.regional_certificate_name = op.value_or_clear(),
            "/regionalCertificateArn" => {
                d.regional_certificate_arn = op.value_or_clear();
                d.certificate_upload_date = Some(now_epoch());
            }
            "/securityPolicy" => {
                let v = op.value()?;
                let mut failures = Failures::default();
                failures.check_enum(
                    Some(v),
                    "updateDomainNameInput.securityPolicy",
                    SECURITY_POLICIES,
                );
                failures.finish()?;
                d.security_policy = Some(v.to_string());
            }
            "/endpointConfiguration/types/0" => {
                let cfg = EndpointConfiguration {
                    types: Some(vec![op.value()?.to_string()]),
                    ..EndpointConfiguration::default()
                };
                let kind = endpoint_type(Some(&cfg), "updateDomainNameInput")?;
                let current = d
                    .endpoint_configuration
                    .types
                    .as_ref()
                    .and_then(|t| t.first());
                if current != Some(&kind) {
                    set_targets(&mut d, &kind, region);
                    d.endpoint_configuration.types = Some(vec![kind]);
                }
            }
            "/mutualTlsAuthentication/truststoreUri" => {
                d.mutual_tls_authentication
                    .get_or_insert_with(Default::default)
                    .truststore_uri = op.value_or_clear();
            }
            "/mutualTlsAuthentication/truststoreVersion" => {
                d.mutual_tls_authentication
                    .get_or_insert_with(Default::default)
                    .truststore_version = op.value_or_clear();
            }
            _ => return Err(op.invalid_path(DOMAIN_PATHS)),
        }
        Ok(())
    })?;
    Ok(d)
}

async fn update_domain_name(
    Call { st, scope }: Call,
    Path(name): Path<String>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateDomainNameInput")?;
    let name = name.to_ascii_lowercase();
    let mut tx = st.store.write().await?;
    let current: DomainName = family::load(&mut tx, &scope, "", &name).await?;
    let new = patch_domain(&current, &ops, &scope.region)?;
    typed::update(&mut tx, &scope, "", &name, &new).await?;
    tx.commit().await?;
    reply::ok(&new)
}

async fn delete_domain_name(
    Call { st, scope }: Call,
    Path(name): Path<String>,
) -> Result<Response> {
    let name = name.to_ascii_lowercase();
    let mut tx = st.store.write().await?;
    let d: DomainName = family::load(&mut tx, &scope, "", &name).await?;
    typed::delete::<DomainName>(&mut tx, &scope, "", &name).await?;
    // Its mappings and access associations go with it.
    typed::delete_children::<BasePathMapping>(&mut tx, &scope, &name).await?;
    let associations: Vec<DomainNameAccessAssociation> = typed::list(&mut tx, &scope, "").await?;
    for a in associations
        .iter()
        .filter(|a| Some(&a.domain_name_arn) == d.domain_name_arn.as_ref())
    {
        typed::delete::<DomainNameAccessAssociation>(
            &mut tx,
            &scope,
            "",
            &a.domain_name_access_association_arn,
        )
        .await?;
    }
    st.commit_domains_change(tx).await?;
    reply::accepted()
}

// ---------------------------------------------------------------------------------------------
// Base path mappings
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateMappingInput {
    base_path: Option<String>,
    rest_api_id: Option<String>,
    stage: Option<String>,
}

/// The stored form of a base path: `(none)` for none, else the path without its outer
/// slashes (`orders/v1`).
fn normalise_base_path(given: Option<&str>) -> Result<String> {
    let trimmed = given.unwrap_or_default().trim_matches('/');
    if trimmed.is_empty() || trimmed == NO_BASE_PATH {
        return Ok(NO_BASE_PATH.into());
    }
    // The characters AWS documents for base paths (unreserved URL characters), segment by
    // segment; its wording for a refused one is not recorded.
    let ok = trimmed.split('/').all(|seg| {
        !seg.is_empty()
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"$-_.+!*'()".contains(&b))
    });
    if !ok {
        return Err(
            ApiError::bad_request(format!("Invalid base path specified: {trimmed}")).into(),
        );
    }
    Ok(trimmed.to_string())
}

/// The mapped API must exist (400, as the other operations that name an API in their body),
/// and a named stage in it (`(none)` or absent lets callers name it in the URL).
async fn check_target(
    c: &mut SqliteConnection,
    scope: &Scope,
    api_id: &str,
    stage: Option<&str>,
) -> Result<Option<String>> {
    if api_id.is_empty() || !typed::exists::<RestApi>(c, scope, "", api_id).await? {
        return Err(ApiError::bad_request("Invalid REST API identifier specified").into());
    }
    let Some(stage) = stage.filter(|s| !s.is_empty() && *s != NO_BASE_PATH) else {
        return Ok(None);
    };
    if !typed::exists::<Stage>(c, scope, api_id, stage).await? {
        return Err(ApiError::bad_request("Invalid stage identifier specified").into());
    }
    Ok(Some(stage.to_string()))
}

/// A new mapping's base path against the domain's others: each base path once, and the empty
/// one only alone.
fn check_unique(existing: &[BasePathMapping], base_path: &str) -> Result<()> {
    if existing.iter().any(|m| m.base_path == base_path) {
        return Err(ApiError::conflict("Base path already exists for this domain name").into());
    }
    let empty_involved =
        base_path == NO_BASE_PATH || existing.iter().any(|m| m.base_path == NO_BASE_PATH);
    if empty_involved && !existing.is_empty() {
        return Err(ApiError::conflict(
            "Only one base path mapping is allowed if the base path is empty.",
        )
        .into());
    }
    Ok(())
}

async fn create_base_path_mapping(
    Call { st, scope }: Call,
    Path(domain): Path<String>,
    AwsJson(input): AwsJson<CreateMappingInput>,
) -> Result<Response> {
    let domain = domain.to_ascii_lowercase();
    let base_path = normalise_base_path(input.base_path.as_deref())?;
    let mut tx = st.store.write().await?;
    family::load::<DomainName>(&mut tx, &scope, "", &domain).await?;
    let api_id = input.rest_api_id.unwrap_or_default();
    let stage = check_target(&mut tx, &scope, &api_id, input.stage.as_deref()).await?;
    let existing: Vec<BasePathMapping> = typed::list(&mut tx, &scope, &domain).await?;
    check_unique(&existing, &base_path)?;
    let mapping = BasePathMapping {
        base_path: base_path.clone(),
        rest_api_id: api_id,
        stage,
    };
    typed::insert(&mut tx, &scope, &domain, &base_path, &mapping).await?;
    st.commit_domains_change(tx).await?;
    reply::created(&mapping)
}

/// A mapping by the base path the URI names (`(none)`, or percent-encoded `a%2Fb`).
async fn load_mapping(
    c: &mut SqliteConnection,
    scope: &Scope,
    domain: &str,
    base_path: &str,
) -> Result<BasePathMapping> {
    family::load::<DomainName>(c, scope, "", domain).await?;
    let id = normalise_base_path(Some(base_path)).map_err(|_| BasePathMapping::not_found(""))?;
    family::load(c, scope, domain, &id).await
}

async fn get_base_path_mapping(
    Call { st, scope }: Call,
    Path((domain, base_path)): Path<(String, String)>,
) -> Result<Response> {
    let mut c = st.store.read().await?;
    let m = load_mapping(&mut c, &scope, &domain.to_ascii_lowercase(), &base_path).await?;
    reply::ok(&m)
}

async fn get_base_path_mappings(
    Call { st, scope }: Call,
    Path(domain): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let domain = domain.to_ascii_lowercase();
    let mut c = st.store.read().await?;
    family::load::<DomainName>(&mut c, &scope, "", &domain).await?;
    let all: Vec<BasePathMapping> = typed::list(&mut c, &scope, &domain).await?;
    reply::ok(&paginate(all, &q)?)
}

/// The patch paths UpdateBasePathMapping takes (AWS spells the API's `/restapiId`).
const MAPPING_PATHS: &[&str] = &["/basePath", "/restapiId", "/stage"];

async fn update_base_path_mapping(
    Call { st, scope }: Call,
    Path((domain, base_path)): Path<(String, String)>,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateBasePathMappingInput")?;
    let domain = domain.to_ascii_lowercase();
    let mut tx = st.store.write().await?;
    let current = load_mapping(&mut tx, &scope, &domain, &base_path).await?;
    let mut new = current.clone();
    patch::each(&ops, |op, _| {
        if op.op != Op::Replace {
            return Err(op.unsupported_op());
        }
        match op.path.as_str() {
            "/basePath" => new.base_path = normalise_base_path(op.value.as_deref())?,
            "/restapiId" | "/restApiId" => new.rest_api_id = op.value()?.to_string(),
            "/stage" => new.stage = op.value_or_clear(),
            _ => return Err(op.invalid_path(MAPPING_PATHS)),
        }
        Ok(())
    })?;
    new.stage = check_target(&mut tx, &scope, &new.rest_api_id, new.stage.as_deref()).await?;
    if new.base_path != current.base_path {
        let others: Vec<BasePathMapping> = typed::list::<BasePathMapping>(&mut tx, &scope, &domain)
            .await?
            .into_iter()
            .filter(|m| m.base_path != current.base_path)
            .collect();
        check_unique(&others, &new.base_path)?;
        typed::delete::<BasePathMapping>(&mut tx, &scope, &domain, &current.base_path).await?;
        typed::insert(&mut tx, &scope, &domain, &new.base_path, &new).await?;
    } else {
        typed::update(&mut tx, &scope, &domain, &new.base_path, &new).await?;
    }
    st.commit_domains_change(tx).await?;
    reply::ok(&new)
}

async fn delete_base_path_mapping(
    Call { st, scope }: Call,
    Path((domain, base_path)): Path<(String, String)>,
) -> Result<Response> {
    let domain = domain.to_ascii_lowercase();
    let mut tx = st.store.write().await?;
    let m = load_mapping(&mut tx, &scope, &domain, &base_path).await?;
    typed::delete::<BasePathMapping>(&mut tx, &scope, &domain, &m.base_path).await?;
    st.commit_domains_change(tx).await?;
    reply::accepted()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names_as_dns_allows() {
        assert!(is_domain_name("api.example.com"));
        assert!(is_domain_name("*.example.com"));
        assert!(!is_domain_name("localhost"));
        assert!(!is_domain_name("a..b"));
        assert!(!is_domain_name("-a.example.com"));
        assert!(!is_domain_name("a_b.example.com"));
        assert!(!is_domain_name("127.0.0.1"));
    }

    #[test]
    fn base_paths() {
        assert_eq!(normalise_base_path(None).unwrap(), "(none)");
        assert_eq!(normalise_base_path(Some("")).unwrap(), "(none)");
        assert_eq!(normalise_base_path(Some("(none)")).unwrap(), "(none)");
        assert_eq!(normalise_base_path(Some("/v1/")).unwrap(), "v1");
        assert_eq!(normalise_base_path(Some("orders/v1")).unwrap(), "orders/v1");
        assert!(normalise_base_path(Some("a b")).is_err());
        assert!(normalise_base_path(Some("a//b")).is_err());
    }

    #[test]
    fn the_empty_base_path_stands_alone() {
        let m = |p: &str| BasePathMapping {
            base_path: p.into(),
            ..BasePathMapping::default()
        };
        assert!(check_unique(&[], "(none)").is_ok());
        assert!(check_unique(&[m("a")], "b").is_ok());
        assert!(check_unique(&[m("a")], "a").is_err());
        assert!(check_unique(&[m("a")], "(none)").is_err());
        assert!(check_unique(&[m("(none)")], "a").is_err());
    }
}
