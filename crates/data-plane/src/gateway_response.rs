//! Data-plane failures as AWS gateway responses
//! ([AWS guide](https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html)).
//!
//! Every error the data plane answers goes through this one place: the type decides the
//! default status and the `x-amzn-ErrorType` header, and (with the message) the body that
//! AWS's default template `{"message":$context.error.messageString}` renders. Default statuses
//! are those of AWS's GetGatewayResponses (recorded in test_apigateway_api.snapshot.json,
//! test_gateway_response_crud).
//!
//! A deployment may carry customised gateway responses ([`GatewayResponses`], compiled with
//! the deployment, templates parsed once). An error renders through the customisation of its
//! type, else the customised DEFAULT_4XX / DEFAULT_5XX of its status class, else AWS's default.
//! Errors raised before a stage is known (unknown API or stage) always use the defaults.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use serde_json::{json, Map, Value};

use apigw_model::gateway_response::DEFAULT_TEMPLATE;
use apigw_model::{ApiSnapshot, GatewayResponse, StringMap};

use crate::deployment::DeployedStage;
use crate::headers::X_AMZN_ERROR_TYPE;
use crate::templates::{select_response, Templates};

/// AWS's gateway response types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseType {
    /// 403: an authorizer denied the request.
    AccessDenied,
    /// 500: the API is configured wrongly (e.g. no integration response matches).
    ApiConfigurationError,
    /// 500: an authorizer answered something unusable.
    AuthorizerConfigurationError,
    /// 500: an authorizer failed.
    AuthorizerFailure,
    /// 400: the body failed validation.
    BadRequestBody,
    /// 400: required parameters are missing.
    BadRequestParameters,
    /// Fallback for 4xx types without their own entry.
    Default4xx,
    /// Fallback for 5xx types without their own entry.
    Default5xx,
    /// 403: expired credentials.
    ExpiredToken,
    /// 504: the integration failed.
    IntegrationFailure,
    /// 504: the integration timed out.
    IntegrationTimeout,
    /// 403: the API key is missing, unknown, disabled or not in a plan.
    InvalidApiKey,
    /// 403: a bad signature.
    InvalidSignature,
    /// 403: no resource or method matches.
    MissingAuthenticationToken,
    /// 429: the usage-plan quota is used up.
    QuotaExceeded,
    /// 413: the request body is too large.
    RequestTooLarge,
    /// 404: the resource was not found.
    ResourceNotFound,
    /// 429: a throttle limit was hit.
    Throttled,
    /// 401: the authorizer said "Unauthorized", or the identity source is missing.
    Unauthorized,
    /// 415: no template for the content type under passthrough NEVER.
    UnsupportedMediaType,
    /// 403: blocked by WAF.
    WafFiltered,
}

impl ResponseType {
    /// Every type, in the order AWS lists them.
    pub const ALL: [ResponseType; 21] = [
        Self::AccessDenied,
        Self::ApiConfigurationError,
        Self::AuthorizerConfigurationError,
        Self::AuthorizerFailure,
        Self::BadRequestBody,
        Self::BadRequestParameters,
        Self::Default4xx,
        Self::Default5xx,
        Self::ExpiredToken,
        Self::IntegrationFailure,
        Self::IntegrationTimeout,
        Self::InvalidApiKey,
        Self::InvalidSignature,
        Self::MissingAuthenticationToken,
        Self::QuotaExceeded,
        Self::RequestTooLarge,
        Self::ResourceNotFound,
        Self::Throttled,
        Self::Unauthorized,
        Self::UnsupportedMediaType,
        Self::WafFiltered,
    ];

    /// The wire name (`MISSING_AUTHENTICATION_TOKEN`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessDenied => "ACCESS_DENIED",
            Self::ApiConfigurationError => "API_CONFIGURATION_ERROR",
            Self::AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
            Self::AuthorizerFailure => "AUTHORIZER_FAILURE",
            Self::BadRequestBody => "BAD_REQUEST_BODY",
            Self::BadRequestParameters => "BAD_REQUEST_PARAMETERS",
            Self::Default4xx => "DEFAULT_4XX",
            Self::Default5xx => "DEFAULT_5XX",
            Self::ExpiredToken => "EXPIRED_TOKEN",
            Self::IntegrationFailure => "INTEGRATION_FAILURE",
            Self::IntegrationTimeout => "INTEGRATION_TIMEOUT",
            Self::InvalidApiKey => "INVALID_API_KEY",
            Self::InvalidSignature => "INVALID_SIGNATURE",
            Self::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            Self::QuotaExceeded => "QUOTA_EXCEEDED",
            Self::RequestTooLarge => "REQUEST_TOO_LARGE",
            Self::ResourceNotFound => "RESOURCE_NOT_FOUND",
            Self::Throttled => "THROTTLED",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::WafFiltered => "WAF_FILTERED",
        }
    }

    /// Parse a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The default status (`None` for DEFAULT_4XX/DEFAULT_5XX, which have none of their own).
    pub fn default_status(self) -> Option<u16> {
        Some(match self {
            Self::AccessDenied
            | Self::ExpiredToken
            | Self::InvalidApiKey
            | Self::InvalidSignature => 403,
            Self::MissingAuthenticationToken | Self::WafFiltered => 403,
            Self::ApiConfigurationError
            | Self::AuthorizerConfigurationError
            | Self::AuthorizerFailure => 500,
            Self::BadRequestBody | Self::BadRequestParameters => 400,
            Self::IntegrationFailure | Self::IntegrationTimeout => 504,
            Self::QuotaExceeded | Self::Throttled => 429,
            Self::RequestTooLarge => 413,
            Self::ResourceNotFound => 404,
            Self::Unauthorized => 401,
            Self::UnsupportedMediaType => 415,
            Self::Default4xx | Self::Default5xx => return None,
        })
    }

    /// The type an uncustomised type falls back to: DEFAULT_4XX for 4xx types, DEFAULT_5XX for
    /// 5xx ones (by default status); `None` for the two fallbacks themselves.
    pub fn fallback(self) -> Option<Self> {
        match self.default_status()? / 100 {
            4 => Some(Self::Default4xx),
            5 => Some(Self::Default5xx),
            _ => None,
        }
    }

    /// The `x-amzn-ErrorType` AWS sends with this type.
    pub fn error_type(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::InvalidApiKey | Self::WafFiltered => "ForbiddenException",
            Self::Throttled => "TooManyRequestsException",
            Self::QuotaExceeded => "LimitExceededException",
            Self::Unauthorized => "UnauthorizedException",
            Self::AccessDenied => "AccessDeniedException",
            Self::ExpiredToken | Self::InvalidSignature => "InvalidSignatureException",
            Self::BadRequestBody | Self::BadRequestParameters | Self::UnsupportedMediaType => {
                "BadRequestException"
            }
            Self::RequestTooLarge => "RequestTooLargeException",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::AuthorizerConfigurationError => "AuthorizerConfigurationException",
            Self::AuthorizerFailure => "AuthorizerFailureException",
            Self::IntegrationFailure
            | Self::IntegrationTimeout
            | Self::ApiConfigurationError
            | Self::Default4xx
            | Self::Default5xx => "InternalServerErrorException",
        }
    }
}

/// A data-plane failure: which gateway response, and the message (`$context.error.message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayError {
    /// The gateway response type.
    pub kind: ResponseType,
    /// The message AWS puts in the body.
    pub message: String,
    /// The status this failure answers unless a customisation sets one, when it is not the
    /// type's default (a Lambda proxy failure is an INTEGRATION_FAILURE answered with 502).
    pub status: Option<u16>,
}

impl GatewayError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ResponseType, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
        }
    }

    /// The same error answered with `status` by default.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// AWS's default body: `{"message": …}` — `{"Message": …}` for ACCESS_DENIED, as AWS
    /// answers an authorizer's deny — and `null` for AUTHORIZER_CONFIGURATION_ERROR.
    pub fn default_body(&self) -> String {
        let key = match self.kind {
            ResponseType::AccessDenied => "Message",
            ResponseType::AuthorizerConfigurationError => return r#"{"message":null}"#.into(),
            _ => "message",
        };
        // Written directly, not through a `serde_json::Value` (a map, a clone of the message
        // and the formatter: ~2k instructions an error, and throttled load answers many).
        let quoted = message_string(&self.message);
        let mut out = String::with_capacity(quoted.len() + key.len() + 5);
        out.push_str("{\"");
        out.push_str(key);
        out.push_str("\":");
        out.push_str(&quoted);
        out.push('}');
        out
    }

    /// The status answered when no customisation sets one.
    pub fn default_status(&self) -> u16 {
        self.status.or(self.kind.default_status()).unwrap_or(500)
    }

    /// 403 "Missing Authentication Token": no route, or no such method.
    pub fn missing_token() -> Self {
        Self::new(
            ResponseType::MissingAuthenticationToken,
            "Missing Authentication Token",
        )
    }

    /// 504 "Endpoint request timed out".
    pub fn timeout() -> Self {
        Self::new(
            ResponseType::IntegrationTimeout,
            "Endpoint request timed out",
        )
    }

    /// 500 "Internal server error" for a configuration error.
    pub fn config(reason: &str) -> Self {
        tracing::warn!(reason, "API configuration error");
        Self::new(ResponseType::ApiConfigurationError, "Internal server error")
    }

    /// Render AWS's default gateway response for this error (what every type answers when
    /// the deployment customises nothing, and before a stage is known).
    pub fn render_default(&self) -> Response<Body> {
        let status = self.default_status();
        let body = self.default_body();
        self.response(status, "application/json", body)
    }

    /// The response skeleton every gateway response shares: status, body, `Content-Type`,
    /// `x-amzn-ErrorType` (always the raised type's, even when DEFAULT_4XX/5XX rendered it).
    /// The request ids are not added here: `Gateway::handle`'s `Answer` carries them for every
    /// answer, error or not.
    fn response(&self, status: u16, content_type: &str, body: String) -> Response<Body> {
        let mut res = Response::new(Body::from(body));
        *res.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let h = res.headers_mut();
        // Named by constants: a `&str` name is parsed on every insert (~500 instructions).
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_str(content_type)
                .unwrap_or(HeaderValue::from_static("application/json")),
        );
        h.insert(
            X_AMZN_ERROR_TYPE,
            HeaderValue::from_static(self.kind.error_type()),
        );
        res
    }
}

/// `$context.error.messageString`: the message as a JSON string literal, quotes included.
pub fn message_string(message: &str) -> String {
    // Serialising a `&str` cannot fail.
    serde_json::to_string(message).unwrap_or_default()
}

/// One customised gateway response of a deployment.
#[derive(Debug, Clone, Default)]
pub struct CustomResponse {
    /// The status to send (`None`: the raised type's default).
    pub status: Option<u16>,
    /// Header name → source expression (`'literal'`, `method.request.header.x`, …).
    pub headers: Vec<(String, String)>,
    /// Content type → body template text (parsed in [`GatewayResponses::templates`]).
    pub templates: StringMap,
}

/// The customised gateway responses of one deployment, compiled with it.
#[derive(Debug, Default)]
pub struct GatewayResponses {
    custom: HashMap<ResponseType, CustomResponse>,
    /// Every body template of `custom`, parsed once at deployment time.
    templates: Templates,
}

impl GatewayResponses {
    /// Compile the customisations a snapshot froze (written by the control plane's
    /// `deployments::freeze`).
    pub fn compile(snapshot: &ApiSnapshot) -> Self {
        Self::from_list(snapshot.documents.gateway_responses.iter().cloned())
    }

    /// Compile a list of customised gateway responses.
    pub fn from_list(list: impl IntoIterator<Item = GatewayResponse>) -> Self {
        let mut custom = HashMap::new();
        let mut texts = Vec::new();
        for g in list {
            let Some(kind) = ResponseType::parse(&g.response_type) else {
                continue;
            };
            let headers = g
                .response_parameters
                .iter()
                .filter_map(|(k, v)| {
                    Some((
                        k.strip_prefix("gatewayresponse.header.")?.to_string(),
                        v.clone(),
                    ))
                })
                .collect();
            texts.extend(g.response_templates.values().cloned());
            let status = g
                .status_code
                .as_deref()
                .and_then(|s| s.trim().parse::<u16>().ok())
                .filter(|s| (100..=599).contains(s));
            custom.insert(
                kind,
                CustomResponse {
                    status,
                    headers,
                    templates: g.response_templates,
                },
            );
        }
        Self {
            custom,
            templates: Templates::compile(&[], texts),
        }
    }

    /// Whether nothing is customised (every error answers AWS's default).
    pub fn is_empty(&self) -> bool {
        self.custom.is_empty()
    }

    /// The customisation that applies to `kind`: its own, else its class's DEFAULT_4XX/5XX.
    pub fn lookup(&self, kind: ResponseType) -> Option<&CustomResponse> {
        self.custom
            .get(&kind)
            .or_else(|| self.custom.get(&kind.fallback()?))
    }

    /// Render `err` for a request that failed with what `scope` knows about it.
    pub fn render(&self, err: &GatewayError, scope: &ErrorScope<'_>) -> Response<Body> {
        let Some(custom) = self.lookup(err.kind) else {
            return err.render_default();
        };
        let status = custom.status.unwrap_or_else(|| err.default_status());
        let ctx = scope.vtl_context(err);
        let (content_type, body) = match select_response(
            Some(&custom.templates),
            scope.header("accept"),
        ) {
            None => ("application/json", err.default_body()),
            Some((ct, DEFAULT_TEMPLATE)) => (ct, err.default_body()),
            Some((ct, text)) => {
                let rendered = self
                    .templates
                    .get(text)
                    .and_then(|t| t.render(&ctx).map_err(|e| e.to_string()));
                match rendered {
                    Ok(r) => (ct, r.output),
                    Err(e) => {
                        tracing::warn!(error = %e, kind = err.kind.as_str(), "gateway response template failed; answering the default body");
                        ("application/json", err.default_body())
                    }
                }
            }
        };
        let mut res = err.response(status, content_type, body);
        let h = res.headers_mut();
        for (name, expr) in &custom.headers {
            let Some(v) = scope.source_value(expr, &ctx) else {
                continue;
            };
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&v),
            ) {
                h.insert(name, value);
            }
        }
        res
    }
}

/// What the pipeline knew about a request when it failed: the stage (once found) and, when
/// the deployment customises gateway responses, the request's parameters and resource.
#[derive(Debug, Default)]
pub struct ErrorScope<'a> {
    /// `$context.requestId`.
    pub request_id: &'a str,
    /// `$context.extendedRequestId`.
    pub extended_request_id: &'a str,
    /// The account of the API, once found.
    pub account_id: Option<String>,
    /// The API id, once found.
    pub api_id: Option<String>,
    /// The stage served, once found; without it errors use AWS's defaults.
    pub stage: Option<Arc<DeployedStage>>,
    /// The HTTP method.
    pub http_method: String,
    /// The path after the stage.
    pub path: String,
    /// The matched resource's path and id, once routed.
    pub resource: Option<(String, String)>,
    /// Path parameters, once routed.
    pub path_params: Vec<(String, String)>,
    /// Query string parameters, decoded.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// The client's address (for access logs).
    pub source_ip: Option<String>,
    /// `HTTP/1.1` and the like.
    pub protocol: &'static str,
    /// The API key the request was admitted with.
    pub api_key: Option<crate::usage::KeyIdentity>,
    /// The Lambda authorizer's principal.
    pub principal_id: Option<String>,
    /// How long the integration took, once it ran.
    pub integration_latency: Option<std::time::Duration>,
    /// What the integration answered, once it did.
    pub integration_status: Option<u16>,
    /// The error the request ended with, if it failed.
    pub error: Option<GatewayError>,
}

impl<'a> ErrorScope<'a> {
    /// A scope for a request with these ids.
    pub fn new(request_id: &'a str, extended_request_id: &'a str) -> Self {
        Self {
            request_id,
            extended_request_id,
            ..Self::default()
        }
    }

    /// Whether the stage's deployment customises gateway responses or the stage logs access,
    /// i.e. whether the request's details are worth keeping (nothing is copied on the hot path
    /// otherwise).
    pub fn wants_details(&self) -> bool {
        self.stage
            .as_ref()
            .is_some_and(|s| !s.deployment.gateway_responses.is_empty() || s.access_log.is_some())
    }

    /// Keep what gateway response mappings may read of the request (only called when the
    /// deployment customises gateway responses).
    pub fn capture(
        &mut self,
        account_id: &str,
        api_id: &str,
        path: &str,
        req: &axum::http::Request<Body>,
        client: Option<&crate::context::Client>,
    ) {
        self.account_id = Some(account_id.to_string());
        self.api_id = Some(api_id.to_string());
        self.http_method = req.method().to_string();
        self.path = path.to_string();
        self.headers = crate::context::header_pairs(
            req.headers(),
            crate::context::Client::header_names(client),
        );
        self.query = req
            .uri()
            .query()
            .map(crate::gateway::percent_pairs)
            .unwrap_or_default();
        self.source_ip = client.map(|c| crate::gateway::ip_text(c.addr.ip()));
        self.protocol = match req.version() {
            axum::http::Version::HTTP_10 => "HTTP/1.0",
            axum::http::Version::HTTP_2 => "HTTP/2.0",
            _ => "HTTP/1.1",
        };
    }

    /// Render `err`: through the stage's gateway responses once a stage is known.
    pub fn render(&self, err: &GatewayError) -> Response<Body> {
        match &self.stage {
            Some(s) => s.deployment.gateway_responses.render(err, self),
            None => err.render_default(),
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn stage_variables(&self) -> Vec<(String, String)> {
        self.stage
            .as_ref()
            .and_then(|s| s.stage.variables.as_ref())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// `$context` as a gateway response template sees it, with `error.*`.
    fn context(&self, err: &GatewayError) -> Map<String, Value> {
        let stage = self.stage.as_ref().map(|s| s.stage.stage_name.clone());
        let now = chrono::Utc::now();
        let v = json!({
            "accountId": self.account_id,
            "apiId": self.api_id,
            "deploymentId": self.stage.as_ref().map(|s| s.deployment.id.clone()),
            "domainName": self.header("host"),
            "error": {
                "message": err.message,
                "messageString": message_string(&err.message),
                "responseType": err.kind.as_str(),
                "validationErrorString": Value::Null,
            },
            "extendedRequestId": self.extended_request_id,
            "httpMethod": self.http_method,
            "identity": {
                "sourceIp": self.source_ip,
                "userAgent": self.header("user-agent"),
            },
            "path": stage.as_ref().map(|st| format!("/{st}{}", self.path)),
            "protocol": "HTTP/1.1",
            "requestId": self.request_id,
            "requestTime": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "requestTimeEpoch": now.timestamp_millis(),
            "resourceId": self.resource.as_ref().map(|r| r.1.clone()),
            "resourcePath": self.resource.as_ref().map(|r| r.0.clone()),
            "stage": stage,
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn vtl_context(&self, err: &GatewayError) -> apigw_vtl::Context {
        apigw_vtl::Context {
            body: String::new(),
            params: apigw_vtl::Params {
                path: self.path_params.clone(),
                querystring: self.query.clone(),
                header: self.headers.clone(),
            },
            context: self.context(err),
            stage_variables: self.stage_variables(),
        }
    }

    /// Resolve a `responseParameters` source: `'literal'`, `method.request.{header,
    /// querystring,path,multivalueheader,multivaluequerystring}.x`, `context.x`,
    /// `stageVariables.x`. Unknown or absent sources set no header.
    fn source_value(&self, expr: &str, ctx: &apigw_vtl::Context) -> Option<String> {
        if let Some(lit) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
            return Some(lit.to_string());
        }
        if let Some(rest) = expr.strip_prefix("method.request.") {
            let (kind, name) = rest.split_once('.')?;
            return crate::mapping::method_request_param(
                kind,
                name,
                &self.headers,
                &self.query,
                &self.path_params,
            );
        }
        if let Some(name) = expr.strip_prefix("stageVariables.") {
            return ctx
                .stage_variables
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone());
        }
        if let Some(path) = expr.strip_prefix("context.") {
            return crate::mapping::context_text(&ctx.context, path);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_defaults() {
        for t in ResponseType::ALL {
            assert_eq!(ResponseType::parse(t.as_str()), Some(t));
        }
        assert_eq!(
            ResponseType::MissingAuthenticationToken.default_status(),
            Some(403)
        );
        assert_eq!(ResponseType::IntegrationFailure.default_status(), Some(504));
        assert_eq!(ResponseType::Default4xx.default_status(), None);
    }

    #[test]
    fn default_bodies_are_compact_json() {
        let msg = "Quote \" slash \\ tab \t nul \u{0} é ✓";
        for t in ResponseType::ALL {
            let body = GatewayError::new(t, msg).default_body();
            let want = match t {
                ResponseType::AccessDenied => json!({ "Message": msg }),
                ResponseType::AuthorizerConfigurationError => json!({ "message": null }),
                _ => json!({ "message": msg }),
            };
            // Byte for byte what serde_json writes for the same object.
            assert_eq!(body, want.to_string(), "{t:?}");
        }
        assert_eq!(
            GatewayError::missing_token().default_body(),
            r#"{"message":"Missing Authentication Token"}"#
        );
    }

    #[test]
    fn statuses_agree_with_the_model_table() {
        for (name, status) in apigw_model::gateway_response::TYPES {
            let t = ResponseType::parse(name).unwrap();
            assert_eq!(
                t.default_status().map(|s| s.to_string()).as_deref(),
                status,
                "{name}"
            );
        }
    }

    fn custom(
        kind: &str,
        status: Option<&str>,
        params: &[(&str, &str)],
        template: Option<&str>,
    ) -> GatewayResponse {
        let mut g = GatewayResponse::aws_default(kind).unwrap();
        g.default_response = false;
        if let Some(s) = status {
            g.status_code = Some(s.to_string());
        }
        g.response_parameters = params
            .iter()
            .map(|(k, v)| (format!("gatewayresponse.header.{k}"), (*v).to_string()))
            .collect();
        if let Some(t) = template {
            g.response_templates = [("application/json".to_string(), t.to_string())].into();
        }
        g
    }

    async fn parts(res: Response<Body>) -> (u16, axum::http::HeaderMap, String) {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    #[test]
    fn fallback_order() {
        use ResponseType::*;
        let none = GatewayResponses::default();
        assert!(none.lookup(MissingAuthenticationToken).is_none());

        // A DEFAULT_4XX covers every 4xx type without its own entry, never a 5xx one.
        let four = GatewayResponses::from_list([custom("DEFAULT_4XX", Some("418"), &[], None)]);
        assert_eq!(
            four.lookup(MissingAuthenticationToken).unwrap().status,
            Some(418)
        );
        assert_eq!(four.lookup(Throttled).unwrap().status, Some(418));
        assert!(four.lookup(IntegrationTimeout).is_none());

        // The type's own entry wins over its class default.
        let both = GatewayResponses::from_list([
            custom("DEFAULT_4XX", Some("418"), &[], None),
            custom("MISSING_AUTHENTICATION_TOKEN", Some("404"), &[], None),
            custom("DEFAULT_5XX", None, &[("x", "'5'")], None),
        ]);
        assert_eq!(
            both.lookup(MissingAuthenticationToken).unwrap().status,
            Some(404)
        );
        assert_eq!(both.lookup(Unauthorized).unwrap().status, Some(418));
        // DEFAULT_5XX without a status: the raised type keeps its own.
        assert_eq!(both.lookup(IntegrationFailure).unwrap().status, None);
        assert_eq!(
            both.lookup(IntegrationFailure).unwrap().headers,
            vec![("x".to_string(), "'5'".to_string())]
        );
    }

    #[tokio::test]
    async fn renders_customisations() {
        let gr = GatewayResponses::from_list([
            custom(
                "MISSING_AUTHENTICATION_TOKEN",
                Some("404"),
                &[
                    ("Access-Control-Allow-Origin", "'*'"),
                    ("x-q", "method.request.querystring.q"),
                    ("x-h", "method.request.header.X-In"),
                    ("x-t", "context.error.responseType"),
                ],
                Some(
                    r#"{"msg":$context.error.messageString,"type":"$context.error.responseType","stage":"$context.stage"}"#,
                ),
            ),
            custom("DEFAULT_5XX", None, &[], None),
        ]);
        let mut scope = ErrorScope::new("rid", "ext=");
        scope.query = vec![("q".into(), "1".into())];
        scope.headers = vec![("x-in".into(), "hdr".into())];
        let (status, h, body) = parts(gr.render(&GatewayError::missing_token(), &scope)).await;
        assert_eq!(status, 404);
        assert_eq!(h["x-amzn-errortype"], "MissingAuthenticationTokenException");
        assert_eq!(h["access-control-allow-origin"], "*");
        assert_eq!(h["x-q"], "1");
        assert_eq!(h["x-h"], "hdr");
        assert_eq!(h["x-t"], "MISSING_AUTHENTICATION_TOKEN");
        assert_eq!(
            body,
            r#"{"msg":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN","stage":""}"#
        );

        // DEFAULT_5XX with the default template and no status: AWS's default answer.
        let (status, h, body) = parts(gr.render(&GatewayError::timeout(), &scope)).await;
        assert_eq!(
            (status, body.as_str()),
            (504, r#"{"message":"Endpoint request timed out"}"#)
        );
        assert_eq!(h["x-amzn-errortype"], "InternalServerErrorException");

        // Without a stage, the scope answers the defaults.
        let (status, _, body) =
            parts(ErrorScope::new("rid", "ext=").render(&GatewayError::missing_token())).await;
        assert_eq!(
            (status, body.as_str()),
            (403, r#"{"message":"Missing Authentication Token"}"#)
        );
    }

    #[tokio::test]
    async fn message_string_is_a_json_literal() {
        let gr = GatewayResponses::from_list([custom(
            "DEFAULT_4XX",
            None,
            &[],
            Some("{\"m\":$context.error.messageString}"),
        )]);
        let err = GatewayError::new(ResponseType::BadRequestBody, "bad \"quote\"");
        let (status, _, body) = parts(gr.render(&err, &ErrorScope::new("r", "e"))).await;
        assert_eq!(status, 400);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["m"],
            "bad \"quote\""
        );
    }
}
