//! MOCK: no backend. The request template yields `{"statusCode": N}`, which selects the
//! integration response; its mappings and template make the answer (this is how CORS
//! preflight `OPTIONS` methods are built on AWS).

use axum::body::Body;
use std::cell::OnceCell;

use axum::http::header::{HeaderName, ACCEPT, CONTENT_TYPE};
use axum::http::{Request, Response};

use apigw_model::Integration;

use crate::deployment::templates::{select_request, RequestBody};
use crate::error::{GatewayError, ResponseType};
use crate::pipeline::integration_response::{self, IntegrationOutput};
use crate::pipeline::invocation::Invocation;
use crate::pipeline::invocation::{context_object, is_constant, vtl_context, LazyContext};
use crate::request::request_head;
use crate::request::RequestInfo;

/// The status a MOCK request template asked for: `statusCode` of its JSON output (AWS also
/// accepts the unquoted-key form `{statusCode: 200}` that CDK generates); 200 when absent.
pub fn status_of(output: &str) -> u16 {
    if let Some(n) = plain_status(output) {
        return n;
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(output) {
        if let Some(code) = v.get("statusCode") {
            return code
                .as_u64()
                .or_else(|| code.as_str().and_then(|s| s.trim().parse().ok()))
                .and_then(|n| u16::try_from(n).ok())
                .unwrap_or(200);
        }
        return 200;
    }
    // `{statusCode: 200}` — find the digits after the key.
    if let Some(i) = output.find("statusCode") {
        let digits: String = output[i + 10..]
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse() {
            return n;
        }
    }
    200
}

/// The usual template output, `{"statusCode": N}` (any JSON whitespace), read without a JSON
/// parser; `None` for anything else.
fn plain_status(output: &str) -> Option<u16> {
    let rest = output.trim_start_matches(is_json_space).strip_prefix('{')?;
    let rest = rest
        .trim_start_matches(is_json_space)
        .strip_prefix("\"statusCode\"")?;
    let rest = rest.trim_start_matches(is_json_space).strip_prefix(':')?;
    let rest = rest.trim_start_matches(is_json_space);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    // A leading zero is not JSON (serde would refuse it): leave such text to the slow path.
    if digits == 0 || (digits > 1 && rest.starts_with('0')) {
        return None;
    }
    let n: u64 = rest[..digits].parse().ok()?;
    let rest = rest[digits..]
        .trim_start_matches(is_json_space)
        .strip_prefix('}')?;
    rest.trim_start_matches(is_json_space)
        .is_empty()
        .then(|| u16::try_from(n).unwrap_or(200))
}

fn is_json_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// A header's value as templates see it (the last one wins, as `RequestInfo::header`).
fn last_header(head: &Request<()>, name: HeaderName) -> Option<&str> {
    head.headers()
        .get_all(name)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
}

/// Answer a MOCK integration.
pub fn invoke(
    inv: &Invocation<'_>,
    integration: &Integration,
    head: &Request<()>,
    body: &[u8],
    path: &str,
) -> Result<Response<Body>, GatewayError> {
    // The template view of the request is built only if a template reads it: a MOCK with
    // constant templates (CORS preflights, stubs) answers from the head alone.
    let info: OnceCell<RequestInfo> = OnceCell::new();
    let req = || info.get_or_init(|| request_head(path, head, inv.client, body.to_vec()));
    let mut ctx = LazyContext::new(|| {
        let req = req();
        vtl_context(
            inv,
            req,
            context_object(inv, req, chrono::Utc::now()),
            req.body.clone(),
        )
    });
    let templates = &inv.stage.deployment.templates;
    let status = match select_request(
        integration.request_templates.as_ref(),
        last_header(head, CONTENT_TYPE),
        integration.passthrough_behavior.as_deref(),
    ) {
        RequestBody::Template(text) if is_constant(text) => status_of(text),
        RequestBody::Template(text) => {
            let t = templates.get(text).map_err(|e| GatewayError::config(&e))?;
            let ctx = ctx.get();
            let rendered = t
                .render(ctx)
                .map_err(|e| GatewayError::config(&e.to_string()))?;
            ctx.carry_overrides(&rendered);
            status_of(&rendered.output)
        }
        RequestBody::Passthrough => status_of(&req().body),
        RequestBody::Unsupported => {
            return Err(GatewayError::new(
                ResponseType::UnsupportedMediaType,
                "Unsupported Media Type",
            ))
        }
    };
    // The status as text (matched against selection patterns), without the formatter.
    let ir = integration_response::select(
        integration.integration_responses.as_ref(),
        itoa::Buffer::new().format(status),
        templates,
    )
    .ok_or_else(|| GatewayError::config("no integration response matches the MOCK status"))?;
    let out = IntegrationOutput {
        status,
        headers: &[],
        body: "",
    };
    integration_response::build(
        ir,
        &out,
        &mut ctx,
        templates,
        last_header(head, ACCEPT),
        &crate::headers::PROXY,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_forms() {
        assert_eq!(status_of(r#"{"statusCode": 404}"#), 404);
        assert_eq!(status_of(r#"{"statusCode": "201"}"#), 201);
        assert_eq!(status_of("{statusCode: 500}"), 500);
        assert_eq!(status_of(""), 200);
        assert_eq!(status_of("{}"), 200);
        assert_eq!(status_of(" {\n  \"statusCode\" :\t204 }\n"), 204);
        assert_eq!(status_of(r#"{"statusCode": 99999}"#), 200);
        assert_eq!(status_of(r#"{"statusCode": 200, "x": 1}"#), 200);
        assert_eq!(status_of(r#"{"statusCode": 404, "x": 1}"#), 404);
        // Not JSON (leading zero): found by the lenient scan, as before.
        assert_eq!(status_of(r#"{"statusCode": 0404}"#), 404);
        // Every plain form agrees with the JSON reading.
        for text in [
            r#"{"statusCode":500}"#,
            "{ \"statusCode\": 302 }",
            r#"{"statusCode": 0}"#,
        ] {
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                Some(status_of(text)),
                json["statusCode"]
                    .as_u64()
                    .and_then(|n| u16::try_from(n).ok())
            );
            assert!(plain_status(text).is_some());
        }
    }
}
