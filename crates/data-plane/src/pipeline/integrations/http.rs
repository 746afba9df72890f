//! HTTP (non-proxy): the request is reshaped by parameter mappings and a template, the
//! backend's answer by an integration response chosen on its status.
//!
//! Only mapped parameters reach the backend (`integration.request.{path,querystring,header}.x`),
//! the body is the request template's output (or the client's body under the passthrough
//! rules), and `$context.requestOverride` has the last word.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Response};

use apigw_model::Integration;

use crate::deployment::templates::render_request;
use crate::error::{GatewayError, ResponseType};
use crate::pipeline::integration_response::{self, IntegrationOutput};
use crate::pipeline::integrations::backends::Backends;
use crate::pipeline::invocation::Invocation;
use crate::pipeline::invocation::{context_object, vtl_context};
use crate::pipeline::mapping::{map_parameters, Mapped};
use crate::request::RequestInfo;

fn replace_all(
    list: &mut Vec<(String, String)>,
    overrides: &[(String, String)],
    case_insensitive: bool,
) {
    for (k, v) in overrides {
        list.retain(|(x, _)| {
            if case_insensitive {
                !x.eq_ignore_ascii_case(k)
            } else {
                x != k
            }
        });
        list.push((k.clone(), v.clone()));
    }
}

/// Fill `{name}` in the URI from mapped path parameters, and append the mapped query string.
pub fn build_url(uri: &str, mapped: &Mapped) -> String {
    let mut url = uri.to_string();
    for (k, v) in &mapped.path {
        let enc = percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
        url = url
            .replace(&format!("{{{k}}}"), &enc)
            .replace(&format!("{{{k}+}}"), v);
    }
    if !mapped.querystring.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&mapped.query_string());
    }
    url
}

/// A request reshaped by the integration: its mapped parameters, the template context the
/// integration response renders with, and the body.
pub struct Prepared {
    /// Mapped path, query string and header parameters (request overrides applied).
    pub mapped: Mapped,
    /// The template context, for the integration response.
    pub ctx: apigw_vtl::Context,
    /// The request template's output, or the client's body under the passthrough rules.
    pub body: String,
}

/// Map the parameters and render the request template, `$context.requestOverride` last.
pub fn prepare(
    inv: &Invocation<'_>,
    integration: &Integration,
    req: &RequestInfo,
) -> Result<Prepared, GatewayError> {
    let templates = &inv.stage.deployment.templates;
    let context = context_object(inv, req, chrono::Utc::now());
    let mut mapped = map_parameters(integration, inv, req, &context);
    let mut ctx = vtl_context(inv, req, context, req.body.clone());
    let (body, overrides) = render_request(integration, templates, &mut ctx, req)?;
    if let Some(o) = overrides {
        replace_all(&mut mapped.header, &o.header, true);
        replace_all(&mut mapped.querystring, &o.querystring, false);
        replace_all(&mut mapped.path, &o.path, false);
    }
    Ok(Prepared { mapped, ctx, body })
}

/// The verb the backend is called with: the integration's, or the client's for `ANY`.
pub fn method_of(integration: &Integration, req: &RequestInfo) -> Result<Method, GatewayError> {
    match integration.http_method.as_deref() {
        Some("ANY") | None => req
            .method
            .parse()
            .map_err(|_| GatewayError::config("bad method")),
        Some(m) => m
            .parse()
            .map_err(|_| GatewayError::config("bad integration method")),
    }
}

/// The headers a reshaped request carries: the client's `Content-Type` and `Accept` (JSON by
/// default), then the mapped ones, each replacing a header of its name.
///
/// # Errors
/// A mapped header no HTTP request can carry (a control character): the backend call fails,
/// INTEGRATION_FAILURE, its reason in the request log.
pub fn headers_of(req: &RequestInfo, mapped: &Mapped) -> Result<HeaderMap, GatewayError> {
    let mut h = HeaderMap::new();
    let defaults = [
        (
            "content-type",
            req.header("content-type").unwrap_or("application/json"),
        ),
        ("accept", req.header("accept").unwrap_or("application/json")),
    ];
    let mapped = mapped.header.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    for (name, value) in defaults.into_iter().chain(mapped) {
        // Bytes above 0x7f (UTF-8 from a body or header) are allowed, as HTTP allows them.
        match (
            HeaderName::try_from(name),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            (Ok(n), Ok(v)) => {
                h.insert(n, v);
            }
            _ => {
                return Err(GatewayError::new(
                    ResponseType::IntegrationFailure,
                    "Internal server error",
                )
                .because(format!("the mapped header {name:?} cannot be sent")))
            }
        }
    }
    Ok(h)
}

/// Send `request` within the integration's timeout and answer through the integration
/// response its status selects.
pub async fn exchange(
    integration: &Integration,
    templates: &crate::deployment::templates::Templates,
    req: &RequestInfo,
    ctx: apigw_vtl::Context,
    request: reqwest::RequestBuilder,
    url: &str,
) -> Result<Response<Body>, GatewayError> {
    let (status, headers, bytes) = super::within(
        super::timeout_of(integration),
        async {
            let r = request.send().await?;
            let status = r.status().as_u16();
            let headers: Vec<(String, String)> = r
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let body = r.bytes().await?;
            Ok((status, headers, body))
        },
        |e| {
            GatewayError::new(ResponseType::IntegrationFailure, "Internal server error")
                .because(format!("{url}: {e}"))
        },
    )
    .await?;
    let text = String::from_utf8_lossy(&bytes);
    let out = IntegrationOutput {
        status,
        headers: &headers,
        body: &text,
    };
    integration_response::answer(
        integration,
        &status.to_string(),
        "no integration response matches the backend status",
        &out,
        ctx,
        templates,
        req,
    )
}

/// Call an HTTP backend through the mappings.
pub async fn invoke(
    backends: &Backends,
    inv: &Invocation<'_>,
    integration: &Integration,
    req: &RequestInfo,
) -> Result<Response<Body>, GatewayError> {
    let Prepared { mapped, ctx, body } = prepare(inv, integration, req)?;
    let uri = super::uri_of(integration, inv.stage);
    let (url, host) = super::through_vpc_link(build_url(&uri, &mapped), integration, inv.stage);
    let mut headers = headers_of(req, &mapped)?;
    if let Some(h) = host.and_then(|h| HeaderValue::try_from(h).ok()) {
        headers.insert(axum::http::header::HOST, h);
    }
    let request = backends
        .client_in(integration, inv.stage)
        .request(method_of(integration, req)?, &url)
        .headers(headers)
        .body(body);
    let templates = &inv.stage.deployment.templates;
    exchange(integration, templates, req, ctx, request, &url).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let m = Mapped {
            path: vec![("id".into(), "a b".into())],
            querystring: vec![("q".into(), "x&y".into())],
            header: vec![],
        };
        assert_eq!(
            build_url("http://h/items/{id}", &m),
            "http://h/items/a%20b?q=x%26y"
        );
        assert_eq!(
            build_url(
                "http://h/x?z=1",
                &Mapped {
                    querystring: vec![("a".into(), "b".into())],
                    ..Default::default()
                }
            ),
            "http://h/x?z=1&a=b"
        );
    }
}
