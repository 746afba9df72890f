//! `AWS` integrations with services other than Lambda (SQS, DynamoDB, S3, Step Functions,
//! Kinesis, EventBridge…): reshaped as HTTP integrations are, then sent, signed with
//! Signature Version 4 for the service and region the URI names, to the endpoint
//! `--aws-endpoint` gives for that service (LocalStack, moto's server, a service's own local
//! emulator). Those route a request by its credential scope, as AWS does by host.
//!
//! The URI is `arn:aws:apigateway:{region}:{subdomain.}{service}:path/{path}` (the request goes
//! to `{endpoint}/{path}`, path parameters filled) or `…:action/{Action}` (to `{endpoint}/`
//! with `Action={Action}` before the mapped query string, or, for a JSON-protocol service
//! such as DynamoDB, with its `X-Amz-Target`), as in AWS's reference for `Integration.uri`. The credentials are the account's: the emulator holds no keys, and the
//! local services take any.

use axum::body::Body;
use axum::http::{HeaderValue, Response};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use apigw_model::Integration;

use crate::error::GatewayError;
use crate::pipeline::integrations::backends::Backends;
use crate::pipeline::integrations::http::{self, Prepared};
use crate::pipeline::invocation::Invocation;
use crate::request::RequestInfo;

/// What an AWS service integration's URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUri {
    /// The service's region.
    pub region: String,
    /// The service's signing name (`sqs`, `dynamodb`, `s3`, `states`…).
    pub service: String,
    /// A subdomain before the service (an S3 bucket), if any.
    pub subdomain: Option<String>,
    /// The path or the action.
    pub target: Target,
}

/// Where in the service the request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `path/{path}`: the path after the endpoint, parameters still in braces.
    Path(String),
    /// `action/{Action}`: the query protocol's action.
    Action(String),
}

impl ServiceUri {
    /// Parse an `arn:aws:apigateway:…` URI; `None` for anything else (Lambda's included is
    /// parsed, but the data plane sends Lambda URIs to its Lambda paths first).
    pub fn parse(uri: &str) -> Option<Self> {
        let rest = uri.strip_prefix("arn:")?;
        let mut parts = rest.splitn(5, ':');
        let (_partition, apigateway) = (parts.next()?, parts.next()?);
        let (region, service, target) = (parts.next()?, parts.next()?, parts.next()?);
        if apigateway != "apigateway" || region.is_empty() || service.is_empty() {
            return None;
        }
        let (subdomain, service) = match service.rsplit_once('.') {
            Some((sub, svc)) => (Some(sub.to_string()), svc),
            None => (None, service),
        };
        let target = if let Some(p) = target.strip_prefix("path/") {
            Target::Path(p.to_string())
        } else {
            Target::Action(target.strip_prefix("action/")?.to_string())
        };
        Some(Self {
            region: region.to_string(),
            service: service.to_string(),
            subdomain,
            target,
        })
    }
}

/// The JSON-protocol services an `action/` URI is sent to as their SDKs send it: `POST /` with
/// `X-Amz-Target: {prefix}.{Action}` and `Content-Type: application/x-amz-json-{version}`
/// (prefixes and versions from botocore's service models). Other services take the query
/// protocol's `?Action=`.
fn json_protocol(service: &str) -> Option<(&'static str, &'static str)> {
    Some(match service {
        "dynamodb" => ("DynamoDB_20120810", "1.0"),
        "states" => ("AWSStepFunctions", "1.0"),
        "kinesis" => ("Kinesis_20131202", "1.1"),
        "events" => ("AWSEvents", "1.1"),
        "firehose" => ("Firehose_20150804", "1.1"),
        "logs" => ("Logs_20140328", "1.1"),
        "ssm" => ("AmazonSSM", "1.1"),
        "secretsmanager" => ("secretsmanager", "1.1"),
        "kms" => ("TrentService", "1.1"),
        _ => return None,
    })
}

/// Where each AWS service's requests go: `(service, endpoint)` pairs, a `None` service for
/// every service no pair names.
#[derive(Debug, Clone, Default)]
pub struct AwsEndpoints(pub Vec<(Option<String>, String)>);

impl AwsEndpoints {
    /// The endpoint for `service`, without a trailing slash.
    pub fn of(&self, service: &str) -> Option<&str> {
        let named = self.0.iter().find(|(s, _)| s.as_deref() == Some(service));
        named
            .or_else(|| self.0.iter().find(|(s, _)| s.is_none()))
            .map(|(_, url)| url.trim_end_matches('/'))
    }
}

/// Call the service an `AWS` integration names.
pub async fn invoke(
    backends: &Backends,
    inv: &Invocation<'_>,
    integration: &Integration,
    req: &RequestInfo,
) -> Result<Response<Body>, GatewayError> {
    let uri = super::stage_variables(
        integration.uri.as_deref().unwrap_or_default(),
        inv.stage.stage.variables.as_ref(),
    );
    let target = ServiceUri::parse(&uri)
        .ok_or_else(|| GatewayError::config(&format!("not an AWS service URI: {uri}")))?;
    let Some(endpoint) = backends.aws.of(&target.service) else {
        return Err(GatewayError::config(&format!(
            "no --aws-endpoint serves {} integrations",
            target.service
        )));
    };
    let Prepared { mapped, ctx, body } = http::prepare(inv, integration, req)?;
    // An S3 bucket named as a subdomain goes in the path: local endpoints take path style.
    let bucket = match (&target.subdomain, target.service.as_str()) {
        (Some(b), "s3") => format!("/{b}"),
        _ => String::new(),
    };
    let json = match &target.target {
        Target::Action(action) => json_protocol(&target.service).map(|(p, v)| (p, v, action)),
        Target::Path(_) => None,
    };
    let url = match (&target.target, json) {
        (Target::Path(path), _) => http::build_url(&format!("{endpoint}{bucket}/{path}"), &mapped),
        (Target::Action(_), Some(_)) => http::build_url(&format!("{endpoint}/"), &mapped),
        (Target::Action(action), None) => {
            let mut url = format!("{endpoint}/?Action={action}");
            if !mapped.querystring.is_empty() {
                url.push('&');
                url.push_str(&mapped.query_string());
            }
            url
        }
    };
    let parsed = reqwest::Url::parse(&url)
        .map_err(|e| GatewayError::config(&format!("bad service URL {url}: {e}")))?;
    let mut headers = http::headers_of(req, &mapped);
    if let Some((prefix, version, action)) = json {
        let mapped_type = mapped
            .header
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if !mapped_type {
            let t = format!("application/x-amz-json-{version}");
            if let Ok(v) = HeaderValue::try_from(t) {
                headers.insert(axum::http::header::CONTENT_TYPE, v);
            }
        }
        if let Ok(v) = HeaderValue::try_from(format!("{prefix}.{action}")) {
            headers.insert("x-amz-target", v);
        }
    }
    let credentials = Credentials {
        access_key: &inv.scope.account,
        secret_key: "apigw-local",
    };
    let scope = SigningScope {
        region: &target.region,
        service: &target.service,
    };
    let method = http::method_of(integration, req)?;
    let host = match (parsed.host_str(), parsed.port()) {
        (Some(h), Some(port)) => format!("{h}:{port}"),
        (Some(h), None) => h.to_string(),
        (None, _) => return Err(GatewayError::config(&format!("no host in {url}"))),
    };
    for (name, value) in sign(
        &credentials,
        &scope,
        method.as_str(),
        &host,
        &parsed,
        body.as_bytes(),
        Utc::now(),
    ) {
        if let Ok(v) = HeaderValue::try_from(value) {
            headers.insert(name, v);
        }
    }
    let request = backends
        .client_for(integration)
        .request(method, parsed)
        .headers(headers)
        .body(body);
    let templates = &inv.stage.deployment.templates;
    http::exchange(integration, templates, req, ctx, request, &url).await
}

/// An access key and its secret.
pub struct Credentials<'a> {
    /// The access key id.
    pub access_key: &'a str,
    /// The secret access key.
    pub secret_key: &'a str,
}

/// The region and service a request is signed for.
pub struct SigningScope<'a> {
    /// The region.
    pub region: &'a str,
    /// The service's signing name.
    pub service: &'a str,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], text: &str) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 encoding as SigV4 wants it: unreserved characters as they are, the rest `%XX`.
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The headers that sign a request with Signature Version 4: `x-amz-date`,
/// `x-amz-content-sha256` and `authorization`, over the host, the date and the body's hash.
/// The canonical URI is the path encoded once more (every service but S3, which takes it as
/// sent), the query sorted.
pub fn sign(
    credentials: &Credentials<'_>,
    scope: &SigningScope<'_>,
    method: &str,
    host: &str,
    url: &reqwest::Url,
    body: &[u8],
    now: DateTime<Utc>,
) -> Vec<(&'static str, String)> {
    let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
    let day = &amz_date[..8];
    let body_hash = hex(&Sha256::digest(body));
    let path = if scope.service == "s3" {
        url.path().to_string()
    } else {
        encode(url.path(), true)
    };
    let mut query: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (encode(&k, false), encode(&v, false)))
        .collect();
    query.sort();
    let query: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let canonical = format!(
        "{method}\n{path}\n{}\nhost:{host}\nx-amz-content-sha256:{body_hash}\nx-amz-date:{amz_date}\n\nhost;x-amz-content-sha256;x-amz-date\n{body_hash}",
        query.join("&"),
    );
    let credential_scope = format!("{day}/{}/{}/aws4_request", scope.region, scope.service);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{credential_scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let key = [scope.region, scope.service, "aws4_request"].iter().fold(
        hmac(format!("AWS4{}", credentials.secret_key).as_bytes(), day),
        |k, part| hmac(&k, part),
    );
    let signature = hex(&hmac(&key, &to_sign));
    vec![
        ("x-amz-date", amz_date.clone()),
        ("x-amz-content-sha256", body_hash),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{credential_scope}, \
                 SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}",
                credentials.access_key
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_region_service_and_target() {
        assert_eq!(
            ServiceUri::parse("arn:aws:apigateway:us-east-1:sqs:path/000000000000/jobs"),
            Some(ServiceUri {
                region: "us-east-1".into(),
                service: "sqs".into(),
                subdomain: None,
                target: Target::Path("000000000000/jobs".into()),
            })
        );
        assert_eq!(
            ServiceUri::parse("arn:aws:apigateway:eu-west-1:dynamodb:action/PutItem"),
            Some(ServiceUri {
                region: "eu-west-1".into(),
                service: "dynamodb".into(),
                subdomain: None,
                target: Target::Action("PutItem".into()),
            })
        );
        let s3 = ServiceUri::parse("arn:aws:apigateway:us-east-1:my-bucket.s3:path/{key}").unwrap();
        assert_eq!(
            (s3.service.as_str(), s3.subdomain.as_deref()),
            ("s3", Some("my-bucket"))
        );
        assert_eq!(ServiceUri::parse("http://example.com/x"), None);
        assert_eq!(
            ServiceUri::parse("arn:aws:apigateway:us-east-1:sqs:nope/x"),
            None
        );
    }

    #[test]
    fn endpoints_by_service_then_the_default() {
        let e = AwsEndpoints(vec![
            (Some("sqs".into()), "http://127.0.0.1:9324/".into()),
            (None, "http://127.0.0.1:5000".into()),
        ]);
        assert_eq!(e.of("sqs"), Some("http://127.0.0.1:9324"));
        assert_eq!(e.of("dynamodb"), Some("http://127.0.0.1:5000"));
        assert_eq!(AwsEndpoints::default().of("sqs"), None);
    }

    #[test]
    fn signs_aws_s_get_vanilla_example() {
        // AWS's SigV4 test suite, get-vanilla (keys, request and date), with
        // x-amz-content-sha256 also signed: the signature botocore's SigV4Auth computes for the
        // same request (it gives the suite's own 5fa00fa3… without that header).
        let url = reqwest::Url::parse("https://example.amazonaws.com/").unwrap();
        let now = DateTime::parse_from_rfc3339("2015-08-30T12:36:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let headers = sign(
            &Credentials {
                access_key: "AKIDEXAMPLE",
                secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            },
            &SigningScope {
                region: "us-east-1",
                service: "service",
            },
            "GET",
            "example.amazonaws.com",
            &url,
            b"",
            now,
        );
        assert_eq!(headers[0], ("x-amz-date", "20150830T123600Z".to_string()));
        assert_eq!(
            headers[2].1,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-content-sha256;x-amz-date, \
             Signature=726c5c4879a6b4ccbbd3b24edbd6b8826d34f87450fbbf4e85546fc7ba9c1642"
        );
    }

    #[test]
    fn encodes_as_sigv4_does() {
        assert_eq!(encode("a b/c~d", true), "a%20b/c~d");
        assert_eq!(encode("a b/c", false), "a%20b%2Fc");
    }
}
