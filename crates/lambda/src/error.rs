//! Lambda's errors as its REST-JSON protocol renders them: the type in `x-amzn-ErrorType`, a
//! body `{"Type": "User", "Message": …}` (botocore reads either case of `message`).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use apigw_model::error::{constraint_failure, validation_text};

/// An error of the Lambda API.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LambdaError {
    /// No such function, statement or policy (404).
    #[error("{0}")]
    NotFound(String),
    /// The function or statement exists already (409).
    #[error("{0}")]
    Conflict(String),
    /// A parameter's value is refused (400).
    #[error("{0}")]
    InvalidParameter(String),
    /// A constraint of the service model is broken (400).
    #[error("{0}")]
    Validation(String),
    /// The Invoke payload is not JSON (400).
    #[error("{0}")]
    RequestContent(String),
    /// The function's runtime cannot run here (502).
    #[error("{0}")]
    Runtime(String),
    /// The request body is over Lambda's limit (413).
    #[error("{0}")]
    TooLarge(String),
    /// A `RevisionId` that is not the function's current one (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// The path names no operation of the subset (404).
    #[error("{0}")]
    UnknownOperation(String),
    /// The store failed (500).
    #[error("{0}")]
    Service(String),
}

impl LambdaError {
    /// The exception's name (`x-amzn-ErrorType`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "ResourceNotFoundException",
            Self::Conflict(_) => "ResourceConflictException",
            Self::InvalidParameter(_) => "InvalidParameterValueException",
            Self::Validation(_) => "ValidationException",
            Self::RequestContent(_) => "InvalidRequestContentException",
            Self::Runtime(_) => "InvalidRuntimeException",
            Self::TooLarge(_) => "RequestTooLargeException",
            Self::PreconditionFailed(_) => "PreconditionFailedException",
            Self::UnknownOperation(_) => "UnknownOperationException",
            Self::Service(_) => "ServiceException",
        }
    }

    /// The HTTP status AWS answers it with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) | Self::UnknownOperation(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::InvalidParameter(_) | Self::Validation(_) | Self::RequestContent(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::Runtime(_) => StatusCode::BAD_GATEWAY,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Service(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body the Lambda API answers this error with.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "Type": "User", "Message": self.to_string() })
    }

    /// AWS's answer to a zip it cannot read.
    pub fn unzippable() -> Self {
        Self::InvalidParameter(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
                .into(),
        )
    }

    /// The answer to code given other than as a zip, which the built-in Lambda does not take.
    pub fn zip_only() -> Self {
        Self::InvalidParameter(
            "apigw-local's built-in Lambda takes code as ZipFile only (no S3 object, no container image).".into(),
        )
    }

    /// AWS's "Function not found" for a function ARN (with its qualifier, if any).
    pub fn function_not_found(arn: &str) -> Self {
        Self::NotFound(format!("Function not found: {arn}"))
    }

    /// AWS's constraint message for one member.
    pub fn constraint(value: &str, member: &str, constraint: &str) -> Self {
        Self::Validation(validation_text(&[constraint_failure(
            Some(value),
            member,
            constraint,
        )]))
    }

    /// AWS's message for a required member that was not sent.
    pub fn missing(member: &str) -> Self {
        Self::Validation(validation_text(&[constraint_failure(
            None,
            member,
            "Member must not be null",
        )]))
    }
}

impl From<apigw_store::StoreError> for LambdaError {
    fn from(e: apigw_store::StoreError) -> Self {
        tracing::error!(error = %e, "Lambda store failure");
        Self::Service("An internal error occurred.".into())
    }
}

impl From<std::io::Error> for LambdaError {
    fn from(e: std::io::Error) -> Self {
        tracing::error!(error = %e, "Lambda code storage failure");
        Self::Service("An internal error occurred.".into())
    }
}

impl IntoResponse for LambdaError {
    fn into_response(self) -> Response {
        let mut res = (self.status(), axum::Json(self.body())).into_response();
        res.headers_mut()
            .insert("x-amzn-ErrorType", HeaderValue::from_static(self.code()));
        res
    }
}

/// A Lambda API result.
pub type LambdaResult<T> = Result<T, LambdaError>;
