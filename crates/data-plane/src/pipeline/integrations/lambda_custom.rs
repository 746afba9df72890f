//! AWS integrations with Lambda, non-proxy (the "Lambda custom integration"): the request
//! template (under the passthrough rules) makes the function's payload; the function's answer
//! goes through the integration responses. As on AWS, a successful answer takes the default
//! integration response, and a function error is matched by `selectionPattern` against its
//! `errorMessage` — with no match, the default response (often 200) carries the error
//! ([Lambda custom integrations](https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html)).

use axum::body::Body;
use axum::http::Response;
use serde_json::Value;

use apigw_model::Integration;

use crate::deployment::templates::render_request;
use crate::error::{GatewayError, ResponseType};
use crate::pipeline::integration_response::{self, IntegrationOutput};
use crate::pipeline::integrations::backends::Backends;
use crate::pipeline::invocation::Invocation;
use crate::pipeline::invocation::{context_object, vtl_context};
use crate::request::RequestInfo;

/// The text integration responses are selected on: the error message of a function error,
/// empty for a successful answer (only the default response matches it).
pub fn selector(function_error: bool, payload: &[u8]) -> String {
    if !function_error {
        return String::new();
    }
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(m)) => match m.get("errorMessage") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        },
        _ => String::from_utf8_lossy(payload).into_owned(),
    }
}

/// Invoke the function through the templates.
pub async fn invoke(
    backends: &Backends,
    inv: &Invocation<'_>,
    integration: &Integration,
    req: &RequestInfo,
) -> Result<Response<Body>, GatewayError> {
    let templates = &inv.stage.deployment.templates;
    let context = context_object(inv, req, chrono::Utc::now());
    let mut ctx = vtl_context(inv, req, context, req.body.clone());
    let (payload, _) = render_request(integration, templates, &mut ctx, req)?;
    let called = super::lambda::call(backends, inv, integration, payload).await?;
    if !called.status.is_success() {
        // The Invoke API itself failed (no such function, …): AWS's configuration error.
        return Err(
            GatewayError::new(ResponseType::IntegrationFailure, "Internal server error")
                .with_status(500)
                .because(format!(
                    "Lambda Invoke of {} answered {}",
                    called.function, called.status
                )),
        );
    }
    let selector = selector(called.function_error, &called.payload);
    let text = String::from_utf8_lossy(&called.payload);
    let out = IntegrationOutput {
        status: 200,
        headers: &[],
        body: &text,
    };
    integration_response::answer(
        integration,
        &selector,
        "no integration response matches the function's answer",
        &out,
        ctx,
        templates,
        req,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        assert_eq!(selector(false, br#"{"errorMessage": "x"}"#), "");
        assert_eq!(
            selector(
                true,
                br#"{"errorMessage": "Not found: 7", "errorType": "Error"}"#
            ),
            "Not found: 7"
        );
        assert_eq!(selector(true, b"plain"), "plain");
    }
}
