//! Each method of a deployment with its kinds parsed once, at deployment time: a request
//! matches enums, never the integration type, authorization type or key source as strings.

use apigw_model::{Integration, Method, Resource};

/// How a method's integration is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationKind {
    /// `HTTP_PROXY`.
    HttpProxy,
    /// `HTTP`, with mapping templates.
    Http,
    /// `MOCK`.
    Mock,
    /// `AWS` with a Lambda function URI (the non-proxy Lambda integration).
    AwsLambda,
    /// `AWS_PROXY` (the Lambda proxy integration).
    AwsProxy,
    /// `AWS` with another service's URI (SQS, DynamoDB, S3…), sent to `--aws-endpoint`.
    AwsService,
    /// Any other type (a name this emulator does not serve).
    Unsupported,
}

impl IntegrationKind {
    /// The kind of an integration, as configured.
    pub fn of(integration: &Integration) -> Self {
        match integration.integration_type.as_str() {
            "HTTP_PROXY" => Self::HttpProxy,
            "HTTP" => Self::Http,
            "MOCK" => Self::Mock,
            "AWS" if is_lambda(integration) => Self::AwsLambda,
            "AWS" => Self::AwsService,
            "AWS_PROXY" => Self::AwsProxy,
            _ => Self::Unsupported,
        }
    }
}

/// Whether an `AWS` integration invokes a Lambda function (its URI is Lambda's Invoke path).
pub fn is_lambda(integration: &Integration) -> bool {
    integration
        .uri
        .as_deref()
        .is_some_and(|u| u.contains(":lambda:path/") && u.contains("/functions/"))
}

/// A method's `authorizationType`, parsed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    /// `NONE` (or a type AWS would not have taken).
    Open,
    /// `AWS_IAM`: a Signature Version 4 signature ([`crate::pipeline::sigv4`]).
    Iam,
    /// `CUSTOM` or `COGNITO_USER_POOLS`: the method's authorizer runs first.
    Authorizer,
}

impl Authorization {
    fn of(authorization_type: &str) -> Self {
        match authorization_type {
            "AWS_IAM" => Self::Iam,
            "CUSTOM" | "COGNITO_USER_POOLS" => Self::Authorizer,
            _ => Self::Open,
        }
    }
}

/// A method as served.
#[derive(Debug)]
pub struct CompiledMethod {
    /// The method as deployed.
    pub method: Method,
    /// Its integration's kind (`None`: the method has no integration).
    pub integration: Option<IntegrationKind>,
    /// What authorizes a call before anything else runs.
    pub authorization: Authorization,
    /// A header the integration's `requestParameters` map that AWS refuses to send for this
    /// integration type: every request to the method is a 500 configuration error.
    pub refused_header: Option<String>,
}

/// Headers a parameter mapping may not set, by integration kind. Measured on AWS (localstack's
/// validated `TestApiGatewayHeaderRemapping`, recorded in test_apigateway_integrations
/// .snapshot.json: each answers 500 "Internal server error"): `Content-Length` and
/// `Transfer-Encoding` for HTTP and HTTP_PROXY; those and `Authorization`, `Connection`,
/// `Expect`, `Proxy-Authenticate` and `TE` for AWS and AWS_PROXY.
fn refused_header(kind: IntegrationKind, integration: &Integration) -> Option<String> {
    const HTTP: &[&str] = &["content-length", "transfer-encoding"];
    const AWS: &[&str] = &[
        "content-length",
        "transfer-encoding",
        "authorization",
        "connection",
        "expect",
        "proxy-authenticate",
        "te",
    ];
    let refused = match kind {
        IntegrationKind::Http | IntegrationKind::HttpProxy => HTTP,
        IntegrationKind::AwsLambda | IntegrationKind::AwsProxy | IntegrationKind::AwsService => AWS,
        IntegrationKind::Mock | IntegrationKind::Unsupported => return None,
    };
    integration
        .request_parameters
        .iter()
        .flatten()
        .filter_map(|(target, _)| target.strip_prefix("integration.request.header."))
        .find(|name| refused.iter().any(|r| r.eq_ignore_ascii_case(name)))
        .map(str::to_string)
}

/// The methods of every resource, in the order of the snapshot's resources.
#[derive(Debug, Default)]
pub struct MethodTable {
    by_resource: Vec<Vec<(String, CompiledMethod)>>,
}

impl MethodTable {
    /// Compile the methods of `resources` (indexes as [`crate::deployment::routing`] returns).
    pub fn compile(resources: &[Resource]) -> Self {
        let by_resource = resources
            .iter()
            .map(|r| {
                r.resource_methods
                    .iter()
                    .flatten()
                    .map(|(verb, m)| {
                        let integration = m.method_integration.as_ref().map(IntegrationKind::of);
                        let compiled = CompiledMethod {
                            method: m.clone(),
                            integration,
                            authorization: Authorization::of(&m.authorization_type),
                            refused_header: integration
                                .zip(m.method_integration.as_ref())
                                .and_then(|(kind, i)| refused_header(kind, i)),
                        };
                        (verb.clone(), compiled)
                    })
                    .collect()
            })
            .collect();
        Self { by_resource }
    }

    /// The method a request's verb selects on a resource: the exact verb, else `ANY`.
    /// `HEAD` does not fall back to `GET`, as on AWS.
    pub fn select(&self, resource: usize, verb: &str) -> Option<&CompiledMethod> {
        // A resource has a handful of methods: a scan beats hashing the verb.
        let methods = self.by_resource.get(resource)?;
        let find = |v: &str| methods.iter().find(|(k, _)| k == v).map(|(_, m)| m);
        find(verb).or_else(|| find("ANY"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn method(verb: &str, kind: &str, uri: Option<&str>, auth: &str) -> Method {
        Method {
            http_method: verb.into(),
            authorization_type: auth.into(),
            method_integration: Some(Integration {
                integration_type: kind.into(),
                uri: uri.map(str::to_string),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn resource(methods: &[Method]) -> Resource {
        Resource {
            id: "r".into(),
            path: "/x".into(),
            resource_methods: Some(
                methods
                    .iter()
                    .map(|m| (m.http_method.clone(), m.clone()))
                    .collect::<BTreeMap<_, _>>(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn selection_exact_then_any_and_no_head_fallback() {
        let t = MethodTable::compile(&[
            resource(&[
                method("GET", "MOCK", None, "NONE"),
                method("ANY", "HTTP_PROXY", None, "NONE"),
            ]),
            resource(&[method("GET", "MOCK", None, "NONE")]),
        ]);
        assert_eq!(t.select(0, "GET").unwrap().method.http_method, "GET");
        assert_eq!(t.select(0, "POST").unwrap().method.http_method, "ANY");
        assert!(t.select(1, "HEAD").is_none());
        assert!(t.select(2, "GET").is_none());
    }

    #[test]
    fn kinds_are_parsed_once() {
        let lambda = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations";
        let cases = [
            ("HTTP_PROXY", None, IntegrationKind::HttpProxy),
            ("HTTP", None, IntegrationKind::Http),
            ("MOCK", None, IntegrationKind::Mock),
            ("AWS", Some(lambda), IntegrationKind::AwsLambda),
            (
                "AWS",
                Some("arn:aws:apigateway:us-east-1:sqs:path/1/q"),
                IntegrationKind::AwsService,
            ),
            ("AWS_PROXY", Some(lambda), IntegrationKind::AwsProxy),
        ];
        for (kind, uri, want) in cases {
            let t = MethodTable::compile(&[resource(&[method("GET", kind, uri, "CUSTOM")])]);
            let m = t.select(0, "GET").unwrap();
            assert_eq!(m.integration, Some(want), "{kind} {uri:?}");
            assert_eq!(m.authorization, Authorization::Authorizer);
        }
        for (auth, want) in [
            ("AWS_IAM", Authorization::Iam),
            ("COGNITO_USER_POOLS", Authorization::Authorizer),
            ("NONE", Authorization::Open),
        ] {
            let t = MethodTable::compile(&[resource(&[method("GET", "MOCK", None, auth)])]);
            assert_eq!(t.select(0, "GET").unwrap().authorization, want, "{auth}");
        }
    }
}
