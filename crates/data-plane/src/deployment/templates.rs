//! Mapping templates of a deployment, parsed once when the deployment is compiled.

use std::collections::HashMap;
use std::sync::Arc;

use apigw_model::{Resource, StringMap};
use apigw_vtl::Template;

/// Every template text of a deployment, parsed; a text that does not parse keeps its error so
/// the request that uses it answers AWS's configuration error.
#[derive(Debug, Default)]
pub struct Templates {
    parsed: HashMap<String, Result<Arc<Template>, String>>,
    /// Selection patterns, compiled as whole-string matches (Java's `String.matches`);
    /// `None` for a pattern that is not a valid regex (it then matches nothing).
    patterns: HashMap<String, Option<regex::Regex>>,
}

impl Templates {
    /// Parse every request, response and integration-response template of `resources`.
    pub fn compile(resources: &[Resource], extra: impl IntoIterator<Item = String>) -> Self {
        let mut t = Self::default();
        for r in resources {
            for m in r.resource_methods.iter().flat_map(|m| m.values()) {
                let Some(i) = &m.method_integration else {
                    continue;
                };
                for text in i.request_templates.iter().flat_map(|m| m.values()) {
                    t.add(text);
                }
                for ir in i.integration_responses.iter().flat_map(|m| m.values()) {
                    for text in ir.response_templates.iter().flat_map(|m| m.values()) {
                        t.add(text);
                    }
                    if let Some(p) = ir.selection_pattern.as_deref().filter(|p| !p.is_empty()) {
                        t.patterns
                            .entry(p.to_string())
                            .or_insert_with(|| compile_pattern(p));
                    }
                }
            }
        }
        for text in extra {
            t.add(&text);
        }
        t
    }

    fn add(&mut self, text: &str) {
        if !self.parsed.contains_key(text) {
            let parsed = Template::parse(text)
                .map(Arc::new)
                .map_err(|e| e.to_string());
            self.parsed.insert(text.to_string(), parsed);
        }
    }

    /// Whether a selection pattern matches the whole of `text`.
    pub fn pattern_matches(&self, pattern: &str, text: &str) -> bool {
        match self.patterns.get(pattern) {
            Some(re) => re.as_ref().is_some_and(|re| re.is_match(text)),
            None => compile_pattern(pattern).is_some_and(|re| re.is_match(text)),
        }
    }

    /// The parsed template for a text (parsing it now if it was not seen at compile time).
    pub fn get(&self, text: &str) -> Result<Arc<Template>, String> {
        match self.parsed.get(text) {
            Some(r) => r.clone(),
            None => Template::parse(text)
                .map(Arc::new)
                .map_err(|e| e.to_string()),
        }
    }
}

/// Compile a selection pattern as a whole-string match.
fn compile_pattern(p: &str) -> Option<regex::Regex> {
    regex::Regex::new(&format!("^(?s:{p})$")).ok()
}

/// The integration request body of a non-proxy integration: the request template chosen by
/// Content-Type under the passthrough rules, rendered against `ctx` (which carries its
/// `requestOverride`/`responseOverride` on to the response templates), or the client's body.
/// Also the request overrides the template set, when one ran.
///
/// # Errors
/// 415 when the passthrough rules let nothing through; 500 for a template that fails.
pub fn render_request(
    integration: &apigw_model::Integration,
    templates: &Templates,
    ctx: &mut apigw_vtl::Context,
    req: &crate::request::RequestInfo,
) -> Result<(String, Option<apigw_vtl::RequestOverride>), crate::error::GatewayError> {
    use crate::error::{GatewayError, ResponseType};
    match select_request(
        integration.request_templates.as_ref(),
        req.header("content-type"),
        integration.passthrough_behavior.as_deref(),
    ) {
        RequestBody::Template(text) => {
            let t = templates.get(text).map_err(|e| GatewayError::config(&e))?;
            let rendered = t
                .render(ctx)
                .map_err(|e| GatewayError::config(&e.to_string()))?;
            ctx.carry_overrides(&rendered);
            Ok((rendered.output, Some(rendered.request_override)))
        }
        RequestBody::Passthrough => Ok((req.body.clone(), None)),
        RequestBody::Unsupported => Err(GatewayError::new(
            ResponseType::UnsupportedMediaType,
            "Unsupported Media Type",
        )),
    }
}

/// What the integration request body is, after the passthrough rules.
#[derive(Debug, PartialEq, Eq)]
pub enum RequestBody<'a> {
    /// Render this template.
    Template(&'a str),
    /// Pass the client's body through unchanged.
    Passthrough,
    /// 415 Unsupported Media Type.
    Unsupported,
}

/// Choose the request template for a Content-Type under `passthroughBehavior`
/// (`WHEN_NO_MATCH` default, `WHEN_NO_TEMPLATES`, `NEVER`). The Content-Type defaults to
/// `application/json` and is matched without its parameters, case-insensitively.
pub fn select_request<'a>(
    templates: Option<&'a StringMap>,
    content_type: Option<&str>,
    passthrough: Option<&str>,
) -> RequestBody<'a> {
    // Compared case-insensitively below, so no lower-cased copy.
    let ct = content_type
        .and_then(|c| c.split(';').next())
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or("application/json");
    let empty = templates.is_none_or(|t| t.is_empty());
    if let Some(t) = templates.and_then(|t| t.iter().find(|(k, _)| k.eq_ignore_ascii_case(ct))) {
        return RequestBody::Template(t.1);
    }
    match passthrough.unwrap_or("WHEN_NO_MATCH") {
        "WHEN_NO_MATCH" => RequestBody::Passthrough,
        "WHEN_NO_TEMPLATES" if empty => RequestBody::Passthrough,
        _ => RequestBody::Unsupported,
    }
}

/// Choose a response template: the one for the first `Accept` type that has one, else
/// `application/json`, else the first defined. Returns (content type, template).
pub fn select_response<'a>(
    templates: Option<&'a StringMap>,
    accept: Option<&str>,
) -> Option<(&'a str, &'a str)> {
    let t = templates?;
    if let Some(accept) = accept {
        for part in accept.split(',') {
            let want = part.split(';').next().unwrap_or("").trim();
            if let Some((k, v)) = t.iter().find(|(k, _)| k.eq_ignore_ascii_case(want)) {
                return Some((k, v));
            }
        }
    }
    t.get_key_value("application/json")
        .or_else(|| t.iter().next())
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> StringMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn passthrough_rules() {
        let t = map(&[("application/json", "J")]);
        assert_eq!(
            select_request(Some(&t), None, None),
            RequestBody::Template("J")
        );
        assert_eq!(
            select_request(Some(&t), Some("Application/JSON; charset=utf-8"), None),
            RequestBody::Template("J")
        );
        assert_eq!(
            select_request(Some(&t), Some("text/plain"), None),
            RequestBody::Passthrough
        );
        assert_eq!(
            select_request(Some(&t), Some("text/plain"), Some("WHEN_NO_TEMPLATES")),
            RequestBody::Unsupported
        );
        assert_eq!(
            select_request(None, Some("text/plain"), Some("WHEN_NO_TEMPLATES")),
            RequestBody::Passthrough
        );
        assert_eq!(
            select_request(None, Some("text/plain"), Some("NEVER")),
            RequestBody::Unsupported
        );
        assert_eq!(
            select_request(Some(&t), Some("text/plain"), Some("NEVER")),
            RequestBody::Unsupported
        );
    }

    #[test]
    fn response_choice() {
        let t = map(&[("application/json", "J"), ("application/xml", "X")]);
        assert_eq!(
            select_response(Some(&t), Some("application/xml")),
            Some(("application/xml", "X"))
        );
        assert_eq!(
            select_response(Some(&t), Some("text/html, */*")),
            Some(("application/json", "J"))
        );
        assert_eq!(select_response(None, None), None);
    }
}
