//! How control-plane errors go on the wire: `x-amzn-ErrorType` plus `{"message": ...}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use apigw_model::{ApiError, ErrorKind};
use apigw_store::StoreError;

/// A handler's error: an AWS error, rendered once here.
#[derive(Debug)]
pub struct Error(pub ApiError);

/// Result of a control-plane handler.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        // Store failures are ours, never the caller's: log once here, answer a generic 500.
        tracing::error!(error = %e, "store failure");
        Self(ApiError::internal("Internal server error"))
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let ApiError { kind, message } = self.0;
        let status =
            StatusCode::from_u16(kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "message": message }).to_string();
        let mut res = (status, body).into_response();
        let h = res.headers_mut();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h.insert("x-amzn-errortype", HeaderValue::from_static(kind.code()));
        res
    }
}

/// 404 "Invalid Resource identifier specified".
pub fn resource_not_found() -> Error {
    ApiError::not_found("Invalid Resource identifier specified").into()
}

/// 404 "Invalid Method identifier specified".
pub fn method_not_found() -> Error {
    ApiError::not_found("Invalid Method identifier specified").into()
}

/// The 500 used when a JSON round-trip of our own documents fails.
pub fn internal(e: impl std::fmt::Display) -> Error {
    tracing::error!(error = %e, "internal failure");
    ApiError::new(ErrorKind::Internal, "Internal server error").into()
}

/// AWS's 404 for an unknown API key.
pub fn key_not_found() -> Error {
    ApiError::not_found("Invalid API Key identifier specified").into()
}

/// AWS's 404 for an unknown usage plan (test_usage_plan_crud, update-wrong-id).
pub fn plan_not_found() -> Error {
    ApiError::not_found("Invalid Usage Plan ID specified").into()
}

/// AWS's 404 for an unknown VPC link (recorded: test_apigateway_api.snapshot.json,
/// test_get_vpc_link_invalid_id, test_update_vpc_link_invalid_id, test_delete_vpc_link_invalid_id).
pub fn vpc_link_not_found() -> Error {
    ApiError::not_found("Invalid Vpc Link identifier specified").into()
}

/// The 404 for an unknown client certificate. AWS's wording is not recorded: this follows the
/// recorded pattern of its other 404s ("Invalid Vpc Link identifier specified").
pub fn client_certificate_not_found() -> Error {
    ApiError::not_found("Invalid Client Certificate identifier specified").into()
}
