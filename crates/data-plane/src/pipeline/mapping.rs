//! Parameter mapping expressions: where a mapped value comes from.
//!
//! `method.request.{path,querystring,header,multivaluequerystring,multivalueheader}.name`,
//! `method.request.body` and `method.request.body.JSONPath`, `context.x.y`, `stageVariables.x`,
//! and `'literal'` — as integration request parameters and gateway responses use them.

use serde_json::Value;

use apigw_model::Integration;

use crate::pipeline::invocation::Invocation;
use crate::request::RequestInfo;

/// Walk `a.b.c` into a JSON value and give its text (strings unquoted).
pub fn json_path_text(doc: &Value, path: &str) -> Option<String> {
    let path = path.trim_start_matches('$').trim_start_matches('.');
    let mut cur = doc;
    for key in path.split('.').filter(|k| !k.is_empty()) {
        cur = cur.get(key)?;
    }
    Some(match cur {
        Value::String(s) => s.clone(),
        Value::Null => return None,
        other => other.to_string(),
    })
}

/// The text at `a.b.c` in `$context`, walked in place (no copy of the map).
pub fn context_text(context: &serde_json::Map<String, Value>, path: &str) -> Option<String> {
    let mut keys = path.split('.');
    let first = context.get(keys.next()?)?;
    let rest: Vec<&str> = keys.collect();
    json_path_text(first, &rest.join("."))
}

/// A `stageVariables.name` source read from a template context (the response phases have
/// the context at hand rather than the stage's map).
pub fn stage_variable(ctx: &apigw_vtl::Context, name: &str) -> Option<String> {
    ctx.stage_variables
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// A `method.request.{path,querystring,header,multivaluequerystring,multivalueheader}.name`
/// value: single-valued views keep the last value, multi-valued ones join with `,`; header
/// names match case-insensitively. Shared by integration request mappings and gateway
/// responses.
pub fn method_request_param(
    kind: &str,
    name: &str,
    headers: &[(String, String)],
    query: &[(String, String)],
    path_params: &[(String, String)],
) -> Option<String> {
    let joined = |v: Vec<&str>| (!v.is_empty()).then(|| v.join(","));
    match kind {
        "path" => path_params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone()),
        "querystring" => query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone()),
        "header" => headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone()),
        "multivaluequerystring" => joined(
            query
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect(),
        ),
        "multivalueheader" => joined(
            headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect(),
        ),
        _ => None,
    }
}

/// Resolve a request-side source expression.
pub fn request_source(
    expr: &str,
    req: &RequestInfo,
    path_params: &[(String, String)],
    context: &serde_json::Map<String, Value>,
    stage_variables: Option<&apigw_model::StringMap>,
) -> Option<String> {
    let expr = expr.trim();
    if let Some(lit) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
        return Some(lit.to_string());
    }
    if let Some(rest) = expr.strip_prefix("method.request.") {
        let (kind, name) = rest.split_once('.').unwrap_or((rest, ""));
        return match kind {
            "body" if name.is_empty() => Some(req.body.clone()),
            "body" => json_path_text(&serde_json::from_str(&req.body).ok()?, name),
            _ => method_request_param(kind, name, &req.headers, &req.query, path_params),
        };
    }
    if let Some(path) = expr.strip_prefix("context.") {
        return context_text(context, path);
    }
    if let Some(name) = expr.strip_prefix("stageVariables.") {
        return stage_variables.and_then(|m| m.get(name)).cloned();
    }
    None
}

/// The parameters a request mapping produces, by location.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Mapped {
    /// `integration.request.path.x`.
    pub path: Vec<(String, String)>,
    /// `integration.request.querystring.x` (and multivalue, comma-split).
    pub querystring: Vec<(String, String)>,
    /// `integration.request.header.x` (and multivalue).
    pub header: Vec<(String, String)>,
}

impl Mapped {
    /// The mapped query string parameters, percent-encoded (`a=1&b=x%20y`).
    pub fn query_string(&self) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let pairs: Vec<String> = self
            .querystring
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        pairs.join("&")
    }
}

/// Whether an integration maps headers or query strings (path mappings aside): an HTTP_PROXY
/// integration builds the request view for [`map_parameters`] only then.
pub fn maps_headers_or_query(integration: &Integration) -> bool {
    integration
        .request_parameters
        .iter()
        .flatten()
        .any(|(k, _)| {
            let kind = k
                .strip_prefix("integration.request.")
                .and_then(|r| r.split_once('.'))
                .map(|(kind, _)| kind);
            !matches!(kind, Some("path") | None)
        })
}

/// Apply `requestParameters`.
pub fn map_parameters(
    integration: &Integration,
    inv: &Invocation<'_>,
    req: &RequestInfo,
    ctx: &serde_json::Map<String, serde_json::Value>,
) -> Mapped {
    let mut m = Mapped::default();
    for (target, expr) in integration.request_parameters.iter().flat_map(|p| p.iter()) {
        let Some(rest) = target.strip_prefix("integration.request.") else {
            continue;
        };
        let Some((kind, name)) = rest.split_once('.') else {
            continue;
        };
        let Some(value) = request_source(
            expr,
            req,
            &inv.path_params,
            ctx,
            inv.stage.stage.variables.as_ref(),
        ) else {
            continue;
        };
        match kind {
            "path" => m.path.push((name.to_string(), value)),
            "querystring" => m.querystring.push((name.to_string(), value)),
            "multivaluequerystring" => m
                .querystring
                .extend(value.split(',').map(|v| (name.to_string(), v.to_string()))),
            "header" | "multivalueheader" => m.header.push((name.to_string(), value)),
            _ => {}
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        let req = RequestInfo {
            query: vec![("a".into(), "1".into()), ("a".into(), "2".into())],
            headers: vec![("X-Id".into(), "h".into())],
            body: r#"{"pet": {"name": "Rex", "age": 3}}"#.into(),
            ..Default::default()
        };
        let params = vec![("id".to_string(), "7".to_string())];
        let mut ctx = serde_json::Map::new();
        ctx.insert(
            "identity".into(),
            serde_json::json!({"sourceIp": "1.2.3.4"}),
        );
        let r = |e: &str| request_source(e, &req, &params, &ctx, None);
        assert_eq!(r("method.request.path.id").as_deref(), Some("7"));
        assert_eq!(r("method.request.querystring.a").as_deref(), Some("2"));
        assert_eq!(
            r("method.request.multivaluequerystring.a").as_deref(),
            Some("1,2")
        );
        assert_eq!(r("method.request.header.x-id").as_deref(), Some("h"));
        assert_eq!(r("method.request.body.pet.name").as_deref(), Some("Rex"));
        assert_eq!(r("method.request.body.$.pet.age").as_deref(), Some("3"));
        assert_eq!(r("context.identity.sourceIp").as_deref(), Some("1.2.3.4"));
        assert_eq!(r("'lit'").as_deref(), Some("lit"));
        assert_eq!(r("method.request.path.none"), None);
    }
}
