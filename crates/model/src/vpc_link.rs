//! VPC links ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_VpcLink.html))
//! and client certificates
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_ClientCertificate.html)):
//! the two account-level resources integrations reach their backends through.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::StringMap;

/// The tag that maps a VPC link to a local backend: its value (`http://127.0.0.1:8080`) is
/// where apigw-local connects for integrations of `connectionType` `VPC_LINK` through the link,
/// in place of the network load balancer the link targets on AWS.
pub const LOCAL_TARGET_TAG: &str = "apigw-local:target";

/// A VPC link as stored and shown by GetVpcLink.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcLink {
    /// 6 lower-case alphanumerics; integrations name it as `connectionId`.
    pub id: String,
    /// The link's name (required, not empty).
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// ARNs of the network load balancers the link targets on AWS.
    #[serde(default)]
    pub target_arns: Vec<String>,
    /// `AVAILABLE`, `PENDING`, `DELETING` or `FAILED`.
    pub status: String,
    /// What the status means, in AWS's words.
    pub status_message: Option<String>,
    /// Tags; [`LOCAL_TARGET_TAG`] maps the link to a local backend.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub tags: Option<StringMap>,
}

impl VpcLink {
    /// The local backend this link stands for, from its [`LOCAL_TARGET_TAG`] tag.
    pub fn local_target(&self) -> Option<&str> {
        self.tags
            .as_ref()?
            .get(LOCAL_TARGET_TAG)
            .map(String::as_str)
            .filter(|t| !t.is_empty())
    }
}

/// A client certificate as stored. `private_key_pem` is stored but never answered (the
/// control plane clears it before replying): AWS shows only the certificate.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientCertificate {
    /// 6 lower-case alphanumerics; a stage names it as `clientCertificateId`.
    pub client_certificate_id: String,
    /// Optional description.
    pub description: Option<String>,
    /// The self-signed certificate, PEM-encoded.
    pub pem_encoded_certificate: String,
    /// The certificate's private key, PEM-encoded; stored, never answered.
    pub private_key_pem: Option<String>,
    /// Epoch seconds.
    pub created_date: i64,
    /// Epoch seconds: 365 days after `created_date`.
    pub expiration_date: i64,
    /// Tags.
    #[serde(default, skip_serializing_if = "crate::is_empty_map")]
    pub tags: Option<StringMap>,
}
