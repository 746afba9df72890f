//! Custom domain names and their base path mappings
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_DomainName.html),
//! [BasePathMapping](https://docs.aws.amazon.com/apigateway/latest/api/API_BasePathMapping.html)).

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::{EndpointConfiguration, StringMap};

/// A custom domain name as GetDomainName answers it. Certificates are kept as given and never
/// checked: no TLS is served for the name locally.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainName {
    /// The name as created (lower-cased: DNS names are case-insensitive).
    pub domain_name: String,
    /// A private name's id (10 lower-case alphanumerics); absent for public names.
    pub domain_name_id: Option<String>,
    /// `arn:aws:apigateway:{region}::/domainnames/{name}`, or for a private name
    /// `arn:aws:apigateway:{region}:{account}:/domainnames/{name}+{id}`.
    pub domain_name_arn: Option<String>,
    /// An edge-optimized name's certificate name.
    pub certificate_name: Option<String>,
    /// An edge-optimized name's ACM certificate.
    pub certificate_arn: Option<String>,
    /// When a certificate was given (epoch seconds).
    pub certificate_upload_date: Option<i64>,
    /// A regional name's target host (`d-{10}.execute-api.{region}.amazonaws.com`).
    pub regional_domain_name: Option<String>,
    /// The Route 53 zone of `regionalDomainName`.
    pub regional_hosted_zone_id: Option<String>,
    /// A regional name's certificate name.
    pub regional_certificate_name: Option<String>,
    /// A regional name's ACM certificate.
    pub regional_certificate_arn: Option<String>,
    /// An edge-optimized name's CloudFront host (`d{13}.cloudfront.net`).
    pub distribution_domain_name: Option<String>,
    /// CloudFront's Route 53 zone.
    pub distribution_hosted_zone_id: Option<String>,
    /// `EDGE` (default), `REGIONAL` or `PRIVATE`.
    pub endpoint_configuration: EndpointConfiguration,
    /// Always `AVAILABLE` here: nothing is provisioned.
    pub domain_name_status: String,
    /// TLS policy; only echoed.
    pub security_policy: Option<String>,
    /// Endpoint access mode; only echoed.
    pub endpoint_access_mode: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub tags: Option<StringMap>,
    /// Mutual TLS trust store; only echoed.
    pub mutual_tls_authentication: Option<MutualTlsAuthentication>,
    /// Ownership verification certificate; only echoed.
    pub ownership_verification_certificate_arn: Option<String>,
    /// A private name's policy; only echoed.
    pub policy: Option<String>,
    /// `BASE_PATH_MAPPING_ONLY` (default); routing rules are not served.
    pub routing_mode: Option<String>,
}

/// A domain name's mutual TLS settings.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MutualTlsAuthentication {
    /// `s3://bucket/key` of the trust store.
    pub truststore_uri: Option<String>,
    /// Its object version.
    pub truststore_version: Option<String>,
}

/// A base path mapping: `{domain}/{basePath}` serves `restApiId`'s `stage`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BasePathMapping {
    /// `(none)` for the empty base path, else one or more path segments (`orders/v1`).
    pub base_path: String,
    /// The mapped API.
    pub rest_api_id: String,
    /// The mapped stage; absent when callers name the stage after the base path.
    pub stage: Option<String>,
}

/// The base path AWS shows (and addresses in URIs) for the empty one.
pub const NO_BASE_PATH: &str = "(none)";

/// A domain name access association: a VPC endpoint allowed to call a private domain name.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainNameAccessAssociation {
    /// `arn:aws:apigateway:{region}:{account}:/domainnameaccessassociations/domainname/{name}+{id}/vpcesource/{vpce}`.
    pub domain_name_access_association_arn: String,
    /// The private domain name's ARN.
    pub domain_name_arn: String,
    /// `VPCE`.
    pub access_association_source_type: String,
    /// The VPC endpoint id.
    pub access_association_source: String,
    /// Tags.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub tags: Option<StringMap>,
}
