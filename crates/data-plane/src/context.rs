//! `$context`, `$input.params()` and `$stageVariables` for one request, as templates see them.

use serde_json::{json, Map, Value};

use crate::gateway::Invocation;

/// A request's header names as the client spelled them, in the order sent: set by the server
/// (hyper keeps only lower-case names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalHeaderNames(Names);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Names {
    /// One name per line.
    Lines(String),
    /// The raw HTTP/1.1 request head, read when a name is asked for. The server's fast path
    /// keeps the head it parsed (its header values point into it anyway) instead of copying
    /// the names out for every request, when few requests ever need them.
    Head(bytes::Bytes),
}

impl OriginalHeaderNames {
    /// Names given one per line.
    pub fn from_lines(names: String) -> Self {
        Self(Names::Lines(names))
    }

    /// The names of a raw request head (request line, header lines, blank line) that httparse
    /// accepted: lines end in CRLF or LF, and none is folded.
    pub fn from_head(head: bytes::Bytes) -> Self {
        Self(Names::Head(head))
    }

    /// The names, in order.
    pub fn names(&self) -> Vec<&str> {
        match &self.0 {
            Names::Lines(text) => text.split('\n').filter(|n| !n.is_empty()).collect(),
            Names::Head(head) => head
                .split(|b| *b == b'\n')
                .skip(1)
                .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
                .take_while(|line| !line.is_empty())
                .map(|line| {
                    let name = line.split(|b| *b == b':').next().unwrap_or_default();
                    // Names are tokens (ASCII), as httparse checked.
                    std::str::from_utf8(name).unwrap_or_default()
                })
                .collect(),
        }
    }
}

/// The connection a request came on, as the server passes it beside the request: the client's
/// address and, when known, its spelling of the header names. (Not in the request's
/// extensions: inserting there cost a boxed hash map per request, ~0.6k instructions.)
#[derive(Debug, Clone)]
pub struct Client {
    /// The client's address.
    pub addr: std::net::SocketAddr,
    /// The header names as sent, when the server could follow them.
    pub header_names: Option<OriginalHeaderNames>,
}

impl Client {
    /// The header names as the client spelled them, when known.
    pub fn header_names(client: Option<&Client>) -> Option<&OriginalHeaderNames> {
        client.and_then(|c| c.header_names.as_ref())
    }
}

/// A request's headers as `(name, value)` pairs: in the order and spelling the client sent
/// when `original` matches them (it always should; a mismatch falls back), else with hyper's
/// lower-case names.
pub fn header_pairs(
    headers: &axum::http::HeaderMap,
    original: Option<&OriginalHeaderNames>,
) -> Vec<(String, String)> {
    let text = |v: &axum::http::HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
    if let Some(original) = original {
        let names = original.names();
        // hyper's map iterates in arrival order when no name repeats: the usual case, matched
        // pairwise without hashing.
        let mut out = Vec::with_capacity(headers.len());
        for (name, (key, value)) in names.iter().zip(headers.iter()) {
            if !name.eq_ignore_ascii_case(key.as_str()) {
                break;
            }
            out.push((name.to_string(), text(value)));
        }
        if out.len() == headers.len() && names.len() == out.len() {
            return out;
        }
        if names.len() == headers.len() {
            let mut out = Vec::with_capacity(names.len());
            let mut seen: Vec<(String, usize)> = Vec::new();
            for name in &names {
                let lower = name.to_ascii_lowercase();
                let nth = match seen.iter_mut().find(|(n, _)| *n == lower) {
                    Some((_, count)) => {
                        *count += 1;
                        *count - 1
                    }
                    None => {
                        seen.push((lower.clone(), 1));
                        0
                    }
                };
                match headers.get_all(lower.as_str()).iter().nth(nth) {
                    Some(v) => out.push(((*name).to_string(), text(v))),
                    None => {
                        out.clear();
                        break;
                    }
                }
            }
            if out.len() == names.len() {
                return out;
            }
        }
    }
    headers
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), text(v)))
        .collect()
}

/// What the client sent, in the form templates read it.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    /// The HTTP method.
    pub method: String,
    /// The request path after the stage (`/pets/1`).
    pub path: String,
    /// Query string parameters in order (multi-valued keys repeat).
    pub query: Vec<(String, String)>,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The client's address.
    pub source_ip: String,
    /// The `Host` header.
    pub host: String,
    /// The request body as text (lossy for binary bodies).
    pub body: String,
}

impl RequestInfo {
    /// A header's value (case-insensitive name; the last one wins, as AWS's single-value view).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's value (the last one wins).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Build `$context` for an invocation.
pub fn context_object(
    inv: &Invocation<'_>,
    req: &RequestInfo,
    now: chrono::DateTime<chrono::Utc>,
) -> Map<String, Value> {
    let stage = &inv.stage.stage.stage_name;
    let prefix = req.host.split('.').next().unwrap_or_default().to_string();
    let v = json!({
        "accountId": inv.scope.account,
        "apiId": inv.api_id,
        "authorizer": inv.authorizer.as_ref().map(crate::authorizer::Authorized::context),
        "deploymentId": inv.stage.deployment.id,
        "domainName": req.host,
        "domainPrefix": prefix,
        "extendedRequestId": inv.extended_request_id,
        "httpMethod": req.method,
        "identity": {
            "accountId": null,
            "apiKey": inv.api_key.as_ref().map(|k| &*k.value),
            "apiKeyId": inv.api_key.as_ref().map(|k| &*k.id),
            "caller": null,
            "cognitoAuthenticationProvider": null,
            "cognitoAuthenticationType": null,
            "cognitoIdentityId": null,
            "cognitoIdentityPoolId": null,
            "principalOrgId": null,
            "sourceIp": req.source_ip,
            "user": null,
            "userAgent": req.header("user-agent"),
            "userArn": null,
        },
        "path": if req.path == "/" { format!("/{stage}/") } else { format!("/{stage}{}", req.path) },
        "protocol": "HTTP/1.1",
        "requestId": inv.request_id,
        "requestTime": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        "requestTimeEpoch": now.timestamp_millis(),
        "resourceId": inv.resource.id,
        "resourcePath": inv.resource.path,
        "stage": stage,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The template context for the integration request.
pub fn vtl_context(
    inv: &Invocation<'_>,
    req: &RequestInfo,
    context: Map<String, Value>,
    body: String,
) -> apigw_vtl::Context {
    apigw_vtl::Context {
        body,
        params: apigw_vtl::Params {
            path: inv.path_params.clone(),
            querystring: req.query.clone(),
            header: req.headers.clone(),
        },
        context,
        stage_variables: inv
            .stage
            .stage
            .variables
            .iter()
            .flat_map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())))
            .collect(),
    }
}

/// A template context built only when a template needs one: constant templates (the usual
/// `{"statusCode": 200}` of MOCK and CORS integrations) and literal mappings render without it.
pub struct LazyContext<'a> {
    ctx: Option<apigw_vtl::Context>,
    make: Option<Box<dyn FnOnce() -> apigw_vtl::Context + 'a>>,
}

impl<'a> LazyContext<'a> {
    /// A context made by `make` on first use.
    pub fn new(make: impl FnOnce() -> apigw_vtl::Context + 'a) -> Self {
        Self {
            ctx: None,
            make: Some(Box::new(make)),
        }
    }

    /// A context that exists already.
    pub fn ready(ctx: apigw_vtl::Context) -> Self {
        Self {
            ctx: Some(ctx),
            make: None,
        }
    }

    /// The context, made now if it was not yet.
    pub fn get(&mut self) -> &mut apigw_vtl::Context {
        let Self { ctx, make } = self;
        ctx.get_or_insert_with(|| make.take().map(|f| f()).unwrap_or_default())
    }
}

/// Whether a template is plain text (no reference, directive or escape): it renders as itself.
pub fn is_constant(template: &str) -> bool {
    !template.contains(['$', '#', '\\'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_templates() {
        assert!(is_constant("{\"statusCode\": 200}"));
        assert!(is_constant("ok"));
        assert!(!is_constant("$input.body"));
        assert!(!is_constant("#set($a = 1)"));
        assert!(!is_constant("a \\$ b"));
    }

    #[test]
    fn lazy_context_is_made_once_and_only_when_asked() {
        let made = std::cell::Cell::new(0);
        let mut lazy = LazyContext::new(|| {
            made.set(made.get() + 1);
            apigw_vtl::Context::with_body("x")
        });
        assert_eq!(made.get(), 0);
        assert_eq!(lazy.get().body, "x");
        lazy.get().body.push('y');
        assert_eq!(lazy.get().body, "xy");
        assert_eq!(made.get(), 1);
    }
}

#[cfg(test)]
mod header_tests {
    use super::*;
    use axum::http::HeaderMap;

    #[test]
    fn distinct_names_take_the_pairwise_path() {
        let mut h = HeaderMap::new();
        h.append("host", "x".parse().unwrap());
        h.append("x-api-key", "k".parse().unwrap());
        let names = OriginalHeaderNames::from_lines("Host\nX-Api-Key".into());
        assert_eq!(
            header_pairs(&h, Some(&names)),
            vec![
                ("Host".to_string(), "x".to_string()),
                ("X-Api-Key".to_string(), "k".to_string())
            ]
        );
        // Fewer names than headers: hyper's lower-case names.
        let short = OriginalHeaderNames::from_lines("Host".into());
        assert_eq!(header_pairs(&h, Some(&short))[1].0, "x-api-key");
    }

    #[test]
    fn original_spelling_and_order() {
        let mut h = HeaderMap::new();
        h.append("x-b", "1".parse().unwrap());
        h.append("content-type", "text/plain".parse().unwrap());
        h.append("x-b", "2".parse().unwrap());
        let names = OriginalHeaderNames::from_lines("X-B\nContent-Type\nx-B".into());
        assert_eq!(
            header_pairs(&h, Some(&names)),
            vec![
                ("X-B".to_string(), "1".to_string()),
                ("Content-Type".to_string(), "text/plain".to_string()),
                ("x-B".to_string(), "2".to_string()),
            ]
        );
        // Names that do not match the headers are not used.
        let wrong = OriginalHeaderNames::from_lines("X-B\nAccept\nX-B".into());
        assert!(header_pairs(&h, Some(&wrong))
            .iter()
            .all(|(k, _)| *k == k.to_ascii_lowercase()));
        assert_eq!(header_pairs(&h, None).len(), 3);
    }

    #[test]
    fn names_read_from_a_raw_head() {
        for head in [
            &b"GET /a:b HTTP/1.1\r\nHost: x:1\r\nX-Api-Key:k\r\nx-B: 1\r\n\r\nbody: no"[..],
            b"GET /a:b HTTP/1.1\nHost: x:1\nX-Api-Key:k\nx-B: 1\n\n",
        ] {
            let names = OriginalHeaderNames::from_head(bytes::Bytes::copy_from_slice(head));
            assert_eq!(names.names(), ["Host", "X-Api-Key", "x-B"]);
        }
        let none =
            OriginalHeaderNames::from_head(bytes::Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n"));
        assert!(none.names().is_empty());
        assert!(OriginalHeaderNames::from_lines(String::new())
            .names()
            .is_empty());
    }
}
