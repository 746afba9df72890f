//! Success answers: status codes as botocore's model gives them, JSON bodies.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{internal, Result};

fn json(status: StatusCode, body: &impl Serialize) -> Result<Response> {
    let text = serde_json::to_string(body).map_err(internal)?;
    let mut res = (status, text).into_response();
    res.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    Ok(res)
}

/// 200 with a JSON body.
///
/// # Errors
/// Serialisation failed (a bug).
pub fn ok(body: &impl Serialize) -> Result<Response> {
    json(StatusCode::OK, body)
}

/// 201 with a JSON body (Create*, Put*).
///
/// # Errors
/// Serialisation failed (a bug).
pub fn created(body: &impl Serialize) -> Result<Response> {
    json(StatusCode::CREATED, body)
}

/// 202 with no body (most Delete*).
pub fn accepted() -> Result<Response> {
    Ok(StatusCode::ACCEPTED.into_response())
}

/// 202 with a JSON body (CreateVpcLink, whose link is still being provisioned).
///
/// # Errors
/// Serialisation failed (a bug).
pub fn accepted_with(body: &impl Serialize) -> Result<Response> {
    json(StatusCode::ACCEPTED, body)
}

/// 204 with no body (DeleteMethod, DeleteIntegration, TagResource, …).
pub fn no_content() -> Result<Response> {
    Ok(StatusCode::NO_CONTENT.into_response())
}
