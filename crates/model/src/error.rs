//! The AWS error model of the apigateway control plane.
//!
//! AWS answers an error with the `x-amzn-ErrorType` header naming the exception and a body
//! `{"message": "..."}`. SDKs pick the exception from the header, so the code must be exact;
//! the status codes follow botocore's model (`BadRequestException` 400, `NotFoundException` 404…).

use std::fmt;

/// The exception types the apigateway API answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400: the request is well-formed but not acceptable.
    BadRequest,
    /// 409: the resource exists already, or is referenced elsewhere.
    Conflict,
    /// 429: an account limit is reached.
    LimitExceeded,
    /// 404: the named resource does not exist.
    NotFound,
    /// 503: the service cannot take the request now.
    ServiceUnavailable,
    /// 429: too many requests.
    TooManyRequests,
    /// 401: the caller is not authenticated.
    Unauthorized,
    /// 403: refused before any operation (apigw-local's guard against web pages).
    AccessDenied,
    /// 400: a member fails its model constraint (enum, pattern, length).
    Validation,
    /// 400: a member has the wrong JSON type, or the body is not JSON.
    Serialization,
    /// 501: the operation exists in AWS's model but apigw-local does not implement it yet.
    NotImplemented,
    /// 404: no operation is routed at this method and path.
    UnknownOperation,
    /// 413: the request body is larger than the service takes.
    RequestTooLarge,
    /// 500: something failed inside apigw-local (a store error); never the caller's fault.
    Internal,
}

impl ErrorKind {
    /// The exception name sent in `x-amzn-ErrorType`.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadRequest => "BadRequestException",
            Self::Conflict => "ConflictException",
            Self::LimitExceeded => "LimitExceededException",
            Self::NotFound => "NotFoundException",
            Self::ServiceUnavailable => "ServiceUnavailableException",
            Self::TooManyRequests => "TooManyRequestsException",
            Self::Unauthorized => "UnauthorizedException",
            Self::AccessDenied => "AccessDeniedException",
            Self::Validation => "ValidationException",
            Self::Serialization => "SerializationException",
            Self::NotImplemented => "NotImplementedException",
            Self::UnknownOperation => "UnknownOperationException",
            Self::RequestTooLarge => "RequestTooLargeException",
            Self::Internal => "InternalFailure",
        }
    }

    /// The HTTP status AWS sends with this exception.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest | Self::Validation | Self::Serialization => 400,
            Self::Unauthorized => 401,
            Self::AccessDenied => 403,
            Self::NotFound | Self::UnknownOperation => 404,
            Self::Conflict => 409,
            Self::RequestTooLarge => 413,
            Self::LimitExceeded | Self::TooManyRequests => 429,
            Self::Internal => 500,
            Self::NotImplemented => 501,
            Self::ServiceUnavailable => 503,
        }
    }
}

/// An AWS-style error: the exception type and its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ApiError {
    /// Which exception; decides the status and `x-amzn-ErrorType`.
    pub kind: ErrorKind,
    /// The text AWS puts in `{"message": ...}`.
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

/// One failed constraint as AWS's services word it:
/// `Value 'X' at 'where' failed to satisfy constraint: ...`, with `Value null` (no quotes) for a
/// member that was not sent.
pub fn constraint_failure(value: Option<&str>, at: &str, constraint: &str) -> String {
    match value {
        Some(v) => format!("Value '{v}' at '{at}' failed to satisfy constraint: {constraint}"),
        None => format!("Value null at '{at}' failed to satisfy constraint: {constraint}"),
    }
}

/// The text of a validation failure listing `failures` (from [`constraint_failure`]), joined by
/// `; `, as API Gateway, IAM and CloudWatch Logs all write it:
/// `2 validation errors detected: ...; ...`.
pub fn validation_text(failures: &[String]) -> String {
    let n = failures.len();
    let noun = if n == 1 { "error" } else { "errors" };
    format!("{n} validation {noun} detected: {}", failures.join("; "))
}

/// Result of anything that can fail with an AWS error.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    /// 400 `BadRequestException`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }
    /// 404 `NotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    /// 409 `ConflictException`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    /// 400 `SerializationException`.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Serialization, message)
    }
    /// 500: an internal failure; the message is logged, the caller sees a generic text.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
    /// 501 for an operation of AWS's model that apigw-local does not implement yet.
    pub fn not_implemented(operation: &str) -> Self {
        Self::new(
            ErrorKind::NotImplemented,
            format!("The operation {operation} is not implemented by apigw-local yet"),
        )
    }

    /// AWS's one-constraint `ValidationException`:
    /// `1 validation error detected: Value 'X' at 'where' failed to satisfy constraint: ...`.
    pub fn validation(value: &str, at: &str, constraint: &str) -> Self {
        Self::validations(&[(value.to_string(), at.to_string(), constraint.to_string())])
    }

    /// AWS's `ValidationException` listing several failed constraints, joined by `; `.
    pub fn validations(failures: &[(String, String, String)]) -> Self {
        let parts: Vec<String> = failures
            .iter()
            .map(|(v, at, c)| constraint_failure(Some(v), at, c))
            .collect();
        Self::new(ErrorKind::Validation, validation_text(&parts))
    }

    /// The constraint text AWS uses for an enum: `Member must satisfy enum value set: [A, B]`.
    pub fn enum_constraint(values: &[&str]) -> String {
        format!(
            "Member must satisfy enum value set: [{}]",
            values.join(", ")
        )
    }

    /// 413 for a request body over `limit` bytes.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            ErrorKind::RequestTooLarge,
            format!("Request body too large: the limit is {limit} bytes"),
        )
    }

    /// "Invalid API identifier specified {account}:{id}", AWS's answer for an unknown rest API.
    pub fn api_not_found(account: &str, api_id: &str) -> Self {
        Self::not_found(format!(
            "Invalid API identifier specified {account}:{api_id}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_message_matches_aws() {
        // test_apigateway_api.snapshot.json, put-integration-wrong-type
        let e = ApiError::validation(
            "HTTPS_PROXY",
            "putIntegrationInput.type",
            &ApiError::enum_constraint(&["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"]),
        );
        assert_eq!(e.kind.status(), 400);
        assert_eq!(e.message, "1 validation error detected: Value 'HTTPS_PROXY' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]");
    }

    #[test]
    fn plural_validation() {
        let e = ApiError::validations(&[
            ("a".into(), "x".into(), "c".into()),
            ("b".into(), "y".into(), "d".into()),
        ]);
        assert!(e
            .message
            .starts_with("2 validation errors detected: Value 'a' at 'x'"));
        assert!(e.message.contains("; Value 'b' at 'y'"));
    }
}
