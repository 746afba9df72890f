//! From what the integration answered to what the client gets (non-proxy integrations).
//!
//! The integration response is chosen by its `selectionPattern`, a Java regex that must match
//! the whole backend status (or Lambda error message); the one without a pattern is the
//! default. Its `responseParameters` map headers, its template (chosen by `Accept`) renders the
//! body, and `$context.responseOverride` has the last word.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};

use apigw_model::{Integration, IntegrationResponse};
use apigw_vtl::ResponseOverride;

use crate::deployment::templates::{select_response, Templates};
use crate::error::GatewayError;
use crate::pipeline::invocation::{is_constant, LazyContext};
use crate::request::RequestInfo;

/// Pick the integration response for `selector` (a status code, or an error message).
pub fn select<'a>(
    responses: Option<&'a BTreeMap<String, IntegrationResponse>>,
    selector: &str,
    templates: &Templates,
) -> Option<&'a IntegrationResponse> {
    let responses = responses?;
    let mut default = None;
    for ir in responses.values() {
        match ir.selection_pattern.as_deref().filter(|p| !p.is_empty()) {
            None => {
                if default.is_none() {
                    default = Some(ir);
                }
            }
            Some(p) => {
                // Java's String.matches: the whole text must match (compiled at deployment).
                if templates.pattern_matches(p, selector) {
                    return Some(ir);
                }
            }
        }
    }
    default
}

/// What the integration produced, as the response phase reads it.
pub struct IntegrationOutput<'a> {
    /// Backend status (MOCK: the request template's `statusCode`).
    pub status: u16,
    /// Backend headers.
    pub headers: &'a [(String, String)],
    /// Backend body as text.
    pub body: &'a str,
}

/// Resolve one response parameter source expression.
fn source_value(
    expr: &str,
    out: &IntegrationOutput<'_>,
    ctx: &apigw_vtl::Context,
) -> Option<String> {
    if let Some(lit) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
        return Some(lit.to_string());
    }
    if let Some(h) = expr.strip_prefix("integration.response.header.") {
        return out
            .headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(h))
            .map(|(_, v)| v.clone());
    }
    if let Some(h) = expr.strip_prefix("integration.response.multivalueheader.") {
        let vals: Vec<&str> = out
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(h))
            .map(|(_, v)| v.as_str())
            .collect();
        return (!vals.is_empty()).then(|| vals.join(","));
    }
    if expr == "integration.response.body" {
        return Some(out.body.to_string());
    }
    if let Some(path) = expr.strip_prefix("integration.response.body.") {
        let doc: serde_json::Value = serde_json::from_str(out.body).ok()?;
        let mut cur = &doc;
        for key in path.split('.') {
            cur = cur.get(key)?;
        }
        return Some(match cur {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    if let Some(name) = expr.strip_prefix("stageVariables.") {
        return crate::pipeline::mapping::stage_variable(ctx, name);
    }
    if let Some(path) = expr.strip_prefix("context.") {
        let mut cur = ctx.context.get(path.split('.').next()?)?;
        for key in path.split('.').skip(1) {
            cur = cur.get(key)?;
        }
        return Some(match cur {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    None
}

/// The last step of the HTTP and Lambda custom integrations: the integration response that
/// `selector` (the backend status, or the function's error message) chooses, built with the
/// context the request template used and the template the request's `Accept` picks. MOCK
/// answers through [`select`] and [`build`] itself (lazy context, proxy header remapping).
///
/// # Errors
/// API_CONFIGURATION_ERROR saying `unmatched` when no integration response matches;
/// [`build`]'s errors.
pub fn answer(
    integration: &Integration,
    selector: &str,
    unmatched: &str,
    out: &IntegrationOutput<'_>,
    ctx: apigw_vtl::Context,
    templates: &Templates,
    req: &RequestInfo,
) -> Result<Response<Body>, GatewayError> {
    let ir = select(
        integration.integration_responses.as_ref(),
        selector,
        templates,
    )
    .ok_or_else(|| GatewayError::config(unmatched))?;
    build(
        ir,
        out,
        &mut LazyContext::ready(ctx),
        templates,
        req.header("accept"),
        &crate::headers::NON_PROXY,
    )
}

/// Build the client's response from the chosen integration response.
///
/// # Errors
/// API_CONFIGURATION_ERROR when a template does not parse or fails to render.
pub fn build(
    ir: &IntegrationResponse,
    out: &IntegrationOutput<'_>,
    ctx: &mut LazyContext<'_>,
    templates: &Templates,
    accept: Option<&str>,
    remapped: &[crate::headers::Remap],
) -> Result<Response<Body>, GatewayError> {
    let mut status: u16 = ir.status_code.parse().unwrap_or(200);
    let mut headers: Vec<(String, String)> = Vec::new();
    for (target, expr) in ir.response_parameters.iter().flat_map(|m| m.iter()) {
        if let Some(name) = target.strip_prefix("method.response.header.") {
            let needs_ctx = expr.starts_with("stageVariables.") || expr.starts_with("context.");
            let v = if needs_ctx {
                source_value(expr, out, ctx.get())
            } else {
                source_value(expr, out, &apigw_vtl::Context::default())
            };
            if let Some(v) = v {
                headers.push((name.to_string(), v));
            }
        }
    }
    let (content_type, body) = match select_response(ir.response_templates.as_ref(), accept) {
        Some((ct, text)) if is_constant(text) => (ct, text.to_string()),
        Some((ct, text)) => {
            let template = templates.get(text).map_err(|e| GatewayError::config(&e))?;
            let ctx = ctx.get();
            ctx.body = out.body.to_string();
            let rendered = template
                .render(ctx)
                .map_err(|e| GatewayError::config(&e.to_string()))?;
            apply_override(&rendered.response_override, &mut status, &mut headers);
            (ct, rendered.output)
        }
        None => {
            // No response template runs: the request template's `$context.responseOverride`
            // still has the last word (recorded: test_integration_mock_with_response_override
            // _in_request_template[False], 444 with an empty body).
            if let Some(c) = ctx.existing() {
                apply_override(&ResponseOverride::carried(c), &mut status, &mut headers);
            }
            ("application/json", out.body.to_string())
        }
    };
    let mut res = Response::new(Body::from(body));
    *res.status_mut() =
        StatusCode::from_u16(status).map_err(|_| GatewayError::config("bad status"))?;
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/json")),
    );
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            h.append(name, value);
        }
    }
    crate::headers::remap(h, remapped);
    Ok(res)
}

/// A template's `$context.responseOverride`: its status, and its headers over the mapped ones.
fn apply_override(o: &ResponseOverride, status: &mut u16, headers: &mut Vec<(String, String)>) {
    if let Some(s) = o.status {
        *status = s;
    }
    for (k, v) in &o.header {
        headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
        headers.push((k.clone(), v.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ir(code: &str, pattern: Option<&str>) -> IntegrationResponse {
        IntegrationResponse {
            status_code: code.into(),
            selection_pattern: pattern.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn selection() {
        let map: BTreeMap<String, IntegrationResponse> = [
            ("200".to_string(), ir("200", None)),
            ("400".to_string(), ir("400", Some("4\\d{2}"))),
            ("500".to_string(), ir("500", Some("5.*"))),
        ]
        .into_iter()
        .collect();
        let t = Templates::default();
        assert_eq!(select(Some(&map), "200", &t).unwrap().status_code, "200");
        assert_eq!(select(Some(&map), "404", &t).unwrap().status_code, "400");
        assert_eq!(select(Some(&map), "503", &t).unwrap().status_code, "500");
        // Whole-string match, as Java's matches().
        assert_eq!(select(Some(&map), "4040", &t).unwrap().status_code, "200");
        assert!(select(None, "200", &t).is_none());
    }
}
