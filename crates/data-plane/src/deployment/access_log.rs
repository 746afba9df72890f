//! Access logs: one line per request, in the stage's `accessLogSettings.format`, to the
//! CloudWatch Logs log group its `destinationArn` names
//! ([AWS guide](https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html)).
//!
//! The format is compiled when the stage is published (text and `$context.*` variables); a
//! variable without a value, or one the emulator does not know, prints `-`, as AWS prints
//! missing values. Lines leave the request path through an unbounded channel (lock-free
//! send); the server's writer batches them into the log group. Without access log settings a
//! request does none of this.

use std::sync::Arc;
use std::time::Duration;

use apigw_model::{AccessLogSettings, Scope};

/// A `$context` variable an access log format may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    RequestId,
    ExtendedRequestId,
    RequestTime,
    RequestTimeEpoch,
    HttpMethod,
    ResourcePath,
    ResourceId,
    Path,
    Stage,
    ApiId,
    AccountId,
    DeploymentId,
    DomainName,
    DomainPrefix,
    Protocol,
    SourceIp,
    UserAgent,
    ApiKey,
    ApiKeyId,
    AccessKey,
    /// `identity.accountId`, `identity.caller` and `identity.user`: the signer's account.
    Caller,
    UserArn,
    Status,
    ResponseLength,
    ResponseLatency,
    IntegrationLatency,
    IntegrationStatus,
    ErrorMessage,
    ErrorMessageString,
    ErrorResponseType,
    PrincipalId,
    /// Known to AWS but without a value here (WAF, X-Ray, Cognito…), or unknown: `-`.
    Unset,
}

impl Var {
    fn of(name: &str) -> Self {
        match name {
            "requestId" => Self::RequestId,
            "extendedRequestId" => Self::ExtendedRequestId,
            "requestTime" => Self::RequestTime,
            "requestTimeEpoch" => Self::RequestTimeEpoch,
            "httpMethod" => Self::HttpMethod,
            "resourcePath" => Self::ResourcePath,
            "resourceId" => Self::ResourceId,
            "path" => Self::Path,
            "stage" => Self::Stage,
            "apiId" => Self::ApiId,
            "accountId" => Self::AccountId,
            "deploymentId" => Self::DeploymentId,
            "domainName" => Self::DomainName,
            "domainPrefix" => Self::DomainPrefix,
            "protocol" => Self::Protocol,
            "identity.sourceIp" => Self::SourceIp,
            "identity.userAgent" => Self::UserAgent,
            "identity.apiKey" => Self::ApiKey,
            "identity.apiKeyId" => Self::ApiKeyId,
            "identity.accessKey" => Self::AccessKey,
            "identity.accountId" | "identity.caller" | "identity.user" => Self::Caller,
            "identity.userArn" => Self::UserArn,
            "status" => Self::Status,
            "responseLength" => Self::ResponseLength,
            "responseLatency" => Self::ResponseLatency,
            "integrationLatency" | "integration.latency" => Self::IntegrationLatency,
            "integrationStatus" | "integration.integrationStatus" | "integration.status" => {
                Self::IntegrationStatus
            }
            "error.message" => Self::ErrorMessage,
            "error.messageString" => Self::ErrorMessageString,
            "error.responseType" => Self::ErrorResponseType,
            "authorizer.principalId" => Self::PrincipalId,
            _ => Self::Unset,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(Var),
}

/// A compiled access log format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    pieces: Vec<Piece>,
}

impl Format {
    /// Split a format into text and `$context.name` variables (names are letters, digits,
    /// `_` and inner dots: a dot ending a name is text, as in `$context.status.`).
    pub fn compile(format: &str) -> Self {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = format;
        while let Some(i) = rest.find("$context.") {
            text.push_str(&rest[..i]);
            let after = &rest[i + "$context.".len()..];
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(after.len());
            let name = after[..len].trim_end_matches('.');
            if name.is_empty() {
                text.push_str("$context.");
                rest = after;
                continue;
            }
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Var(Var::of(name)));
            rest = &after[name.len()..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Self { pieces }
    }

    /// The line for one request.
    pub fn render(&self, r: &Record<'_>) -> String {
        let mut out = String::with_capacity(256);
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(v) => match r.value(*v) {
                    Some(text) if !text.is_empty() => out.push_str(&text),
                    _ => out.push('-'),
                },
            }
        }
        out
    }
}

/// What is known of a request when its answer is ready.
#[derive(Debug, Default)]
pub struct Record<'a> {
    /// `$context.requestId`.
    pub request_id: &'a str,
    /// `$context.extendedRequestId`.
    pub extended_request_id: &'a str,
    /// When the request arrived.
    pub time: chrono::DateTime<chrono::Utc>,
    /// The HTTP method.
    pub http_method: &'a str,
    /// Resource path and id, once routed.
    pub resource: Option<(&'a str, &'a str)>,
    /// The path after the stage.
    pub path: &'a str,
    /// The stage.
    pub stage: &'a str,
    /// The API id.
    pub api_id: &'a str,
    /// The API's account.
    pub account_id: &'a str,
    /// The deployment served.
    pub deployment_id: &'a str,
    /// The `Host` the client sent.
    pub domain_name: Option<&'a str>,
    /// `HTTP/1.1`, `HTTP/2.0`…
    pub protocol: &'a str,
    /// The client's address.
    pub source_ip: Option<&'a str>,
    /// The client's `User-Agent`.
    pub user_agent: Option<&'a str>,
    /// API key value and id, when the method required one.
    pub api_key: Option<(&'a str, &'a str)>,
    /// Access key and account of an `AWS_IAM` method's signer (its user is the root).
    pub signer: Option<(&'a str, &'a str)>,
    /// The Lambda authorizer's principal.
    pub principal_id: Option<String>,
    /// The status sent.
    pub status: u16,
    /// Bytes of the response body, when known.
    pub response_length: Option<u64>,
    /// From arrival to the answer.
    pub response_latency: Duration,
    /// Time spent in the integration, when one ran.
    pub integration_latency: Option<Duration>,
    /// The integration's status, when one answered.
    pub integration_status: Option<u16>,
    /// The gateway error, when the request failed: message and response type.
    pub error: Option<(&'a str, &'a str)>,
}

impl Record<'_> {
    fn value(&self, v: Var) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow::{Borrowed, Owned};
        Some(match v {
            Var::RequestId => Borrowed(self.request_id),
            Var::ExtendedRequestId => Borrowed(self.extended_request_id),
            Var::RequestTime => Owned(self.time.format("%d/%b/%Y:%H:%M:%S +0000").to_string()),
            Var::RequestTimeEpoch => Owned(self.time.timestamp_millis().to_string()),
            Var::HttpMethod => Borrowed(self.http_method),
            Var::ResourcePath => Borrowed(self.resource?.0),
            Var::ResourceId => Borrowed(self.resource?.1),
            Var::Path => Owned(format!("/{}{}", self.stage, self.path)),
            Var::Stage => Borrowed(self.stage),
            Var::ApiId => Borrowed(self.api_id),
            Var::AccountId => Borrowed(self.account_id),
            Var::DeploymentId => Borrowed(self.deployment_id),
            Var::DomainName => Borrowed(self.domain_name?),
            Var::DomainPrefix => Borrowed(self.domain_name?.split('.').next()?),
            Var::Protocol => Borrowed(self.protocol),
            Var::SourceIp => Borrowed(self.source_ip?),
            Var::UserAgent => Borrowed(self.user_agent?),
            Var::ApiKey => Borrowed(self.api_key?.0),
            Var::ApiKeyId => Borrowed(self.api_key?.1),
            Var::AccessKey => Borrowed(self.signer?.0),
            Var::Caller => Borrowed(self.signer?.1),
            Var::UserArn => Owned(apigw_model::arn::iam_root(self.signer?.1)),
            Var::Status => Owned(self.status.to_string()),
            Var::ResponseLength => Owned(self.response_length?.to_string()),
            Var::ResponseLatency => Owned(self.response_latency.as_millis().to_string()),
            Var::IntegrationLatency => Owned(self.integration_latency?.as_millis().to_string()),
            Var::IntegrationStatus => Owned(self.integration_status?.to_string()),
            Var::ErrorMessage => Borrowed(self.error?.0),
            Var::ErrorMessageString => Owned(crate::error::message_string(self.error?.0)),
            Var::ErrorResponseType => Borrowed(self.error?.1),
            Var::PrincipalId => Borrowed(self.principal_id.as_deref()?),
            Var::Unset => return None,
        })
    }
}

/// Where a stage's access log lines go.
#[derive(Debug)]
pub struct Destination {
    /// Account and region of the log group (from its ARN).
    pub scope: Scope,
    /// The log group's name.
    pub group: String,
    /// The log stream this stage writes to.
    pub stream: String,
}

/// A stage's access logging, compiled.
#[derive(Debug)]
pub struct StageAccessLog {
    /// Where lines go.
    pub destination: Arc<Destination>,
    /// The line format.
    pub format: Format,
}

impl StageAccessLog {
    /// From a stage's settings: both a format and a CloudWatch Logs log group ARN
    /// (`arn:aws:logs:{region}:{account}:log-group:{name}`, `:*` allowed) are needed; a
    /// Firehose destination is not served.
    pub fn from_settings(settings: Option<&AccessLogSettings>) -> Option<Self> {
        let settings = settings?;
        let format = settings.format.as_deref().filter(|f| !f.is_empty())?;
        let arn = settings.destination_arn.as_deref()?;
        let arn = apigw_model::Arn::parse(arn)?;
        let (region, account) = (arn.region, arn.account);
        let group = arn.log_group()?;
        if group.is_empty() {
            return None;
        }
        Some(Self {
            destination: Arc::new(Destination {
                scope: Scope {
                    account: account.to_string(),
                    region: region.to_string(),
                },
                group: group.to_string(),
                // AWS names access log streams with opaque hex ids; one per published stage.
                stream: uuid::Uuid::new_v4().simple().to_string(),
            }),
            format: Format::compile(format),
        })
    }
}

/// One access log line on its way to the log group.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The log group and stream.
    pub destination: Arc<Destination>,
    /// Milliseconds since the epoch (the request's arrival).
    pub timestamp: i64,
    /// The formatted line.
    pub line: String,
}

/// The sending end the data plane writes lines to.
pub type Sink = tokio::sync::mpsc::UnboundedSender<Entry>;

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record<'static> {
        Record {
            request_id: "rid",
            extended_request_id: "ext=",
            time: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            http_method: "GET",
            resource: Some(("/pets/{id}", "abc123")),
            path: "/pets/1",
            stage: "dev",
            api_id: "api1",
            account_id: "000000000000",
            deployment_id: "dep1",
            domain_name: Some("api1.execute-api.localhost:4566"),
            protocol: "HTTP/1.1",
            source_ip: Some("127.0.0.1"),
            user_agent: Some("curl/8"),
            status: 200,
            response_length: Some(12),
            response_latency: Duration::from_millis(7),
            ..Record::default()
        }
    }

    #[test]
    fn common_log_format() {
        // The console's CLF preset.
        let f = Format::compile(
            "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] \"$context.httpMethod $context.resourcePath $context.protocol\" $context.status $context.responseLength $context.requestId $context.extendedRequestId",
        );
        assert_eq!(
            f.render(&record()),
            "127.0.0.1 - - [14/Nov/2023:22:13:20 +0000] \"GET /pets/{id} HTTP/1.1\" 200 12 rid ext="
        );
    }

    #[test]
    fn clf_names_an_iam_signer() {
        let f = Format::compile(
            "$context.identity.caller $context.identity.user $context.identity.accountId \
             $context.identity.accessKey $context.identity.userArn",
        );
        let mut r = record();
        r.signer = Some(("AKID", "123456789012"));
        assert_eq!(
            f.render(&r),
            "123456789012 123456789012 123456789012 AKID arn:aws:iam::123456789012:root"
        );
    }

    #[test]
    fn json_format_and_missing_values() {
        let f = Format::compile(
            r#"{"requestId":"$context.requestId","path":"$context.path","key":"$context.identity.apiKeyId","err":$context.error.messageString,"lat":"$context.integrationLatency","epoch":$context.requestTimeEpoch}"#,
        );
        let mut r = record();
        r.error = Some(("Forbidden", "INVALID_API_KEY"));
        assert_eq!(
            f.render(&r),
            r#"{"requestId":"rid","path":"/dev/pets/1","key":"-","err":"Forbidden","lat":"-","epoch":1700000000000}"#
        );
    }

    #[test]
    fn names_end_before_a_trailing_dot_and_unknown_names_print_a_dash() {
        let f = Format::compile("$context.status. $context.wafResponseCode $context. x");
        assert_eq!(f.render(&record()), "200. - $context. x");
    }

    #[test]
    fn destinations() {
        let s = |arn: &str| AccessLogSettings {
            format: Some("$context.requestId".into()),
            destination_arn: Some(arn.into()),
        };
        let d = StageAccessLog::from_settings(Some(&s(
            "arn:aws:logs:eu-west-1:123456789012:log-group:my-group:*",
        )))
        .unwrap();
        assert_eq!(d.destination.group, "my-group");
        assert_eq!(d.destination.scope.region, "eu-west-1");
        assert_eq!(d.destination.scope.account, "123456789012");
        assert_eq!(d.destination.stream.len(), 32);
        let d = StageAccessLog::from_settings(Some(&s(
            "arn:aws:logs:us-east-1:000000000000:log-group:/aws/api:gw",
        )))
        .unwrap();
        assert_eq!(d.destination.group, "/aws/api:gw");
        assert!(StageAccessLog::from_settings(Some(&s(
            "arn:aws:firehose:us-east-1:000000000000:deliverystream/amazon-apigateway-x"
        )))
        .is_none());
        assert!(StageAccessLog::from_settings(None).is_none());
    }
}
