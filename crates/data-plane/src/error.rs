//! Data-plane failures: AWS's gateway response types and the error every phase fails with
//! ([AWS guide](https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html)).
//!
//! The type decides the default status and the `x-amzn-ErrorType` header, and (with the
//! message) the body that AWS's default template `{"message":$context.error.messageString}`
//! renders. Default statuses are those of AWS's GetGatewayResponses (recorded in
//! test_apigateway_api.snapshot.json, test_gateway_response_crud). A deployment's
//! customisations ([`crate::deployment::gateway_responses`]) are applied by
//! [`crate::pipeline::respond`].

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Response, StatusCode};

use crate::headers::X_AMZN_ERROR_TYPE;

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
    /// Why it happened, when the caller sees only "Internal server error": a configuration
    /// error's reason (TestInvokeMethod's log shows it) or an integration's failure (a
    /// backend's connection error, a timeout), which the request log shows at warn.
    pub reason: Option<Box<str>>,
    /// The `x-amzn-ErrorType` sent when it is not the type's own (one byte: the error sits in
    /// every request's context).
    pub error_type: Option<OtherErrorType>,
}

/// An `x-amzn-ErrorType` AWS sends with a response type that is not the type's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherErrorType {
    /// A SigV4 header or query that lacks a part: answered as INVALID_SIGNATURE.
    IncompleteSignature,
    /// An access key AWS does not know: answered as INVALID_SIGNATURE.
    UnrecognizedClient,
}

impl OtherErrorType {
    /// The header's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IncompleteSignature => "IncompleteSignatureException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
        }
    }
}

impl GatewayError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ResponseType, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
            reason: None,
            error_type: None,
        }
    }

    /// The same error, with why it happened (the caller sees only the message; the request
    /// log and TestInvokeMethod show this).
    pub fn because(mut self, reason: impl Into<Box<str>>) -> Self {
        self.reason = Some(reason.into());
        self
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
        let mut e = Self::new(ResponseType::ApiConfigurationError, "Internal server error");
        e.reason = Some(reason.into());
        e
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
    pub(crate) fn response(&self, status: u16, content_type: &str, body: String) -> Response<Body> {
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
            HeaderValue::from_static(
                self.error_type
                    .map_or(self.kind.error_type(), OtherErrorType::as_str),
            ),
        );
        res
    }
}

/// `$context.error.messageString`: the message as a JSON string literal, quotes included.
pub fn message_string(message: &str) -> String {
    // Serialising a `&str` cannot fail.
    serde_json::to_string(message).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
